"""Print preview of a generated PDF.

QtPdf renders the pages for the preview and for a printer. "Save as PDF…" (and
printing to a PDF file from the print dialog) writes the ReportLab PDF itself — text,
small, the same bytes the command line writes — never page images. Default file
names come from the report (ISO dates, no slashes) in the user's documents folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Slot
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QToolBar, QWidget

from discharge_hub.outputs import OutputPathError, write_atomically
from discharge_hub.user_paths import make_private, safe_file_name, suggested_path

# Pages are rendered as images for a paper printer only: sharp on paper, bounded in memory.
RENDER_DPI = 200


def ask_save_path(parent: QWidget | None, proposed: Path) -> Path | None:
    """Where to save the PDF (None if cancelled). Tests replace this function."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, "Save as PDF", str(proposed), "PDF documents (*.pdf)"
    )
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


class PdfPrintPreview(QPrintPreviewDialog):
    """A print preview of PDF bytes; ``open()`` it (or ``exec()``).

    ``file_name`` is the proposed name without folder, e.g.
    ``Daily huddle 2026-11-23.pdf``; made safe for every file system."""

    def __init__(
        self,
        pdf: bytes,
        title: str,
        parent: QWidget | None = None,
        *,
        file_name: str | None = None,
    ) -> None:
        self.pdf_printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        super().__init__(self.pdf_printer, parent)
        self.setWindowTitle(f"Print preview — {title}")
        self.pdf = pdf
        self.file_name = safe_file_name(file_name or f"{title}.pdf")
        if not self.file_name.lower().endswith(".pdf"):
            self.file_name += ".pdf"
        self.pdf_printer.setDocName(Path(self.file_name).stem)
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)  # must outlive the document
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ValueError(f"the PDF could not be read ({self.document.error()})")
        self._match_page_layout()
        self.paintRequested.connect(self._on_paint_requested)
        self.save_action, self.print_action = self._own_actions()
        self.saved_to: Path | None = None
        self.resize(1000, 800)

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    @property
    def proposed_path(self) -> Path:
        return suggested_path(self.file_name)

    def _own_actions(self) -> tuple[QAction, QAction]:
        """Replace the dialog's Print button (which would print page images to a PDF
        file) by our Print… and add Save as PDF…, which writes the PDF itself."""
        toolbar = self.findChild(QToolBar)
        save = QAction("&Save as PDF…", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.setToolTip("Save this report as a PDF file (text, as printed)")
        save.triggered.connect(self.save_pdf)
        print_ = QAction("&Print…", self)
        print_.setShortcut(QKeySequence.StandardKey.Print)
        print_.triggered.connect(self.print_pdf)
        if toolbar is not None:
            for action in toolbar.actions():
                if action.text().replace("&", "") == "Print":
                    action.setVisible(False)
            toolbar.addSeparator()
            toolbar.addAction(print_)
            toolbar.addAction(save)
        self.addAction(save)
        self.addAction(print_)
        return save, print_

    # --- saving and printing ------------------------------------------------------------

    def write_pdf(self, path: Path) -> Path:
        """Write the report's own PDF bytes to ``path`` (owner-only)."""
        write_atomically(path, self.pdf)
        make_private(path)
        self.saved_to = path
        return path

    @Slot()
    def save_pdf(self) -> Path | None:
        """Ask where (proposing the documents folder), then write the PDF itself."""
        path = ask_save_path(self, self.proposed_path)
        if path is None:
            return None
        try:
            return self.write_pdf(path)
        except OutputPathError as exc:
            QMessageBox.warning(self, "Save as PDF", f"The PDF was not saved. {exc}")
            return None

    @Slot()
    def print_pdf(self) -> None:
        """The print dialog; a paper printer gets the pages rendered from the PDF, a
        "print to file" gets the PDF itself."""
        if QPrinterInfo.availablePrinters():
            self.pdf_printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
        else:
            self.pdf_printer.setOutputFileName(str(self.proposed_path))
        dialog = QPrintDialog(self.pdf_printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(self.pdf_printer)

    def print_to(self, printer: QPrinter) -> None:
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
            self.write_pdf(Path(printer.outputFileName()))
        else:
            self.paint_to(printer)

    def _match_page_layout(self) -> None:
        size = self.document.pagePointSize(0)
        landscape = size.width() > size.height()
        orientation = (
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
        )
        self.pdf_printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        self.pdf_printer.setPageOrientation(orientation)
        self.pdf_printer.setFullPage(True)  # the PDF carries its own margins

    @Slot(QPrinter)
    def _on_paint_requested(self, printer: QPrinter) -> None:
        self.paint_to(printer)  # the preview's own pages

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
