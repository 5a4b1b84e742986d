"""The write phase of the PAS import: the plan's rows and audit trail, in bulk, in one
transaction that holds the write lock as briefly as it can.

First, under the lock, the :class:`~discharge_hub.importer.plan.Guard` and the
versions of the rows to update are checked: if another user changed what the plan
relied on since it was read, :class:`Stale` is raised, the transaction rolls back and
the import plans again from a fresh read. Then:

- **SQLite** (one writer at a time for the whole file): every new row and audit row
  is first copied into TEMP tables of the same connection, outside any write lock
  (writing the temporary database locks nothing). Only then does the connection take
  the write lock, learn the next free ids, and copy the staged rows into the real
  tables with ``INSERT ... SELECT`` (ids and references to new rows worked out in SQL:
  a staged id ``-(n+1)`` is the n-th new row of its table). Other users' saves wait
  only for that copy (``busy_timeout``), never for the file's checks.
- **PostgreSQL** (row locks only: saves on other patients never wait): ids are taken
  from the tables' sequences, the rows are written with ``COPY`` (psycopg), and the
  updates as version-checked ``UPDATE`` statements (SQLAlchemy Core).

Every value goes through its column type's bind processor, so the rows are stored
exactly as the ORM stores them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, text, update

from discharge_hub import clock
from discharge_hub.audit import text_of
from discharge_hub.db import Database, map_db_errors
from discharge_hub.importer.announce import after_write
from discharge_hub.importer.extract import ImportResult
from discharge_hub.importer.plan import Plan
from discharge_hub.importer.records import NOW, Rec
from discharge_hub.importer.snapshot import (
    ACTIVE_PLACEMENT,
    INSERT_ORDER,
    chunks,
    review_marks_stmt,
)
from discharge_hub.models import AuditEntry, Bed, CtrReview, Patient, Placement, Spell, Ward
from discharge_hub.models.base import SUMMARY_COLUMNS

AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "spell_id", "field",
                 "old_value", "new_value", "version")  # fmt: skip
Resolve = Callable[[Any], Any]


class Stale(Exception):
    """Another user changed what the plan relied on since it was read: plan again."""


def write(
    database: Database, plan: Plan, *, before_commit: Callable[[ImportResult], None] | None
) -> None:
    """Write the plan in one transaction, or raise Stale / a DomainError (nothing written).
    ``before_commit(result)`` runs last inside the transaction."""
    moment = clock.now()
    if not (plan.audit or plan.updated or any(plan.new.values())):
        # Nothing changes (a file imported again): no write lock, no transaction.
        if before_commit is not None:
            before_commit(plan.result)
        return
    with map_db_errors(database.permissions):  # a refusal names who is signed in
        if database.is_sqlite:
            _write_sqlite(database, plan, moment, before_commit)
        else:
            _write_postgresql(database, plan, moment, before_commit)


# --- checks under the write lock ----------------------------------------------------------


def _verify(conn: Connection, plan: Plan, *, lock_rows: bool) -> None:
    g = plan.guard
    _none(conn, select(Patient.nhs_number), Patient.nhs_number, g.new_patients)
    _none(conn, select(Spell.patient_id).where(Spell.discharged_at.is_(None)),
          Spell.patient_id, g.readmitted)  # fmt: skip
    _none(conn, select(Placement.spell_id).where(ACTIVE_PLACEMENT), Placement.spell_id,
          g.no_placement)  # fmt: skip
    wards = set(g.new_wards)
    found = _rows(conn, select(Ward.site_id, Ward.name), Ward.site_id, [s for s, _ in wards])
    beds = set(g.new_beds)
    found_beds = _rows(conn, select(Bed.ward_id, Bed.label), Bed.ward_id, [w for w, _ in beds])
    marks = _rows(conn, review_marks_stmt(), CtrReview.spell_id, list(g.reviews))
    if (
        wards & {tuple(r) for r in found}
        or beds & {tuple(r) for r in found_beds}
        or {s: (n, top) for s, n, top in marks} != {s: m for s, m in g.reviews.items() if m[0]}
    ):
        raise Stale
    for model, recs in _by_model(plan.updated).items():
        table = _table(model)
        stmt = select(table.c.id, table.c.version)
        if lock_rows:
            stmt = stmt.with_for_update()
        read = {r.id: r.version_read for r in recs}
        now = dict(_rows(conn, stmt, table.c.id, list(read)))
        if now != read:
            raise Stale


def _rows(conn: Connection, stmt: Any, column: Any, keys: list[Any]) -> list[Any]:
    out: list[Any] = []
    for part in chunks(sorted(set(keys))):
        out += conn.execute(stmt.where(column.in_(part))).all()
    return out


def _none(conn: Connection, stmt: Any, column: Any, keys: list[Any]) -> None:
    if _rows(conn, stmt, column, keys):
        raise Stale


# --- rows as values -------------------------------------------------------------------------


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _by_model(recs: Iterable[Rec]) -> dict[Any, list[Rec]]:
    out: dict[Any, list[Rec]] = defaultdict(list)
    for rec in recs:
        out[rec.model].append(rec)
    return out


def _values(rec: Rec, resolve: Resolve, moment: datetime, actor: str) -> dict[str, Any]:
    values = {k: resolve(v) for k, v in rec.values.items()}
    values["id"] = resolve(rec)
    if rec.versioned:
        values.update(version=rec.version, updated_at=moment, updated_by=actor)
        if rec.is_new:
            values.update(created_at=moment, created_by=actor)
    return values


def _audit_tuples(conn: Connection, plan: Plan, moment: datetime) -> Iterator[tuple[Any, ...]]:
    """The audit rows in AUDIT_COLUMNS order, every id known (PostgreSQL)."""
    (at,) = next(_tuples(conn, _table(AuditEntry), ["at"], [{"at": moment}]))
    now, actor = text_of(moment), plan.actor
    for rec, action, field, old, new, version in plan.audit:
        spell = rec.spell.id if rec.spell is not None else None
        shown: str | None
        if isinstance(new, Rec):
            shown = str(new.id)
        else:
            shown = now if new is NOW else text_of(new)
        yield (at, actor, action, rec.entity, rec.id, spell, field, text_of(old), shown, version)


def _processed(conn: Connection, table: Table, names: list[str]) -> list[Callable[[Any], Any]]:
    """Each column's bind processor for this dialect (identity where it has none)."""
    dialect = conn.dialect
    out: list[Callable[[Any], Any]] = []
    for name in names:
        proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        out.append(_identity if proc is None else _skip_none(proc))
    return out


