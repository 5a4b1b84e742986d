"""Helpers for the end-to-end CLI tests: run ``python -m discharge_hub`` in a
subprocess, and read a database's row counts and contents from outside it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from discharge_hub.db import create_db_engine, resolve_url
from discharge_hub.models import Base

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCHARGE_HUB_DB"}
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "discharge_hub", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd or ROOT,
        timeout=300,
    )
    return without_clock_warning(done)


def without_clock_warning(
    done: subprocess.CompletedProcess[str],
) -> subprocess.CompletedProcess[str]:
    """The output as a user would see it: the fixed test clock's own warning line
    (``DISCHARGE_HUB_FAKE_NOW``, tests/conftest.py) taken out of stderr."""
    kept = [x for x in done.stderr.splitlines(keepends=True) if FAKE_NOW_WARNING not in x]
    done.stderr = "".join(kept)
    return done


FAKE_NOW_WARNING = "DISCHARGE_HUB_FAKE_NOW is set"


def run_here(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process (``cli.main``), for tests that keep an
    embedded database open meanwhile: a second *process* writing it would be refused
    (one program at a time, tests/test_sqlite_safety.py)."""
    import contextlib
    import io

    from discharge_hub.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_db_engine(resolve_url(db_url))
    yield eng
    eng.dispose()


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table (audit trail included)."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def digest(engine: Engine) -> str:
    """A fingerprint of the patients and spells (ids excluded: they are the same only
    by accident of insertion order)."""
    queries = (
        "SELECT nhs_number, family_name, given_name, date_of_birth, sex, postcode, place_code,"
        " gp_practice, ethnic_category_code, preferred_language, interpreter_needed"
        " FROM patient ORDER BY nhs_number",
        "SELECT p.nhs_number, si.name, w.name, b.label, s.admitted_at, s.edd,"
        " s.discharge_ready_date, s.pathway_code, d.code, s.next_action, s.discharged_at,"
        " s.destination_code, s.method_code FROM spell s JOIN patient p ON p.id = s.patient_id"
        " JOIN site si ON si.id = s.site_id JOIN ward w ON w.id = s.ward_id"
        " LEFT JOIN bed b ON b.id = s.bed_id LEFT JOIN delay_reason d ON d.id = s.delay_reason_id"
        " ORDER BY p.nhs_number, s.admitted_at",
        "SELECT p.nhs_number, pl.service_type_code, pl.state, pr.name FROM placement pl"
        " JOIN spell s ON s.id = pl.spell_id JOIN patient p ON p.id = s.patient_id"
        " LEFT JOIN provider pr ON pr.id = pl.provider_id"
        " ORDER BY p.nhs_number, pl.service_type_code, pl.state",
        "SELECT name, relationship_to_patient, assessment_status FROM carer"
        " ORDER BY name, relationship_to_patient, assessment_status",
    )
    h = hashlib.sha256()
    with Session(engine) as session:
        for q in queries:
            # Sorted here, not by the database: collations differ (PostgreSQL's locale
            # order of "Zoë" is not SQLite's byte order).
            for row in sorted(tuple(_plain(v) for v in r) for r in session.execute(text(q))):
                h.update(repr(row).encode())
    return h.hexdigest()


def _plain(value: object) -> str:
    # SQLite gives text and 0/1, PostgreSQL datetime and bool: compare their text.
    if isinstance(value, bool):
        value = int(value)
    return "" if value is None else str(value)[:19]
