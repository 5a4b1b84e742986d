"""The embedded SQLite file never loses a committed save (issue 8, part 1).

The hazard: POSIX advisory locks belong to the process, so any open()/close() of the
database files inside the program (a file dialog listing their folder, a MIME check)
silently releases SQLite's locks; another process that then opens and closes the
database checkpoints and deletes the write-ahead log, and the program's later commits
go into a deleted file. These tests reproduce that sequence on a real file and show
that every commit reported as done is in the file afterwards, or that the write is
refused with a message the user sees. ``/proc/locks`` proves the locks really were
released (the hazard happened), so the tests cannot pass by missing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from discharge_hub.db import Database, sqlite_path
from discharge_hub.errors import DatabaseInUseError, FileReplacedError
from discharge_hub.models import Patient
from tests.cli.conftest import run_cli
from tests.conftest import TODAY, valid_nhs
from tests.core_support import admit

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/locks (Linux)"
)


def files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def my_posix_locks(path: Path) -> int:
    """How many POSIX (fcntl) locks this process holds on the database's files."""
    inodes = {os.stat(f).st_ino for f in files(path) if f.exists()}
    count = 0
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if len(parts) > 5 and parts[1] == "POSIX" and parts[4] == str(os.getpid()):
            if int(parts[5].rsplit(":", 1)[1]) in inodes:
                count += 1
    return count


def stray_open_and_close(path: Path) -> None:
    """What a file dialog's MIME check does: open each file, read a little, close."""
    for f in files(path):
        if f.exists():
            with f.open("rb") as fh:
                fh.read(100)


def nhs_numbers(path: Path) -> set[str]:
    database = Database.open(str(path), read_only=True)
    try:
        with database.read() as s:
            return set(s.scalars(select(Patient.nhs_number)))
    finally:
        database.dispose()


def foreign_program(path: Path, *, write_nhs: str | None = None) -> None:
    """Another program (not Discharge Hub) opens the file with plain SQLite, reads,
    optionally writes, and closes — as the sqlite3 shell or a backup tool would."""
    code = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(path)!r})\n"
        "c.execute('SELECT count(*) FROM patient').fetchone()\n"
        "if len(sys.argv) > 1:\n"
        "    c.execute(\"UPDATE patient SET given_name = 'Foreign' WHERE nhs_number = ?\","
        " (sys.argv[1],))\n"
        "    c.commit()\n"
        "c.close()\n"
    )
    args = [sys.executable, "-c", code, *([write_nhs] if write_nhs else [])]
    subprocess.run(args, check=True, timeout=60)


def one_admission_csv(folder: Path, n: int) -> Path:
    """A PAS extract admitting one new patient (another program's write)."""
    day = TODAY - timedelta(days=3)
    out = folder / "extract.csv"
    out.write_text(
        "nhs_number,family_name,given_name,date_of_birth,site,ward,admitted_at\n"
        f"{valid_nhs(n)},Importer,Ivy,1950-01-02,Leicester Royal Infirmary,Ward 9,"
        f"{day:%Y-%m-%d} 09:00\n",
        encoding="utf-8",
    )
    return out


def test_other_discharge_hub_programs_cannot_lose_a_commit(sqlite_url: str, tmp_path: Path) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    extract = one_admission_csv(tmp_path, 9)
    db = Database.open(sqlite_url)
    try:
        admit(db, 0)
        assert my_posix_locks(path) > 0
        stray_open_and_close(path)
        assert my_posix_locks(path) == 0  # the hazard: SQLite's locks are gone
        reader = run_cli("db", "current", "--db", str(path))
        assert reader.returncode == 0, reader.stderr
        writer = run_cli("import", "csv", str(extract), "--db", str(path))
        assert writer.returncode == 2
        assert "open in another program" in writer.stderr
        assert f"process {os.getpid()}" in writer.stderr and "PostgreSQL" in writer.stderr
        admit(db, 1)  # reported as committed: must be in the file
        stray_open_and_close(path)
        reader = run_cli("db", "current", "--db", str(path))
        assert reader.returncode == 0, reader.stderr
        admit(db, 2)
    finally:
        db.dispose()
    # Every commit reported as done is in the file; the refused import wrote nothing.
    assert nhs_numbers(path) == {valid_nhs(0), valid_nhs(1), valid_nhs(2)}


def test_a_foreign_program_deleting_the_log_gets_the_next_save_refused(
    sqlite_url: str,
) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    db = Database.open(sqlite_url)
    admit(db, 0)
    stray_open_and_close(path)
    foreign_program(path)  # reads and closes: deletes the log it believes unused
    foreign_program(path, write_nhs=valid_nhs(0))
    with pytest.raises(FileReplacedError) as info:
        admit(db, 1)
    assert "another program removed or replaced" in str(info.value)
    assert "close Discharge Hub and open it again" in str(info.value)
    with pytest.raises(FileReplacedError):  # and every later write, too
        admit(db, 2)
    db.dispose()  # keeps its stale connections: closing them could write old pages
    # Everything reported as saved is there; the refused saves are not.
    assert nhs_numbers(path) == {valid_nhs(0)}


def test_one_process_may_open_the_file_twice_and_lets_go_when_done(sqlite_url: str) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    first, second = Database.open(sqlite_url), Database.open(sqlite_url)
    admit(first, 0)
    admit(second, 1)
    first.dispose()
    extract = one_admission_csv(path.parent, 9)
    refused = run_cli("import", "csv", str(extract), "--db", str(path))
    assert refused.returncode == 2 and "open in another program" in refused.stderr
    second.dispose()
    again = run_cli("import", "csv", str(extract), "--db", str(path))  # released
    assert again.returncode == 0, again.stderr
    assert nhs_numbers(path) == {valid_nhs(0), valid_nhs(1), valid_nhs(9)}


def test_the_lock_is_refused_in_process_too_when_another_process_holds_it(
    sqlite_url: str,
) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from discharge_hub.db import Database\n"
            f"d = Database.open({sqlite_url!r}, program='discharge-hub import csv')\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n"
            "d.dispose()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseInUseError) as info:
            Database.open(sqlite_url)
        assert f"discharge-hub import csv (process {holder.pid}" in str(info.value)
    finally:
        holder.communicate("\n", timeout=60)
    Database.open(sqlite_url).dispose()  # free again


def test_disk_full_is_reported_as_such_and_nothing_is_saved(sqlite_url: str) -> None:
    db = Database.open(sqlite_url)
    try:
        admit(db, 0)
        with db.read() as s:
            pages = s.connection().exec_driver_sql("PRAGMA page_count").scalar()
        # A database that may not grow: SQLite answers SQLITE_FULL, as on a full disk.
        from sqlalchemy import event

        db.engine.dispose()
        event.listen(
            db.engine,
            "connect",
            lambda conn, _rec: conn.execute(f"PRAGMA max_page_count = {pages}"),
        )
        from discharge_hub.errors import DatabaseError

        with pytest.raises(DatabaseError) as info:
            with db.unit_of_work("alice") as s:
                for n in range(1, 400):
                    admit_in(s, n)
        assert "disk holding the database is full: nothing was saved" in str(info.value)
        with db.read() as s:
            assert s.scalar(select(func.count(Patient.id))) == 1
    finally:
        db.dispose()


def admit_in(session, n: int) -> None:  # type: ignore[no-untyped-def]
    from discharge_hub.services import spells
    from tests.conftest import admitted, patient

    spells.admit(
        session,
        patient=patient(n, family_name="Long" * 20),
        site="Leicester Royal Infirmary",
        ward="Ward 7",
        bed=f"B{n}",
        admitted_at=admitted(3),
    )