def _identity(value: Any) -> Any:
    return value


def _skip_none(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else proc(value)


def _tuples(
    conn: Connection, table: Table, names: list[str], rows: Iterable[dict[str, Any]]
) -> Iterator[tuple[Any, ...]]:
    procs = list(zip(names, _processed(conn, table, names), strict=True))
    for row in rows:
        yield tuple(p(row[n]) for n, p in procs)


def _update_existing(conn: Connection, plan: Plan, resolve: Resolve, moment: datetime) -> None:
    """Version-checked UPDATEs of the existing rows the plan changed (all columns)."""
    for model, recs in _by_model(plan.updated).items():
        table = _table(model)
        keys = [k for k in recs[0].values]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("w_id"), table.c.version == bindparam("w_read"))
            .values(
                {k: bindparam(f"v_{k}") for k in [*keys, "version", "updated_at", "updated_by"]}
            )
        )
        params = []
        for rec in recs:
            values = _values(rec, resolve, moment, plan.actor)
            params.append(
                {"w_id": rec.id, "w_read": rec.version_read}
                | {f"v_{k}": values[k] for k in [*keys, "version", "updated_at", "updated_by"]}
            )
        for part in chunks(params, 5000):
            if conn.execute(stmt, list(part)).rowcount != len(part):
                raise Stale


# --- PostgreSQL -------------------------------------------------------------------------------


