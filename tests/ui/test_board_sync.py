"""A row saved in a workspace is on the board at once (discharge_hub/ui/main_window.py
``_on_spell_saved`` and board_sync.py): it joins a filter it now matches and shows its
new values without F5; leaving one is in tests/ui/test_workspace_hub.py (issue 10)."""

from __future__ import annotations

from discharge_hub.ui.board_model import COLUMNS
from tests.ui.forms_support import choose, open_patient

COL_PATHWAY = next(n for n, c in enumerate(COLUMNS) if c.title == "Pathway")

WAIT = 15_000


def test_a_saved_row_that_now_matches_the_filter_joins_the_board(qtbot, main_window) -> None:
    model, board = main_window.model, main_window.board
    target = next(r for r in model.all_rows() if r.pathway is None)
    board.pathway_box.setCurrentIndex(board.pathway_box.findData("P1"))
    shown = {r.spell_id for r in model.visible_rows()}
    assert target.spell_id not in shown and shown
    workspace = open_patient(qtbot, main_window, target.spell_id)
    choose(workspace.plan.pathway, "P1")
    with qtbot.waitSignal(workspace.saved, timeout=WAIT):
        workspace.save()
    # No refresh asked for: the saved row is in the filtered view, with its new pathway.
    visible = {r.spell_id: r for r in model.visible_rows()}
    assert target.spell_id in visible and visible[target.spell_id].pathway == "P1"
    assert set(visible) == shown | {target.spell_id}
    pos = model.position_of(target.spell_id)
    assert model.cells(pos)[0][COL_PATHWAY] == "P1"
    assert main_window.counts.text().startswith(f"Showing {len(visible)} of")
