"""A table model over keyed rows (queue rows, providers) that live updates change in
place: a fresh row replaces its old one where it is, a row that moves in the queue's
own order is moved (so the selection follows it), new rows are inserted where they
belong, and rows gone are removed. The view sorts through a QSortFilterProxyModel
(:data:`SortRole`); with no column chosen it shows the queue's own order."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from discharge_hub import clock
from discharge_hub.ui.board_model import RowRole

SortRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Col:
    title: str
    text: Callable[[Any], str]
    key: Callable[[Any], Any] | None = None  # sort key; default: the text
    background: Callable[[Any], QBrush | None] | None = None


def sort_text(value: Any) -> str:
    """A sort key as text that sorts as the value does (Qt compares one type per column):
    numbers zero-padded, dates and instants ISO, text case-folded, None last."""
    if value is None:
        return "\uffff"
    if isinstance(value, tuple):
        return "\x1f".join(sort_text(v) for v in value)
    if isinstance(value, bool | int):
        return f"{int(value) + 10**12:013d}"
    if isinstance(value, float):
        return f"{value + 10**12:020.6f}"
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).casefold()


class QueueModel(QAbstractTableModel):
    def __init__(
        self,
        columns: Sequence[Col],
        *,
        key: Callable[[Any], Hashable],
        order: Callable[[Any], Any],
        spell_of: Callable[[Any], int | None] = lambda r: getattr(r, "spell_id", None),
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key, self._order, self._spell_of = key, order, spell_of
        self._rows: list[Any] = []

    # -- Qt model API ---------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row, col = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(row)
        if role == SortRole:
            return sort_text(col.key(row) if col.key is not None else col.text(row))
        if role == Qt.ItemDataRole.BackgroundRole and col.background is not None:
            return col.background(row)
        if role == RowRole:
            return row
        return None

    # -- our API ----------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=self._order)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, n: int) -> Any:
        return self._rows[n] if 0 <= n < len(self._rows) else None

    def key_of(self, row: Any) -> Hashable:
        return self._key(row)

    def position_of(self, key: Hashable) -> int | None:
        return next((n for n, r in enumerate(self._rows) if self._key(r) == key), None)

    def update_spells(self, spell_ids: Iterable[int] | None, rows: Sequence[Any]) -> None:
        """Fresh rows for these spells (None: for everything): in place, moved, added,
        or removed, each announced as such so views keep selection and scroll."""
        fresh = {self._key(r): r for r in rows}
        if spell_ids is None:
            stale = [n for n, r in enumerate(self._rows) if self._key(r) not in fresh]
        else:
            ids = set(spell_ids)
            stale = [
                n
                for n, r in enumerate(self._rows)
                if self._spell_of(r) in ids and self._key(r) not in fresh
            ]
        n: int | None
        for n in reversed(stale):
            self.beginRemoveRows(QModelIndex(), n, n)
            del self._rows[n]
            self.endRemoveRows()
        for key, row in fresh.items():
            n = self.position_of(key)
            if n is None:
                self._insert(row)
            elif self._rows[n] != row:
                self._replace(n, row)

    def _insert(self, row: Any) -> None:
        n = bisect.bisect_right([self._order(r) for r in self._rows], self._order(row))
        self.beginInsertRows(QModelIndex(), n, n)
        self._rows.insert(n, row)
        self.endInsertRows()

    def _replace(self, n: int, row: Any) -> None:
        old = self._rows[n]
        if self._order(old) != self._order(row):
            others = [self._order(r) for i, r in enumerate(self._rows) if i != n]
            target = bisect.bisect_right(others, self._order(row))
            if target != n:  # moved, not removed and added: the selection follows it
                self.beginMoveRows(QModelIndex(), n, n, QModelIndex(), target + (target > n))
                del self._rows[n]
                self._rows.insert(target, row)
                self.endMoveRows()
                n = target
        self._rows[n] = row
        self.dataChanged.emit(self.index(n, 0), self.index(n, len(self._columns) - 1))


class QueueTable(QTableView):
    """A read-only table over a QueueModel, sortable by any column (no column chosen:
    the queue's order). Enter or a double click opens the current row."""

    activated_row = Signal(object)  # the row object

    def __init__(self, model: QueueModel, name: str) -> None:
        super().__init__()
        self.source = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SortRole)
        self.setModel(self.proxy)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMaximumSectionSize(280)  # long names are elided; tooltips show them
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the queue's own order
        model.modelReset.connect(self.resizeColumnsToContents)
        self.doubleClicked.connect(lambda index: self._open(index))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        row = self.row_of(index)
        if row is not None:
            self.activated_row.emit(row)

    def row_of(self, index: QModelIndex) -> Any:
        if not index.isValid():
            return None
        return self.source.row_at(self.proxy.mapToSource(index).row())

    def current(self) -> Any:
        return self.row_of(self.currentIndex())

    def select_key(self, key: Hashable) -> bool:
        n = self.source.position_of(key)
        if n is None:
            return False
        index = self.proxy.mapFromSource(self.source.index(n, 0))
        self.selectRow(index.row())
        self.scrollTo(index)
        return True
