"""NCTR delay days per week by delay-reason group, from the spells' history.

Each day D of the range, every patient in hospital at the end of D with a discharge
ready date on or before D (NCTR) counts one delay day, under the group of the delay
reason that held at the end of D ("No delay reason recorded" when none did); for one
site, only while the patient was at that site. Weeks start on Monday; the first and
last week count only their days inside the range.

Three statements: one join of the spells in hospital during the range with their DRD,
delay reason and (for one site) location facts (the EDD report reads it once for both
its parts), the site and the reason groups; then one pass per spell that had a DRD
over its days from its first DRD, each fact found by walking forward (a value holds
until the next begins).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import DateTime, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from discharge_hub.models import DelayReason, Site, Spell, SpellFact
from discharge_hub.models.fact import DELAY_REASON, DRD, LOCATION
from discharge_hub.reports.common import day_end_utc, day_start_utc

NO_REASON = "No delay reason recorded"


@dataclass(frozen=True)
class WeekDelays:
    """The delay days of one week (``week``: its Monday), per reason group."""

    week: date
    days: tuple[int, ...]  # in the order of the groups returned with it

    @property
    def total(self) -> int:
        return sum(self.days)


class _Walk:
    """The value a fact held at increasing instants: a pointer moving forward."""

    def __init__(self, facts: Sequence[tuple[datetime, Any]]) -> None:
        self.facts, self.i, self.value = facts, 0, None

    def at(self, moment: datetime) -> Any:
        while self.i < len(self.facts) and self.facts[self.i][0] < moment:
            self.value = self.facts[self.i][1]
            self.i += 1
        return self.value


@dataclass(frozen=True)
class _Day:
    day: date
    end: datetime  # the instant it ends: what held then is what counts
    monday: date


def _days(start: date, end: date) -> list[_Day]:
    out = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        end = day_end_utc(day).replace(tzinfo=None)  # naive UTC, like the facts read here
        out.append(_Day(day, end, day - timedelta(days=day.weekday())))
    return out


def _facts_statement(first: datetime, last: datetime, kinds: Sequence[str]) -> Any:
    """Each spell in hospital at some time between ``first`` and ``last``, with its
    facts of ``kinds`` (one row per fact), in spell and time order. One join: the spells
    come from their admission and discharge indexes, each one's facts from its own."""
    return (
        select(Spell.id, naive(Spell.admitted_at), naive(Spell.discharged_at), SpellFact.kind)
        .add_columns(naive(SpellFact.valid_from), SpellFact.day, SpellFact.delay_reason_id)
        .add_columns(SpellFact.site_id)
        .join(SpellFact, and_(SpellFact.spell_id == Spell.id, SpellFact.kind.in_(kinds)))
        .where(
            Spell.admitted_at < last,
            or_(Spell.discharged_at.is_(None), Spell.discharged_at >= first),
        )
        .order_by(Spell.id, SpellFact.kind, SpellFact.valid_from, SpellFact.id)
    )


def naive(column: Any) -> Any:
    """An instant column read as naive UTC, as stored: tens of thousands of values here,
    and making each one aware (``UtcDateTime``) was a third of the report's time."""
    return type_coerce(column, DateTime())


@dataclass(frozen=True)
class StayFacts:
    """A spell's admission, discharge and facts (by kind, oldest first: (from, value));
    instants naive UTC."""

    spell_id: int
    admitted: datetime
    discharged: datetime | None
    facts: dict[str, list[tuple[datetime, Any]]]


def _value(kind: str, day: Any, reason: Any, site: Any) -> Any:
    return site if kind == LOCATION else reason if kind == DELAY_REASON else day


def stays_in_range(
    session: Session, *, start: date, end: date, kinds: Sequence[str]
) -> list[StayFacts]:
    """Every spell in hospital at some time from ``start`` to ``end`` (UK days), with
    its facts of ``kinds`` (a spell with none of them is left out)."""
    first, last = day_start_utc(start), day_end_utc(end)
    rows = session.execute(_facts_statement(first, last, kinds))
    out = []
    for spell_id, grouped in groupby(rows, key=lambda r: r[0]):
        group = list(grouped)
        facts: dict[str, list[tuple[datetime, Any]]] = defaultdict(list)
        for _sid, _in, _out, kind, since, day, reason, site in group:
            facts[kind].append((since, _value(kind, day, reason, site)))
        out.append(StayFacts(spell_id, group[0][1], group[0][2], facts))
    return out


def weekly_delay_days(
    session: Session,
    *,
    start: date,
    end: date,
    site: str | None = None,
    stays: Sequence[StayFacts] | None = None,
) -> tuple[tuple[str, ...], tuple[WeekDelays, ...]]:
    """(reason groups with any delay days, in order; each week's days per group).
    ``stays``: :func:`stays_in_range` already read, with DRD, delay reason and (for a
    site) location facts."""
    days = _days(start, end)
    kinds = [DRD, DELAY_REASON, *([LOCATION] if site else [])]
    if stays is None:
        stays = stays_in_range(session, start=start, end=end, kinds=kinds)
    site_id = session.scalar(select(Site.id).where(Site.name == site)) if site else None
    groups = dict(session.execute(select(DelayReason.id, DelayReason.group)).all())
    ends = [d.end for d in days]
    counts: Counter[tuple[date, str]] = Counter()
    for stay in stays:
        for d, reason in _delay_days(stay, days, ends, site_id):
            counts[(d.monday, groups.get(reason, NO_REASON))] += 1
    return _weeks(counts, start, end)


def _delay_days(
    stay: StayFacts, days: Sequence[_Day], ends: Sequence[datetime], site_id: int | None
) -> Iterator[tuple[_Day, Any]]:
    """(day, delay reason id then) for each day the stay was NCTR at its end
    (``ends``: the instants the days end, for bisecting)."""
    drds = stay.facts.get(DRD, [])
    first_drd = next((since for since, value in drds if value is not None), None)
    if first_drd is None:
        return
    begin = bisect_right(ends, max(stay.admitted, first_drd))
    stop = bisect_right(ends, stay.discharged) if stay.discharged is not None else len(ends)
    walks = {kind: _Walk(facts) for kind, facts in stay.facts.items()}
    empty = _Walk([])
    for d in days[begin:stop]:
        drd = walks[DRD].at(d.end)
        reason = walks.get(DELAY_REASON, empty).at(d.end)
        if site_id is not None and walks.get(LOCATION, empty).at(d.end) != site_id:
            continue
        if drd is not None and drd <= d.day:
            yield d, reason


def _weeks(
    counts: Counter[tuple[date, str]], start: date, end: date
) -> tuple[tuple[str, ...], tuple[WeekDelays, ...]]:
    named = sorted({g for _w, g in counts if g != NO_REASON})
    order = (*named, *([NO_REASON] if any(g == NO_REASON for _w, g in counts) else []))
    first = start - timedelta(days=start.weekday())
    weeks = []
    monday = first
    while monday <= end:
        weeks.append(WeekDelays(monday, tuple(counts.get((monday, g), 0) for g in order)))
        monday += timedelta(days=7)
    return order, tuple(weeks)
