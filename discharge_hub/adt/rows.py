"""Patient and spell rows as the fast route holds them, and their set-based write.

The fast route (:mod:`.fast`) changes :class:`Held` rows, not ORM objects, and
:class:`Writes` writes what a run of messages changed in a few statements: the new
patients, then the new spells (multi-row INSERT ... RETURNING), the updates as
version-checked UPDATEs sent together (one executemany a table and set of columns),
the audit rows (COPY on PostgreSQL), the history facts (:func:`discharge_hub.facts.write`)
and the live-refresh notice (:func:`discharge_hub.changes.note`). Through the ORM,
each changed row costs its own UPDATE: on PostgreSQL, a round trip each.

What is written is what the ORM's flush hooks write for the same changes
(:mod:`discharge_hub.audit`, :mod:`discharge_hub.facts`): each change of a row is a
version of its own, with its own audit rows; a row changed twice is written once with
the last values and the version after both. Each UPDATE still checks the version the
row had when it was read: a row another user changed meanwhile is not overwritten,
:class:`Stale` is raised and the caller rolls the batch back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, inspect, update
from sqlalchemy.orm import Session

from discharge_hub import changes, clock, facts
from discharge_hub.audit import actor_of, text_of
from discharge_hub.models import AuditEntry, Patient, Spell
from discharge_hub.models.base import BOOKKEEPING_COLUMNS
from discharge_hub.models.fact import LOCATION

PATIENT: Table = Patient.__table__  # type: ignore[assignment]
SPELL: Table = Spell.__table__  # type: ignore[assignment]
_MODELS: dict[str, Any] = {"patient": Patient, "spell": Spell}
# The columns a row holds and writes (the spell's board summaries are the triggers').
COLUMNS = {
    t.name: [c.name for c in t.c if c.name != "id" and c.name not in BOOKKEEPING_COLUMNS]
    for t in (PATIENT, SPELL)
}
LOCATION_COLUMNS = ("site_id", "ward_id", "bed_id")
AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "spell_id", "field",
                 "old_value", "new_value", "version")  # fmt: skip


class Stale(Exception):
    """A row changed since it was read (or a write was refused): roll the batch back."""


@dataclass(eq=False)  # held by identity (dict keys, sets)
class Held:
    """A patient or spell row: its values now, the version after the last change, the
    version in the database (None: not inserted yet) and the columns changed since."""

    table: str  # "patient" / "spell"
    values: dict[str, Any]
    id: int | None = None
    version: int = 1
    read: int | None = None
    changed: set[str] = field(default_factory=set)
    patient: Held | None = None  # a spell's patient (a new one's id comes at the write)


# (row, action, field, old value, new value — a Held: its id —, version)
_Audit = tuple[Held, str, str, Any, Any, int]


class Writes:
    """Changes to held rows, not written yet."""

    def __init__(self) -> None:
        self.rows: dict[Held, None] = {}  # touched, in order
        self.audit: list[_Audit] = []
        self.facts: list[tuple[Held, datetime, tuple[tuple[str, Any], ...]]] = []  # locations

    def __bool__(self) -> bool:
        return bool(self.rows)

    def insert(self, row: Held) -> None:
        """A new row (audited as the ORM audits an insert: each value given)."""
        self.rows[row] = None
        for name in COLUMNS[row.table]:
            value = row.patient if name == "patient_id" else row.values.get(name)
            if value is not None:
                self.audit.append((row, "insert", name, None, value, 1))
        if row.table == "spell":
            self.located(row, clock.as_utc(row.values["admitted_at"]))

    def update(self, row: Held, values: dict[str, Any]) -> bool:
        """Change these columns (a new version, if any value differs). True: changed."""
        diff = {k: v for k, v in values.items() if row.values[k] != v}
        if not diff:
            return False
        self.rows[row] = None
        row.version += 1
        for name in COLUMNS[row.table]:
            if name in diff and text_of(row.values[name]) != text_of(diff[name]):
                self.audit.append((row, "update", name, row.values[name], diff[name], row.version))
        row.values.update(diff)
        row.changed.update(diff)
        return True

    def located(self, spell: Held, since: datetime) -> None:
        """The spell's location holds from ``since`` (a history fact)."""
        values = tuple((c, spell.values[c]) for c in LOCATION_COLUMNS)
        self.facts.append((spell, since, values))

    # --- the write ------------------------------------------------------------------------

    def write(self, session: Session) -> None:
        """Write every change in the session's transaction (Stale: a row changed meanwhile)."""
        if not self.rows:
            return
        conn = session.connection()
        moment, actor = clock.now(), actor_of(session)
        rows = list(self.rows)
        for table in (PATIENT, SPELL):
            _insert(conn, table, [r for r in rows if r.table == table.name and r.id is None],
                    moment, actor)  # fmt: skip
        for table in (PATIENT, SPELL):
            _update(conn, table, [r for r in rows if r.table == table.name and r.changed],
                    moment, actor)  # fmt: skip
        _write_audit(conn, self.audit, moment, actor)
        history = [facts.Fact(_id(s), LOCATION, since, values) for s, since, values in self.facts]
        facts.write(conn, history, actor=actor, moment=moment)
        changes.note(
            session,
            spell_ids=[_id(r) for r in rows if r.table == "spell"],
            patient_ids=[_id(r) for r in rows if r.table == "patient"],
        )
        for row in rows:  # what the session may hold of these rows is out of date
            key = inspect(_MODELS[row.table]).identity_key_from_primary_key((_id(row),))
            found = session.identity_map.get(key)
            if found is not None:
                session.expire(found)
        self.rows, self.audit, self.facts = {}, [], []


