"""Two real clients (two Database engines, two main windows, each with its live
listener) on one database, SQLite file and PostgreSQL: what one commits reaches the
other's board, queue and open workspace, keeping the other's unsaved typing; when both
edit the same field the second gets the conflict dialog and each choice does what it
says; after the PostgreSQL link is cut, the status bar says so and one full refresh
follows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, text

from discharge_hub.db import Database
from discharge_hub.models import AuditEntry, Placement, Spell
from discharge_hub.services import hub
from discharge_hub.ui.app import build_window
from discharge_hub.ui.hub.placements import PlacementQueueScreen
from discharge_hub.ui.main_window import MainWindow
from discharge_hub.ui.workspace.conflict import EDIT, MINE, THEIRS, ConflictDialog
from tests.conftest import PG_ADMIN
from tests.core_support import add_provider, admit, on_pathway
from tests.ui.forms_support import choose, open_patient, type_into

LIVE_WITHIN_MS = 3_000  # issue 9: on the other client within 3 s
POLL = 0.5  # SQLite: the tests poll faster than the program's 2 s
WAIT = 15_000


@dataclass
class Client:
    window: MainWindow
    database: Database

    @property
    def actor(self) -> str:
        return self.window.runner.actor


def _seed(db_url: str) -> tuple[int, int]:
    """Two P2 patients in Leicester, each with a reablement placement requested."""
    db = Database.open(db_url)
    try:
        provider = add_provider(db, "Leicester Reablement")
        ids = []
        for n in range(2):
            spell = on_pathway(db, admit(db, n, bed=f"B{n + 1}"), "P2")
            with db.unit_of_work("ward.nurse") as s:
                hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
                hub.request_placement(
                    s,
                    spell_id=spell.id,
                    expected_version=None,
                    service_type="reablement",
                    provider_id=provider.id,
                )
            ids.append(spell.id)
        return ids[0], ids[1]
    finally:
        db.dispose()


def _client(qtbot, db_url: str, actor: str) -> Client:
    database = Database.open(db_url)
    window, runner = build_window(actor=actor)
    runner.database = database
    qtbot.addWidget(window)
    window.start_live(interval=POLL)
    with qtbot.waitSignals([window.refs_loaded, window.board_loaded], timeout=WAIT):
        window.load_references()
        window.load_board()
    window.show()
    qtbot.waitUntil(lambda: window.changes.status is not None and window.changes.status.up)
    return Client(window, database)


@pytest.fixture
def clients(qtbot, db_url: str) -> Iterator[tuple[Client, Client, tuple[int, int]]]:
    spells = _seed(db_url)
    a = _client(qtbot, db_url, "a.social")
    b = _client(qtbot, db_url, "b.coordinator")
    yield a, b, spells
    for c in (a, b):
        c.window.close()  # stops its listener thread
        c.window.runner.wait_idle()
        c.database.dispose()


def _board_row(client: Client, spell_id: int):
    return next(r for r in client.window.model.all_rows() if r.spell_id == spell_id)


def _queue_row(screen: PlacementQueueScreen, spell_id: int):
    return next((r for r in screen.model.rows() if r.spell_id == spell_id), None)


def test_a_moves_a_placement_on_and_b_sees_it_everywhere_keeping_its_typing(
    qtbot, clients, dialogs
):
    a, b, (spell_id, _other) = clients
    ws_b = open_patient(qtbot, b.window, spell_id)
    type_into(qtbot, ws_b.plan.next_action, "Book the ambulance")  # B's unsaved edit
    queue_b = b.window.open_screen("placements")
    queue_a = a.window.open_screen("placements")
    for q in (queue_a, queue_b):
        qtbot.waitUntil(lambda q=q: _queue_row(q, spell_id) is not None, timeout=WAIT)
    assert _board_row(b, spell_id).placement_state == "requested"

    placement = _queue_row(queue_a, spell_id)
    assert queue_a.table.select_key(placement.placement_id)
    assert [x.text() for x in queue_a.move_menu.actions()] == ["Assessing", "Offered"]
    queue_a.move_menu.actions()[0].trigger()  # A: requested -> assessing

    def b_shows_it() -> bool:
        row = _queue_row(queue_b, spell_id)
        shown = ws_b.hub.current()
        return (
            _board_row(b, spell_id).placement_state == "assessing"
            and row is not None
            and row.state == "assessing"
            and shown is not None
            and shown.state == "assessing"
        )

    qtbot.waitUntil(b_shows_it, timeout=LIVE_WITHIN_MS)
    assert ws_b.notice.isVisibleTo(ws_b)
    assert ws_b.notice.text().startswith("This patient's record was changed by a.social at ")
    assert ws_b.plan.next_action.text() == "Book the ambulance"  # B's edit survived
    assert ws_b.is_dirty()
    assert "Live: checking" in b.window.live_label.text() or "Live: connected" in (
        b.window.live_label.text()
    )
    assert "last update" in b.window.live_label.text()

    b.window.tabs.setCurrentWidget(ws_b)
    assert ws_b.notice.isVisible()
    with qtbot.waitSignal(ws_b.saved, timeout=WAIT):
        qtbot.keyClick(ws_b, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with b.database.read() as s:
        assert s.get(Spell, spell_id).next_action == "Book the ambulance"
        assert s.get(Placement, placement.placement_id).state == "assessing"
    # and A's board hears B's save
    qtbot.waitUntil(
        lambda: _board_row(a, spell_id).next_action == "Book the ambulance",
        timeout=LIVE_WITHIN_MS,
    )


def _next_action_audit(client: Client, spell_id: int) -> list[tuple[str, str | None, str | None]]:
    with client.database.read() as s:
        rows = s.execute(
            select(AuditEntry.actor, AuditEntry.old_value, AuditEntry.new_value)
            .where(
                AuditEntry.entity == "spell",
                AuditEntry.entity_id == spell_id,
                AuditEntry.field == "next_action",
            )
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("choice", [THEIRS, MINE, EDIT])
def test_both_edit_the_same_field_and_b_chooses(qtbot, clients, dialogs, choice: str):
    a, b, (spell_id, _other) = clients
    ws_a = open_patient(qtbot, a.window, spell_id)
    ws_b = open_patient(qtbot, b.window, spell_id)
    reason = b.window.refs.delay_reasons[0].code
    type_into(qtbot, ws_b.plan.next_action, "B: chase the package")
    choose(ws_b.plan.delay_reason, reason)  # B's other change: nobody else touches it
    type_into(qtbot, ws_a.plan.next_action, "A: package starts Monday")
    with qtbot.waitSignal(ws_a.saved, timeout=WAIT):
        ws_a.save()
    qtbot.waitUntil(lambda: "changed by a.social" in ws_b.notice.text(), timeout=LIVE_WITHIN_MS)
    assert ws_b.plan.next_action.text() == "B: chase the package"  # B's typing is kept

    dialogs.answer(ConflictDialog, choice)
    with qtbot.waitSignal(ws_b.conflict_resolved, timeout=WAIT) as resolved:
        ws_b.save()
    assert resolved.args == [choice]
    rows = dialogs.asked[-1][1][1]
    both = next(r for r in rows if r.both)
    assert (both.what, both.opened, both.theirs, both.yours) == (
        "Next action",
        "(empty)",
        "A: package starts Monday",
        "B: chase the package",
    )
    assert both.who.startswith("a.social, ")
    assert any(r.what == "Delay reason" and not r.both for r in rows)

    if choice != EDIT:
        qtbot.waitUntil(lambda: not ws_b.is_dirty() and not ws_b._busy, timeout=WAIT)
    with b.database.read() as s:
        spell = s.get(Spell, spell_id)
        saved_next, saved_reason = spell.next_action, spell.delay_reason_id
    audit = _next_action_audit(b, spell_id)
    assert ("a.social", None, "A: package starts Monday") in audit

    if choice == THEIRS:
        assert saved_next == "A: package starts Monday"
        assert saved_reason is not None  # B's other change went on top
        assert ws_b.plan.next_action.text() == "A: package starts Monday"
        assert "B: chase the package" in ws_b.notice.text()  # B's value is not lost
    elif choice == MINE:
        assert saved_next == "B: chase the package" and saved_reason is not None
        assert audit[-1] == ("b.coordinator", "A: package starts Monday", "B: chase the package")
    else:
        assert saved_next == "A: package starts Monday" and saved_reason is None
        assert ws_b.plan.next_action.text() == "B: chase the package" and ws_b.is_dirty()
        assert "Save again" in ws_b.banner.text()
        with qtbot.waitSignal(ws_b.saved, timeout=WAIT):  # now knowingly on top of theirs
            ws_b.save()
        audit = _next_action_audit(b, spell_id)
        assert audit[-1] == ("b.coordinator", "A: package starts Monday", "B: chase the package")


@pytest.mark.postgres
def test_the_status_bar_shows_the_link_and_a_lost_link_refreshes_everything(
    qtbot, pg_url_fresh: str
):
    spell_id, _other = _seed(pg_url_fresh)
    client = _client(qtbot, pg_url_fresh, "c.coordinator")
    window = client.window
    try:
        assert window.live_label.text().startswith("Live: connected")
        states: list[str] = []
        resyncs: list[object] = []
        window.changes.link_changed.connect(lambda st: states.append(st.state))
        window.changes.data_changed.connect(lambda c: resyncs.append(c) if c.resync else None)
        # A change no notification announces (straight SQL): only a full refresh shows it.
        with client.database.engine.begin() as conn:
            conn.execute(
                text("UPDATE spell SET next_action = 'Set behind the program' WHERE id = :i"),
                {"i": spell_id},
            )
        pid = window.changes.backend_pid
        assert pid is not None
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        qtbot.waitUntil(lambda: bool(resyncs), timeout=WAIT)
        assert "down" in states and states[-1] == "live", states
        assert window.changes.backend_pid not in (None, pid)
        qtbot.waitUntil(
            lambda: _board_row(client, spell_id).next_action == "Set behind the program",
            timeout=WAIT,
        )
        assert window.live_label.text().startswith("Live: connected")
        assert len(resyncs) == 1 and resyncs[0].all
    finally:
        window.close()
        window.runner.wait_idle()
        client.database.dispose()
