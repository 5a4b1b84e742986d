"""The keyboard (issue 10): unique Alt mnemonics in every window, the tab keys, Ctrl+F
from a patient, report keys and the shortcut sheet."""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.exceptions import TimeoutError as WaitTimedOut

from discharge_hub.services import queues
from discharge_hub.services.providers import list_providers
from discharge_hub.ui import keys
from tests.ui.conftest import wait_loaded
from tests.ui.layout_support import clipped_labels


def test_mnemonic_reads_the_letter_after_a_single_ampersand():
    assert keys.mnemonic("Hub &referral queue") == "R"
    assert keys.mnemonic("H&ub && placements") == "U"
    assert keys.mnemonic("Barriers && actions") is None
    assert keys.mnemonic("Save") is None


def _assert_unique(window: QWidget, where: str) -> None:
    if not isinstance(window, keys.ShortcutSheet):  # the sheet has only Close (Esc)
        assert keys.targets(window), f"{where}: no mnemonic found at all (walker broken?)"
    assert keys.clashes(window) == {}, where


def _windows(qtbot, main_window, demo_db):
    """(where, window) for every window, each shown as the user sees it."""
    yield "board", main_window
    for key in ("referrals", "placements", "providers"):
        main_window.open_screen(key)
        yield key, main_window
    main_window.run_report("huddle dashboard")
    yield "huddle dashboard", main_window
    main_window.run_report("edd reliability")
    yield "EDD dashboard", main_window
    with demo_db.read() as s:  # a patient with a placement: the Hub tab shows its buttons
        spell_id = queues.placement_queue(s, state="assessing")[0].spell_id
    row = next(r for r in main_window.model.all_rows() if r.spell_id == spell_id)
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    for n in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(n)
        yield f"workspace tab {workspace.tabs.tabText(n)}", main_window
    main_window.board.select_ward(row.ward_id)
    round_ = main_window.open_board_round()
    wait_loaded(qtbot, round_)
    yield "board round", main_window
    yield from _dialogs(main_window, demo_db)


def _dialogs(main_window, demo_db):
    from discharge_hub.ui.hub.dialogs import (
        DelayReasonDialog,
        ReasonDialog,
        RequestPlacementDialog,
        StartDateDialog,
        VacancyDialog,
        WorkerDialog,
    )
    from discharge_hub.ui.hub.provider_picker import ProviderPicker
    from discharge_hub.ui.sign_in import SignInDialog
    from discharge_hub.ui.workspace.conflict import ConflictDialog, ConflictRow

    with demo_db.read() as s:
        provider = list_providers(s)[0]
    refs = main_window.refs
    yield "reason", ReasonDialog(main_window, "Decline", "Why?", "&Decline")
    yield "request placement", RequestPlacementDialog(main_window, refs, "X")
    yield "worker", WorkerDialog(main_window, "X", None)
    yield "start date", StartDateDialog(main_window, "X")
    yield "vacancies", VacancyDialog(main_window, provider)
    rows = [ConflictRow("EDD", "01/12/2026", "02/12/2026", "A. Person", "03/12/2026", True)]
    yield "conflict", ConflictDialog(main_window, rows, "X")
    yield "delay reason", DelayReasonDialog(main_window, refs, "24/11/2026")
    with demo_db.read() as s:
        placement_id = queues.placement_queue(s, state="assessing")[0].placement_id
    yield (
        "provider picker",
        ProviderPicker(main_window, main_window.runner, placement_id=placement_id, patient="X"),
    )
    yield "sign in", SignInDialog(main_window.runner, parent=main_window)
    yield "shortcut sheet", keys.ShortcutSheet(main_window)


def test_no_two_visible_targets_share_a_mnemonic_in_any_window(qtbot, main_window, demo_db):
    seen: list[str] = []
    clipped: list[str] = []
    # The smallest screen the desktop is made for (a laptop's 1280x800): whatever size an
    # earlier test left the window at. At the window's own minimum (1130x716) the board
    # round's criteria wording is squashed (it does not scroll): noted, not fixed.
    main_window.resize(1280, 800)
    for where, window in _windows(qtbot, main_window, demo_db):
        if window is not main_window:
            qtbot.addWidget(window)
            window.show()
        _assert_unique(window, where)
        # The layouts settle: a text set on load asks for a new height, and a wrapped
        # text's height for its width takes a second pass (slow on a loaded machine).
        with suppress(WaitTimedOut):
            qtbot.waitUntil(lambda w=window: clipped_labels(w) == [], timeout=2000)
        clipped.extend(f"{where}: {t}" for t in clipped_labels(window))
        seen.append(where)
        if window is not main_window:
            window.close()
    assert len(seen) >= 20
    assert clipped == []  # and every wrapped text shows whole


