"""Every committed change announces itself, once, to every client (issue 9, item 5).

Installed on the sessionmaker (``changes.install(sessions)`` in ``Database.open``), so
no service needs code of its own. While a unit of work flushes, :func:`_collect`
notes which spells the changed rows belong to; just before it commits, :func:`_emit`
announces them in the same transaction, so the announcement exists only if the
change commits:

* PostgreSQL: ``SELECT pg_notify('discharge_hub', '<json>')``; listeners on other
  connections receive it when (and only if) the transaction commits.
* SQLite (no NOTIFY): the one row of ``change_counter`` goes up by one and a
  ``change_log`` row keyed by the new value says what changed. Pollers read the
  counter (cheap) and, when it moved, the log rows after the value they last saw.

The payload is ``{"spell_ids": [...]}``, or ``{"all": true}`` when more than
:data:`MAX_SPELLS` spells changed or reference data did (providers and their
vacancies, wards, sites, the code lists), or rows were written by a bulk statement
whose spells are unknown. A transaction that changed nothing shown announces nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, event, func, insert, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from discharge_hub import clock
from discharge_hub.audit import review_of
from discharge_hub.models import (
    Bed,
    ChangeCounter,
    ChangeLog,
    CtrReviewCriterion,
    Patient,
    Spell,
)

CHANNEL = "discharge_hub"
MAX_SPELLS = 500  # more than this: {"all": true} (NOTIFY payloads stop at 8,000 bytes)
LOG_KEEP = 2_000  # change_log rows kept on SQLite; a poller further behind refreshes all
_PRUNE_EVERY = 100
# Bookkeeping: never shown, never announced.
IGNORED_TABLES = frozenset({"audit_entry", "change_counter", "change_log"})
_PENDING = "dh_changes"


@dataclass
class _Pending:
    spell_ids: set[int]
    patient_ids: set[int]
    all: bool = False


@dataclass(frozen=True)
class Change:
    """What one committed transaction changed: some spells, or everything."""

    spell_ids: frozenset[int] = frozenset()
    all: bool = False

    def payload(self) -> str:
        if self.all:
            return '{"all":true}'
        return json.dumps({"spell_ids": sorted(self.spell_ids)}, separators=(",", ":"))

    @classmethod
    def from_payload(cls, text: str) -> Change:
        """Read a notification; anything unreadable is taken as "refresh everything"."""
        try:
            data = json.loads(text)
            if data.get("all") is True:
                return cls(all=True)
            ids = data["spell_ids"]
            return cls(frozenset(int(i) for i in ids))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls(all=True)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "do_orm_execute", _bulk_statement)
    event.listen(factory, "before_commit", _emit)
    event.listen(factory, "after_transaction_end", _forget)


def _pending(session: Session) -> _Pending:
    found = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Pending(set(), set())
    assert isinstance(found, _Pending)
    return found


def _collect(session: Session, _ctx: Any) -> None:
    new, dirty, deleted = list(session.new), list(session.dirty), list(session.deleted)
    if not (new or dirty or deleted):
        return
    pending = _pending(session)
    for obj in new:
        _note(session, pending, obj, inserted=True)
    for obj in dirty:
        if session.is_modified(obj, include_collections=False):
            _note(session, pending, obj, inserted=False)
    for obj in deleted:
        _note(session, pending, obj, inserted=False)


def _note(session: Session, pending: _Pending, obj: Any, *, inserted: bool) -> None:
    table = inspect(obj).mapper.local_table.name
    if table in IGNORED_TABLES or (isinstance(obj, Bed) and inserted):
        return  # a new bed arrives with the spell moved into it
    if isinstance(obj, Spell):
        pending.spell_ids.add(obj.id)
    elif isinstance(obj, Patient):
        pending.patient_ids.add(obj.id)
    elif isinstance(obj, CtrReviewCriterion):
        review = review_of(session, obj)
        if review is not None:
            pending.spell_ids.add(review.spell_id)
    elif isinstance(getattr(obj, "spell_id", None), int):
        pending.spell_ids.add(obj.spell_id)
    else:
        pending.all = True  # reference data, providers, the estate, anything new


def note(session: Session, *, spell_ids: Iterable[int], patient_ids: Iterable[int]) -> None:
    """These spells and patients' spells changed in this transaction, written with SQL
    Core instead of the ORM (the ADT feed's fast route): announced at the commit."""
    pending = _pending(session)
    pending.spell_ids.update(spell_ids)
    pending.patient_ids.update(patient_ids)


def _bulk_statement(state: ORMExecuteState) -> None:
    """UPDATE/DELETE/INSERT statements run through the session bypass the flush: the
    spells they touch are unknown, so they count as a change to everything."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in IGNORED_TABLES:
        return
    _pending(state.session).all = True


def _emit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released, not the transaction committed
    session.flush()  # commit would flush only after this hook: what is pending counts too
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    change = _resolve(session, pending)
    if change is not None:
        announce(session.connection(), change)


def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (commit or rollback)
        session.info.pop(_PENDING, None)


def _resolve(session: Session, pending: _Pending) -> Change | None:
    if pending.all:
        return Change(all=True)
    ids = set(pending.spell_ids)
    if pending.patient_ids:
        ids.update(
            session.scalars(select(Spell.id).where(Spell.patient_id.in_(pending.patient_ids)))
        )
    if not ids:
        return None
    return Change(all=True) if len(ids) > MAX_SPELLS else Change(frozenset(ids))


def announce(conn: Connection, change: Change) -> None:
    """Announce ``change`` in ``conn``'s transaction (delivered if it commits)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_notify(CHANNEL, change.payload())))
        return
    counter = conn.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one()
    conn.execute(
        insert(ChangeLog).values(
            seq=counter,
            at=clock.now(),
            all_spells=change.all,
            spell_ids=None if change.all else change.payload(),
        )
    )
    if counter % _PRUNE_EVERY == 0:
        conn.execute(delete(ChangeLog).where(ChangeLog.seq <= counter - LOG_KEEP))


# --- reading the SQLite counter and log -------------------------------------------------


def counter_value(conn: Connection) -> int:
    """The SQLite change counter (0 before the first change)."""
    return int(conn.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1)) or 0)


def changes_after(conn: Connection, seen: int) -> tuple[int, Change | None]:
    """(counter now, what changed after counter value ``seen``; None if nothing).

    Everything, when the log no longer reaches back to ``seen`` (pruned) or the counter
    went back (the database file was replaced)."""
    now_value = counter_value(conn)
    if now_value == seen:
        return now_value, None
    if now_value < seen:
        return now_value, Change(all=True)
    rows = conn.execute(
        select(ChangeLog.seq, ChangeLog.all_spells, ChangeLog.spell_ids)
        .where(ChangeLog.seq > seen, ChangeLog.seq <= now_value)
        .order_by(ChangeLog.seq)
    ).all()
    if len(rows) != now_value - seen:
        return now_value, Change(all=True)
    return now_value, merge(
        Change(all=True) if every else Change.from_payload(ids or "") for _, every, ids in rows
    )


def merge(changes: Iterable[Change]) -> Change:
    """One change covering all of ``changes``."""
    ids: set[int] = set()
    for change in changes:
        if change.all:
            return Change(all=True)
        ids |= change.spell_ids
    return Change(all=True) if len(ids) > MAX_SPELLS else Change(frozenset(ids))
