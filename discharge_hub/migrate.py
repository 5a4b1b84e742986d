"""Alembic, run programmatically: upgrade at start-up, refuse a newer database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from discharge_hub.errors import DatabaseTooNewError

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_not_newer(engine: Engine) -> str | None:
    """Return the database's revision; raise if this program does not know it."""
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


def upgrade(engine: Engine) -> None:
    """Bring the schema to head, then load the reference lists from ``resources/``."""
    from discharge_hub import reference  # local: reference imports models

    check_not_newer(engine)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    reference.sync(engine)
