"""``report edd``, ``export edd`` and ``export red2green`` as other tools run them."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pypdf

from discharge_hub import clock
from discharge_hub.services import care
from tests.core_support import db_fingerprint
from tests.reports.conftest import LRI, Fixture
from tests.reports.test_cli import ROOT, run


def test_the_edd_report_and_both_exports_write_their_files(
    sqlite_fixture: Fixture, tmp_path: Path
) -> None:
    fx = sqlite_fixture
    today = clock.today()
    with fx.db.unit_of_work("ward") as s:
        care.record_red2green(s, spell_id=fx.ids["A"], day=today, colour="red",
                              reason="=HYPERLINK(\"x\")", today=today)  # fmt: skip
    start, end = f"{fx.on - timedelta(days=30):%Y-%m-%d}", f"{today:%Y-%m-%d}"
    before = db_fingerprint(fx.db)
    pdf, edd, r2g = tmp_path / "edd.pdf", tmp_path / "edd.csv", tmp_path / "r2g.csv"
    for args in (
        ("report", "edd", "--from", start, "--to", end, "--out", str(pdf)),
        ("export", "edd", "--from", start, "--to", end, "--site", LRI, "--out", str(edd)),
        ("export", "red2green", "--from", start, "--to", end, "--out", str(r2g)),
    ):
        done = run(fx, *args)
        assert done.returncode == 0, done.stderr
    assert db_fingerprint(fx.db) == before  # read-only commands
    text = pypdf.PdfReader(pdf).pages[0].extract_text()
    assert "EDD reliability — All sites" in text and "Page 1 of" in text
    rows = list(csv.reader(edd.open(encoding="utf-8", newline="")))
    assert rows[0][:3] == ["nhs_number", "site", "ward"] and rows[0][-1] == "days_late"
    assert {r[0] for r in rows[1:]} == {fx.nhs[k] for k in ("E", "F", "G")}  # LRI discharges
    days = list(csv.reader(r2g.open(encoding="utf-8", newline="")))
    assert days == [
        ["date", "nhs_number", "site", "ward", "colour", "reason"],
        [end, fx.nhs["A"], LRI, "Ward 7", "red", '\'=HYPERLINK("x")'],  # not a formula
    ]


def test_bad_ranges_exit_2_with_a_clear_message(sqlite_fixture: Fixture, tmp_path: Path) -> None:
    fx = sqlite_fixture
    out = tmp_path / "out"
    out.mkdir()
    day = f"{fx.on:%Y-%m-%d}"
    later = f"{fx.on + timedelta(days=1):%Y-%m-%d}"
    cases = [
        (["report", "edd", "--from", later, "--to", day], "is before --from"),
        (["export", "edd", "--from", day, "--to", "2999-01-01"], "is in the future"),
        (["export", "red2green", "--from", "23/11/2026", "--to", day], "--from: '23/11/2026'"),
        (["export", "red2green", "--from", later, "--to", day], "is before --from"),
        (["report", "edd", "--from", day, "--to", day, "--site", "Nowhere"], "not a known site"),
    ]
    running = [
        (message, subprocess.Popen(
            [sys.executable, "-m", "discharge_hub", "--db", fx.db.url, *args,
             "--out", str(out / "x.out")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        ))
        for args, message in cases
    ]  # fmt: skip
    for message, proc in running:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (message, stderr)
        assert message in stderr and "Traceback" not in stderr, (message, stderr)
    assert not list(out.iterdir())
