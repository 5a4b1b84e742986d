"""The keyboard: the shortcut sheet (Help → Keyboard shortcuts) and the check that no two
visible targets in a window share an Alt+letter mnemonic (issue 10).

Qt gives the focus to the first of two targets with the same mnemonic and the user never
reaches the second, so every window keeps its mnemonics unique; a test walks every window
with :func:`clashes`.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# What the sheet lists: (keys, what they do). The menus and tabs show their own
# Alt+letters (underlined); these are the keys that are not written on a control.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+F", "Find a patient on the ward board (then Down or Enter: to the patients found)"),
    ("Ctrl+1", "Ward board"),
    ("Ctrl+2 / Ctrl+3 / Ctrl+4", "Hub referral queue / placements queue / providers"),
    ("Ctrl+5", "Huddle dashboard"),
    ("Ctrl+6", "EDD reliability dashboard"),
    ("Ctrl+Tab / Ctrl+Shift+Tab", "Next / previous open screen"),
    ("Ctrl+O or Enter", "Open the selected patient"),
    ("Ctrl+B", "Board round for the ward"),
    ("Ctrl+P", "Print the handover of the patient in front of you"),
    ("Ctrl+Shift+P", "Print the daily huddle report"),
    ("F5", "Reload the board, the open patient or the board round"),
    ("Ctrl+S", "Save the patient"),
    ("Esc", "Close the patient (asks first if there are unsaved changes)"),
    ("Alt+Right / Alt+Left", "Board round: save and next / previous patient"),
    ("Alt+1 … Alt+6", "Patient: Plan, Hub, Barriers, Carers, Discharge, History"),
    ("F1", "This sheet"),
    ("Ctrl+Q", "Quit"),
)


def mnemonic(text: str) -> str | None:
    """The Alt+letter a control's text gives ("Hub &referral" → "R"; "&&" is a plain &)."""
    n = 0
    while n < len(text) - 1:
        if text[n] == "&":
            if text[n + 1] != "&":
                return text[n + 1].upper()
            n += 1
        n += 1
    return None


def _targets_of(widget: QWidget) -> list[tuple[str, str]]:
    if isinstance(widget, QTabBar):
        texts = [widget.tabText(n) for n in range(widget.count()) if widget.isTabVisible(n)]
        return [(t, f"tab {t!r}") for t in texts]
    if isinstance(widget, QMenuBar):
        return [(a.text(), f"menu {a.text()!r}") for a in widget.actions() if a.isVisible()]
    if isinstance(widget, QAbstractButton):
        return [(widget.text(), f"button {widget.text()!r}")]
    if isinstance(widget, QLabel) and widget.buddy() is not None:
        return [(widget.text(), f"label {widget.text()!r}")]
    if isinstance(widget, QGroupBox):
        return [(widget.title(), f"group {widget.title()!r}")]
    return []


def targets(window: QWidget) -> list[tuple[str, str]]:
    """(letter, what) for every visible control of ``window`` that has a mnemonic."""
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible() or widget.window() is not window.window():
            continue
        for text, what in _targets_of(widget):
            letter = mnemonic(text)
            if letter is not None:
                found.append((letter, what))
    return found


def clashes(window: QWidget) -> dict[str, list[str]]:
    """Letters that two or more visible targets of ``window`` share, with the targets."""
    by_letter: dict[str, list[str]] = defaultdict(list)
    for letter, what in targets(window):
        by_letter[letter].append(what)
    return {k: v for k, v in sorted(by_letter.items()) if len(v) > 1}


def menu_clashes(menu: QMenu) -> dict[str, list[str]]:
    """Letters two items of one menu (or its submenus, each on its own) share."""
    found: dict[str, list[str]] = {}
    by_letter: dict[str, list[str]] = defaultdict(list)
    for action in menu.actions():
        letter = mnemonic(action.text())
        if letter is not None and action.isVisible():
            by_letter[letter].append(action.text())
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            found.update(menu_clashes(submenu))
    found.update({k: v for k, v in by_letter.items() if len(v) > 1})
    return found


class ShortcutSheet(QDialog):
    """Help → Keyboard shortcuts (F1): the keys that are not written on a control."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts – Discharge Hub")
        self.setAccessibleName("Keyboard shortcuts")
        intro = QLabel(
            "Menus, tabs, buttons and field names show their Alt+letter underlined "
            "(hold Alt to see them). The other keys:"
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(SHORTCUTS), 2)  # a fixed list of 17 rows
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, what) in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(what))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)
