"""The print preview (discharge_hub/ui/reports/preview.py) and the previews opened
from the Reports menu (actions.py): "Save as PDF" and a print to a PDF file write the
report's own PDF (text, small), under a file name with an ISO date in the documents
folder (issue 10, "Printing and PDFs")."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot

from discharge_hub import clock
from discharge_hub.db import sqlite_path
from discharge_hub.reports import render
from discharge_hub.ui.reports import PdfPrintPreview, open_handover_preview, preview
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.user_paths import documents_folder
from tests.cli.conftest import run_cli
from tests.reports.conftest import Fixture


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def _cli_huddle(fx: Fixture, out: Path) -> Path:
    url = str(fx.db.url)
    path = sqlite_path(url)
    assert path is not None
    done = run_cli(
        "report", "huddle", "--date", fx.on.isoformat(), "--db", str(path), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    return out


def test_save_as_pdf_writes_the_report_itself_small_and_with_text(
    qtbot: QtBot,
    sqlite_fixture: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fx = sqlite_fixture
    with fx.db.read() as session:
        pdf = render.huddle_report(session, on=fx.on, site=None, printed_by="test.user")
    dialog = PdfPrintPreview(
        pdf, "Daily huddle", file_name=render.huddle_file_name(on=fx.on, site=None)
    )
    qtbot.addWidget(dialog)
    asked: list[Path] = []
    target = tmp_path / "saved.pdf"

    def choose(_parent: object, proposed: Path) -> Path:
        asked.append(proposed)
        return target

    monkeypatch.setattr(preview, "ask_save_path", choose)
    # On the toolbar: our Print… and Save as PDF…; Qt's own Print (page images) is gone.
    toolbar = dialog.findChild(QToolBar)
    shown = [a.text().replace("&", "") for a in toolbar.actions() if a.isVisible()]
    assert "Save as PDF…" in shown and shown.count("Print…") == 1 and "Print" not in shown
    dialog.save_action.trigger()
    # The proposed name: ISO date, no slash, in the documents folder, never the data folder.
    assert asked == [documents_folder() / f"Daily huddle {fx.on.isoformat()}.pdf"]
    assert asked[0].parent != sqlite_path(str(fx.db.url)).parent  # type: ignore[union-attr]
    text = _text(target)
    assert "Daily huddle" in text and "Placements waiting" in text
    cli = _cli_huddle(fx, tmp_path / "cli.pdf")
    assert target.stat().st_size < 10 * cli.stat().st_size
    assert target.stat().st_mode & 0o077 == 0  # owner only: it holds patient data


def test_printing_to_a_pdf_file_writes_the_pdf_not_page_images(
    qtbot: QtBot,
    sqlite_fixture: Fixture,
    tmp_path: Path,
) -> None:
    fx = sqlite_fixture
    with fx.db.read() as session:
        pdf = render.handover_report(session, spell_id=fx.ids["B"], printed_by="test.user")
    dialog = PdfPrintPreview(pdf, "Handover summary")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer)
    printed = tmp_path / "printed.pdf"
    assert len(pypdf.PdfReader(printed).pages) == len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Handover" in _text(printed) and "KOWALSKI" in _text(printed)
    assert printed.stat().st_size < 10 * len(pdf)


def test_the_handover_is_proposed_as_family_name_nhs_number_and_iso_date(
    qtbot: QtBot,
    sqlite_fixture: Fixture,
) -> None:
    fx = sqlite_fixture
    runner = TaskRunner(fx.db, "test.user")
    shown: list[PdfPrintPreview] = []
    open_handover_preview(None, runner, spell_id=fx.ids["B"], on_shown=shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    dialog = shown[0]
    expected = f"Handover KOWALSKI {fx.nhs['B']} {clock.today().isoformat()}.pdf"
    assert dialog.proposed_path == documents_folder() / expected
    assert "/" not in dialog.proposed_path.name
    dialog.close()
    runner.wait_idle()


def test_a_title_with_a_uk_date_is_never_proposed_with_slashes(qtbot: QtBot) -> None:
    with pytest.raises(ValueError):
        PdfPrintPreview(b"not a pdf", "x")
    pdf = _one_page_pdf()
    dialog = PdfPrintPreview(pdf, "Daily huddle 23/11/2026")
    qtbot.addWidget(dialog)
    assert "/" not in dialog.proposed_path.name
    assert dialog.proposed_path.parent == documents_folder()


def _one_page_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Hello")
    page.save()
    return out.getvalue()
