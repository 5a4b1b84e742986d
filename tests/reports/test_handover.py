"""The handover summary: every filled PRSB heading, none empty, never "None"."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf

from discharge_hub.reports.handover_data import handover_summary
from discharge_hub.reports.handover_pdf import handover_pdf
from tests.reports.conftest import Fixture

PRINTED = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
MANDATORY = [
    "Patient demographics",
    "GP practice",
    "Admission details",
    "Discharge details",
    "Person completing record",
    "Distribution list",
]
ALL_HEADINGS = [
    *MANDATORY[:4],
    "Individual requirements",
    "Legal information",
    "Patient and carer concerns, expectations and wishes",
    "Plan and requested actions",
    "Safety alerts",
    "Social context",
    "Medications and medical devices",
    "Information and advice given",
    *MANDATORY[4:],
]


def render(fx: Fixture, key: str) -> tuple[list[str], list[str]]:
    with fx.db.read() as session:
        summary = handover_summary(
            session, spell_id=fx.ids[key], printed_by="jsmith", printed_at=PRINTED
        )
    data = handover_pdf(summary, printed_at=PRINTED, printed_by="jsmith")
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    return summary.headings, pages


def lines_of(pages: list[str]) -> list[str]:
    return [line.strip() for page in pages for line in page.splitlines()]


def test_a_full_record_prints_every_heading_and_its_content(sqlite_fixture: Fixture) -> None:
    headings, pages = render(sqlite_fixture, "A")
    assert headings == ALL_HEADINGS
    lines = lines_of(pages)
    for heading in ALL_HEADINGS:
        assert heading in lines
    text = "\n".join(pages)
    for expected in (
        "O'NEILL, Zoë",
        "999 000 0034",
        "Asquith Surgery, Leicester",
        "Hard of hearing: face her when speaking",
        "Health and welfare LPA: Siân O'Neill (daughter)",
        "Wants a home near her daughter & church",  # "&" escaped, not lost
        "Falls risk; allergic to penicillin",
        "Terraced house, stairs to bedroom",
        "Leaflet: Leaving hospital — what happens next",
        "Chase nursing home assessment",
        "Nursing care home",
        "TTOs to be dispensed",
        "Pressure mattress at home",
        "Siân O'Neill (Daughter)",
    ):
        assert expected in text, expected
    assert "None" not in text


def test_every_page_is_headed_with_the_patient_and_numbered(sqlite_fixture: Fixture) -> None:
    _, pages = render(sqlite_fixture, "A")
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "O'NEILL, Zoë  ·  NHS 999 000 0034" in page
        assert page.count("OFFICIAL-SENSITIVE: PERSONAL") == 2
        assert f"Page {number} of {len(pages)}" in page
        assert "Printed 02/03/2026 09:15 by jsmith" in page


def test_a_sparse_record_leaves_out_the_empty_headings(sqlite_fixture: Fixture) -> None:
    headings, pages = render(sqlite_fixture, "C")
    assert headings == MANDATORY
    text = "\n".join(pages)
    assert "BROWN, Amelia" in text
    assert "Not recorded" in text  # GP practice and EDD are named as missing, not "None"
    assert "None" not in text
    for heading in set(ALL_HEADINGS) - set(MANDATORY):
        assert heading not in text


def test_a_discharged_spell_prints_its_discharge(sqlite_fixture: Fixture) -> None:
    _, pages = render(sqlite_fixture, "I")
    text = "\n".join(pages)
    assert "D'ARCY, Noël" in text
    assert "Rehab goals" in text
    _, pages = render(sqlite_fixture, "F")
    text = "\n".join(pages)
    assert "19 – Usual place of residence" in text
    assert "P3 – Care home placement" in text
    assert "None" not in text
