"""How values are shown: UK dates, NHS numbers, status words (never colour alone)."""

from __future__ import annotations

from datetime import date, datetime

from discharge_hub import clock
from discharge_hub.validators import format_nhs_number

UK_DATE = "%d/%m/%Y"
LONG_DATE = "%a %d %b %Y"


def uk_date(value: date | None, empty: str = "") -> str:
    return value.strftime(UK_DATE) if value is not None else empty


def long_date(value: date | None, empty: str = "") -> str:
    return value.strftime(LONG_DATE) if value is not None else empty


def uk_datetime(value: datetime | None, empty: str = "") -> str:
    """An instant in UK wall-clock time."""
    return clock.local(value).strftime("%d/%m/%Y %H:%M") if value is not None else empty


def nhs(value: str) -> str:
    return format_nhs_number(value)


def days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def edd_text(edd: date | None, days_to_edd: int | None) -> str:
    if edd is None or days_to_edd is None:
        return "NO EDD"
    if days_to_edd < 0:
        return f"PASSED {uk_date(edd)} ({days(-days_to_edd)} ago)"
    if days_to_edd == 0:
        return f"{uk_date(edd)} (today)"
    return f"{uk_date(edd)} (in {days(days_to_edd)})"


def drd_text(drd: date | None, delay_days: int | None) -> str:
    if drd is None:
        return ""
    if delay_days is None:
        return f"From {uk_date(drd)}"
    return f"NCTR since {uk_date(drd)} ({days(delay_days)} delay)"


def los_text(los: int) -> str:
    if los >= 21:
        return f"{los} (21+)"
    if los >= 7:
        return f"{los} (7+)"
    return str(los)


def ui_date_input(value: date | None) -> str:
    """A date as the user types it back (dd/mm/yyyy)."""
    return uk_date(value)


def now_input() -> str:
    return clock.local(clock.now()).strftime("%d/%m/%Y %H:%M")
