"""What the hub's list screens share: filters over a table, action buttons, a message
line, counts with the time of the last update, Esc to close, and live updates that
re-fetch only the rows of the spells a change names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui.errors import make_banner
from discharge_hub.ui.hub.actions import action_message
from discharge_hub.ui.live import ChangeHub, DataChange, Refetch
from discharge_hub.ui.queue_model import QueueModel, QueueTable
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import ComboBox

INFO_STYLE = "QLabel { color: #1d3d5c; }"


def combo(name: str) -> QComboBox:
    box = ComboBox()
    box.setAccessibleName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def button(text: str, name: str, slot: Callable[[], None]) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name)
    b.clicked.connect(slot)
    return b


class ListScreen(QWidget):
    """A main-window screen: filters, a QueueTable, buttons, a message line."""

    spell_activated = Signal(int)
    close_requested = Signal()
    loaded = Signal()  # a load or live update was applied

    title = "List"

    def __init__(
        self,
        runner: TaskRunner,
        changes: ChangeHub,
        refs: ReferenceLists,
        model: QueueModel,
        table_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.changes, self.refs = runner, changes, refs
        self.model = model
        self.table = QueueTable(model, table_name)
        self.table.activated_row.connect(self._on_row_activated)
        self.setFocusProxy(self.table)  # keys go to the list when the screen is shown
        self.filters = QHBoxLayout()
        self.actions_row = QHBoxLayout()
        self.banner = make_banner()
        self.counts = QLabel()
        self.counts.setAccessibleName(f"{self.title} counts")
        self.counts.setStyleSheet(INFO_STYLE)
        self.refetch = Refetch(
            runner, f"loading the {self.title.lower()}", self.work, self._apply, self
        )
        changes.data_changed.connect(self.on_data_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_requested.emit)

    def lay_out(self, *below: QWidget) -> None:
        self.filters.addStretch(1)
        self.filters.addWidget(self.counts)
        self.actions_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.actions_row)
        for widget in below:
            layout.addWidget(widget)
        self._on_current_changed()

    def add_filter(self, label: str, box: QComboBox) -> None:
        caption = QLabel(label)
        caption.setBuddy(box)
        self.filters.addWidget(caption)
        self.filters.addWidget(box)
        box.currentIndexChanged.connect(self.reload)

    def add_buttons(self, *buttons: QPushButton) -> None:
        for b in buttons:
            self.actions_row.addWidget(b)

    # -- loading ------------------------------------------------------------------------
    def work(self, spell_ids: frozenset[int] | None) -> Callable[[Any], Any]:
        """The read for these spells (None: all); called on the GUI thread."""
        raise NotImplementedError

    def reload(self, *_: object) -> None:
        """Everything again (F5, a new filter): ignores a read under way."""
        self.refetch.reset()
        self.refetch.request_all()

    def request_reload(self) -> None:  # the main window's F5
        self.reload()

    def wants(self, change: DataChange) -> bool:
        return True

    def on_data_changed(self, change: DataChange) -> None:
        if self.wants(change):
            self.refetch.request(change)

    def _apply(self, rows: list[Any], spell_ids: frozenset[int] | None) -> None:
        current, first = self.table.current(), self.model.rowCount() == 0
        self.model.update_spells(spell_ids, rows)
        if first and rows:  # widths fit the first rows shown; then the user's widths stay
            self.table.resizeColumnsToContents()
        if current is None and self.model.rowCount():
            self.table.selectRow(0)
        elif current is not None and self.model.position_of(self.model.key_of(current)) is None:
            # The row acted on left the list (started, declined…): nothing is selected,
            # rather than the next patient, whom a repeated key would act on (found in
            # a real window).
            self.table.selectionModel().clear()
        self.counts.setText(f"{self.count_text()} · updated {clock.local(clock.now()):%H:%M}")
        self._on_current_changed()
        self.loaded.emit()

    def count_text(self) -> str:
        return f"{self.model.rowCount()} shown"

    # -- acting -------------------------------------------------------------------------
    def _on_row_activated(self, row: Any) -> None:
        spell_id = getattr(row, "spell_id", None)
        if spell_id is not None:
            self.spell_activated.emit(spell_id)

    def _on_current_changed(self, *_: object) -> None:
        self.enable_buttons(self.table.current())

    def enable_buttons(self, row: Any) -> None:
        """Offer only what the current row allows."""

    def show_message(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def show_error(self, exc: BaseException) -> None:
        self.show_message(action_message(exc))

    def open_current(self) -> None:
        row = self.table.current()
        if row is not None:
            self._on_row_activated(row)
