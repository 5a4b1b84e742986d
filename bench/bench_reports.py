"""Benchmark: the three reports on 3,000 open + 100,000 discharged spells.

Builds the data with ``bench/build_data.py`` in a temporary SQLite file and/or a fresh
PostgreSQL database ``dh_bench_<random>`` (dropped at the end), warms up, then times:

- huddle: ``render.huddle_report`` for all sites (query + PDF of every open spell);
  its two halves, ``huddle_figures`` and ``huddle_pdf``, are timed as well;
- handover: ``render.handover_report`` for open spells in turn (query + PDF);
- sitrep: ``render.sitrep_csv`` for yesterday (query + CSV).

Targets (issue 4): huddle < 2 s, handover < 200 ms, sitrep < 500 ms. Prints a markdown
table and writes it to ``bench/results/reports.md``. A script, not a test.

    python bench/bench_reports.py                          # both backends
    python bench/bench_reports.py --backend sqlite --reps 5
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_data import build  # noqa: E402

from discharge_hub import clock  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.models import Spell  # noqa: E402
from discharge_hub.reports import render  # noqa: E402
from discharge_hub.reports.huddle_data import huddle_figures  # noqa: E402
from discharge_hub.reports.huddle_pdf import huddle_pdf  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "reports.md"
PG_ADMIN = os.environ.get("DISCHARGE_HUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGETS_MS = {"huddle": 2000.0, "handover": 200.0, "sitrep": 500.0}


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def _cpu_ms(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU time of this process (CPU time is less moved by a loaded machine;
    it leaves out time waiting for the database server)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, out


@contextmanager
def _database(backend: str) -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            database = Database.open(str(Path(folder) / "bench.sqlite3"))
            try:
                yield database
            finally:
                database.dispose()
        return
    name = f"dh_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database = Database.open(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    try:
        yield database
    finally:
        database.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(backend: str, reps: int, open_n: int, discharged_n: int) -> dict[str, Any]:
    with _database(backend) as database:
        built, _ = _ms(lambda: build(database, open_spells=open_n, discharged_spells=discharged_n))
        today = clock.today()
        with database.read() as s:
            spell_ids = list(
                s.scalars(select(Spell.id).where(Spell.discharged_at.is_(None)).order_by(Spell.id))
            )
            open_count = s.scalar(select(func.count()).where(Spell.discharged_at.is_(None)))
        samples: dict[str, list[float]] = {
            k: [] for k in ("huddle", "huddle_cpu", "figures", "pdf", "handover", "sitrep")
        }
        pages = 0
        for rep in range(reps + 1):  # the first round warms up and is dropped
            with database.read() as s:
                t_huddle, c_huddle, data = _cpu_ms(
                    lambda: render.huddle_report(s, on=today, site=None, printed_by="bench")
                )
                t_fig, figures = _ms(lambda: huddle_figures(s, on=today))
                t_pdf, _ = _ms(
                    lambda f=figures: huddle_pdf(f, printed_at=clock.now(), printed_by="bench")
                )
                handover = [
                    _ms(
                        lambda sid=sid: render.handover_report(s, spell_id=sid, printed_by="bench")
                    )[0]
                    for sid in spell_ids[rep * 10 : rep * 10 + 10]
                ]
                t_sitrep, _ = _ms(lambda: render.sitrep_csv(s, on=today - timedelta(days=1)))
            if rep:
                samples["huddle"].append(t_huddle)
                samples["huddle_cpu"].append(c_huddle)
                samples["figures"].append(t_fig)
                samples["pdf"].append(t_pdf)
                samples["handover"] += handover
                samples["sitrep"].append(t_sitrep)
            pages = data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
        return {
            "backend": backend,
            "open": open_count,
            "discharged": discharged_n,
            "build_s": built / 1000,
            "pages": pages,
            "medians": {k: statistics.median(v) for k, v in samples.items()},
            "n": {k: len(v) for k, v in samples.items()},
        }


def report(results: list[dict[str, Any]], argv: list[str]) -> str:
    lines = [
        "# Reports benchmark",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}); a shared machine, "
        "other work was running. Medians in milliseconds; the first round is a warm-up.",
        "",
        "    python bench/bench_reports.py " + " ".join(shlex.quote(a) for a in argv),
        "",
        "| backend | open spells | huddle PDF (target 2000) | huddle CPU | of which figures "
        "| of which PDF | pages | handover (target 200) | sitrep (target 500) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        m, n = r["medians"], r["n"]["handover"]
        lines.append(
            f"| {r['backend']} | {r['open']:,} | {m['huddle']:.0f} | {m['huddle_cpu']:.0f} "
            f"| {m['figures']:.0f} "
            f"| {m['pdf']:.0f} | {r['pages']} | {m['handover']:.0f} (n={n}) | {m['sitrep']:.0f} |"
        )
    builds = ", ".join(f"{r['build_s']:.0f} s on {r['backend']}" for r in results)
    lines += [
        "",
        f"Data: `bench/build_data.py`, also {results[0]['discharged']:,} discharged spells "
        f"(which the queries must skip); the data build took {builds}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--open", type=int, default=3000)
    parser.add_argument("--discharged", type=int, default=100_000)
    args = parser.parse_args(args_list)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [run(b, args.reps, args.open, args.discharged) for b in backends]
    text = report(results, args_list)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
