"""The main window: assembles the menus (ui/menus.py), the board, workspaces and the
status bar.

What is not needed to show the board is imported when first used (workspace and board
round screens, the Reports menu with ReportLab: together ~0.5 s of a cold start);
:func:`warm_up` imports them on a background thread once the board is up.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTabWidget,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.services.board import BoardRow, board
from discharge_hub.services.reference_lists import ReferenceLists, reference_lists
from discharge_hub.ui import errors
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.board_model import BoardModel
from discharge_hub.ui.board_sync import BoardSync
from discharge_hub.ui.board_view import BoardPanel
from discharge_hub.ui.errors import show_crash_report
from discharge_hub.ui.live import ChangeHub, LiveStatusLabel
from discharge_hub.ui.menus import REPORTS_UI, ReportsMenu, build_menus
from discharge_hub.ui.permissions import apply_to_workspace
from discharge_hub.ui.settings import SETTINGS
from discharge_hub.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from discharge_hub.services.workspace import SpellDetail
    from discharge_hub.ui.board_round import BoardRoundWidget
    from discharge_hub.ui.workspace import WorkspaceWidget

# The hub's screens (issue 9): menu key, module, class.
HUB_SCREENS = {
    "referrals": ("discharge_hub.ui.hub.referrals", "ReferralQueueScreen"),
    "placements": ("discharge_hub.ui.hub.placements", "PlacementQueueScreen"),
    "providers": ("discharge_hub.ui.hub.providers", "ProvidersScreen"),
}
DEFERRED_MODULES = (
    "discharge_hub.ui.workspace",
    "discharge_hub.ui.board_round",
    REPORTS_UI,
    *(module for module, _ in HUB_SCREENS.values()),
)


def warm_up() -> threading.Thread:
    """Import the deferred screens on a background thread (no widget is made there), so
    opening a patient or the Reports menu later does not wait for the import."""

    def load() -> None:
        for name in DEFERRED_MODULES:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="warm-up imports")  # joined at exit
    thread.start()
    return thread


def window_title() -> str:
    """The title before sign-in; says so when the clock is set (``clock_note``)."""
    return "Discharge Hub – LLR Integrated Discharge Hub" + clock_note()


def clock_note() -> str:
    """ " – CLOCK SET …" for every title of the window while DISCHARGE_HUB_FAKE_NOW sets
    the clock (training, tests): never silent on screen, signed in or not."""
    fixed = clock.fake_now()
    if fixed is None:
        return ""
    return f" – CLOCK SET: STARTED AT {fmt.uk_datetime(fixed)} (training; not the real time)"


DAY_CHECK_MS = 15_000  # how often the day is checked: a new day shows within 15 s


class MainWindow(QMainWindow):
    board_loaded = Signal(int)  # rows
    refs_loaded = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.refs: ReferenceLists | None = None
        self.setWindowTitle(window_title())
        self.model = BoardModel(self)
        self.board = BoardPanel(self.model)
        self.changes = ChangeHub(self)  # the program's one "data changed" signal
        self.board_sync = BoardSync(runner, self.model, self.changes)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Open screens")
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.board, "Ward board")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self._on_tab_close_requested)
        self.setCentralWidget(self.tabs)
        self._build_status_bar()
        main = build_menus(self)
        self.refresh_action, self.open_action = main.refresh, main.open_patient
        self.round_action = main.board_round
        self.reports = ReportsMenu.add_to(self)
        self.board.spell_activated.connect(self.open_spell)
        # Counts follow a filter change once per turn of the event loop, after the
        # keystroke's repaint, not once per keystroke inside it (summary() walks every row).
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self._update_counts)
        self.board.filter_changed.connect(self._counts_timer.start)
        self.board_sync.applied.connect(self._counts_timer.start)
        runner.busy_changed.connect(self._on_busy_changed)
        # Midnight (UK time): "today", LOS, days to EDD and the Red2Green day move on by
        # themselves, on the board and every open screen (found in a real window: they
        # stayed on the day before until F5, and a live update mixed the two days).
        self.day = clock.today()
        self._day_timer = QTimer(self)
        self._day_timer.setInterval(DAY_CHECK_MS)
        self._day_timer.timeout.connect(self.check_day)
        self._day_timer.start()
        self.board_sync.applied.connect(self.check_day)
        runner.bug_raised.connect(lambda task, text: show_crash_report(self, task, text))
        self._restore_settings()

    # -- assembly -------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.counts = QLabel("Opening the database…")
        self.counts.setAccessibleName("Board counts")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setAccessibleName("Working")
        self.progress.setVisible(False)
        self.db_label = QLabel()
        self.live_label = LiveStatusLabel(self.changes)
        self.statusBar().addWidget(self.counts, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.live_label)
        self.statusBar().addPermanentWidget(self.db_label)

    def run_report(self, words: str) -> None:
        """A Reports item by its words ("handover", "huddle dashboard"…), as its key does."""
        if self.reports is not None:
            self.reports.run(words)

    def find_patient(self) -> None:
        """Ctrl+F: the board's search, from any tab (never a hidden board's)."""
        self.tabs.setCurrentIndex(0)
        self.board.focus_search()

    def step_tab(self, step: int) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next or previous open screen, round the end."""
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)
            current = self.tabs.currentWidget()
            (current.focusWidget() or current).setFocus(Qt.FocusReason.TabFocusReason)

    def show_shortcuts(self) -> None:
        from discharge_hub.ui.keys import ShortcutSheet

        sheet = ShortcutSheet(self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sheet.show()

    def current_spell_id(self) -> int | None:
        """The patient in front of the user: the open workspace, else the board's selection."""
        current = self.tabs.currentWidget()
        if current is not self.board:
            from discharge_hub.ui.workspace import WorkspaceWidget

            if isinstance(current, WorkspaceWidget):
                return current.spell_id
        row = self.board.current_row()
        return row.spell_id if row is not None else None

    def show_dashboard(self, widget: QWidget) -> None:
        title = widget.windowTitle() or "Dashboard"
        self.tabs.setCurrentIndex(self.tabs.addTab(widget, title))

    # -- board --------------------------------------------------------------------------
    def set_reference_lists(self, refs: ReferenceLists) -> None:
        self.refs = refs
        self.board.set_reference_lists(refs)
        self.refs_loaded.emit()

    def load_references(self) -> None:
        self.runner.read("loading reference lists", reference_lists, self.set_reference_lists)

    def load_board(self, *, then_say: str | None = None) -> None:
        """Read the board on a worker; ``then_say``: the status bar's message once shown
        (else how long it took)."""
        started = time.perf_counter()
        self.counts.setText("Loading the board…")

        def done(rows: list[BoardRow]) -> None:
            self.model.set_rows(rows)
            self._update_counts()
            self.board_loaded.emit(len(rows))
            took = f"Board loaded in {1000 * (time.perf_counter() - started):.0f} ms"
            self.statusBar().showMessage(then_say or took, 15_000 if then_say else 4000)

        self.runner.read("loading the board", lambda s: board(s), done, self._on_board_failed)

    def refresh(self) -> None:
        """F5: reload what is in front of the user (the board, or the open patient)."""
        current = self.tabs.currentWidget()
        if current is self.board:
            self.load_board()
        elif hasattr(current, "request_reload"):
            current.request_reload()

    def check_day(self, *_: object) -> bool:
        """On the first check after midnight: the board read again and every open
        screen told (``on_new_day``). True if the day changed."""
        today = clock.today()
        if today == self.day:
            return False
        self.day = today
        self.load_board(
            then_say=f"A new day, {dates.uk_date(today)}: the board and the open screens show it."
        )
        for n in range(self.tabs.count()):
            on_new_day = getattr(self.tabs.widget(n), "on_new_day", None)
            if on_new_day is not None:
                on_new_day(today)
        return True

    def _on_board_failed(self, exc: BaseException) -> None:
        self.counts.setText(f"The board could not be loaded: {exc} (F5 to retry)")

    def _update_counts(self) -> None:
        self._counts_timer.stop()
        text = self.model.summary()
        self.counts.setText(text)
        self.counts.setToolTip(text)  # the whole line, where a narrow window cuts it

    def _on_busy_changed(self, busy: int) -> None:
        self.progress.setVisible(busy > 0)

    # -- workspaces ----------------------------------------------------------------------
    def open_current(self) -> None:
        row = self.board.current_row()
        if row is not None:
            self.open_spell(row.spell_id)

    def open_spell(self, spell_id: int) -> WorkspaceWidget | None:
        if self.refs is None:
            return None
        from discharge_hub.ui.workspace import WorkspaceWidget

        for n in range(1, self.tabs.count()):
            w = self.tabs.widget(n)
            if isinstance(w, WorkspaceWidget) and w.spell_id == spell_id:
                self.tabs.setCurrentIndex(n)
                return w
        row = next((r for r in self.model.visible_rows() if r.spell_id == spell_id), None)
        title = f"{row.family_name.upper()}, {row.given_name}" if row else f"Spell {spell_id}"
        ws = WorkspaceWidget(self.runner, self.refs, spell_id, changes=self.changes)
        if self.runner.database is not None:  # what this role may not change, disabled
            apply_to_workspace(ws, self.runner.database.permissions)
        ws.saved.connect(self._on_spell_saved)
        ws.close_requested.connect(lambda: self._close_tab(self.tabs.indexOf(ws)))
        self.tabs.setCurrentIndex(self.tabs.addTab(ws, title))
        return ws

    def open_board_round(self) -> BoardRoundWidget | None:
        ward_id = self.model.filter.ward_id
        row = self.board.current_row()
        if ward_id is None and row is not None:
            ward_id = row.ward_id
        if ward_id is None or self.refs is None:
            QMessageBox.information(self, "Board round", "Choose a ward (or a patient) first.")
            return None
        from discharge_hub.ui.board_round import BoardRoundWidget

        rows = [r for r in self.model.visible_rows() if r.ward_id == ward_id]
        rows.sort(key=lambda r: (r.bed_sort_key or "", r.spell_id))
        if not rows:
            rows = [r for r in self.model.all_rows() if r.ward_id == ward_id]
            rows.sort(key=lambda r: (r.bed_sort_key or "", r.spell_id))
        round_ = BoardRoundWidget(self.runner, self.refs, rows, changes=self.changes)
        round_.saved.connect(self._on_spell_saved)
        round_.close_requested.connect(lambda: self._close_tab(self.tabs.indexOf(round_)))
        ward = (self.model.ward_label(ward_id) or rows[0].ward) if rows else "ward"
        self.tabs.setCurrentIndex(self.tabs.addTab(round_, f"Board round: {ward}"))
        return round_

    def open_screen(self, key: str) -> QWidget | None:
        """The hub's referral or placements queue, or the providers (one tab each)."""
        if self.refs is None:
            return None
        module, name = HUB_SCREENS[key]
        cls = getattr(importlib.import_module(module), name)
        for n in range(1, self.tabs.count()):
            if isinstance(shown := self.tabs.widget(n), cls):
                self.tabs.setCurrentIndex(n)
                shown.setFocus()
                return cast(QWidget, shown)
        screen = cls(self.runner, self.changes, self.refs)
        screen.spell_activated.connect(self.open_spell)
        screen.close_requested.connect(lambda: self._close_tab(self.tabs.indexOf(screen)))
        self.tabs.setCurrentIndex(self.tabs.addTab(screen, screen.title))
        screen.setFocus()
        return cast(QWidget, screen)

    def _on_spell_saved(self, detail: SpellDetail) -> None:
        self.model.replace_row(detail.spell.id, detail.row)  # at once; then every view
        self._update_counts()
        self.changes.announce({detail.spell.id})

    # -- live updates --------------------------------------------------------------------
    def start_live(self, **kwargs: float) -> None:
        """Listen for everyone's changes (before the first load: nothing is missed)."""
        if self.runner.database is not None:
            self.changes.start_listening(self.runner.database.url, **kwargs)

    def _on_tab_close_requested(self, index: int) -> None:
        self._close_tab(index)

    def _close_tab(self, index: int) -> bool:
        w = self.tabs.widget(index)
        if index <= 0 or w is None:
            return True
        if getattr(w, "is_dirty", lambda: False)():
            question = "This screen has unsaved changes. Close and lose them?"
            if not errors.ask_yes_no(self, "Unsaved changes", question):
                return False
        self.tabs.removeTab(index)
        w.deleteLater()
        return True

    # -- settings and close ---------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = QSettings(*SETTINGS)
        geometry = s.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        header = s.value("board/header")
        if header is not None:
            self.board.table.horizontalHeader().restoreState(header)

    def save_settings(self) -> None:
        s = QSettings(*SETTINGS)
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("board/header", self.board.table.horizontalHeader().saveState())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        for n in range(self.tabs.count() - 1, 0, -1):
            if not self._close_tab(n):
                event.ignore()
                return
        self.save_settings()
        self.changes.stop_listening()
        event.accept()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Discharge Hub",
            "Discharge Hub – the shared discharge record for the LLR Integrated Discharge "
            f"Hub.\nDatabase: {self.db_label.text()}\nSigned in as: {self.runner.actor}",
        )
