"""The day pickers of the reports (ui.widgets.DayEdit): Tab and Shift+Tab leave the field
as in every other field; the arrow keys and typing move between its day, month and year
(QDateEdit's own Tab stepped through those parts first)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateTimeEdit, QWidget

from discharge_hub.ui.reports import HuddleDashboard
from discharge_hub.ui.reports.edd_dashboard import EddDashboard
from discharge_hub.ui.reports.huddle_dialog import HuddleReportDialog
from discharge_hub.ui.widgets import DayEdit

Section = QDateTimeEdit.Section


def _shown(qtbot, window: QWidget) -> QWidget:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


def _focus(qtbot, edit: DayEdit, part: int) -> None:
    """Focus in the ``part``-th part of "Tue 24/11/2026" (0: day name … 3: year)."""
    edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    edit.setCurrentSectionIndex(part)
    assert edit.currentSectionIndex() == part


def test_tab_leaves_the_edd_dashboards_dates_from_any_part(qtbot):
    dashboard = _shown(qtbot, EddDashboard())
    for part in range(4):
        _focus(qtbot, dashboard.from_edit, part)
        qtbot.keyClick(dashboard.from_edit, Qt.Key.Key_Tab)
        assert dashboard.focusWidget() is dashboard.to_edit, part
        qtbot.keyClick(dashboard.to_edit, Qt.Key.Key_Backtab)
        assert dashboard.focusWidget() is dashboard.from_edit, part
    _focus(qtbot, dashboard.to_edit, 1)
    qtbot.keyClick(dashboard.to_edit, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
    assert dashboard.focusWidget() is dashboard.site_combo


def test_shift_tab_leaves_backwards_from_the_first_part(qtbot):
    dashboard = _shown(qtbot, EddDashboard())
    _focus(qtbot, dashboard.to_edit, 3)
    qtbot.keyClick(dashboard.to_edit, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert dashboard.focusWidget() is dashboard.from_edit


def test_arrows_and_typing_still_move_between_the_parts(qtbot):
    dashboard = _shown(qtbot, EddDashboard())
    edit = dashboard.to_edit
    edit.setDate(date(2026, 10, 20))
    _focus(qtbot, edit, 2)
    edit.setSelectedSection(Section.MonthSection)  # as a click or Tab into it does
    qtbot.keyClicks(edit, "03")  # a whole month typed: on to the year
    assert edit.currentSection() == Section.YearSection
    assert edit.day() == date(2026, 3, 20)
    for _ in range(3):
        qtbot.keyClick(edit, Qt.Key.Key_Left)
    assert edit.currentSection() == Section.MonthSection
    qtbot.keyClick(edit, Qt.Key.Key_Up)  # the arrows change the part the cursor is in
    assert edit.day() == date(2026, 4, 20)
    assert edit.hasFocus()


def test_tab_leaves_the_huddle_dates(qtbot):
    dashboard = _shown(qtbot, HuddleDashboard())
    _focus(qtbot, dashboard.date_edit, 1)
    qtbot.keyClick(dashboard.date_edit, Qt.Key.Key_Tab)
    assert dashboard.focusWidget() is dashboard.site_combo
    dialog = _shown(qtbot, HuddleReportDialog(["Glenfield Hospital"]))
    _focus(qtbot, dialog.date_edit, 2)
    qtbot.keyClick(dialog.date_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.site_combo
