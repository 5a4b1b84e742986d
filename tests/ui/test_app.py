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
