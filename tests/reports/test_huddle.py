"""The huddle figures and PDF on the hand-built fixture (see conftest.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pypdf
import pytest
from sqlalchemy import event

from discharge_hub.db import Database
from discharge_hub.reports.huddle_data import Count, EquityRow, HuddleFigures, huddle_figures
from discharge_hub.reports.huddle_pdf import huddle_pdf
from discharge_hub.services import spells
from tests.conftest import patient
from tests.reports.conftest import LRI, Fixture, at

PRINTED = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def figures(fx: Fixture, site: str | None = None) -> HuddleFigures:
    with fx.db.read() as session:
        return huddle_figures(session, on=fx.on, site=site)


def counts(items: Sequence[object]) -> dict[str, int]:
    return {c.key: c.count for c in items if c.count}  # type: ignore[attr-defined]


@pytest.mark.clock_edges
def test_every_figure_of_the_huddle_for_all_sites(fixture: Fixture) -> None:
    f = figures(fixture)
    assert (f.inpatients, f.edd_missing, f.edd_passed) == (6, 2, 2)  # C,G no EDD; A,I passed
    assert (f.nctr, f.nctr_delay_days) == (4, 27)
    assert counts(f.nctr_by_pathway) == {"P0": 1, "P1": 1, "P2": 1, "P3": 1}
    assert [c.key for c in f.nctr_by_pathway] == ["P0", "P1", "P2", "P3", "P3b", "none"]
    assert counts(f.nctr_by_delay_reason) == {"A05": 1, "A14": 1, "A15": 1, "none": 1}
    assert counts(f.nctr_delay_days_by_reason) == {"A14": 14, "A15": 10, "none": 3}
    assert (f.expected_today, f.expected_tomorrow) == (1, 1)  # B, D
    assert f.discharged_previous_day == 1
    assert counts(f.discharged_previous_day_by_pathway) == {"P2": 1}  # E
    assert (f.los_7plus, f.los_14plus, f.los_21plus) == (4, 3, 2)
    assert counts(f.los_bands) == {"0–6": 2, "7–13": 1, "14–20": 1, "21+": 2}
    assert f.placements_waiting == 3
    assert counts(f.placements_waiting_by_service) == {
        "Nursing care home": 1,
        "Home-based reablement": 1,
        "Community hospital rehabilitation bed": 1,
    }
    assert counts(f.placements_waiting_by_place) == {"Leicester": 1, "Leicestershire": 2}
    assert f.hub_no_carer_contact == 2  # B and G: P1, no contact logged
    assert f.equity_by_place == (
        EquityRow("Leicester", 2, 1, 10),
        EquityRow("Leicestershire", 2, 2, 17),
        EquityRow("Rutland", 2, 1, 0),
    )
    assert f.equity_by_ethnic_group == (
        EquityRow("Asian or Asian British", 1, 1, 10),
        EquityRow("Black or Black British", 1, 0, 0),
        EquityRow("Not stated", 1, 1, 14),
        EquityRow("White", 2, 2, 3),
        EquityRow("Not recorded", 1, 0, 0),
    )
    assert f.equity_by_interpreter == (
        EquityRow("Interpreter needed", 2, 2, 13),
        EquityRow("No interpreter needed", 4, 2, 14),
    )
    # Wards in natural order: Ward 7 before Ward 21 (beds B1, B2; then 3, 4, 5).
    assert [r.family_name for r in f.rows] == [
        "O'Neill",
        "Kowalski",
        "Brown",
        "Smith",
        "Jones",
        "D'Arcy",
    ]


@pytest.mark.clock_edges
def test_one_site_and_a_constant_number_of_statements(fixture: Fixture) -> None:
    with count_statements(fixture.db) as seen:
        f = figures(fixture, site="leicester royal infirmary")
    assert f.site == LRI
    assert (f.inpatients, f.nctr, f.nctr_delay_days, f.los_21plus) == (5, 3, 13, 1)
    assert f.discharged_previous_day == 1
    assert f.placements_waiting == 2
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    # site, places, code lists (wards, pathways, delay reasons), rows, yesterday's
    # discharges, placements
    assert len(selects) == 6

    with fixture.db.unit_of_work("test") as s:
        for n in range(20, 30):
            spells.admit(s, patient=patient(n), site=LRI, ward="Ward 9", admitted_at=at(-3))
    with count_statements(fixture.db) as seen:
        assert figures(fixture, site=LRI).inpatients == 15
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 6


def pdf_pages(data: bytes) -> list[list[str]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [[line.strip() for line in page.extract_text().splitlines()] for page in reader.pages]


def contains_run(lines: list[str], run: Sequence[str]) -> bool:
    n = len(run)
    return any(lines[i : i + n] == list(run) for i in range(len(lines) - n + 1))


def test_huddle_pdf_shows_the_figures_rows_and_page_numbers(sqlite_fixture: Fixture) -> None:
    fx = sqlite_fixture
    f = figures(fx)
    pages = pdf_pages(huddle_pdf(f, printed_at=PRINTED, printed_by="jsmith"))
    first = pages[0]
    tiles = [f.inpatients, f.edd_missing, f.edd_passed, f.nctr, f.nctr_delay_days]
    tiles += [f.expected_today, f.expected_tomorrow, f.discharged_previous_day]
    tiles += [f.los_7plus, f.los_14plus, f.los_21plus, f.placements_waiting]
    tiles += [f.hub_no_carer_contact]
    assert contains_run(first, [str(n) for n in tiles])
    assert tiles == [6, 2, 2, 4, 27, 1, 1, 1, 4, 3, 2, 3, 2]
    assert contains_run(first, ["P2", "1", "1"])  # NCTR 1, discharged the day before 1
    assert contains_run(first, ["A14"])
    assert contains_run(first, ["Leicestershire", "2", "2", "8.5"])
    assert contains_run(first, ["Interpreter needed", "2", "2", "6.5"])
    everything = [line for page in pages for line in page]
    zoe = ["Ward 7", "B1", "O'NEILL, Zoë", "999 000 0034", "25"]
    assert contains_run(everything, zoe)
    assert contains_run(everything, ["KOWALSKI, Łukasz", "999 000 0069"])
    assert contains_run(everything, ["Charnwood", "1", "D'ARCY, Noël", "999 000 0271", "21"])
    assert "TAYLOR, Ruth" not in everything  # admitted the day after
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert page.count("OFFICIAL-SENSITIVE: PERSONAL") == 2
        assert "Printed 02/03/2026 09:15 by jsmith" in page
        assert any(line.startswith(f"{fx.on:%a}") and "All sites" in line for line in page)


def test_a_long_ward_repeats_its_header_on_every_page(sqlite_fixture: Fixture) -> None:
    fx = sqlite_fixture
    with fx.db.unit_of_work("test") as s:
        for n in range(100, 190):
            spells.admit(
                s, patient=patient(n, family_name=f"Ward{n}"), site=LRI, ward="Ward 9",
                bed=f"{n}", admitted_at=at(-3),
            )  # fmt: skip
    with fx.db.read() as session:
        f = huddle_figures(session, on=fx.on, site=LRI)
    pages = pdf_pages(huddle_pdf(f, printed_at=PRINTED, printed_by="jsmith"))
    assert len(pages) >= 4
    ward9 = [p for p in pages if any(re.fullmatch(r"WARD1\d\d, Zoë", line) for line in p)]
    assert len(ward9) >= 2
    for page in ward9:
        assert contains_run(page, ["Ward", "Bed", "Name", "NHS number", "LOS"])
    names = {line for p in pages for line in p if re.fullmatch(r"WARD1\d\d, Zoë", line)}
    assert len(names) == 90
    assert all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, start=1))


def test_the_longest_breakdowns_still_lay_out(sqlite_fixture: Fixture) -> None:
    """Every delay reason, service type and ethnic group at once: the summary flows onto a
    second page instead of failing (a layout row taller than a page cannot split)."""
    f = figures(sqlite_fixture)
    long_label = "Awaiting a decision " * 8
    reasons = tuple(Count(f"A{i:02d}", long_label, i) for i in range(1, 22))
    services = tuple(Count(f"s{i}", f"Service type {i}", i) for i in range(12))
    groups = tuple(EquityRow(f"Group {i}", i + 1, i, i * 3) for i in range(10))
    crowded = replace(
        f,
        nctr_by_delay_reason=reasons,
        nctr_delay_days_by_reason=reasons,
        placements_waiting_by_service=services,
        equity_by_ethnic_group=groups,
    )
    pages = pdf_pages(huddle_pdf(crowded, printed_at=PRINTED, printed_by="jsmith"))
    text = [line for page in pages for line in page]
    assert "A21" in text and "Group 9" in text
    assert f"Page 1 of {len(pages)}" in pages[0]


def _fragments(pdf: bytes) -> list[tuple[float, str, float]]:
    """(x, text, size) of every piece of text drawn, over all pages."""
    found: list[tuple[float, str, float]] = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
            if text.strip():
                found.append((tm[4] * cm[0] + cm[4], text.strip(), size * tm[0] * cm[0]))

        page.extract_text(visitor_text=visit)
    return found


def test_long_service_types_wrap_and_leave_the_count_column_visible(
    sqlite_fixture: Fixture,
) -> None:
    """Huddle page 2, "Placements waiting": a long service type label wraps inside its
    column instead of running over the count beside it (issue 10)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from discharge_hub.reports.pdf_base import FONT

    f = figures(sqlite_fixture)
    label = "Residential care home with nursing for people living with dementia"
    crowded = replace(f, placements_waiting_by_service=(Count("nh_emi", label, 7),))
    pieces = _fragments(huddle_pdf(crowded, printed_at=PRINTED, printed_by="jsmith"))
    header = next(x for x, text, _ in pieces if text == "Waiting: service type")
    count_x = next(x for x, text, _ in pieces if text == "No." and x > header)
    words = set(label.split())
    parts = [(x, t, s) for x, t, s in pieces if set(t.split()) <= words and x < count_x]
    assert " ".join(t for _, t, _ in parts) == label  # all of it shown, over lines
    assert len(parts) >= 2  # wrapped
    for x, text, size in parts:
        assert x + stringWidth(text, FONT, size) < count_x - 2, text
    assert any(t == "7" and abs(x - count_x) < 30 for x, t, _ in pieces)
