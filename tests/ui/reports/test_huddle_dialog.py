"""Reports → Print huddle report (discharge_hub/ui/reports/huddle_dialog.py): a day
(past days too) and a site from a list; typing part of a site's name finds it."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from discharge_hub import clock
from discharge_hub.reports.common import shown_date
from discharge_hub.services.reference_lists import match_site
from discharge_hub.ui.reports import PdfPrintPreview, actions
from discharge_hub.ui.reports.huddle_dialog import HuddleReportDialog
from discharge_hub.ui.tasks import TaskRunner
from tests.reports.conftest import LRI, Fixture

SITES = ["Glenfield Hospital", "Leicester General Hospital", LRI]


def test_typing_glenfield_chooses_glenfield_hospital(qtbot: QtBot) -> None:
    dialog = HuddleReportDialog(SITES)
    qtbot.addWidget(dialog)
    dialog.site_combo.setEditText("Glenfield")
    dialog.accept()
    assert dialog.result() == HuddleReportDialog.DialogCode.Accepted
    assert dialog.site == "Glenfield Hospital"


def test_an_unknown_or_ambiguous_site_is_named_and_the_dialog_stays(qtbot: QtBot) -> None:
    dialog = HuddleReportDialog(SITES)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.site_combo.setEditText("Leicester")
    dialog.accept()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "Leicester General Hospital" in dialog.error.text()
    dialog.site_combo.setEditText("Hinckley")
    dialog.accept()
    assert dialog.isVisible() and "No site is called “Hinckley”" in dialog.error.text()


def test_the_site_list_and_the_day_picker_are_offered(qtbot: QtBot) -> None:
    dialog = HuddleReportDialog(SITES)
    qtbot.addWidget(dialog)
    items = [dialog.site_combo.itemText(i) for i in range(dialog.site_combo.count())]
    assert items == ["All sites", *SITES]
    assert dialog.day == clock.today()
    dialog.date_edit.setDate(QDate(clock.today() + timedelta(days=1)))
    assert dialog.day == clock.today()  # no day to come
    dialog.accept()
    assert dialog.site is None


def test_match_site_is_case_blind_and_exact_first() -> None:
    assert match_site("glenfield", SITES) == "Glenfield Hospital"
    assert match_site("Leicester Royal", SITES) == LRI
    assert match_site("  ", SITES) is None


def test_print_huddle_report_for_a_past_day_and_a_site(
    qtbot: QtBot, sqlite_fixture: Fixture
) -> None:
    fx = sqlite_fixture
    assert fx.on < clock.today()
    runner = TaskRunner(fx.db, "test.user")
    actions.ask_huddle_report(None, runner)

    def dialog() -> HuddleReportDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, HuddleReportDialog)]
        return found[0] if found and found[0].isVisible() else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=20_000)
    chooser = dialog()
    assert chooser is not None and LRI in chooser.sites
    chooser.date_edit.setDate(QDate(fx.on))
    chooser.site_combo.setEditText("royal infirmary")
    chooser.accept()
    qtbot.waitUntil(lambda: bool(actions._open), timeout=20_000)
    preview = next(iter(actions._open))
    assert isinstance(preview, PdfPrintPreview)
    assert preview.file_name == f"Daily huddle {LRI} {fx.on.isoformat()}.pdf"
    first = pypdf.PdfReader(io.BytesIO(preview.pdf)).pages[0].extract_text()
    assert LRI in first and shown_date(fx.on) in first
    preview.close()
    runner.wait_idle()
