"""Render the main screens offscreen with demo data to PNG (for docs and reviews).

    discharge-hub screenshots --out docs/screenshots

Without ``--db`` a temporary SQLite database is filled with demo data first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEventLoop, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QDialog
from sqlalchemy.engine import make_url

from discharge_hub.db import Database

if TYPE_CHECKING:
    from discharge_hub.services.board import BoardRow
    from discharge_hub.ui.hub.screen import ListScreen
    from discharge_hub.ui.main_window import MainWindow

SIZE = (1600, 1000)  # the screen issue 10 was tried on; --size 1280x800 for a laptop


def wait_for(signals: list[SignalInstance], timeout_ms: int = 30_000) -> None:
    """Run the event loop until every signal has fired once (or the timeout).

    For scripts that drive the window without a test harness (screenshots, bench)."""
    loop = QEventLoop()
    left = {"n": len(signals)}

    def hit(*_args: object) -> None:
        left["n"] -= 1
        if left["n"] <= 0:
            loop.quit()

    for signal in signals:
        signal.connect(hit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    for signal in signals:
        signal.disconnect(hit)


def _settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _demo_database(patients: int) -> Database:
    from discharge_hub import demo

    folder = Path(tempfile.mkdtemp(prefix="dh-screens-"))
    database = Database.open(f"sqlite:///{folder / 'demo.sqlite3'}")
    demo.generate(database, patients=patients, seed=11)
    return database


def render(
    out: Path,
    *,
    db_url: str | None = None,
    patients: int = 120,
    size: tuple[int, int] = SIZE,
) -> list[Path]:
    """Write the PNGs into ``out``; returns their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from discharge_hub.ui.app import build_window, ensure_app

    ensure_app()
    out.mkdir(parents=True, exist_ok=True)
    database = Database.open(db_url) if db_url else _demo_database(patients)
    window, runner = build_window(actor="demo.coordinator")
    runner.database = database
    window.start_live()  # the status bar shows the live link (stopped when it closes)
    window.resize(*size)
    window.show()
    window.load_references()
    window.load_board()
    wait_for([window.refs_loaded, window.board_loaded])
    written: list[Path] = []

    def shot(name: str, prepare: Callable[[], None] | None = None) -> None:
        if prepare is not None:
            prepare()
        _settle()
        path = out / f"{name}.png"
        window.grab().save(str(path))
        written.append(path)

    try:
        _shoot_all(window, shot)
    finally:
        runner.wait_idle()
        window.close()
        database.dispose()
        if db_url is None:  # the throwaway demo database made for the pictures
            shutil.rmtree(Path(make_url(database.url).database or "").parent, ignore_errors=True)
    return written


def _busiest_row(window: MainWindow) -> BoardRow:
    rows = [r for r in window.model.all_rows() if r.through_hub and r.carer_count]
    rows = rows or window.model.all_rows()
    return max(rows, key=lambda r: (r.open_barriers, r.los))


def _shoot_all(window: MainWindow, shot: Callable[..., None]) -> None:
    shot("01-ward-board")
    shot("02-board-ready-for-discharge", lambda: window.board.set_view("nctr"))
    window.board.set_view("all")
    target = _busiest_row(window)
    window.board.select_ward(target.ward_id)
    shot("03-board-one-ward")
    workspace = window.open_spell(target.spell_id)
    assert workspace is not None  # the references are loaded
    wait_for([workspace.loaded])
    for n, name in (
        (0, "04-workspace-plan"),
        (2, "05-workspace-barriers"),
        (3, "06-workspace-carers"),
        (1, "07-workspace-hub"),
        (5, "08-workspace-history"),
    ):
        shot(name, lambda n=n: workspace.tabs.setCurrentIndex(n))
    window.tabs.setCurrentIndex(0)
    window.board.select_spell(target.spell_id)
    round_ = window.open_board_round()
    if round_ is not None:
        wait_for([round_.moved])
        shot("09-board-round")
    _shoot_hub(window, shot)
    _shoot_conflict(window, shot, target.spell_id)


def _open_list(window: MainWindow, key: str) -> ListScreen:
    screen = cast("ListScreen", window.open_screen(key))
    wait_for([screen.loaded])
    if screen.model.rowCount():
        screen.table.selectRow(0)
    return screen


def _shoot_hub(window: MainWindow, shot: Callable[..., None]) -> None:
    _open_list(window, "referrals")
    shot("10-hub-referral-queue")
    _open_list(window, "placements")
    shot("11-placements-queue")
    _open_list(window, "providers")
    shot("12-providers-and-vacancies")


def _shoot_conflict(window: MainWindow, shot: Callable[..., None], spell_id: int) -> None:
    """Someone else saves the next action while this user edits it: the workspace says
    who changed what, and the conflict dialog compares theirs and yours."""
    from discharge_hub.services import spells
    from discharge_hub.ui.workspace import conflict

    workspace = window.open_spell(spell_id)
    assert workspace is not None  # the references are loaded
    window.tabs.setCurrentWidget(workspace)
    workspace.tabs.setCurrentIndex(0)
    workspace.plan.next_action.setText("Ask the family about the care home visit")
    database = window.runner.database
    assert database is not None
    with database.unit_of_work("s.social.worker") as s:
        spells.set_next_action(
            s, spell_id=spell_id, expected_version=None, next_action="Care home visit Thursday"
        )
    window.changes.announce({spell_id})  # as the live link would
    wait_for([workspace.refreshed])
    asked: list[tuple[list[conflict.ConflictRow], str]] = []
    real_ask = conflict.ConflictDialog.ask
    # answer without a modal loop (a patch, so the method is assigned)
    conflict.ConflictDialog.ask = classmethod(  # type: ignore[method-assign, assignment]
        lambda cls, parent, rows, patient: asked.append((rows, patient)) or conflict.EDIT  # type: ignore[func-returns-value]
    )
    try:
        workspace.save()
        wait_for([workspace.conflict_resolved])
    finally:
        conflict.ConflictDialog.ask = real_ask  # type: ignore[method-assign]
    shot("13-workspace-changed-by-someone")
    if asked:
        dialog = conflict.ConflictDialog(window, *asked[0])
        shot("14-conflict-dialog", lambda: _overlay(window, dialog))
        dialog.close()
    window.tabs.removeTab(window.tabs.indexOf(workspace))  # its edit is not for keeping
    workspace.deleteLater()


def _overlay(window: MainWindow, dialog: QDialog) -> None:
    """Show the dialog over the middle of the window (grabbed together by ``shot``)."""
    dialog.setParent(window, dialog.windowFlags() & ~Qt.WindowType.Window)
    dialog.move((window.width() - dialog.width()) // 2, (window.height() - dialog.height()) // 2)
    dialog.setAutoFillBackground(True)
    dialog.setStyleSheet("QDialog { border: 2px solid #3a6ea5; background: palette(window); }")
    dialog.show()
    dialog.raise_()
