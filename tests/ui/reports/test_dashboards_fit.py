"""The dashboards in a laptop's window (1280×800): the EDD dashboard no longer makes the
window taller than the screen and its ward/site/specialty tables show whole headers,
names and figures; the huddle dashboard no longer scrolls sideways."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QStyle

from discharge_hub.ui.reports import EddDashboard, HuddleDashboard
from discharge_hub.ui.reports.edd_dashboard import header_lines

LAPTOP = (1280, 800)


def _open(qtbot, main_window, words: str, kind: type):
    main_window.resize(*LAPTOP)
    main_window.run_report(words)
    dashboard = main_window.tabs.currentWidget()
    assert isinstance(dashboard, kind)
    qtbot.waitUntil(lambda: dashboard.figures is not None, timeout=20_000)
    qtbot.wait(50)  # the layout after the figures
    return dashboard


def _cut_in(view) -> list[str]:
    """The headers, names and figures of a group table not shown whole."""
    header, model = view.horizontalHeader(), view.model()
    metrics = header.fontMetrics()
    pad = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin)
    cut = []
    for column in range(model.columnCount()):
        title = model.headerData(column, Qt.Orientation.Horizontal)
        width = header.sectionSize(column)
        lines = header_lines(metrics, title, width - pad)
        if lines > 2 or lines * metrics.lineSpacing() > header.height():
            cut.append(f"header {title!r}")
        if column and view.sizeHintForColumn(column) > width:
            cut.append(f"figures of {title!r}")
    names = view.fontMetrics()
    for row in model.rows():
        if names.horizontalAdvance(row.label) + pad > header.sectionSize(0):
            cut.append(f"name {row.label!r}")
    return cut


def test_the_edd_dashboard_fits_a_laptop_window_and_its_tables_are_whole(qtbot, main_window):
    dashboard = _open(qtbot, main_window, "edd reliability", EddDashboard)
    assert main_window.height() <= LAPTOP[1]  # was pushed past the screen's bottom
    assert main_window.minimumSizeHint().height() <= LAPTOP[1]
    area = dashboard.findChild(QScrollArea)
    assert area is not None and area.widget().isAncestorOf(dashboard.ward_view)
    assert dashboard.wards.rowCount() > 0
    for view in (dashboard.ward_view, dashboard.site_view, dashboard.specialty_view):
        view.parentWidget().parentWidget().setCurrentWidget(view)  # its tab
        qtbot.waitUntil(lambda v=view: v.isVisible(), timeout=2000)
        assert _cut_in(view) == [], view.accessibleName()
        assert view.height() >= view.minimumHeight() > view.horizontalHeader().height()
        # the figures' headers wrap onto two lines rather than widen the columns
        assert view.horizontalHeader().height() >= 2 * view.fontMetrics().lineSpacing()


def test_the_huddle_dashboard_does_not_scroll_sideways_in_a_laptop_window(qtbot, main_window):
    dashboard = _open(qtbot, main_window, "huddle dashboard", HuddleDashboard)
    assert main_window.height() <= LAPTOP[1]
    area = dashboard.findChild(QScrollArea)
    assert area is not None
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() == 0, timeout=2000)
    assert area.widget().isAncestorOf(dashboard.equity)
    assert dashboard.equity.width() >= dashboard.equity.sizeHint().width()
