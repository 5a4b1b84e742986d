"""Time in one place: stored instants are UTC, clinical dates are UK (Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
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


def exists_in_uk(wall: datetime) -> bool:
    """Whether a naive UK wall-clock time happened: False for the hour skipped when the
    clocks go forward (its instant would read back as another wall-clock time)."""
    if _uk_offset_all_day(wall.date()) is not None:
        return True  # no change of the clocks that day (all but two days a year)
    back = wall.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
    return back.replace(tzinfo=None, fold=0) == wall.replace(fold=0)


def local(value: datetime) -> datetime:
    """The UK wall-clock time of an instant."""
    return as_utc(value).astimezone(LONDON) if value.tzinfo is None else value.astimezone(LONDON)


def local_date(value: datetime) -> date:
    """The UK calendar date of an instant (naive values are taken as UTC from storage)."""
    if value.tzinfo is None:
        naive = value
    elif value.utcoffset() == _ZERO:
        naive = value.replace(tzinfo=None)
    else:
        return value.astimezone(LONDON).date()
    offset = _uk_offset_all_day(naive.date())
    if offset is None:  # the two days a year the clocks change
        return naive.replace(tzinfo=UTC).astimezone(LONDON).date()
    return (naive + offset).date()


_ZERO = timedelta(0)


@lru_cache(maxsize=4096)
def _uk_offset_all_day(day: date) -> timedelta | None:
    """The UK offset from UTC if it is the same for the whole UTC day, else None.

    Lets board-sized loops skip a zoneinfo conversion per value (~4 µs each); the
    rule itself still comes from the tz database.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    first = start.astimezone(LONDON).utcoffset()
    last = (start + timedelta(hours=23, minutes=59, seconds=59)).astimezone(LONDON).utcoffset()
    return first if first == last else None
