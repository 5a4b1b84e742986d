"""The huddle dashboard in a half-width window (discharge_hub/ui/reports/dashboard.py):
chart labels are never cut to "…", each bar's whole label is its tooltip, and the page
scrolls instead of squeezing the charts (issue 10)."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QScrollArea, QToolTip
from pytestqt.qtbot import QtBot

from discharge_hub.ui.reports import HuddleDashboard
from discharge_hub.ui.reports.dashboard import CHART_CHROME, ROW_HEIGHT
from discharge_hub.ui.tasks import TaskRunner
from tests.reports.conftest import Fixture


def _shown(qtbot: QtBot, fx: Fixture) -> tuple[HuddleDashboard, TaskRunner]:
    runner = TaskRunner(fx.db, "test.user")
    dashboard = HuddleDashboard(runner)
    qtbot.addWidget(dashboard)
    dashboard.resize(800, 700)  # half of a 1600-pixel screen
    dashboard.show()
    with qtbot.waitSignal(dashboard.figures_shown, timeout=20_000):
        dashboard.date_edit.setDate(QDate(fx.on))
    return dashboard, runner


def test_chart_labels_are_whole_in_a_half_width_window(
    qtbot: QtBot, sqlite_fixture: Fixture
) -> None:
    dashboard, runner = _shown(qtbot, sqlite_fixture)
    for chart in (dashboard.reason_chart, dashboard.pathway_chart, dashboard.los_chart):
        axis = next(a for a in chart.axes() if isinstance(a, QBarCategoryAxis))
        assert not axis.truncateLabels()
    reasons = len(dashboard.figures.nctr_by_delay_reason)
    assert dashboard.reason_view.minimumHeight() >= CHART_CHROME + ROW_HEIGHT * reasons
    area = dashboard.findChild(QScrollArea)
    assert area is not None and area.widget().isAncestorOf(dashboard.reason_view)
    assert dashboard.reason_view.height() >= dashboard.reason_view.minimumHeight()
    runner.wait_idle()


def test_hovering_a_bar_shows_its_whole_label(qtbot: QtBot, sqlite_fixture: Fixture) -> None:
    dashboard, runner = _shown(qtbot, sqlite_fixture)
    figures = dashboard.figures
    series = dashboard.reason_chart.series()[0]
    bars = series.barSets()[0]
    shown = list(reversed(figures.nctr_by_delay_reason))  # as drawn, largest at the top
    index = next(n for n, c in enumerate(shown) if c.key != "none")
    series.hovered.emit(True, index, bars)
    expected = f"{shown[index].key} {shown[index].label}: {shown[index].count}"
    qtbot.waitUntil(lambda: QToolTip.text() == expected, timeout=5_000)
    series.hovered.emit(False, index, bars)
    runner.wait_idle()
