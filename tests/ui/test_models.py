"""Every item model passes qtmodeltester, including across filter, sort and row updates."""

from __future__ import annotations

import gc
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from discharge_hub.services import workspace as ws
from discharge_hub.services.board import board
from discharge_hub.ui.board_model import QUICK_VIEWS, BoardFilter, BoardModel, matches
from discharge_hub.ui.rows_model import RowsModel
from discharge_hub.ui.workspace.care import BarriersTab, CarersTab
from discharge_hub.ui.workspace.hub_tab import HubTab
from discharge_hub.ui.workspace.plan import PlanTab
from discharge_hub.ui.workspace.records import HistoryTab


@pytest.fixture
def rows(demo_db):
    with demo_db.read() as s:
        return board(s)


def test_board_model_passes_modeltester_through_filters_and_sorts(qtmodeltester, rows) -> None:
    model = BoardModel()
    model.set_rows(rows)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == len(rows) > 0
    for col in range(model.columnCount()):
        model.sort(col, Qt.SortOrder.DescendingOrder)
        model.sort(col, Qt.SortOrder.AscendingOrder)
    model.set_filter(BoardFilter(view="nctr"))
    model.set_search("a")
    model.replace_row(rows[0].spell_id, replace(rows[0], next_action="Chase TTOs"))
    model.replace_row(rows[1].spell_id, None)
    # Typing narrows, deleting widens, no match empties: each a layout change, which the
    # tester (connected by the first check) follows with its persistent indexes.
    for text in ("", "a", "ar", "a", "zzzz-nobody", ""):
        model.set_search(text)
    left = [r for r in rows if r is not rows[1] and matches(r, BoardFilter(view="nctr"))]
    assert {r.spell_id for r in model.visible_rows()} == {r.spell_id for r in left}
    qtmodeltester.check(model, force_py=True)


def test_search_keeps_the_selected_patient_and_the_column_widths(qtbot, main_window) -> None:
    """A new search moves rows (a layout change, not a reset): the selected patient stays
    selected while shown, and the header keeps its widths and sort order."""
    table, header = main_window.board.table, main_window.board.table.horizontalHeader()
    header.resizeSection(2, 321)
    target = main_window.model.visible_rows()[5]
    main_window.board.select_spell(target.spell_id)
    main_window.board.search.setText(target.nhs_number)
    assert [r.spell_id for r in main_window.model.visible_rows()] == [target.spell_id]
    assert main_window.board.current_row() == target
    assert [i.row() for i in table.selectionModel().selectedRows()] == [0]
    main_window.board.search.setText("zzzz-nobody")
    assert main_window.model.rowCount() == 0 and main_window.board.current_row() is None
    main_window.board.search.clear()
    assert main_window.model.rowCount() == main_window.model.total
    assert header.sectionSize(2) == 321
    assert header.sortIndicatorSection() == 1


def test_board_delegate_paints_what_the_model_says(qtbot, main_window) -> None:
    """The delegate's shortcut (texts and colours without data()) shows the same cells."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QStyleOptionViewItem

    table, model = main_window.board.table, main_window.model
    assert table.font().styleStrategy() & QFont.StyleStrategy.PreferNoShaping
    delegate = table.itemDelegate()
    coloured = 0
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(row, col)
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, index)
            assert option.text == model.data(index, Qt.ItemDataRole.DisplayRole)
            background = model.data(index, Qt.ItemDataRole.BackgroundRole)
            if background is None:
                assert option.backgroundBrush.style() == Qt.BrushStyle.NoBrush
            else:
                coloured += 1
                assert option.backgroundBrush == background
            alternate = QStyleOptionViewItem.ViewItemFeature.Alternate
            assert bool(option.features & alternate) == bool(row % 2)
            assert option.features & QStyleOptionViewItem.ViewItemFeature.HasDisplay
    assert coloured > 0


@pytest.mark.parametrize("view", [key for key, _ in QUICK_VIEWS])
def test_quick_views_keep_only_matching_rows(rows, view: str) -> None:
    model = BoardModel()
    model.set_rows(rows)
    model.set_filter(BoardFilter(view=view))
    shown = model.visible_rows()
    expected = [r for r in rows if matches(r, BoardFilter(view=view))]
    assert {r.spell_id for r in shown} == {r.spell_id for r in expected}
    if view != "all":
        assert len(shown) < len(rows)


def test_quick_search_by_name_nhs_number_and_bed(rows) -> None:
    model = BoardModel()
    model.set_rows(rows)
    target = rows[len(rows) // 2]
    nhs = f"{target.nhs_number[:3]} {target.nhs_number[3:6]} {target.nhs_number[6:]}"
    for text in (nhs, target.nhs_number, target.family_name.upper()):
        model.set_search(text)
        assert target.spell_id in {r.spell_id for r in model.visible_rows()}, text
        assert all(
            text.replace(" ", "").lower() in (r.nhs_number + r.family_name.lower())
            for r in model.visible_rows()
        ), text
    model.set_filter(BoardFilter(ward_id=target.ward_id, search=(target.bed or "").lower()))
    assert target.spell_id in {r.spell_id for r in model.visible_rows()}
    model.set_search("zzzz-nobody")
    assert model.rowCount() == 0


def _expected(rows, f: BoardFilter) -> set[int]:
    """The rows a filter and search should show, worked out the slow, obvious way."""
    return {
        r.spell_id
        for r in rows
        if matches(r, f)
        and f.search
        in " ".join(
            (r.family_name, r.given_name, r.family_name, r.nhs_number, r.bed or "", r.ward)
        ).lower()
    }


def test_a_filter_changed_under_a_search_shows_the_right_rows(rows) -> None:
    """Reported from a real window: search "Marsh", then pick a site: rows of every site
    stayed; pick a ward, search, then "All sites": only the ward's matches stayed."""
    sites = sorted({r.site for r in rows})
    assert len(sites) > 1
    common = max(
        {r.family_name[:2].lower() for r in rows},
        key=lambda p: len({r.site for r in rows if r.family_name.lower().startswith(p)}),
    )
    model = BoardModel()
    model.set_rows(rows)
    steps = [
        BoardFilter(search=common),
        BoardFilter(site=sites[0], search=common),  # a site picked under the search
        BoardFilter(site=sites[1], search=common),
        BoardFilter(search=common),  # back to all sites: every site's matches again
        BoardFilter(site=sites[0], search=common[:1]),  # filter and search both change
        BoardFilter(site=sites[0], search=common),  # then one more letter typed
        BoardFilter(view="nctr", search=common),
        BoardFilter(search=common),
    ]
    seen = []
    for f in steps:
        model.set_filter(f)
        shown = {r.spell_id for r in model.visible_rows()}
        assert shown == _expected(rows, f), f
        seen.append(len(shown))
    assert seen[0] > seen[1] > 0 and seen[3] == seen[0]


