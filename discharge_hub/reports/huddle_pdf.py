"""The daily huddle report: one page of figures, then the patient list ward by ward."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    LongTable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from discharge_hub.reports.common import shown_date
from discharge_hub.reports.counts import Count
from discharge_hub.reports.huddle_data import EquityRow, HuddleFigures
from discharge_hub.reports.pdf_base import (
    FONT,
    FONT_BOLD,
    GREY,
    NHS_BLUE,
    PALE,
    WARN,
    PageFrame,
    build_pdf,
    para,
    styles,
)
from discharge_hub.services.board import BoardRow
from discharge_hub.validators import format_nhs_number

TITLE = "Daily huddle"
LEADING = 9.0  # points per line of 7.5 pt text in the tables
PADDING = 1.5
PAGE = landscape(A4)
# The patient list: (heading, width in points).
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Ward", 62),
    ("Bed", 28),
    ("Name", 100),
    ("NHS number", 60),
    ("LOS", 22),
    ("EDD", 50),
    ("DRD", 50),
    ("Delay\ndays", 28),
    ("Path-\nway", 28),
    ("Delay\nreason", 32),
    ("Placement", 66),
    ("Carer status", 92),
    ("Next action", 0),  # the rest of the width
)


def grid_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5, LEADING),
        ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), colors.white),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), NHS_BLUE),
        ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, PALE]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.4, GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), PADDING),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], numeric_from: int) -> Table:
    table = Table([list(r) for r in rows], colWidths=list(widths), hAlign="LEFT")
    table.setStyle(TableStyle([*grid_style(), ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT")]))
    return table


def _tiles(f: HuddleFigures) -> Table:
    """The headline numbers, big, with what they are underneath."""
    tiles = [
        ("Inpatients", f.inpatients),
        ("EDD missing", f.edd_missing),
        ("EDD passed", f.edd_passed),
        ("Ready for discharge (NCTR)", f.nctr),
        ("NCTR delay days", f.nctr_delay_days),
        ("Expected discharges today", f.expected_today),
        ("Expected tomorrow", f.expected_tomorrow),
        (f"Discharged {f.previous_day:%d/%m}", f.discharged_previous_day),
        ("LOS 7+ days", f.los_7plus),
        ("LOS 14+ days", f.los_14plus),
        ("LOS 21+ days", f.los_21plus),
        ("Placements waiting", f.placements_waiting),
        ("P1–P3, no carer contact", f.hub_no_carer_contact),
    ]
    small = styles()["small"]
    big = ParagraphStyle("tile", parent=small, fontName=FONT_BOLD, fontSize=15, leading=18)
    cells = [
        [Paragraph(str(n), big) for _, n in tiles],
        [Paragraph(label, small) for label, _ in tiles],
    ]
    table = Table(cells, colWidths=[(PAGE[0] - 24 * mm) / len(tiles)] * len(tiles))
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, NHS_BLUE),
                ("INNERGRID", (0, 0), (-1, -1), 0.3, colors.white),
                ("BACKGROUND", (0, 0), (-1, -1), PALE),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.6, colors.white),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _pathways(f: HuddleFigures) -> Table:
    gone = {c.key: c.count for c in f.discharged_previous_day_by_pathway}
    rows: list[list[Any]] = [["Pathway", "NCTR", f"Disch. {f.previous_day:%d/%m}"]]
    rows += [[c.key, c.count, gone.get(c.key, 0)] for c in f.nctr_by_pathway]
    rows += [["Total", f.nctr, f.discharged_previous_day]]
    table = _table(rows, (40, 34, 60), 1)
    table.setStyle(TableStyle([("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.5)]))
    return table


def clip(text: str, width: float, font: str = FONT, size: float = 7.5) -> str:
    """``text`` cut to fit ``width`` points on one line, with an ellipsis if cut."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _reasons(f: HuddleFigures) -> Table:
    """One line per reason, so the table stays short whatever the list (the code is exact)."""
    days = {c.key: c.count for c in f.nctr_delay_days_by_reason}
    rows: list[list[Any]] = [["Code", "Delay reason", "NCTR", "Days"]]
    rows += [[c.key, clip(c.label, 294), c.count, days[c.key]] for c in f.nctr_by_delay_reason]
    if not f.nctr_by_delay_reason:
        rows.append(["", "No patient is ready for discharge", 0, 0])
    return _table(rows, (30, 300, 30, 30), 2)


