# ruff: noqa: E501  (the markdown table below is one line a row)
"""Benchmark: a 50,000-row PAS import, and another user's saves while it runs (issue 8).

For each backend, in a fresh database (a temporary SQLite file, or a PostgreSQL
database ``dh_bench_<random>`` dropped at the end) holding 200 other patients admitted
through the services:

- ``first``: 50,000 new inpatients (``import csv`` of a synthetic PAS extract: every
  row with an EDD, a third with a DRD, pathways, delay reasons, interpreters);
- ``again``: the same file the next day with 5% of the rows changed (EDD slipped, a
  ward move, a new DRD): the daily re-import, 95% unchanged.

Each import runs ``importer.read_extract`` + ``importer.import_extract`` (what the CLI
runs). Timed: the whole import, its read phase (file, checks, plan: no write lock),
its write phase, and on SQLite the time the write lock was held (BEGIN IMMEDIATE to
COMMIT on the import's connection). Meanwhile another thread, with its own
``Database.open`` on the same database, saves a next action on one of the other
patients every 100 ms and records how long each save took and whether it failed. (The
lead's single-program lock refuses a second *process* on an embedded SQLite file, so
on SQLite the other user is a thread of this process, as the desktop app's own saves
would be; on PostgreSQL it could as well be another process.)

Targets: the import under 60 s on both backends; a save on another patient within 1 s
on PostgreSQL; on SQLite saves wait (never fail) at most for the write phase, which
stays under 5 s. Writes ``bench/results/import.md``. A script, not a test.

    python bench/bench_import.py                                  # both, 3 repetitions
    python bench/bench_import.py --backend sqlite --rows 5000 --reps 1
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from discharge_hub import clock, importer  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.errors import DomainError  # noqa: E402
from discharge_hub.importer.extract import COLUMNS  # noqa: E402
from discharge_hub.models import AuditEntry  # noqa: E402
from discharge_hub.services import patients, spells  # noqa: E402
from discharge_hub.validators import nhs_check_digit  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "import.md"
from support import fresh_database  # noqa: E402

SITES = ("Leicester Royal Infirmary", "Leicester General Hospital", "Glenfield Hospital",
         "Loughborough Community Hospital", "Coalville Community Hospital",
         "Melton Mowbray Hospital", "Bradgate Mental Health Unit")  # fmt: skip
FAMILY = "Smith Jones Patel Khan Taylor Brown O'Neill Nowak Ndlovu-Smith Kaur Begum Mistry".split()
GIVEN = "Mary Zoë Joan Priya Łukasz John Amina Siân Ravi Fatima Eóin Renée".split()
REASONS = ("A01", "A02", "A05", "A13", "A14", "A15")
OTHERS = 200  # patients admitted through the services, never in the file
ACTOR = "bench (PAS import)"


def nhs_numbers(count: int, start: int) -> Iterator[str]:
    body = 999_000_000 + start
    made = 0
    while made < count:
        check = nhs_check_digit(str(body))
        if check is not None:
            yield f"{body}{check}"
            made += 1
        body += 1


def extract_rows(count: int, today: date, seed: int = 1) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for n, nhs in enumerate(nhs_numbers(count, start=100_000)):
        admitted = today - timedelta(days=rng.randint(1, 20))
        site = SITES[n % len(SITES)]
        drd = (
            admitted + timedelta(days=rng.randint(0, (today - admitted).days))
            if n % 3 == 0
            else None
        )
        pathway = rng.choice(("P0", "P1", "P2", "P3", "")) if drd else rng.choice(("", "P0", "P1"))
        language = rng.choice(("Polish", "Gujarati", "Urdu")) if n % 20 == 0 else ""
        rows.append({
            "nhs_number": nhs, "family_name": rng.choice(FAMILY), "given_name": rng.choice(GIVEN),
            "date_of_birth": f"{date(1930, 1, 1) + timedelta(days=rng.randint(0, 25000)):%d/%m/%Y}",
            "sex": rng.choice("MFU"), "postcode": f"LE{rng.randint(1, 19)} {rng.randint(1, 9)}AB",
            "place": rng.choice(("Leicester", "Leicestershire", "Rutland")), "site": site,
            "ward": f"Ward {n % 40 + 1}", "bed": f"B{n % 28 + 1}",
            "admitted_at": f"{admitted:%Y-%m-%d} {rng.randint(2, 23):02d}:{rng.randint(0, 59):02d}",
            "edd": f"{today + timedelta(days=rng.randint(0, 14)):%Y-%m-%d}",
            "discharge_ready_date": f"{drd:%Y-%m-%d}" if drd else "", "pathway": pathway,
            "delay_reason": rng.choice(REASONS) if drd and drd < today else "",
            "ethnic_category": rng.choice("ABCDHJNRSZ"), "interpreter_language": language,
        })  # fmt: skip
    return rows


def next_day_rows(rows: list[dict[str, str]], today: date, seed: int = 2) -> list[dict[str, str]]:
    """The same extract, with 5% of the rows changed as a day on the wards changes them."""
    rng = random.Random(seed)
    out = [dict(r) for r in rows]
    for n in rng.sample(range(len(out)), len(out) // 20):
        r = out[n]
        kind = n % 3
        if kind == 0:
            r["edd"] = f"{date.fromisoformat(r['edd']) + timedelta(days=2):%Y-%m-%d}"
        elif kind == 1:
            r["ward"], r["bed"] = "Ward 99", f"C{n % 28 + 1}"
        elif not r["discharge_ready_date"]:
            r["discharge_ready_date"] = f"{today:%Y-%m-%d}"
    return out


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(rows)
    return path


def admit_others(database: Database, today: date) -> list[int]:
    ids = []
    with database.unit_of_work("ward") as s:
        for nhs in nhs_numbers(OTHERS, start=0):
            details = patients.PatientDetails(nhs_number=nhs, family_name="Other",
                                              given_name="Patient", date_of_birth=date(1950, 1, 1))  # fmt: skip
            admitted = datetime.combine(today - timedelta(days=3), datetime.min.time()).replace(
                hour=9
            )
            ids.append(spells.admit(s, patient=details, site="Glenfield Hospital", ward="Ward 1",
                                    admitted_at=admitted).id)  # fmt: skip
    return ids


@dataclass
class OtherUser:
    """Saves a next action on another patient every ``pause`` seconds, from its own thread."""

    url: str
    spell_ids: list[int]
    pause: float = 0.1
    saves: list[tuple[float, float]] = field(default_factory=list)  # (started, seconds)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        database = Database.open(self.url)
        try:
            n = 0
            while not self._stop.is_set():
                spell_id = self.spell_ids[n % len(self.spell_ids)]
                started = time.perf_counter()
                try:
                    with database.unit_of_work("other user") as s:
                        spells.set_next_action(s, spell_id=spell_id, expected_version=None,
                                               next_action=f"Chase transport ({n})")  # fmt: skip
                except DomainError as exc:
                    self.failures.append(str(exc))
                self.saves.append((started, time.perf_counter() - started))
                n += 1
                self._stop.wait(self.pause)
        finally:
            database.dispose()

    @contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()


@dataclass
class Phases:
    read_start: float = 0.0
    write_start: float = 0.0
    write_end: float = 0.0
    lock: list[tuple[float, float]] = field(default_factory=list)  # SQLite BEGIN IMMEDIATE..COMMIT


@contextmanager
def timed_phases(database: Database) -> Iterator[Phases]:
    phases = Phases()
    real_write = importer.write
    lock_started: list[float] = []

    def write(*args: Any, **kwargs: Any) -> None:
        phases.write_start = time.perf_counter()
        try:
            real_write(*args, **kwargs)
        finally:
            phases.write_end = time.perf_counter()

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_write"):
            lock_started.append(time.perf_counter())

    def on_end(conn: Any) -> None:
        if lock_started:
            phases.lock.append((lock_started.pop(), time.perf_counter()))

    importer.write = write  # type: ignore[attr-defined]
    event.listen(database.engine, "begin", on_begin)
    event.listen(database.engine, "commit", on_end)
    event.listen(database.engine, "rollback", on_end)
    try:
        yield phases
    finally:
        importer.write = real_write  # type: ignore[attr-defined]
        event.remove(database.engine, "begin", on_begin)
        event.remove(database.engine, "commit", on_end)
        event.remove(database.engine, "rollback", on_end)


def one_import(url: str, path: Path, others: list[int]) -> dict[str, Any]:
    database = Database.open(url)
    try:
        with database.read() as s:
            audit_before = s.scalar(select(func.count(AuditEntry.id))) or 0
        other = OtherUser(url, others)
        with other.running(), timed_phases(database) as phases:
            time.sleep(0.5)  # the other user's saves are under way before the import starts
            started = time.perf_counter()
            extract = importer.read_extract(path)
            result = importer.import_extract(database, extract, actor=ACTOR)
            ended = time.perf_counter()
            time.sleep(0.3)
        with database.read() as s:
            audit_after = s.scalar(select(func.count(AuditEntry.id))) or 0
    finally:
        database.dispose()
    lock = sum(b - a for a, b in phases.lock)
    during = [d for t, d in other.saves if started <= t <= ended]
    in_write = [d for t, d in other.saves if phases.write_start - 0.01 <= t <= phases.write_end]
    return {
        "total": ended - started,
        "read": phases.write_start - started,
        "write": phases.write_end - phases.write_start,
        "lock": lock,
        "summary": result.summary(),
        "audit": audit_after - audit_before,
        "saves": len(during),
        "save_median": statistics.median(during) if during else float("nan"),
        "save_max": max(during, default=float("nan")),
        "save_max_in_write": max(in_write, default=float("nan")),
        "failures": len(other.failures),
    }


def run(backend: str, rows: int, reps: int, workdir: Path) -> list[dict[str, Any]]:
    today = clock.today()
    first = write_csv(workdir / "pas.csv", extract_rows(rows, today))
    again = write_csv(workdir / "pas_next_day.csv", next_day_rows(extract_rows(rows, today), today))
    out = []
    for rep in range(reps):
        with fresh_database(backend) as url:
            database = Database.open(url)
            others = admit_others(database, today)
            database.dispose()
            for scenario, path in (("first", first), ("again", again)):
                figures = one_import(url, path, others)
                figures.update(backend=backend, scenario=scenario, rows=rows, rep=rep)
                print(figures, flush=True)
                out.append(figures)
    return out


def report(results: list[dict[str, Any]], argv: list[str]) -> str:
    load = os.getloadavg()
    lines = [
        "# Import benchmark (50,000-row PAS extract)",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}); load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (the machine may be shared: read the "
        "load). Medians over the repetitions (each in a fresh database); seconds "
        "unless marked.",
        "",
        "    python bench/bench_import.py " + " ".join(shlex.quote(a) for a in argv),
        "",
        "| backend | scenario | rows | import (target 60 s) | read phase | write phase | write lock held | audit rows written | other user's saves | save median ms | save max ms (target: PG 1000; SQLite ≤ write phase) | failed saves | result |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["backend"], r["scenario"]), []).append(r)
    for (backend, scenario), rs in groups.items():

        def m(key: str, rs: list[dict[str, Any]] = rs) -> float:
            return statistics.median(r[key] for r in rs)

        lock = f"{m('lock'):.1f}" if backend == "sqlite" else "— (row locks)"
        lines.append(
            f"| {backend} | {scenario} | {rs[0]['rows']:,} | {m('total'):.1f} | {m('read'):.1f} "
            f"| {m('write'):.1f} | {lock} | {int(m('audit')):,} | {int(m('saves'))} "
            f"| {m('save_median') * 1000:.0f} | {max(r['save_max'] for r in rs) * 1000:.0f} "
            f"| {sum(r['failures'] for r in rs)} | {rs[0]['summary']} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += [
        "",
        f'Repetitions: {len(next(iter(groups.values())))} per row. "save max" is the slowest of '
        "all the other user's saves that started during the import, over all repetitions. "
        f"Peak memory of the benchmark process: {peak:,.0f} MB.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(args_list)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as folder:
        results = [r for b in backends for r in run(b, args.rows, args.reps, Path(folder))]
    text = report(results, args_list)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
