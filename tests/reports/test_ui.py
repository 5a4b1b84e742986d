"""The huddle dashboard and the print preview (offscreen Qt, the fixture's database)."""

from __future__ import annotations

import io
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pypdf  # noqa: E402
from PySide6.QtCore import QDate  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from discharge_hub.reports.huddle_data import huddle_figures  # noqa: E402
from discharge_hub.reports.render import handover_report  # noqa: E402
from discharge_hub.ui.reports import (  # noqa: E402
    HuddleDashboard,
    PdfPrintPreview,
    open_huddle_preview,
)
from discharge_hub.ui.tasks import TaskRunner  # noqa: E402
from tests.reports.conftest import Fixture  # noqa: E402


def test_the_dashboard_shows_the_figures_of_the_core(qtbot: QtBot, sqlite_fixture: Fixture) -> None:
    fx = sqlite_fixture
    runner = TaskRunner(fx.db, "test.user")
    dashboard = HuddleDashboard(runner)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.figures_shown, timeout=20_000):
        dashboard.date_edit.setDate(QDate(fx.on))  # refreshes on change
    with fx.db.read() as session:
        expected = huddle_figures(session, on=fx.on)
    assert dashboard.figures == expected
    tiles = dashboard.tile_values()
    assert tiles == {key: getattr(expected, key) for key in tiles}
    assert tiles["inpatients"] == 6 and tiles["nctr_delay_days"] == 27
    values = dashboard.chart_values
    assert values(dashboard.reason_chart) == {"A05": 1, "A14": 1, "A15": 1, "none": 1}
    assert values(dashboard.pathway_chart) == {c.key: c.count for c in expected.nctr_by_pathway}
    assert values(dashboard.los_chart) == {"0–6": 2, "7–13": 1, "14–20": 1, "21+": 2}
    assert "Leicestershire" in dashboard.equity.text() and "8.5" in dashboard.equity.text()
    runner.wait_idle()


def test_the_print_preview_renders_every_page(
    qtbot: QtBot, sqlite_fixture: Fixture, tmp_path: Path
) -> None:
    fx = sqlite_fixture
    with fx.db.read() as session:
        pdf = handover_report(session, spell_id=fx.ids["A"], printed_by="test.user")
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    preview = PdfPrintPreview(pdf, "Handover summary")
    qtbot.addWidget(preview)
    assert preview.page_count == pages
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.paint_to(printer)
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == pages


def test_the_huddle_preview_is_made_off_the_gui_thread(
    qtbot: QtBot, sqlite_fixture: Fixture
) -> None:
    fx = sqlite_fixture
    runner = TaskRunner(fx.db, "test.user")
    shown: list[PdfPrintPreview] = []
    open_huddle_preview(None, runner, on=fx.on, site=None, on_shown=shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    dialog = shown[0]
    assert dialog.page_count == 2
    assert dialog.pdf_printer.pageLayout().orientation().name == "Landscape"
    dialog.close()
    runner.wait_idle()
