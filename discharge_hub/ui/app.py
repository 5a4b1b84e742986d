"""Starting the desktop app: QApplication, the main window, then the database off-thread.

The window shows at once; opening (and upgrading) the database, the reference lists
and the board load on workers. On the embedded SQLite file, an empty database offers
the demo data (when the demo module is installed).
"""

from __future__ import annotations

import getpass
import importlib
import importlib.util
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from discharge_hub.db import ENV_VAR, Database, describe_url, resolve_url, sqlite_path
from discharge_hub.errors import DomainError
from discharge_hub.ui import errors
from discharge_hub.ui.main_window import MainWindow, warm_up
from discharge_hub.ui.tasks import TaskRunner


def current_actor() -> str:
    """The acting user: the operating-system account for now (no sign-in yet)."""
    try:
        return getpass.getuser()
    except Exception:  # getpass raises OSError or KeyError without a login name
        return "unknown"


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Discharge Hub")
    app.setOrganizationName("NHS-LLR")
    return app  # type: ignore[return-value]


def build_window(actor: str | None = None) -> tuple[MainWindow, TaskRunner]:
    runner = TaskRunner(None, actor or current_actor())
    window = MainWindow(runner)
    runner.setParent(window)
    return window, runner


def start(window: MainWindow, db_url: str | None, *, offer_demo: bool = False) -> None:
    """Open the database on a worker, then load reference lists and the board."""
    runner = window.runner

    def opened(database: Database) -> None:
        runner.database = database
        window.db_label.setText(describe_url(database.url))
        window.start_live()  # before the first load, so no change is missed
        window.load_board()  # first: the longest query
        window.load_references()
        if offer_demo:
            window.board_loaded.connect(lambda n: _offer_demo(window) if n == 0 else None)

    def board_shown(_rows: int) -> None:
        window.board_loaded.disconnect(board_shown)
        warm_up()

    window.board_loaded.connect(board_shown)

    def failed(exc: BaseException) -> None:
        window.counts.setText(f"The database could not be opened: {exc}")
        QMessageBox.critical(window, "Discharge Hub", f"The database could not be opened:\n{exc}")
        window.close()  # nothing can be done without a database; the message said why

    try:
        create = _may_create(window, db_url)
    except DomainError as exc:
        failed(exc)
        return
    if not create:
        window.counts.setText("No database is open: none was created.")
        QTimer.singleShot(0, window.close)
        return
    runner.call(
        "opening the database",
        lambda: Database.open(db_url, program="Discharge Hub desktop"),
        opened,
        failed,
    )


def _may_create(window: MainWindow, db_url: str | None) -> bool:
    """True to go on: the database exists, is not a file, or the user agreed to create it."""
    path = sqlite_path(resolve_url(db_url))
    if path is None or path.exists():
        return True
    return errors.ask_yes_no(
        window,
        "New database",
        f"There is no Discharge Hub database at\n{path}\nyet.\n\nCreate a new, empty "
        "database there? (Choose No to close without creating anything.)",
    )


def demo_available() -> bool:
    return importlib.util.find_spec("discharge_hub.demo") is not None


def _offer_demo(window: MainWindow) -> None:
    if getattr(window, "_demo_offered", False) or not demo_available():
        return
    window._demo_offered = True  # type: ignore[attr-defined]
    answer = QMessageBox.question(
        window,
        "Empty database",
        "This database has no patients yet.\n\nLoad demo data? (Made-up patients with test-"
        "range NHS numbers 999…; for training and trying the program only.)",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    demo = importlib.import_module("discharge_hub.demo")
    runner = window.runner
    runner.call(
        "loading demo data",
        lambda: demo.generate(runner.database, actor=runner.actor),
        lambda _result: (window.load_references(), window.load_board()),
        lambda exc: QMessageBox.warning(window, "Demo data", f"Could not load demo data: {exc}"),
    )


def main(db_url: str | None = None, argv: list[str] | None = None) -> int:
    app = ensure_app(argv)
    window, runner = build_window()
    embedded = not db_url and not os.environ.get(ENV_VAR)
    window.show()
    start(window, db_url, offer_demo=embedded)
    code = app.exec()
    runner.wait_idle()
    if runner.database is not None:
        runner.database.dispose()
    return int(code)
