"""CSV exports are safe to open in a spreadsheet (OWASP CSV injection), and output
files are checked before any work and written whole or not at all."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discharge_hub.csv_safety import FORMULA_START, csv_bytes, safe_cell, unquote_cell
from discharge_hub.db import Database
from discharge_hub.models import Site
from discharge_hub.outputs import OutputPathError, PendingOutput, check_output, write_atomically
from discharge_hub.reports import sitrep
from discharge_hub.services import spells
from tests.conftest import admitted, patient
from tests.core_support import days


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 116 496 0000", "'+44 116 496 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),  # plain numbers are values
        ("+3.25", "+3.25"),
        ("O'Neill", "O'Neill"),
        ("", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_cells_a_spreadsheet_would_run_get_a_quote(cell: object, written: str) -> None:
    assert safe_cell(cell) == written


@given(st.text())
def test_every_cell_is_inert_and_reads_back_as_it_was(text: str) -> None:
    out = safe_cell(text)
    assert not out.startswith(FORMULA_START) or out.lstrip("+-").replace(".", "").isdigit()
    assert unquote_cell(out) == text or text.startswith("'")


def test_csv_bytes_neutralises_every_cell_and_keeps_rfc4180() -> None:
    data = csv_bytes(["name", "=x"], [["=cmd|' /C calc'!A0", "ok"], ["a,b", '"q"']], bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["name", "'=x"], ["'=cmd|' /C calc'!A0", "ok"], ["a,b", '"q"']]
    assert b"\r\n" in data


def test_the_sitrep_neutralises_a_site_name_that_is_a_formula(db: Database) -> None:
    evil = '=HYPERLINK("http://example.invalid","x")'
    with db.unit_of_work("admin") as s:
        s.add(Site(name=evil, kind="acute", town="Leicester", organisation="UHL"))
        s.flush()
        spells.admit(s, patient=patient(1), site=evil, ward="Ward 1", admitted_at=admitted(3))
    with db.read() as s:
        data = sitrep.to_csv(sitrep.sitrep(s, on=days(-1)))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    sites = {r[1] for r in rows[1:]}
    assert "'" + evil in sites and evil not in sites


def test_check_output_refuses_before_any_work(tmp_path: Path) -> None:
    assert check_output(tmp_path / "x.csv") == tmp_path / "x.csv"
    for target, reason in [
        (tmp_path, "is a folder"),
        (tmp_path / "none" / "x.csv", "does not exist"),
        (Path("/dev/null"), "not a regular file"),
    ]:
        with pytest.raises(OutputPathError, match=reason) as info:
            check_output(target, option="--skip-invalid")
        assert str(info.value).startswith("--skip-invalid: ")


def test_a_pending_output_appears_only_when_committed(tmp_path: Path) -> None:
    target = tmp_path / "rejects.csv"
    target.write_bytes(b"old")
    with PendingOutput(target, b"new") as pending:
        assert target.read_bytes() == b"old"  # not yet
    assert target.read_bytes() == b"old"  # discarded on leaving the block
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    with PendingOutput(target, b"new") as pending:
        pending.commit()
    assert target.read_bytes() == b"new"
    write_atomically(target, b"again")
    assert target.read_bytes() == b"again"
