# ruff: noqa: E501  (the markdown table below is one line a row)
"""Benchmark: import of 50,000 HL7 v2 ADT messages (issue 14), SQLite and PostgreSQL.

For each backend, in a fresh database (a temporary SQLite file, or a PostgreSQL
database ``dh_bench_<random>`` dropped at the end) with the ward map installed, one
file of ``--messages`` messages shaped as a PAS sends them (``tests/adt_support.py``,
HL7 v2.4): a quarter of the patients each, A01 admit, A02 transfer to another site,
A08 update, A03 discharge, in event-time order (patients interleaved, as a day's feed).

Timed: ``first`` — ``adt.import_files`` (what ``discharge-hub import adt`` runs): the
read phase (split, decode and parse every message) and the whole import; ``again`` —
the same file imported again (every message a duplicate, nothing written).
Target: the import under 60 s on both backends. Writes ``bench/results/adt.md``.

    python bench/bench_adt.py                                    # both, 50,000, 1 repetition
    python bench/bench_adt.py --backend sqlite --messages 4000 --reps 1
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from discharge_hub import adt, clock  # noqa: E402
from discharge_hub.adt import wards  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.models import AuditEntry, SpellFact  # noqa: E402
from discharge_hub.validators import nhs_check_digit  # noqa: E402
from tests.adt_support import MAP, Person, as_file, message  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "adt.md"
from support import fresh_database  # noqa: E402

FAMILY = "SMITH JONES PATEL KHAN TAYLOR BROWN O'NEILL NOWAK KAUR BEGUM MISTRY".split()
GIVEN = "MARY ZOË JOAN PRIYA ŁUKASZ JOHN AMINA SIÂN RAVI FATIMA".split()


def nhs_numbers(count: int) -> Iterator[str]:
    body, made = 999_200_000, 0
    while made < count:
        check = nhs_check_digit(str(body))
        if check is not None:
            yield f"{body}{check}"
            made += 1
        body += 1


def build_feed(count: int, now: datetime) -> bytes:
    """``count`` messages: per patient A01, A02 (LRI → Glenfield), A08, A03."""
    patients = count // 4
    events: list[tuple[datetime, str]] = []
    start = now - timedelta(days=8)
    for i, nhs in enumerate(nhs_numbers(patients)):
        who = Person(nhs, family=FAMILY[i % len(FAMILY)], given=GIVEN[i % len(GIVEN)])
        admit = start + timedelta(seconds=i * 300_000 // max(patients, 1))
        move, update, leave = (admit + timedelta(hours=h) for h in (20, 30, 70))
        on_gw1 = {"location": "RWE-GW1", "admitted_at": admit}
        events += [
            (
                admit,
                message("A01", f"A{i:07d}", who, at=admit, admitted_at=admit, bed=f"{i % 28 + 1}"),
            ),
            (move, message("A02", f"T{i:07d}", who, at=move, facility="RGL", **on_gw1)),
            (
                update,
                message("A08", f"U{i:07d}", Person(nhs, family="UPDATED"), at=update, **on_gw1),
            ),
            (
                leave,
                message(
                    "A03",
                    f"D{i:07d}",
                    who,
                    at=leave,
                    discharged_at=leave,
                    disposition="1",
                    destination="19",
                    **on_gw1,
                ),
            ),
        ]
    events.sort(key=lambda e: e[0])
    return as_file([m for _at, m in events], variant="MLLP")


@dataclass
class Run:
    read: float
    first: float
    again: float
    audit_rows: int
    facts: int
    summary: str
    again_summary: str


def one_run(backend: str, path: Path, count: int) -> Run:
    with fresh_database(backend) as url:
        database = Database.open(url)
        try:
            with database.unit_of_work("bench admin") as s:
                wards.save_map(s, MAP)
            t0 = time.perf_counter()
            adt.read_files([path])
            read = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = adt.import_files(database, [path], actor="bench (ADT feed)")
            first = time.perf_counter() - t0
            assert result.total_applied == count and not result.rejected, result.summary()
            t0 = time.perf_counter()
            again = adt.import_files(database, [path], actor="bench (ADT feed)")
            second = time.perf_counter() - t0
            assert again.duplicates == count, again.summary()
            with database.read() as s:
                audit_rows = int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)
                facts = int(s.scalar(select(func.count()).select_from(SpellFact)) or 0)
        finally:
            database.dispose()
    return Run(read, first, second, audit_rows, facts, result.summary(), again.summary())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (markdown)")
    args = parser.parse_args()
    count = args.messages - args.messages % 4
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.hl7"
        path.write_bytes(build_feed(count, clock.now()))
        size = path.stat().st_size
        rows = []
        for backend in backends:
            runs = [one_run(backend, path, count) for _ in range(args.reps)]
            rows.append((backend, runs))
            med = statistics.median(r.first for r in runs)
            print(f"{backend}: {med:.1f} s for {count} messages ({count / med:.0f}/s)", flush=True)
    write_results(rows, count, size, args)


def write_results(
    rows: list[tuple[str, list[Run]]], count: int, size: int, args: argparse.Namespace
) -> None:
    load = os.getloadavg()
    command = " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines = [
        "# ADT feed benchmark (50,000 HL7 v2 messages)",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}); load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (the machine may be "
        f"shared: read the load). One file of {count:,} messages ({size / 1e6:.1f} MB, MLLP "
        "framed), a quarter each A01 / A02 / A08 / A03; medians over the repetitions "
        "(each in a fresh database); seconds unless marked.",
        "",
        f"    python bench/bench_adt.py {command}",
        "",
        "| backend | messages | import (target 60 s) | messages/s | read phase (parse) | re-import (all duplicates) | audit rows | history facts | result | reps |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for backend, runs in rows:
        first = statistics.median(r.first for r in runs)
        lines.append(
            f"| {backend} | {count:,} | {first:.1f} | {count / first:.0f} | "
            f"{statistics.median(r.read for r in runs):.1f} | "
            f"{statistics.median(r.again for r in runs):.1f} | {runs[0].audit_rows:,} | "
            f"{runs[0].facts:,} | {runs[0].summary} | {len(runs)} |"
        )
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
