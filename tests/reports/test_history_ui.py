"""The EDD reliability tab, the huddle's Red2Green and the board's colour of the day
(offscreen Qt, SQLite)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QDate, Qt  # noqa: E402
from PySide6.QtWidgets import QMenu, QTabWidget, QWidget  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from discharge_hub import clock  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.reports.edd_data import edd_reliability  # noqa: E402
from discharge_hub.services import board, care  # noqa: E402
from discharge_hub.ui.board_model import COL_R2G, COLUMNS, BoardModel  # noqa: E402
from discharge_hub.ui.reports import EddDashboard, HuddleDashboard, add_report_actions  # noqa: E402
from discharge_hub.ui.tasks import TaskRunner  # noqa: E402
from tests.reports.conftest import Fixture  # noqa: E402
from tests.reports.test_edd import build, day  # noqa: E402


@pytest.fixture
def edd_db(sqlite_url: str) -> Iterator[Database]:
    database = Database.open(sqlite_url)
    build(database)
    yield database
    database.dispose()


def test_the_edd_tab_shows_the_figures_of_the_core(qtbot: QtBot, edd_db: Database) -> None:
    runner = TaskRunner(edd_db, "test.user")
    tab = EddDashboard(runner)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.figures_shown, timeout=20_000):
        tab.from_edit.setDate(QDate(day(0)))  # refreshes on change
    with edd_db.read() as s:
        expected = edd_reliability(s, start=day(0), end=clock.today())
    assert tab.figures == expected
    assert tab.tile_texts() == {
        "stays": "5", "with_edd": "4", "on_first": "25%", "on_last": "75%",
        "mean_late": "1.0", "changes": "0.8",
    }  # fmt: skip
    late = tab.series_values(tab.late_chart)["stays"]
    assert late == [c.count for c in expected.days_late]
    trend = tab.series_values(tab.trend_chart)
    assert set(trend) == {"Hospital process", "No delay reason recorded"}
    assert sum(sum(v) for v in trend.values()) == 2
    assert [g.label for g in tab.wards.rows()] == [g.label for g in expected.by_ward]
    assert "Awaiting package of care" in tab.reasons.text()
    runner.wait_idle()


def test_the_reports_menu_opens_the_edd_tab(qtbot: QtBot, edd_db: Database) -> None:
    runner = TaskRunner(edd_db, "test.user")
    parent = QWidget()
    qtbot.addWidget(parent)
    tabs = QTabWidget(parent)
    menu = QMenu(parent)
    add_report_actions(
        menu, parent, runner, lambda: None, show_dashboard=lambda w: tabs.addTab(w, "")
    )
    action = next(a for a in menu.actions() if a.text() == "&EDD reliability")
    action.trigger()
    widget = tabs.widget(0)
    assert isinstance(widget, EddDashboard) and widget.windowTitle() == "EDD reliability"
    qtbot.waitUntil(lambda: widget.figures is not None, timeout=20_000)
    runner.wait_idle()


def test_the_huddle_dashboard_shows_the_days_red2green(
    qtbot: QtBot, sqlite_fixture: Fixture
) -> None:
    fx, today = sqlite_fixture, clock.today()
    with fx.db.unit_of_work("ward") as s:
        for key, colour in (("A", "red"), ("B", "red"), ("C", "green")):
            care.record_red2green(s, spell_id=fx.ids[key], day=today, colour=colour,
                                  reason="Awaiting TTOs" if colour == "red" else None)  # fmt: skip
    runner = TaskRunner(fx.db, "test.user")
    dashboard = HuddleDashboard(runner)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.figures_shown, timeout=20_000):
        dashboard.refresh()
    text = dashboard.red2green.text()
    assert "2 red days" in text and "Ward 7" in text and "Awaiting TTOs" in text
    with qtbot.waitSignal(dashboard.figures_shown, timeout=20_000):
        dashboard.date_edit.setDate(QDate(today - timedelta(days=1)))
    assert "0 red days" in dashboard.red2green.text()  # yesterday had none
    runner.wait_idle()


def test_the_board_shows_todays_colour_in_words_and_colour(sqlite_fixture: Fixture) -> None:
    fx, today = sqlite_fixture, clock.today()
    with fx.db.unit_of_work("ward") as s:
        care.record_red2green(s, spell_id=fx.ids["A"], day=today, colour="red", reason="x")
        care.record_red2green(s, spell_id=fx.ids["B"], day=today - timedelta(days=1),
                              colour="green")  # yesterday: not today's colour  # fmt: skip
    with fx.db.read() as s:
        rows = board.board(s, today=today)
    model = BoardModel()
    model.set_rows(rows)
    assert COLUMNS[COL_R2G].title == "Red2Green"
    texts = {}
    for n in range(model.rowCount()):
        r = model.row_at(n)
        assert r is not None
        texts[r.spell_id] = (
            model.data(model.index(n, COL_R2G), Qt.ItemDataRole.DisplayRole),
            model.data(model.index(n, COL_R2G), Qt.ItemDataRole.BackgroundRole) is not None,
        )
    assert texts[fx.ids["A"]] == ("Red", True)
    assert texts[fx.ids["B"]] == ("", False)
