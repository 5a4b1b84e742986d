"""The desktop on the shared database: signing in (keyring or not), who is signed in in
the title and status bars, what a role may not change disabled with the reason, and
faults survived — the session's backend killed or the network cut between an edit and
its save: the edit stays as typed, the program says so, reconnects, and the save lands."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import select

from discharge_hub import credentials, signin
from discharge_hub.db import Database
from discharge_hub.models import Spell
from discharge_hub.services.people import Action
from discharge_hub.ui.app import build_window, opened, start_signed_in
from discharge_hub.ui.connection import DOWN_TEXT
from tests.conftest import _pg_admin
from tests.core_support import admit, days
from tests.proxy_support import Relay
from tests.security_support import LEICESTER, RUTLAND, Logins, logins, spell_with_placement
from tests.test_credentials import MemoryKeyring
from tests.ui.conftest import wait_loaded

pytestmark = pytest.mark.postgres
SECRET = "s3cret-for-tests"


@pytest.fixture
def shared(pg_url_fresh: str) -> Iterator[tuple[str, Logins]]:
    owner = Database.open(pg_url_fresh)
    try:
        admit(owner, 1, bed="B1")
        spell_with_placement(owner, 2, "Rutland", bed="B2")
    finally:
        owner.dispose()
    with logins(pg_url_fresh) as made:
        yield pg_url_fresh, made
    credentials.forget_session()


@pytest.fixture
def keyring_backend(request: pytest.FixtureRequest) -> Iterator[object]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring() if getattr(request, "param", "memory") == "memory" else fail.Keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def signed_in_window(qtbot, url: str):
    """The main window opened as the login of ``url``, board and lists loaded."""
    window, _runner = build_window()
    qtbot.addWidget(window)
    database = Database.open(url)
    with qtbot.waitSignals([window.refs_loaded, window.board_loaded], timeout=20_000):
        opened(window, database)
    window.show()
    return window, database


def open_first(qtbot, window):
    row = sorted(window.model.all_rows(), key=lambda r: r.spell_id)[0]
    ws = window.open_spell(row.spell_id)
    wait_loaded(qtbot, ws)
    return row, ws


def test_signing_in_remembers_when_ticked_and_shows_who(qtbot, shared, keyring_backend) -> None:
    url, made = shared
    details = signin.ConnectionDetails.from_url(made.add("coordinator", name="Cora Ward"))
    window, runner = build_window()
    qtbot.addWidget(window)
    dialog = start_signed_in(window, details)
    assert dialog.user.text() == details.user and dialog.server.text() == details.host
    dialog.password.setText(SECRET)
    dialog.remember.setChecked(True)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Connected" in dialog.message.text(), timeout=15_000)
    assert "Cora Ward" in dialog.message.text() and "coordinator" in dialog.message.text()
    with qtbot.waitSignal(window.board_loaded, timeout=20_000):
        dialog.sign_in_button.click()
    assert "Cora Ward" in window.windowTitle() and "coordinator" in window.windowTitle()
    assert window.db_label.text().startswith("Signed in as Cora Ward")
    assert runner.actor == runner.database.permissions.actor
    assert list(keyring_backend.store.values()) == [SECRET]  # type: ignore[attr-defined]
    assert dialog.password.text() == ""
    runner.wait_idle()
    runner.database.dispose()


@pytest.mark.parametrize("keyring_backend", ["none"], indirect=True)
def test_no_keyring_and_an_unreachable_server_are_said_in_the_dialog(
    qtbot, shared, keyring_backend
) -> None:
    window, runner = build_window()
    qtbot.addWidget(window)
    window.show()
    closed = signin.ConnectionDetails("127.0.0.1", 1, "discharge_hub", "jsmith")
    dialog = start_signed_in(window, closed)
    qtbot.waitUntil(lambda: not dialog.remember.isEnabled(), timeout=10_000)
    assert dialog.keyring_note.isVisible()
    assert "cannot be remembered" in dialog.keyring_note.text()
    dialog.password.setText(SECRET)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: "unreachable" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and window.isVisible() and runner.database is None
    assert dialog.sign_in_button.isEnabled()  # try again, or correct the server
    assert SECRET not in dialog.message.text()
    runner.wait_idle()


def test_a_viewer_sees_the_record_read_only_and_why(qtbot, shared) -> None:
    _url, made = shared
    window, database = signed_in_window(qtbot, made.add("viewer", name="Val Viewer"))
    try:
        assert "Val Viewer" in window.windowTitle() and "viewer" in window.db_label.text()
        assert not window.round_action.isEnabled()
        assert "viewer" in window.round_action.toolTip()
        _row, ws = open_first(qtbot, window)
        assert all(not s.isEnabled() for s in ws.sections)
        assert not ws.save_button.isVisibleTo(ws)
        note = ws.findChild(type(ws.header), "permissions_note")
        assert note is not None and "Read only" in note.text() and "viewer" in note.text()
        assert "viewer" in ws.plan.edd_section.toolTip()
        # Found in a real window: "Request a placement…" was offered, then refused by the
        # server ("permission denied for table spell").
        hub = ws.hub
        assert not hub.request_button.isEnabled() and "viewer" in hub.request_button.toolTip()
        hub._enable()  # a placement selected again keeps them off
        assert not any(
            b.isEnabled()
            for b in (hub.request_button, hub.move_button, hub.decline_button, hub.worker_button)
        )
    finally:
        window.runner.wait_idle()
        database.dispose()


def test_social_care_keeps_the_carer_log_but_not_the_ward_plan(qtbot, shared) -> None:
    _url, made = shared
    window, database = signed_in_window(qtbot, made.add("social_care", place=RUTLAND))
    try:
        assert database.permissions.can(Action.EDIT_PLACEMENT, place=RUTLAND)
        _row, ws = open_first(qtbot, window)
        enabled = {s.key for s in ws.sections if s.isEnabled()}
        assert enabled == {"carer", "contact"}
        assert ws.save_button.isVisibleTo(ws)
        assert not ws.discharge_tab.button.isVisibleTo(ws)
        # Requesting a placement is hub work: not offered (the server refused it after).
        assert not ws.hub.request_button.isEnabled()
        assert "request placements" in ws.hub.request_button.toolTip()
    finally:
        window.runner.wait_idle()
        database.dispose()


def test_the_placements_queue_offers_social_care_only_their_own_council_s_rows(
    qtbot, shared
) -> None:
    """Found in a real window: a Rutland worker was offered "Move on" on a Leicester row,
    refused only after trying; the refusal then stayed over the next council's list."""
    url, made = shared
    owner = Database.open(url)
    try:
        spell_with_placement(owner, 3, "Leicester", bed="B3")
    finally:
        owner.dispose()
    window, database = signed_in_window(qtbot, made.add("social_care", place=RUTLAND))
    try:
        screen = window.open_screen("placements")
        screen.council.setCurrentIndex(screen.council.findData(None))  # all councils
        qtbot.waitUntil(lambda: len(screen.model.rows()) == 2, timeout=10_000)
        by_place = {r.place_code: r for r in screen.model.rows()}
        screen.enable_buttons(by_place[LEICESTER])
        assert not screen.move_button.isEnabled() and not screen.worker_button.isEnabled()
        assert "only for patients of" in screen.move_button.toolTip()
        assert not screen.request_button.isEnabled()  # requesting is hub work
        assert screen.open_button.isEnabled()  # reading is not refused
        screen.enable_buttons(by_place[RUTLAND])
        assert screen.move_button.isEnabled() and screen.move_button.toolTip() == ""
        screen.show_message("Not done: refused")
        screen.council.setCurrentIndex(screen.council.findData(RUTLAND))
        assert not screen.banner.isVisible()
    finally:
        window.runner.wait_idle()
        database.dispose()


