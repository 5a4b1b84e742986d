"""Board round (issue 10): F5 reads the patient again, the red banner goes once the field
is corrected, and each patient shows the delay reason, next action and carers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from discharge_hub.models import Carer
from discharge_hub.services import workspace as ws
from tests.ui.board_round_support import busiest_ward_round
from tests.ui.conftest import wait_loaded
from tests.ui.forms_support import type_into


def _round_on_ward_of(qtbot, main_window, spell_id: int):
    row = next(r for r in main_window.model.all_rows() if r.spell_id == spell_id)
    main_window.board.select_ward(row.ward_id)
    round_ = main_window.open_board_round()
    wait_loaded(qtbot, round_)
    position = next(n for n, r in enumerate(round_.rows) if r.spell_id == spell_id)
    if position != round_.position:
        with qtbot.waitSignal(round_.moved, timeout=10_000):
            round_._show(position)
    return round_


def test_f5_in_the_board_round_reads_the_patient_again(qtbot, main_window, demo_db):
    spell_id = main_window.model.all_rows()[0].spell_id
    round_ = _round_on_ward_of(qtbot, main_window, spell_id)
    main_window.changes.stop_listening()  # F5 is what shows it, not the live refresh
    with demo_db.unit_of_work("someone.else") as s:  # changed elsewhere
        ws.save(
            s,
            spell_id=spell_id,
            expected_version=ws.spell_detail(s, spell_id).spell.version,
            changes=ws.WorkspaceChanges(
                next_action_changed=True, next_action="Ring the daughter at 2pm"
            ),
        )
    assert round_.plan.next_action.text() != "Ring the daughter at 2pm"
    main_window.activateWindow()
    with qtbot.waitSignal(round_.moved, timeout=10_000):
        qtbot.keyClick(round_.plan.next_action, Qt.Key.Key_F5)
    assert round_.plan.next_action.text() == "Ring the daughter at 2pm"
    assert round_.rows[round_.position].spell_id == spell_id  # still the same patient


def test_the_banner_goes_once_the_refused_field_is_corrected(qtbot, main_window):
    round_ = busiest_ward_round(qtbot, main_window)
    round_.plan.r2g_red.setChecked(True)  # a red day needs its reason
    with qtbot.waitSignal(round_.save_failed, timeout=10_000):
        round_.next()
    assert round_.banner.isVisible()
    assert round_.plan.r2g_section.error_text("reason")
    type_into(qtbot, round_.plan.r2g_reason, "Waiting for the OT assessment")
    assert not round_.plan.r2g_section.error_text("reason")
    assert not round_.banner.isVisible()
    round_.next()  # and now it saves and moves on
    second = round_.rows[1].spell_id
    qtbot.waitUntil(lambda: round_.detail.spell.id == second, timeout=10_000)


def test_the_round_shows_delay_reason_next_action_and_the_carers(qtbot, main_window, demo_db):
    with demo_db.read() as s:
        open_ids = {r.spell_id for r in main_window.model.all_rows()}
        carer = next(
            c
            for c in s.scalars(select(Carer).where(Carer.is_main_carer.is_(True)))
            if c.spell_id in open_ids
        )
        name, spell_id = carer.name, carer.spell_id
    round_ = _round_on_ward_of(qtbot, main_window, spell_id)
    assert round_.plan.delay_reason.isVisible() and round_.plan.next_action.isVisible()
    assert round_.carers.isVisible()
    assert round_.carers.text().startswith(f"Carers: {name}")
    assert "main carer" in round_.carers.text()


def test_a_short_window_scrolls_the_round_and_keeps_the_criteria_whole(qtbot, main_window):
    """Seen in a real window at 1130 x 716: the criteria's wording was squashed to one
    clipped line each; the form now scrolls as the patient's own screen does."""
    from PySide6.QtWidgets import QScrollArea

    from discharge_hub.ui.workspace.plan import CriterionLabel

    main_window.resize(1130, 716)
    round_ = busiest_ward_round(qtbot, main_window)
    qtbot.wait(50)  # laid out at that size
    labels = round_.plan.findChildren(CriterionLabel)
    assert labels
    for label in labels:
        assert label.height() >= label.heightForWidth(label.width()), label.text()
    area = round_.plan.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea) and area.widget() is round_.plan
    assert area.verticalScrollBar().maximum() > 0  # the form is taller than the window