def _id(row: Held) -> int:
    assert row.id is not None, "written rows have their ids"
    return row.id


def _stamp(row: Held, moment: datetime, actor: str) -> dict[str, Any]:
    return {"version": row.version, "updated_at": moment, "updated_by": actor}


def _insert(conn: Connection, table: Table, rows: list[Held], moment: datetime, actor: str) -> None:
    if not rows:
        return
    params = []
    for row in rows:
        values = {name: row.values.get(name) for name in COLUMNS[table.name]}
        if row.patient is not None:
            values["patient_id"] = _id(row.patient)
        params.append(
            values | _stamp(row, moment, actor) | {"created_at": moment, "created_by": actor}
        )
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for row, row_id in zip(rows, conn.execute(stmt, params).scalars(), strict=True):
        row.id, row.read = int(row_id), row.version
        if row.patient is not None:
            row.values["patient_id"] = row.patient.id
        row.changed.clear()


def _update(conn: Connection, table: Table, rows: list[Held], moment: datetime, actor: str) -> None:
    """Version-checked UPDATEs, one executemany per set of changed columns."""
    groups: dict[frozenset[str], list[Held]] = {}
    for row in rows:
        groups.setdefault(frozenset(row.changed), []).append(row)
    for names, group in groups.items():
        keys = [*sorted(names), "version", "updated_at", "updated_by"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("w_id"), table.c.version == bindparam("w_read"))
            .values({k: bindparam(f"v_{k}") for k in keys})
        )
        params = []
        for row in group:
            values = row.values | _stamp(row, moment, actor)
            params.append(
                {"w_id": row.id, "w_read": row.read} | {f"v_{k}": values[k] for k in keys}
            )
        if conn.execute(stmt, params).rowcount != len(params):
            raise Stale(f"a {table.name} row changed since it was read")
        for row in group:
            row.read = row.version
            row.changed.clear()


def _write_audit(conn: Connection, audit: list[_Audit], moment: datetime, actor: str) -> None:
    if not audit:
        return
    rows = []
    for row, action, name, old, new, version in audit:
        shown = text_of(_id(new)) if isinstance(new, Held) else text_of(new)
        spell_id = row.id if row.table == "spell" else None
        rows.append((moment, actor, action, row.table, row.id, spell_id, name,
                     text_of(old), shown, version))  # fmt: skip
    table: Table = AuditEntry.__table__  # type: ignore[assignment]
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), [dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in rows])
        return
    at = table.c.at.type.bind_processor(conn.dialect)
    stored = at(moment) if at is not None else moment
    raw: Any = conn.connection.dbapi_connection
    columns = ", ".join(AUDIT_COLUMNS)
    with raw.cursor() as cursor, cursor.copy(f"COPY audit_entry ({columns}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row((stored, *r[1:]))