def _type_edd(ws) -> str:
    typed = f"{days(9):%d/%m/%Y}"
    ws.plan.edd.setText(typed)
    ws.plan.edd_reason.setText("Waiting for the package of care")
    return typed


def _saved_edd(url: str, spell_id: int):
    owner = Database.open(url)
    try:
        with owner.read() as s:
            return s.scalar(select(Spell.edd).where(Spell.id == spell_id))
    finally:
        owner.dispose()


def test_a_killed_backend_between_edit_and_save_costs_nothing(qtbot, shared) -> None:
    url, made = shared
    cora = made.add("coordinator", name="Cora Ward")
    window, database = signed_in_window(qtbot, cora)
    try:
        row, ws = open_first(qtbot, window)
        typed = _type_edd(ws)
        login = database.permissions.login
        with _pg_admin() as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s",
                (login,),
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        with qtbot.waitSignal(ws.saved, timeout=20_000):
            ws.save()
        assert ws.plan.edd_section.error_text("edd") == ""
        assert _saved_edd(url, row.spell_id) == days(9)
        assert f"{days(9):%d/%m/%Y}" == typed
    finally:
        window.runner.wait_idle()
        database.dispose()


def test_a_network_cut_keeps_the_form_says_so_and_the_next_save_lands(qtbot, shared) -> None:
    url, made = shared
    relay = Relay(made.add("coordinator", name="Cora Ward"))
    window, database = signed_in_window(qtbot, relay.url)
    window.connection_watch._timer.setInterval(200)
    watch_label = window.connection_watch.label
    try:
        row, ws = open_first(qtbot, window)
        typed = _type_edd(ws)
        relay.cut()
        with qtbot.waitSignal(ws.save_failed, timeout=30_000):
            ws.save()
        assert "unreachable" in ws.banner.text() and "edits are kept" in ws.banner.text()
        assert watch_label.isVisibleTo(window) and watch_label.text() == DOWN_TEXT
        assert ws.plan.edd.text() == typed  # every field as typed
        assert ws.plan.edd_reason.text() == "Waiting for the package of care"
        assert _saved_edd(url, row.spell_id) != days(9)  # nothing half-applied
        with qtbot.waitSignal(window.connection_watch.regained, timeout=30_000):
            relay.restore()
        assert not watch_label.isVisibleTo(window)
        with qtbot.waitSignal(ws.saved, timeout=20_000):
            ws.save()
        assert _saved_edd(url, row.spell_id) == days(9)
    finally:
        window.runner.wait_idle()
        database.dispose()
        relay.close()
