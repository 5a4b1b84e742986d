"""Who changed what: stamps every change with its actor and writes the audit trail.

Installed on a sessionmaker; works for every model without per-service code, so no
change can skip the audit. The audit rows are inserted on the same connection, in
the same transaction, as the change they describe.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from discharge_hub import clock
from discharge_hub.clock import as_utc
from discharge_hub.models import AuditEntry, CtrReview, CtrReviewCriterion, Spell
from discharge_hub.models.base import BOOKKEEPING_COLUMNS, Versioned

NOT_AUDITED = frozenset({"audit_entry", "change_counter", "change_log", "adt_message"})
PENDING = "audit_pending"  # session.info key: rows held by batch_writes


def actor_of(session: Session) -> str:
    actor = session.info.get("actor")
    if not actor or actor == "(read)":
        raise RuntimeError("this session has no acting user: use Database.unit_of_work(actor)")
    return str(actor)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _stamp)
    event.listen(factory, "after_flush", _write_audit)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "do_orm_execute", _before_audit_query)


def batch_writes(session: Session) -> None:
    """Hold this session's audit rows and insert them together: before the commit (in
    the same transaction, so the trail is complete or nothing is saved) and before any
    ORM query of the audit trail in this session. The rows are the same as unbatched
    (each stamped when its flush ran); for a unit of work of many flushes."""
    session.info.setdefault(PENDING, [])


def _write_pending(session: Session) -> None:
    rows = session.info.get(PENDING)
    if rows:
        session.info[PENDING] = []
        session.connection().execute(insert(AuditEntry), rows)


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING) is not None:
        session.flush()  # the last changes' rows join the batch before it is written
        _write_pending(session)


def _before_audit_query(state: Any) -> None:
    if state.session.info.get(PENDING) and _names_audit(state):
        _write_pending(state.session)


def _names_audit(state: Any) -> bool:
    """The query selects audit rows or columns, or selects from the audit table (cheap
    checks only: this runs before every ORM query of a batched session)."""
    if any(m.class_ is AuditEntry for m in state.all_mappers):
        return True
    explicit = getattr(state.statement, "_from_obj", ())
    return any(getattr(f, "name", None) == AuditEntry.__tablename__ for f in explicit)


def _stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    if not (session.new or session.dirty):
        return
    actor = actor_of(session)
    moment = clock.now()
    for obj in session.new:
        if isinstance(obj, Versioned):
            obj.created_at = obj.updated_at = moment
            obj.created_by = obj.updated_by = actor
    for obj in session.dirty:
        if isinstance(obj, Versioned) and session.is_modified(obj, include_collections=False):
            obj.updated_at = moment
            obj.updated_by = actor


def text_of(value: Any) -> str | None:
    """A value as the audit trail records it (shared with the bulk PAS import)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # As stored: UTC. A naive value is UK wall-clock time (see UtcDateTime).
        return as_utc(value).isoformat(timespec="seconds")
    if isinstance(value, date | Decimal):
        return str(value) if not isinstance(value, date) else value.isoformat()
    return str(value)


def _spell_id(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Spell):
        return obj.id
    if isinstance(obj, CtrReviewCriterion):
        # A ticked criterion belongs to its review's spell; the History tab needs it.
        review = review_of(session, obj)
        return review.spell_id if review is not None else None
    value = getattr(obj, "spell_id", None)
    return value if isinstance(value, int) else None


def review_of(session: Session, criterion: CtrReviewCriterion) -> CtrReview | None:
    """The criterion's review, without a query when the review is new in this flush (it
    enters the identity map only after the flush events) or already loaded."""
    for obj in session.new:
        if isinstance(obj, CtrReview) and obj.id == criterion.review_id:
            return obj
    return session.get(CtrReview, criterion.review_id)


def _entity_id(obj: Any) -> int | None:
    # Not ``state.identity``: a row inserted in this flush gets its identity key only
    # after ``after_flush``, so inserts would be audited without their id.
    if isinstance(obj, CtrReviewCriterion):
        return obj.review_id  # composite key: the review it was ticked in
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if len(key) == 1 and isinstance(key[0], int):
        return key[0]
    return None


def _rows_for(
    session: Session, obj: Any, action: str, actor: str, moment: datetime
) -> list[dict[str, Any]]:
    state = inspect(obj)
    table = state.mapper.local_table.name
    if table in NOT_AUDITED:
        return []
    base = {
        "at": moment,
        "actor": actor,
        "action": action,
        "entity": table,
        "entity_id": _entity_id(obj),
        "spell_id": _spell_id(session, obj),
        # After the flush the ORM has already moved the version counter on.
        "version": obj.version if isinstance(obj, Versioned) else None,
    }
    rows: list[dict[str, Any]] = []
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in BOOKKEEPING_COLUMNS or key == "id":
            continue
        hist = state.attrs[key].history
        if action == "insert":
            new = getattr(obj, key)
            if new is None:
                continue
            rows.append({**base, "field": key, "old_value": None, "new_value": text_of(new)})
        elif action == "delete":
            old = (
                hist.unchanged[0] if hist.unchanged else (hist.deleted[0] if hist.deleted else None)
            )
            rows.append({**base, "field": key, "old_value": text_of(old), "new_value": None})
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if text_of(old) != text_of(new):
                rows.append(
                    {**base, "field": key, "old_value": text_of(old), "new_value": text_of(new)}
                )
    if not rows and action != "update":
        rows.append({**base, "field": None, "old_value": None, "new_value": None})
    return rows


def _write_audit(session: Session, _ctx: Any) -> None:
    changes = [(o, "insert") for o in session.new]
    changes += [(o, "update") for o in session.dirty]
    changes += [(o, "delete") for o in session.deleted]
    if not changes:
        return
    actor = actor_of(session)
    moment = clock.now()
    rows: list[dict[str, Any]] = []
    for obj, action in changes:
        rows.extend(_rows_for(session, obj, action, actor, moment))
    if not rows:
        return
    pending = session.info.get(PENDING)
    if pending is not None:
        pending.extend(rows)
    else:
        session.connection().execute(insert(AuditEntry), rows)
