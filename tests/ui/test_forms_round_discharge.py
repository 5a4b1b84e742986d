"""The board round and the discharge tab save what they show and show what is saved."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import CtrReview, Spell
from tests.conftest import TODAY
from tests.ui.conftest import wait_loaded
from tests.ui.forms_support import choose, click, open_patient, type_into


def _last_review(db, spell_id: int) -> tuple | None:
    with db.read() as s:
        r = s.scalars(
            select(CtrReview)
            .where(CtrReview.spell_id == spell_id)
            .order_by(CtrReview.review_date.desc(), CtrReview.id.desc())
        ).first()
        return (r.review_date, r.meets_criteria) if r else None


def _round_on_a_ward(qtbot, window):
    counts: dict[int, int] = {}
    for r in window.model.all_rows():
        counts[r.ward_id] = counts.get(r.ward_id, 0) + 1
    window.board.select_ward(max(counts, key=lambda w: counts[w]))
    round_ = window.open_board_round()
    wait_loaded(qtbot, round_)
    assert len(round_.rows) >= 2
    return round_


def _step(qtbot, round_, key, signal: str):
    with qtbot.waitSignal(getattr(round_, signal), timeout=15_000) as blocker:
        qtbot.keyClick(round_, key, Qt.KeyboardModifier.AltModifier)
    return blocker.args


def test_board_round_refuses_still_meets_with_nothing_ticked_and_shows_the_answer(
    qtbot, main_window, demo_db
):
    round_ = _round_on_a_ward(qtbot, main_window)
    first = round_.rows[0].spell_id
    plan = round_.plan
    last = _last_review(demo_db, first)
    assert plan.criteria.no_longer.isChecked() == (last is not None and not last[1])

    click(qtbot, plan.ctr_record)
    click(qtbot, plan.criteria.meets)
    for box in plan.criteria.boxes.values():
        if box.isChecked():
            click(qtbot, box)
    (err,) = _step(qtbot, round_, Qt.Key.Key_Right, "save_failed")
    assert isinstance(err, ValidationError) and err.field == "ctr.criteria"
    assert round_.position == 0
    assert "tick the criterion that still applies" in plan.ctr_section.error_text("criteria")
    assert _last_review(demo_db, first) == last

    click(qtbot, plan.criteria.no_longer)
    assert _step(qtbot, round_, Qt.Key.Key_Right, "moved") == [1]
    assert _last_review(demo_db, first) == (TODAY, False)
    assert _step(qtbot, round_, Qt.Key.Key_Left, "moved") == [0]
    assert plan.criteria.no_longer.isChecked()
    assert not plan.ctr_record.isChecked()
    with demo_db.read() as s:
        assert s.get(Spell, first).discharge_ready_date is not None


def test_discharge_tab_reopens_showing_the_recorded_discharge(qtbot, main_window, demo_db):
    row = next(r for r in main_window.model.all_rows() if r.los >= 2 and r.placement_state is None)
    with demo_db.read() as s:
        admitted_at = s.get(Spell, row.spell_id).admitted_at
    when = (clock.local(admitted_at) + timedelta(hours=3)).replace(second=0, microsecond=0)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    tab = workspace.discharge_tab
    type_into(qtbot, tab.when, f"{when:%d/%m/%Y %H:%M}")
    choose(tab.destination, "19")
    choose(tab.method, "1")
    choose(tab.pathway, "P0")
    with qtbot.waitSignal(workspace.saved, timeout=15_000):
        click(qtbot, tab.button)
    with demo_db.read() as s:
        spell = s.get(Spell, row.spell_id)
        assert clock.local(spell.discharged_at).replace(tzinfo=None) == when.replace(tzinfo=None)
        assert (spell.destination_code, spell.method_code, spell.pathway_code) == ("19", "1", "P0")

    workspace.close_requested.emit()  # a fresh form on the discharged spell
    again = open_patient(qtbot, main_window, row.spell_id)
    assert again is not workspace
    shown = again.discharge_tab
    assert shown.when.text() == f"{when:%d/%m/%Y %H:%M}"
    assert (
        shown.destination.currentData(),
        shown.method.currentData(),
        shown.pathway.currentData(),
    ) == ("19", "1", "P0")
    assert not shown.button.isEnabled() and not shown.section.isEnabled()
