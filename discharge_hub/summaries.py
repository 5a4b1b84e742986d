"""Per-spell summaries of child rows, stored on ``spell`` for the board (issue 12).

The board shows, for every open spell, the latest placement state, the number of
carers and the last carer contact, the number of open barriers and the next one.
Computed per row with correlated subqueries they were most of the board's cost;
stored on the spell they cost what the spell's own columns cost.

They are kept by database triggers on the four child tables (``placement``,
``carer``, ``carer_contact``, ``barrier``), in the transaction of the write that
alters them, whoever writes: the services, bulk import, ``bench/build_data.py``, raw
SQL. :func:`discharge_hub.access.apply` installs them after every upgrade (so a
SQLite batch migration that recreates a child table, dropping its triggers, gets
them back); migration 0005 added the columns and filled them for existing rows.
On PostgreSQL the trigger functions are SECURITY DEFINER: social care may move a
placement on but not update a spell.

``discharge-hub db check`` (:func:`out_of_step`) compares every stored summary with
what the child rows say; ``--repair`` recomputes those that differ (:func:`refresh`).

Every summary is recomputed from the child rows (never incremented), so a trigger is
right whatever the write did; a column's SQL is below, once, for the triggers, the
check and the repair alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

# Summary column on ``spell`` -> (child table, its value for the spell ``spell.id``).
COLUMNS: dict[str, tuple[str, str]] = {
    "placement_state": (
        "placement",
        "(SELECT p.state FROM placement p WHERE p.spell_id = spell.id "
        "ORDER BY p.state_changed_at DESC, p.id DESC LIMIT 1)",
    ),
    "carer_count": ("carer", "(SELECT count(*) FROM carer c WHERE c.spell_id = spell.id)"),
    "last_carer_contact_at": (
        "carer_contact",
        "(SELECT max(cc.contact_at) FROM carer_contact cc WHERE cc.spell_id = spell.id)",
    ),
    "open_barrier_count": (
        "barrier",
        "(SELECT count(*) FROM barrier b WHERE b.spell_id = spell.id AND b.state = 'open')",
    ),
    "next_open_barrier": (
        "barrier",
        "(SELECT b.description FROM barrier b WHERE b.spell_id = spell.id "
        "AND b.state = 'open' ORDER BY b.due_date IS NULL, b.due_date, b.id LIMIT 1)",
    ),
}

# The child columns whose change can alter a summary (UPDATE OF …): other updates
# (a carer's assessment, a placement's notes) fire nothing.
WATCHED: dict[str, tuple[str, ...]] = {
    "placement": ("spell_id", "state", "state_changed_at"),
    "carer": ("spell_id",),
    "carer_contact": ("spell_id", "contact_at"),
    "barrier": ("spell_id", "state", "due_date", "description"),
}
TABLES = tuple(WATCHED)
TRIGGER_PREFIX = "dh_summary_"


def columns_of(table: str) -> dict[str, str]:
    return {col: expr for col, (child, expr) in COLUMNS.items() if child == table}


def set_clause(table: str | None = None) -> str:
    """``col = (subquery), …`` for the summaries of one child table (None: all)."""
    chosen = columns_of(table) if table else {c: e for c, (_t, e) in COLUMNS.items()}
    return ", ".join(f"{col} = {expr}" for col, expr in chosen.items())


# --- the triggers ---------------------------------------------------------------------


def sqlite_triggers() -> dict[str, str]:
    """Trigger name -> its CREATE TRIGGER statement (SQLite)."""
    out: dict[str, str] = {}
    for table, watched in WATCHED.items():
        sets = set_clause(table)
        bodies = {
            "insert": ("INSERT", f"UPDATE spell SET {sets} WHERE id = NEW.spell_id;"),
            "delete": ("DELETE", f"UPDATE spell SET {sets} WHERE id = OLD.spell_id;"),
            "update": (
                f"UPDATE OF {', '.join(watched)}",
                f"UPDATE spell SET {sets} WHERE id IN (OLD.spell_id, NEW.spell_id);",
            ),
        }
        for kind, (event, body) in bodies.items():
            name = f"{TRIGGER_PREFIX}{table}_{kind}"
            out[name] = (
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END"
            )
    return out


def install_sqlite(conn: Connection) -> None:
    """Create the missing triggers, replace those whose definition changed; a database
    already in step is not written to (no schema change at every start)."""
    present: dict[str, str] = dict(
        conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            (TRIGGER_PREFIX + "%",),
        ).all()
    )
    for name, create in sqlite_triggers().items():
        if present.get(name) != create:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(create)


def sqlite_drops() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {TRIGGER_PREFIX}{table}_{kind}"
        for table in TABLES
        for kind in ("insert", "update", "delete")
    ]


_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"


def pg_functions() -> list[str]:
    """One trigger function per child table (SECURITY DEFINER: the spell is updated
    with the owner's rights, whoever changed the child row)."""
    out = []
    for table in TABLES:
        sets = set_clause(table)
        out.append(
            f"CREATE OR REPLACE FUNCTION {TRIGGER_PREFIX}{table}() RETURNS trigger "
            f"LANGUAGE plpgsql {_DEFINER} AS $$\n"
            "BEGIN\n"
            "  IF TG_OP <> 'INSERT' THEN\n"
            f"    UPDATE spell SET {sets} WHERE id = OLD.spell_id;\n"
            "  END IF;\n"
            "  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' "
            "AND NEW.spell_id IS DISTINCT FROM OLD.spell_id) THEN\n"
            f"    UPDATE spell SET {sets} WHERE id = NEW.spell_id;\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END\n$$"
        )
    return out


def pg_triggers(table: str) -> list[str]:
    """The trigger of one child table (PostgreSQL); [] for other tables."""
    if table not in WATCHED:
        return []
    watched = ", ".join(WATCHED[table])
    return [
        f"CREATE OR REPLACE TRIGGER {TRIGGER_PREFIX}{table} "
        f"AFTER INSERT OR DELETE OR UPDATE OF {watched} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_PREFIX}{table}()"
    ]


def pg_drop_functions() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {TRIGGER_PREFIX}{table}()" for table in TABLES]


def install(conn: Connection) -> None:
    """Create (or replace) the triggers in ``conn``'s transaction."""
    if conn.dialect.name == "sqlite":
        install_sqlite(conn)
        return
    for statement in pg_functions() + [s for t in TABLES for s in pg_triggers(t)]:
        conn.exec_driver_sql(statement)


# --- check and repair -----------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    spell_id: int
    column: str
    stored: Any
    expected: Any

    def describe(self) -> str:
        return (
            f"spell {self.spell_id}: {self.column} is {self.stored!r}, "
            f"its rows say {self.expected!r}"
        )


def out_of_step(conn: Connection, spell_ids: list[int] | None = None) -> list[Mismatch]:
    """Every stored summary that differs from what the child rows say (all spells, or
    the given ones), in spell order."""
    same = "IS" if conn.dialect.name == "sqlite" else "IS NOT DISTINCT FROM"
    stored = ", ".join(f"spell.{col}" for col in COLUMNS)
    computed = ", ".join(expr for _t, expr in COLUMNS.values())
    differs = " OR ".join(f"NOT (spell.{col} {same} {expr})" for col, (_t, expr) in COLUMNS.items())
    where = f"({differs})"
    if spell_ids is not None:
        if not spell_ids:
            return []
        where += f" AND spell.id IN ({', '.join(str(int(i)) for i in spell_ids)})"
    sql = f"SELECT spell.id, {stored}, {computed} FROM spell WHERE {where} ORDER BY spell.id"
    out: list[Mismatch] = []
    n = len(COLUMNS)
    for row in conn.exec_driver_sql(sql):
        for k, col in enumerate(COLUMNS):
            if row[1 + k] != row[1 + n + k]:
                out.append(Mismatch(row[0], col, row[1 + k], row[1 + n + k]))
    return out


def refresh(conn: Connection, spell_ids: list[int] | None = None) -> int:
    """Recompute the summaries of the given spells (None: every spell); rows updated."""
    sql = f"UPDATE spell SET {set_clause()}"
    if spell_ids is not None:
        if not spell_ids:
            return 0
        sql += f" WHERE id IN ({', '.join(str(int(i)) for i in spell_ids)})"
    return int(conn.exec_driver_sql(sql).rowcount)
