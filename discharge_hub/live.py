"""Live refresh, the listening half (Qt-free): what other clients committed, as it
happens. :mod:`discharge_hub.changes` is the announcing half.

Run a listener on a thread of its own (never the GUI thread: it blocks)::

    listener = live.open_listener(database.url)   # no I/O yet
    while not stopping:
        notice = listener.wait(1.0)                # None: nothing within the timeout
        if notice is not None:
            ...  # re-fetch notice.spell_ids, or everything if notice.all
    listener.close()

Start the listener *before* the first full load, so nothing committed in between is
missed. ``status`` says whether the link is up, for the status bar. On PostgreSQL it
holds one dedicated connection that LISTENs; after a lost connection (network, server
restart, ``pg_terminate_backend``) it reconnects, LISTENs again, and returns a notice
with ``resync`` (and ``all``) set: notifications sent meanwhile are lost, so refresh
everything once. On SQLite it polls the change counter every ``interval`` seconds and
reads which spells changed from the change log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from discharge_hub import changes, clock

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
POLL_INTERVAL = 2.0  # seconds between two reads of the SQLite change counter
RETRY_AFTER = 2.0  # seconds between two attempts to get a lost link back


@dataclass(frozen=True)
class Notice:
    """Committed changes another client (or this one) made: re-fetch these spells, or
    everything when ``all``; ``resync``: the link was lost, changes may have been missed."""

    spell_ids: frozenset[int]
    all: bool
    resync: bool
    received_at: datetime


@dataclass(frozen=True)
class LinkStatus:
    state: str  # "starting", "live" (PostgreSQL), "polling" (SQLite), "down", "closed"
    since: datetime
    last_notice_at: datetime | None
    detail: str | None = None  # why it is down (the driver's first line; no patient data)

    @property
    def up(self) -> bool:
        return self.state in ("live", "polling")


class Listener(ABC):
    """Waits for change notices; one thread calls ``wait``; ``stop`` from any thread."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._status = LinkStatus("starting", clock.now(), None)

    @property
    def status(self) -> LinkStatus:
        with self._lock:
            return self._status

    def _set(self, state: str, detail: str | None = None) -> None:
        with self._lock:
            if self._status.state != state or self._status.detail != detail:
                self._status = replace(self._status, state=state, since=clock.now(), detail=detail)

    def _notice(self, change: changes.Change, *, resync: bool = False) -> Notice:
        at = clock.now()
        with self._lock:
            self._status = replace(self._status, last_notice_at=at)
        return Notice(change.spell_ids, change.all or resync, resync, at)

    def stop(self) -> None:
        """Make ``wait`` return as soon as it can (any thread)."""
        self._stop.set()

    @abstractmethod
    def wait(self, timeout: float) -> Notice | None:
        """Block up to ``timeout`` seconds; the changes committed meanwhile (merged
        into one notice), or None."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection (from the thread that calls ``wait``)."""


