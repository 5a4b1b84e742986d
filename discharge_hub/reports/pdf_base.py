"""What every printed report shares: the bundled font, styles and the page frame.

Every page carries the title, the subject line (date and site, or the patient), the
OFFICIAL-SENSITIVE: PERSONAL marking, who printed it and when, and "Page x of y".
The page count needs the whole document first, so the canvas keeps each page's
state and draws the numbers when it is saved (ReportLab's two-pass "NumberedCanvas").

A report of a past day is stamped "as at the end of" that day instead of with the
time it was printed, and the PDF's own dates (CreationDate, ModDate) are that instant
too; ReportLab's invariant mode makes the file identifier a digest of the content. So
the same report of the same past day, printed again by the same person, is the same
file byte for byte, however much later and whatever changed since.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from discharge_hub import clock
from discharge_hub.reports.common import MARKING, day_end_utc

FONTS = Path(__file__).resolve().parent.parent.parent / "resources" / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK = colors.HexColor("#003087")
GREY = colors.HexColor("#425563")
PALE = colors.HexColor("#E8EDEE")
WARN = colors.HexColor("#DA291C")


@cache
def register_fonts() -> None:
    """DejaVu Sans covers every Latin script (Zoë, Łukasz, Siân) unlike the PDF base 14."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, alignment=TA_LEFT)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7, leading=8.5),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=FONT_BOLD, fontSize=13, leading=16, textColor=NHS_DARK,
            spaceBefore=2, spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=FONT_BOLD, fontSize=10, leading=13, textColor=NHS_BLUE,
            spaceBefore=8, spaceAfter=3, keepWithNext=1,
        ),
        "label": ParagraphStyle("label", parent=body, fontName=FONT_BOLD, textColor=GREY),
    }  # fmt: skip


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of user text: escaped, so "&" or "<" in a note cannot break the PDF."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


@dataclass(frozen=True)
class PageFrame:
    """What every page of one report shows around its content."""

    title: str
    subject: str  # e.g. "Mon 23 Nov 2026 · Leicester Royal Infirmary" or the patient
    printed_at: datetime
    printed_by: str
    # A past day's report: the figures as they stood at the end of this day.
    as_at_end_of: date | None = None

    @property
    def printed(self) -> str:
        if self.as_at_end_of is not None:
            return (
                f"As at the end of {self.as_at_end_of:%d/%m/%Y} (UK time); "
                f"printed by {self.printed_by}"
            )
        return f"Printed {clock.local(self.printed_at):%d/%m/%Y %H:%M} by {self.printed_by}"

    @property
    def stamped_at(self) -> datetime:
        """The instant the PDF's own dates carry."""
        if self.as_at_end_of is not None:
            return day_end_utc(self.as_at_end_of)
        return clock.as_utc(self.printed_at)


def pdf_date(moment: datetime) -> Any:
    """A ReportLab date formatter that writes ``moment`` (UK time, with its offset)."""
    local = clock.local(moment)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0

    def formatted(*_reportlab_time: int) -> str:
        sign = "+" if minutes >= 0 else "-"
        return f"D:{local:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"

    return formatted


def _draw_frame(frame: PageFrame, canvas: Canvas, doc: BaseDocTemplate) -> None:
    width, height = doc.pagesize
    left, right = doc.leftMargin, width - doc.rightMargin
    top = height - 9 * mm
    canvas.saveState()
    canvas.setFillColor(WARN)
    canvas.setFont(FONT_BOLD, 8)
    canvas.drawCentredString(width / 2, height - 5.5 * mm, MARKING)
    canvas.setFillColor(NHS_DARK)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawString(left, top - 4 * mm, frame.title)
    canvas.setFont(FONT, 9)
    canvas.setFillColor(colors.black)
    canvas.drawRightString(right, top - 4 * mm, frame.subject)
    canvas.setStrokeColor(NHS_BLUE)
    canvas.setLineWidth(1)
    canvas.line(left, top - 6.5 * mm, right, top - 6.5 * mm)
    canvas.setLineWidth(0.4)
    canvas.line(left, 11 * mm, right, 11 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(GREY)
    canvas.drawString(left, 7 * mm, frame.printed)
    canvas.setFillColor(WARN)
    canvas.setFont(FONT_BOLD, 7.5)
    canvas.drawCentredString(width / 2, 7 * mm, MARKING)
    canvas.restoreState()


class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab is untyped
    """Defers each page until the end, then writes "Page x of y" on every one."""

    def __init__(self, *args: Any, stamped_at: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        if stamped_at is not None:
            self.setDateFormatter(pdf_date(stamped_at))

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _ = self._pagesize
            self.saveState()
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.black)
            self.drawRightString(width - 12 * mm, 7 * mm, f"Page {number} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def build_pdf(
    story: Sequence[Flowable],
    frame: PageFrame,
    *,
    pagesize: tuple[float, float],
) -> bytes:
    """Lay out ``story`` on pages of ``pagesize`` inside the page frame; the PDF bytes."""
    register_fonts()
    out = io.BytesIO()
    margin = 12 * mm
    doc = BaseDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=18 * mm,
        bottomMargin=14 * mm,
        title=frame.title,  # never the subject: a handover's is the patient (issue 13)
        author=frame.printed_by,
        subject=MARKING,
        creator="Discharge Hub",
        invariant=1,  # no wall-clock time or random id in the file (see above)
    )
    body = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    decorate = partial(_draw_frame, frame)
    doc.addPageTemplates([PageTemplate("page", frames=[body], onPage=decorate)])
    doc.build(list(story), canvasmaker=partial(NumberedCanvas, stamped_at=frame.stamped_at))
    return out.getvalue()