def test_items_of_each_menu_have_unique_mnemonics(main_window):
    main_window.reports.fill()
    menus = [a.menu() for a in main_window.menuBar().actions()]
    assert len(menus) == 5 and all(m.actions() for m in menus)
    for menu in menus:
        assert keys.menu_clashes(menu) == {}, menu.title()


def _press(qtbot, widget, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    widget.window().activateWindow()
    qtbot.keyClick(widget, key, modifiers)


CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_ctrl_tab_and_ctrl_shift_tab_move_between_open_screens(qtbot, main_window):
    rows = main_window.model.all_rows()
    first = main_window.open_spell(rows[0].spell_id)
    wait_loaded(qtbot, first)
    second = main_window.open_spell(rows[1].spell_id)
    wait_loaded(qtbot, second)
    assert main_window.tabs.currentIndex() == 2
    second.plan.next_action.setFocus()  # typing in a field of the patient
    _press(qtbot, second.plan.next_action, Qt.Key.Key_Tab, CTRL)
    assert main_window.tabs.currentIndex() == 0  # round the end, to the board
    _press(qtbot, main_window.board.table, Qt.Key.Key_Tab, CTRL)
    assert main_window.tabs.currentWidget() is first
    _press(qtbot, first, Qt.Key.Key_Backtab, CTRL | SHIFT)
    assert main_window.tabs.currentIndex() == 0
    _press(qtbot, main_window.board.table, Qt.Key.Key_Backtab, CTRL | SHIFT)
    assert main_window.tabs.currentWidget() is second


def test_ctrl_f_from_a_patient_goes_to_the_board_search(qtbot, main_window):
    row = main_window.model.all_rows()[2]
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    workspace.plan.next_action.setFocus()
    _press(qtbot, workspace.plan.next_action, Qt.Key.Key_F, CTRL)
    assert main_window.tabs.currentIndex() == 0
    assert main_window.board.search.hasFocus()
    qtbot.keyClicks(main_window.board.search, row.family_name[:4])
    assert main_window.board.search.text() == row.family_name[:4]
    assert workspace.plan.next_action.text() == (workspace.detail.spell.next_action or "")


def test_ctrl_p_prints_the_handover_of_the_patient_in_front(qtbot, main_window, monkeypatch):
    from discharge_hub.ui.reports import actions

    printed: list[int] = []
    monkeypatch.setattr(
        actions, "open_handover_preview", lambda *_a, spell_id, **_k: printed.append(spell_id)
    )
    row = main_window.model.all_rows()[4]
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    _press(qtbot, workspace.plan.next_action, Qt.Key.Key_P, CTRL)  # before the menu was opened
    assert printed == [row.spell_id]
    _press(qtbot, workspace.plan.next_action, Qt.Key.Key_P, CTRL)  # and after
    assert printed == [row.spell_id, row.spell_id]
    handover = next(a for a in main_window.reports.menu.actions() if "hand" in a.text())
    assert handover.shortcut().toString() == "Ctrl+P"  # the menu shows its key


def test_ctrl_5_opens_the_huddle_dashboard(qtbot, main_window):
    _press(qtbot, main_window.board.table, Qt.Key.Key_5, CTRL)
    assert main_window.tabs.count() == 2
    assert "huddle" in main_window.tabs.tabText(1).lower()


def test_f1_shows_the_shortcut_sheet_listing_the_keys(qtbot, main_window):
    _press(qtbot, main_window.board.table, Qt.Key.Key_F1)
    sheet = next(w for w in main_window.findChildren(keys.ShortcutSheet) if w.isVisible())
    qtbot.addWidget(sheet)
    listed = {sheet.table.item(n, 0).text() for n in range(sheet.table.rowCount())}
    assert {"Ctrl+F", "Ctrl+P", "Ctrl+5", "F5"} <= listed
    for shortcut in ("Ctrl+1", "Ctrl+B", "Ctrl+O", "Ctrl+P", "Ctrl+5", "Ctrl+6", "F5"):
        assert any(shortcut in k for k in listed), shortcut


def test_alt_digits_choose_the_sections_of_a_patient(qtbot, main_window):
    workspace = main_window.open_spell(main_window.model.all_rows()[0].spell_id)
    wait_loaded(qtbot, workspace)
    _press(qtbot, workspace.plan.next_action, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
    assert workspace.tabs.currentIndex() == 5
    _press(qtbot, workspace, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert workspace.tabs.currentIndex() == 2
