"""Barriers and carers save what the form shows, and show what is saved."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from discharge_hub.errors import ValidationError
from discharge_hub.models import Barrier, Carer, CarerContact
from tests.conftest import TODAY
from tests.ui.conftest import ACTOR
from tests.ui.forms_support import (
    bring_into_view,
    choose,
    click,
    open_patient,
    reload,
    save,
    save_refused,
    type_into,
)


def _click_row(qtbot, table, row: int) -> None:
    bring_into_view(table)
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert table.currentIndex().row() == row


def test_new_barrier_and_resolving_one_round_trip(qtbot, main_window, demo_db):
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    tab = workspace.barriers
    choose(tab.kind, "equipment")
    type_into(qtbot, tab.description, "Hoist at home")
    type_into(qtbot, tab.owner, "OT")
    due = TODAY + timedelta(days=3)
    type_into(qtbot, tab.due, f"{due:%d/%m/%Y}")
    save(qtbot, workspace)
    with demo_db.read() as s:
        new = s.scalars(
            select(Barrier).where(Barrier.spell_id == row.spell_id).order_by(Barrier.id.desc())
        ).first()
        assert (new.kind_code, new.description, new.owner, new.due_date, new.state) == (
            "equipment",
            "Hoist at home",
            "OT",
            due,
            "open",
        )
        new_id = new.id
    reload(qtbot, workspace)
    position = next(n for n, b in enumerate(tab.model.rows()) if b.id == new_id)
    assert tab.model.index(position, 0).data() == "☐ OPEN"
    assert tab.description.text() == ""

    _click_row(qtbot, tab.table, position)
    click(qtbot, tab.resolve_button)
    assert tab.model.index(position, 0).data() == "RESOLVED (unsaved)"
    save(qtbot, workspace)
    with demo_db.read() as s:
        done = s.get(Barrier, new_id)
        assert (done.state, done.resolved_by) == ("resolved", ACTOR)
    reload(qtbot, workspace)
    assert tab.model.index(position, 0).data() == "☑ RESOLVED"


def _spell_with_two_carers(db) -> int:
    with db.read() as s:
        return s.scalars(
            select(Carer.spell_id).group_by(Carer.spell_id).having(func.count() >= 2)
        ).first()


def _statuses(db, spell_id: int) -> dict[int, str | None]:
    with db.read() as s:
        return {
            c.id: c.assessment_status
            for c in s.scalars(select(Carer).where(Carer.spell_id == spell_id))
        }


def test_carers_assessment_follows_the_selected_carer_and_reloads(qtbot, main_window, demo_db):
    spell_id = _spell_with_two_carers(demo_db)
    before = _statuses(demo_db, spell_id)
    workspace = open_patient(qtbot, main_window, spell_id)
    tab = workspace.carers
    first, second = tab.carers_model.rows()[:2]
    _click_row(qtbot, tab.carers_table, 0)
    assert tab.assessment.currentData() == first.assessment_status
    new_status = "declined" if first.assessment_status == "referred" else "referred"
    choose(tab.assessment, new_status)
    _click_row(qtbot, tab.carers_table, 1)  # the picker shows the other carer's status
    assert tab.assessment.currentData() == second.assessment_status
    _click_row(qtbot, tab.carers_table, 0)
    assert tab.assessment.currentData() == new_status
    save(qtbot, workspace)

    after = _statuses(demo_db, spell_id)
    assert after == {**before, first.id: new_status}
    reload(qtbot, workspace)
    _click_row(qtbot, tab.carers_table, 0)
    assert tab.assessment.currentData() == new_status
    assert tab.carers_model.index(0, 5).data().startswith(new_status.upper())
    # a recorded assessment cannot be un-recorded from here: the empty choice is not offered
    item = tab.assessment.model().item(tab.assessment.findData(None))
    assert not item.isEnabled()


def test_a_half_filled_new_carer_is_refused_not_dropped(qtbot, main_window, demo_db):
    row = main_window.model.all_rows()[0]
    with demo_db.read() as s:
        carers_before = s.scalar(select(func.count(Carer.id)))
    workspace = open_patient(qtbot, main_window, row.spell_id)
    type_into(qtbot, workspace.carers.carer_relationship, "Son")
    assert workspace.is_dirty()
    err = save_refused(qtbot, workspace)
    assert isinstance(err, ValidationError) and err.field == "carer.name"
    assert "is required" in workspace.carers.carer_section.error_text("name")
    assert workspace.carers.carer_relationship.text() == "Son"
    with demo_db.read() as s:
        assert s.scalar(select(func.count(Carer.id))) == carers_before


def test_a_contact_with_only_what_was_agreed_is_refused_not_dropped(qtbot, main_window, demo_db):
    row = main_window.model.all_rows()[0]
    with demo_db.read() as s:
        before = s.scalar(select(func.count(CarerContact.id)))
    workspace = open_patient(qtbot, main_window, row.spell_id)
    type_into(qtbot, workspace.carers.agreed, "Daughter collects on Friday")
    err = save_refused(qtbot, workspace)
    assert isinstance(err, ValidationError) and err.field.startswith("contact.")
    assert workspace.carers.agreed.text() == "Daughter collects on Friday"
    with demo_db.read() as s:
        assert s.scalar(select(func.count(CarerContact.id))) == before


def test_a_contact_via_interpreter_shows_the_interpreter_ticked(qtbot, main_window, demo_db):
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    tab = workspace.carers
    choose(tab.method, "interpreter")
    assert tab.interpreter.isChecked()  # the service records it as used: so does the form
    tab.with_whom.setEditText("Patient")
    tab.discussed.setPlainText("Going home plan explained")
    save(qtbot, workspace)
    with demo_db.read() as s:
        entry = s.scalars(
            select(CarerContact)
            .where(CarerContact.spell_id == row.spell_id)
            .order_by(CarerContact.id.desc())
        ).first()
        assert (entry.method_code, entry.interpreter_used) == ("interpreter", True)