def open_listener(url: str, *, interval: float = POLL_INTERVAL) -> Listener:
    """The listener for a database URL as :class:`~discharge_hub.db.Database` resolved it."""
    if url.startswith("sqlite"):
        return SqliteListener(url, interval=interval)
    return PgListener(url)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PgListener(Listener):
    """LISTEN on a dedicated psycopg connection (autocommit, TCP keepalives on)."""

    def __init__(self, url: str, *, retry_after: float = RETRY_AFTER) -> None:
        super().__init__()
        self._url = url
        self._retry_after = retry_after
        self._conn: psycopg.Connection[Any] | None = None
        self._missed = False  # a failed attempt or a lost link since the last connection
        self._next_try = 0.0

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection (for tests and diagnostics)."""
        return self._conn.info.backend_pid if self._conn is not None else None

    def _conninfo(self) -> str:
        from discharge_hub import credentials  # keyring: PostgreSQL only

        url = credentials.with_password(self._url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _connect(self) -> bool:
        import psycopg

        try:
            conn = psycopg.connect(
                self._conninfo(),
                autocommit=True,
                connect_timeout=5,
                application_name="discharge-hub live",
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
            )
            conn.execute(f"LISTEN {changes.CHANNEL}")
        except psycopg.Error as exc:
            self._set("down", _first_line(exc))
            self._missed = True
            self._next_try = monotonic() + self._retry_after
            return False
        self._conn = conn
        self._set("live")
        return True

    def wait(self, timeout: float) -> Notice | None:
        deadline = monotonic() + timeout
        if self._stop.is_set():
            return None
        if self._conn is None:
            self._stop.wait(max(0.0, min(self._next_try, deadline) - monotonic()))
            if self._stop.is_set() or monotonic() < self._next_try or not self._connect():
                return None
            missed, self._missed = self._missed, False
            if missed:  # whatever was sent while the link was down is gone
                return self._notice(changes.Change(all=True), resync=True)
        return self._receive(max(0.0, deadline - monotonic()))

    def _receive(self, timeout: float) -> Notice | None:
        import psycopg

        assert self._conn is not None
        try:
            got = list(self._conn.notifies(timeout=timeout, stop_after=1))
            if got:  # and whatever else has already arrived
                got += self._conn.notifies(timeout=0)
        except psycopg.Error as exc:
            self._lost(_first_line(exc))
            return None
        if self._conn.broken:
            self._lost("the connection was lost")
            return None
        if not got:
            return None
        mine = [changes.Change.from_payload(n.payload) for n in got if n.channel == changes.CHANNEL]
        return self._notice(changes.merge(mine)) if mine else None

    def _lost(self, detail: str) -> None:
        log.warning("live link lost: %s", detail)
        self.close(state="down", detail=detail)
        self._missed = True
        self._next_try = 0.0  # try at once, then every retry_after

    def close(self, *, state: str = "closed", detail: str | None = None) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone
                log.debug("closing the live connection failed", exc_info=True)
        self._set(state, detail)


class SqliteListener(Listener):
    """Polls the change counter of a SQLite database file every ``interval`` seconds."""

    def __init__(self, url: str, *, interval: float = POLL_INTERVAL) -> None:
        super().__init__()
        self._url = url
        self._interval = interval
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._seen: int | None = None  # the counter at the last poll
        self._down = False
        self._next_poll = 0.0

    @property
    def counter(self) -> int | None:
        return self._seen

    def wait(self, timeout: float) -> Notice | None:
        deadline = monotonic() + timeout
        while not self._stop.is_set():
            if monotonic() >= self._next_poll:
                self._next_poll = monotonic() + self._interval
                notice = self._poll()
                if notice is not None:
                    return notice
            pause = min(self._next_poll, deadline) - monotonic()
            if pause <= 0 and monotonic() >= deadline:
                return None
            self._stop.wait(max(0.0, pause))
        return None

    def _poll(self) -> Notice | None:
        try:
            if self._conn is None:
                self._engine = self._open_engine()
                self._conn = self._engine.connect()
            if self._seen is None:
                self._seen, change = changes.counter_value(self._conn), None
            else:
                self._seen, change = changes.changes_after(self._conn, self._seen)
            self._conn.rollback()  # end the read: the next poll sees newer commits
        except sa_exc.DBAPIError as exc:
            self._down = True
            self.close(state="down", detail=_first_line(exc))
            return None
        self._set("polling")
        if self._down:  # back after the file could not be read: refresh everything
            self._down = False
            return self._notice(changes.Change(all=True), resync=True)
        return self._notice(change) if change is not None else None

    def _open_engine(self) -> Engine:
        # Read-write mode, not the default read-write-create: a file that has gone away
        # (a network share) is an error to report, not a new empty database to poll.
        path = make_url(self._url).database or ""
        uri = Path(path).resolve().as_uri() + "?mode=rw"
        return create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
            poolclass=NullPool,
        )

    def close(self, *, state: str = "closed", detail: str | None = None) -> None:
        conn, self._conn = self._conn, None
        engine, self._engine = self._engine, None
        if conn is not None:
            try:
                conn.close()
            except sa_exc.DBAPIError:
                log.debug("closing the live connection failed", exc_info=True)
        if engine is not None:
            engine.dispose()
        self._set(state, detail)
