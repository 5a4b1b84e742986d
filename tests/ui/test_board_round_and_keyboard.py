"""Board round mode, keyboard access, accessible names, remembered column widths."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from discharge_hub.models import Spell
from tests.ui.conftest import wait_loaded


def _ward_with_patients(window, n: int = 2) -> int:
    counts: dict[int, int] = {}
    for r in window.model.all_rows():
        counts[r.ward_id] = counts.get(r.ward_id, 0) + 1
    return max(counts, key=lambda w: counts[w])


def test_board_round_steps_in_bed_order_and_saves_as_it_goes(qtbot, main_window, demo_db):
    ward_id = _ward_with_patients(main_window)
    main_window.board.select_ward(ward_id)
    round_ = main_window.open_board_round()
    wait_loaded(qtbot, round_)
    keys = [r.bed_sort_key or "" for r in round_.rows]
    assert keys == sorted(keys) and len(round_.rows) >= 2
    first = round_.rows[0]
    round_.plan.next_action.setText("Chase care package")
    with qtbot.waitSignal(round_.moved, timeout=10_000) as moved:
        qtbot.keyClick(round_, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert moved.args == [1]
    with demo_db.read() as s:
        assert s.get(Spell, first.spell_id).next_action == "Chase care package"
    row = main_window.model.all_rows()
    assert next(r for r in row if r.spell_id == first.spell_id).next_action == "Chase care package"
    with qtbot.waitSignal(round_.moved, timeout=10_000) as moved:
        qtbot.keyClick(round_, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert moved.args == [0]
    assert round_.plan.next_action.text() == "Chase care package"


def test_board_round_stays_on_a_patient_whose_save_is_refused(qtbot, main_window):
    main_window.board.select_ward(_ward_with_patients(main_window))
    round_ = main_window.open_board_round()
    wait_loaded(qtbot, round_)
    round_.plan.r2g_red.setChecked(True)  # a red day needs its reason
    with qtbot.waitSignal(round_.save_failed, timeout=10_000):
        round_.next()
    assert round_.position == 0
    assert "required" in round_.plan.r2g_section.error_text("reason")
    assert round_.plan.r2g_red.isChecked()


def _unnamed_focusable(root: QWidget) -> list[str]:
    missing = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or not (w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            continue
        if type(w).__name__ in ("QScrollBar", "QTabBar", "QToolButton", "QScrollArea"):
            continue
        if isinstance(w, QAbstractButton) and w.text():
            continue
        if not w.accessibleName():
            missing.append(f"{type(w).__name__}:{w.objectName()}")
    return missing


def test_every_tab_stop_has_an_accessible_name(qtbot, main_window):
    row = main_window.model.all_rows()[0]
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    for n in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(n)
        assert _unnamed_focusable(workspace) == [], workspace.tabs.tabText(n)
    main_window.tabs.setCurrentIndex(0)
    assert _unnamed_focusable(main_window.board) == []


def test_ctrl_f_search_and_escape_close(qtbot, main_window):
    row = main_window.model.all_rows()[3]
    main_window.activateWindow()
    qtbot.keyClick(main_window.board.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert main_window.board.search.hasFocus()
    qtbot.keyClicks(main_window.board.search, row.nhs_number[:6])
    assert row.spell_id in {r.spell_id for r in main_window.model.visible_rows()}
    # The counts follow once the event loop turns (coalesced across keystrokes).
    qtbot.waitUntil(
        lambda: main_window.counts.text().startswith(f"Showing {main_window.model.rowCount()} of"),
        timeout=2000,
    )
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    assert main_window.tabs.count() == 2
    qtbot.keyClick(workspace, Qt.Key.Key_Escape)
    assert main_window.tabs.count() == 1


def test_type_then_down_then_enter_opens_the_patient_found(qtbot, main_window):
    """Searching from the keyboard: Ctrl+F, type, Down to the rows found, Enter opens."""
    row = main_window.model.all_rows()[7]
    main_window.activateWindow()
    qtbot.keyClick(main_window.board.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(main_window.board.search, row.nhs_number)
    qtbot.keyClick(main_window.board.search, Qt.Key.Key_Down)
    table = main_window.board.table
    assert table.hasFocus() and main_window.board.current_row() == row
    with qtbot.waitSignal(main_window.board.spell_activated, timeout=2000) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [row.spell_id]


def test_column_widths_and_geometry_are_remembered(qtbot, main_window):
    from discharge_hub.ui.app import build_window

    main_window.board.table.horizontalHeader().resizeSection(2, 333)
    main_window.save_settings()
    again, _runner = build_window(actor="x")
    qtbot.addWidget(again)
    assert again.board.table.horizontalHeader().sectionSize(2) == 333


def test_a_column_moved_nearer_stays_there_next_time(qtbot, main_window):
    """14 columns do not fit a screen: the Carer column (the P1–P3 red flag) dragged next
    to the patient's name is still there when the program opens again."""
    from discharge_hub.ui.app import build_window
    from discharge_hub.ui.board_model import COL_CARER

    header = main_window.board.table.horizontalHeader()
    assert header.sectionsMovable()
    header.moveSection(header.visualIndex(COL_CARER), 3)
    assert header.logicalIndex(3) == COL_CARER
    main_window.save_settings()
    again, _runner = build_window(actor="x")
    qtbot.addWidget(again)
    assert again.board.table.horizontalHeader().logicalIndex(3) == COL_CARER
    # The model's columns are unchanged: only where they are shown moved.
    assert (
        again.model.headerData(COL_CARER, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        == "Carer"
    )
