"""Pure validation rules shared by services, the CSV import and the UI."""

from __future__ import annotations

import operator
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Literal

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.display.dates import DATE_HINT, DATETIME_HINT
from discharge_hub.errors import ValidationError

_NON_DIGITS = re.compile(r"[\s-]")
# ASCII only: str.isdigit() also accepts "²" and fullwidth or Arabic-Indic digits.
_TEN_DIGITS = re.compile(r"[0-9]{10}")
TEST_RANGE = (9_990_000_000, 9_999_999_999)


_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    if len(first_nine) != 9:
        raise ValueError("nine digits expected")
    total: int = sum(map(operator.mul, map(int, first_nine), _WEIGHTS))
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


# The forms strptime's "%Y-%m-%d", "%d/%m/%Y", "%H:%M[:%S]" accept, with ASCII digits
# only; matched by hand because strptime is slow (~25 µs) for a 50,000-row import.
_ISO_DATE = r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
_UK_DATE = r"(?P<d2>[0-9]{1,2})/(?P<m2>[0-9]{1,2})/(?P<y2>[0-9]{4})"
_TIME = r"(?P<H{n}>[0-9]{{1,2}}):(?P<M{n}>[0-9]{{1,2}})(?::(?P<S{n}>[0-9]{{1,2}}))?"
_DATE = re.compile(f"{_ISO_DATE}|{_UK_DATE}")
_DATETIME = re.compile(
    f"{_ISO_DATE}(?:[ T]{_TIME.format(n='')})?|{_UK_DATE}(?: {_TIME.format(n='2')})?"
)


def _match(pattern: re.Pattern[str], raw: str) -> datetime | None:
    found = pattern.fullmatch(raw)
    if found is None:
        return None
    g = found.groupdict()
    try:
        n = "" if g["y"] is not None else "2"
        year, month, day = int(g["y" + n]), int(g["m" + n]), int(g["d" + n])
        hour, minute, second = (int(g.get(k + n) or 0) for k in ("H", "M", "S"))
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # 31/02, month 13, hour 24...
        return None