def _reason_chart(counts: Sequence[Count], width: float = 170) -> Drawing:
    """NCTR by delay reason as horizontal bars (largest at the top)."""
    items = list(reversed(counts)) or [Count("—", "—", 0)]
    height = 20 + 14 * len(items)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 14, width - 44, height - 16
    chart.data = [[c.count for c in items]]
    chart.categoryAxis.categoryNames = [c.key for c in items]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(4, max(c.count for c in items))
    chart.valueAxis.valueStep = max(1, round(chart.valueAxis.valueMax / 4))
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = NHS_BLUE
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _placements(f: HuddleFigures) -> list[Flowable]:
    # Labels wrap inside their column, so a long service type never hides the count.
    by_service: list[list[Any]] = [["Waiting: service type", "No."]]
    by_service += [[para(c.label, "cell"), c.count] for c in f.placements_waiting_by_service]
    by_service = by_service if len(by_service) > 1 else [*by_service, ["None waiting", 0]]
    by_place: list[list[Any]] = [["Waiting: place (council)", "No."]]
    by_place += [[para(c.label, "cell"), c.count] for c in f.placements_waiting_by_place]
    return [_table(by_service, (150, 26), 1), Spacer(1, 6), _table(by_place, (150, 26), 1)]


def _mean(row: EquityRow) -> str:
    mean = row.mean_delay_days
    return "–" if mean is None else f"{mean:.1f}"


def _equity(title: str, rows: Sequence[EquityRow]) -> Table:
    data: list[list[Any]] = [[title, "In", "NCTR", "Mean delay"]]
    data += [[r.label, r.inpatients, r.nctr, _mean(r)] for r in rows]
    return _table(data, (120, 28, 34, 50), 1)


def side_by_side(parts: Sequence[tuple[float, Any]], gap: float = 12) -> Table:
    """Flowables in columns of the given widths (a layout table, no lines)."""
    cells = [[p for _, p in parts]]
    table = Table(cells, colWidths=[w + gap for w, _ in parts], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), gap),
            ]
        )
    )
    return table


def summary_story(f: HuddleFigures) -> list[Flowable]:
    """The first page: headline figures, breakdowns and equity."""
    h2 = styles()["h2"]
    return [
        Paragraph(f"Huddle summary — {f.site_label} — {shown_date(f.on)}", styles()["h1"]),
        _tiles(f),
        Spacer(1, 6),
        # Rows of side-by-side tables: each row is kept short enough for a page (a
        # layout row cannot split), and the page may break between rows.
        side_by_side(
            [
                (134, [Paragraph("NCTR by pathway", h2), _pathways(f)]),
                (390, [Paragraph("NCTR by delay reason", h2), _reasons(f)]),
                (210, [Spacer(1, 24), _reason_chart(f.nctr_by_delay_reason, 210)]),
            ],
            gap=8,
        ),
        side_by_side(
            [
                (176, [Paragraph("Placements waiting", h2), *_placements(f)]),
                (
                    232,
                    [
                        Paragraph("Equity: NCTR and delay by group", h2),
                        _equity("Place (council)", f.equity_by_place),
                        Spacer(1, 6),
                        _equity("Interpreter", f.equity_by_interpreter),
                    ],
                ),
                (232, [Spacer(1, 22), _equity("Ethnic group", f.equity_by_ethnic_group)]),
            ],
            gap=12,
        ),  # fmt: skip
        *red2green_story(f),
        Paragraph(
            "NCTR: no criteria to reside (discharge ready date on or before the huddle date). "
            "Delay days: huddle date minus discharge ready date. In: inpatients open at the end "
            "of the day. Mean delay: delay days per NCTR patient.",
            styles()["small"],
        ),
    ]


def red2green_story(f: HuddleFigures) -> list[Flowable]:
    """The day's Red2Green: the most given red-day reasons, then each ward's days."""
    h2 = styles()["h2"]
    red = sum(w.red for w in f.red2green_by_ward)
    reasons: list[list[Any]] = [["Red-day reason (most given)", "Days"]]
    reasons += [[clip(c.label, 290), c.count] for c in f.red_day_reasons] or [
        ["No red day recorded", 0]
    ]
    wards: list[list[Any]] = [["Ward", "Site", "Red", "Green", "Not recorded"]]
    wards += [[w.ward, w.site, w.red, w.green, w.not_recorded] for w in f.red2green_by_ward] or [
        ["No inpatients", "", 0, 0, 0]
    ]
    table = LongTable(wards, colWidths=[120, 170, 40, 40, 70], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([*grid_style(), ("ALIGN", (2, 0), (-1, -1), "RIGHT")]))
    return [
        Paragraph(f"Red2Green on {shown_date(f.on)}: {red} red day{'' if red == 1 else 's'}", h2),
        _table(reasons, (300, 40), 1),
        Spacer(1, 6),
        table,
        Spacer(1, 6),
    ]


