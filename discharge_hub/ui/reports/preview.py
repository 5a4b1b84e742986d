"""Print preview of a generated PDF: QtPdf renders its pages into a QPrintPreviewDialog,
from which the user prints or saves (the dialog's own printer choice includes PDF)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Slot
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from discharge_hub.user_paths import make_private, suggested_path

# Pages are rendered as images at this resolution: sharp on paper, bounded in memory.
RENDER_DPI = 200


class PdfPrintPreview(QPrintPreviewDialog):
    """A print preview of PDF bytes; ``open()`` it (or ``exec()``)."""

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None) -> None:
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        super().__init__(self.printer, parent)
        self.setWindowTitle(f"Print preview — {title}")
        self.printer.setDocName(title)
        # "Print to file" proposes the documents folder, never the database's folder.
        self.printer.setOutputFileName(str(suggested_path(f"{title}.pdf")))
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)  # must outlive the document
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ValueError(f"the PDF could not be read ({self.document.error()})")
        self._match_page_layout()
        self.paintRequested.connect(self._on_paint_requested)
        self.resize(1000, 800)

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def _match_page_layout(self) -> None:
        size = self.document.pagePointSize(0)
        landscape = size.width() > size.height()
        orientation = (
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
        )
        self.printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        self.printer.setPageOrientation(orientation)
        self.printer.setFullPage(True)  # the PDF carries its own margins

    @Slot(QPrinter)
    def _on_paint_requested(self, printer: QPrinter) -> None:
        self.paint_to(printer)

    def paint_to(self, printer: QPrinter) -> None:
        """Draw every PDF page on its own printer page, scaled to fit, centred."""
        painter = QPainter()
        if not painter.begin(printer):
            return
        try:
            target = printer.pageLayout().fullRectPixels(printer.resolution())
            for index in range(self.page_count):
                if index:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                scale = min(target.width() / points.width(), target.height() / points.height())
                width, height = points.width() * scale, points.height() * scale
                pixels = QSize(
                    round(points.width() / 72 * RENDER_DPI),
                    round(points.height() / 72 * RENDER_DPI),
                )
                image = self.document.render(index, pixels)
                left = (target.width() - width) / 2
                top = (target.height() - height) / 2
                painter.drawImage(
                    QRectF(QPointF(left, top), QRectF(0, 0, width, height).size()), image
                )
        finally:
            painter.end()
            if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
                make_private(printer.outputFileName())
