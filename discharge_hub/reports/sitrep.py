"""The daily discharge sitrep for NHS England, as a CSV of ``date,site,measure,breakdown,value``.

Definitions (also in ``docs/sitrep.md``): a spell is *open at the end of D* when it was
admitted on or before D and not discharged on or before D (UK calendar days of the
stored UTC instants). LOS on D is D minus the admission date. An open spell counts as it
stood at the end of D (its site, DRD, pathway and delay reason then, from its history);
a spell discharged on D with what its discharge recorded. Four statements, whatever the
number of spells: the sites, the delay reason codes, the open spells, the discharges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.csv_safety import csv_bytes
from discharge_hub.models import DelayReason, Site, Spell, SpellFact
from discharge_hub.models.fact import DELAY_REASON, DRD, PATHWAY
from discharge_hub.reports.as_of import fact_at, open_at, with_location
from discharge_hub.reports.common import NONE, PATHWAYS, day_end_utc, day_start_utc

COLUMNS = ("date", "site", "measure", "breakdown", "value")
ALL_SITES = "ALL"
# Days between the discharge ready date and the discharge: (label, lowest, highest).
DRD_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-6", 4, 6),
    ("7-13", 7, 13),
    ("14-20", 14, 20),
    ("21+", 21, None),
)


@dataclass(frozen=True)
class SitrepRow:
    date: date
    site: str
    measure: str
    breakdown: str
    value: int

    def as_csv(self) -> tuple[str, str, str, str, str]:
        return (f"{self.date:%Y-%m-%d}", self.site, self.measure, self.breakdown, str(self.value))


@dataclass(frozen=True)
class _Spell:
    site: str
    admitted_on: date
    discharged_on: date | None
    drd: date | None
    pathway: str
    reason: str


def drd_band(days: int) -> str:
    """The sitrep band of the days from DRD to discharge (a DRD after it counts as 0)."""
    days = max(days, 0)
    for label, _low, high in DRD_BANDS:
        if high is None or days <= high:
            return label
    raise AssertionError("the last band is open-ended")


def _load(session: Session, on: date) -> tuple[list[str], list[str], list[_Spell]]:
    start, end = day_start_utc(on), day_end_utc(on)
    # Every site that had a patient by the end of D (from the history, so a later
    # transfer to a new site cannot add rows to a past day's return).
    been = exists().where(SpellFact.site_id == Site.id, SpellFact.valid_from < end)
    sites = list(session.scalars(select(Site.name).where(been).order_by(Site.name)))
    reasons = sorted(
        set(session.scalars(select(DelayReason.code).where(DelayReason.active.is_(True))))
    )
    rows = [*session.execute(_open_statement(end)), *session.execute(_gone_statement(start, end))]
    spells = [
        _Spell(
            site=site,
            admitted_on=clock.local_date(admitted),
            discharged_on=_local(discharged),
            drd=drd,
            pathway=pathway or NONE,
            reason=reason or NONE,
        )
        for site, admitted, discharged, drd, pathway, reason in rows
    ]
    return sites, reasons, spells


def _open_statement(end: datetime) -> Any:
    """Spells open at the end of the day, with their site, DRD, pathway and delay
    reason as they stood then."""
    drd, drd_on = fact_at(DRD, end)
    path, path_on = fact_at(PATHWAY, end)
    why, why_on = fact_at(DELAY_REASON, end)
    stmt = select(
        Site.name, Spell.admitted_at, Spell.discharged_at, drd.day, path.pathway_code,
        DelayReason.code,
    )  # fmt: skip
    stmt = with_location(stmt.select_from(Spell), end)[0]
    return (
        stmt.outerjoin(drd, drd_on)
        .outerjoin(path, path_on)
        .outerjoin(why, why_on)
        .outerjoin(DelayReason, DelayReason.id == why.delay_reason_id)
        .where(open_at(end))
    )


def _gone_statement(start: datetime, end: datetime) -> Any:
    """Spells discharged on the day, as their discharge recorded them."""
    return (
        select(
            Site.name,
            Spell.admitted_at,
            Spell.discharged_at,
            Spell.discharge_ready_date,
            Spell.pathway_code,
            DelayReason.code,
        )  # fmt: skip
        .join(Site, Site.id == Spell.site_id)
        .outerjoin(DelayReason, DelayReason.id == Spell.delay_reason_id)
        .where(Spell.discharged_at >= start, Spell.discharged_at < end)
    )


def _local(moment: datetime | None) -> date | None:
    return clock.local_date(moment) if moment is not None else None


def _figures(
    on: date, site: str, reasons: Sequence[str], spells: Iterable[_Spell]
) -> list[SitrepRow]:
    open_ = [s for s in spells if s.discharged_on is None or s.discharged_on > on]
    nctr = [s for s in open_ if s.drd is not None and s.drd <= on]
    gone = [s for s in spells if s.discharged_on == on]
    los = [(on - s.admitted_on).days for s in open_]
    by_reason = Counter(s.reason for s in nctr)
    banded = Counter(
        drd_band((s.discharged_on - s.drd).days) for s in gone if s.drd and s.discharged_on
    )
    reason_keys = [*reasons, *sorted(set(by_reason) - set(reasons) - {NONE}), NONE]
    measures: list[tuple[str, str, int]] = [
        ("inpatients", "", len(open_)),
        ("nctr", "", len(nctr)),
        *_breakdown("nctr_by_pathway", PATHWAYS, Counter(s.pathway for s in nctr)),
        *_breakdown("nctr_by_delay_reason", reason_keys, by_reason),
        ("delay_days", "", sum((on - s.drd).days for s in nctr if s.drd)),
        ("discharged", "", len(gone)),
        *_breakdown("discharged_by_pathway", PATHWAYS, Counter(s.pathway for s in gone)),
        ("los_7plus", "", sum(1 for d in los if d >= 7)),
        ("los_14plus", "", sum(1 for d in los if d >= 14)),
        ("los_21plus", "", sum(1 for d in los if d >= 21)),
        *_breakdown("drd_delay_band", [b[0] for b in DRD_BANDS], banded),
    ]
    return [SitrepRow(on, site, m, b, v) for m, b, v in measures]


def _breakdown(
    measure: str, keys: Iterable[str], counts: Counter[str]
) -> list[tuple[str, str, int]]:
    return [(measure, key, counts.get(key, 0)) for key in keys]


def sitrep(session: Session, *, on: date) -> list[SitrepRow]:
    """Every sitrep figure for day ``on``: each site that has spells, then ``ALL``."""
    sites, reasons, spells = _load(session, on)
    rows: list[SitrepRow] = []
    for site in sites:
        rows += _figures(on, site, reasons, [s for s in spells if s.site == site])
    rows += _figures(on, ALL_SITES, reasons, spells)
    return rows


def to_csv(rows: Iterable[SitrepRow]) -> bytes:
    """The return as UTF-8 CSV bytes (header first, RFC 4180 line ends). Every cell goes
    through :mod:`discharge_hub.csv_safety`: one that a spreadsheet would run as a
    formula (a site name beginning with ``=``...) is written with a ``'`` in front."""
    return csv_bytes(COLUMNS, (r.as_csv() for r in rows))
