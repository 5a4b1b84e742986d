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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from discharge_hub import audit, changes, facts, migrate, sqlite_file
from discharge_hub.db_errors import DISK_FULL, first_line, is_disk_full, opening_error
from discharge_hub.db_errors import map_db_errors as map_db_errors  # its public name here
from discharge_hub.errors import ConflictError, DatabaseError, PermissionDeniedError
from discharge_hub.models import Versioned
from discharge_hub.services import people
from discharge_hub.services.people import Permissions

ENV_VAR = "DISCHARGE_HUB_DB"
APP_NAME = "discharge-hub"


def default_sqlite_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "discharge_hub.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``$DISCHARGE_HUB_DB``, then the embedded SQLite file.

    A bare path is taken as a SQLite file; ``postgresql://`` uses psycopg 3. Any other
    kind of address (``smb://``, ``file://``, ``mysql://``) is refused with a message.
    """
    chosen = (url or os.environ.get(ENV_VAR) or "").strip()
    if not chosen:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in chosen:
        sqlite_file.check_local(chosen)  # a UNC path, before resolving loses its // start
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    scheme = chosen.split("://", 1)[0].lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + chosen.split("://", 1)[1]
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return chosen
    raise DatabaseError(
        f"{scheme}:// is not a kind of database Discharge Hub can open. Give the path of a "
        "SQLite file on this computer, or postgresql://user@host/database for the shared "
        "database."
    )


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = parsed.database
    if name.startswith("file:"):  # a URI filename
        name = name[5:].split("?", 1)[0]
    return Path(name)


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


def _sqlite_read_only_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA busy_timeout=10000")
    dbapi_conn.execute("PRAGMA query_only=ON")


def _read_only_engine(path: Path, **kwargs: Any) -> Engine:
    """An engine that reads the file without ever writing it (see sqlite_file)."""
    kwargs.setdefault("hide_parameters", True)
    last: Exception | None = None
    for url in sqlite_file.read_only_urls(path):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_read_only_on_connect)
        event.listen(engine, "begin", _sqlite_begin_listener(_GuardRef()))
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
            return engine
        except sa_exc.OperationalError as exc:
            engine.dispose()
            last = exc
    raise DatabaseError(f"Cannot open the database {path}: {first_line(last or Exception())}")


def _check_ours_read_only(path: Path) -> None:
    """Refuse another program's SQLite file without changing a byte of it."""
    engine = _read_only_engine(path)
    try:
        with map_db_errors():
            migrate.check_ours(engine, describe_url(f"sqlite:///{path}"))
    finally:
        engine.dispose()


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"Cannot create the folder {path.parent} for the database: {exc.strerror or exc}"
        ) from exc


def _prepare_schema(engine: Engine, resolved: str, *, upgrade: bool, any_revision: bool) -> None:
    label = describe_url(resolved)
    try:
        if upgrade:
            migrate.upgrade(engine, label)
        else:
            migrate.check_readable(engine, label, any_revision=any_revision)
    except sa_exc.DBAPIError as exc:
        engine.dispose()
        if is_disk_full(exc):
            raise DatabaseError(DISK_FULL) from exc
        if isinstance(exc, sa_exc.OperationalError | sa_exc.DatabaseError):
            raise opening_error(exc, label) from exc
        raise
    except BaseException:
        engine.dispose()
        raise


@dataclass
class _GuardRef:
    """Filled once the database is open: the file guard the ``begin`` listener checks."""

    guard: sqlite_file.FileGuard | None = None


def _sqlite_begin_listener(ref: _GuardRef) -> Any:
    def on_begin(conn: Any) -> None:
        if ref.guard is not None:
            ref.guard.check()  # never write into a log another program deleted
        # Writers take the lock up front so two writers queue (busy_timeout) instead of
        # failing mid-transaction when a read lock cannot be upgraded.
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return on_begin


def create_db_engine(url: str, *, guard_ref: _GuardRef | None = None, **kwargs: Any) -> Engine:
    # No patient data in logs or crash reports: SQLAlchemy would otherwise put the
    # bound values (names, NHS numbers) into every error message it raises.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_listener(guard_ref or _GuardRef()))
        return engine
    # JIT off for the whole session: the board's and reports' queries pass PostgreSQL's
    # jit_above_cost (correlated subqueries over long histories) yet run in tens of ms,
    # while compiling them took ~150-300 ms (EXPLAIN ANALYZE, bench/results/board.md).
    connect_args = {"options": "-c jit=off", **CONNECT_ARGS, **kwargs.pop("connect_args", {})}
    # Imported here: keyring (~50 ms) is needed for PostgreSQL only, not on a SQLite start.
    from discharge_hub import credentials

    return create_engine(
        credentials.with_password(url), pool_pre_ping=True, connect_args=connect_args, **kwargs
    )


