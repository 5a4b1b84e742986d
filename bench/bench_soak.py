# ruff: noqa: E501  (the markdown table in report() is one line a row)
"""Soak: many people saving the same patients at once on the shared PostgreSQL (issue 13).

A fresh database ``dh_soak_<random>`` with its own group roles (``dhsoak<random>_*``),
both dropped at the end. N processes, each signed in as its own coordinator login (so
the server stamps every change with that person), make up to E edits each, for at
most S seconds, to a shared set of K open spells: each edit reads the spell (as a form
opening it) and saves one field — the next action, or the EDD with its reason — with
the version it read, through the services, as a desktop save does. A save either
lands or is refused as a conflict (someone saved that spell since it was read).

Afterwards it checks, from the database as its owner:

* every accepted write is in the audit trail, signed by the login that made it;
* no rejected write left a trace (each edit writes a value of its own);
* every rejection was reported as a conflict, and nothing else went wrong;
* the final value of each field is the last accepted write to it.

and reports writes per second, conflicts and the save latency (p95 target < 50 ms).
A script, not a test (tests/test_soak.py runs a small one for its checks, no timing).

    python bench/bench_soak.py                               # 20 × 200 edits, 50 spells, 60 s
    python bench/bench_soak.py --processes 4 --edits 50 --spells 10 --no-write
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import random
import shlex
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from discharge_hub import clock  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.errors import ConflictError  # noqa: E402
from discharge_hub.models import AuditEntry, Spell  # noqa: E402
from discharge_hub.services import people, spells  # noqa: E402
from discharge_hub.services.patients import PatientDetails  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "soak.md"
from support import PG_ADMIN, pg_database  # noqa: E402

FIELDS = ("next_action", "edd")


@dataclass
class Outcome:
    """What one process did: accepted writes, conflicts, anything else, latencies."""

    actor: str = ""
    accepted: list[tuple[int, str, str, int, float]] = field(default_factory=list)
    # (spell_id, field, value as audited, spell version after, when accepted)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)  # every attempt, accepted or not
    unchanged: int = 0  # an EDD set to the date it already had (services write nothing)
    first: float = 0.0
    last: float = 0.0


def _edit(database: Database, spell_id: int, what: str, value: Any, out: Outcome) -> None:
    with database.read() as session:  # the form opens: the version it shows
        version = session.scalar(select(Spell.version).where(Spell.id == spell_id))
    start = time.perf_counter()
    try:
        with database.unit_of_work("soak") as session:
            if what == "next_action":
                view = spells.set_next_action(
                    session, spell_id=spell_id, expected_version=version, next_action=value
                )
            else:
                view = spells.set_edd(
                    session, spell_id=spell_id, expected_version=version, edd=value,
                    reason="soak",
                )  # fmt: skip
        shown = value.isoformat() if isinstance(value, date) else value
        if view.version == version:  # the EDD it already had: nothing to write
            out.unchanged += 1
        else:
            out.accepted.append((spell_id, what, shown, view.version, time.time()))
    except ConflictError:
        out.rejected.append(
            (spell_id, what, value.isoformat() if isinstance(value, date) else value)
        )
    except Exception as exc:  # noqa: BLE001 - counted: the soak requires none
        out.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        out.save_ms.append((time.perf_counter() - start) * 1000)


def worker(
    url: str,
    index: int,
    spell_ids: list[int],
    edits: int,
    seconds: float,
    think: float,
    go: Any,
    results: Any,
) -> None:
    out = Outcome()
    try:
        database = Database.open(url, upgrade=False, pool_size=1)
    except Exception as exc:  # noqa: BLE001
        out.errors.append(f"open: {exc}")
        results.put(out)
        return
    out.actor = database.permissions.actor
    rng = random.Random(index)
    base = clock.today()
    go.wait()
    out.first = time.time()
    deadline = time.monotonic() + seconds
    try:
        for n in range(edits):
            if time.monotonic() > deadline:
                break
            spell_id, what = rng.choice(spell_ids), rng.choice(FIELDS)
            # Every next action is a value of its own, so its trace can be told apart;
            # EDDs stay within the next 60 days (a few repeat: the checks allow for it).
            value: Any = (
                f"w{index} e{n}"
                if what == "next_action"
                else base + timedelta(days=1 + (index * edits + n) % 60)
            )
            _edit(database, spell_id, what, value, out)
            if think:  # a person reads and types between two saves
                time.sleep(rng.uniform(0, 2 * think))
    finally:
        out.last = time.time()
        database.dispose()
        results.put(out)


# --- set-up ------------------------------------------------------------------------------------


@contextmanager
def soak_database(prefix: str) -> Iterator[str]:
    """A fresh database, dropped afterwards with the logins made for the run."""
    try:
        with pg_database() as url:
            yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            roles = admin.execute(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) "
                "ORDER BY rolcanlogin DESC", (prefix,),
            ).fetchall()  # fmt: skip
            for (role,) in roles:
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def prepare(owner_url: str, prefix: str, processes: int, count: int) -> tuple[list[str], list[int]]:
    """Logins (one per process) and ``count`` open spells; the URLs and the spell ids."""
    database = Database.open(owner_url)
    urls, ids = [], []
    try:
        with database.unit_of_work("soak set-up") as s:
            for i in range(processes):
                login = f"{prefix}p{i}"
                people.add_person(s, login=login, role="coordinator", display_name=f"Soak {i}")
                urls.append(
                    make_url(owner_url).set(username=login).render_as_string(hide_password=False)
                )
            when = clock.now() - timedelta(days=3)
            for n in range(count):
                view = spells.admit(
                    s,
                    patient=PatientDetails(
                        nhs_number=_nhs(n), family_name="Soak", given_name=f"Test {n}",
                        date_of_birth=date(1940, 1, 1), sex="F", place="Leicester",
                    ),
                    site="Leicester Royal Infirmary", ward="Soak Ward", bed=f"S{n:02d}",
                    admitted_at=when,
                )  # fmt: skip
                ids.append(view.id)
    finally:
        database.dispose()
    return urls, ids


def _nhs(n: int) -> str:
    from discharge_hub.validators import nhs_check_digit

    body = 999_100_000 + n * 7
    while (check := nhs_check_digit(str(body))) is None:
        body += 1
    return f"{body}{check}"


# --- running and checking ------------------------------------------------------------------


@dataclass
class SoakResult:
    outcomes: list[Outcome]
    problems: list[str]
    seconds: float
    spells: int

    @property
    def accepted(self) -> int:
        return sum(len(o.accepted) for o in self.outcomes)

    @property
    def conflicts(self) -> int:
        return sum(len(o.rejected) for o in self.outcomes)

    @property
    def errors(self) -> list[str]:
        return [e for o in self.outcomes for e in o.errors]

    @property
    def save_ms(self) -> list[float]:
        return [ms for o in self.outcomes for ms in o.save_ms]


def run_soak(
    owner_url: str,
    prefix: str,
    *,
    processes: int,
    edits: int,
    spells_count: int,
    seconds: float,
    think: float = 0.0,
) -> SoakResult:
    urls, ids = prepare(owner_url, prefix, processes, spells_count)
    ctx = mp.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=worker, args=(urls[i], i, ids, edits, seconds, think, go, results), daemon=True
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every process import and connect before the start
    go.set()
    outcomes = [results.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    start = min(o.first for o in outcomes if o.first)
    end = max(o.last for o in outcomes)
    return SoakResult(outcomes, check(owner_url, outcomes), end - start, spells_count)


def check(owner_url: str, outcomes: list[Outcome]) -> list[str]:
    """What the soak must show; each broken promise as one line (none: all kept)."""
    problems: list[str] = []
    database = Database.open(owner_url, upgrade=False)
    try:
        with database.read() as s:
            audited = {
                (r.entity_id, r.field, r.new_value, r.actor)
                for r in s.execute(
                    select(
                        AuditEntry.entity_id,
                        AuditEntry.field,
                        AuditEntry.new_value,
                        AuditEntry.actor,
                    ).where(AuditEntry.entity == "spell", AuditEntry.field.in_(FIELDS))
                )
            }
            final = {r.id: r for r in s.execute(select(Spell.id, Spell.next_action, Spell.edd))}
    finally:
        database.dispose()
    values = {(sid, f, v) for sid, f, v, _ in audited}
    accepted = {(sid, what, value) for o in outcomes for sid, what, value, _v, _t in o.accepted}
    for o in outcomes:
        for sid, what, value, _v, _t in o.accepted:
            if (sid, what, value, o.actor) not in audited:
                problems.append(
                    f"accepted write not in the audit trail: spell {sid} {what}={value} by {o.actor}"
                )
        for sid, what, value in o.rejected:
            if (sid, what, value) in values and (sid, what, value) not in accepted:
                problems.append(f"a rejected write left a trace: spell {sid} {what}={value}")
        problems += [f"not a conflict: {e}" for e in o.errors]
    last: dict[tuple[int, str], tuple[int, str]] = {}
    for o in outcomes:
        for sid, what, value, version, _t in o.accepted:
            if (sid, what) not in last or version > last[(sid, what)][0]:
                last[(sid, what)] = (version, value)
    for (sid, what), (_version, value) in last.items():
        row = final[sid]
        now_value = row.next_action if what == "next_action" else row.edd.isoformat()
        if now_value != value:
            problems.append(
                f"spell {sid} {what} is {now_value!r}, the last accepted write was {value!r}"
            )
    return problems


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def report(r: SoakResult, args: argparse.Namespace, server: str) -> str:
    ms = r.save_ms
    p95 = percentile(ms, 0.95) if ms else float("nan")
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    command = "python bench/bench_soak.py " + shlex.join(sys.argv[1:])
    verdict = "all kept" if not r.problems else f"{len(r.problems)} BROKEN (first: {r.problems[0]})"
    return f"""# Soak benchmark: concurrent saves on the shared database

