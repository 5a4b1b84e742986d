"""Benchmark: the ward board for all sites against a plain fetch of the open spells.

Builds 3,000 open + 100,000 discharged spells (``bench/build_data.py``) in a temporary
SQLite file and in a fresh PostgreSQL database ``dh_bench_<random>`` (dropped at the
end), then times, interleaved in one process, after a warm-up:

- plain: :data:`PLAIN_SQL` on the DBAPI cursor, fetchall — the open spells joined to
  their patient, ward and site, the columns the board shows from those four tables, no
  order: the physical limit of the job (issue 12);
- raw: the board's own SQL (compiled from ``board_statement()``) on the DBAPI cursor;
- execute: the same statement through ``Session.execute`` (rows, no BoardRow);
- board: ``board(session)``, the service the UI calls.

Targets: ``board()`` at most 2x the plain fetch (issue 12) and under 150 ms for 3,000
rows (issue 2). Prints a markdown table and writes it to ``bench/results/board.md``.
A script, not a test.

    python bench/bench_board.py                 # both backends, 30 repetitions
    python bench/bench_board.py --backend sqlite --reps 50 --explain
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_data import build  # noqa: E402

from discharge_hub import clock  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.services import board as board_module  # noqa: E402
from discharge_hub.services.board import board, board_statement  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "board.md"

# The plain fetch (issue 12): the open spells joined to patient, ward and site, the
# columns the board shows from those tables (not the board's summaries), raw driver.
PLAIN_SQL = (
    "SELECT s.id, s.version, si.name, w.id, w.name, s.bed_id, p.id, p.nhs_number, "
    "p.family_name, p.given_name, p.date_of_birth, p.sex, p.place_code, "
    "p.ethnic_category_code, p.interpreter_needed, s.admitted_at, s.edd, "
    "s.discharge_ready_date, s.pathway_code, s.delay_reason_id, s.next_action "
    "FROM spell s JOIN patient p ON p.id = s.patient_id JOIN ward w ON w.id = s.ward_id "
    "JOIN site si ON si.id = s.site_id WHERE s.discharged_at IS NULL"
)
from support import pg_database, sqlite_database  # noqa: E402

TARGET_MS = 150.0
TARGET_RATIO = 2.0


@dataclass
class Timing:
    samples: list[float]  # ms

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass
class Result:
    backend: str
    server: str
    rows: int
    build_s: float
    plain: Timing
    raw: Timing
    execute: Timing
    board: Timing
    cold: Timing

    @property
    def ratio(self) -> float:
        """board() over the plain fetch (issue 12's measure)."""
        return self.board.median / self.plain.median

    @property
    def ratio_cold(self) -> float:
        """board() with no earlier board's rows to re-use, over the plain fetch."""
        return self.cold.median / self.plain.median

    @property
    def ratio_raw(self) -> float:
        """board() over the board's own SQL."""
        return self.board.median / self.raw.median


def raw_sql(database: Database) -> tuple[str, Any]:
    """The board statement as the driver receives it: SQL text and parameters."""
    compiled = board_statement().compile(dialect=database.engine.dialect)
    if compiled.positional:
        return compiled.string, tuple(compiled.params[k] for k in compiled.positiontup or ())
    return compiled.string, compiled.params


def explain(database: Database) -> str:
    sql, params = raw_sql(database)
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    conn = database.engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(prefix + sql, params)
        return "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())
    finally:
        conn.close()


def measure(database: Database, reps: int, warmup: int) -> dict[str, Timing | int]:
    """Interleave the four measurements so machine load hits them alike."""
    sql, params = raw_sql(database)
    stmt = board_statement()
    today = clock.today()
    raw_conn = database.engine.raw_connection()
    counts: dict[str, int] = {}

    def run_plain() -> None:
        cur = raw_conn.cursor()
        cur.execute(PLAIN_SQL)
        counts["plain"] = len(cur.fetchall())
        cur.close()
        raw_conn.rollback()

    def run_raw() -> None:
        cur = raw_conn.cursor()
        cur.execute(sql, params)
        counts["raw"] = len(cur.fetchall())
        cur.close()

    def run_execute() -> None:
        with database.read() as session:
            counts["execute"] = len(session.execute(stmt).all())

    def run_board() -> None:
        with database.read() as session:
            counts["board"] = len(board(session, today=today))

    def run_cold() -> None:
        board_module._memo = None  # no row of an earlier board to re-use
        with database.read() as session:
            counts["cold"] = len(board(session, today=today))

    samples: dict[str, list[float]] = {n: [] for n in ("plain", "raw", "execute", "board", "cold")}
    funcs: dict[str, Callable[[], None]] = {
        "plain": run_plain,
        "raw": run_raw,
        "execute": run_execute,
        "board": run_board,
        "cold": run_cold,
    }
    try:
        for i in range(warmup + reps):
            for name, func in funcs.items():
                started = time.perf_counter()
                func()
                if i >= warmup:
                    samples[name].append((time.perf_counter() - started) * 1000)
            raw_conn.rollback()  # end the raw read transaction, as the sessions do
    finally:
        raw_conn.close()
    if len(set(counts.values())) != 1:
        raise RuntimeError(f"row counts differ: {counts}")
    return {"rows": counts["board"]} | {name: Timing(v) for name, v in samples.items()}


def server_version(database: Database) -> str:
    with database.engine.connect() as conn:
        if database.is_sqlite:
            return "SQLite " + str(conn.exec_driver_sql("select sqlite_version()").scalar())
        full = str(conn.exec_driver_sql("show server_version").scalar())
        return "PostgreSQL " + full.split()[0]


@contextmanager
def existing_database(url: str) -> Iterator[str]:
    yield url


def run_backend(backend: str, args: argparse.Namespace, db: str | None = None) -> Result:
    opener = sqlite_database if backend == "sqlite" else pg_database
    with existing_database(db) if db else opener() as url:
        database = Database.open(url)
        try:
            build_s = 0.0
            if not db:
                built = build(
                    database,
                    open_spells=args.open,
                    discharged_spells=args.discharged,
                    seed=args.seed,
                )
                build_s = built.seconds
                print(f"[{backend}] built {built.summary()}", file=sys.stderr)
            if args.explain:
                print(f"[{backend}] plan:\n{explain(database)}", file=sys.stderr)
            m: Any = measure(database, args.reps, args.warmup)
            return Result(
                backend, server_version(database), m["rows"], build_s,
                m["plain"], m["raw"], m["execute"], m["board"], m["cold"],
            )  # fmt: skip
        finally:
            database.dispose()


def machine() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, load average "
        f"{load} (1/5/15 min, at the end of the run), Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}, "
        f"sqlite3 module linked to SQLite {sqlite3.sqlite_version}"
    )


