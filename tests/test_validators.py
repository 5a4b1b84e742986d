"""Validators: the NHS number (property-based), dates and text."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from discharge_hub.clock import exists_in_uk
from discharge_hub.errors import ValidationError
from discharge_hub.validators import (
    NAME,
    TEST_RANGE,
    TEXT,
    format_nhs_number,
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    optional_text,
    parse_date,
    parse_datetime,
    require_text,
)
from tests.conftest import valid_nhs

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2, 1)


def oracle_valid(digits: str) -> bool:
    """The rule restated independently: with the check digit weighted 1, the weighted
    sum of all ten digits is a multiple of 11 — and a check digit of 10 is impossible,
    which a single decimal digit already guarantees."""
    if len(digits) != 10 or not all(c in "0123456789" for c in digits):
        return False
    return sum(int(c) * w for c, w in zip(digits, WEIGHTS, strict=True)) % 11 == 0


nine_digits = st.integers(0, 999_999_999).map(lambda n: f"{n:09d}")


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    nine = draw(nine_digits)
    check = nhs_check_digit(nine)
    assume(check is not None)
    return f"{nine}{check}"


def test_published_example_is_valid() -> None:
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
@example("9434765919")
@example("0000000000")  # remainder 0: check 11 → 0
def test_validity_matches_the_mod_11_rule(digits: str) -> None:
    assert is_valid_nhs_number(digits) == oracle_valid(digits)


@given(nine_digits)
def test_check_digit_10_means_no_valid_number(nine: str) -> None:
    check = nhs_check_digit(nine)
    valid_endings = [d for d in "0123456789" if oracle_valid(nine + d)]
    if check is None:
        assert valid_endings == []
    else:
        assert valid_endings == [str(check)]


@given(valid_numbers())
def test_valid_numbers_round_trip_through_every_spelling(number: str) -> None:
    shown = format_nhs_number(number)
    assert shown == f"{number[:3]} {number[3:6]} {number[6:]}"
    for spelling in (number, shown, f"  {shown} ", shown.replace(" ", "-")):
        assert normalise_nhs_number(spelling) == number
    assert format_nhs_number(normalise_nhs_number(shown)) == shown


@given(valid_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(number: str, position: int, delta: int) -> None:
    # Weights 10..1 are all non-zero mod 11 and 11 is prime, so changing one digit
    # by 1..9 always changes the weighted sum mod 11: never another valid number.
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert changed != number
    assert not is_valid_nhs_number(changed)
    with pytest.raises(ValidationError) as info:
        normalise_nhs_number(changed)
    assert info.value.field == "nhs_number"
    assert format_nhs_number(changed) in info.value.message


@given(valid_numbers(), st.integers(0, 8))
def test_any_adjacent_transposition_is_rejected(number: str, position: int) -> None:
    # Adjacent weights differ by exactly 1, so swapping digits a≠b changes the sum by
    # ±(a−b), never 0 mod 11: every adjacent transposition is caught.
    a, b = number[position], number[position + 1]
    assume(a != b)
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not is_valid_nhs_number(swapped)


def test_invalid_number_message_shows_it_3_3_4() -> None:
    with pytest.raises(ValidationError) as info:
        normalise_nhs_number("9990000035")
    assert info.value.field == "nhs_number"
    assert "'999 000 0035'" in info.value.message
    assert "check digit" in info.value.message


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "is required"),
        ("   ", "is required"),
        (None, "is required"),
        ("943476591", "must be 10 digits"),
        ("94347659190", "must be 10 digits"),
        ("943476591x", "must be 10 digits"),
        ("943.476.5919", "must be 10 digits"),
    ],
)
def test_malformed_numbers_are_refused_with_the_reason(raw: str | None, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalise_nhs_number(raw, field="nhs")
    assert info.value.field == "nhs"
    assert reason in info.value.message


@given(st.text(max_size=14))
@example("²²²²²²²²²²")
@example("９４３４７６５９１９")  # fullwidth digits
@example("٩٤٣٤٧٦٥٩١٩")  # Arabic-Indic digits
def test_any_text_is_either_ten_ascii_digits_or_a_validation_error(raw: str) -> None:
    try:
        digits = normalise_nhs_number(raw)
    except ValidationError:
        assert not is_valid_nhs_number(raw)
        return
    assert len(digits) == 10 and all(c in "0123456789" for c in digits)
    assert is_valid_nhs_number(raw) and oracle_valid(digits)


@given(st.text(max_size=14))
def test_format_leaves_anything_but_ten_digits_as_given(raw: str) -> None:
    shown = format_nhs_number(raw)
    if shown != raw:
        assert len(shown) == 12 and shown[3] == shown[7] == " "


def test_test_data_helper_stays_in_the_test_range() -> None:
    numbers = [valid_nhs(n) for n in range(200)]
    assert len(set(numbers)) == 200
    for number in numbers:
        assert TEST_RANGE[0] <= int(number) <= TEST_RANGE[1]
        assert is_valid_nhs_number(number)


# --- dates -----------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(dates)
def test_dates_parse_in_both_uk_and_iso_forms(d: date) -> None:
    assert parse_date(d.isoformat(), "d") == d
    assert parse_date(d.strftime("%d/%m/%Y"), "d") == d
    assert parse_date(f"  {d:%d/%m/%Y} ", "d") == d
    assert parse_date(d, "d") == d
    assert parse_date(datetime.combine(d, datetime.min.time()), "d") == d


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).filter(
        exists_in_uk  # the hour skipped in spring is refused (tests/test_input_rules.py)
    )
)
def test_datetimes_parse_to_the_minute_in_every_form(dt: datetime) -> None:
    minute = dt.replace(second=0, microsecond=0)
    second = dt.replace(microsecond=0)
    assert parse_datetime(f"{minute:%Y-%m-%d %H:%M}", "t") == minute
    assert parse_datetime(f"{minute:%d/%m/%Y %H:%M}", "t") == minute
    assert parse_datetime(f"{second:%Y-%m-%dT%H:%M:%S}", "t") == second
    assert parse_datetime(f"{dt:%Y-%m-%d}", "t") == datetime.combine(dt.date(), datetime.min.time())


@pytest.mark.parametrize(
    "raw", ["31/02/2026", "2026-13-01", "23-11-2026", "tomorrow", "2026/11/23"]
)
def test_impossible_or_foreign_dates_are_refused_naming_field_and_value(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_date(raw, "edd")
    assert info.value.field == "edd"
    assert raw in info.value.message
    with pytest.raises(ValidationError):
        parse_datetime(raw, "admitted_at")


def test_blank_dates_are_none_unless_required() -> None:
    assert parse_date("", "d") is None
    assert parse_date(None, "d") is None
    assert parse_datetime(" ", "t") is None
    with pytest.raises(ValidationError, match="d: \\(empty\\) is required"):
        parse_date("", "d", required=True)
    with pytest.raises(ValidationError, match="is required"):
        parse_datetime(None, "t", required=True)


def test_text_rules() -> None:
    assert require_text("  Ward 7 ", "ward", kind=NAME) == "Ward 7"
    assert optional_text("   ", "x", kind=NAME) is None
    assert optional_text(None, "x", kind=TEXT) is None
    with pytest.raises(ValidationError, match="reason: \\(empty\\) is required"):
        require_text(" ", "reason", kind=TEXT)
    with pytest.raises(ValidationError, match="longer than 5 characters") as info:
        optional_text("abcdefgh", "code", kind=NAME, max_length=5)
    assert info.value.field == "code"


def test_uk_dates_of_instants_match_zoneinfo_across_both_clock_changes() -> None:
    """clock.local_date's per-day cache agrees with a plain zoneinfo conversion, minute
    by minute around the 2026 clock changes and every 17 minutes all year."""
    from datetime import UTC, datetime, timedelta

    from discharge_hub.clock import LONDON, local_date

    instants = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=17 * i) for i in range(31_000)]
    for change in (datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC)):
        instants += [change + timedelta(minutes=i) for i in range(-90, 26 * 60)]
    wrong = [
        t
        for t in instants
        if local_date(t) != t.astimezone(LONDON).date()
        or local_date(t.replace(tzinfo=None)) != t.astimezone(LONDON).date()
    ]
    assert wrong == []
    assert local_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == datetime(2026, 7, 1).date()
