"""Pure validation rules shared by services, the CSV import and the UI."""

from __future__ import annotations

import re
from datetime import date, datetime

from discharge_hub.errors import ValidationError

_NON_DIGITS = re.compile(r"[\s-]")
# ASCII only: str.isdigit() also accepts "²" and fullwidth or Arabic-Indic digits.
_TEN_DIGITS = re.compile(r"[0-9]{10}")
TEST_RANGE = (9_990_000_000, 9_999_999_999)


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    digits = _NON_DIGITS.sub("", value)
    if not _TEN_DIGITS.fullmatch(digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def format_nhs_number(value: str) -> str:
    """Show an NHS number 3-3-4 (``943 476 5919``); other text is returned as given."""
    digits = _NON_DIGITS.sub("", value)
    if not _TEN_DIGITS.fullmatch(digits):
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_nhs_number(value: str | None, field: str = "nhs_number") -> str:
    """Return the ten digits of a valid NHS number or raise ValidationError."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(field, value, "is required")
    digits = _NON_DIGITS.sub("", raw)
    if not _TEN_DIGITS.fullmatch(digits):
        raise ValidationError(field, raw, "must be 10 digits")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            field, format_nhs_number(digits), "is not a valid NHS number (check digit fails)"
        )
    return digits


def parse_date(value: str | date | None, field: str, *, required: bool = False) -> date | None:
    """Parse ``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ValidationError(field, value, "is required")
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValidationError(field, raw, "is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_datetime(
    value: str | datetime | None, field: str, *, required: bool = False
) -> datetime | None:
    """Parse a date with an optional time (``YYYY-MM-DD HH:MM[:SS]``, ``DD/MM/YYYY HH:MM``,
    or ISO ``T``). The result is naive local (Europe/London) wall-clock time."""
    if isinstance(value, datetime):
        return value
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ValidationError(field, value, "is required")
        return None
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d",
        "%d/%m/%Y",
    ):
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise ValidationError(
        field, raw, "is not a date/time (use YYYY-MM-DD [HH:MM] or DD/MM/YYYY [HH:MM])"
    )


def require_text(value: str | None, field: str, *, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, text, "is required")
    if max_length is not None and len(text) > max_length:
        raise ValidationError(field, text[:20] + "…", f"is longer than {max_length} characters")
    return text


def optional_text(value: str | None, field: str, *, max_length: int | None = None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    return require_text(text, field, max_length=max_length)
