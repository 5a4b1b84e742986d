"""UI test fixtures: a demo database (built once per run, copied per test), the main
window opened on it, and QSettings kept out of the user's real config."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# QSettings (geometry, column widths) must not touch the developer's real config.
_CONFIG_HOME = tempfile.mkdtemp(prefix="dh-ui-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, ignore_errors=True)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from discharge_hub.db import Database  # noqa: E402

DEMO_PATIENTS = 40
ACTOR = "test.coordinator"


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with demo data (discharge_hub.demo), built once."""
    from discharge_hub import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    try:
        demo.generate(database, patients=DEMO_PATIENTS, seed=7)
    finally:
        database.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def demo_db(demo_url: str) -> Iterator[Database]:
    database = Database.open(demo_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test starts with no saved window state: a test that saves the geometry, the
    column widths or the column order never hands them to the next test in its process
    (a small saved window once squashed a later test's board round)."""
    from PySide6.QtCore import QSettings

    from discharge_hub.ui.settings import SETTINGS

    settings = QSettings(*SETTINGS)
    settings.clear()
    settings.sync()
    yield


@pytest.fixture(autouse=True)
def collect_on_gui_thread(qapp):
    """Widgets caught in reference cycles must be freed here, on the GUI thread, not by
    a garbage collection that happens to run on a worker (Qt forbids that)."""
    yield
    qapp.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def answers(monkeypatch) -> list[str]:
    """Every yes/no question is answered yes (and recorded) instead of a modal box."""
    from discharge_hub.ui import errors

    asked: list[str] = []

    def ask(_parent, _title, question):
        asked.append(question)
        return True

    monkeypatch.setattr(errors, "ask_yes_no", ask)
    return asked


class DialogAnswers:
    """Answers for the hub's and workspace's dialogs (``ask``), given by each test in
    order; a dialog asked with no answer left fails the test instead of blocking."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, tuple, dict]] = []
        self._answers: dict[str, list] = {}

    def answer(self, dialog: type, *answers: object) -> None:
        self._answers.setdefault(dialog.__name__, []).extend(answers)

    def left(self, dialog: type) -> list:
        return self._answers.get(dialog.__name__, [])

    def fake(self, name: str):
        def ask(*args, **kwargs):
            self.asked.append((name, args, kwargs))
            queue = self._answers.get(name)
            if not queue:
                raise AssertionError(f"{name} was asked, but the test gave no answer")
            return queue.pop(0)

        return ask

    def prompts(self, dialog: type) -> list[str]:
        """The texts shown in each ``ask`` of ``dialog`` (for asserting what was asked)."""
        return [" ".join(map(str, a[1:])) for name, a, _ in self.asked if name == dialog.__name__]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> DialogAnswers:
    from discharge_hub.ui.hub.dialogs import (
        DelayReasonDialog,
        ReasonDialog,
        RequestPlacementDialog,
        StartDateDialog,
        VacancyDialog,
        WorkerDialog,
    )
    from discharge_hub.ui.hub.provider_picker import ProviderPicker
    from discharge_hub.ui.workspace.conflict import ConflictDialog

    found = DialogAnswers()
    for cls in (
        DelayReasonDialog,
        ReasonDialog,
        RequestPlacementDialog,
        StartDateDialog,
        VacancyDialog,
        WorkerDialog,
        ProviderPicker,
        ConflictDialog,
    ):
        monkeypatch.setattr(cls, "ask", found.fake(cls.__name__))
    return found


@pytest.fixture
def main_window(qtbot, demo_db: Database):
    """The main window on the demo database, with the board and reference lists loaded."""
    from discharge_hub.ui.app import build_window

    window, runner = build_window(actor=ACTOR)
    runner.database = demo_db
    qtbot.addWidget(window)
    with qtbot.waitSignals([window.refs_loaded, window.board_loaded], timeout=20_000):
        window.load_references()
        window.load_board()
    window.show()
    yield window
    runner.wait_idle()


def wait_loaded(qtbot, widget, timeout: int = 10_000) -> None:
    """Wait for a workspace or board round to show its patient."""
    signal = widget.loaded if hasattr(widget, "loaded") else widget.moved
    if getattr(widget, "detail", None) is None:
        with qtbot.waitSignal(signal, timeout=timeout):
            pass


@pytest.fixture(scope="session")
def big_board_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 open spells built by bench/build_data.py (bulk inserts), once per run."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "bench" / "build_data.py"
    spec = importlib.util.spec_from_file_location("dh_bench_build_data", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    try:
        module.build(database, open_spells=3000, discharged_spells=0, seed=3)
    finally:
        database.dispose()
    return path