# A server that does not answer is reported within seconds, not after the operating
# system's TCP timeout (minutes); keepalives notice a dead link while a query waits.
CONNECT_ARGS = {
    "connect_timeout": 5,
    "application_name": "discharge-hub",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


@dataclass
class Database:
    """A connection to one Discharge Hub database (SQLite file or PostgreSQL)."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    read_only: bool = False
    permissions: Permissions = field(default_factory=people.single_user)
    _guard: sqlite_file.FileGuard | None = None
    _lock_key: str | None = None

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        upgrade: bool = True,
        create: bool = True,
        read_only: bool = False,
        any_revision: bool = False,
        program: str = "Discharge Hub",
        **engine_kwargs: Any,
    ) -> Database:
        """Connect; refuse a newer or a foreign schema; upgrade to head and sync the
        reference lists (``upgrade``), else require the schema at head (unless
        ``any_revision``). ``read_only`` never creates, upgrades or writes anything;
        ``create=False`` refuses a SQLite path where no file exists yet. On the embedded
        file a writing program holds it alone (:mod:`discharge_hub.sqlite_file`)."""
        resolved = resolve_url(url)
        if read_only:
            upgrade = create = False
        path = sqlite_path(resolved)
        if path is not None:
            return cls._open_sqlite(
                resolved, path, upgrade=upgrade, create=create, read_only=read_only,
                any_revision=any_revision, program=program, **engine_kwargs,
            )  # fmt: skip
        engine = create_db_engine(resolved, **engine_kwargs)
        _prepare_schema(engine, resolved, upgrade=upgrade, any_revision=any_revision)
        return cls._finish(resolved, engine, read_only=read_only)

    @classmethod
    def _open_sqlite(
        cls,
        resolved: str,
        path: Path,
        *,
        upgrade: bool,
        create: bool,
        read_only: bool,
        any_revision: bool,
        program: str,
        **engine_kwargs: Any,
    ) -> Database:
        sqlite_file.check_local(path)
        if not create:
            sqlite_file.require_existing(path)
        if path.exists():
            sqlite_file.check_is_sqlite(path)
            if not read_only:  # before a writing connection turns on WAL in its header
                _check_ours_read_only(path)
        if read_only:
            engine = _read_only_engine(path, **engine_kwargs)
            _prepare_schema(engine, resolved, upgrade=False, any_revision=any_revision)
            return cls._finish(resolved, engine, read_only=True)
        _make_folder(path)
        key = sqlite_file.acquire_program_lock(path, program)
        ref = _GuardRef()
        try:
            sqlite_file.create_private(path)
            engine = create_db_engine(resolved, guard_ref=ref, **engine_kwargs)
            _prepare_schema(engine, resolved, upgrade=upgrade, any_revision=any_revision)
            ref.guard = sqlite_file.FileGuard.start(path)
            sqlite_file.make_private(path)
        except BaseException:
            sqlite_file.release_program_lock(key)
            raise
        database = cls._finish(resolved, engine, read_only=False)
        database._guard, database._lock_key = ref.guard, key
        return database

    @classmethod
    def _finish(cls, resolved: str, engine: Engine, *, read_only: bool) -> Database:
        sessions = sessionmaker(engine, expire_on_commit=False)
        audit.install(sessions)
        facts.install(sessions)
        changes.install(sessions)
        event.listen(sessions, "before_flush", _remember_versions)
        database = cls(resolved, engine, sessions, read_only=read_only)
        if engine.dialect.name == "postgresql":
            database.permissions = _signed_in(database)
        return database

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def unit_of_work(self, actor: str) -> Iterator[Session]:
        """One transaction for one user action, committed on success."""
        if not actor or not actor.strip():
            raise ValueError("a unit of work needs the acting user")
        if self.read_only:
            raise DatabaseError("This database was opened read-only; nothing can be saved.")
        if self.permissions.enforced:
            actor = self.permissions.actor  # what the server stamps (access_sql.dh_actor)
        with map_db_errors(self.permissions):
            with self.sessions() as session:
                session.info["actor"] = actor
                session.info["permissions"] = self.permissions
                session.connection(execution_options={"sqlite_write": True})
                try:
                    yield session
                    session.commit()
                    if self._guard is not None:
                        self._guard.check("after")  # a log deleted during the save
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
        with map_db_errors(self.permissions):
            with self.sessions() as session:
                session.info["actor"] = "(read)"
                session.info["permissions"] = self.permissions
                try:
                    yield session
                finally:
                    session.rollback()

    def _conflict(
        self, stale: list[tuple[type[Any], Any, int | None]]
    ) -> ConflictError | PermissionDeniedError:
        with self.sessions() as fresh:
            for model, key, version in stale:
                row = fresh.get(model, key)
                label = model.__tablename__.replace("_", " ")
                if row is None:
                    return ConflictError(label, None, changed_by=None, changed_at=None)
                if row.version == version:  # unchanged: the server hid it (row security)
                    return PermissionDeniedError(
                        f"Not allowed for {self.permissions.who}: the database refused the "
                        f"change to this {label}. Nothing was saved."
                    )
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
        if self._guard is not None and self._guard.broken is not None:
            return  # keep stale connections open: closing them could checkpoint old pages
        self.engine.dispose()
        if self._guard is not None:
            self._guard.close()
            self._guard = None
        if self._lock_key is not None:
            sqlite_file.release_program_lock(self._lock_key)
            self._lock_key = None


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


def _signed_in(database: Database) -> Permissions:
    """Who the server says this login is (after the schema is in place)."""
    with map_db_errors(), database.sessions() as session:
        if session.scalar(text("SELECT to_regprocedure('dh_whoami()') IS NOT NULL")):
            return people.signed_in(session)
        # An older schema opened to read its revision: no people yet.
        user = database.engine.url.username or "?"
        return Permissions(user, None, frozenset(), enforced=False)
