"""The report commands as other tools run them: a separate process, exit codes, files."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pypdf

from tests.conftest import valid_nhs
from tests.reports.conftest import Fixture

ROOT = Path(__file__).resolve().parents[2]


def run(fx: Fixture, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "discharge_hub", "--db", fx.db.url, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_the_three_commands_write_their_files(sqlite_fixture: Fixture, tmp_path: Path) -> None:
    fx, day = sqlite_fixture, f"{sqlite_fixture.on:%Y-%m-%d}"
    huddle = tmp_path / "huddle.pdf"
    done = run(fx, "report", "huddle", "--date", day, "--site", "Leicester Royal Infirmary",
               "--out", str(huddle))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Page 1 of" in pypdf.PdfReader(huddle).pages[0].extract_text()

    handover = tmp_path / "handover.pdf"
    done = run(fx, "report", "handover", fx.nhs["A"], "--out", str(handover))
    assert done.returncode == 0, done.stderr
    assert "O'NEILL, Zoë" in pypdf.PdfReader(handover).pages[0].extract_text()

    sitrep = tmp_path / "sitrep.csv"
    done = run(fx, "export", "sitrep", "--date", day, "--out", str(sitrep))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(sitrep.open(encoding="utf-8", newline="")))
    assert rows[0] == ["date", "site", "measure", "breakdown", "value"]
    assert [day, "ALL", "inpatients", "", "6"] in rows


BAD_INPUT = [
    (["report", "handover", valid_nhs(500), "--out", "{out}/h.pdf"], "No patient with NHS number"),
    (["report", "handover", "123", "--out", "{out}/h.pdf"], "must be 10 digits"),
    (["report", "huddle", "--date", "2026-02-30", "--out", "{out}/h.pdf"], "is not a date"),
    (["report", "huddle", "--date", "20/11/2026", "--out", "{out}/h.pdf"], "use YYYY-MM-DD"),
    (["export", "sitrep", "--date", "2999-01-01", "--out", "{out}/s.csv"], "is in the future"),
    (["report", "huddle", "--date", "{day}", "--site", "Nowhere", "--out", "{out}/h.pdf"],
     "is not a known site"),
    (["export", "sitrep", "--date", "{day}", "--out", "{out}/no/such/folder/s.csv"],
     "does not exist"),
    (["report", "huddle", "--date", "{day}", "--out", "{out}"], "is a folder"),
    (["report", "handover", "{nhs}", "--out", "/proc/handover.pdf"], "Cannot write"),
]  # fmt: skip


def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(
    sqlite_fixture: Fixture, tmp_path: Path
) -> None:
    fx = sqlite_fixture
    out = tmp_path / "out"
    out.mkdir()
    values = {"out": str(out), "day": f"{fx.on:%Y-%m-%d}", "nhs": fx.nhs["A"]}
    # The processes run side by side: each one's start-up dominates.
    running = [
        (message, subprocess.Popen(
            [sys.executable, "-m", "discharge_hub", "--db", fx.db.url,
             *(a.format(**values) for a in args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        ))
        for args, message in BAD_INPUT
    ]  # fmt: skip
    for message, proc in running:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (message, stderr)
        assert message in stderr, (message, stderr)
        assert "Traceback" not in stderr
    assert not list(out.iterdir())