def _d(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _wrap(text: str | None, width: float) -> str:
    """Text broken into lines that fit ``width``: plain strings are far cheaper for a
    table to measure and draw than paragraphs (the list may run to 3,000 rows)."""
    if not text:
        return ""
    if stringWidth(text, FONT, 7.5) <= width - 6:
        return text
    return "\n".join(simpleSplit(text, FONT, 7.5, width - 6))


# An empty cell as an empty flowable list: the table draws nothing for it, where an
# empty string still costs a text object (a third of the list's cells are empty).
EMPTY: tuple[()] = ()


def _patient_row(r: BoardRow, widths: Sequence[float]) -> list[Any]:
    cells = [
        _wrap(r.ward, widths[0]),
        _wrap(r.bed, widths[1]),
        _wrap(f"{r.family_name.upper()}, {r.given_name}", widths[2]),
        format_nhs_number(r.nhs_number),
        r.los,
        _d(r.edd),
        _d(r.discharge_ready_date),
        "" if r.delay_days is None else r.delay_days,
        r.pathway or "",
        r.delay_reason or "",
        _wrap((r.placement_state or "").replace("_", " "), widths[10]),
        _wrap(r.carer_status, widths[11]),
        _wrap(r.next_action, widths[12]),
    ]
    return [EMPTY if cell == "" else cell for cell in cells]


def ward_table(rows: Sequence[BoardRow], width: float) -> LongTable:
    widths = [w for _, w in COLUMNS]
    widths[-1] = width - sum(widths)
    body = [_patient_row(r, widths) for r in rows]
    data = [[h for h, _ in COLUMNS], *body]
    # Row heights from the line counts, so the table need not measure 40,000 cells.
    heights = [
        max(str(cell).count("\n") + 1 for cell in row) * LEADING + 2 * PADDING for row in data
    ]
    style = grid_style()
    style.append(("ALIGN", (4, 0), (4, -1), "RIGHT"))
    style.append(("ALIGN", (7, 0), (7, -1), "RIGHT"))
    style.append(("VALIGN", (0, 0), (-1, 0), "BOTTOM"))
    for i, r in enumerate(rows, start=1):
        if r.edd_passed:
            style.append(("TEXTCOLOR", (5, i), (5, i), WARN))
        if r.ready_for_discharge:
            style.append(("FONT", (7, i), (7, i), FONT_BOLD, 7.5))
        if r.no_carer_contact_flag:
            style.append(("TEXTCOLOR", (11, i), (11, i), WARN))
    table = LongTable(data, colWidths=widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def patient_list_story(f: HuddleFigures) -> list[Flowable]:
    width = PAGE[0] - 24 * mm
    story: list[Flowable] = [PageBreak(), Paragraph("Patients by ward", styles()["h1"])]
    if not f.rows:
        story.append(para("No inpatients at the end of this day."))
    for site, ward, rows in f.wards():
        nctr = sum(1 for r in rows if r.ready_for_discharge)
        patients = f"{len(rows)} patient{'' if len(rows) == 1 else 's'}"
        heading = para(f"{ward} — {site} — {patients}, {nctr} ready for discharge", "h2")
        story += [CondPageBreak(40 * mm), KeepTogether([heading]), ward_table(rows, width)]
    return story


def huddle_pdf(
    figures: HuddleFigures,
    *,
    printed_at: datetime,
    printed_by: str,
    as_at_end_of: date | None = None,
) -> bytes:
    """The huddle report as PDF bytes (A4 landscape). ``as_at_end_of``: a past day's
    report, stamped with that day instead of ``printed_at`` (see ``pdf_base``)."""
    frame = PageFrame(
        title=TITLE,
        subject=f"{shown_date(figures.on)}  ·  {figures.site_label}",
        printed_at=printed_at,
        printed_by=printed_by,
        as_at_end_of=as_at_end_of,
    )
    story = summary_story(figures) + patient_list_story(figures)
    return build_pdf(story, frame, pagesize=PAGE)