def parse_date(value: str | date | None, field: str, *, required: bool = False) -> date | None:
    """Parse ``DD/MM/YYYY`` (what people type and are told to) or ``YYYY-MM-DD`` (files)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ValidationError(field, value, "is required")
        return None
    parsed = _match(_DATE, raw)
    if parsed is None:
        raise ValidationError(field, raw, f"is not a date (use {DATE_HINT})")
    return parsed.date()


def parse_datetime(
    value: str | datetime | None, field: str, *, required: bool = False
) -> datetime | None:
    """Parse a date with an optional time (``YYYY-MM-DD HH:MM[:SS]``, ``DD/MM/YYYY HH:MM``,
    or ISO ``T``). The result is naive local (Europe/London) wall-clock time; a time the
    clocks skipped is refused (:func:`check_uk_time`)."""
    if isinstance(value, datetime):
        return value
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ValidationError(field, value, "is required")
        return None
    parsed = _match(_DATETIME, raw)
    if parsed is None:
        raise ValidationError(field, raw, f"is not a date/time (use {DATETIME_HINT})")
    check_uk_time(parsed, field, shown=raw)
    return parsed


# --- UK wall-clock time --------------------------------------------------------------


def check_uk_time(value: datetime, field: str, *, shown: str | None = None) -> None:
    """Refuse a naive UK wall-clock time that never happened: the hour skipped when the
    clocks go forward (01:00-01:59 GMT on the last Sunday of March).

    A time in the hour repeated in October (01:00-01:59 on the last Sunday of October)
    is read as its first occurrence, British Summer Time (``fold=0``, Python's default);
    docs/input.md says so. Aware values are instants and always exist.
    """
    if value.tzinfo is not None or clock.exists_in_uk(value):
        return
    raise ValidationError(
        field,
        shown or dates.uk_datetime(value),
        "does not exist in UK time: the clocks went forward that night "
        "(01:00 GMT became 02:00 BST)",
    )


def uk_instant(value: datetime, field: str) -> datetime:
    """An aware UTC instant from an aware value or a naive UK wall-clock time, refusing
    a wall-clock time the clocks skipped (see :func:`check_uk_time`)."""
    check_uk_time(value, field)
    return clock.as_utc(value)


# --- plausible dates -------------------------------------------------------------------

EARLIEST_BIRTH = date(1900, 1, 1)
# How far ahead a plan may reach (EDD, due dates, next contact, start dates): a typo in
# the year (2062 for 2026) is caught, a long rehabilitation plan is not.
PLANNING_HORIZON = timedelta(days=366)
# How far back an admission may be: long-stay mental health admissions last years, but
# not decades; an older date is a typo.
ADMISSION_HORIZON = timedelta(days=10 * 366)


def _shown(day: date) -> str:
    return dates.uk_date(day)


def check_birth_date(born: date, *, today: date, field: str = "date_of_birth") -> date:
    """A date of birth from 01/01/1900 to today."""
    if born < EARLIEST_BIRTH:
        raise ValidationError(field, _shown(born), "is before 01/01/1900: check the year")
    if born > today:
        raise ValidationError(field, _shown(born), "is in the future")
    return born


def check_not_future(day: date, field: str, *, today: date) -> date:
    """A date that records something that has happened (a review, an assessment)."""
    if day > today:
        raise ValidationError(field, _shown(day), "is in the future")
    return day


def check_planned(day: date, field: str, *, today: date) -> date:
    """A date that plans ahead (EDD, due date): at most about a year after today."""
    if day > today + PLANNING_HORIZON:
        raise ValidationError(
            field,
            _shown(day),
            f"is more than a year after today ({_shown(today)}): check the year",
        )
    return day


def check_admitted_at(at: datetime, field: str = "admitted_at") -> datetime:
    """An admission instant (aware, or naive UK time): not in the future, not older
    than about ten years. Returns it as aware UTC."""
    instant = uk_instant(at, field)
    now = clock.now()
    if instant > now:
        raise ValidationError(field, dates.uk_datetime(instant), "is in the future")
    if instant < now - ADMISSION_HORIZON:
        raise ValidationError(
            field,
            dates.uk_datetime(instant),
            "is more than ten years ago: check the year",
        )
    return instant


# --- text --------------------------------------------------------------------------------

TextKind = Literal["name", "text"]
NAME: TextKind = "name"  # names, identifiers and codes: one line of visible text
TEXT: TextKind = "text"  # free text (notes): line breaks and tabs allowed

# Categories never allowed in a name: control (Cc), format (Cf: zero-width characters,
# bidirectional overrides), surrogates, private use, unassigned, line/paragraph separators.
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Letters and marks that show as nothing at all (Hangul fillers, the grapheme joiner).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Free text keeps tabs and line breaks (as \n); it loses every other control character
# and the bidi overrides that reorder what is shown (NUL, escape sequences, U+202E).
# A terminal (ANSI/VT100) escape sequence: ESC [ parameters final-byte, or ESC + one.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_BREAKS_IN_TEXT = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _what(ch: str) -> str:
    if ch == "\x00":
        return "a NUL byte"
    if ch in _LINE_BREAKS:
        return "a line break"
    if ch == "\t":
        return "a tab"
    if ch == "\x1b":
        return "a terminal escape sequence"
    if ch in _BIDI_CONTROLS:
        return "a bidirectional text control"
    category = unicodedata.category(ch)
    if ch in _INVISIBLE or category == "Cf":
        return "an invisible (zero-width) character"
    if category == "Cc":
        return "a control character"
    return "a character that cannot be shown (unassigned or private use)"


def _clean_name(text: str, field: str) -> str:
    """One line of visible text (NFC, any run of spaces as one plain space), or a
    ValidationError naming the first character that would print or display wrongly."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    # Fast path: printable text (visible characters and plain spaces) with no invisible
    # letter, which is every ordinary name.
    if not text.isprintable() or not _INVISIBLE.isdisjoint(text):
        for i, ch in enumerate(text, start=1):
            if ch in _INVISIBLE or unicodedata.category(ch) in _REFUSED_IN_NAMES:
                raise ValidationError(
                    field,
                    text,
                    f"contains {_what(ch)} (U+{ord(ch):04X}, character {i}): names and "
                    "codes must be one line of visible text",
                )
    return " ".join(text.split())


def _clean_text(text: str) -> str:
    """Free text: line breaks become \\n, tabs stay, other control characters and bidi
    overrides are dropped."""
    if not text.isprintable():
        text = _BREAKS_IN_TEXT.sub("\n", _ESCAPE_SEQUENCE.sub("", text))
        text = "".join(
            ch
            for ch in text
            if ch in "\n\t"
            or not (ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"))
        )
    return unicodedata.normalize("NFC", text).strip()


def clean_text(value: str | None, field: str, *, kind: TextKind) -> str:
    """``value`` stripped and checked for its kind (see :func:`require_text`); may be ''."""
    text = value or ""
    return _clean_name(text, field) if kind == NAME else _clean_text(text)


def require_text(
    value: str | None, field: str, *, kind: TextKind, max_length: int | None = None
) -> str:
    """Required text of one kind:

    - ``NAME``: names, identifiers and codes (patient and carer names, ward, bed, site,
      owner, provider...). One line of visible text; a control character, line break,
      tab, escape sequence, bidirectional override or zero-width character is refused.
      Any run of spaces becomes one plain space; Unicode NFC.
    - ``TEXT``: free-text notes. Line breaks (as ``\\n``) and tabs are kept; other
      control characters (NUL, escape sequences) and bidi overrides are removed.
    """
    text = clean_text(value, field, kind=kind)
    if not text:
        raise ValidationError(field, text, "is required")
    if max_length is not None and len(text) > max_length:
        raise ValidationError(field, text[:20] + "…", f"is longer than {max_length} characters")
    return text


def optional_text(
    value: str | None, field: str, *, kind: TextKind, max_length: int | None = None
) -> str | None:
    """Like :func:`require_text`, but empty (or only spaces) gives None."""
    text = clean_text(value, field, kind=kind)
    if not text:
        return None
    return require_text(text, field, kind=kind, max_length=max_length)
