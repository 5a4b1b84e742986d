"""Midnight, UK time: the board and the open screens move to the new day by themselves
(found in a real window: "(today)", LOS, days to EDD and the Red2Green day stayed on the
day before until F5, and a live update put one row on the new day among the old)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from discharge_hub import clock
from discharge_hub.ui.main_window import DAY_CHECK_MS
from discharge_hub.ui.reports import HuddleDashboard
from tests.ui.forms_support import open_patient, type_into


def test_at_midnight_the_board_and_the_open_screens_move_to_the_new_day(qtbot, main_window):
    before = clock.now()
    today = clock.today()
    late = datetime.combine(today, time(23, 59, 50), clock.LONDON)
    try:
        clock.freeze(late, tick=False)
        assert not main_window.check_day()  # still the same day: nothing reloaded
        assert main_window._day_timer.isActive() and DAY_CHECK_MS <= 60_000
        rows = main_window.model.all_rows()
        clean = open_patient(qtbot, main_window, rows[0].spell_id)
        editing = open_patient(qtbot, main_window, rows[1].spell_id)
        type_into(qtbot, editing.plan.next_action, "Ring the family in the morning")
        main_window.run_report("huddle dashboard")
        dashboard = main_window.tabs.currentWidget()
        assert isinstance(dashboard, HuddleDashboard)
        qtbot.waitUntil(lambda: dashboard.figures is not None, timeout=20_000)
        assert dashboard.day == today

        clock.freeze(late + timedelta(seconds=20), tick=False)  # 00:00:10 the next day
        with qtbot.waitSignals([main_window.board_loaded, clean.loaded], timeout=10_000):
            assert main_window.check_day()
        tomorrow = today + timedelta(days=1)
        assert main_window.day == tomorrow
        after = {r.spell_id: r for r in main_window.model.all_rows()}
        assert all(after[r.spell_id].los == r.los + 1 for r in rows)
        assert "A new day" in main_window.statusBar().currentMessage()
        # The patient being edited keeps the user's typing (F5 or a save reads it again).
        assert editing.is_dirty()
        assert editing.plan.next_action.text() == "Ring the family in the morning"
        # The dashboard that showed "today" shows the new today.
        qtbot.waitUntil(lambda: dashboard.day == tomorrow, timeout=5_000)
        assert not main_window.check_day()  # once only
    finally:
        clock.freeze(before)
