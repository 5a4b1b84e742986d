"""Benchmark: past days from the history, on 3,000 open + 100,000 discharged spells
with about ten effective-dated facts each.

Builds the data with ``bench/build_data.py`` (which adds the facts, ``build_facts.py``)
in a temporary SQLite file and/or a fresh PostgreSQL database ``dh_bench_<random>``
(dropped at the end), then times, interleaved, after a warm-up round:

- sitrep for yesterday and for 30 days ago (``render.sitrep_csv``), target < 500 ms;
- the huddle figures for yesterday (``huddle_figures``: every row as it stood);
- EDD reliability over the last 90 days (``edd_reliability``), target < 1 s;
- the same sitrep and huddle with the other way of asking "what held at T": the
  latest fact that began before T (a correlated ``ORDER BY valid_from DESC LIMIT 1``
  per fact) instead of the fact whose validity interval contains T;
- the board with and without its new Red2Green column (the board must not slow down);
- a save that changes four facts, with and without the history listener.

Prints a markdown table and writes ``bench/results/history.md``. A script, not a test.

    python bench/bench_history.py                          # both backends
    python bench/bench_history.py --backend sqlite --reps 5
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, event, func, literal, select
from sqlalchemy.orm import aliased

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import _database  # noqa: E402
from build_data import build  # noqa: E402

from discharge_hub import clock, facts  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.models import Spell, SpellFact  # noqa: E402
from discharge_hub.reports import as_of, render, sitrep  # noqa: E402
from discharge_hub.reports.edd_data import edd_reliability  # noqa: E402
from discharge_hub.reports.huddle_data import huddle_figures  # noqa: E402
from discharge_hub.services import board, spells  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "history.md"
INTERVAL = as_of.fact_at


def latest_fact_at(kind: str, at: datetime) -> tuple[Any, Any]:
    """The other design: the newest fact of ``kind`` that began before ``at``."""
    fact = aliased(SpellFact, name=f"fact_{kind}")
    newer = aliased(SpellFact, name=f"newest_{kind}")
    newest = (
        select(newer.id)
        .where(newer.spell_id == Spell.id, newer.kind == kind, newer.valid_from < at)
        .order_by(newer.valid_from.desc(), newer.id.desc())
        .limit(1)
        .correlate(Spell)
        .scalar_subquery()
    )
    return fact, and_(fact.id == newest)


def use(lookup: Callable[[str, datetime], tuple[Any, Any]]) -> None:
    as_of.fact_at = lookup  # type: ignore[assignment]
    sitrep.fact_at = lookup  # type: ignore[attr-defined]


def board_columns(with_red2green: bool) -> None:
    board.red2green_of = board_red2green if with_red2green else (lambda day: literal(None))  # type: ignore[assignment]
    board._compiled.cache_clear()


board_red2green = board.red2green_of


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _wall_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU time of this process (CPU time moves less with the machine's load;
    it leaves out the time the database server works on PostgreSQL)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _save(database: Database, spell_id: int, n: int) -> Callable[[], Any]:
    def run() -> None:
        with database.unit_of_work("bench") as s:
            spells.set_next_action(s, spell_id=spell_id, expected_version=None,
                                   next_action=f"Chase {n}")  # fmt: skip
            spells.set_delay_reason(s, spell_id=spell_id, expected_version=None,
                                    delay_reason=("A05", "A06")[n % 2])  # fmt: skip
            spells.set_pathway(s, spell_id=spell_id, expected_version=None,
                               pathway=("P1", "P2")[n % 2])  # fmt: skip
            spells.transfer(s, spell_id=spell_id, expected_version=None,
                            ward=("Ward 90", "Ward 91")[n % 2])  # fmt: skip

    return run


def _without_history(database: Database) -> Callable[[], None]:
    """Take the history listener off (and return how to put it back)."""
    event.remove(database.sessions, "after_flush", facts._after_flush)
    return lambda: event.listen(database.sessions, "after_flush", facts._after_flush)


def _rounds(database: Database, reps: int) -> dict[str, list[float]]:
    """The reads first (alternating which way of asking goes first), then the saves:
    a write between two reads would empty SQLite's page cache for whichever read came
    next, and bias it."""
    samples: dict[str, list[float]] = {}

    def add(key: str, ms: float, rep: int) -> None:
        if rep:  # the first round warms up
            samples.setdefault(key, []).append(ms)

    for rep in range(reps + 1):
        LOADS.append(os.getloadavg()[0])
        ways = [("interval", INTERVAL), ("latest", latest_fact_at)]
        for name, lookup in ways if rep % 2 else ways[::-1]:
            use(lookup)
            _reads(database, name, lambda key, ms, r=rep: add(key, ms, r))
        use(INTERVAL)
        _reads_once(database, lambda key, ms, r=rep: add(key, ms, r))
    spell_id = database_open_spell(database)
    for rep in range(reps + 1):
        add("save_history", _ms(_save(database, spell_id, rep)), rep)
        restore = _without_history(database)
        add("save_plain", _ms(_save(database, spell_id, rep + 1)), rep)
        restore()
    return samples


def _reads(database: Database, name: str, add: Callable[[str, float], None]) -> None:
    today = clock.today()
    yesterday, month_ago = today - timedelta(days=1), today - timedelta(days=30)
    with database.read() as s:
        wall, cpu = _wall_cpu(lambda: render.sitrep_csv(s, on=yesterday))
        add(f"sitrep_{name}", wall)
        add(f"sitrep_cpu_{name}", cpu)
        add(f"sitrep30_{name}", _ms(lambda: render.sitrep_csv(s, on=month_ago)))
        add(f"huddle_{name}", _ms(lambda: huddle_figures(s, on=yesterday)))


def _reads_once(database: Database, add: Callable[[str, float], None]) -> None:
    today = clock.today()
    first = today - timedelta(days=89)
    with database.read() as s:
        wall, cpu = _wall_cpu(lambda: edd_reliability(s, start=first, end=today))
        add("edd90", wall)
        add("edd90_cpu", cpu)
        for flag in (True, False):
            board_columns(flag)
            add(f"board_{flag}", _ms(lambda: board.board(s, today=today)))
    board_columns(True)


def database_open_spell(database: Database) -> int:
    with database.read() as s:
        return int(s.scalar(select(func.min(Spell.id)).where(Spell.discharged_at.is_(None))) or 0)


def run(
    backend: str, reps: int, open_n: int, discharged_n: int, url: str | None = None
) -> dict[str, Any]:
    if url is not None:  # an existing database built by build_data.py: no build
        database = Database.open(url)
        try:
            return _measure(database, backend, reps, 0.0)
        finally:
            database.dispose()
    with _database(backend) as database:
        built = _ms(lambda: build(database, open_spells=open_n, discharged_spells=discharged_n))
        return _measure(database, backend, reps, built)


def _measure(database: Database, backend: str, reps: int, built: float) -> dict[str, Any]:
    with database.read() as s:
        counts = {
            "spells": s.scalar(select(func.count(Spell.id))),
            "facts": s.scalar(select(func.count(SpellFact.id))),
        }
    samples = _rounds(database, reps)
    return {
        "backend": backend,
        "build_s": built / 1000,
        "counts": counts,
        "medians": {k: statistics.median(v) for k, v in samples.items()},
        "n": reps,
    }


LOADS: list[float] = []


def _loads() -> str:
    """The 1-minute load average, least and most, sampled each round."""
    if not LOADS:
        return f"{os.getloadavg()[0]:.1f}"
    return f"{min(LOADS):.1f}–{max(LOADS):.1f}"


def report(results: list[dict[str, Any]], argv: list[str]) -> str:
    lines = [
        "# History benchmark",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}), load average "
        f"{_loads()} during the run; a shared machine. Medians in milliseconds "
        f"over {results[0]['n']} interleaved rounds after a warm-up round.",
        "",
        "    python bench/bench_history.py " + " ".join(shlex.quote(a) for a in argv),
        "",
        "| backend | spells | facts | sitrep yesterday (target 500) | its CPU "
        "| sitrep 30 days ago | huddle figures yesterday | EDD reliability 90 days "
        "(target 1000) | its CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        m, c = r["medians"], r["counts"]
        lines.append(
            f"| {r['backend']} | {c['spells']:,} | {c['facts']:,} | {m['sitrep_interval']:.0f} "
            f"| {m['sitrep_cpu_interval']:.0f} | {m['sitrep30_interval']:.0f} "
            f"| {m['huddle_interval']:.0f} | {m['edd90']:.0f} | {m['edd90_cpu']:.0f} |"
        )
    lines += [
        "",
        "Validity interval (`valid_from < T <= valid_to`, the program's way) against the "
        "latest fact begun before T (correlated `ORDER BY valid_from DESC LIMIT 1`):",
        "",
        "| backend | sitrep yesterday: interval / latest | sitrep 30 days ago: interval / latest "
        "| huddle figures: interval / latest |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in results:
        m = r["medians"]
        lines.append(
            f"| {r['backend']} | {m['sitrep_interval']:.0f} / {m['sitrep_latest']:.0f} "
            f"| {m['sitrep30_interval']:.0f} / {m['sitrep30_latest']:.0f} "
            f"| {m['huddle_interval']:.0f} / {m['huddle_latest']:.0f} |"
        )
    lines += [
        "",
        "The board (today, from the spell's own columns) with and without its new Red2Green "
        "column, and one save changing four facts (next action, delay reason, pathway, "
        "ward) with and without the history listener:",
        "",
        "| backend | board with / without Red2Green | save with / without history |",
        "| --- | ---: | ---: |",
    ]
    for r in results:
        m = r["medians"]
        lines.append(
            f"| {r['backend']} | {m['board_True']:.0f} / {m['board_False']:.0f} "
            f"| {m['save_history']:.1f} / {m['save_plain']:.1f} |"
        )
    builds = ", ".join(f"{r['build_s']:.0f} s on {r['backend']}" for r in results if r["build_s"])
    took = f"; the build took {builds}" if builds else " (built beforehand)"
    lines += ["", f"Data: `bench/build_data.py` (seed 1){took}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--open", type=int, default=3000)
    parser.add_argument("--discharged", type=int, default=100_000)
    parser.add_argument(
        "--db", action="append", metavar="URL",
        help="an existing database from build_data.py (no build); may be given twice",
    )  # fmt: skip
    args = parser.parse_args(args_list)
    if args.db:
        kinds = ["postgresql" if "postgres" in u else "sqlite" for u in args.db]
        results = [run(k, args.reps, 0, 0, u) for k, u in zip(kinds, args.db, strict=True)]
    else:
        backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
        results = [run(b, args.reps, args.open, args.discharged) for b in backends]
    text = report(results, args_list)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
