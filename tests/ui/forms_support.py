"""Driving the forms as a user would: clicks, typing, combo choices, Ctrl+S, reload."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget

from tests.ui.conftest import wait_loaded


def bring_into_view(widget: QWidget) -> None:
    """Make the workspace tab that holds ``widget`` the current one."""
    parent = widget.parentWidget()
    while parent is not None:
        tabs = getattr(parent, "tabs", None)
        if tabs is not None and hasattr(tabs, "widget"):
            for n in range(tabs.count()):
                if tabs.widget(n).isAncestorOf(widget):
                    tabs.setCurrentIndex(n)
        parent = parent.parentWidget()


def click(qtbot, button: QAbstractButton) -> None:
    """A click on the box or the round button itself (the left edge of the control)."""
    bring_into_view(button)
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Select what is there and type over it (an empty ``text`` deletes it)."""
    bring_into_view(edit)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(edit, text)
    assert edit.text() == text


def choose(combo: QComboBox, code: str | None) -> None:
    """Pick the item whose code is ``code`` (None: the "none" item), as from the list."""
    bring_into_view(combo)
    index = combo.findData(code)
    assert index >= 0, f"{code!r} is not offered by {combo.accessibleName()}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def save(qtbot, form) -> None:
    """Ctrl+S, and wait until the save is done."""
    with qtbot.waitSignal(form.saved, timeout=15_000):
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def save_refused(qtbot, form) -> BaseException:
    with qtbot.waitSignal(form.save_failed, timeout=15_000) as blocker:
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    return blocker.args[0]


def reload(qtbot, workspace) -> None:
    """The Reload button (F5): the form shows what the database holds now."""
    with qtbot.waitSignal(workspace.loaded, timeout=15_000):
        qtbot.mouseClick(workspace.reload_button, Qt.MouseButton.LeftButton)


def open_patient(qtbot, window, spell_id: int):
    workspace = window.open_spell(spell_id)
    wait_loaded(qtbot, workspace)
    return workspace
