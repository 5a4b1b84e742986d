"""The demo's stories as plain rows, written in bulk (issue 12, item 4).

A :class:`Plan` is what the services would have written, step by step, kept in
memory: each :meth:`Plan.insert` or :meth:`Plan.update` is one service call's flush.
It gives the row its id and version, stamps who and when (the story's time, not the
time the demo ran), and records the audit rows and the history facts that flush
would have recorded, by the same rules as :mod:`discharge_hub.audit` (field by field,
only values that changed) and :mod:`discharge_hub.facts` (the spell's six facts and
each placement's state). The story (:mod:`discharge_hub.demo_story`) checks every
step with the services' own rule functions before it asks the plan to make it.

:func:`write` then inserts every table's rows with one executemany each, the audit
rows likewise, and the history through :func:`discharge_hub.facts.write` (the chain of
each fact worked out in one pass). The board summaries on ``spell`` are kept by the
database's triggers (:mod:`discharge_hub.summaries`), as for any other writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, inspect, select, text

from discharge_hub import clock
from discharge_hub.audit import text_of
from discharge_hub.facts import SPELL_FACTS, Fact
from discharge_hub.facts import write as write_facts
from discharge_hub.models import (
    AuditEntry,
    Barrier,
    Bed,
    Carer,
    CarerContact,
    CtrReview,
    CtrReviewCriterion,
    EddChange,
    HubReferral,
    Patient,
    Placement,
    Red2GreenDay,
    Spell,
    Versioned,
    Ward,
)
from discharge_hub.models.base import BOOKKEEPING_COLUMNS, SUMMARY_COLUMNS, UtcDateTime
from discharge_hub.models.fact import LOCATION, PLACEMENT

# Parents before children: the order the rows are inserted in.
MODELS: tuple[Any, ...] = (
    Ward,
    Bed,
    Patient,
    Spell,
    EddChange,
    CtrReview,
    CtrReviewCriterion,
    HubReferral,
    Placement,
    Barrier,
    Carer,
    CarerContact,
    Red2GreenDay,
)
_AUDITED: dict[Any, tuple[str, ...]] = {
    m: tuple(
        a.key for a in inspect(m).column_attrs if a.key not in BOOKKEEPING_COLUMNS and a.key != "id"
    )
    for m in MODELS
}
_DEFAULTS: dict[Any, dict[str, Any]] = {
    m: {
        a.key: a.columns[0].default.arg
        for a in inspect(m).column_attrs
        if a.columns[0].default is not None and a.columns[0].default.is_scalar
    }
    for m in MODELS
}
_COLUMNS: dict[Any, tuple[str, ...]] = {
    m: tuple(a.key for a in inspect(m).column_attrs if a.key not in SUMMARY_COLUMNS) for m in MODELS
}


@dataclass(eq=False)
class Rec:
    """One row of the plan: its values as they are after the last step."""

    model: Any
    id: int
    values: dict[str, Any]
    spell_id: int | None  # the spell its audit rows belong to
    version: int | None = None
    created: tuple[datetime, str] | None = None
    updated: tuple[datetime, str] | None = None
    # Each flush of a versioned row: its time and its audit rows (see Plan.finish).
    flushes: list[tuple[datetime, list[dict[str, Any]]]] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)  # a column never set is NULL


@dataclass
class Plan:
    """Rows, audit rows and history facts of the steps taken so far."""

    actor: str
    next_ids: dict[Any, int]
    rows: dict[Any, list[Rec]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    last_at: dict[int, datetime] = field(default_factory=dict)  # spell -> its latest step

    def insert(self, model: Any, at: datetime, **values: Any) -> Rec:
        """A new row, as one flush of a service adds it, at ``at`` (naive UK time)."""
        row_id = self.next_ids[model]
        self.next_ids[model] = row_id + 1
        full = {**_DEFAULTS[model], **values}
        full.pop("version", None)
        spell_id: int | None = full.get("spell_id")
        if model is CtrReviewCriterion:
            spell_id = self._review_spell(full["review_id"])
        elif model is Spell:
            spell_id = row_id
        rec = Rec(model, row_id, full, spell_id)
        if issubclass(model, Versioned):
            rec.version, rec.created = 1, (at, self.actor)
            rec.updated = rec.created
        self.rows.setdefault(model, []).append(rec)
        audited = [(k, full.get(k)) for k in _AUDITED[model] if full.get(k) is not None]
        base = self._audit_base(rec, "insert", at)
        rows = [{**base, "field": key, "old_value": None, "new_value": text_of(value)}
                for key, value in audited]  # fmt: skip
        if not audited:
            rows.append({**base, "field": None, "old_value": None, "new_value": None})
        self._add_audit(rec, at, rows)
        self._facts_of_insert(rec, at)
        return rec

    def update(self, rec: Rec, at: datetime, **changes: Any) -> bool:
        """Change some values of a row, as one flush does (a new version, an audit row
        per field that changed, the facts that changed, holding from ``at``). Returns
        whether anything changed."""
        changed = {k: v for k, v in changes.items() if rec.values.get(k) != v}
        if not changed:
            return False
        old = {k: rec.values.get(k) for k in changed}
        rec.values.update(changed)
        if rec.version is not None:
            rec.version += 1
            rec.updated = (at, self.actor)
        base = self._audit_base(rec, "update", at)
        rows = [
            {**base, "field": key, "old_value": text_of(old[key]), "new_value": text_of(value)}
            for key, value in changed.items()
            if key in _AUDITED[rec.model] and text_of(old[key]) != text_of(value)
        ]
        self._add_audit(rec, at, rows)
        self._facts_of_update(rec, set(changed), at)
        return True

    def _add_audit(self, rec: Rec, at: datetime, rows: list[dict[str, Any]]) -> None:
        self.audit += rows
        if rec.spell_id is not None:
            self.last_at[rec.spell_id] = max(at, self.last_at.get(rec.spell_id, at))
        if rec.version is not None:
            rec.flushes.append((at, rows))

    def finish(self) -> None:
        """Number each versioned row's flushes in the order of their story times.

        A story is told a thread at a time (all the EDD changes, then the reviews...),
        so a row's changes are not made in time order; each field's are. Numbered by
        time, the versions read like a trail kept as it happened, and the row's
        ``updated_at`` is its latest change."""
        for recs in self.rows.values():
            for rec in recs:
                if rec.version is None or not rec.flushes:
                    continue
                first, *later = rec.flushes
                ordered = [first, *sorted(later, key=lambda f: f[0])]
                for number, (_at, rows) in enumerate(ordered, start=1):
                    for row in rows:
                        row["version"] = number
                rec.version = len(ordered)
                rec.updated = (ordered[-1][0], self.actor)
        self.audit.sort(key=lambda row: row["at"])  # stable: a flush's rows stay together

    def _review_spell(self, review_id: int) -> int:
        for review in reversed(self.rows.get(CtrReview, [])):
            if review.id == review_id:
                return int(review["spell_id"])
        raise KeyError(review_id)

    def _audit_base(self, rec: Rec, action: str, at: datetime) -> dict[str, Any]:
        entity_id = rec["review_id"] if rec.model is CtrReviewCriterion else rec.id
        return {
            "at": at,
            "actor": self.actor,
            "action": action,
            "entity": rec.model.__tablename__,
            "entity_id": entity_id,
            "spell_id": rec.spell_id,
            "version": rec.version,
        }

    def _facts_of_insert(self, rec: Rec, at: datetime) -> None:
        if rec.model is Spell:
            since = clock.as_utc(rec["admitted_at"])
            for kind, pairs in SPELL_FACTS.items():
                values = tuple((column, rec.values.get(attr)) for attr, column in pairs)
                if kind == LOCATION or any(v is not None for _c, v in values):
                    self.facts.append(Fact(rec.id, kind, since, values))
        elif rec.model is Placement:
            self._placement_fact(rec, at)

    def _facts_of_update(self, rec: Rec, changed: set[str], at: datetime) -> None:
        if rec.model is Spell:
            for kind, pairs in SPELL_FACTS.items():
                if changed & {attr for attr, _c in pairs}:
                    values = tuple((column, rec.values.get(attr)) for attr, column in pairs)
                    self.facts.append(Fact(rec.id, kind, clock.as_utc(at), values))
        elif rec.model is Placement and "state" in changed:
            self._placement_fact(rec, at)

    def _placement_fact(self, rec: Rec, at: datetime) -> None:
        values = (("state", rec["state"]),)
        self.facts.append(Fact(rec["spell_id"], PLACEMENT, clock.as_utc(at), values, rec.id))


# --- writing ---------------------------------------------------------------------------


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def first_ids(conn: Connection) -> dict[Any, int]:
    """The next free id of every table the plan writes (the demo's database is empty of
    patients, and its unit of work holds the write lock: SQLite, or PostgreSQL's
    sequences moved on after the write by :func:`write`)."""
    out: dict[Any, int] = {}
    for model in MODELS:
        if model is CtrReviewCriterion:
            out[model] = 0  # no id of its own
            continue
        out[model] = int(conn.scalar(select(func.max(_table(model).c.id))) or 0) + 1
    return out


def _row(rec: Rec) -> dict[str, Any]:
    row = {k: rec.values.get(k) for k in _COLUMNS[rec.model]}
    if "id" in row:
        row["id"] = rec.id
    if rec.version is not None and rec.created and rec.updated:
        row.update(version=rec.version, created_at=rec.created[0], created_by=rec.created[1],
                   updated_at=rec.updated[0], updated_by=rec.updated[1])  # fmt: skip
    return row


def _processor(conn: Connection, column: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor for this dialect (None: values go as they are);
    for instants, remembered per value (a story has many steps at the same minute)."""
    proc = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if proc is None:
        return None
    if isinstance(column.type, UtcDateTime | DateTime):
        return lru_cache(maxsize=None)(lambda value: None if value is None else proc(value))
    return lambda value: None if value is None else proc(value)


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Driver-ready tuples, every value through its column type's bind processor (as
    the ORM stores it), without SQLAlchemy's per-row work: one executemany on SQLite,
    ``COPY`` on PostgreSQL (as the PAS import writes)."""
    names = list(rows[0])
    procs = [(n, _processor(conn, table.c[n])) for n in names]
    columns = [[row[n] for row in rows] for n in names]
    ready = [
        c if p is None else [p(v) for v in c] for c, (_n, p) in zip(columns, procs, strict=True)
    ]
    tuples = list(zip(*ready, strict=True))
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        quoted = ", ".join(f'"{n}"' for n in names)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy,
        ):
            for row in tuples:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", tuples)


def write(conn: Connection, plan: Plan, *, moment: datetime) -> None:
    """Insert the plan's rows, audit rows and history facts (``moment``: when the
    history was recorded) on ``conn``, in its transaction."""
    plan.finish()
    for model in MODELS:
        recs = plan.rows.get(model)
        if recs:
            _insert(conn, _table(model), [_row(r) for r in recs])
    if plan.audit:
        _insert(conn, _table(AuditEntry), plan.audit)
    write_facts(conn, plan.facts, actor=plan.actor, moment=moment)
    if conn.dialect.name == "postgresql":
        for model in MODELS:
            if model is not CtrReviewCriterion and plan.rows.get(model):
                name = _table(model).name
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )  # fmt: skip
                )
