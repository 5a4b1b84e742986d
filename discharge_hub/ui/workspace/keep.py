"""Keeping what the user typed across a reload of the form (someone else changed the
patient): the value each input showed when loaded is remembered; an input whose value
differs now was touched by the user, and gets its value back after the reload, while
every untouched input shows the fresh data.

Inputs are found by type (line edits, combo boxes, check and radio buttons, plain text
edits), so every tab of the workspace is covered without code of its own. An input
whose value is derived from other state (not typed) sets the ``dh_not_kept`` property.
Pending choices the tabs keep outside their inputs (barriers marked resolved, carers'
assessments: ``pending_*`` dictionaries) are kept too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)
from shiboken6 import Shiboken

NOT_KEPT = "dh_not_kept"
PENDING = ("pending_resolved", "pending_assessments")


def inputs(roots: Iterable[QWidget]) -> list[QWidget]:
    found: list[QWidget] = []
    for root in roots:
        for w in root.findChildren(QWidget):
            if w.property(NOT_KEPT):
                continue
            if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QComboBox):
                continue  # an editable combo box's own line edit: the combo is kept
            if isinstance(w, QLineEdit | QComboBox | QPlainTextEdit) or (
                isinstance(w, QAbstractButton) and w.isCheckable()
            ):
                found.append(w)
    return found


def value_of(w: QWidget) -> Any:
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        return w.currentText() if w.isEditable() else (w.currentData(), w.currentText())
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    return None


def set_value(w: QWidget, value: Any) -> None:
    if isinstance(w, QLineEdit):
        w.setText(value)
    elif isinstance(w, QPlainTextEdit):
        w.setPlainText(value)
    elif isinstance(w, QComboBox):
        if w.isEditable():
            w.setEditText(value)
        else:
            data, text = value
            index = w.findData(data) if data is not None else w.findText(text)
            if index >= 0:
                w.setCurrentIndex(index)
    elif isinstance(w, QRadioButton):
        if value:  # checking one of a group unchecks the others
            w.setChecked(True)
    elif isinstance(w, QAbstractButton):
        w.setChecked(value)


def _key(w: QWidget) -> int:
    return int(Shiboken.getCppPointer(w)[0])


class FormMemory:
    """What the form's inputs showed at the last load, to tell what the user touched."""

    def __init__(self, roots: Iterable[QWidget]) -> None:
        self._roots = list(roots)
        self._loaded: dict[int, Any] = {}

    def remember_loaded(self) -> None:
        self._loaded = {_key(w): value_of(w) for w in inputs(self._roots)}

    def touched(self) -> list[tuple[QWidget, Any]]:
        """The inputs the user changed since the last load, with their values, in the
        order the form builds them (a box that enables another comes first)."""
        return [
            (w, value)
            for w in inputs(self._roots)
            if _key(w) in self._loaded and (value := value_of(w)) != self._loaded[_key(w)]
        ]

    def pending(self) -> dict[tuple[int, str], dict[Any, Any]]:
        return {
            (n, name): dict(getattr(root, name))
            for n, root in enumerate(self._roots)
            for name in PENDING
            if getattr(root, name, None)
        }

    def restore(
        self,
        touched: list[tuple[QWidget, Any]],
        pending: dict[tuple[int, str], dict[Any, Any]],
        *,
        skip: Iterable[QWidget] = (),
    ) -> None:
        """Put the user's values back after a reload (except ``skip``: theirs kept)."""
        left_out = {_key(w) for w in skip}
        for w, value in touched:
            if _key(w) not in left_out:
                set_value(w, value)
        for (n, name), choices in pending.items():
            root = self._roots[n]
            getattr(root, name).update(choices)
            refresh = getattr(root, "pending_restored", None)
            if refresh is not None:
                refresh()
