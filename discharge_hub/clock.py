"""Time in one place: stored instants are UTC, clinical dates are UK (Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in the UK."""
    return datetime.now(LONDON).date()


def as_utc(value: datetime) -> datetime:
    """An aware UTC instant; a naive value is UK wall-clock time (as PAS and users give it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(UTC)


def local(value: datetime) -> datetime:
    """The UK wall-clock time of an instant."""
    return as_utc(value).astimezone(LONDON) if value.tzinfo is None else value.astimezone(LONDON)


def local_date(value: datetime) -> date:
    """The UK calendar date of an instant (naive values are taken as UTC from storage)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).date()
