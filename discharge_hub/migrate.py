"""Alembic, run programmatically: upgrade at start-up, refuse a newer database.

A database already at :data:`SCHEMA_HEAD` (every start but the first after an update)
is recognised with one plain query of ``alembic_version``, without importing Alembic
(its import, with Mako and Pygments, was ~200 ms of a 2 s cold start). Alembic is
loaded only to upgrade, or to tell an older schema from a newer one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from discharge_hub.errors import (
    DatabaseError,
    DatabaseTooNewError,
    NoDatabaseError,
    NotADatabaseError,
)

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"

# The newest revision in migrations/versions. A new migration must update this
# (tests/test_migrations.py checks it against Alembic's own head).
SCHEMA_HEAD = "0006"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def stored_revisions(engine: Engine) -> list[str]:
    """The revisions in ``alembic_version`` (none for an empty database), by plain SQL."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return list(conn.scalars(text("SELECT version_num FROM alembic_version")))


def check_not_newer(engine: Engine) -> str | None:
    """Return the database's revision; raise if this program does not know it."""
    stored = stored_revisions(engine)
    if not stored:
        return None
    if stored == [SCHEMA_HEAD]:
        return SCHEMA_HEAD
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        current = current_revision(conn)
    if current is None:
        return None
    try:
        script.get_revision(current)
    except Exception as exc:  # alembic raises several kinds for an unknown revision
        raise DatabaseTooNewError(
            f"This database was created by a newer version of Discharge Hub "
            f"(schema revision {current}; this program knows up to {head_revision()}). "
            "Install the newer version of the program; the database was not changed."
        ) from exc
    return current


def check_ours(engine: Engine, label: str) -> list[str]:
    """The stored revisions; refuse a database of another program or a damaged record."""
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        revisions: list[str] = []
        if "alembic_version" in tables:
            revisions = list(conn.scalars(text("SELECT version_num FROM alembic_version")))
    if len(revisions) > 1:
        raise DatabaseError(
            f"{label} has a damaged schema record ({len(revisions)} rows in alembic_version "
            "where there must be one); nothing was changed. Restore the database from a "
            "backup, or ask the Discharge Hub team to repair it."
        )
    foreign = sorted(t for t in tables if t != "alembic_version")
    if not revisions and foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise NotADatabaseError(
            f"{label} is not a Discharge Hub database (it holds tables of another program: "
            f"{shown}); nothing was changed. Check the --db path."
        )
    return revisions


def check_readable(engine: Engine, label: str, *, any_revision: bool = False) -> str | None:
    """For commands that only read: the schema must be ours and (unless
    ``any_revision``) at this program's head. Never changes anything."""
    revisions = check_ours(engine, label)
    if not revisions:
        if any_revision:
            return None
        raise NoDatabaseError(
            f"{label} holds no Discharge Hub data yet — create it with `discharge-hub db upgrade`."
        )
    current = check_not_newer(engine)
    if not any_revision and current != SCHEMA_HEAD:
        raise DatabaseError(
            f"{label} is at schema revision {current}; this program needs {SCHEMA_HEAD}. "
            "Run `discharge-hub db upgrade` first; nothing was changed."
        )
    return current


# pg_advisory_lock key ("DHUB"): advisory locks are scoped to one database, so this
# serialises the upgrades of one database only.
UPGRADE_LOCK = 0x44485542


def upgrade(engine: Engine, label: str = "The database") -> None:
    """Bring the schema to head, load the reference lists from ``resources/`` and apply
    the access rules (:mod:`discharge_hub.access`) — once, however many programs start
    at the same moment (a PostgreSQL advisory lock; on SQLite the program lock).

    A signed-in person (not the owner of the schema) changes nothing: a database at
    head is used as it is; an older one is refused with what to do."""
    from discharge_hub import access, reference  # local: reference imports models

    with _upgrade_lock(engine):
        check_ours(engine, label)
        current = check_not_newer(engine)
        owner = may_change_schema(engine)
        if not owner:
            if current != SCHEMA_HEAD:
                raise DatabaseError(
                    f"{label} is at schema revision {current or '(empty)'}; this program "
                    f"needs {SCHEMA_HEAD}. Ask IT to run `discharge-hub db upgrade` with the "
                    "database owner's login; nothing was changed."
                )
            return
        if current != SCHEMA_HEAD:
            _run_migrations(engine)
        reference.sync(engine)
        with engine.begin() as conn:
            access.apply(conn)


def _run_migrations(engine: Engine) -> None:
    from alembic import command

    with engine.connect() as conn, _sqlite_foreign_keys_off(conn), conn.begin():
        command.upgrade(alembic_config(conn), "head")
        if conn.dialect.name == "sqlite":  # what the switched-off keys did not check
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


def may_change_schema(engine: Engine) -> bool:
    """Whether this login may migrate: always on SQLite; on PostgreSQL a superuser, the
    owner of the schema's tables, or (empty database) a role that may create tables."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT r.rolsuper OR coalesce((SELECT pg_has_role(current_user, "
                    "t.tableowner, 'MEMBER') FROM pg_tables t WHERE t.tablename = "
                    "'alembic_version' AND t.schemaname = current_schema()), "
                    "has_schema_privilege(current_schema(), 'CREATE')) "
                    "FROM pg_roles r WHERE r.rolname = current_user"
                )
            )
        )


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's upgrade lock (PostgreSQL) while the body runs. Another
    program starting meanwhile waits, then finds the schema at head: it migrates once,
    where without the lock each would try to create the same tables (UniqueViolation)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        conn.commit()  # the lock is the session's: no transaction is left open meanwhile
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
            conn.commit()


@contextmanager
def _sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it into a new one and dropping the old, which
    foreign keys from other tables' rows forbid: they are switched off around the
    migration (outside its transaction, where SQLite honours it) and the result is
    checked before it commits (Alembic's advice for batch mode)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
