"""How values are shown on screen: NHS numbers, EDD/DRD/LOS words (never colour alone);
UK dates and times come from :mod:`discharge_hub.display.dates`."""

from __future__ import annotations

from datetime import date

from discharge_hub.display.dates import (  # re-exported: the screens' one import
    UK_DATE,
    days,
    long_date,
    now_input,
    uk_date,
    uk_datetime,
    uk_time,
)
from discharge_hub.validators import format_nhs_number

__all__ = [
    "UK_DATE",
    "days",
    "drd_text",
    "edd_text",
    "long_date",
    "los_text",
    "nhs",
    "now_input",
    "ui_date_input",
    "uk_date",
    "uk_datetime",
    "uk_time",
]


def nhs(value: str) -> str:
    return format_nhs_number(value)


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
