"""The workspace's Hub & placements tab acts (each action its own write) while the rest
of the form keeps what the user typed; a pathway off the hub offers to cancel the open
placements in the same save; a saved row that leaves the board's filter leaves the view."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from sqlalchemy import select

from discharge_hub.models import AuditEntry, Placement, Spell
from discharge_hub.services import queues
from discharge_hub.services.placements import WAITING_STATES
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.board_model import BoardModel
from discharge_hub.ui.hub.dialogs import PlacementRequest, ReasonDialog, RequestPlacementDialog
from discharge_hub.ui.queue_model import Col, QueueModel
from tests.core_support import days
from tests.ui.conftest import ACTOR
from tests.ui.forms_support import choose, click, open_patient, type_into

WAIT = 15_000


def hub_patient(demo_db) -> int:
    """An open spell with a placement waiting (the demo makes several)."""
    with demo_db.read() as s:
        return queues.placement_queue(s, state="assessing")[0].spell_id


def test_placement_actions_in_the_workspace_keep_the_typing_elsewhere(
    qtbot, main_window, demo_db, dialogs
):
    workspace = open_patient(qtbot, main_window, hub_patient(demo_db))
    type_into(qtbot, workspace.plan.next_action, "Chase the care home")  # not saved yet
    before = workspace.hub.placements.rowCount()
    workspace.tabs.setCurrentIndex(1)
    dialogs.answer(RequestPlacementDialog, PlacementRequest("equipment", None, "Bed rails"))
    with qtbot.waitSignal(workspace.refreshed, timeout=WAIT):
        click(qtbot, workspace.hub.request_button)
    assert workspace.hub.placements.rowCount() == before + 1
    new = workspace.hub.current()
    assert (new.service_type, new.state, new.notes) == ("equipment", "requested", "Bed rails")
    assert workspace.plan.next_action.text() == "Chase the care home"
    assert workspace.is_dirty()
    assert workspace.notice.isVisible()
    assert workspace.notice.text().startswith("This patient's record was changed by you at ")
    assert "Placement added" in workspace.notice.text()
    assert "Your unsaved edits are kept" in workspace.notice.text()

    moves = [a.text() for a in workspace.hub.move_menu.actions()]
    assert moves == ["Assessing", "Offered"]
    with qtbot.waitSignal(workspace.refreshed, timeout=WAIT):
        workspace.hub.move_menu.actions()[0].trigger()
    assert workspace.hub.current().id == new.id and workspace.hub.current().state == "assessing"
    assert [a.text() for a in workspace.hub.move_menu.actions()] == ["Offered"]
    assert workspace.plan.next_action.text() == "Chase the care home"

    with qtbot.waitSignal(workspace.saved, timeout=WAIT):
        qtbot.keyClick(workspace, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with demo_db.read() as s:
        assert s.get(Spell, workspace.spell_id).next_action == "Chase the care home"
        assert s.get(Placement, new.id).state == "assessing"


def test_pathway_off_the_hub_cancels_open_placements_in_the_same_save(
    qtbot, main_window, demo_db, dialogs
):
    spell_id = hub_patient(demo_db)
    with demo_db.read() as s:
        open_ids = set(
            s.scalars(
                select(Placement.id).where(
                    Placement.spell_id == spell_id, Placement.state.in_(WAITING_STATES)
                )
            )
        )
    workspace = open_patient(qtbot, main_window, spell_id)
    choose(workspace.plan.pathway, "P0")
    type_into(qtbot, workspace.plan.next_action, "Home with family")
    dialogs.answer(ReasonDialog, None)  # keep them: nothing is saved, the field says why
    with qtbot.waitSignal(workspace.save_failed, timeout=WAIT):
        workspace.save()
    assert "placement" in workspace.plan.pathway_section.error_text("pathway")
    assert workspace.plan.pathway.currentData() == "P0"  # the choice is kept
    prompt = dialogs.prompts(ReasonDialog)[0]
    assert "P0 does not go through the hub" in prompt and "Cancel them" in prompt
    with demo_db.read() as s:
        assert s.get(Spell, spell_id).pathway_code != "P0"

    dialogs.answer(ReasonDialog, "Family will care for him at home")
    with qtbot.waitSignal(workspace.saved, timeout=WAIT):
        workspace.save()
    with demo_db.read() as s:
        spell = s.get(Spell, spell_id)
        assert (spell.pathway_code, spell.next_action) == ("P0", "Home with family")
        for pid in open_ids:
            p = s.get(Placement, pid)
            assert (p.state, p.outcome_reason) == ("cancelled", "Family will care for him at home")
        audited = s.scalars(
            select(AuditEntry.entity).where(
                AuditEntry.spell_id == spell_id, AuditEntry.actor == ACTOR
            )
        ).all()
        assert "placement" in audited and "spell" in audited
    assert {p.state for p in workspace.hub.placements.rows() if p.id in open_ids} == {"cancelled"}


def test_a_saved_row_that_no_longer_matches_the_filter_leaves_the_board(
    qtbot, main_window, demo_db
):
    board = main_window.board
    board.set_view("no_edd")
    shown = main_window.model.visible_rows()
    assert len(shown) >= 2
    target, other = shown[0], shown[1]
    board.select_spell(other.spell_id)
    workspace = open_patient(qtbot, main_window, target.spell_id)
    type_into(qtbot, workspace.plan.edd, fmt.uk_date(days(10)))
    type_into(qtbot, workspace.plan.edd_reason, "Awaiting surgery date")
    with qtbot.waitSignal(workspace.saved, timeout=WAIT):
        workspace.save()
    visible = {r.spell_id for r in main_window.model.visible_rows()}
    assert target.spell_id not in visible and other.spell_id in visible
    assert board.current_row().spell_id == other.spell_id  # the selection stayed
    assert target.spell_id in {r.spell_id for r in main_window.model.all_rows()}
    assert main_window.counts.text().startswith(f"Showing {len(visible)} of")


def test_board_model_updates_in_place_pass_modeltester(qtmodeltester, main_window) -> None:
    rows = main_window.model.all_rows()
    model = BoardModel()
    model.set_rows(rows[:-3])
    qtmodeltester.check(model, force_py=True)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    model.update_rows(rows[-3:])  # new spells arrive
    model.update_rows([replace(rows[0], family_name="Aaron")], removed=[rows[1].spell_id])
    assert model.visible_rows()[0].family_name == "Aaron"
    assert rows[1].spell_id not in {r.spell_id for r in model.visible_rows()}
    model.set_search("aaron")
    model.update_rows([replace(rows[0], family_name="Zed")])  # no longer matches the search
    assert model.rowCount() == 0
    model.set_search("")
    model.update_rows(rows, complete=True)
    assert {r.spell_id for r in model.visible_rows()} == {r.spell_id for r in rows}
    qtmodeltester.check(model, force_py=True)


def test_queue_model_moves_inserts_and_removes_pass_modeltester(qtmodeltester) -> None:
    from types import SimpleNamespace as Row

    def row(key: int, spell: int, order: int, text: str = "") -> Row:
        return Row(key=key, spell_id=spell, order=order, text=text or f"r{key}")

    model = QueueModel(
        (Col("Text", lambda r: r.text), Col("Order", lambda r: str(r.order), lambda r: r.order)),
        key=lambda r: r.key,
        order=lambda r: r.order,
    )
    model.set_rows([row(1, 10, 1), row(2, 20, 2), row(3, 30, 3)])
    qtmodeltester.check(model, force_py=True)
    model.update_spells({10}, [row(1, 10, 5)])  # moves to the end
    assert [r.key for r in model.rows()] == [2, 3, 1]
    model.update_spells({20, 40}, [row(4, 40, 0)])  # 2 leaves, 4 arrives first
    assert [r.key for r in model.rows()] == [4, 3, 1]
    model.update_spells({30}, [row(3, 30, 3, "changed")])  # in place
    assert model.rows()[1].text == "changed"
    model.update_spells(None, [row(5, 50, 1)])  # everything: only 5 is left
    assert [r.key for r in model.rows()] == [5]
    qtmodeltester.check(model, force_py=True)


def test_conflict_rows_compare_field_by_field(demo_db) -> None:
    from datetime import UTC, datetime

    from discharge_hub.services.conflicts import FieldChange, SpellChanges
    from discharge_hub.services.workspace import WorkspaceChanges, spell_detail
    from discharge_hub.ui.workspace.conflict import (
        clash_text,
        clashing,
        conflict_rows,
        my_changes,
    )

    spell_id = hub_patient(demo_db)
    with demo_db.read() as s:
        base = spell_detail(s, spell_id)
    at = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)

    def change(entity, field, old, new, action="update", entity_id=1):
        return FieldChange(entity, entity_id, field, action, old, new, "a.social", at, 1)

    theirs = SpellChanges(
        spell_id,
        base.spell.version,
        base.spell.version + 1,
        fields=(change("spell", "edd", "2026-11-30", "2026-12-03"),),
        records=(
            change("placement", "state", "requested", "assessing"),
            change("placement", "state_changed_at", "x", "y"),  # bookkeeping: not shown
            change("barrier", "description", None, "TTOs", "insert", 7),
            change("barrier", "owner", None, "Pharmacy", "insert", 7),
        ),
    )
    mine = my_changes(
        WorkspaceChanges(
            edd="05/12/2026",
            edd_reason="Awaiting bloods",
            next_action_changed=True,
            next_action="Book transport",
        ),
        base,
        None,
    )
    assert [m.key for m in clashing(theirs, mine)] == ["edd"]
    rows = conflict_rows(theirs, mine)
    assert [(r.what, r.opened, r.theirs, r.yours, r.both) for r in rows] == [
        ("EDD", "30/11/2026", "03/12/2026", "05/12/2026 (why: Awaiting bloods)", True),
        ("Placement: state", "requested", "assessing", "— not changed —", False),
        ("Barrier added", "(none)", "added", "— not changed —", False),
        ("Next action", base.spell.next_action or "(empty)", "— not changed —",
         "Book transport", False),
    ]  # fmt: skip
    assert rows[0].who == "a.social, 24/11/2026 10:30"
    assert "EDD (theirs: '03/12/2026'" in clash_text(theirs, mine)
    assert clash_text(theirs, mine).endswith("Saving will ask which to keep.")


def test_the_board_round_follows_changes_to_the_patient_shown(qtbot, main_window, demo_db):
    from discharge_hub.services import spells

    row = main_window.model.all_rows()[0]
    main_window.board.select_spell(row.spell_id)
    round_ = main_window.open_board_round()
    with qtbot.waitSignal(round_.moved, timeout=WAIT):
        pass
    shown = round_.detail.spell.id

    def other_user(text: str) -> None:  # as another PC would; its notice comes here
        with demo_db.unit_of_work("other.nurse") as s:
            spells.set_next_action(s, spell_id=shown, expected_version=None, next_action=text)
        main_window.changes.announce({shown})

    other_user("Their first change")
    qtbot.waitUntil(lambda: round_.plan.next_action.text() == "Their first change", timeout=WAIT)
    assert not round_.notice.isVisible()
    type_into(qtbot, round_.plan.next_action, "My edit")
    other_user("Their second change")
    qtbot.waitUntil(round_.notice.isVisible, timeout=WAIT)
    assert round_.plan.next_action.text() == "My edit"  # kept
    assert "Someone else has just changed this patient" in round_.notice.text()