def test_a_search_says_how_many_the_filters_hide(rows) -> None:
    """Reported from a real window: a Ward filter on, a search said "Showing 0 of 400"
    with no hint that the patient was on another ward."""
    target = rows[len(rows) // 4]
    other_ward = next(r.ward_id for r in rows if r.ward_id != target.ward_id)
    model = BoardModel()
    model.set_rows(rows)
    model.set_filter(BoardFilter(ward_id=other_ward, search=target.nhs_number))
    assert model.rowCount() == 0
    assert model.hidden_matches() == 1
    assert (
        "Showing 0 of" in model.summary()
        and "(1 more found outside the filters)" in model.summary()
    )
    model.set_filter(BoardFilter(ward_id=target.ward_id, search=target.nhs_number))
    assert model.rowCount() == 1 and model.hidden_matches() == 0
    assert "outside the filters" not in model.summary()
    model.set_filter(BoardFilter(search=target.nhs_number))  # no filter: nothing hidden
    assert model.hidden_matches() == 0
    name = target.family_name.lower()
    model.set_filter(BoardFilter(ward_id=target.ward_id, search=name))
    everywhere = sum(
        name in f"{r.family_name} {r.given_name} {r.family_name}".lower()
        or name in f"{r.nhs_number} {r.bed or ''} {r.ward}".lower()
        for r in rows
    )
    assert model.hidden_matches() == everywhere - model.rowCount()


def test_a_name_searched_as_the_board_shows_it_is_found(rows) -> None:
    model = BoardModel()
    model.set_rows(rows)
    target = rows[len(rows) // 3]
    for text in (
        f"{target.family_name.upper()}, {target.given_name[:2]}",
        f"{target.family_name},{target.given_name}",
        f"  {target.given_name}   {target.family_name} ",
    ):
        model.set_search(text)
        assert target.spell_id in {r.spell_id for r in model.visible_rows()}, text


def test_status_is_text_not_colour_alone(rows) -> None:
    model = BoardModel()
    model.set_rows(rows)
    for n in range(model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(n, col)
            if model.data(index, Qt.ItemDataRole.BackgroundRole) is not None:
                assert model.data(index, Qt.ItemDataRole.DisplayRole), (n, col)


@pytest.fixture
def keep_alive():
    """Holds widgets until after qtmodeltester's teardown (set up before it)."""
    kept: list = []
    yield kept
    for widget in kept:
        widget.deleteLater()
    kept.clear()
    gc.collect()


def test_workspace_models_pass_modeltester(keep_alive, qtmodeltester, demo_db, rows) -> None:
    spell_id = max(rows, key=lambda r: r.carer_count + r.open_barriers).spell_id
    with demo_db.read() as s:
        detail = ws.spell_detail(s, spell_id)
    tabs = [PlanTab(), HubTab(), BarriersTab(), CarersTab(), HistoryTab()]
    keep_alive.extend(tabs)
    models: list[RowsModel] = []
    for tab in tabs:
        tab.load(detail)
        models += [m for m in vars(tab).values() if isinstance(m, RowsModel)]
    assert len(models) == 8  # EDD, referrals, placements, barriers, carers, log, CTR, audit
    assert sum(m.rowCount() for m in models) > 0
    for model in models:
        qtmodeltester.check(model, force_py=True)
