"""The task runner delivers on the GUI thread, serialises writes, and the event loop
keeps ticking while the 3,000-row board loads."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from discharge_hub.db import Database
from discharge_hub.errors import DatabaseError
from discharge_hub.ui.tasks import TaskRunner


def test_results_and_errors_arrive_on_the_gui_thread(qtbot, demo_db) -> None:
    runner = TaskRunner(demo_db, "tester")
    seen: list[tuple[str, bool]] = []
    gui = QApplication.instance().thread()

    def where(tag: str):
        return lambda _value: seen.append((tag, QThread.currentThread() is gui))

    def environment(_session):
        raise DatabaseError("The database is busy")

    def bug(_session):
        raise ZeroDivisionError("bug")

    with qtbot.waitSignal(runner.bug_raised, timeout=5000) as bug_signal:
        runner.read("count", lambda s: threading.current_thread().name, where("done"))
        runner.read("env", environment, None, where("env"))
        runner.write("bug", bug, None, where("bug"))
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    assert sorted(seen) == [("bug", True), ("done", True), ("env", True)]
    assert bug_signal.args[0] == "bug" and "ZeroDivisionError" in bug_signal.args[1]
    assert runner.busy == 0


def test_writes_are_serialised_through_one_worker(qtbot, demo_db) -> None:
    runner = TaskRunner(demo_db, "tester")
    spans: list[tuple[float, float]] = []

    def slow(_session):
        start = time.perf_counter()
        time.sleep(0.05)
        spans.append((start, time.perf_counter()))

    for _ in range(4):
        runner.write("slow", slow)
    qtbot.waitUntil(lambda: runner.busy == 0, timeout=5000)
    spans.sort()
    assert len(spans) == 4
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


@pytest.fixture
def big_db(big_board_template, tmp_path):
    import shutil

    target = tmp_path / "big.sqlite3"
    shutil.copyfile(big_board_template, target)
    database = Database.open(f"sqlite:///{target}")
    yield database
    database.dispose()


def test_event_loop_keeps_ticking_while_3000_rows_load(qtbot, big_db) -> None:
    from discharge_hub.ui.app import build_window

    window, runner = build_window(actor="tester")
    runner.database = big_db
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(50)
    with qtbot.waitSignal(window.board_loaded, timeout=30_000) as loaded:
        window.load_references()
        window.load_board()
    qtbot.wait(150)  # first paint of the filled table happens in here
    timer.stop()
    assert loaded.args == [3000]
    assert window.model.rowCount() == 3000
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(gaps) > 20
    assert max(gaps) < 0.100, f"GUI thread stalled {max(gaps) * 1000:.0f} ms"
    runner.wait_idle()