def _write_postgresql(
    database: Database,
    plan: Plan,
    moment: datetime,
    before_commit: Callable[[ImportResult], None] | None,
) -> None:
    with database.engine.begin() as conn:
        _verify(conn, plan, lock_rows=True)
        for model in INSERT_ORDER:
            recs = plan.new[model]
            if recs:
                name = _table(model).name
                ids = conn.execute(
                    text(f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) "
                         "FROM generate_series(1, :n)"), {"n": len(recs)}
                ).scalars().all()  # fmt: skip
                for rec, rec_id in zip(recs, ids, strict=True):
                    rec.id = int(rec_id)
        resolve = _pg_resolver(moment)
        for model in INSERT_ORDER:
            recs = plan.new[model]
            if recs:
                table = _table(model)
                names = list(_values(recs[0], resolve, moment, plan.actor))
                rows = (_values(r, resolve, moment, plan.actor) for r in recs)
                _copy(conn, table, names, _tuples(conn, table, names, rows))
        _update_existing(conn, plan, resolve, moment)
        _copy(conn, _table(AuditEntry), list(AUDIT_COLUMNS), _audit_tuples(conn, plan, moment))
        after_write(conn, plan, resolve, moment)
        if before_commit is not None:
            before_commit(plan.result)


def _pg_resolver(moment: datetime) -> Resolve:
    def resolve(value: Any) -> Any:
        if isinstance(value, Rec):
            return value.id
        return moment if value is NOW else value

    return resolve


