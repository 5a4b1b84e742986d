"""The one place for an unexpected error (discharge_hub/ui/faults.py): an exception in a
slot, in a thread, or a critical Qt message is written to the log file (scrubbed of
patient data) and the user reads "Something went wrong — nothing you saved is lost;
details are in <log>"; the window goes on working."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, qCritical
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from discharge_hub.logs import ScrubbingFormatter
from discharge_hub.ui import faults
from tests.conftest import valid_nhs


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "discharge-hub.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()


@pytest.fixture
def installed(qapp, log_file: Path) -> Iterator[faults.Faults]:
    hooks = faults.install(log_file)
    yield hooks
    if hooks.box is not None:
        hooks.box.close()
    hooks.uninstall()


def _box() -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    shown = [b for b in boxes if b.isVisible() and b.windowTitle() == faults.TITLE]
    return shown[0] if shown else None


def test_an_exception_in_a_slot_is_logged_and_shown_and_the_window_goes_on(
    qtbot, installed: faults.Faults, log_file: Path
) -> None:
    nhs = valid_nhs(3)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()

    def boom() -> None:
        raise RuntimeError(f"the board broke on {nhs}")

    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: _box() is not None, timeout=5_000)
    box = _box()
    assert box is not None
    assert box.text() == (
        f"Something went wrong — nothing you saved is lost; details are in {log_file}."
    )
    logged = log_file.read_text(encoding="utf-8")
    assert "RuntimeError: the board broke on" in logged
    assert "in boom" in logged  # the traceback
    assert nhs not in logged and "[NHS number]" in logged  # scrubbed
    qtbot.keyClicks(edit, "still here")  # the window still takes input
    assert edit.text() == "still here"


def test_a_burst_of_errors_is_one_message(qtbot, installed: faults.Faults) -> None:
    def boom() -> None:
        raise ValueError("again")

    for _ in range(3):
        QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: installed.shown == 3, timeout=5_000)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert len([b for b in boxes if b.isVisible() and b.windowTitle() == faults.TITLE]) == 1


def test_an_exception_in_a_thread_is_logged_and_shown(
    qtbot, installed: faults.Faults, log_file: Path
) -> None:
    def work() -> None:
        raise OSError("the export thread failed")

    thread = threading.Thread(target=work, name="export")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: _box() is not None, timeout=5_000)
    logged = log_file.read_text(encoding="utf-8")
    assert "in export" in logged and "OSError: the export thread failed" in logged


def test_a_critical_qt_message_is_logged_and_shown(
    qtbot, installed: faults.Faults, log_file: Path
) -> None:
    qCritical("QPainter: the printer went away")
    qtbot.waitUntil(lambda: _box() is not None, timeout=5_000)
    assert "QPainter: the printer went away" in log_file.read_text(encoding="utf-8")


def test_the_desktop_app_installs_the_hooks(monkeypatch: pytest.MonkeyPatch, qapp) -> None:
    """app.main() installs them before the window shows (the event loop is not run)."""
    from discharge_hub.ui import app

    seen: list[object] = []
    monkeypatch.setattr(faults, "install", lambda path, parent: seen.append(parent()))
    monkeypatch.setattr(app.signin, "start_target", _Stop.raise_)
    with pytest.raises(_Stop):
        app.main("sqlite:///nowhere.sqlite3")
    assert len(seen) == 1 and seen[0] is not None  # the main window is the parent


class _Stop(Exception):
    @classmethod
    def raise_(cls, *_args: object) -> None:
        raise cls
