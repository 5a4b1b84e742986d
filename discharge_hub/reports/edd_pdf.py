"""The EDD reliability report: headline shares, where the EDDs slip (site, ward,
specialty), the distribution of days late and of EDD changes, the reasons given for
changes, and the weekly NCTR delay days by delay-reason group; and the CSV row of a
stay for the export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    LongTable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from discharge_hub.reports.common import shown_date
from discharge_hub.reports.counts import Count
from discharge_hub.reports.edd_data import EddGroup, EddReliability, EddStay
from discharge_hub.reports.huddle_pdf import clip, grid_style, side_by_side
from discharge_hub.reports.pdf_base import FONT, NHS_BLUE, PageFrame, build_pdf, styles

TITLE = "EDD reliability"
PAGE = landscape(A4)
EDD_COLUMNS = ("nhs_number", "site", "ward", "specialty", "admitted", "first_edd", "last_edd",
               "edd_changes", "discharged", "days_late")  # fmt: skip
# One colour per delay-reason group in the weekly chart (cycled), NHS palette.
GROUP_COLOURS = ("#005EB8", "#ED8B00", "#007F3B", "#DA291C", "#330072", "#00A9CE",
                 "#AE2573", "#FFB81C", "#425563", "#78BE20")  # fmt: skip


def edd_row(stay: EddStay) -> tuple[str, ...]:
    """The export's row of one stay (dates ISO; empty where there is no EDD)."""

    def iso(day: date | None) -> str:
        return day.isoformat() if day else ""

    late = stay.days_late
    return (
        stay.nhs_number, stay.site, stay.ward, stay.specialty or "", iso(stay.admitted),
        iso(stay.first_edd), iso(stay.last_edd), str(stay.edd_changes), iso(stay.discharged),
        "" if late is None else str(late),
    )  # fmt: skip


def percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def one_decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


GROUP_HEAD = ["Stays", "With EDD", "On first EDD", "On last EDD", "Mean days late",
              "Changes per stay"]  # fmt: skip


def _group_cells(g: EddGroup) -> list[Any]:
    return [g.stays, g.with_edd, percent(g.share_on_first), percent(g.share_on_last),
            one_decimal(g.mean_days_late), one_decimal(g.changes_per_stay)]  # fmt: skip


