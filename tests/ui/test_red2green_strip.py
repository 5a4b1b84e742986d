"""The workspace's Red2Green: today or yesterday can be recorded (never earlier), and
the last 14 days show as a strip of colours with their words."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from discharge_hub import clock
from discharge_hub.models import Red2GreenDay
from tests.ui.forms_support import click, open_patient, reload, save, type_into


def _day(db, spell_id: int, day) -> tuple | None:
    with db.read() as s:
        e = s.scalars(
            select(Red2GreenDay).where(Red2GreenDay.spell_id == spell_id, Red2GreenDay.day == day)
        ).one_or_none()
        return (e.colour, e.reason) if e else None


def test_yesterday_can_be_caught_up_and_the_strip_shows_it(qtbot, main_window, demo_db):
    today = clock.today()
    yesterday = today - timedelta(days=1)
    row = next(r for r in main_window.model.all_rows() if r.los >= 2)  # in since before
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    days = [plan.r2g_day.itemData(n) for n in range(plan.r2g_day.count())]
    assert days == [today, yesterday]  # nothing earlier is offered
    assert len(plan.r2g_strip.cells) == 14 and plan.r2g_strip.days[-1].day == today

    plan.r2g_day.setCurrentIndex(1)  # yesterday
    click(qtbot, plan.r2g_red)
    type_into(qtbot, plan.r2g_reason, "Waiting for a scan")
    save(qtbot, workspace)
    assert _day(demo_db, row.spell_id, yesterday) == ("red", "Waiting for a scan")
    reload(qtbot, workspace)
    assert plan.r2g_strip.letters()[-2] == "R"
    assert "red – Waiting for a scan" in plan.r2g_strip.cells[-2].toolTip()
    assert plan.r2g_day.currentData() == today  # a reload shows today again
