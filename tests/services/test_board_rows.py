"""The board's row builder against the slow, obvious computation: UK dates of instants
at every UTC hour (both days the clocks change included), ages on and around a
birthday, from every form the values come in (raw SQLite text, raw driver datetimes,
typed results)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from discharge_hub import clock
from discharge_hub.services.board_rows import BoardCodes, age_on, row_builder, uk_key

CODES = BoardCodes({1: ("Site", "Ward")}, {"P1": True}, {})
TODAY = date(2026, 11, 3)
# Days around both changes of the clocks in 2026 (29 March, 25 October), a summer day
# and a winter day.
DAYS = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 7, 1)]
DAYS += [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2026, 1, 15)]
INSTANTS = [
    datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=h, minutes=m)
    for d in DAYS
    for h in range(24)
    for m in (0, 59)
]


def raw(admitted: Any, contact: Any, born: Any, spell_id: int = 1) -> tuple[Any, ...]:
    """One row of the board statement's columns (``BOARD_COLUMNS``)."""
    return (
        spell_id, 1, 1, "B1", "B000001", 1, "9990000018", "Test", "Patient", born, "F",
        None, None, 0, admitted, None, None, "P1", None, None, 1, contact, 0, None, None,
        None,
    )  # fmt: skip


FORMS = {
    "sqlite text": lambda at: at.replace(tzinfo=None).isoformat(" "),
    "driver naive UTC": lambda at: at.replace(tzinfo=None),
    "typed aware": lambda at: at.astimezone(clock.LONDON),
}


@pytest.mark.parametrize("form", FORMS)
def test_each_instant_falls_on_its_uk_date_whatever_its_hour(form: str) -> None:
    as_raw = FORMS[form]
    build = row_builder(TODAY, CODES)  # one builder: its look-ups shared by every row
    for at in INSTANTS:
        row = build(raw(as_raw(at), as_raw(at + timedelta(minutes=1)), "1950-01-01"))
        expected = clock.local_date(at)
        assert row.admitted_at == at and row.admitted_at.tzinfo is not None, at
        assert row.admission_date == expected, at
        assert row.los == (TODAY - expected).days, at
        contact_day = clock.local_date(at + timedelta(minutes=1))
        assert row.last_carer_contact == at + timedelta(minutes=1)
        assert row.carer_status == f"Contacted {contact_day:%d/%m/%Y}", at


def test_equal_keys_mean_equal_uk_dates() -> None:
    seen: dict[Any, date] = {}
    for at in INSTANTS:
        assert seen.setdefault(uk_key(at), clock.local_date(at)) == clock.local_date(at), at
    # A day's key for 23 of its hours, not one key an hour.
    assert len(seen) == 2 * len(DAYS)


@pytest.mark.parametrize("today", [date(2026, 11, 3), date(2028, 2, 29), date(2027, 2, 28)])
def test_ages_on_around_and_after_a_birthday(today: date) -> None:
    births = [date(1950, 1, 1), date(1960, 2, 29), date(2000, 11, 2), date(2000, 11, 3)]
    births += [date(2000, 11, 4), date(1990, 12, 31), date(today.year - 1, today.month, 1)]
    build = row_builder(today, CODES)
    for born in births:
        for value in (born, born.isoformat()):
            row = build(raw("2026-11-01 10:00:00", None, value))
            assert row.date_of_birth == born
            assert row.age == age_on(born, today), (born, today)
            assert row.age == today.year - born.year - (
                (today.month, today.day) < (born.month, born.day)
            )
