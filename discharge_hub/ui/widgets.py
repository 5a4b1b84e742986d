"""Small shared widgets: labelled form fields with an error line, code pickers, tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from discharge_hub.services.reference_lists import Code

ERROR_STYLE = "color: #a4000f; font-weight: bold;"
DATE_HINT = "dd/mm/yyyy"

W = TypeVar("W", bound=QWidget)


def date_edit(name: str, text: str = "") -> QLineEdit:
    """A date typed UK style; parsed and checked by the core on save."""
    edit = QLineEdit(text)
    edit.setPlaceholderText(DATE_HINT)
    edit.setAccessibleName(name)
    edit.setMaximumWidth(160)
    return edit


def line_edit(name: str, text: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def code_combo(name: str, codes: Iterable[Code], none_label: str | None = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(24)
    fill_codes(box, codes, none_label)
    return box


def fill_codes(
    box: QComboBox, codes: Iterable[Code], none_label: str | None = None, *, show_code: bool = True
) -> None:
    box.blockSignals(True)
    box.clear()
    if none_label is not None:
        box.addItem(none_label, None)
    for c in codes:
        box.addItem(f"{c.code} – {c.label}" if show_code else c.label, c.code)
        box.setItemData(box.count() - 1, c.label, Qt.ItemDataRole.ToolTipRole)
    box.blockSignals(False)


UNLISTED_ROLE = Qt.ItemDataRole.UserRole + 1


def select_code(box: QComboBox, code: str | None, *, unknown_label: str | None = None) -> None:
    """Show ``code`` as the current item. With ``unknown_label``, a stored code the list
    no longer offers (a retired list version) is shown as itself, never replaced by the
    first item: the form then shows what is stored, and saving something else keeps it."""
    for n in reversed(range(box.count())):  # the previous record's unlisted code
        if box.itemData(n, UNLISTED_ROLE):
            box.removeItem(n)
    index = box.findData(code)
    if index < 0 and code is not None and unknown_label is not None:
        box.addItem(f"{code} – {unknown_label}", code)
        index = box.count() - 1
        box.setItemData(index, True, UNLISTED_ROLE)
    box.setCurrentIndex(index if index >= 0 else 0)


def read_only_table(name: str, model: QAbstractItemModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setTabKeyNavigation(False)  # Tab moves on to the next control
    model.modelReset.connect(table.resizeColumnsToContents)
    header.setMaximumSectionSize(420)
    return table


class Section(QGroupBox):
    """A titled form whose fields each carry an error line, keyed ``section.field``."""

    def __init__(self, title: str, key: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.key = key
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}

    def add_field(self, field: str, label: str, widget: W) -> W:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        error = QLabel()
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        error.setAccessibleName(f"{label} error")
        box.addWidget(error)
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, holder)
        if not widget.accessibleName():
            widget.setAccessibleName(label.replace("&", ""))
        self.errors[field] = error
        self.fields[field] = widget
        return widget

    def show_error(self, field: str, text: str) -> bool:
        label = self.errors.get(field)
        if label is None:
            return False
        label.setText(f"⚠ {text}")
        label.setVisible(True)
        self.fields[field].setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)

    def error_text(self, field: str) -> str:
        label = self.errors.get(field)
        return label.text() if label is not None and label.isVisibleTo(self) else ""
