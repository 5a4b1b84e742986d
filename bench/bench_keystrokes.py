"""Quick-search keystrokes alone, for comparing two builds of the program (A/B).

``bench_ui.py`` measures the keystroke after timing the board's loads in the same
process; to tell whether a change to the board's rows changed the keystroke, this runs
only the keystrokes (the same texts as ``bench_ui.py``, three times) after five board
loads, and prints their median. Run it against two checkouts in ABBA order so the
machine's drift cancels out::

    git archive main | tar -x -C /tmp/before
    for r in . /tmp/before /tmp/before . . /tmp/before /tmp/before .; do
        python bench/bench_keystrokes.py --root "$r" --db /tmp/boardbench/b.sqlite3
    done

It opens its window as ``bench_ui.py`` does, with its own few lines rather than a
helper of ``bench_ui.py``, so that it runs against checkouts older than itself.
A script, not a test. Offscreen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="checkout whose program is measured")
    parser.add_argument("--db", required=True, help="database built by bench/build_data.py")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = str(Path(args.root).resolve())
    sys.path[:0] = [root, root + "/bench"]
    import bench_ui  # the checkout's own helpers

    from discharge_hub.db import Database
    from discharge_hub.ui.app import build_window, ensure_app
    from discharge_hub.ui.screenshots import wait_for

    ensure_app()
    database = Database.open(args.db)
    window, runner = build_window(actor="bench")
    runner.database = database
    window.resize(1440, 900)
    window.show()
    window.load_references()
    wait_for([window.refs_loaded], 60_000)
    for _ in range(5):
        window.load_board()
        wait_for([window.board_loaded], 60_000)
        bench_ui._paint(window)
    names = sorted({r.family_name for r in window.model.all_rows()})
    texts: list[str] = []
    for name in names[:: max(1, len(names) // 12)][:12]:
        texts += [name[:i] for i in range(1, min(len(name), 5) + 1)] + [""]
    times: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            window.board.search.setText(text)
            bench_ui._paint(window)
            times.append((time.perf_counter() - started) * 1000)
    runner.wait_idle()
    window.close()
    database.dispose()
    print(f"{root}: {len(times)} keystrokes, median {statistics.median(times):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
