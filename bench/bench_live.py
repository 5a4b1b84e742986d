# ruff: noqa: E501  (the markdown table in report() is one line a row)
"""Benchmark: live refresh on PostgreSQL, to the desktop's board model (issue 9).

Builds 3,000 open spells (``bench/build_data.py``) in a fresh PostgreSQL database
``dh_bench_<random>`` (dropped at the end), starts N listening clients, each its own
process (as each desktop is), then commits changes one at a time from a writer (next
action of one open spell, via the services, as a user's save).

Each client runs the desktop's own live path, offscreen: the listener on its thread
(``ChangeHub``), the queued notice to the GUI thread, ``BoardSync`` re-fetching the
changed rows on a ``TaskRunner`` worker (``workspace.board_rows``) and updating the
``BoardModel`` (3,000 rows, with a table view on it) in place on the GUI thread. A
change has arrived when the model holds the fresh row. Latency: from the writer
starting its unit of work to each client's model having the row. ``--core-only``
runs the core half instead (listener and re-fetch in one thread, no Qt).

Also: re-fetching one changed row (``board_rows`` for one spell, in its own read
session, as a client does after a notice), over many repetitions.

Targets (issue 9): a committed change on every client's board in < 500 ms median,
< 1 s p95; re-fetching one changed row < 5 ms. Writes ``bench/results/live.md``. A
script, not a test.

    python bench/bench_live.py                       # 25 clients, 40 changes
    python bench/bench_live.py --clients 5 --changes 10 --discharged 2000
    python bench/bench_live.py --db postgresql://postgres@127.0.0.1/mydb   # no build
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from discharge_hub import clock, live  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.models import Spell  # noqa: E402
from discharge_hub.services import spells, workspace  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "live.md"
from support import pg_database  # noqa: E402


def now() -> float:
    """One clock for every process: CLOCK_MONOTONIC is system-wide on Linux."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


# --- a client: one process, one listener, its own database connection -------------------


def client(url: str, index: int, ready: Any, out: Any, stop: Any) -> None:
    """The core half only (``--core-only``): listener and re-fetch, no Qt."""
    database = Database.open(url, upgrade=False, pool_size=1)
    listener = live.open_listener(database.url)
    listener.wait(0.1)  # connect and LISTEN before saying ready
    ready.put(index)
    try:
        while not stop.is_set():
            notice = listener.wait(0.5)
            if notice is None or notice.all:
                continue
            start = now()
            with database.read() as session:
                update = workspace.board_rows(session, notice.spell_ids)
            done = now()
            ids = tuple(r.spell_id for r in update.rows)
            out.put((index, ids, done, (done - start) * 1000, 0.0))
    finally:
        listener.close()
        database.dispose()


def ui_client(url: str, index: int, ready: Any, out: Any, stop: Any) -> None:
    """The desktop's live path, offscreen, up to the board model holding the row."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QTableView

    from discharge_hub.services.board import board
    from discharge_hub.ui import board_sync
    from discharge_hub.ui.board_model import BoardModel
    from discharge_hub.ui.board_sync import BoardSync
    from discharge_hub.ui.live import ChangeHub
    from discharge_hub.ui.tasks import TaskRunner

    app = QApplication([])
    database = Database.open(url, upgrade=False, pool_size=2)
    runner = TaskRunner(database, f"bench client {index}")
    model = BoardModel()
    view = QTableView()  # a view follows the model's signals, as the board's does
    view.setModel(model)
    with database.read() as session:
        model.set_rows(board(session))
    view.selectRow(10)
    changes = ChangeHub()
    timings = _time_model_updates(model)
    board_sync.board_work = _timed_work(board_sync.board_work, timings)
    sync = BoardSync(runner, model, changes)
    heard: dict[int, float] = {}  # spell id -> when the notice reached the GUI thread
    changes.data_changed.connect(lambda c: heard.update(dict.fromkeys(c.spell_ids, now())))

    def applied() -> None:
        done = now()
        fresh = [r.spell_id for r in model.all_rows() if r.spell_id in heard]
        out.put((index, tuple(fresh), done, timings["fetch"], timings["model"]))
        heard.clear()

    sync.applied.connect(applied)
    changes.start_listening(database.url)
    started = QTimer()
    started.timeout.connect(lambda: _ready_or_stop(app, changes, ready, index, stop, started))
    started.start(50)
    app.exec()
    changes.stop_listening()
    runner.wait_idle()
    database.dispose()


def _time_model_updates(model: Any) -> dict[str, float]:
    """Wraps the model's in-place update to time it (ms), and the read before it."""
    timings = {"model": 0.0, "fetch": 0.0}
    update = model.update_rows

    def timed(*args: Any, **kwargs: Any) -> None:
        start = now()
        update(*args, **kwargs)
        timings["model"] = (now() - start) * 1000

    model.update_rows = timed
    return timings


