"""Cold start: the window comes up without what the board does not need (Alembic,
ReportLab, the patient screens); those arrive when used, or from the warm-up thread."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFERRED = (
    "alembic",
    "keyring",
    "reportlab",
    "discharge_hub.ui.workspace",
    "discharge_hub.ui.board_round",
    "discharge_hub.ui.reports.actions",
)

CHILD = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from discharge_hub.db import Database
from discharge_hub.ui.app import build_window, ensure_app
from discharge_hub.ui.main_window import warm_up
app = ensure_app()
database = Database.open({url!r})
window, runner = build_window(actor="test")
window.show()
before = [m for m in {deferred!r} if m in sys.modules]
warm_up().join()
after = [m for m in {deferred!r} if m in sys.modules]
print(json.dumps([before, after]))
database.dispose()
"""


def test_start_path_defers_alembic_reportlab_and_the_patient_screens(demo_url: str) -> None:
    code = CHILD.format(url=demo_url, deferred=DEFERRED)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr
    before, after = json.loads(run.stdout.strip().splitlines()[-1])
    assert before == []
    assert "discharge_hub.ui.workspace" in after and "discharge_hub.ui.board_round" in after
    assert "alembic" not in after and "keyring" not in after


def test_reports_menu_is_filled_when_first_opened(qtbot, main_window) -> None:
    assert main_window.reports is not None  # the reports UI is part of the program
    menu = main_window.reports.menu
    assert menu.actions() == []
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions()]
    assert "Print &huddle report…" in texts and "Print hand&over…" in texts
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == texts  # filled once


def test_the_desktop_asks_before_creating_a_database(qtbot, tmp_path: Path, answers) -> None:
    from discharge_hub.ui.app import build_window, start

    target = tmp_path / "new" / "hub.sqlite3"
    window, runner = build_window(actor="test")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.board_loaded, timeout=30_000):
        start(window, str(target))
    assert any(str(target) in q and "Create a new, empty database" in q for q in answers)
    assert target.exists()
    runner.wait_idle()
    runner.database.dispose()


def test_declining_to_create_a_database_creates_nothing(qtbot, tmp_path: Path, monkeypatch) -> None:
    from discharge_hub.ui import errors
    from discharge_hub.ui.app import build_window, start

    monkeypatch.setattr(errors, "ask_yes_no", lambda *_args: False)
    target = tmp_path / "hub.sqlite3"
    window, runner = build_window(actor="test")
    qtbot.addWidget(window)
    window.show()
    start(window, str(target))
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert "none was created" in window.counts.text()
    assert runner.database is None and not target.exists()
    assert list(tmp_path.iterdir()) == []
