"""Pieces every report shares: UK day boundaries, fixed breakdowns, safe file output
(:func:`write_atomically`, from :mod:`discharge_hub.outputs`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import Site
from discharge_hub.outputs import write_atomically

__all__ = [
    "MARKING", "NONE", "PATHWAYS", "check_report_date", "check_site", "day_end_utc",
    "day_start_utc", "shown_date", "write_atomically",
]  # fmt: skip

# The sitrep's pathway breakdown, in order; "none" when no pathway is recorded.
PATHWAYS = ("P0", "P1", "P2", "P3", "P3b", "none")
NONE = "none"
MARKING = "OFFICIAL-SENSITIVE: PERSONAL"


def day_start_utc(day: date) -> datetime:
    """The UTC instant at which the UK calendar day ``day`` begins (00:00 Europe/London)."""
    return datetime.combine(day, time(0), tzinfo=clock.LONDON).astimezone(UTC)


def day_end_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` ends (the start of the next UK day)."""
    return day_start_utc(day + timedelta(days=1))


def check_report_date(day: date, *, field: str = "date") -> date:
    """Reports describe days that have started; a future date has no figures yet."""
    if day > clock.today():
        raise ValidationError(field, f"{day:%Y-%m-%d}", "is in the future")
    return day


def check_site(session: Session, site: str | None) -> str | None:
    """The site name as stored, or a ValidationError naming the known sites."""
    if site is None:
        return None
    names = list(session.scalars(select(Site.name).order_by(Site.name)))
    for name in names:
        if name.casefold() == site.strip().casefold():
            return name
    raise ValidationError("site", site, "is not a known site (known: " + "; ".join(names) + ")")


def shown_date(day: date) -> str:
    """A date as the wards read it: ``Mon 23 Nov 2026``."""
    return f"{day:%a} {day.day} {day:%b %Y}"
