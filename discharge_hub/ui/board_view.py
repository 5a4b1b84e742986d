"""The ward board panel: filters, quick views, quick search and the table."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from discharge_hub.services.board import BoardRow
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui.board_model import COLUMNS, QUICK_VIEWS, BoardModel
from discharge_hub.ui.widgets import ComboBox
from discharge_hub.wards import ward_labels

DEFAULT_WIDTHS = (120, 50, 190, 110, 45, 70, 210, 230, 60, 220, 120, 170, 80, 260)
# Columns sized to their longest text when the board first loads (up to a cap; longer
# texts are elided in the middle, the whole text is the cell's tooltip).
FIT_COLUMNS: dict[int, int] = {0: 260, 6: 320, 7: 340, 9: 380, 10: 200, 11: 220}
CELL_PADDING = 18


_FEATURE = QStyleOptionViewItem.ViewItemFeature


class BoardDelegate(QStyledItemDelegate):
    """Paints a cell from the model's kept texts and colours in one call into Python.

    The default initStyleOption asks data() for seven roles per cell (font, alignment,
    foreground, check state, decoration, display, background): some 2,500 calls into
    Python to repaint the board, most of a quick-search keystroke's time. The model's
    data() still answers every role (tooltips, accessibility, tests).

    The view marks odd rows Alternate when alternating colours are on; the features are
    set from the row's parity (rows are never moved or hidden on the board) because
    reading and or-ing the option's flags costs two Python enum conversions per cell."""

    def __init__(
        self, model: BoardModel, parent: QObject | None = None, *, alternate: bool
    ) -> None:
        super().__init__(parent)
        self._model = model
        odd = _FEATURE.HasDisplay | (_FEATURE.Alternate if alternate else _FEATURE.HasDisplay)
        self._features = (_FEATURE.HasDisplay, odd)

    def initStyleOption(  # noqa: N802 - Qt override
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row = index.row()
        texts, brushes = self._model.cells(row)
        col = index.column()
        option.text = texts[col]
        option.features = self._features[row & 1]
        brush = brushes[col]
        if brush is not None:
            option.backgroundBrush = brush


class BoardTable(QTableView):
    """The table: Enter opens the current patient."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


SEARCH_MIN_WIDTH = 220  # px: "Search name, NHS num…" and a dozen characters typed
FILTER_MIN_WIDTH = 90  # px: a filter elided to a few characters, its arrow and frame


class SearchBox(QLineEdit):
    """The board's quick search: Down goes to the rows found, as Enter does (then Enter
    opens the patient), as in a browser's address bar."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Down and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class FilterCombo(ComboBox):
    """A board filter: as wide as its longest item while there is room, down to a few
    characters (the current text elided, the whole text in its tooltip) when not."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), FILTER_MIN_WIDTH), hint.height())


class BoardPanel(QWidget):
    spell_activated = Signal(int)  # spell id
    filter_changed = Signal()

    def __init__(self, model: BoardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.site_box = self._combo("Site filter")
        self.ward_box = self._combo("Ward filter")
        self.pathway_box = self._combo("Pathway filter")
        self.view_box = self._combo("Quick view")
        for key, label in QUICK_VIEWS:
            self.view_box.addItem(label, key)
        self.search = SearchBox()
        self.search.setPlaceholderText("Search name, NHS number or bed (Ctrl+F)")
        self.search.setAccessibleName("Quick search")
        self.search.setClearButtonEnabled(True)
        # In a narrow window the filters give way (their texts elided) and the search
        # keeps room to type in (found in a real window: it shrank to "S…").
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        self.table = self._make_table()
        self._layout()
        self._refs: ReferenceLists | None = None
        self.site_box.currentIndexChanged.connect(self._on_site_changed)
        for box in (self.ward_box, self.pathway_box, self.view_box):
            box.currentIndexChanged.connect(self._apply_filter)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.down_pressed.connect(self._on_search_return_pressed)
        self.set_reference_lists(None)
        self._fitted = False
        # After the first paint (~30 ms for 3,000 rows): the board shows without waiting.
        self.model.modelReset.connect(lambda: QTimer.singleShot(0, self._fit_once))

    def _fit_once(self) -> None:
        """Size the content columns once, on the first load with rows, unless the user's
        own widths were restored or set meanwhile."""
        if self._fitted or not self.model.total:
            return
        self._fitted = True
        header = self.table.horizontalHeader()
        if any(header.sectionSize(c) != w for c, w in enumerate(DEFAULT_WIDTHS)):
            return
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each content column as wide as its longest text (between default and cap)."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for col, cap in FIT_COLUMNS.items():
            texts = [*self.model.longest_texts(col), COLUMNS[col].title]
            wanted = max(metrics.horizontalAdvance(t) for t in texts) + CELL_PADDING
            header.resizeSection(col, max(60, min(cap, wanted)))

    def _combo(self, name: str) -> QComboBox:
        box = FilterCombo()
        box.setAccessibleName(name)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return box

    def _make_table(self) -> BoardTable:
        table = BoardTable()
        table.setModel(self.model)
        table.setAlternatingRowColors(True)
        table.setItemDelegate(BoardDelegate(self.model, table, alternate=True))
        # Laying out ~400 cell texts is most of a repaint; Latin text needs no shaping
        # (kerning only), and scripts that do still get it (QFont docs). ~30% faster.
        font = table.font()
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        table.setFont(font)
        table.setAccessibleName("Ward board")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setSortingEnabled(True)
        table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(24)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        # 14 columns do not fit a screen: each user drags the ones they need nearer
        # (kept with the widths in the settings, "board/header").
        header.setSectionsMovable(True)
        for col, width in enumerate(DEFAULT_WIDTHS):
            header.resizeSection(col, width)
        table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        table.activated_row.connect(self._open_row)
        return table

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for text, box in (
            ("&Site", self.site_box),
            ("&Ward", self.ward_box),
            ("Pa&thway", self.pathway_box),
            ("V&iew", self.view_box),
        ):
            label = QLabel(text)
            label.setBuddy(box)
            bar.addWidget(label)
            bar.addWidget(box)
        bar.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def set_reference_lists(self, refs: ReferenceLists | None) -> None:
        self._refs = refs
        for box in (self.site_box, self.pathway_box):
            box.blockSignals(True)
            box.clear()
        self.site_box.addItem("All sites", None)
        self.pathway_box.addItem("All pathways", None)
        self.pathway_box.addItem("No pathway yet", "none")
        if refs is not None:
            for site in refs.sites:
                self.site_box.addItem(site, site)
            for p in refs.pathways:
                self.pathway_box.addItem(p.code, p.code)
                self.pathway_box.setItemData(
                    self.pathway_box.count() - 1, p.label, Qt.ItemDataRole.ToolTipRole
                )
        for box in (self.site_box, self.pathway_box):
            box.blockSignals(False)
        self._fill_wards()

    def _fill_wards(self) -> None:
        site = self.site_box.currentData()
        self.ward_box.blockSignals(True)
        self.ward_box.clear()
        self.ward_box.addItem("All wards", None)
        known = self._refs.wards if self._refs else ()
        labels = ward_labels((w.id, w.name, w.site) for w in known)  # "Ward 15 · GH"
        for ward in known:
            if site is None or ward.site == site:
                self.ward_box.addItem(ward.name if site else labels[ward.id], ward.id)
                self.ward_box.setItemData(
                    self.ward_box.count() - 1,
                    f"{ward.name}, {ward.site}",
                    Qt.ItemDataRole.ToolTipRole,
                )
        self.ward_box.blockSignals(False)

    def _on_site_changed(self) -> None:
        self._fill_wards()
        self._apply_filter()

    def select_ward(self, ward_id: int) -> bool:
        """Filter to one ward (the site follows)."""
        ward = next((w for w in self._refs.wards if w.id == ward_id), None) if self._refs else None
        if ward is None:
            return False
        self.site_box.setCurrentIndex(self.site_box.findData(ward.site))
        self.ward_box.setCurrentIndex(self.ward_box.findData(ward_id))
        return True

    def set_view(self, key: str) -> None:
        self.view_box.setCurrentIndex(self.view_box.findData(key))

    def _apply_filter(self) -> None:
        f = replace(
            self.model.filter,
            site=self.site_box.currentData(),
            ward_id=self.ward_box.currentData(),
            pathway=self.pathway_box.currentData(),
            view=self.view_box.currentData() or "all",
        )
        self.model.set_filter(f)
        self.filter_changed.emit()

    def _on_search_text_changed(self, text: str) -> None:
        self.model.set_search(text)
        self.filter_changed.emit()

    def _on_search_return_pressed(self) -> None:
        """Enter (or Down) in the search box goes to the first match (Enter opens it)."""
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _open_row(self, row: int) -> None:
        board_row = self.model.row_at(row)
        if board_row is not None:
            self.spell_activated.emit(board_row.spell_id)

    def current_row(self) -> BoardRow | None:
        index: QModelIndex = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_spell(self, spell_id: int) -> None:
        pos = self.model.position_of(spell_id)
        if pos is not None:
            self.table.selectRow(pos)
            self.table.scrollTo(self.model.index(pos, 0))
