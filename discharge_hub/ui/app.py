"""Starting the desktop app: QApplication, the main window, then the database off-thread.

The window shows at once; opening (and upgrading) the database, the reference lists
and the board load on workers. The shared PostgreSQL database is opened through the
sign-in dialog (each person as themselves); the embedded SQLite file is single user,
signed as the operating system's login. On the embedded file, an empty database offers
the demo data (when the demo module is installed).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from discharge_hub import logs, signin
from discharge_hub.db import ENV_VAR, Database, describe_url, resolve_url, sqlite_path
from discharge_hub.display.people import current_login
from discharge_hub.errors import DomainError
from discharge_hub.ui import combos, errors, faults
from discharge_hub.ui import permissions as ui_permissions
from discharge_hub.ui.connection import ConnectionWatch
from discharge_hub.ui.main_window import MainWindow, clock_note, warm_up
from discharge_hub.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from discharge_hub.ui.sign_in import SignInDialog

log = logging.getLogger(__name__)
TITLE = "Discharge Hub"


def current_actor() -> str:
    """The embedded database's single user: the operating system's record of the login
    (not USER/LOGNAME, which anyone can set). On PostgreSQL the server says who."""
    return current_login()


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Discharge Hub")
    app.setOrganizationName("NHS-LLR")
    return app  # type: ignore[return-value]


def build_window(actor: str | None = None) -> tuple[MainWindow, TaskRunner]:
    combos.install(ensure_app())  # every drop-down sized to its texts
    runner = TaskRunner(None, actor or current_actor())
    window = MainWindow(runner)
    runner.setParent(window)
    watch_label = QLabel()
    window.statusBar().addPermanentWidget(watch_label)
    window.connection_watch = ConnectionWatch(runner, watch_label, window)  # type: ignore[attr-defined]
    window.connection_watch.regained.connect(window.load_board)  # type: ignore[attr-defined]
    return window, runner


def show_signed_in(window: MainWindow, database: Database) -> None:
    """Who is signed in, in the title and status bars; what they may not do, disabled."""
    perms = database.permissions
    if database.is_sqlite:
        where = "embedded database, single user (this computer only)"
        window.setWindowTitle(f"{TITLE} – {perms.actor} – {where}{clock_note()}")
        # The file's name only: its folder (the whole path as tooltip) would push the
        # board's counts out of a 1280-pixel status bar.
        path = sqlite_path(database.url)
        name = path.name if path is not None else "in memory"
        window.db_label.setText(f"{perms.actor} · single user · {name}")
        window.db_label.setToolTip(f"Embedded database file: {path or 'in memory'}")
    else:
        server = describe_url(database.url).split("@", 1)[-1]
        window.setWindowTitle(f"{TITLE} – {perms.who} – {server}{clock_note()}")
        window.db_label.setText(f"Signed in as {perms.who} · {server}")
    window.db_label.setAccessibleName("Signed in as")
    ui_permissions.apply_to_window(window, perms)


def opened(window: MainWindow, database: Database, *, offer_demo: bool = False) -> None:
    """The database is open: sign the window, then load the board and reference lists."""
    runner = window.runner
    runner.database = database
    runner.actor = database.permissions.actor
    show_signed_in(window, database)
    log.info("opened %s as %s", describe_url(database.url), database.permissions.who)

    def board_shown(_rows: int) -> None:
        window.board_loaded.disconnect(board_shown)
        warm_up()

    window.board_loaded.connect(board_shown)
    window.start_live()  # before the first load, so no change is missed
    window.load_board()  # first: the longest query
    window.load_references()
    if offer_demo:
        window.board_loaded.connect(lambda n: _offer_demo(window) if n == 0 else None)


def start(window: MainWindow, db_url: str | None, *, offer_demo: bool = False) -> None:
    """Open the database as given on a worker, then load reference lists and the board."""
    runner = window.runner

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
        lambda database: opened(window, database, offer_demo=offer_demo),
        failed,
    )


def start_signed_in(
    window: MainWindow, details: signin.ConnectionDetails | None, message: str | None = None
) -> SignInDialog:
    """The sign-in dialog over the window; signed in, the window opens the database.
    Cancelled, the program closes: nothing is open."""
    from discharge_hub.ui.sign_in import SignInDialog  # keyring: the shared database only

    dialog = SignInDialog(window.runner, details, message=message, parent=window)
    window.counts.setText("Waiting for you to sign in…")

    def signed(result: signin.SignedIn) -> None:
        opened(window, result.database)
        if result.note:
            QMessageBox.information(window, "Password not remembered", result.note)

    dialog.signed_in.connect(signed)
    dialog.rejected.connect(window.close)
    dialog.open()
    return dialog


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
        lambda _result: (window.load_references(), window.load_board()),  # type: ignore[func-returns-value]
        lambda exc: QMessageBox.warning(window, "Demo data", f"Could not load demo data: {exc}"),
    )


def main(db_url: str | None = None, argv: list[str] | None = None) -> int:
    app = ensure_app(argv)
    window, runner = build_window()
    faults.install(logs.setup(), parent=lambda: window)  # no silent failure, no dead window
    target = signin.start_target(db_url, os.environ.get(ENV_VAR))
    window.show()
    if target.details is not None:
        start_signed_in(window, target.details)
    else:
        start(window, target.url, offer_demo=target.embedded and target.url is None)
    code = app.exec()
    runner.wait_idle()
    if runner.database is not None:
        runner.database.dispose()
    return int(code)
