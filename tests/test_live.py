"""Live refresh, listening half: a listener hears other clients' commits, and after
losing its link (``pg_terminate_backend`` on PostgreSQL, an unreadable file on
SQLite) comes back by itself and asks for one full refresh ("resync")."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from discharge_hub import live
from discharge_hub.db import Database
from discharge_hub.services import spells
from tests.conftest import PG_ADMIN
from tests.core_support import admit

WAIT = 0.5  # seconds per wait() call; loops below are bounded by a number of calls
CALLS = 120


def next_notice(listener: live.Listener) -> live.Notice:
    """The next notice (any number of empty waits before it, within a bound)."""
    for _ in range(CALLS):
        notice = listener.wait(WAIT)
        if notice is not None:
            return notice
    raise AssertionError(f"no notice; link {listener.status}")


def touch(db: Database, spell_id: int, text: str) -> None:
    with db.unit_of_work("other client") as s:
        spells.set_next_action(s, spell_id=spell_id, expected_version=None, next_action=text)


def started(db: Database) -> live.Listener:
    listener = live.open_listener(db.url, interval=0.05)
    assert listener.status.state == "starting"
    assert listener.wait(0.2) is None  # connects (or reads the counter): nothing yet
    assert listener.status.up, listener.status
    return listener


def test_a_listener_hears_each_commit_of_another_client(db: Database) -> None:
    a, b = admit(db, 0), admit(db, 1)
    listener = started(db)
    try:
        touch(db, a.id, "TTO")
        notice = next_notice(listener)
        assert (notice.spell_ids, notice.all, notice.resync) == (frozenset({a.id}), False, False)
        assert listener.status.last_notice_at == notice.received_at
        touch(db, a.id, "Transport")
        touch(db, b.id, "Transport")
        heard: set[int] = set()
        while heard != {a.id, b.id}:  # one notice or two: merged when already there
            notice = next_notice(listener)
            assert not notice.all
            heard |= notice.spell_ids
    finally:
        listener.close()
    assert listener.status.state == "closed"


@pytest.mark.postgres
def test_the_pg_listener_recovers_after_its_connection_is_terminated(
    pg_url_fresh: str,
) -> None:
    db = Database.open(pg_url_fresh)
    listener = started(db)
    assert isinstance(listener, live.PgListener)
    try:
        spell = admit(db)
        next_notice(listener)
        pid = listener.backend_pid
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            row = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
            assert row == (True,)
        lost = [listener.wait(WAIT) for _ in range(3)]
        assert listener.status.state in ("down", "live"), listener.status
        touch(db, spell.id, "while the link was down")  # its notification may be lost
        notices = [n for n in lost if n is not None] or [next_notice(listener)]
        resync = notices[0]
        assert resync.resync and resync.all, notices
        assert listener.status.state == "live" and listener.backend_pid != pid
        touch(db, spell.id, "after the link is back")
        heard = next_notice(listener)
        while heard.spell_ids != frozenset({spell.id}) or heard.resync:
            heard = next_notice(listener)  # the commit made while reconnecting, if heard
        assert not heard.all
    finally:
        listener.close()
        db.dispose()


def test_the_sqlite_listener_resyncs_after_a_failed_read(sqlite_url: str) -> None:
    db = Database.open(sqlite_url)
    listener = started(db)
    assert isinstance(listener, live.SqliteListener)
    try:
        spell = admit(db)
        assert next_notice(listener).all  # the first admission on the ward adds the ward
        # The counter cannot be read for a while (as when a network share drops out).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE change_counter RENAME TO change_counter_away")
        for _ in range(CALLS):
            if listener.wait(WAIT) is None and listener.status.state == "down":
                break
        assert listener.status.state == "down" and listener.status.detail, listener.status
        assert "no such table" in str(listener.status.detail)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE change_counter_away RENAME TO change_counter")
        notice = next_notice(listener)
        assert notice.resync and notice.all
        assert listener.status.state == "polling"
        touch(db, spell.id, "x")
        assert next_notice(listener).spell_ids == frozenset({spell.id})
    finally:
        listener.close()
        db.dispose()


def test_the_sqlite_listener_never_creates_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "not-there.sqlite3"
    listener = live.open_listener(f"sqlite:///{missing}", interval=0.05)
    assert listener.wait(0.2) is None
    assert listener.status.state == "down" and not missing.exists()
    listener.close()


def test_stop_makes_wait_return(db: Database) -> None:
    listener = started(db)
    listener.stop()
    assert listener.wait(60) is None  # returns at once: the test would hang otherwise
    listener.close()


@pytest.mark.postgres
def test_a_pg_listener_that_could_not_connect_at_first_resyncs_when_it_does(
    pg_url_fresh: str,
) -> None:
    db = Database.open(pg_url_fresh)
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:  # no new connections for now
        admin.execute(f'ALTER DATABASE "{pg_url_fresh.rsplit("/", 1)[1]}" ALLOW_CONNECTIONS false')
    listener = live.PgListener(db.url, retry_after=0.05)
    try:
        assert listener.wait(0.2) is None
        assert listener.status.state == "down" and listener.status.detail
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(
                f'ALTER DATABASE "{pg_url_fresh.rsplit("/", 1)[1]}" ALLOW_CONNECTIONS true'
            )
        notice = next_notice(listener)  # the app loaded meanwhile: anything may be missed
        assert notice.resync and notice.all and listener.status.state == "live"
    finally:
        listener.close()
        db.dispose()
