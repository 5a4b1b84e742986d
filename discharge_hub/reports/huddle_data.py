"""Every figure of the daily huddle for a date and optionally one site.

One frozen :class:`HuddleFigures` feeds both the printed report and the on-screen
dashboard, so the two can never disagree. Five SQL statements at most, whatever the
number of spells: the site check, the places, the patient rows (with the day's
Red2Green), yesterday's discharges and the waiting placements.

The huddle for day D covers the spells *open at the end of D* (admitted on or before D,
not discharged on or before D), like the sitrep; for today that is every open spell.
Each spell is shown as it stood at the end of D: its ward and bed, EDD, DRD, pathway,
delay reason, next action and placement states from its effective-dated history
(:mod:`discharge_hub.reports.as_of`), so a past day reads the same after later edits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from discharge_hub.models import (
    EthnicCategory,
    Patient,
    Place,
    Placement,
    Red2GreenDay,
    ServiceType,
    Site,
    Spell,
    SpellFact,
)
from discharge_hub.models.fact import PLACEMENT
from discharge_hub.reports.as_of import board_at, held, open_at, with_location
from discharge_hub.reports.common import (
    NONE,
    PATHWAYS,
    check_site,
    day_end_utc,
    day_start_utc,
)
from discharge_hub.reports.counts import Count as Count  # re-exported: callers import it here
from discharge_hub.reports.red2green import WardRed2Green, red2green_of_day
from discharge_hub.services.board import BOARD_COLUMNS, board_codes, in_board_order
from discharge_hub.services.board_rows import BoardRow, row_builder
from discharge_hub.services.hub import WAITING_STATES

NOT_RECORDED = "Not recorded"
# Length-of-stay bands for the dashboard chart: (label, lowest LOS, highest LOS).
LOS_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0–6", 0, 6),
    ("7–13", 7, 13),
    ("14–20", 14, 20),
    ("21+", 21, None),
)


@dataclass(frozen=True)
class EquityRow:
    """Inpatients, NCTR and delay days for one group of patients."""

    label: str
    inpatients: int
    nctr: int
    delay_days: int

    @property
    def mean_delay_days(self) -> float | None:
        return self.delay_days / self.nctr if self.nctr else None


@dataclass(frozen=True)
class HuddleFigures:
    on: date
    site: str | None
    inpatients: int
    edd_missing: int
    edd_passed: int
    nctr: int
    nctr_delay_days: int
    nctr_by_pathway: tuple[Count, ...]
    nctr_by_delay_reason: tuple[Count, ...]
    nctr_delay_days_by_reason: tuple[Count, ...]
    expected_today: int
    expected_tomorrow: int
    discharged_previous_day: int
    discharged_previous_day_by_pathway: tuple[Count, ...]
    los_7plus: int
    los_14plus: int
    los_21plus: int
    los_bands: tuple[Count, ...]
    placements_waiting: int
    placements_waiting_by_service: tuple[Count, ...]
    placements_waiting_by_place: tuple[Count, ...]
    hub_no_carer_contact: int
    equity_by_place: tuple[EquityRow, ...]
    equity_by_ethnic_group: tuple[EquityRow, ...]
    equity_by_interpreter: tuple[EquityRow, ...]
    rows: tuple[BoardRow, ...]
    red2green_by_ward: tuple[WardRed2Green, ...]
    red_day_reasons: tuple[Count, ...]

    @property
    def site_label(self) -> str:
        return self.site or "All sites"

    @property
    def previous_day(self) -> date:
        return self.on - timedelta(days=1)

    def wards(self) -> list[tuple[str, str, list[BoardRow]]]:
        """(site, ward, rows) in board order, for the per-ward patient lists."""
        grouped: dict[tuple[str, str], list[BoardRow]] = {}
        for row in self.rows:
            grouped.setdefault((row.site, row.ward), []).append(row)
        return [(site, ward, rows) for (site, ward), rows in grouped.items()]


def _rows_statement(on: date, site: str | None) -> Any:
    """The board's columns (``services.board_rows.row_builder`` reads them) for the spells open at
    the end of ``on`` as they stood then, then the patient's ethnic group and place and
    the reason given for the day if it was red."""
    red_reason = (
        select(Red2GreenDay.reason)
        .where(Red2GreenDay.spell_id == Spell.id, Red2GreenDay.day == on)
        .where(Red2GreenDay.colour == "red")
        .correlate(Spell)
        .scalar_subquery()
    )
    stmt = (
        board_at(on)
        .add_columns(EthnicCategory.group, Place.name, red_reason)
        .outerjoin(EthnicCategory, EthnicCategory.code == Patient.ethnic_category_code)
        .outerjoin(Place, Place.code == Patient.place_code)
    )
    return stmt.where(Site.name == site) if site else stmt


def _discharged_by_pathway(session: Session, on: date, site: str | None) -> Counter[str]:
    stmt = (
        select(Spell.pathway_code, func.count(Spell.id))
        .where(Spell.discharged_at >= day_start_utc(on), Spell.discharged_at < day_end_utc(on))
        .group_by(Spell.pathway_code)
    )
    if site:
        stmt = stmt.join(Site, Site.id == Spell.site_id).where(Site.name == site)
    return Counter({(code or NONE): n for code, n in session.execute(stmt)})


def _waiting_placements(session: Session, on: date, site: str | None) -> list[tuple[str, str, int]]:
    """Placements waiting at the end of ``on``, by service type and place."""
    end = day_end_utc(on)
    spells: Any = select(Spell.id).where(open_at(end))
    if site:
        spells = with_location(spells, end)[0].where(Site.name == site)
    fact = aliased(SpellFact, name="fact_placement")
    stmt = (
        select(ServiceType.label, Place.name, func.count(fact.id))
        .select_from(fact)
        .join(Placement, Placement.id == fact.placement_id)
        .join(ServiceType, ServiceType.code == Placement.service_type_code)
        .outerjoin(Place, Place.code == Placement.place_code)
        .where(fact.kind == PLACEMENT, held(fact, end), fact.state.in_(WAITING_STATES))
        .where(fact.spell_id.in_(spells))
        .group_by(ServiceType.label, Place.name)
    )
    return [(service, place or NOT_RECORDED, n) for service, place, n in session.execute(stmt)]


def _counts(counter: Counter[str], keys: Iterable[str] | None = None) -> tuple[Count, ...]:
    """Fixed keys in their order (zeros kept), else the counted keys by count then name."""
    if keys is None:
        keys = sorted(counter, key=lambda k: (-counter[k], k))
    return tuple(Count(k, k, counter.get(k, 0)) for k in keys)


def _equity(rows: list[tuple[BoardRow, str]], fixed: Iterable[str] = ()) -> tuple[EquityRow, ...]:
    groups: dict[str, list[BoardRow]] = defaultdict(list)
    for row, label in rows:
        groups[label].append(row)
    labels = [*fixed, *sorted(k for k in groups if k not in fixed and k != NOT_RECORDED)]
    if NOT_RECORDED in groups and NOT_RECORDED not in labels:
        labels.append(NOT_RECORDED)
    out = []
    for label in labels:
        members = groups.get(label, [])
        nctr = [r for r in members if r.ready_for_discharge]
        out.append(EquityRow(label, len(members), len(nctr), sum(r.delay_days or 0 for r in nctr)))
    return tuple(out)


def _los_bands(rows: Iterable[BoardRow]) -> tuple[Count, ...]:
    counts: Counter[str] = Counter()
    for row in rows:
        for label, low, high in LOS_BANDS:
            if row.los >= low and (high is None or row.los <= high):
                counts[label] += 1
    return tuple(Count(label, label, counts.get(label, 0)) for label, _, _ in LOS_BANDS)


def _reason_counts(nctr: list[BoardRow]) -> tuple[tuple[Count, ...], tuple[Count, ...]]:
    labels: dict[str, str] = {}
    counts: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for row in nctr:
        key = row.delay_reason or NONE
        labels[key] = row.delay_reason_label or "No delay reason recorded"
        counts[key] += 1
        days[key] += row.delay_days or 0
    keys = sorted(counts, key=lambda k: (k == NONE, -counts[k], k))
    return (
        tuple(Count(k, labels[k], counts[k]) for k in keys),
        tuple(Count(k, labels[k], days[k]) for k in keys),
    )


def huddle_figures(session: Session, *, on: date, site: str | None = None) -> HuddleFigures:
    """The huddle for day ``on`` (a UK date), for one site or (``None``) all sites."""
    site = check_site(session, site)
    places = list(session.scalars(select(Place.name).order_by(Place.name)))
    raw = session.execute(_rows_statement(on, site)).all()
    build = row_builder(on, board_codes(session))
    cols = BOARD_COLUMNS  # then the ethnic group, the place and the red day's reason
    pairs = [(build(r[:cols]), r[cols], r[cols + 1]) for r in raw]
    rows = in_board_order([row for row, _, _ in pairs])
    nctr = [r for r in rows if r.ready_for_discharge]
    by_reason, days_by_reason = _reason_counts(nctr)
    gone = _discharged_by_pathway(session, on - timedelta(days=1), site)
    waiting = _waiting_placements(session, on, site)
    by_service: Counter[str] = Counter()
    by_place: Counter[str] = Counter()
    for service, place, n in waiting:
        by_service[service] += n
        by_place[place] += n
    red2green, red_reasons = red2green_of_day(rows, (r[cols + 2] for r in raw))
    label: Callable[[str | None], str] = lambda v: v or NOT_RECORDED  # noqa: E731
    return HuddleFigures(
        on=on,
        site=site,
        inpatients=len(rows),
        edd_missing=sum(1 for r in rows if r.edd is None),
        edd_passed=sum(1 for r in rows if r.edd_passed),
        nctr=len(nctr),
        nctr_delay_days=sum(r.delay_days or 0 for r in nctr),
        nctr_by_pathway=_counts(Counter(r.pathway or NONE for r in nctr), PATHWAYS),
        nctr_by_delay_reason=by_reason,
        nctr_delay_days_by_reason=days_by_reason,
        expected_today=sum(1 for r in rows if r.days_to_edd == 0),
        expected_tomorrow=sum(1 for r in rows if r.days_to_edd == 1),
        discharged_previous_day=sum(gone.values()),
        discharged_previous_day_by_pathway=_counts(gone, PATHWAYS),
        los_7plus=sum(1 for r in rows if r.los >= 7),
        los_14plus=sum(1 for r in rows if r.los >= 14),
        los_21plus=sum(1 for r in rows if r.los >= 21),
        los_bands=_los_bands(rows),
        placements_waiting=sum(by_service.values()),
        placements_waiting_by_service=_counts(by_service),
        placements_waiting_by_place=_counts(
            by_place, [*places, *sorted(set(by_place) - set(places))]
        ),
        hub_no_carer_contact=sum(1 for r in rows if r.no_carer_contact_flag),
        equity_by_place=_equity([(r, label(p)) for r, _, p in pairs], places),
        equity_by_ethnic_group=_equity([(r, label(g)) for r, g, _ in pairs]),
        equity_by_interpreter=_equity(
            [
                (r, "Interpreter needed" if r.interpreter_needed else "No interpreter needed")
                for r in rows
            ],
            ("Interpreter needed", "No interpreter needed"),
        ),
        rows=tuple(rows),
        red2green_by_ward=red2green,
        red_day_reasons=red_reasons,
    )
