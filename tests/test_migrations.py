"""Migrations: an empty database upgrades to head, models and migrations agree, a newer
database is refused untouched, upgrading is idempotent, reference data is in step."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text, update

from discharge_hub import migrate, reference
from discharge_hub.db import Database, create_db_engine, resolve_url
from discharge_hub.errors import DatabaseTooNewError
from discharge_hub.models import Base, DelayReason, Pathway
from tests.conftest import RUN_ID, _pg_admin, pg_url
from tests.core_support import db_fingerprint

ROOT = Path(__file__).resolve().parent.parent
_names = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it at all (not from the migrated template)."""
    if request.param == "sqlite":
        yield resolve_url(str(tmp_path / "empty.sqlite3"))
        return
    request.getfixturevalue("pg_template")  # skips/fails like the other PG tests
    name = f"dh_empty_{RUN_ID}_{next(_names)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield resolve_url(pg_url(name))
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_empty_database_upgrades_to_head_and_matches_the_models(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.connect() as conn:
            assert migrate.current_revision(conn) is None
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
        assert schema_diffs(engine) == []
    finally:
        engine.dispose()


def test_upgrade_is_idempotent_and_reference_data_is_loaded(db: Database) -> None:
    with db.read() as s:
        for model, filename, _keys, _mapper in reference.TABLES:
            count = s.scalar(select(func.count()).select_from(model))
            assert count == len(reference.read_csv(filename)), filename
        assert s.get(Pathway, "P0") is not None and not s.get(Pathway, "P0").through_hub  # type: ignore[union-attr]
        assert {r.list_version for r in s.scalars(select(DelayReason))} >= {"acute-2023"}
    before = db_fingerprint(db)
    migrate.upgrade(db.engine)
    migrate.upgrade(db.engine)
    reference.sync(db.engine)
    assert db_fingerprint(db) == before
    with db.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    assert schema_diffs(db.engine) == []


def test_reference_sync_restores_a_changed_label_and_keeps_ids(db: Database) -> None:
    with db.read() as s:
        ids = {c: i for c, i in s.execute(select(DelayReason.code, DelayReason.id))}
        label = s.get(Pathway, "P1").label  # type: ignore[union-attr]
    with db.engine.begin() as conn:
        conn.execute(update(Pathway).where(Pathway.code == "P1").values(label="Stale"))
    reference.sync(db.engine)
    with db.read() as s:
        assert s.get(Pathway, "P1").label == label  # type: ignore[union-attr]
        assert {c: i for c, i in s.execute(select(DelayReason.code, DelayReason.id))} == ids


def stamp_future(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
        # Reference sync would put this back: proof that a refused database is untouched.
        conn.execute(update(Pathway).where(Pathway.code == "P1").values(label="Future label"))


def state(engine: Engine) -> tuple[str | None, str, list[str]]:
    with engine.connect() as conn:
        rev = migrate.current_revision(conn)
        label = conn.scalar(select(Pathway.label).where(Pathway.code == "P1"))
    return rev, str(label), sorted(inspect(engine).get_table_names())


def test_a_newer_database_is_refused_and_left_untouched(db_url: str) -> None:
    engine = create_db_engine(resolve_url(db_url))
    try:
        stamp_future(engine)
        before = state(engine)
        for upgrade in (True, False):
            with pytest.raises(DatabaseTooNewError) as info:
                Database.open(db_url, upgrade=upgrade)
            assert "9999_from_the_future" in str(info.value)
            assert "newer version" in str(info.value) and "not changed" in str(info.value)
        with pytest.raises(DatabaseTooNewError):
            migrate.upgrade(engine)
        assert state(engine) == before
    finally:
        engine.dispose()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "discharge_hub", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_db_current_and_upgrade_commands(tmp_path: Path) -> None:
    path = tmp_path / "cli.sqlite3"
    first = cli("db", "upgrade", "--db", str(path))
    assert first.returncode == 0, first.stderr
    database = Database.open(str(path), upgrade=False)
    try:
        before = db_fingerprint(database)
        current = cli("db", "current", "--db", str(path))
        assert current.returncode == 0, current.stderr
        assert migrate.head_revision() in current.stdout and "up to date" in current.stdout
        assert db_fingerprint(database) == before
        stamp_future(database.engine)
    finally:
        database.dispose()
    refused = cli("db", "current", "--db", str(path))
    assert refused.returncode == 2 and "newer version" in refused.stderr


def test_schema_head_constant_is_alembics_head() -> None:
    """The start-up shortcut trusts SCHEMA_HEAD: a new migration must move it too."""
    assert migrate.SCHEMA_HEAD == migrate.head_revision()


def test_opening_a_database_at_head_skips_alembic_but_still_syncs_labels(db_url: str) -> None:
    """At head, opening needs no Alembic import (cold start), and a reference label
    changed since (here: in the database, as if the CSV had changed) is synced."""
    engine = create_db_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(update(Pathway).where(Pathway.code == "P1").values(label="Stale"))
        assert migrate.stored_revisions(engine) == [migrate.SCHEMA_HEAD]
    finally:
        engine.dispose()
    unwanted = ("alembic", "mako") if "postgres" in db_url else ("alembic", "mako", "keyring")
    code = (
        "import sys\n"
        "from discharge_hub.db import Database\n"
        f"Database.open({db_url!r}).dispose()\n"
        f"print(sorted(m for m in {unwanted!r} if m in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    engine = create_db_engine(resolve_url(db_url))
    try:
        with engine.connect() as conn:
            label = conn.scalar(select(Pathway.label).where(Pathway.code == "P1"))
        wanted = next(r["label"] for r in reference.read_csv("pathways.csv") if r["code"] == "P1")
        assert label == wanted != "Stale"
    finally:
        engine.dispose()


def test_an_empty_database_reports_no_stored_revision(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        assert migrate.stored_revisions(engine) == []
        assert migrate.check_not_newer(engine) is None
        assert inspect(engine).get_table_names() == []  # looking created nothing
    finally:
        engine.dispose()


def test_0002_gives_existing_providers_a_code_and_a_vacancy_history(empty_url: str) -> None:
    """A database at 0001 with providers: upgraded, each gets a placeholder CQC code, its
    vacancy date becomes an instant (UK midnight) and the first row of its history."""
    from alembic import command

    engine = create_db_engine(empty_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0001")
        stamp = "'2026-01-02 03:04:05', 'setup', '2026-01-02 03:04:05', 'setup'"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO provider (id, name, capacity, capacity_unit, vacancies,"
                    " vacancies_on, phone, version, created_at, created_by, updated_at, updated_by)"
                    f" VALUES (7, 'Old Home', 10, 'beds', 2, '2026-07-01', NULL, 1, {stamp}),"
                    f" (8, 'No Date', 5, 'beds', 0, NULL, NULL, 1, {stamp})"
                )
            )
            # Rows that refer to the providers: SQLite copies the provider table.
            conn.execute(
                text(
                    "INSERT INTO place (code, name, council) VALUES"
                    " ('E06000016', 'Leicester', 'Leicester City Council')"
                )
            )
            conn.execute(text("INSERT INTO provider_place VALUES (7, 'E06000016')"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, code, vacancies_as_of FROM provider ORDER BY id")
            ).all()
            history = conn.execute(
                text("SELECT provider_id, vacancies, as_of, recorded_by FROM provider_vacancy")
            ).all()
            counter = conn.scalar(text("SELECT value FROM change_counter WHERE id = 1"))
        assert [(i, c) for i, c, _ in rows] == [(7, "1-000000007"), (8, "1-000000008")]
        # 1 July is summer time: UK midnight is 23:00 UTC the day before.
        assert str(rows[0][2])[:19] == "2026-06-30 23:00:00" and rows[1][2] is None
        assert [(p, v, str(a)[:19], by) for p, v, a, by in history] == [
            (7, 2, "2026-06-30 23:00:00", "setup")
        ]
        assert counter is not None and counter >= 0
        with engine.connect() as conn:
            places = conn.execute(text("SELECT provider_id, place_code FROM provider_place"))
            assert places.all() == [(7, "E06000016")]
        assert schema_diffs(engine) == []
    finally:
        engine.dispose()
