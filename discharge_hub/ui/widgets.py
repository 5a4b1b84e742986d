"""Small shared widgets: labelled form fields with an error line, code pickers, tables."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar, cast

from PySide6.QtCore import QAbstractItemModel, QDate, Qt, Signal, SignalInstance
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from discharge_hub.display import dates
from discharge_hub.services.reference_lists import Code

ERROR_STYLE = "color: #a4000f; font-weight: bold;"
DATE_HINT = dates.DATE_HINT  # the placeholder says what the error would

W = TypeVar("W", bound=QWidget)


def date_edit(name: str, text: str = "") -> QLineEdit:
    """A date typed UK style; parsed and checked by the core on save."""
    edit = QLineEdit(text)
    edit.setPlaceholderText(DATE_HINT)
    edit.setAccessibleName(name)
    edit.setMaximumWidth(160)
    return edit


class ComboBox(QComboBox):
    """A drop-down list the mouse wheel never changes: scrolling a form over it scrolls
    the form (found in a real window: two notches of the wheel over a closed Pathway box
    set the patient's pathway). Chosen with a click, or the keyboard when focused; the
    wheel does not give it focus either. Every drop-down of the program is one
    (tests/ui/test_wheel.py)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # passed on to the scroll area under it


class SpinBox(QSpinBox):
    """A number box the mouse wheel never changes (as :class:`ComboBox`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()


class DayEdit(QDateEdit):
    """A day picked from a calendar or typed part by part (day, month, year): the arrow
    keys and typing move between the parts, and Tab leaves the field, as in every
    other field (QDateEdit's Tab stepped through the parts first)."""

    def __init__(self, day: date, *, latest: date | None = None) -> None:
        super().__init__(QDate(day))  # type: ignore[call-overload]  # PySide6 takes a date; the stubs miss it
        self.setCalendarPopup(True)
        self.setDisplayFormat("ddd dd/MM/yyyy")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if latest is not None:
            self.setMaximumDate(QDate(latest))  # type: ignore[call-overload]

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # never changes the day (as ComboBox)

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)

    def day(self) -> date:
        return cast(date, self.date().toPython())


def line_edit(name: str, text: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def code_combo(name: str, codes: Iterable[Code], none_label: str | None = None) -> QComboBox:
    box = ComboBox()
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


def _alignment_of(widget: QWidget) -> Qt.AlignmentFlag:
    """Left for a control that keeps its own width, else the full row. A code picker
    (a drop-down sized to a minimum length) takes the field's room once shown
    (``ui.combos.fit``), so it gets the full row too."""
    if (
        isinstance(widget, QComboBox)
        and widget.sizeAdjustPolicy()
        == QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    ):
        return Qt.AlignmentFlag(0)
    policy = widget.sizePolicy().horizontalPolicy().value
    expands = policy & QSizePolicy.PolicyFlag.ExpandFlag.value
    return Qt.AlignmentFlag(0) if expands else Qt.AlignmentFlag.AlignLeft


def edited_signals(widget: QWidget) -> list[SignalInstance]:
    """The signals a user's edit of ``widget`` (or of the buttons inside it) emits."""
    own = getattr(widget, "edited", None)  # a composite input (the criteria picker)
    if isinstance(own, SignalInstance):
        return [own]
    if isinstance(widget, QLineEdit):
        return [widget.textEdited]
    if isinstance(widget, QComboBox):
        return [widget.activated, *([widget.editTextChanged] if widget.isEditable() else [])]
    if isinstance(widget, QAbstractButton):
        return [widget.clicked]
    if isinstance(widget, QPlainTextEdit):
        return [widget.textChanged]
    if isinstance(widget, QAbstractSpinBox):
        return [widget.editingFinished]
    return [b.clicked for b in widget.findChildren(QAbstractButton)]


class Section(QGroupBox):
    """A titled form whose fields each carry an error line, keyed ``section.field``.

    Editing a field hides its error line (the user is correcting it) and emits
    ``error_cleared``, so the screen can take its banner down once nothing is wrong.
    """

    error_cleared = Signal()

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
        self.captions: dict[str, str] = {}  # what the user reads next to each field

    def add_field(self, field: str, label: str, widget: W) -> W:
        holder = QWidget()
        # The error line spans the whole row, not the width of a narrow control (a long
        # message under a drop-down was clipped top and bottom: issue 10).
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget, 0, _alignment_of(widget))
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
        self.captions[field] = (label or getattr(widget, "text", str)() or field).replace("&", "")
        for signal in edited_signals(widget):
            signal.connect(lambda *_args, f=field: self._on_field_edited(f))
        return widget

    def _on_field_edited(self, field: str) -> None:
        label = self.errors[field]
        if label.isVisibleTo(self) or label.text():
            label.clear()
            label.setVisible(False)
            self.error_cleared.emit()

    def has_errors(self) -> bool:
        return any(label.text() for label in self.errors.values())

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
