"""Time in one place: stored instants are UTC, clinical dates are UK (Europe/London).

This module is the only place the program reads the wall clock (a test enforces it:
tests/test_clock.py). Everything else asks :func:`now` or :func:`today`, so the clock
can be set in one place (a set clock moves on from its instant at the real pace):

- in-process, by :func:`frozen` / :func:`freeze` (the test suite freezes every test);
- for a whole process, by the environment variable ``DISCHARGE_HUB_FAKE_NOW`` set to an
  ISO 8601 instant with its UTC offset (``2026-11-24T10:30:00+00:00``). It exists for
  the tests (their ``python -m discharge_hub`` subprocesses see the test's instant) and
  for training sessions. Never set it in production: a process that uses it logs a
  warning once, and the desktop says so in its title bar.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from discharge_hub.errors import DomainError

LONDON = ZoneInfo("Europe/London")
FAKE_NOW_VARIABLE = "DISCHARGE_HUB_FAKE_NOW"

log = logging.getLogger(__name__)

# Set by freeze(): read by every thread (a plain reference, so no lock is needed).
# The instant, and the monotonic reading when it was set (None: the clock stands still).
# A set clock moves on from there by default (like a real clock set to that time), so
# two actions never share an instant and "newest first" keeps its meaning.
_frozen_at: tuple[datetime, float | None] | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    fixed = _frozen_at
    if fixed is not None:
        at, since = fixed
        return at if since is None else at + timedelta(seconds=time.monotonic() - since)
    fake = _fake_start()
    if fake is not None:
        return fake[0] + timedelta(seconds=time.monotonic() - fake[1])
    return datetime.now(UTC)


def today() -> date:
    """Today's date in the UK."""
    return now().astimezone(LONDON).date()


def freeze(at: datetime | None, *, tick: bool = True) -> None:
    """Set :func:`now` to ``at`` (aware; any offset) for every thread, moving on from
    there at the real pace (``tick=False``: standing still); None gives the real clock
    back."""
    global _frozen_at
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware instant (a naive time is ambiguous)")
    _frozen_at = None if at is None else (at.astimezone(UTC), time.monotonic() if tick else None)


@contextmanager
def frozen(at: datetime, *, tick: bool = True) -> Iterator[datetime]:
    """The clock set to ``at`` inside the block (restored after); yields it in UTC."""
    before = _frozen_at
    freeze(at, tick=tick)
    try:
        yield at.astimezone(UTC)
    finally:
        globals()["_frozen_at"] = before


def fake_now() -> datetime | None:
    """The instant ``DISCHARGE_HUB_FAKE_NOW`` sets, or None when it is not set."""
    value = os.environ.get(FAKE_NOW_VARIABLE, "").strip()
    return _parse_fake_now(value) if value else None


def _fake_start() -> tuple[datetime, float] | None:
    value = os.environ.get(FAKE_NOW_VARIABLE, "").strip()
    return _fake_started(value) if value else None


@lru_cache(maxsize=8)
def _fake_started(value: str) -> tuple[datetime, float]:
    return _parse_fake_now(value), time.monotonic()


class FakeNowError(DomainError):
    """``DISCHARGE_HUB_FAKE_NOW`` holds something that is not an instant."""


@lru_cache(maxsize=8)
def _parse_fake_now(value: str) -> datetime:
    # Cached: parsed, and the warning logged, once per value rather than per call.
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise FakeNowError(
            f"{FAKE_NOW_VARIABLE}={value!r} is not an ISO 8601 instant with its UTC offset "
            f"(e.g. 2026-11-24T10:30:00+00:00); unset it to use the real clock"
        )
    at = at.astimezone(UTC)
    log.warning(
        "%s is set: the clock is fixed at %s UK time, not the real time "
        "(for tests and training only; unset it in production)",
        FAKE_NOW_VARIABLE,
        at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M"),
    )
    return at


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
