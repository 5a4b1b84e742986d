"""UK dates and times as people read and type them: DD/MM/YYYY, 24-hour clock, the
wall-clock time in Europe/London whatever the machine's time zone."""

from __future__ import annotations

from datetime import date, datetime

from discharge_hub import clock

UK_DATE = "%d/%m/%Y"
UK_TIME = "%H:%M"
UK_DATETIME = f"{UK_DATE} {UK_TIME}"
LONG_DATE = "%a %d %b %Y"
ISO_DATE = "%Y-%m-%d"
DATE_HINT = "DD/MM/YYYY"  # what a date field asks for, and what its error says to use
DATETIME_HINT = "DD/MM/YYYY HH:MM"


def uk_date(value: date | None, empty: str = "") -> str:
    """A calendar day: 05/12/2026 (an instant is shown as its UK date)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = clock.local_date(value) if value.tzinfo is not None else value.date()
    return value.strftime(UK_DATE)


def long_date(value: date | None, empty: str = "") -> str:
    """Tue 01 Dec 2026."""
    return value.strftime(LONG_DATE) if value is not None else empty


def iso_date(value: date) -> str:
    """2026-12-01: for file names, which sort by it and may not contain slashes."""
    return value.strftime(ISO_DATE)


def uk_datetime(value: datetime | None, empty: str = "") -> str:
    """An instant in UK wall-clock time: 01/12/2026 14:05 (naive values are UK time)."""
    return clock.local(value).strftime(UK_DATETIME) if value is not None else empty


def uk_time(value: datetime | None, empty: str = "") -> str:
    """An instant's UK wall-clock time of day: 14:05."""
    return clock.local(value).strftime(UK_TIME) if value is not None else empty


def when(value: datetime, *, today: date | None = None) -> str:
    """ "at 14:05" today, else "on 30/11/2026 at 14:05" (UK time)."""
    local = clock.local(value)
    if local.date() == (today or clock.today()):
        return f"at {local:%H:%M}"
    return f"on {local:{UK_DATE}} at {local:%H:%M}"


def now_input() -> str:
    """Now, as a person would type it in a date-and-time field."""
    return uk_datetime(clock.now())


def days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"
