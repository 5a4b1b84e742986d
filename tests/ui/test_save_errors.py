"""A refused save keeps the form as typed and says why, next to the field."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from discharge_hub import clock
from discharge_hub.errors import ConflictError, ValidationError
from discharge_hub.models import EddChange, Spell
from discharge_hub.services import spells
from tests.ui.conftest import wait_loaded


def _open_first(qtbot, window):
    row = window.model.all_rows()[0]
    workspace = window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    return row, workspace


def test_missing_edd_reason_keeps_typed_values_and_shows_message(qtbot, main_window, demo_db):
    row, workspace = _open_first(qtbot, main_window)
    typed = f"{clock.today() + timedelta(days=6):%d/%m/%Y}"
    workspace.plan.edd.setText(typed)
    workspace.plan.next_action.setText("Book transport")
    workspace.barriers.description.setText("TTOs from pharmacy")
    with qtbot.waitSignal(workspace.save_failed, timeout=10_000) as blocker:
        workspace.save()
    assert isinstance(blocker.args[0], ValidationError)
    assert blocker.args[0].field == "edd.reason"
    assert workspace.plan.edd.text() == typed
    assert workspace.plan.next_action.text() == "Book transport"
    assert workspace.barriers.description.text() == "TTOs from pharmacy"
    assert "is required" in workspace.plan.edd_section.error_text("reason")
    assert workspace.banner.isVisible() and "edits are kept" in workspace.banner.text()
    with demo_db.read() as s:  # all or nothing: the next action was not saved either
        spell = s.get(Spell, row.spell_id)
        assert spell.next_action == row.next_action or spell.next_action is None
        assert spell.edd == row.edd
        assert not s.scalars(
            select(EddChange).where(EddChange.spell_id == row.spell_id, EddChange.reason == "")
        ).all()

    # correcting the field and saving again works, and clears the message
    workspace.plan.edd_reason.setText("Family asked for Monday")
    with qtbot.waitSignal(workspace.saved, timeout=10_000):
        workspace.save()
    assert workspace.plan.edd_section.error_text("reason") == ""
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).next_action == "Book transport"


def test_impossible_date_is_shown_next_to_the_edd(qtbot, main_window):
    _row, workspace = _open_first(qtbot, main_window)
    workspace.plan.edd.setText("31/02/2026")
    workspace.plan.edd_reason.setText("typo test")
    with qtbot.waitSignal(workspace.save_failed, timeout=10_000):
        workspace.save()
    assert "not a date" in workspace.plan.edd_section.error_text("edd")
    assert workspace.plan.edd.text() == "31/02/2026"


def test_barrier_error_switches_to_its_tab(qtbot, main_window):
    _row, workspace = _open_first(qtbot, main_window)
    workspace.barriers.owner.setText("Pharmacy")  # a barrier with no description
    with qtbot.waitSignal(workspace.save_failed, timeout=10_000):
        workspace.save()
    assert "is required" in workspace.barriers.section.error_text("description")
    assert workspace.tabs.currentWidget().isAncestorOf(workspace.barriers)


def test_conflict_keeps_the_edit_and_names_who_changed_it(qtbot, main_window, demo_db, dialogs):
    from discharge_hub.ui.workspace.conflict import EDIT, ConflictDialog

    dialogs.answer(ConflictDialog, EDIT)  # both changed the next action: back to editing
    row, workspace = _open_first(qtbot, main_window)
    with demo_db.unit_of_work("other.nurse") as s:  # someone else saves first
        spells.set_next_action(
            s, spell_id=row.spell_id, expected_version=None, next_action="Their change"
        )
    workspace.plan.next_action.setText("My change")
    with qtbot.waitSignal(workspace.save_failed, timeout=10_000) as blocker:
        workspace.save()
    assert isinstance(blocker.args[0], ConflictError)
    assert "other.nurse" in workspace.banner.text()
    assert workspace.plan.next_action.text() == "My change"
    assert workspace.is_dirty()
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).next_action == "Their change"
