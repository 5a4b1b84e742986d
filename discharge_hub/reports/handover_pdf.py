"""The handover summary as PDF: the PRSB headings the record fills, on A4 portrait."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from discharge_hub.reports.handover_data import Grid, HandoverSummary, Section
from discharge_hub.reports.pdf_base import (
    FONT_BOLD,
    GREY,
    NHS_BLUE,
    PALE,
    PageFrame,
    build_pdf,
    para,
    styles,
)
from discharge_hub.validators import format_nhs_number

TITLE = "Handover summary"
PAGE = A4
WIDTH = PAGE[0] - 24 * mm
LABEL_WIDTH = 48 * mm


def _fields_table(fields: tuple[tuple[str, str], ...]) -> Table:
    rows = [[para(label, "label"), para(value)] for label, value in fields]
    table = Table(rows, colWidths=[LABEL_WIDTH, WIDTH - LABEL_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _grid(grid: Grid) -> list[Flowable]:
    header = [
        Paragraph(f'<font name="{FONT_BOLD}" color="white">{h}</font>', styles()["cell"])
        for h in grid.header
    ]
    rows: list[list[Any]] = [header, *([para(v, "cell") for v in row] for row in grid.rows)]
    table = Table(
        rows, repeatRows=1, hAlign="LEFT", colWidths=[WIDTH / len(grid.header)] * len(grid.header)
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), NHS_BLUE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, PALE]),
                ("LINEBELOW", (0, -1), (-1, -1), 0.4, GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    title = [para(grid.title, "label")] if grid.title else []
    return [*title, table, Spacer(1, 4)]


def _section(section: Section) -> list[Flowable]:
    parts: list[Flowable] = []
    if section.fields:
        parts.append(_fields_table(section.fields))
    for grid in section.grids:
        parts += _grid(grid)
    heading = para(section.heading, "h2")
    # The heading stays with the start of its content, never alone at a page foot.
    return [KeepTogether([heading, parts[0]]), *parts[1:]] if parts else [heading]


def handover_pdf(summary: HandoverSummary, *, printed_at: datetime, printed_by: str) -> bytes:
    """The handover summary as PDF bytes; NHS number and name head every page."""
    subject = (
        f"{summary.name}  ·  NHS {format_nhs_number(summary.nhs_number)}"
        f"  ·  born {summary.date_of_birth:%d/%m/%Y}"
    )
    frame = PageFrame(TITLE, subject, printed_at, printed_by)
    status = "after discharge" if summary.discharged else "before discharge (planned)"
    story: list[Flowable] = [
        para(f"Transfer of care: {summary.name}", "h1"),
        para(
            f"Prepared {status}. Follows the PRSB eDischarge headings that this record fills; "
            "headings with nothing recorded are left out.",
            "small",
        ),
    ]
    for section in summary.sections:
        story += _section(section)
    return build_pdf(story, frame, pagesize=PAGE)
