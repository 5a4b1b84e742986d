"""The main window's menus, toolbar and keys: File, Patient, View and Help, built with
the window, and the Reports menu, filled when first opened.

Menu letters F, P, V, H, R: no field, tab or button of a screen uses them
(tests/ui/test_keys.py walks every window).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

if TYPE_CHECKING:
    from discharge_hub.ui.main_window import MainWindow

REPORTS_UI = "discharge_hub.ui.reports.actions"
# Keys of Reports items (the words of the item's text, lower case).
REPORT_KEYS = (
    ("handover", "Ctrl+P"),
    ("huddle report", "Ctrl+Shift+P"),
    ("huddle dashboard", "Ctrl+5"),
    ("edd reliability", "Ctrl+6"),
)
Shortcut = str | QKeySequence.StandardKey | Qt.Key


@dataclass(frozen=True)
class MainActions:
    """The actions the toolbar shows and the role's permissions switch off."""

    refresh: QAction
    open_patient: QAction
    board_round: QAction


def add_action(
    window: MainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[..., object],
    shortcut: Shortcut | None = None,
    tip: str = "",
) -> QAction:
    """A menu item whose key works anywhere in the window."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    menu.addAction(action)
    window.addAction(action)
    return action


def build_menus(w: MainWindow) -> MainActions:
    """File, Patient, View and Help, and the toolbar; Reports if its module is there."""
    bar = w.menuBar()
    file_menu, patient_menu = bar.addMenu("&File"), bar.addMenu("&Patient")
    view_menu, help_menu = bar.addMenu("&View"), bar.addMenu("&Help")
    main = MainActions(
        refresh=add_action(
            w, file_menu, "&Refresh", w.refresh, Qt.Key.Key_F5, "Reload the board or patient (F5)"
        ),
        open_patient=add_action(
            w, patient_menu, "&Open patient", w.open_current, "Ctrl+O", "Open the selected patient"
        ),
        board_round=add_action(
            w, patient_menu, "&Board round for this ward…", w.open_board_round, "Ctrl+B"
        ),
    )
    add_action(w, file_menu, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    add_action(w, view_menu, "&Find patient", w.find_patient, QKeySequence.StandardKey.Find)
    add_action(w, view_menu, "&Ward board", lambda: w.tabs.setCurrentIndex(0), "Ctrl+1")
    view_menu.addSeparator()
    for key, text, shortcut in (
        ("referrals", "Hub &referral queue", "Ctrl+2"),
        ("placements", "&Placements queue", "Ctrl+3"),
        ("providers", "Providers and &vacancies", "Ctrl+4"),
    ):
        add_action(w, view_menu, text, lambda _=False, k=key: w.open_screen(k), shortcut)
    view_menu.addSeparator()
    add_action(w, view_menu, "&Next screen", lambda: w.step_tab(1), "Ctrl+Tab")
    add_action(w, view_menu, "Previou&s screen", lambda: w.step_tab(-1), "Ctrl+Shift+Tab")
    add_action(w, help_menu, "&Keyboard shortcuts", w.show_shortcuts, Qt.Key.Key_F1)
    add_action(w, help_menu, "&About Discharge Hub", w.about)
    tools = w.addToolBar("Main")
    tools.setObjectName("main_toolbar")
    for action in (main.refresh, main.open_patient, main.board_round):
        tools.addAction(action)
    return main


class ReportsMenu:
    """The Reports menu. The reports UI imports ReportLab (~0.4 s), so the menu is filled
    when first opened; its keys work before that (they fill it, then trigger the item)."""

    def __init__(self, window: MainWindow, bar: QMenuBar) -> None:
        self.window = window
        self.menu = bar.addMenu("&Reports")
        self.menu.aboutToShow.connect(self.fill)
        self.keys: dict[str, QAction] = {}
        for words, shortcut in REPORT_KEYS:
            key = QAction(window)
            key.setShortcut(QKeySequence(shortcut))
            key.triggered.connect(lambda _=False, w=words: self.run(w))
            window.addAction(key)
            self.keys[words] = key

    @classmethod
    def add_to(cls, window: MainWindow) -> ReportsMenu | None:
        """The menu, if the reports UI (another engineer's module) is there."""
        if importlib.util.find_spec("discharge_hub.ui.reports") is None:
            return None
        return cls(window, window.menuBar())

    def fill(self) -> None:
        if self.menu.actions():
            return
        add_report_actions = importlib.import_module(REPORTS_UI).add_report_actions
        w = self.window
        add_report_actions(
            self.menu, w, w.runner, w.current_spell_id, show_dashboard=w.show_dashboard
        )
        # The items show their keys; the stand-ins give them up (no ambiguous shortcut).
        for words, key in self.keys.items():
            item = self.item(words)
            if item is not None:
                item.setShortcut(key.shortcut())
                w.addAction(item)
                key.setShortcut(QKeySequence())

    def item(self, words: str) -> QAction | None:
        for item in self.menu.actions():
            if words in item.text().replace("&", "").lower():
                return item
        return None

    def run(self, words: str) -> None:
        """A Reports item by its words ("handover", "huddle dashboard"…), as its key does."""
        self.fill()
        item = self.item(words)
        if item is not None:
            item.trigger()
