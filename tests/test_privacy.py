"""No patient data in logs, file errors or PDF metadata; files holding patient data are
owner-only; the embedded database stays off network shares; the single user is the
operating system's record of the login, not an environment variable."""

from __future__ import annotations

import io
import logging
import os
import pwd
import stat
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import text

from discharge_hub import importer, logs, sqlite_file
from discharge_hub.db import Database
from discharge_hub.errors import DatabaseError
from discharge_hub.reports import render
from discharge_hub.reports.common import write_atomically
from discharge_hub.services import people
from tests.cli.conftest import run_cli
from tests.conftest import valid_nhs
from tests.core_support import admit

NHS = valid_nhs(3)


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- logs ------------------------------------------------------------------------------------


def test_scrub_removes_server_details_and_masks_nhs_numbers() -> None:
    message = (
        'duplicate key value violates unique constraint "uq_patient_nhs_number"\n'
        f"DETAIL:  Key (nhs_number)=({NHS}) already exists.\n"
        'new row for relation "patient" violates check constraint\n'
        "  Failing row contains (7, O'Neill, Zoë, 1940-05-17).\n"
        f"shown as {NHS[:3]} {NHS[3:6]} {NHS[6:]}; at 2026-11-24 10:30:00,123 pid 123456"
    )
    out = logs.scrub(message)
    assert NHS not in out and NHS[6:] not in out and "O'Neill" not in out
    assert "DETAIL: [removed" in out and "[NHS number]" in out
    assert "2026-11-24 10:30:00,123 pid 123456" in out  # dates and small numbers stay


@pytest.mark.postgres
def test_a_logged_database_error_carries_no_patient_data(pg_url_fresh: str, tmp_path: Path) -> None:
    db = Database.open(pg_url_fresh)
    admit(db, 3)
    handler = logs.PrivateRotatingFileHandler(tmp_path / "x.log", maxBytes=10_000, backupCount=1)
    handler.setFormatter(logs.ScrubbingFormatter(logs.FORMAT))
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(handler)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO patient (nhs_number, family_name, given_name, date_of_birth, "
                    "sex, interpreter_needed, version, created_at, created_by, updated_at, "
                    f"updated_by) SELECT '{NHS}', 'X', 'Y', date_of_birth, sex, false, 1, "
                    "created_at, 'x', updated_at, 'x' FROM patient"
                )
            )
    except Exception:
        logger.exception("saving failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
        db.dispose()
    written = (tmp_path / "x.log").read_text(encoding="utf-8")
    assert "UniqueViolation" in written and "Traceback" in written  # the bug is logged
    assert NHS not in written and "Key (nhs_number)" not in written
    assert mode(tmp_path / "x.log") == 0o600


def test_the_command_line_keeps_an_owner_only_log_file(sqlite_url: str) -> None:
    result = run_cli("db", "current", "--db", sqlite_url)
    assert result.returncode == 0, result.stderr
    path = Path(os.environ["XDG_STATE_HOME"]) / "discharge-hub" / "log" / logs.LOG_FILE
    assert path.exists() and mode(path) == 0o600


def test_a_csv_without_its_header_is_refused_without_echoing_the_patient(tmp_path: Path) -> None:
    source = tmp_path / "pas.csv"
    source.write_text(
        f"{NHS},Featherstonehaugh,Ottoline,17/05/1940,F,Leicester Royal Infirmary,Ward 7,"
        "B1,01/11/2026 10:00\n"
        f"{valid_nhs(4)},Smith,Ann,01/01/1950,F,Leicester Royal Infirmary,Ward 7,B2,"
        "01/11/2026 11:00\n",
        encoding="utf-8",
    )
    with pytest.raises(importer.ImportFileError) as info:
        importer.read_extract(source)
    message = str(info.value)
    for secret in (NHS, "Featherstonehaugh", "Ottoline", "17/05/1940"):
        assert secret not in message
    assert "header row missing" in message and "column 2" in message


def test_a_misspelt_column_is_named_with_its_likely_meaning(tmp_path: Path) -> None:
    source = tmp_path / "pas.csv"
    header = ",".join(importer.COLUMNS).replace("nhs_number", "nhs_numbr")
    source.write_text(header + "\n" + ",".join("x" for _ in importer.COLUMNS) + "\n")
    with pytest.raises(importer.ImportFileError, match=r"'nhs_numbr' \(did you mean nhs_number"):
        importer.read_extract(source)


# --- files -----------------------------------------------------------------------------------


def test_the_embedded_database_and_its_journal_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = Database.open(str(path))
    try:
        admit(db)
        for name in (path, f"{path}-wal", f"{path}-shm", f"{path}.lock"):
            assert mode(name) == 0o600, name
    finally:
        db.dispose()
    os.chmod(path, 0o644)  # a database made before this rule
    Database.open(str(path)).dispose()
    assert mode(path) == 0o600


def test_exports_and_rejects_files_are_owner_only(tmp_path: Path, sqlite_url: str) -> None:
    out = write_atomically(tmp_path / "placements.csv", b"nhs_number\n")
    assert mode(out) == 0o600
    extract = importer.Extract("x.csv", ("nhs_number",), ((2, {"nhs_number": NHS}, (NHS,)),))
    importer.write_rejects(tmp_path / "rejects.csv", extract, [((NHS,), "bad")])
    assert mode(tmp_path / "rejects.csv") == 0o600


def test_pdf_metadata_never_names_the_patient(sqlite_url: str) -> None:
    db = Database.open(sqlite_url)
    try:
        spell = admit(db, 3, family_name="Featherstonehaugh", given_name="Ottoline")
        with db.read() as s:
            data = render.handover_report(s, spell_id=spell.id, printed_by="Jane Smith (js)")
    finally:
        db.dispose()
    meta = pypdf.PdfReader(io.BytesIO(data)).metadata or {}
    values = " ".join(str(v) for v in meta.values())
    assert meta.get("/Title") == "Handover summary"
    for secret in ("Featherstonehaugh", "Ottoline", NHS, NHS[:3] + " " + NHS[3:6]):
        assert secret.lower() not in values.lower()


# --- the embedded database stays on this computer ------------------------------------------


@pytest.mark.parametrize("where", ["//fileserver/wards/hub.sqlite3", r"\\fileserver\wards\hub.db"])
def test_a_unc_path_is_refused_pointing_to_postgresql(where: str) -> None:
    with pytest.raises(DatabaseError, match="network share.*PostgreSQL"):
        Database.open(where)


@pytest.mark.parametrize("fs", ["nfs4", "cifs", "smb3", "fuse.sshfs"])
def test_a_file_on_a_network_mount_is_refused_and_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fs: str
) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nserver:/wards {tmp_path} {fs} rw 0 0\n")
    monkeypatch.setattr(sqlite_file, "MOUNTS", mounts)
    with pytest.raises(DatabaseError, match=f"network share \\({fs}\\).*PostgreSQL"):
        Database.open(str(tmp_path / "shared" / "hub.sqlite3"))
    assert not (tmp_path / "shared").exists()
    # The same folder on a local disk is fine.
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 {tmp_path} ext4 rw 0 0\n")
    Database.open(str(tmp_path / "local.sqlite3")).dispose()


def test_the_single_user_is_the_os_login_not_an_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.setenv("USERNAME", "mallory")
    expected = pwd.getpwuid(os.getuid()).pw_name
    assert people.os_login() == expected != "mallory"
    assert people.single_user().actor == expected
