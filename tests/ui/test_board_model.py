"""The board's order and ward labels (discharge_hub/ui/board_model.py, board_view.py):
site, then ward in natural order, then bed; a ward name used at two sites is shown with
the site's initials; long cells are elided in the middle with the whole text as tooltip
(issue 10, "Wards and the board")."""

from __future__ import annotations

import re
from itertools import groupby

from PySide6.QtCore import Qt

from discharge_hub.services.board import BoardRow
from discharge_hub.ui.board_model import COL_DRD, COL_WARD, COLUMNS
from discharge_hub.ui.board_view import CELL_PADDING, FIT_COLUMNS

GH, LRI, LGH = "Glenfield Hospital", "Leicester Royal Infirmary", "Leicester General Hospital"
COL_REASON = next(n for n, c in enumerate(COLUMNS) if c.title == "Delay reason")


def _padded(text: str) -> str:
    """Another way to natural order: numbers padded to ten digits."""
    return re.sub(r"\d+", lambda m: m.group().zfill(10), text.lower())


def test_the_default_order_is_site_then_ward_in_natural_order_then_bed(main_window) -> None:
    rows = main_window.model.visible_rows()
    expected = sorted(rows, key=lambda r: (r.site.lower(), _padded(r.ward), r.bed_sort_key or ""))
    assert [r.spell_id for r in rows] == [r.spell_id for r in expected]
    # Each ward is one block: Ward 15 at Glenfield and at the LRI are not interleaved.
    blocks = [key for key, _ in groupby(rows, key=lambda r: r.ward_id)]
    assert len(blocks) == len(set(blocks))
    lgh = [w for w, _ in groupby(r.ward for r in rows if r.site == LGH)]
    assert lgh == sorted(lgh, key=_padded) and lgh.index("Ward 3") < lgh.index("Ward 18")


def _shown(window, r: BoardRow, role=Qt.ItemDataRole.DisplayRole) -> str:
    model = window.model
    pos = model.position_of(r.spell_id)
    return model.data(model.index(pos, COL_WARD), role)


def test_a_ward_name_used_at_two_sites_says_which(main_window) -> None:
    rows = main_window.model.visible_rows()
    gh = next(r for r in rows if r.ward == "Ward 15" and r.site == GH)
    lri = next(r for r in rows if r.ward == "Ward 15" and r.site == LRI)
    names = [(r.ward, r.site) for r in rows]
    only = next(r for r in rows if len({s for w, s in names if w == r.ward}) == 1)
    assert _shown(main_window, gh) == "Ward 15 · GH"
    assert _shown(main_window, lri) == "Ward 15 · LRI"
    assert _shown(main_window, only) == only.ward  # unique: no site needed
    assert _shown(main_window, gh, Qt.ItemDataRole.ToolTipRole) == f"Ward 15, {GH}"


def test_long_cells_are_elided_in_the_middle_with_the_whole_text_as_tooltip(
    qtbot, main_window
) -> None:
    table = main_window.board.table
    qtbot.waitUntil(lambda: main_window.board._fitted, timeout=5_000)  # just after the paint
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    model = main_window.model
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    for col in (COL_DRD, COL_REASON):
        widest = max(metrics.horizontalAdvance(t) for t in model.longest_texts(col, 50))
        # As wide as the longest text, unless that passes the column's cap.
        assert header.sectionSize(col) >= min(widest + CELL_PADDING, FIT_COLUMNS[col])
    reason = max(
        (r for r in model.visible_rows() if r.delay_reason),
        key=lambda r: len(r.delay_reason_label or ""),
    )
    index = model.index(model.position_of(reason.spell_id), COL_REASON)
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == f"{reason.delay_reason} {reason.delay_reason_label}"


def test_the_ward_filter_names_shared_wards_with_their_site(main_window) -> None:
    box = main_window.board.ward_box
    items = {box.itemText(i): box.itemData(i) for i in range(box.count())}
    assert "Ward 15 · GH" in items and "Ward 15 · LRI" in items
    assert not any("(" in text for text in items)  # short: the search box keeps its room
    gh = box.findText("Ward 15 · GH")
    assert box.itemData(gh, Qt.ItemDataRole.ToolTipRole) == f"Ward 15, {GH}"
    box.setCurrentIndex(gh)
    rows = main_window.model.visible_rows()
    assert rows and {(r.ward, r.site) for r in rows} == {("Ward 15", GH)}


def test_the_ward_filter_lists_wards_in_natural_order(main_window) -> None:
    """Reported from a real window: "Ward 18, Ward 22, Ward 3, Ward 6"."""
    board = main_window.board
    board.site_box.setCurrentIndex(board.site_box.findData(LGH))
    names = [board.ward_box.itemText(i) for i in range(1, board.ward_box.count())]
    numbered = [n for n in names if re.fullmatch(r"Ward \d+", n)]
    assert len(numbered) >= 3 and len({len(n) for n in numbered}) > 1  # "Ward 6", "Ward 18"
    assert names == sorted(names, key=_padded)
    board.site_box.setCurrentIndex(board.site_box.findData(None))  # all sites: by site
    items = [
        board.ward_box.itemData(i, Qt.ItemDataRole.ToolTipRole)
        for i in range(1, board.ward_box.count())
    ]
    keys = [(site, _padded(ward)) for ward, site in (t.split(", ", 1) for t in items)]
    assert keys == sorted(keys)


def test_a_board_round_of_a_shared_ward_name_says_which_site(main_window) -> None:
    gh = next(r for r in main_window.model.visible_rows() if (r.ward, r.site) == ("Ward 15", GH))
    main_window.board.select_spell(gh.spell_id)
    round_ = main_window.open_board_round()
    assert round_ is not None
    tabs = main_window.tabs
    assert tabs.tabText(tabs.indexOf(round_)) == "Board round: Ward 15 · GH"
