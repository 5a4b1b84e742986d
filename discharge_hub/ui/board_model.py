"""The ward board's item model: all open spells in memory, filtered and sorted here.

Filtering a few thousand plain rows in Python with a precomputed search key is
cheaper than a proxy model calling back into Python per row (a QSortFilterProxyModel
asks filterAcceptsRow, or data() for its filter role, once per source row: 3,000 calls
into Python per keystroke). A new filter is announced as a layout change, not a reset,
so the view keeps its header, scroll position and the selected patient. Each row's
texts and colours are worked out once and kept, for the board's delegate to paint
with one call per cell (bench/bench_ui.py measures a keystroke).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from discharge_hub import wards
from discharge_hub.services.board import BoardRow
from discharge_hub.ui import formatting as fmt

RowRole = Qt.ItemDataRole.UserRole + 1

QUICK_VIEWS: tuple[tuple[str, str], ...] = (
    ("all", "All patients"),
    ("nctr", "Ready for discharge (NCTR)"),
    ("edd_passed", "EDD passed"),
    ("no_edd", "No EDD"),
    ("los7", "LOS 7+ (stranded)"),
    ("los21", "LOS 21+ (super-stranded)"),
    ("no_carer", "No carer contact (P1–P3)"),
)

_VIEW_TESTS: dict[str, Callable[[BoardRow], bool]] = {
    "all": lambda r: True,
    "nctr": lambda r: r.ready_for_discharge,
    "edd_passed": lambda r: r.edd_passed,
    "no_edd": lambda r: r.edd is None,
    "los7": lambda r: r.los >= 7,
    "los21": lambda r: r.los >= 21,
    "no_carer": lambda r: r.no_carer_contact_flag,
}


@dataclass(frozen=True)
class BoardFilter:
    site: str | None = None
    ward_id: int | None = None
    pathway: str | None = None  # "none" for no pathway yet
    view: str = "all"
    search: str = ""


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[BoardRow], str]
    key: Callable[[BoardRow], Any]


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _place(r: BoardRow) -> tuple[object, ...]:
    """Site, ward in natural order ("Ward 2" before "Ward 10"), then bed."""
    return wards.board_order(r.site, r.ward, r.bed_sort_key)


COLUMNS: tuple[Column, ...] = (
    Column("Ward", lambda r: r.ward, _place),  # text: the model's label ("Ward 15 · GH")
    Column("Bed", lambda r: r.bed or "", _place),
    Column(
        "Patient",
        lambda r: f"{r.family_name.upper()}, {r.given_name}",
        lambda r: (r.family_name.lower(), r.given_name.lower()),
    ),
    Column("NHS number", lambda r: fmt.nhs(r.nhs_number), lambda r: r.nhs_number),
    Column("Age", lambda r: str(r.age), lambda r: r.age),
    Column("LOS", lambda r: fmt.los_text(r.los), lambda r: r.los),
    Column("EDD", lambda r: fmt.edd_text(r.edd, r.days_to_edd), lambda r: _none_last(r.edd)),
    Column(
        "Ready since (DRD)",
        lambda r: fmt.drd_text(r.discharge_ready_date, r.delay_days),
        lambda r: _none_last(-r.delay_days if r.delay_days is not None else None),
    ),
    Column("Pathway", lambda r: r.pathway or "", lambda r: _none_last(r.pathway)),
    Column(
        "Delay reason",
        lambda r: f"{r.delay_reason} {r.delay_reason_label}" if r.delay_reason else "",
        lambda r: _none_last(r.delay_reason),
    ),
    Column(
        "Placement",
        lambda r: (r.placement_state or "").replace("_", " ").capitalize(),
        lambda r: _none_last(r.placement_state),
    ),
    Column(
        "Carer", lambda r: r.carer_status, lambda r: (not r.no_carer_contact_flag, r.carer_status)
    ),
    Column(
        "Red2Green",  # today's colour, in words
        lambda r: (r.red2green or "").capitalize(),
        lambda r: _none_last(r.red2green),
    ),
    Column("Next action", lambda r: r.next_action or "", lambda r: (r.next_action or "").lower()),
)
COL_WARD, COL_EDD, COL_DRD, COL_CARER, COL_LOS, COL_R2G = 0, 6, 7, 11, 5, 12

# Colour is a second cue only: every coloured cell also says it in words.
_AMBER = QBrush(QColor("#fff1c2"))
_RED = QBrush(QColor("#ffd6d6"))
_BLUE = QBrush(QColor("#d9ecff"))
_GREEN = QBrush(QColor("#d4f0dc"))

# Rows move, appear and vanish; columns never change (so the header keeps its sections).
_ROWS_ONLY = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_LAYOUT_SIGNATURE = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"

Cells = tuple[tuple[str, ...], tuple[QBrush | None, ...]]  # display texts, backgrounds


def search_key(r: BoardRow) -> str:
    return " ".join(
        (r.family_name, r.given_name, r.family_name, r.nhs_number, r.bed or "", r.ward)
    ).lower()


def matches(r: BoardRow, f: BoardFilter) -> bool:
    if f.site and r.site != f.site:
        return False
    if f.ward_id is not None and r.ward_id != f.ward_id:
        return False
    if f.pathway and (r.pathway or "none") != f.pathway:
        return False
    return _VIEW_TESTS[f.view](r)


def normalise_search(text: str) -> str:
    """The search as the rows' keys hold it: lower case, spaces collapsed, commas dropped
    ("Bramley, Sh" as the board shows the name finds "bramley sheila"), an NHS number
    without its spaces."""
    text = " ".join(text.replace(",", " ").lower().split())
    compact = text.replace(" ", "")
    return compact if compact.isdigit() else text


class BoardModel(QAbstractTableModel):
    """Board rows (BoardRow) as a table; the view sorts and filters through it."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[BoardRow] = []
        self._keys: dict[int, str] = {}
        self._rows: list[BoardRow] = []
        self._filter = BoardFilter()
        self._cells: dict[int, Cells] = {}  # by spell id, worked out on first paint
        self._candidates: list[tuple[BoardRow, str]] = []  # rows passing all but the search
        self._shown: list[tuple[BoardRow, str]] | None = None  # the rows shown, with keys
        self._sort: tuple[int, Qt.SortOrder] = (1, Qt.SortOrder.AscendingOrder)
        self._ward_labels: dict[int, str] = {}  # "Ward 15 · GH" where the name is shared

    # -- Qt model API ---------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(index.row())[0][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of an elided cell
            if index.column() == COL_WARD:
                r = self._rows[index.row()]
                return f"{r.ward}, {r.site}"
            return self.cells(index.row())[0][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.cells(index.row())[1][index.column()]
        if role == RowRole:
            return self._rows[index.row()]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = (column, order)
        self._sort_all()
        self._refresh_candidates()
        self._show([r for r in self._all if self._accepts(r)])

    # -- our API ----------------------------------------------------------------
    def set_rows(self, rows: Sequence[BoardRow]) -> None:
        self.beginResetModel()
        self._all = list(rows)
        self._cells = {}
        self._keys = {r.spell_id: search_key(r) for r in self._all}
        self._label_wards()
        self._sort_all()
        self._refresh_candidates()
        self._rows = [r for r in self._all if self._accepts(r)]
        self._shown = None
        self.endResetModel()

    def set_filter(self, f: BoardFilter) -> None:
        if f == self._filter:
            return
        old, self._filter = self._filter, f
        same_filters = replace(old, search=f.search) == f
        if not same_filters:
            self._candidates = [
                (r, self._keys.get(r.spell_id, "")) for r in self._all if matches(r, f)
            ]
        # Typing one more letter narrows the rows already shown: search only those. Not
        # when a filter changed too: the rows shown were found among other candidates.
        narrowing = (
            same_filters
            and bool(old.search)
            and f.search.startswith(old.search)
            and len(self._rows) < len(self._candidates)
        )
        pool = self._shown if narrowing and self._shown is not None else self._candidates
        shown = [(r, key) for r, key in pool if f.search in key] if f.search else pool
        self._show([r for r, _ in shown])
        self._shown = shown

    def set_search(self, text: str) -> None:
        self.set_filter(replace(self._filter, search=normalise_search(text)))

    @property
    def filter(self) -> BoardFilter:
        return self._filter

    def replace_row(self, spell_id: int, row: BoardRow | None) -> None:
        """After a save: show the fresh row (None: the spell left the board)."""
        self.update_rows([row] if row is not None else [], () if row is not None else (spell_id,))

    def update_rows(
        self, rows: Sequence[BoardRow], removed: Iterable[int] = (), *, complete: bool = False
    ) -> None:
        """Fresh rows for some spells (a save, a live notice): each replaces its old row,
        a new spell is added, ``removed`` ones leave (``complete``: ``rows`` is the whole
        board). The filter, search and sort are applied again, so a row that no longer
        matches leaves the view; the selection and scroll stay with their patients."""
        fresh = {r.spell_id: r for r in rows}
        where = {r.spell_id: n for n, r in enumerate(self._all)}
        gone = {i for i in removed if i in where and i not in fresh}
        if complete:
            gone |= where.keys() - fresh.keys()
        old = {i: self._all[where[i]] for i in fresh if i in where}
        added = [r for i, r in fresh.items() if i not in where]
        if not fresh and not gone:
            return
        for i in fresh.keys() | gone:
            self._cells.pop(i, None)
        for i, r in fresh.items():
            if i in where:
                self._all[where[i]] = r  # in place: ties in the sort keep their order
            self._keys[i] = search_key(r)
        if not gone and not added and self._in_place(old, fresh):
            return
        self._all = [r for r in self._all if r.spell_id not in gone] + added
        if added and self._label_wards():
            self._cells = {}
        if added or self._sort_moves(old, fresh):
            self._sort_all()
        self._refresh_candidates()
        search = self._filter.search
        shown = [r for r, key in self._candidates if not search or search in key]
        if [r.spell_id for r in shown] == [r.spell_id for r in self._rows]:
            self._shown, self._rows = None, shown  # same patients, same places
        else:
            self._show(shown)
        self._rows_changed(fresh.keys())

    def _sort_moves(self, old: dict[int, BoardRow], fresh: dict[int, BoardRow]) -> bool:
        key = COLUMNS[self._sort[0]].key
        return any(key(r) != key(fresh[i]) for i, r in old.items())

    def _in_place(self, old: dict[int, BoardRow], fresh: dict[int, BoardRow]) -> bool:
        """The common case (a save, a notice): rows changed where they stand, none moved,
        left or joined the view. Replaces them without walking the whole board."""
        f = self._filter
        if self._sort_moves(old, fresh) or any(
            matches(r, f) != matches(fresh[i], f)
            or (f.search in self._keys[i]) != (f.search in search_key(r))
            for i, r in old.items()
        ):
            return False
        for rows in (self._candidates, self._shown or []):
            for n, (r, _key) in enumerate(rows):
                if r.spell_id in fresh:
                    rows[n] = (fresh[r.spell_id], self._keys[r.spell_id])
        for n, r in enumerate(self._rows):
            if r.spell_id in fresh:
                self._rows[n] = fresh[r.spell_id]
        self._rows_changed(fresh.keys())
        return True

    def _rows_changed(self, spell_ids: Iterable[int]) -> None:
        ids, last = set(spell_ids), len(COLUMNS) - 1
        for n, r in enumerate(self._rows):
            if r.spell_id in ids:
                self.dataChanged.emit(self.index(n, 0), self.index(n, last))

    def cells(self, row: int) -> Cells:
        """Display texts and background brushes of one shown row, by column."""
        r = self._rows[row]
        cells = self._cells.get(r.spell_id)
        if cells is None:  # formatted once per row, on first paint
            texts = [c.text(r) for c in COLUMNS]
            texts[COL_WARD] = self._ward_labels.get(r.ward_id, r.ward)
            cells = self._cells[r.spell_id] = (
                tuple(texts),
                tuple(self._background(r, col) for col in range(len(COLUMNS))),
            )
        return cells

    def longest_texts(self, column: int, n: int = 6) -> list[str]:
        """The ``n`` longest texts of a column over every row (to size it to content)."""
        if column == COL_WARD:
            texts = {self._ward_labels.get(r.ward_id, r.ward) for r in self._all}
        else:
            text = COLUMNS[column].text
            texts = {text(r) for r in self._all}
        return sorted(texts, key=len, reverse=True)[:n]

    def ward_label(self, ward_id: int) -> str | None:
        """The Ward column's text for a ward ("Ward 15 · GH" where the name is shared)."""
        return self._ward_labels.get(ward_id)

    def _label_wards(self) -> bool:
        """Work out the wards' labels from the rows; True if any changed."""
        seen = {r.ward_id: (r.ward_id, r.ward, r.site) for r in self._all}
        labels = wards.ward_labels(seen.values())
        changed = labels != self._ward_labels
        self._ward_labels = labels
        return changed

    def row_at(self, row: int) -> BoardRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def position_of(self, spell_id: int) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.spell_id == spell_id), None)

    def all_rows(self) -> list[BoardRow]:
        return list(self._all)

    def visible_rows(self) -> list[BoardRow]:
        return list(self._rows)

    @property
    def total(self) -> int:
        return len(self._all)

    def summary(self) -> str:
        nctr = delay = passed = no_edd = los21 = no_carer = 0
        for r in self._rows:  # one pass (1-3 ms for 3,000 rows): the window coalesces calls
            if r.delay_days is not None:
                nctr += 1
                delay += r.delay_days
            if r.edd is None:
                no_edd += 1
            elif r.days_to_edd is not None and r.days_to_edd < 0:
                passed += 1
            los21 += r.los >= 21
            no_carer += r.no_carer_contact_flag
        hidden = self.hidden_matches()
        outside = f" ({hidden} more found outside the filters)" if hidden else ""
        return (
            f"Showing {len(self._rows)} of {len(self._all)} patients{outside} · NCTR {nctr} "
            f"({delay} delay days) · EDD passed {passed} · no EDD {no_edd} · "
            f"LOS 21+ {los21} · no carer contact (P1–P3) {no_carer}"
        )

    def hidden_matches(self) -> int:
        """How many patients the search finds that the other filters hide (a search that
        shows nobody says whether the patient is on another ward, not absent)."""
        f = self._filter
        if not f.search or replace(f, search="") == BoardFilter():
            return 0
        keys = self._keys
        return sum(f.search in keys.get(r.spell_id, "") for r in self._all) - len(self._rows)

    # -- internals --------------------------------------------------------------
    def _show(self, rows: list[BoardRow]) -> None:
        """Show these rows instead, as a layout change: persistent indexes (the view's
        current and selected row) follow their patient, or become invalid if filtered out.
        A reset would also relayout the header and drop the selection on every keystroke."""
        self._shown = None  # set again by set_filter
        if len(rows) == len(self._rows) and all(
            a is b for a, b in zip(rows, self._rows, strict=True)
        ):
            return
        # The stubs miss that an overloaded signal is indexed by its signature.
        self.layoutAboutToBeChanged[_LAYOUT_SIGNATURE].emit([], _ROWS_ONLY)  # type: ignore[index]
        old = self.persistentIndexList()
        ids = [self._rows[i.row()].spell_id for i in old]
        self._rows = rows
        if old:
            where = {r.spell_id: n for n, r in enumerate(rows)}
            new = [
                self.index(where[s], i.column()) if s in where else QModelIndex()
                for s, i in zip(ids, old, strict=True)
            ]
            self.changePersistentIndexList(old, new)
        self.layoutChanged[_LAYOUT_SIGNATURE].emit([], _ROWS_ONLY)  # type: ignore[index]

    def _refresh_candidates(self) -> None:
        f = self._filter
        self._candidates = [(r, self._keys.get(r.spell_id, "")) for r in self._all if matches(r, f)]

    def _accepts(self, r: BoardRow) -> bool:
        f = self._filter
        if f.search and f.search not in self._keys.get(r.spell_id, ""):
            return False
        return matches(r, f)

    def _sort_all(self) -> None:
        column, order = self._sort
        key = COLUMNS[column].key
        self._all.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    @staticmethod
    def _background(r: BoardRow, col: int) -> QBrush | None:
        if col == COL_EDD and (r.edd is None or r.edd_passed):
            return _AMBER
        if col == COL_DRD and r.ready_for_discharge:
            return _RED if (r.delay_days or 0) >= 1 else _BLUE
        if col == COL_CARER and r.no_carer_contact_flag:
            return _RED
        if col == COL_LOS and r.los >= 21:
            return _AMBER
        if col == COL_R2G and r.red2green:
            return _RED if r.red2green == "red" else _GREEN
        return None
