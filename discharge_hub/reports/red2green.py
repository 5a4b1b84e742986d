"""Red2Green over time: the day's colours per ward for the huddle, a spell's last days
for the workspace strip, and the export of every recorded day in a date range.

A day's colour can only be recorded on that day or the next (``services.care``), so
what a past day shows here no longer changes. The ward a day counts at is the ward
the patient was on at the end of that day (their effective-dated location).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import Patient, Red2GreenDay, Site, Spell, SpellFact, Ward
from discharge_hub.models.fact import LOCATION
from discharge_hub.reports.common import day_end_utc
from discharge_hub.reports.counts import Count
from discharge_hub.services.board import BoardRow

TOP_REASONS = 5
STRIP_DAYS = 14
EXPORT_COLUMNS = ("date", "nhs_number", "site", "ward", "colour", "reason")
MAX_EXPORT_DAYS = 366


@dataclass(frozen=True)
class WardRed2Green:
    """One ward's Red2Green on one day: its inpatients' days by colour."""

    site: str
    ward: str
    red: int
    green: int
    not_recorded: int


@dataclass(frozen=True)
class StripDay:
    """One day of a spell's Red2Green strip (``colour`` None: not recorded; the day
    before the admission is ``in_hospital`` False)."""

    day: date
    colour: str | None
    reason: str | None
    in_hospital: bool


def red2green_of_day(
    rows: Sequence[BoardRow], red_reasons: Iterable[str | None]
) -> tuple[tuple[WardRed2Green, ...], tuple[Count, ...]]:
    """Per ward (in the rows' order), the day's red, green and unrecorded days of the
    huddle's patients (``BoardRow.red2green``); and the most given red-day reasons."""
    wards: dict[tuple[str, str], Counter[str]] = {}
    for row in rows:
        wards.setdefault((row.site, row.ward), Counter())[row.red2green or "none"] += 1
    by_ward = tuple(
        WardRed2Green(site, ward, c["red"], c["green"], c["none"])
        for (site, ward), c in wards.items()
    )
    return by_ward, ranked_reasons(red_reasons, TOP_REASONS)


def ranked_reasons(reasons: Iterable[str | None], top: int) -> tuple[Count, ...]:
    """Free-text reasons counted alike whatever their case and spacing, most given
    first (ties by name); shown as first written."""
    shown: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for text in reasons:
        words = " ".join((text or "").split())
        if not words:
            continue
        key = words.casefold()
        shown.setdefault(key, words)
        counts[key] += 1
    keys = sorted(counts, key=lambda k: (-counts[k], k))[:top]
    return tuple(Count(shown[k], shown[k], counts[k]) for k in keys)


def strip(session: Session, spell_id: int, *, today: date | None = None) -> list[StripDay]:
    """The spell's last :data:`STRIP_DAYS` days, oldest first, ending today."""
    on = today or clock.today()
    first = on - timedelta(days=STRIP_DAYS - 1)
    admitted = session.scalar(select(Spell.admitted_at).where(Spell.id == spell_id))
    entries = session.execute(
        select(Red2GreenDay.day, Red2GreenDay.colour, Red2GreenDay.reason).where(
            Red2GreenDay.spell_id == spell_id, Red2GreenDay.day >= first
        )
    )
    admitted_on = clock.local_date(admitted) if admitted else on
    return strip_from(((d, c, r) for d, c, r in entries), admitted_on, on)


def strip_from(
    entries: Iterable[tuple[date, str, str | None]], admitted_on: date, today: date
) -> list[StripDay]:
    """The strip from recorded (day, colour, reason) entries (no database: the
    workspace already holds them)."""
    days = {d: (c, r) for d, c, r in entries}
    first = today - timedelta(days=STRIP_DAYS - 1)
    out = []
    for n in range(STRIP_DAYS):
        day = first + timedelta(days=n)
        colour, reason = days.get(day, (None, None))
        out.append(StripDay(day, colour, reason, day >= admitted_on))
    return out


def export_rows(session: Session, *, start: date, end: date) -> list[tuple[str, ...]]:
    """Every recorded day from ``start`` to ``end`` (UK dates, inclusive): date, NHS
    number, the site and ward at the end of that day, colour, reason."""
    if end < start:
        raise ValidationError("to", f"{end:%Y-%m-%d}", f"is before --from {start:%Y-%m-%d}")
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise ValidationError("to", f"{end:%Y-%m-%d}", f"is more than {MAX_EXPORT_DAYS} days on")
    in_range = (Red2GreenDay.day >= start, Red2GreenDay.day <= end)
    days = session.execute(
        select(Red2GreenDay.day, Patient.nhs_number, Red2GreenDay.spell_id)
        .add_columns(Red2GreenDay.colour, Red2GreenDay.reason)
        .join(Spell, Spell.id == Red2GreenDay.spell_id)
        .join(Patient, Patient.id == Spell.patient_id)
        .where(*in_range)
        .order_by(Red2GreenDay.day, Patient.nhs_number)
    ).all()
    places = _locations(session, select(Red2GreenDay.spell_id).where(*in_range))
    out: list[tuple[str, ...]] = []
    for day, nhs, spell_id, colour, reason in days:
        site, ward = _where(places.get(spell_id, []), day_end_utc(day))
        out.append((f"{day:%Y-%m-%d}", nhs, site, ward, colour, reason or ""))
    return out


Place = tuple[datetime, str, str]  # (from, site, ward)


def _locations(session: Session, spell_ids: Any) -> dict[int, list[Place]]:
    out: dict[int, list[Place]] = {}
    for spell_id, since, site, ward in session.execute(
        select(SpellFact.spell_id, SpellFact.valid_from, Site.name, Ward.name)
        .join(Site, Site.id == SpellFact.site_id)
        .join(Ward, Ward.id == SpellFact.ward_id)
        .where(SpellFact.kind == LOCATION, SpellFact.spell_id.in_(spell_ids))
        .order_by(SpellFact.spell_id, SpellFact.valid_from, SpellFact.id)
    ):
        out.setdefault(spell_id, []).append((since, site, ward))
    return out


def _where(places: list[Place], at: datetime) -> tuple[str, str]:
    """The last location that began before ``at`` (each ends where the next begins)."""
    found = ("", "")
    for since, site, ward in places:
        if since >= at:
            break
        found = (site, ward)
    return found