def report(results: list[Result], args: argparse.Namespace, argv: list[str]) -> str:
    command = "python bench/bench_board.py" + "".join(f" {shlex.quote(a)}" for a in argv)
    lines = [
        "# Board query benchmark",
        "",
        f"{args.open:,} open + {args.discharged:,} discharged spells "
        f"(`bench/build_data.py`, seed {args.seed}); board for all sites; "
        f"{args.warmup} warm-up runs, then {args.reps} interleaved repetitions. Times in ms.",
        "",
        "| Backend | Rows | Plain fetch median (p90) | Board SQL raw median (p90) "
        "| Session.execute median (p90) | `board()` median (p90) | board / plain "
        "| board / board SQL | `board()` cold median (p90) | cold / plain "
        "| Target (refresh and cold <=2x plain, <150 ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        ok = (
            max(r.board.median, r.cold.median) < TARGET_MS
            and max(r.ratio, r.ratio_cold) <= TARGET_RATIO
        )
        lines.append(
            f"| {r.server} | {r.rows:,} | {r.plain.median:.1f} ({r.plain.p90:.1f}) "
            f"| {r.raw.median:.1f} ({r.raw.p90:.1f}) "
            f"| {r.execute.median:.1f} ({r.execute.p90:.1f}) "
            f"| {r.board.median:.1f} ({r.board.p90:.1f}) | {r.ratio:.2f}x "
            f"| {r.ratio_raw:.2f}x | {r.cold.median:.1f} ({r.cold.p90:.1f}) "
            f"| {r.ratio_cold:.2f}x | {'met' if ok else 'MISSED'} |"
        )
    lines += [
        "",
        "- Plain fetch: the open spells joined to patient, ward and site (the columns the "
        "board shows from those tables), no order, on the DBAPI cursor, `fetchall()` "
        "(`PLAIN_SQL` in `bench/bench_board.py`): the physical limit of the job.",
        "- Board SQL raw: the SQL text compiled from `board_statement()` executed on the DBAPI "
        "cursor, `fetchall()`.",
        "- Session.execute: the same statement through the ORM session (result rows, "
        "type processing), no `BoardRow`.",
        "- `board()`: `discharge_hub.services.board.board(session)`, what the UI calls, "
        "called again and again as a refresh does: rows whose values did not change "
        "since the last board are re-used (`_rows_of`).",
        "- `board()` cold: the same with nothing to re-use (the memo cleared before each "
        "call): the first board a program shows, or after the day or a code list changed.",
        (
            "- Build times: " + ", ".join(f"{r.backend} {r.build_s:.0f} s" for r in results) + "."
            if not args.db
            else "- Measured on existing databases built beforehand with the same "
            "`bench/build_data.py` arguments (`--db`)."
        ),
        "",
        f"Machine: {machine()}.",
        "The machine may be shared (read the load average above), so absolute times are "
        "noisy; medians over interleaved repetitions are the figures to compare.",
        "",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        "Reproduce (from the repository root, PostgreSQL on 127.0.0.1:5432 with trust auth):",
        "",
        "```",
        ". .venv/bin/activate",
        command,
        "```",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--open", type=int, default=3000)
    parser.add_argument("--discharged", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="print the query plan")
    parser.add_argument("--out", type=Path, default=RESULTS, help="markdown file to write")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--db",
        action="append",
        help="measure this existing database instead (no build, nothing dropped); "
        "repeat for one of each backend",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    backends = ("sqlite", "pg") if args.backend == "both" else (args.backend,)
    if args.db:
        results = [
            run_backend("sqlite" if "://" not in d or d.startswith("sqlite") else "pg", args, d)
            for d in args.db
        ]
    else:
        results = [run_backend(b, args) for b in backends]
    text = report(results, args, argv)
    print(text)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