PostgreSQL {server}; {args.processes} processes, each signed in as its own coordinator login, up \
to {args.edits} edits each to {args.spells} shared open spells, at most {args.seconds:.0f} s, \
{f"about {args.think:.1f} s between two edits of a process" if args.think else "no pause between edits"}. Each \
edit reads the spell's version (a form opening) and saves one field with it (next action, or EDD \
with a reason) through the services; row-level locks and the version check decide.

| Measure | Value | Target | Met |
|---|---:|---|---|
| Edits attempted | {len(ms)} | | |
| Writes accepted | {r.accepted} | | |
| Saves that changed nothing (EDD already that date) | {sum(o.unchanged for o in r.outcomes)} | | |
| Writes per second (accepted / wall time {r.seconds:.1f} s) | {r.accepted / r.seconds:.0f} | | |
| Conflicts (refused as changed by someone else) | {r.conflicts} ({100 * r.conflicts / max(1, len(ms)):.1f} %) | reported as conflicts | {"yes" if not r.errors else "NO"} |
| Other errors | {len(r.errors)} | 0 | {"yes" if not r.errors else "NO"} |
| Save latency median / p95 / max (ms, every attempt) | {statistics.median(ms):.1f} / {p95:.1f} / {max(ms):.1f} | p95 < 50 | {"yes" if p95 < 50 else "NO"} |
| Checks (audit trail, no trace of rejects, final state = last accepted) | {verdict} | all kept | {"yes" if not r.problems else "NO"} |

