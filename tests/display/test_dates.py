"""UK dates and times in one module (issue 10): DD/MM/YYYY, Europe/London wall-clock
time whatever the machine's time zone, and nowhere else is the format written out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from discharge_hub import clock
from discharge_hub.display import dates
from tests.conftest import FROZEN_AT, TODAY

PACKAGE = Path(__file__).resolve().parents[2] / "discharge_hub"


def test_a_day_is_dd_mm_yyyy():
    assert dates.uk_date(date(2026, 12, 5)) == "05/12/2026"
    assert dates.uk_date(None, "—") == "—"
    assert dates.iso_date(date(2026, 12, 5)) == "2026-12-05"


@pytest.mark.parametrize(
    ("instant", "shown"),
    [
        (datetime(2026, 7, 14, 13, 5, tzinfo=UTC), "14/07/2026 14:05"),  # BST
        (datetime(2026, 1, 13, 23, 55, tzinfo=UTC), "13/01/2026 23:55"),  # GMT
        (datetime(2026, 7, 13, 23, 5, tzinfo=UTC), "14/07/2026 00:05"),  # next UK day
    ],
)
def test_an_instant_is_shown_in_uk_time(instant, shown):
    assert dates.uk_datetime(instant) == shown
    assert dates.uk_date(instant) == shown[:10]  # its UK day, not its UTC day
    assert dates.uk_time(instant) == shown[11:]


def test_when_says_at_for_today_and_on_for_another_day():
    assert dates.when(FROZEN_AT) == f"at {clock.local(FROZEN_AT):%H:%M}"
    yesterday = datetime.combine(TODAY - timedelta(days=1), time(9, 0))
    assert dates.when(yesterday) == f"on {dates.uk_date(yesterday)} at 09:00"


def test_the_uk_date_format_is_written_out_in_one_place():
    allowed = {
        Path("display/dates.py"),
        Path("clock.py"),  # display.dates imports the clock: it cannot import them
        Path("validators.py"),  # a comment naming what the parser accepts
    }
    # The reports are issue 10's printing branch (they move to display.dates there).
    pending = {Path("reports"), Path("ui/reports")}
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel in allowed or any(p in rel.parents for p in pending):
            continue
        if re.search(r"%d/%m/%Y", path.read_text(encoding="utf-8")):
            found.append(str(rel))
    assert found == []
