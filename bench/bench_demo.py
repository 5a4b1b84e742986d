"""Benchmark: ``discharge-hub demo --patients 400`` into a fresh database (issue 12, item 4).

Each run is the real command in its own process (``python -m discharge_hub demo``) into
a fresh SQLite file (or a fresh PostgreSQL database ``dh_bench_<random>``, dropped at
the end), timed from outside (the whole process: start-up, migration, demo, summary)
and from inside (the "demo data written in X s" figure the command prints). With
``--before DIR`` a second source tree (e.g. ``git archive <commit> | tar -x -C DIR``)
is run in turn with this one, interleaved, so both see the same machine load.

Target: under 5 s on SQLite for 400 patients. Writes ``bench/results/demo.md``.
A script, not a test.

    python bench/bench_demo.py --before /tmp/demo_before          # SQLite x3 each + 1 PG
    python bench/bench_demo.py --reps 1 --patients 100 --no-postgresql
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "demo.md"
from support import fresh_database  # noqa: E402

WRITTEN = re.compile(r"demo data written in ([0-9.]+) s")
TARGET_S = 5.0


def run_once(tree: Path, backend: str, patients: int, seed: int) -> tuple[float, float, float]:
    """(whole process, the demo's own figure, the process's CPU time) in seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with fresh_database(backend) as db:
        cmd = [sys.executable, "-m", "discharge_hub", "demo", "--patients", str(patients),
               "--seed", str(seed), "--db", db]  # fmt: skip
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        # In the tree's folder: ``python -m`` puts the working folder first on the path.
        done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True,
                              check=False)  # fmt: skip
        whole = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: demo failed:\n{done.stdout}\n{done.stderr}")
    found = WRITTEN.search(done.stdout)
    if found is None:
        raise SystemExit(f"{tree}: no timing in the demo's output:\n{done.stdout}")
    return whole, float(found.group(1)), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=3, help="SQLite runs per tree")
    parser.add_argument("--before", type=Path, default=None, help="source tree to compare")
    parser.add_argument("--before-note", default="", help="what the before tree is")
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()

    trees = {"after": ROOT} | ({"before": args.before} if args.before else {})
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    plan = [("sqlite", rep) for rep in range(args.reps)]
    plan += [] if args.no_postgresql else [("postgresql", 0)]
    for backend, rep in plan:
        for label, tree in trees.items():  # interleaved: the same load for both
            run = run_once(tree, backend, args.patients, args.seed)
            results.setdefault((label, backend), []).append(run)
            print(f"{backend} {label} run {rep + 1}: {run[1]:.1f} s (process {run[0]:.1f} s, "
                  f"CPU {run[2]:.1f} s)", flush=True)  # fmt: skip
    write_results(args, trees, results)
    print(f"wrote {OUT.relative_to(ROOT)}")


def write_results(
    args: argparse.Namespace,
    trees: dict[str, Path],
    results: dict[tuple[str, str], list[tuple[float, float, float]]],
) -> None:
    def med(label: str, backend: str, i: int) -> float | None:
        runs = results.get((label, backend))
        return statistics.median(r[i] for r in runs) if runs else None

    lines = [
        f"# Demo data benchmark (`demo --patients {args.patients}`)",
        "",
        "The real command in its own process into a fresh database, seed "
        f"{args.seed}. *Demo* is the figure the command prints (the data written and "
        "counted); *process* is the whole command from outside (interpreter start, "
        "migration of the new database, demo); *CPU* is the process's user + system "
        "time (on a loaded 2-core machine the wall-clock figures include waiting for a "
        "core, so CPU time is the steadier measure of the work done; on an idle machine "
        "the demo's wall time is close to it). Medians; the trees were run in turn, "
        f"interleaved. Target: under {TARGET_S:.0f} s on SQLite.",
        "",
        "| backend | tree | runs | demo (median) | process (median) | CPU (median) "
        "| each run (demo) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for backend in ("sqlite", "postgresql"):
        for label in trees:
            runs = results.get((label, backend))
            if not runs:
                continue
            each = ", ".join(f"{r[1]:.1f}" for r in runs)
            lines.append(
                f"| {backend} | {label} | {len(runs)} | {med(label, backend, 1):.1f} s | "
                f"{med(label, backend, 0):.1f} s | {med(label, backend, 2):.1f} s | {each} |"
            )
    lines.append("")
    for backend in ("sqlite", "postgresql"):
        for what, i in (("demo", 1), ("CPU", 2)):
            after, before = med("after", backend, i), med("before", backend, i)
            if after and before:
                lines.append(f"- {backend}, {what}: after / before = {after / before:.2f} "
                             f"({before / after:.1f}x faster).")  # fmt: skip
    after, cpu = med("after", "sqlite", 1), med("after", "sqlite", 2)
    if after is not None and cpu is not None:
        verdict = "met" if max(after, cpu) < TARGET_S else "NOT met"
        lines.append(f"- Target (< {TARGET_S:.0f} s on SQLite): {verdict} "
                     f"({after:.1f} s demo, {cpu:.1f} s CPU).")  # fmt: skip
    load = os.getloadavg()
    command = "python bench/bench_demo.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines += [
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}); load average at the "
        f"end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (the machine may be "
        "shared: read the load). "
        + (
            f"*Before* is the tree in `{trees['before']}` {args.before_note}. "
            if "before" in trees
            else ""
        )
        + "To reproduce:",
        "",
        f"    {command}",
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
