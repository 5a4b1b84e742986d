"""The one table of rights (access.TABLES): it covers every table and every column that
names who did something; applied, the server's grants are exactly what it says; applying
again changes nothing; eight programs upgrading one database at once migrate it once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import String, text

from discharge_hub import access, migrate
from discharge_hub.db import Database
from discharge_hub.models import Base, Versioned
from tests.cli.conftest import ROOT
from tests.conftest import ROLE_PREFIX, RUN_ID, _pg_admin, pg_url

NOT_ACTORS: set[tuple[str, str]] = set()  # (table, column) ending in _by that is no actor


def test_every_table_has_rules_and_no_rules_lack_a_table() -> None:
    tables = set(Base.metadata.tables) | {"alembic_version"}
    missing = sorted(tables - set(access.TABLES))
    assert not missing, f"add these tables to discharge_hub.access.TABLES: {missing}"
    assert sorted(set(access.TABLES) - tables) == []


def test_every_column_naming_a_person_is_stamped_by_the_server() -> None:
    for name, table in Base.metadata.tables.items():
        rules = access.TABLES[name]
        for column in table.c:
            names_actor = column.name.endswith("_by") or column.name == "actor"
            if names_actor and isinstance(column.type, String) and name != "person":
                assert column.name in rules.actors or (name, column.name) in NOT_ACTORS, (
                    f"{name}.{column.name} names who did it: list it in access.TABLES"
                )
        for column in rules.actors:
            assert column in table.c, f"{name}.{column} is listed but does not exist"


def test_versioned_tables_stamp_creator_and_last_changer() -> None:
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, Versioned):
            rules = access.TABLES[mapper.local_table.name]  # type: ignore[union-attr]
            assert {"created_by", "updated_by"} <= set(rules.actors), mapper.class_.__name__


def test_rights_use_known_roles_and_letters() -> None:
    for name, rules in access.TABLES.items():
        assert set(rules.write) <= set(access.ROLES), name
        assert all(set(letters) <= {"a", "w", "d"} for letters in rules.write.values()), name
        assert set(rules.own_place) <= set(rules.write), name
        if rules.insert_only:
            assert all(set(letters) == {"a"} for letters in rules.write.values()), name


@pytest.mark.postgres
def test_the_server_grants_exactly_what_the_table_says(pg_url_fresh: str) -> None:
    db = Database.open(pg_url_fresh)
    try:
        with db.engine.connect() as conn:
            for table, rules in access.TABLES.items():
                for role in access.ROLES:
                    group = access.group_role(ROLE_PREFIX, role)
                    letters = rules.write.get(role, "")
                    for letter, command in (("a", "INSERT"), ("w", "UPDATE"), ("d", "DELETE")):
                        has = conn.scalar(
                            text("SELECT has_table_privilege(:r, :t, :c)"),
                            {"r": group, "t": table, "c": command},
                        )
                        assert has == (letter in letters), (table, role, command)
                    reads = conn.scalar(
                        text("SELECT has_table_privilege(:r, :t, 'SELECT')"),
                        {"r": group, "t": table},
                    )
                    assert reads == (role in rules.readers), (table, role)
            # Applying again finds everything in step and writes nothing.
            conn.rollback()
            with conn.begin():
                assert access.apply(conn) is False
            public = "SELECT has_database_privilege('public', current_database(), 'CONNECT')"
            assert conn.scalar(text(public)) is False
    finally:
        db.dispose()


def test_the_embedded_audit_trail_is_insert_only_too(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "INSERT INTO audit_entry (at, actor, action, entity) "
            "VALUES ('2026-01-01', 'a', 'insert', 'x')"
        )
        for sql in ("UPDATE audit_entry SET actor = 'b'", "DELETE FROM audit_entry"):
            with pytest.raises(sqlite3.IntegrityError, match="insert-only"):
                conn.execute(sql)
    finally:
        conn.close()


@pytest.mark.postgres
def test_eight_programs_upgrading_one_database_at_once_migrate_it_once(
    pg_template: str, tmp_path: Path
) -> None:
    name = f"dh_race_{RUN_ID}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = pg_url(name)
    try:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "discharge_hub", "db", "upgrade", "--db", url],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(8)
        ]
        results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in runs]
        assert [code for code, _ in results] == [0] * 8, [err for _, err in results]
        assert not any("Traceback" in err for _, err in results)
        db = Database.open(url, read_only=True)
        try:
            with db.engine.connect() as conn:
                assert list(conn.scalars(text("SELECT version_num FROM alembic_version"))) == [
                    migrate.SCHEMA_HEAD
                ]
                assert conn.scalar(text("SELECT count(*) FROM place")) == 3
        finally:
            db.dispose()
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
