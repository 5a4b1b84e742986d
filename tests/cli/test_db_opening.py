"""Opening a database from the command line: a user's mistake gets one plain line and
exit 2, never a traceback; read-only commands never create or upgrade anything
(issue 8, part 4)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from discharge_hub.db import create_db_engine, resolve_url
from tests.cli.conftest import run_cli

READ_ONLY_COMMANDS = (
    ("db", "current"),
    ("report", "huddle", "--date", "2026-11-20", "--out", "{out}/h.pdf"),
    ("export", "sitrep", "--date", "2026-11-20", "--out", "{out}/s.csv"),
)


def command(args: tuple[str, ...], out: Path) -> list[str]:
    return [a.format(out=out) for a in args]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain_refusal(result, *phrases: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("discharge-hub: "), result.stderr
    for phrase in phrases:
        assert phrase in result.stderr


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_never_create_a_database(args, tmp_path: Path) -> None:
    missing = tmp_path / "mistyped.sqlite3"
    result = run_cli(*command(args, tmp_path), "--db", str(missing))
    plain_refusal(result, f"No database at {missing}", "db upgrade")
    assert not missing.exists() and not missing.with_name(missing.name + "-wal").exists()


def test_import_does_not_create_a_database_either(tmp_path: Path) -> None:
    extract = tmp_path / "x.csv"
    extract.write_text("nhs_number,family_name\n", encoding="utf-8")
    missing = tmp_path / "nothing.sqlite3"
    result = run_cli("import", "csv", str(extract), "--db", str(missing))
    assert result.returncode == 2 and not missing.exists()


def foreign_sqlite(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.execute("INSERT INTO recipes VALUES ('scones')")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    "args", [*READ_ONLY_COMMANDS, ("db", "upgrade")], ids=lambda a: " ".join(a[:2])
)
def test_a_sqlite_file_of_another_program_is_left_alone(args, tmp_path: Path) -> None:
    other = foreign_sqlite(tmp_path / "recipes.db")
    before = sha(other)
    result = run_cli(*command(args, tmp_path), "--db", str(other))
    plain_refusal(result, "is not a Discharge Hub database", "recipes")
    assert sha(other) == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("ward round notes\n", encoding="utf-8")
    for args in (("db", "current"), ("db", "upgrade")):
        result = run_cli(*args, "--db", str(notes))
        plain_refusal(result, "is not a Discharge Hub database", "not a SQLite file")
    assert notes.read_text(encoding="utf-8") == "ward round notes\n"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    plain_refusal(run_cli("db", "upgrade", "--db", str(tmp_path)), "is a folder")


@pytest.mark.parametrize("url", ["smb://fileserver/share/hub.sqlite3", "mysql://h/db"])
def test_an_unsupported_kind_of_address_is_refused(url: str) -> None:
    plain_refusal(run_cli("db", "current", "--db", url), "is not a kind of database")


def test_two_rows_in_alembic_version_are_reported_not_crashed(db_url: str) -> None:
    engine = create_db_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0000')"))
    finally:
        engine.dispose()
    for args in (("db", "current"), ("db", "upgrade")):
        plain_refusal(run_cli(*args, "--db", db_url), "damaged schema record (2 rows")
