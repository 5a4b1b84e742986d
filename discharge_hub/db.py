"""Engine, sessions, units of work and start-up migrations.

One unit of work per user action::

    db = Database.open(url)
    with db.unit_of_work(actor="jsmith") as session:
        services.set_edd(session, spell_id=..., edd=..., reason=...)

The unit of work commits on success, rolls back on any error, stamps who/when on
every change and writes the audit trail in the same transaction. Database errors
of the environment (unreachable, locked, conflict) come out as DomainErrors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from discharge_hub import audit, changes, migrate
from discharge_hub.errors import ConflictError, DatabaseError, DomainError
from discharge_hub.models import Versioned

ENV_VAR = "DISCHARGE_HUB_DB"
APP_NAME = "discharge-hub"


def default_sqlite_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "discharge_hub.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``$DISCHARGE_HUB_DB``, then the embedded SQLite file.

    A bare path is taken as a SQLite file; ``postgresql://`` uses psycopg 3.
    """
    chosen = url or os.environ.get(ENV_VAR) or ""
    if not chosen:
        path = default_sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    if chosen.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy control transactions (pysqlite's own BEGIN handling is broken
    # for SAVEPOINT and serialisable semantics; SQLAlchemy docs "Serializable isolation").
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers take the lock up front so two writers queue (busy_timeout) instead of
    # failing mid-transaction when a read lock cannot be upgraded.
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    # No patient data in logs or crash reports: SQLAlchemy would otherwise put the
    # bound values (names, NHS numbers) into every error message it raises.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # JIT off for the whole session: the board's and reports' queries pass PostgreSQL's
    # jit_above_cost (correlated subqueries over long histories) yet run in tens of ms,
    # while compiling them took ~150-300 ms (EXPLAIN ANALYZE, bench/results/board.md).
    connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    # Imported here: keyring (~50 ms) is needed for PostgreSQL only, not on a SQLite start.
    from discharge_hub import credentials

    return create_engine(
        credentials.with_password(url), pool_pre_ping=True, connect_args=connect_args, **kwargs
    )


@dataclass
class Database:
    """A connection to one Discharge Hub database (SQLite file or PostgreSQL)."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(
        cls, url: str | None = None, *, upgrade: bool = True, **engine_kwargs: Any
    ) -> Database:
        """Connect, refuse a newer schema, upgrade to head and sync reference data."""
        resolved = resolve_url(url)
        engine = create_db_engine(resolved, **engine_kwargs)
        try:
            if upgrade:
                migrate.upgrade(engine)
            else:
                migrate.check_not_newer(engine)
        except DomainError:
            engine.dispose()
            raise
        except sa_exc.OperationalError as exc:
            engine.dispose()
            raise DatabaseError(
                f"Cannot open the database {describe_url(resolved)}: {_first_line(exc)}"
            ) from exc
        sessions = sessionmaker(engine, expire_on_commit=False)
        audit.install(sessions)
        changes.install(sessions)
        event.listen(sessions, "before_flush", _remember_versions)
        return cls(resolved, engine, sessions)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def unit_of_work(self, actor: str) -> Iterator[Session]:
        """One transaction for one user action, committed on success."""
        if not actor or not actor.strip():
            raise ValueError("a unit of work needs the acting user")
        with map_db_errors():
            with self.sessions() as session:
                session.info["actor"] = actor
                session.connection(execution_options={"sqlite_write": True})
                try:
                    yield session
                    session.commit()
                except StaleDataError as exc:
                    # The ORM's version check caught a change made since this session read
                    # the row: find who made it, so the user is told (issue 2, item 4).
                    stale = session.info.get(_VERSIONS_READ, [])
                    session.rollback()
                    raise self._conflict(stale) from exc
                except BaseException:
                    session.rollback()
                    raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (nothing is committed)."""
        with map_db_errors():
            with self.sessions() as session:
                session.info["actor"] = "(read)"
                try:
                    yield session
                finally:
                    session.rollback()

    def _conflict(self, stale: list[tuple[type[Any], Any, int | None]]) -> ConflictError:
        with self.sessions() as fresh:
            for model, key, version in stale:
                row = fresh.get(model, key)
                label = model.__tablename__.replace("_", " ")
                if row is None:
                    return ConflictError(label, None, changed_by=None, changed_at=None)
                if row.version != version:
                    return ConflictError(
                        label,
                        row.id,
                        changed_by=row.updated_by,
                        changed_at=row.updated_at,
                        expected_version=version,
                        current_version=row.version,
                    )
        return ConflictError("record", None, changed_by=None, changed_at=None)

    def dispose(self) -> None:
        self.engine.dispose()


_VERSIONS_READ = "versions_read"


def _remember_versions(session: Session, _ctx: Any, _instances: Any) -> None:
    """Before each flush: (model, primary key, version read) of every versioned record
    being saved. A failed flush expires them all, so the conflict is explained from this."""
    out: list[tuple[type[Any], Any, int | None]] = []
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, Versioned):
            state = inspect(obj)
            read = state.committed_state.get("version", state.dict.get("version"))
            out.append((type(obj), state.mapper.primary_key_from_instance(obj), read))
    session.info[_VERSIONS_READ] = out


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def map_db_errors() -> Iterator[None]:
    """The one place where SQLAlchemy/driver errors become errors of the environment."""
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError("record", None, changed_by=None, changed_at=None) from exc
    except sa_exc.OperationalError as exc:
        text = _first_line(exc)
        if "locked" in text or "busy" in text:
            raise DatabaseError(
                "The database is busy (another user is saving). Try again in a moment."
            ) from exc
        raise DatabaseError(f"The database could not be reached: {text}") from exc
    except sa_exc.IntegrityError as exc:
        table = _unique_violation_table(exc)
        if table is None:
            raise  # any other integrity error is a bug, not the environment
        # Two users created the same record at the same moment; the other one saved first.
        raise ConflictError(table, None, changed_by=None, changed_at=None) from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseError("The connection to the database was lost.") from exc
        raise


def _unique_violation_table(exc: sa_exc.IntegrityError) -> str | None:
    """The table (as a label) whose unique constraint ``exc`` violated, else None."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        diag = getattr(orig, "diag", None)
        return str(getattr(diag, "table_name", None) or "record").replace("_", " ")
    text = str(orig)
    if text.startswith("UNIQUE constraint failed: "):  # sqlite3
        return text.split(": ", 1)[1].split(".", 1)[0].replace("_", " ")
    return None
