"""The desktop's start (discharge_hub/ui/app.py): who is signed in, shown where it
leaves the board's counts their room."""

from __future__ import annotations

from discharge_hub.db import Database, sqlite_path
from discharge_hub.ui.app import show_signed_in


def test_the_status_bar_keeps_the_counts_whole_at_1280(qtbot, main_window, demo_db: Database):
    main_window.resize(1280, 800)
    show_signed_in(main_window, demo_db)
    path = sqlite_path(demo_db.url)
    assert path is not None
    label = main_window.db_label
    assert label.text().endswith(f"single user · {path.name}")
    assert str(path.parent) not in label.text() and str(path) in label.toolTip()
    counts = main_window.counts
    qtbot.waitUntil(lambda: counts.text().startswith("Showing"), timeout=10_000)
    qtbot.waitUntil(lambda: counts.width() >= counts.sizeHint().width(), timeout=5_000)


def test_in_a_narrow_window_the_filters_give_way_to_the_search(qtbot, main_window):
    """Found in a real window at half a screen's width: the search box shrank to "S…"
    behind the four filters, and the counts were cut with no way to read them."""
    from discharge_hub.ui.board_view import FILTER_MIN_WIDTH, SEARCH_MIN_WIDTH

    board = main_window.board
    boxes = (board.site_box, board.ward_box, board.pathway_box, board.view_box)
    main_window.resize(1500, 800)
    qtbot.waitUntil(lambda: board.search.width() > SEARCH_MIN_WIDTH, timeout=5_000)
    wide = [box.width() for box in boxes]
    assert all(w >= box.sizeHint().width() for w, box in zip(wide, boxes, strict=True))
    main_window.resize(800, 700)
    qtbot.waitUntil(lambda: board.width() <= 800, timeout=5_000)
    qtbot.wait(50)  # the layout settles
    assert board.search.width() >= SEARCH_MIN_WIDTH
    assert board.search.geometry().right() <= board.width()  # all of it inside the window
    assert any(box.width() < w for box, w in zip(boxes, wide, strict=True))
    assert all(box.width() >= box.minimumSizeHint().width() for box in boxes)
    assert all(box.minimumSizeHint().width() <= FILTER_MIN_WIDTH for box in boxes)
    counts = main_window.counts
    qtbot.waitUntil(lambda: counts.text().startswith("Showing"), timeout=10_000)
    assert counts.toolTip() == counts.text()
