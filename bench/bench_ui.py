"""UI benchmarks: the ward board with 3,000 open spells, offscreen.

1. Board shown: query (worker) + model fill + first paint, measured on the GUI thread
   from the refresh request until the table's viewport has painted the rows.
2. Quick search: one keystroke in the search box (filter + layout change + repaint of
   the table's viewport; the status-bar counts follow on the next event-loop turn).
   Also measured as the whole event-loop turn after the keystroke (processEvents: the
   counts, scroll bars, header, search box and table painted as the program would).
3. Cold start: a fresh process (interpreter start, imports, opening the database with
   its start-up checks, reference lists, board) until the board has painted.

    python bench/build_data.py --db /tmp/bench_ui.sqlite3 --open 3000 --discharged 100000
    QT_QPA_PLATFORM=offscreen python bench/bench_ui.py --db /tmp/bench_ui.sqlite3 \
        --out bench/results/ui.md

Medians (and p90) of repeated runs are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from discharge_hub.db import Database  # noqa: E402
from discharge_hub.ui.screenshots import wait_for  # noqa: E402


def _paint(window) -> None:
    window.board.table.viewport().repaint()  # synchronous: the first paint of the rows


def _stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.9) - 1)]


def bench_board_and_search(db_url: str, reps: int) -> dict[str, list[float]]:
    from discharge_hub.ui.app import build_window, ensure_app

    ensure_app()
    database = Database.open(db_url)
    window, runner = build_window(actor="bench")
    runner.database = database
    window.resize(1440, 900)
    window.show()
    window.load_references()
    wait_for([window.refs_loaded], 60_000)
    shown: list[float] = []
    for n in range(reps + 2):
        started = time.perf_counter()
        window.load_board()
        wait_for([window.board_loaded], 60_000)
        _paint(window)
        if n >= 2:  # two warm-up runs
            shown.append((time.perf_counter() - started) * 1000)
    rows = window.model.rowCount()
    names = sorted({r.family_name for r in window.model.all_rows()})
    texts: list[str] = []
    for name in names[:: max(1, len(names) // 12)][:12]:
        texts += [name[:i] for i in range(1, min(len(name), 5) + 1)] + [""]
    keystrokes: list[float] = []
    for text in texts:
        started = time.perf_counter()
        window.board.search.setText(text)
        _paint(window)
        keystrokes.append((time.perf_counter() - started) * 1000)
    QApplication.processEvents()
    turns: list[float] = []
    for text in texts:
        started = time.perf_counter()
        window.board.search.setText(text)
        QApplication.processEvents()
        turns.append((time.perf_counter() - started) * 1000)
    runner.wait_idle()
    window.close()
    database.dispose()
    return {"shown": shown, "search": keystrokes, "turn": turns, "rows": [float(rows)]}


CHILD = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from discharge_hub.ui.app import build_window, ensure_app, start
app = ensure_app()
window, runner = build_window(actor="bench")
window.resize(1440, 900)
window.show()
state = {{"n": 0}}
def ready(*_):
    state["n"] += 1
    if state["n"] == 2:
        window.board.table.viewport().repaint()
        print("READY", window.model.rowCount(), time.time(), flush=True)
        QTimer.singleShot(0, app.quit)
window.refs_loaded.connect(ready)
window.board_loaded.connect(ready)
start(window, {url!r})
app.exec()
runner.wait_idle()
"""


def bench_cold_start(db_url: str, reps: int) -> list[float]:
    times: list[float] = []
    code = CHILD.format(root=str(ROOT), url=db_url)
    for _ in range(reps):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        ).stdout
        line = next(li for li in out.splitlines() if li.startswith("READY"))
        times.append((float(line.split()[2]) - started) * 1000)
    return times


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def report(
    db_url: str, results: dict[str, list[float]], cold: list[float], cmd: str, load_before: str
) -> str:
    shown, search = _stats(results["shown"]), _stats(results["search"])
    turn = _stats(results["turn"])
    start = _stats(cold)
    rows = int(results["rows"][0])

    def verdict(value: float, target: float) -> str:
        return "met" if value < target else "MISSED"

    return "\n".join(
        [
            "# UI benchmark (ward board)",
            "",
            f"{rows:,} open spells on the board; database `{Database.open(db_url).url}`"
            " built by `bench/build_data.py`. Offscreen Qt (`QT_QPA_PLATFORM=offscreen`).",
            "",
            "| Measure | Runs | Median ms | p90 ms | Target | |",
            "|---|---:|---:|---:|---:|---|",
            f"| Board shown: query + model fill + first paint | {len(results['shown'])} | "
            f"{shown[0]:.0f} | {shown[1]:.0f} | < 300 | {verdict(shown[0], 300)} |",
            f"| Quick-search keystroke: re-filter + repaint | {len(results['search'])} | "
            f"{search[0]:.1f} | {search[1]:.1f} | < 16 | {verdict(search[0], 16)} |",
            f"| Quick-search keystroke: whole event-loop turn (counts, all repaints) | "
            f"{len(results['turn'])} | {turn[0]:.1f} | {turn[1]:.1f} | < 16 | "
            f"{verdict(turn[0], 16)} |",
            f"| Cold start to interactive board (new process) | {len(cold)} | "
            f"{start[0]:.0f} | {start[1]:.0f} | < 2000 | {verdict(start[0], 2000)} |",
            "",
            f"Machine: {platform.system()} {platform.machine()}, nproc {os.cpu_count()}, "
            f"load average (1/5/15 min) {load_before} before the runs and {_load()} after, "
            f"Python {platform.python_version()}. The machine may be shared (read the load), "
            "so absolute times are noisy; medians are the figures to compare.",
            "",
            f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            "Reproduce (from the repository root):",
            "",
            "```",
            "python bench/build_data.py --db /tmp/bench_ui.sqlite3 --open 3000 --discharged 100000",
            cmd,
            "```",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database built by bench/build_data.py")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--cold-reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown here")
    args = parser.parse_args(argv)
    load_before = _load()
    results = bench_board_and_search(args.db, args.reps)
    cold = bench_cold_start(args.db, args.cold_reps)
    cmd = (
        f"QT_QPA_PLATFORM=offscreen python bench/bench_ui.py --db /tmp/bench_ui.sqlite3 "
        f"--reps {args.reps} --cold-reps {args.cold_reps} --out bench/results/ui.md"
    )
    text = report(args.db, results, cold, cmd, load_before)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