def _copy(
    conn: Connection, table: Table, names: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    raw: Any = conn.connection.dbapi_connection
    columns = ", ".join(f'"{n}"' for n in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


# --- SQLite -------------------------------------------------------------------------------------


def _write_sqlite(
    database: Database,
    plan: Plan,
    moment: datetime,
    before_commit: Callable[[ImportResult], None] | None,
) -> None:
    staged = [m for m in INSERT_ORDER if plan.new[m]]
    with database.engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        try:
            with conn.begin():  # BEGIN DEFERRED: only the TEMP database is written
                _stage(conn, raw, plan, staged, moment)
            conn.execution_options(sqlite_write=True)
            with conn.begin():  # BEGIN IMMEDIATE: the write lock, until COMMIT
                _verify(conn, plan, lock_rows=False)
                bases = {
                    m: int(
                        conn.scalar(text(f'SELECT coalesce(max(id), 0) FROM "{_table(m).name}"'))
                    )
                    for m in staged
                }
                for model in staged:
                    conn.exec_driver_sql(_copy_sql(model, bases))
                _update_existing(conn, plan, _final_resolver(bases, moment), moment)
                conn.exec_driver_sql(_audit_copy_sql(bases))
                after_write(conn, plan, _final_resolver(bases, moment), moment)
                if before_commit is not None:
                    before_commit(plan.result)
        finally:
            for name in [*(_table(m).name for m in staged), "audit"]:
                raw.execute(f'DROP TABLE IF EXISTS temp."stage_{name}"')


def _staged_resolver(moment: datetime) -> Resolve:
    """A new row's id is staged as -(n+1) for the n-th new row of its table."""

    def resolve(value: Any) -> Any:
        if isinstance(value, Rec):
            return -(value.index + 1) if value.is_new else value.id
        return moment if value is NOW else value

    return resolve


def _final_resolver(bases: dict[Any, int], moment: datetime) -> Resolve:
    def resolve(value: Any) -> Any:
        if isinstance(value, Rec):
            return bases[value.model] + value.index + 1 if value.is_new else value.id
        return moment if value is NOW else value

    return resolve


def _stage(conn: Connection, raw: Any, plan: Plan, staged: list[Any], moment: datetime) -> None:
    resolve = _staged_resolver(moment)
    for model in staged:
        table, recs = _table(model), plan.new[model]
        raw.execute(
            f'CREATE TEMP TABLE "stage_{table.name}" AS SELECT * FROM main."{table.name}" WHERE 0'
        )
        names = list(_values(recs[0], resolve, moment, plan.actor))
        rows = (_values(r, resolve, moment, plan.actor) for r in recs)
        raw.executemany(
            f'INSERT INTO temp."stage_{table.name}" ({", ".join(names)}) '
            f"VALUES ({', '.join('?' * len(names))})",
            _tuples(conn, table, names, rows),
        )
    raw.execute(
        'CREATE TEMP TABLE "stage_audit" (at, actor, action, entity, entity_id INTEGER, '
        "spell_id INTEGER, field, old_value, new_value, new_ref_entity, new_ref INTEGER, "
        "version INTEGER)"
    )
    (at,) = next(_tuples(conn, _table(AuditEntry), ["at"], [{"at": moment}]))
    raw.executemany(
        'INSERT INTO temp."stage_audit" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        _staged_audit(plan, at, moment),
    )


def _staged_audit(plan: Plan, at: Any, moment: datetime) -> Iterator[tuple[Any, ...]]:
    """The audit rows with staged ids (see _staged_resolver); a new row's id in
    ``new_value`` is staged as (its table, -(n+1)) and turned into text under the lock."""
    now, actor = text_of(moment), plan.actor
    for rec, action, field, old, new, version in plan.audit:
        assert not isinstance(old, Rec), "an old value is never a row of this import"
        entity_id = rec.id if rec.version_read is not None else -(rec.index + 1)
        spell = rec.spell
        spell_id = (
            None if spell is None
            else spell.id if spell.version_read is not None else -(spell.index + 1)
        )  # fmt: skip
        shown: str | None
        if isinstance(new, Rec):
            if new.version_read is None:
                yield (at, actor, action, rec.entity, entity_id, spell_id, field,
                       text_of(old), None, new.entity, -(new.index + 1), version)  # fmt: skip
                continue
            shown = str(new.id)
        else:
            shown = now if new is NOW else text_of(new)
        yield (at, actor, action, rec.entity, entity_id, spell_id, field,
               text_of(old), shown, None, None, version)  # fmt: skip


def _copy_sql(model: Any, bases: dict[Any, int]) -> str:
    """INSERT ... SELECT of a staged table, its ids and references to new rows resolved."""
    table = _table(model)
    by_name = {_table(m).name: m for m in bases}
    names, exprs = [], []
    for column in table.c:
        if column.name in SUMMARY_COLUMNS:
            continue  # the spell's board summaries: their defaults, then the triggers'
        names.append(f'"{column.name}"')
        if column.name == "id":
            exprs.append(f"{bases[model]} - id")
            continue
        targets = [by_name[fk.column.table.name] for fk in column.foreign_keys
                   if fk.column.table.name in by_name]  # fmt: skip
        c = f'"{column.name}"'
        exprs.append(f"CASE WHEN {c} < 0 THEN {bases[targets[0]]} - {c} ELSE {c} END"
                     if targets else c)  # fmt: skip
    return (f'INSERT INTO main."{table.name}" ({", ".join(names)}) '
            f'SELECT {", ".join(exprs)} FROM temp."stage_{table.name}" ORDER BY rowid')  # fmt: skip


def _audit_copy_sql(bases: dict[Any, int]) -> str:
    base_of = " ".join(f"WHEN '{_table(m).name}' THEN {b}" for m, b in bases.items())
    spell = bases.get(Spell, 0)
    entity_base = f"(CASE entity {base_of} END)" if bases else "0"
    ref_base = f"(CASE new_ref_entity {base_of} END)" if bases else "0"
    return (
        f"INSERT INTO main.audit_entry ({', '.join(AUDIT_COLUMNS)}) "
        "SELECT at, actor, action, entity, "
        f"CASE WHEN entity_id < 0 THEN {entity_base} - entity_id ELSE entity_id END, "
        f"CASE WHEN spell_id < 0 THEN {spell} - spell_id ELSE spell_id END, "
        "field, old_value, "
        f"CASE WHEN new_ref IS NULL THEN new_value ELSE CAST({ref_base} - new_ref AS TEXT) END, "
        'version FROM temp."stage_audit" ORDER BY rowid'
    )