def _timed_work(make_work: Any, timings: dict[str, float]) -> Any:
    """The board's re-fetch, timed (ms) on the worker that runs it."""

    def make(ids: Any) -> Any:
        work = make_work(ids)

        def timed(session: Any) -> Any:
            start = now()
            result = work(session)
            timings["fetch"] = (now() - start) * 1000
            return result

        return timed

    return make


def _ready_or_stop(app: Any, changes: Any, ready: Any, index: int, stop: Any, timer: Any) -> None:
    if stop.is_set():
        app.quit()
    elif changes.status is not None and changes.status.up and not getattr(timer, "told", False):
        timer.told = True
        ready.put(index)


# --- the run ------------------------------------------------------------------------------


def open_spell_ids(database: Database, count: int) -> list[int]:
    with database.read() as session:
        ids = session.scalars(
            select(Spell.id).where(Spell.discharged_at.is_(None)).order_by(Spell.id)
        ).all()
    step = max(1, len(ids) // count)
    return list(ids[::step][:count])


def refetch_one(database: Database, spell_ids: list[int], reps: int) -> list[float]:
    """ms per re-fetch of one spell's board row, each in its own read session."""
    samples = []
    for i in range(reps + 10):
        start = now()
        with database.read() as session:
            workspace.board_rows(session, [spell_ids[i % len(spell_ids)]])
        if i >= 10:  # warm-up
            samples.append((now() - start) * 1000)
    return samples


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    database = Database.open(url)
    ctx = mp.get_context("spawn")
    ready, out, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    target = client if args.core_only else ui_client
    procs = [
        ctx.Process(target=target, args=(database.url, i, ready, out, stop), daemon=True)
        for i in range(args.clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=300)
    targets = open_spell_ids(database, args.changes)
    latencies: list[float] = []  # ms, one per (change, client)
    refetch_in_client: list[float] = []
    model_update: list[float] = []
    slowest: list[float] = []  # ms, the last client per change
    missed = 0
    try:
        for n, spell_id in enumerate(targets):
            start = now()
            with database.unit_of_work("bench writer") as session:
                spells.set_next_action(
                    session, spell_id=spell_id, expected_version=None, next_action=f"bench {n}"
                )
            arrived: dict[int, float] = {}
            deadline = now() + 10
            while len(arrived) < args.clients and now() < deadline:
                try:
                    index, ids, done, took, model_ms = out.get(timeout=max(0.01, deadline - now()))
                except Exception:  # noqa: BLE001 - queue.Empty: the deadline is checked
                    continue
                if spell_id in ids and index not in arrived:
                    refetch_in_client.append(took)
                    model_update.append(model_ms)
                    arrived[index] = (done - start) * 1000
            missed += args.clients - len(arrived)
            latencies += arrived.values()
            if arrived:
                slowest.append(max(arrived.values()))
            time.sleep(args.pause)
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=10)
    one_row = refetch_one(database, targets, args.reps)
    server = database.engine.dialect.server_version_info
    database.dispose()
    return {
        "latencies": latencies,
        "slowest": slowest,
        "refetch_in_client": refetch_in_client,
        "model_update": model_update,
        "one_row": one_row,
        "missed": missed,
        "server": ".".join(str(v) for v in server or ()),
    }


UI_NOTE = (
    "Each client is the desktop's live path, offscreen (`QT_QPA_PLATFORM=offscreen`): the "
    "listener thread hands the notice to the GUI thread (`ui.live.ChangeHub`), `ui.board_sync."
    "BoardSync` re-fetches the rows on a `TaskRunner` worker and updates the `BoardModel` (all "
    "3,000 open spells, a table view on it) in place. Latency runs from the writer opening its "
    "unit of work to the model holding the fresh row: write and commit, notification, thread "
    "hand-offs, re-fetch and model update."
)
CORE_NOTE = (
    "Core only (`--core-only`): latency runs from the writer opening its unit of work to the "
    "client having the row (write, commit, notification, re-fetch); no Qt, no model update."
)


def report(result: dict[str, Any], args: argparse.Namespace, build_s: float | None) -> str:
    lat, slow = result["latencies"], result["slowest"]
    one, inside = result["one_row"], result["refetch_in_client"]
    model = result["model_update"]
    ui = not args.core_only
    where = "board model" if ui else "fresh row"

    def cell(samples: list[float]) -> str:
        if not samples:
            return "n/a"
        return f"{statistics.median(samples):.1f} / {percentile(samples, 0.95):.1f}"

    ok_lat = lat and statistics.median(lat) < 500 and percentile(lat, 0.95) < 1000
    ok_one = one and statistics.median(one) < 5
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    built = f" Build: {build_s:.0f} s." if build_s is not None else ""
    command = "python bench/bench_live.py " + shlex.join(sys.argv[1:])
    return f"""# Live refresh benchmark

PostgreSQL {result["server"]}; {args.clients} listening clients (one process each), 3,000 open \
+ {args.discharged:,} discharged spells (`bench/build_data.py`); {args.changes} changes committed \
one at a time ({args.pause * 1000:.0f} ms apart). Times in ms, median / p95.{built}

| Measure | Median / p95 | Samples | Target | Met |
|---|---:|---:|---|---|
| Save to {where} on a client (every client, every change) | {cell(lat)} | {len(lat)} | < 500 / < 1,000 | {"yes" if ok_lat else "NO"} |
| Save to {where} on the slowest client, per change | {cell(slow)} | {len(slow)} | | |
| Re-fetch in a client after a notice (`board_rows`) | {cell(inside)} | {len(inside)} | | |
| `BoardModel.update_rows` in a client (3,000 rows, in place) | {cell(model) if ui else "not run"} | {len(model) if ui else 0} | | |
| Re-fetch one changed row, quiet (`board_rows` for 1 spell, read session) | {cell(one)} | {len(one)} | < 5 | {"yes" if ok_one else "NO"} |

- Missed (a client without the fresh row 10 s after the save): {result["missed"]}.
- A change is one unit of work (`set_next_action`) that sends one `NOTIFY` inside its \
transaction; each client holds a dedicated `LISTEN` connection (`discharge_hub.live.PgListener`) \
and re-fetches the spells named in the notice with `workspace.board_rows` on its own engine.
- {UI_NOTE if ui else CORE_NOTE}
- All clients and the server share this machine, so 25 clients contend for its cores: a \
pessimistic setting compared with 25 desktops.

Machine: {platform.system()} {platform.machine()}, nproc {os.cpu_count()}, load average {load} \
(at the end of the run), Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, \
psycopg {psycopg.__version__}.

Date: {clock.now():%Y-%m-%d %H:%M} UTC.

Reproduce (from the repository root, PostgreSQL on 127.0.0.1:5432 with trust auth):

```
. .venv/bin/activate
{command}
```
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=25)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between changes")
    parser.add_argument("--reps", type=int, default=200, help="one-row re-fetches timed")
    parser.add_argument("--discharged", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="an existing database (no build)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    parser.add_argument(
        "--core-only", action="store_true", help="listener and re-fetch only, no Qt model"
    )
    args = parser.parse_args()
    build_s: float | None = None
    if args.db:
        result = run(args.db, args)
    else:
        from build_data import build

        with pg_database() as url:
            database = Database.open(url)
            try:
                built = build(database, open_spells=3000, discharged_spells=args.discharged)
                build_s = built.seconds
            finally:
                database.dispose()
            result = run(url, args)
    text = report(result, args, build_s)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
