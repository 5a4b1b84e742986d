"""Opening a board round on a ward with several patients, at its first bed."""

from __future__ import annotations

from tests.ui.conftest import wait_loaded


def busiest_ward_round(qtbot, main_window):
    rows = main_window.model.all_rows()
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.ward_id] = counts.get(r.ward_id, 0) + 1
    main_window.board.select_ward(max(counts, key=lambda w: counts[w]))
    round_ = main_window.open_board_round()
    wait_loaded(qtbot, round_)
    assert round_.position == 0 and len(round_.rows) >= 2
    return round_
