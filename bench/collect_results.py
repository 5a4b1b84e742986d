# ruff: noqa: E501  (the markdown table below is one line a row)
"""Write docs/benchmarks.md from the per-benchmark results in bench/results/.

Each bench script writes its own results file (figures, machine, date and the command
that reproduces them); this gathers them into the one document the issues point to.

    python bench/collect_results.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ORDER = (
    "board.md",
    "demo.md",
    "ui.md",
    "ui-print-issue10.md",
    "reports.md",
    "import.md",
    "live.md",
    "soak.md",
    "history.md",
    "adt.md",
)

HEADER = """# Benchmarks

Speed is measured by scripts in `bench/`, never by timed tests (these machines are
shared and noisy). Each section below is written by its script
(`bench/results/*.md`) and gathered here by `python bench/collect_results.py`.
All figures are medians over repetitions after warm-up, with p90 where given; each
section names the machine, its load, the date and the command to reproduce it.

| Issue | What | Target | Section |
|---|---|---|---|
| 2 (core) | board query, 3,000 open + 100,000 discharged spells | within 2x one raw SQL fetch of the same rows; < 150 ms | [Board query](#board-query-benchmark) |
| 12 (core) | `board()` against the plain fetch of the open spells (patient, ward, site), same data; UI board shown and keystroke; `demo --patients 400` | <= 2x plain, SQLite and PostgreSQL; no worse than before; < 5 s on SQLite | [Board query](#board-query-benchmark) |
| 12 (core) | `discharge-hub demo --patients 400` into a fresh database, the real command in its own process | < 5 s on SQLite | [Demo data](#demo-data-benchmark-demo---patients-400) |
| 3 (desktop) | board shown; quick-search keystroke; cold start | < 300 ms; < 16 ms; < 2 s | [UI](#ui-benchmark-ward-board) |
| 4 (reports) | huddle PDF; handover; sitrep, 3,000 open spells | < 2 s; < 200 ms; < 500 ms | [Reports](#reports-benchmark) |
| 8 (import) | 50,000-row `import csv`; another user's save meanwhile | < 60 s; PostgreSQL < 1 s, SQLite waits (never fails) at most the write phase, < 5 s | [Import](#import-benchmark-50000-row-pas-extract) |
| 9 (core) | live refresh, 25 clients on PostgreSQL, 3,000 open spells: save to fresh row on every client; one-row re-fetch | < 500 ms median, < 1 s p95; < 5 ms | [Live refresh](#live-refresh-benchmark) |
| 13 (security) | soak: 20 processes × 200 edits to 50 shared spells, each its own login; writes/s, conflicts, save latency | p95 save < 50 ms; every promise kept | [Soak](#soak-benchmark-concurrent-saves-on-the-shared-database) |
| 11 (history) | sitrep for a past day; EDD reliability over 90 days; 3,000 open + 100,000 discharged stays with ~10 facts each | < 500 ms; < 1 s | [History](#history-benchmark) |
| 14 (PAS feed) | import of 50,000 HL7 v2 ADT messages (A01/A02/A08/A03), each applied on its own, at most once | < 60 s on SQLite and PostgreSQL | [ADT feed](#adt-feed-benchmark-50000-hl7-v2-messages) |

"""


def main() -> None:
    parts = [HEADER]
    for name in ORDER:
        text = (RESULTS / name).read_text(encoding="utf-8").strip()
        # Each results file starts with a level-1 heading; make it a section here.
        lines = text.splitlines()
        if lines and lines[0].startswith("# "):
            lines[0] = "#" + lines[0]
        body = "\n".join(("#" + line) if line.startswith("## ") else line for line in lines)
        parts.append(body + "\n")
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