- Save latency: one unit of work (`Database.unit_of_work`: lock the row, version check, update, \
EDD history row, server-stamped audit rows, `NOTIFY`, commit) as timed in the saving process.
- Each accepted write's audit row carries the login that made it (`Soak N (dhsoak…_pN)`), \
stamped by the server's trigger whatever the client says.
- All processes and the server share this machine's cores (and anything else running: read the load).

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
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--spells", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds between two edits of one process (0: none)",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    parser.add_argument("--append", action="store_true", help="add to the results file")
    args = parser.parse_args()
    prefix = f"dhsoak{uuid.uuid4().hex[:6]}_"
    os.environ["DISCHARGE_HUB_ROLE_PREFIX"] = prefix
    with soak_database(prefix) as url:
        result = run_soak(url, prefix, processes=args.processes, edits=args.edits,
                          spells_count=args.spells, seconds=args.seconds, think=args.think)  # fmt: skip
        probe = Database.open(url, upgrade=False)
        server = ".".join(str(v) for v in probe.engine.dialect.server_version_info or ())
        probe.dispose()
    text = report(result, args, server)
    print(text)
    for line in result.problems[:20]:
        print("PROBLEM:", line)
    if not args.no_write:
        if args.append and RESULTS.exists():
            text = RESULTS.read_text(encoding="utf-8") + "\n" + text.replace("# Soak", "## Soak", 1)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0 if not result.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
