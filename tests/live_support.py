"""Reading what a database announced (tests of live refresh), the same way on both
backends: a second PostgreSQL connection that LISTENs, or the SQLite change log.

"Nothing was announced" is proved without waiting for a timeout: a marker change is
committed after the action, and everything announced before the marker is what the
action announced (PostgreSQL delivers notifications in commit order).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import select

from discharge_hub import changes
from discharge_hub.db import Database
from discharge_hub.models import ChangeLog
from discharge_hub.services import spells
from tests.core_support import admit

MARKER_N = 900  # the marker patient's test NHS number index


class Announcements:
    def __init__(self, db: Database, db_url: str) -> None:
        self.db = db
        self.marker = admit(db, MARKER_N, ward="Marker ward").id
        self._marks = 0
        self._conn: psycopg.Connection[object] | None = None
        self._seen = 0
        if db.is_sqlite:
            self._seen = self.counter()
        else:
            self._conn = psycopg.connect(db_url, autocommit=True)
            self._conn.execute(f"LISTEN {changes.CHANNEL}")

    def counter(self) -> int:
        with self.db.engine.connect() as conn:
            return changes.counter_value(conn)

    def _mark(self) -> changes.Change:
        self._marks += 1
        with self.db.unit_of_work("marker") as s:
            spells.set_next_action(
                s, spell_id=self.marker, expected_version=None, next_action=f"mark {self._marks}"
            )
        return changes.Change(frozenset({self.marker}))

    def since(self) -> list[changes.Change]:
        """What was announced since the last call, one Change per transaction."""
        marker = self._mark()
        if self._conn is None:
            return self._from_log()[:-1]
        got: list[changes.Change] = []
        for n in self._conn.notifies(timeout=60):
            assert n.channel == changes.CHANNEL
            change = changes.Change.from_payload(n.payload)
            if change == marker and n.payload == marker.payload():
                return got
            got.append(change)
        raise AssertionError(f"the marker change was never announced (got {got})")

    def _from_log(self) -> list[changes.Change]:
        with self.db.engine.connect() as conn:
            now = changes.counter_value(conn)
            rows = conn.execute(
                select(ChangeLog.seq, ChangeLog.all_spells, ChangeLog.spell_ids)
                .where(ChangeLog.seq > self._seen)
                .order_by(ChangeLog.seq)
            ).all()
        assert [r[0] for r in rows] == list(range(self._seen + 1, now + 1)), "one row per bump"
        self._seen = now
        return [
            changes.Change(all=True) if every else changes.Change.from_payload(ids or "")
            for _, every, ids in rows
        ]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


@contextmanager
def announcements(db: Database, db_url: str) -> Iterator[Announcements]:
    found = Announcements(db, db_url)
    try:
        found.since()  # the marker's own admission
        yield found
    finally:
        found.close()


def spells_of(*ids: int) -> changes.Change:
    return changes.Change(frozenset(ids))
