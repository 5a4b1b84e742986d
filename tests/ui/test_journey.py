"""The scripted coordinator journey on demo data, driven through the widgets."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from discharge_hub import clock
from discharge_hub.models import (
    AuditEntry,
    Barrier,
    CarerContact,
    CtrReview,
    EddChange,
    HubReferral,
    Spell,
)
from discharge_hub.ui.hub.dialogs import DelayReasonDialog
from discharge_hub.ui.workspace import WorkspaceWidget
from tests.ui.conftest import ACTOR, wait_loaded


def _candidate(window):
    """An open spell not yet on a hub pathway, never referred, still meeting criteria."""
    rows = [
        r
        for r in window.model.all_rows()
        if r.pathway in (None, "P0")
        and r.discharge_ready_date is None
        and r.placement_state is None
        and r.delay_reason is None
    ]
    assert rows, "demo data has no suitable patient"
    return rows[0]


def test_scripted_journey_saves_exactly_what_was_entered(
    qtbot, main_window, demo_db, dialogs
) -> None:
    window = main_window
    target = _candidate(window)
    with demo_db.read() as s:
        referrals_before = s.scalars(
            select(HubReferral).where(HubReferral.spell_id == target.spell_id)
        ).all()
        before = s.get(Spell, target.spell_id)
        delay_before, next_before = before.delay_reason_id, before.next_action
    assert not referrals_before

    # 1. filter to the ward
    assert window.board.select_ward(target.ward_id)
    assert {r.ward_id for r in window.model.visible_rows()} == {target.ward_id}
    assert "Showing" in window.counts.text()

    # 2. open the patient with Enter
    table = window.board.table
    window.board.select_spell(target.spell_id)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    workspace = window.tabs.currentWidget()
    assert isinstance(workspace, WorkspaceWidget) and workspace.spell_id == target.spell_id
    wait_loaded(qtbot, workspace)

    # 3. change the EDD with a reason
    new_edd = clock.today() + timedelta(days=9)
    plan = workspace.plan
    plan.edd.setText(f"{new_edd:%d/%m/%Y}")
    plan.edd_reason.setText("Awaiting OT home visit")
    # 4. no longer meets the criteria to reside
    plan.ctr_record.setChecked(True)
    plan.criteria.no_longer.setChecked(True)
    # 5. P1 and refer to the hub
    plan.pathway.setCurrentIndex(plan.pathway.findData("P1"))
    plan.refer.setChecked(True)
    # 6. a carer phone call
    carers = workspace.carers
    carers.with_whom.setEditText("Jane Smith (daughter)")
    carers.method.setCurrentIndex(carers.method.findData("phone"))
    carers.discussed.setPlainText("Discharge home with reablement discussed")
    carers.agreed.setText("Daughter to be at home on the day")
    # 7. a barrier
    barriers = workspace.barriers
    barriers.kind.setCurrentIndex(barriers.kind.findData("equipment"))
    barriers.description.setText("Hospital bed at home")
    barriers.owner.setText("OT")
    barriers.due.setText(f"{clock.today() + timedelta(days=2):%d/%m/%Y}")
    # 8. save with Ctrl+S; the patient becomes NCTR: the delay reason is asked for
    dialogs.answer(DelayReasonDialog, "A06")
    with qtbot.waitSignal(workspace.saved, timeout=15_000):
        qtbot.keyClick(workspace, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    today = clock.today()
    with demo_db.read() as s:
        spell = s.get(Spell, target.spell_id)
        assert spell.edd == new_edd
        assert spell.discharge_ready_date == today
        assert spell.pathway_code == "P1"
        assert delay_before is None and spell.delay_reason_id is not None
        assert spell.next_action == next_before
        assert spell.updated_by == ACTOR
        change = s.scalars(
            select(EddChange).where(EddChange.spell_id == spell.id).order_by(EddChange.id.desc())
        ).first()
        assert (change.new_edd, change.reason, change.changed_by) == (
            new_edd,
            "Awaiting OT home visit",
            ACTOR,
        )
        review = s.scalars(
            select(CtrReview).where(CtrReview.spell_id == spell.id).order_by(CtrReview.id.desc())
        ).first()
        assert (review.meets_criteria, review.review_date, review.reviewed_by) == (
            False,
            today,
            ACTOR,
        )
        (referral,) = s.scalars(select(HubReferral).where(HubReferral.spell_id == spell.id)).all()
        assert (referral.state, referral.pathway_code, referral.referred_by) == (
            "referred",
            "P1",
            ACTOR,
        )
        contacts = s.scalars(
            select(CarerContact).where(
                CarerContact.spell_id == spell.id, CarerContact.recorded_by == ACTOR
            )
        ).all()
        assert [(c.method_code, c.with_whom, c.agreed) for c in contacts] == [
            ("phone", "Jane Smith (daughter)", "Daughter to be at home on the day")
        ]
        new_barriers = s.scalars(
            select(Barrier).where(Barrier.spell_id == spell.id, Barrier.created_by == ACTOR)
        ).all()
        assert [(b.kind_code, b.description, b.owner, b.state) for b in new_barriers] == [
            ("equipment", "Hospital bed at home", "OT", "open")
        ]
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.spell_id == spell.id, AuditEntry.actor == ACTOR)
        ).all()
        changed = {(a.entity, a.field) for a in audit if a.action == "update"}
        assert {
            ("spell", "edd"),
            ("spell", "discharge_ready_date"),
            ("spell", "pathway_code"),
        } <= changed
        assert ("spell", "delay_reason_id") in changed  # answered in the same save
        assert ("spell", "next_action") not in changed
        inserted = {a.entity for a in audit if a.action == "insert"}
        assert {"edd_change", "ctr_review", "hub_referral", "carer_contact", "barrier"} <= inserted

    # the board row shows it
    pos = window.model.position_of(target.spell_id)
    assert pos is not None
    texts = [window.model.index(pos, c).data() for c in range(window.model.columnCount())]
    assert f"{new_edd:%d/%m/%Y}" in texts[6]
    assert texts[7].startswith(f"NCTR since {today:%d/%m/%Y}")
    assert texts[8] == "P1"
    assert texts[11].startswith("Contacted ")
    # and the History tab lists the audit rows of this save
    history_rows = workspace.history.audit.rows()
    assert any(a.actor == ACTOR and a.field == "edd" for a in history_rows)
