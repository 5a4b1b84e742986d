"""EDD reliability: how well the estimated discharge dates of a range of discharges held,
and the NCTR delay days of each week by delay-reason group.

Definitions (``docs/edd.md``), for the spells discharged from ``start`` to ``end`` (UK
dates, inclusive):

- **first EDD**: the EDD that held 24 hours after admission (when it is due); if none
  was set by then, the first one set afterwards;
- **last EDD**: the EDD that held at discharge;
- **EDD changes**: how many times the EDD changed after the first EDD;
- **days late**: discharge date minus the first EDD (negative: discharged early).

Shares and means are of the stays that had an EDD. Every figure comes from the spells'
effective-dated history (:mod:`discharge_hub.facts`): the EDD facts, and for the weekly
delay days the DRD, delay reason and (for one site) location facts as they held at the
end of each day (all read in one join). Six statements whatever the range.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import EddChange, Patient, Site, Spell, Ward
from discharge_hub.models.fact import DELAY_REASON, DRD, EDD, LOCATION
from discharge_hub.reports.common import check_site, day_end_utc, day_start_utc
from discharge_hub.reports.counts import Count
from discharge_hub.reports.delay_trend import (
    WeekDelays,
    naive,
    stays_in_range,
    weekly_delay_days,
)
from discharge_hub.reports.red2green import ranked_reasons
from discharge_hub.wards import natural_key

EDD_DUE = timedelta(hours=24)
MAX_DAYS = 366
TOP_REASONS = 10
NOT_RECORDED = "Not recorded"
# Days late (discharge date − first EDD): (label, lowest, highest); None: open-ended.
LATE_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("3+ early", None, -3),
    ("1–2 early", -2, -1),
    ("On the day", 0, 0),
    ("1 late", 1, 1),
    ("2–3 late", 2, 3),
    ("4–7 late", 4, 7),
    ("8–14 late", 8, 14),
    ("15+ late", 15, None),
)
CHANGE_BANDS = ("0", "1", "2", "3", "4+")


@dataclass(frozen=True)
class EddStay:
    """One discharged stay, as the EDD export writes it."""

    spell_id: int
    nhs_number: str
    site: str
    ward: str
    specialty: str | None
    admitted: date
    first_edd: date | None
    last_edd: date | None
    edd_changes: int
    discharged: date

    @property
    def days_late(self) -> int | None:
        return (self.discharged - self.first_edd).days if self.first_edd else None


@dataclass(frozen=True)
class EddGroup:
    """The EDD figures of one group of stays (a site, a ward, a specialty, or all)."""

    label: str
    stays: int
    with_edd: int
    on_first: int
    on_last: int
    days_late: int  # total over the stays with an EDD
    changes: int  # total over the stays with an EDD

    @property
    def share_on_first(self) -> float | None:
        return self.on_first / self.with_edd if self.with_edd else None

    @property
    def share_on_last(self) -> float | None:
        return self.on_last / self.with_edd if self.with_edd else None

    @property
    def mean_days_late(self) -> float | None:
        return self.days_late / self.with_edd if self.with_edd else None

    @property
    def changes_per_stay(self) -> float | None:
        return self.changes / self.with_edd if self.with_edd else None


@dataclass(frozen=True)
class EddReliability:
    start: date
    end: date
    site: str | None
    stays: tuple[EddStay, ...]
    overall: EddGroup
    by_site: tuple[EddGroup, ...]
    by_ward: tuple[EddGroup, ...]
    by_specialty: tuple[EddGroup, ...]
    days_late: tuple[Count, ...]
    changes: tuple[Count, ...]
    reasons: tuple[Count, ...]
    delay_groups: tuple[str, ...]
    weeks: tuple[WeekDelays, ...]

    @property
    def site_label(self) -> str:
        return self.site or "All sites"


def check_range(start: date, end: date, *, today: date | None = None) -> None:
    """A range of days that have started, at most a year long."""
    if end < start:
        raise ValidationError("to", f"{end:%Y-%m-%d}", f"is before --from {start:%Y-%m-%d}")
    if end > (today or clock.today()):
        raise ValidationError("to", f"{end:%Y-%m-%d}", "is in the future")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError("to", f"{end:%Y-%m-%d}", f"is more than {MAX_DAYS} days after --from")


def _discharged(start: date, end: date, site: str | None) -> Any:
    """The ids of the spells discharged in the range (from ``site``)."""
    stmt = select(Spell.id).where(
        Spell.discharged_at >= day_start_utc(start), Spell.discharged_at < day_end_utc(end)
    )
    if site:
        stmt = stmt.join(Site, Site.id == Spell.site_id).where(Site.name == site)
    return stmt


def _stays_statement(start: date, end: date, site: str | None) -> Any:
    stmt = (
        select(Spell.id, Patient.nhs_number, Site.name, Ward.name, Spell.specialty)
        .add_columns(naive(Spell.admitted_at), Spell.edd, naive(Spell.discharged_at))
        .join(Patient, Patient.id == Spell.patient_id)
        .join(Site, Site.id == Spell.site_id)
        .join(Ward, Ward.id == Spell.ward_id)
        .where(Spell.discharged_at >= day_start_utc(start), Spell.discharged_at < day_end_utc(end))
    )
    return stmt.where(Site.name == site) if site else stmt


def first_edd(admitted_at: datetime, edds: Sequence[tuple[datetime, date]]) -> tuple[int, int]:
    """(index of the first EDD in ``edds``, changes after it); (-1, 0) for none. The
    instants are naive UTC, as stored (``delay_trend.naive``)."""
    if not edds:
        return -1, 0
    due = admitted_at + EDD_DUE
    index = 0
    for i, (since, _day) in enumerate(edds):
        if since <= due:
            index = i
    changes = sum(1 for a, b in zip(edds[index:], edds[index + 1 :], strict=False) if a[1] != b[1])
    return index, changes


def _stay(row: Any, edds: Sequence[tuple[datetime, date]]) -> EddStay:
    spell_id, nhs, site, ward, specialty, admitted_at, edd, discharged_at = row
    index, changes = first_edd(admitted_at, edds)
    return EddStay(
        spell_id=spell_id,
        nhs_number=nhs,
        site=site,
        ward=ward,
        specialty=specialty,
        admitted=clock.local_date(admitted_at),
        first_edd=edds[index][1] if index >= 0 else None,
        last_edd=edd,
        edd_changes=changes,
        discharged=clock.local_date(discharged_at),
    )


def group(label: str, stays: Iterable[EddStay]) -> EddGroup:
    """The figures of a group of stays, in one pass."""
    count = dated = on_first = on_last = late = changes = 0
    for s in stays:
        count += 1
        if s.first_edd is None:
            continue
        days = (s.discharged - s.first_edd).days
        dated += 1
        on_first += days == 0
        on_last += s.last_edd == s.discharged
        late += days
        changes += s.edd_changes
    return EddGroup(label, count, dated, on_first, on_last, late, changes)


def _groups(stays: Sequence[EddStay], key: Callable[[EddStay], str]) -> tuple[EddGroup, ...]:
    members: dict[str, list[EddStay]] = defaultdict(list)
    for stay in stays:
        members[key(stay)].append(stay)
    return tuple(group(label, members[label]) for label in sorted(members, key=natural_key))


def late_band(days: int) -> str:
    for label, low, high in LATE_BANDS:
        if (low is None or days >= low) and (high is None or days <= high):
            return label
    raise AssertionError("the bands cover every whole number")


def _distributions(stays: Sequence[EddStay]) -> tuple[tuple[Count, ...], tuple[Count, ...]]:
    late = Counter(late_band(s.days_late) for s in stays if s.days_late is not None)
    changes = Counter(
        CHANGE_BANDS[min(s.edd_changes, len(CHANGE_BANDS) - 1)] for s in stays if s.first_edd
    )
    return (
        tuple(Count(label, label, late.get(label, 0)) for label, _, _ in LATE_BANDS),
        tuple(Count(label, label, changes.get(label, 0)) for label in CHANGE_BANDS),
    )


def _reasons(session: Session, spells: Any) -> tuple[Count, ...]:
    rows = session.scalars(
        select(EddChange.reason).where(
            EddChange.spell_id.in_(spells), EddChange.old_edd.is_not(None)
        )
    )
    return ranked_reasons(rows, TOP_REASONS)


def edd_reliability(
    session: Session, *, start: date, end: date, site: str | None = None
) -> EddReliability:
    """The EDD reliability of the discharges from ``start`` to ``end``, one site or all."""
    check_range(start, end)
    site = check_site(session, site)
    ids = _discharged(start, end, site)
    stmt = _stays_statement(start, end, site)
    kinds = [EDD, DRD, DELAY_REASON, *([LOCATION] if site else [])]
    in_range = stays_in_range(session, start=start, end=end, kinds=kinds)
    edds = {
        stay.spell_id: [(since, day) for since, day in stay.facts.get(EDD, []) if day]
        for stay in in_range
    }
    stays = tuple(
        sorted(
            (_stay(row, edds.get(row[0], [])) for row in session.execute(stmt)),
            key=lambda s: (s.discharged, s.site, s.ward, s.nhs_number),
        )
    )
    late, changes = _distributions(stays)
    groups, weeks = weekly_delay_days(session, start=start, end=end, site=site, stays=in_range)
    return EddReliability(
        start=start,
        end=end,
        site=site,
        stays=stays,
        overall=group("All discharges", stays),
        by_site=_groups(stays, lambda s: s.site),
        by_ward=_groups(stays, lambda s: f"{s.ward} ({s.site})"),
        by_specialty=_groups(stays, lambda s: s.specialty or NOT_RECORDED),
        days_late=late,
        changes=changes,
        reasons=_reasons(session, ids),
        delay_groups=groups,
        weeks=weeks,
    )
