"""Questions before a save (issue 10): an EDD in the past is confirmed first; a review
that makes the patient NCTR asks for the delay reason and saves it in the same save."""

from __future__ import annotations

from datetime import timedelta

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import Spell
from discharge_hub.services import spells
from discharge_hub.ui import errors
from discharge_hub.ui.hub.dialogs import DelayReasonDialog
from tests.conftest import TODAY
from tests.core_support import days, db_fingerprint
from tests.ui.board_round_support import busiest_ward_round
from tests.ui.forms_support import click, open_patient, save, type_into


def _meeting(main_window):
    """A patient who meets the criteria and has no delay reason."""
    return next(
        r
        for r in main_window.model.all_rows()
        if r.discharge_ready_date is None and r.delay_reason is None
    )


def test_a_past_edd_is_saved_only_once_confirmed(qtbot, main_window, demo_db, monkeypatch):
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    asked: list[str] = []
    answer = [False]
    monkeypatch.setattr(errors, "ask_yes_no", lambda _p, _t, q: asked.append(q) or answer[0])
    past = days(-2)
    written = db_fingerprint(demo_db)
    type_into(qtbot, workspace.plan.edd, past.strftime("%d/%m/%Y"))
    type_into(qtbot, workspace.plan.edd_reason, "Typed the wrong week")
    workspace.save()  # "No": nothing saved, the form keeps the edit
    main_window.runner.wait_idle()
    qtbot.wait(50)  # a save would have been delivered by now
    assert asked == [
        f"This EDD ({past:%d/%m/%Y}) is in the past — save anyway?\n\n"
        "The board shows it as passed from the moment it is saved."
    ]
    assert db_fingerprint(demo_db) == written  # nothing written, audit included
    assert workspace.plan.edd.text() == past.strftime("%d/%m/%Y") and workspace.is_dirty()
    answer[0] = True
    save(qtbot, workspace)
    assert len(asked) == 2
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).edd == past


def test_a_past_edd_before_the_admission_is_refused_at_once_without_a_question(
    qtbot, main_window, demo_db, answers
):
    """The core's own EDD rules run before "in the past — save anyway?": a date the save
    would refuse gets its error next to the field, no question, and nothing written."""
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    admitted_on = clock.local_date(workspace.detail.spell.admitted_at)
    before = admitted_on - timedelta(days=1)
    assert before < TODAY  # in the past, so the old form asked first
    written = db_fingerprint(demo_db)
    type_into(qtbot, workspace.plan.edd, f"{before:%d/%m/%Y}")
    type_into(qtbot, workspace.plan.edd_reason, "Typed the wrong month")
    with qtbot.waitSignal(workspace.save_failed, timeout=1000) as refused:
        workspace.save()
    assert isinstance(refused.args[0], ValidationError)
    assert answers == []  # no "save anyway?"
    assert workspace.plan.edd_section.error_text("edd") == (
        f"⚠ {before:%d/%m/%Y} is before the admission on {admitted_on:%d/%m/%Y}"
    )
    assert workspace.banner.isVisible() and "before the admission" in workspace.banner.text()
    main_window.runner.wait_idle()
    qtbot.wait(50)  # a save would have been delivered by now
    assert db_fingerprint(demo_db) == written
    assert workspace.plan.edd.text() == f"{before:%d/%m/%Y}" and workspace.is_dirty()


def test_a_past_edd_with_no_reason_is_refused_without_a_question(
    qtbot, main_window, demo_db, answers
):
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    written = db_fingerprint(demo_db)
    type_into(qtbot, workspace.plan.edd, f"{days(-1):%d/%m/%Y}")
    with qtbot.waitSignal(workspace.save_failed, timeout=1000):
        workspace.save()
    assert answers == []
    assert workspace.plan.edd_section.error_text("reason")
    main_window.runner.wait_idle()
    assert db_fingerprint(demo_db) == written


def test_the_board_round_refuses_a_past_edd_before_the_admission_without_asking(
    qtbot, main_window, demo_db, answers
):
    round_ = busiest_ward_round(qtbot, main_window)
    spell_id = round_.rows[round_.position].spell_id
    before = clock.local_date(round_.detail.spell.admitted_at) - timedelta(days=1)
    written = db_fingerprint(demo_db)
    type_into(qtbot, round_.plan.edd, f"{before:%d/%m/%Y}")
    type_into(qtbot, round_.plan.edd_reason, "Typed the wrong month")
    with qtbot.waitSignal(round_.save_failed, timeout=1000):
        round_.next()
    assert answers == []
    assert "before the admission" in round_.plan.edd_section.error_text("edd")
    assert round_.rows[round_.position].spell_id == spell_id  # stays on the patient
    main_window.runner.wait_idle()
    assert db_fingerprint(demo_db) == written


def test_a_future_edd_is_saved_without_a_question(qtbot, main_window, demo_db, answers):
    row = main_window.model.all_rows()[1]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    type_into(qtbot, workspace.plan.edd, days(3).strftime("%d/%m/%Y"))
    type_into(qtbot, workspace.plan.edd_reason, "Waiting for the bed")
    save(qtbot, workspace)
    assert answers == []
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).edd == days(3)


def test_becoming_nctr_asks_the_delay_reason_in_the_same_save(qtbot, main_window, demo_db, dialogs):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    click(qtbot, workspace.plan.ctr_record)
    click(qtbot, workspace.plan.criteria.no_longer)
    dialogs.answer(DelayReasonDialog, "A14")
    save(qtbot, workspace)
    assert [a[2] for name, a, _ in dialogs.asked if name == "DelayReasonDialog"] == [
        f"{TODAY:%d/%m/%Y}"
    ]
    with demo_db.read() as s:  # one save (one Ctrl+S, one unit of work) wrote both
        view = spells.get_spell(s, row.spell_id)
    assert view.discharge_ready_date == TODAY and view.delay_reason == "A14"
    assert workspace.plan.delay_reason.currentData() == "A14"


def test_going_back_from_the_delay_reason_saves_nothing(qtbot, main_window, demo_db, dialogs):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    click(qtbot, workspace.plan.ctr_record)
    click(qtbot, workspace.plan.criteria.no_longer)
    dialogs.answer(DelayReasonDialog, None)
    workspace.save()
    main_window.runner.wait_idle()
    qtbot.wait(50)  # a save would have been delivered by now
    assert len(dialogs.asked) == 1
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).discharge_ready_date is None
    assert workspace.is_dirty() and workspace.plan.criteria.no_longer.isChecked()


def test_the_delay_reason_dialog_offers_the_reasons_and_needs_one(qtbot, main_window):
    dialog = DelayReasonDialog(main_window, main_window.refs, "24/11/2026")
    qtbot.addWidget(dialog)
    assert not dialog.ok.isEnabled()
    index = dialog.reason.findData("A14")
    assert index > 0 and "Pathway 2" in dialog.reason.itemText(index)
    dialog.reason.setCurrentIndex(index)
    assert dialog.ok.isEnabled() and dialog.value() == "A14"