def group_table(title: str, groups: Sequence[EddGroup], width: float = 300) -> LongTable:
    rows: list[list[Any]] = [[title, *GROUP_HEAD]]
    rows += [[clip(g.label, width - 6), *_group_cells(g)] for g in groups] or [
        ["No discharges", 0, 0, "–", "–", "–", "–"]
    ]
    widths = [width, 40, 50, 62, 62, 70, 78]
    table = LongTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([*grid_style(), ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    return table


def bar_chart(counts: Sequence[Count], width: float, height: float = 130) -> Drawing:
    """One series of vertical bars, labelled with their counts."""
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 28, width - 36, height - 40
    chart.data = [[c.count for c in counts] or [0]]
    chart.categoryAxis.categoryNames = [c.label for c in counts] or ["–"]
    _style_axes(chart, max([4, *(c.count for c in counts)]))
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.bars[0].fillColor = NHS_BLUE
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barLabels.nudge = 5
    drawing.add(chart)
    return drawing


def nice_top(value: int) -> tuple[int, int]:
    """An axis top at or above ``value`` and its step: 1, 2 or 5 times a power of ten,
    four or five steps high."""
    step = 1
    while step * 5 < value:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step * 5 >= value:
                break
    return step * -(-value // step), step


def _style_axes(chart: Any, top: int) -> None:
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels):
        labels.fontName = FONT
        labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax, chart.valueAxis.valueStep = nice_top(top)


def trend_chart(f: EddReliability, width: float, height: float = 190) -> Drawing:
    """Delay days per week, stacked by delay-reason group, with a legend."""
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 40, width - 250, height - 50
    chart.categoryAxis.style = "stacked"
    series = [[w.days[i] for w in f.weeks] for i in range(len(f.delay_groups))]
    chart.data = series or [[0 for _ in f.weeks] or [0]]
    chart.categoryAxis.categoryNames = [f"{w.week:%d/%m}" for w in f.weeks] or ["–"]
    _style_axes(chart, max([4, *(w.total for w in f.weeks)]))
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(GROUP_COLOURS[i % len(GROUP_COLOURS)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 200, height - 10
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(GROUP_COLOURS[i % len(GROUP_COLOURS)]), clip(name, 150, size=7))
        for i, name in enumerate(f.delay_groups)
    ] or [(colors.white, "No delay days")]
    drawing.add(legend)
    return drawing


def _reasons(f: EddReliability) -> Table:
    rows: list[list[Any]] = [["Reason given for an EDD change", "Changes"]]
    rows += [[clip(c.label, 270), c.count] for c in f.reasons] or [["No EDD changed", 0]]
    table = Table(rows, colWidths=[280, 46], hAlign="LEFT")
    table.setStyle(TableStyle([*grid_style(), ("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    return table


def summary_story(f: EddReliability) -> list[Flowable]:
    h1, h2, small = styles()["h1"], styles()["h2"], styles()["small"]
    o = f.overall
    headline = (
        f"{o.stays} discharges from {shown_date(f.start)} to {shown_date(f.end)}, "
        f"{o.with_edd} with an EDD: {percent(o.share_on_first)} went home on their first "
        f"EDD, {percent(o.share_on_last)} on their last; on average "
        f"{one_decimal(o.mean_days_late)} days after the first EDD, with "
        f"{one_decimal(o.changes_per_stay)} EDD changes per stay."
    )
    return [
        Paragraph(f"EDD reliability — {f.site_label}", h1),
        Paragraph(headline, styles()["body"]),
        Spacer(1, 4),
        group_table("All", [o]),
        side_by_side(
            [
                (
                    250,
                    [
                        Paragraph("Days late (discharge − first EDD)", h2),
                        bar_chart(f.days_late, 250),
                    ],
                ),
                (160, [Paragraph("EDD changes per stay", h2), bar_chart(f.changes, 160)]),
                (330, [Paragraph("Reasons given for changes", h2), _reasons(f)]),
            ],
            gap=10,
        ),  # fmt: skip
        Paragraph("NCTR delay days per week, by delay-reason group", h2),
        trend_chart(f, PAGE[0] - 24 * mm),
        Paragraph(
            "First EDD: the EDD that held 24 hours after admission (else the first set). "
            "Last EDD: the EDD at discharge. Shares and means are of the stays with an EDD. "
            "A delay day: a patient in hospital at the end of a day with a discharge ready "
            "date on or before it, under the delay reason held then.",
            small,
        ),
    ]


def breakdown_story(f: EddReliability) -> list[Flowable]:
    """The tables by site, ward and specialty; each may run over pages (its heading
    is not kept with it, which would push a long table whole onto the next page)."""
    heading = ParagraphStyle("breakdown", parent=styles()["h2"], keepWithNext=0)
    story: list[Flowable] = []
    for title, column, groups in (
        ("By site (at discharge)", "Site", f.by_site),
        ("By ward (at discharge)", "Ward", f.by_ward),
        ("By specialty", "Specialty", f.by_specialty),
    ):
        story += [CondPageBreak(30 * mm), Paragraph(title, heading), group_table(column, groups)]
    return story


def edd_pdf(
    figures: EddReliability,
    *,
    printed_at: datetime,
    printed_by: str,
    as_at_end_of: date | None = None,
) -> bytes:
    """The EDD reliability report as PDF bytes (A4 landscape)."""
    frame = PageFrame(
        title=TITLE,
        subject=(f"{figures.start:%d/%m/%Y} – {figures.end:%d/%m/%Y}  ·  {figures.site_label}"),
        printed_at=printed_at,
        printed_by=printed_by,
        as_at_end_of=as_at_end_of,
    )
    return build_pdf(summary_story(figures) + breakdown_story(figures), frame, pagesize=PAGE)
