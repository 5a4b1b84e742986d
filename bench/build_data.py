"""Bulk synthetic data for the benchmarks: thousands of open spells, a long history.

``build(database, open_spells=3000, discharged_spells=100_000)`` writes valid rows
with SQLAlchemy Core ``insert()`` executemany (not the services, which would take
hours): test-range NHS numbers, reference codes read from the database, dates in
order, DRDs derived from the criteria-to-reside reviews written with them, every
Versioned column filled. Each open spell gets the child rows the board reads
(placements in every state, carers and contacts, open and resolved barriers, EDD
changes); discharged spells get their own history so queries must skip it. Every
spell also gets its effective-dated facts (``build_facts.py``, about ten per stay).

Deterministic for a seed and ``today``. It adds to what is in the database (ids,
NHS numbers and ward names are chosen not to clash), in one transaction.

    python bench/build_data.py --db postgresql://postgres@127.0.0.1/mydb --open 3000
"""

from __future__ import annotations

import argparse
import sys
import time as _time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_facts import add_facts  # noqa: E402
from build_rows import (  # noqa: E402
    _ID_TABLES,
    CHUNK,
    BuildResult,
    _Builder,
    _chunks,
    _load_refs,
    _Rows,
    add_spells,
)

from discharge_hub import clock  # noqa: E402
from discharge_hub.db import Database  # noqa: E402
from discharge_hub.models import (  # noqa: E402
    Barrier,
    Bed,
    Carer,
    CarerContact,
    CtrReview,
    CtrReviewCriterion,
    EddChange,
    HubReferral,
    Patient,
    Placement,
    Provider,
    ProviderPlace,
    ProviderServiceType,
    Red2GreenDay,
    Spell,
    SpellFact,
    Ward,
)


def build(
    database: Database,
    *,
    open_spells: int = 3000,
    discharged_spells: int = 100_000,
    seed: int = 1,
    today: date | None = None,
) -> BuildResult:
    """Add ``open_spells`` open and ``discharged_spells`` discharged spells, with histories."""
    started = _time.perf_counter()
    on = today or clock.today()
    with database.engine.begin() as conn:
        builder = _Builder(conn, _load_refs(conn), seed, on)
        builder.estate(open_spells)
        builder.providers()
        add_spells(builder, open_spells, discharged_spells)
        tables = builder.rows.tables
        tables[SpellFact.__table__] = add_facts(tables, builder.wards, seed, builder.now)
        counts = _write(conn, builder.rows)
    _after_load(database)
    return BuildResult(on, counts, _time.perf_counter() - started)


def _write(conn: Connection, rows: _Rows) -> dict[str, int]:
    order = [m.__table__ for m in (Ward, Bed, Provider, ProviderServiceType, ProviderPlace)]
    order += [m.__table__ for m in (Patient, Spell, HubReferral, Placement, Carer)]
    order += [m.__table__ for m in (CarerContact, Barrier, EddChange, CtrReview)]
    order += [m.__table__ for m in (CtrReviewCriterion, Red2GreenDay, SpellFact)]
    counts: dict[str, int] = {}
    for table in order:
        table_rows = rows.tables.get(table, [])
        counts[table.name] = len(table_rows)
        if table_rows:
            _insert_many(conn, table, table_rows)
    return counts


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``insert(table)`` compiled once and run as one DBAPI executemany per chunk.

    The values go through each column type's own bind processor for this dialect
    (UtcDateTime, SQLite DATE/DATETIME text, ...), so they are stored exactly as the
    ORM stores them; only SQLAlchemy's per-row parameter bookkeeping is skipped,
    which was most of the build time.
    """
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or ()) if compiled.positional else keys
    procs = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    pairs = list(zip(names, procs, strict=True))
    for chunk in _chunks(rows, CHUNK):
        values = [
            tuple(r[n] if p is None or r[n] is None else p(r[n]) for n, p in pairs) for r in chunk
        ]
        params: Any = (
            values if compiled.positional else [dict(zip(names, v, strict=True)) for v in values]
        )
        conn.exec_driver_sql(compiled.string, params)


def _after_load(database: Database) -> None:
    """PostgreSQL: move the id sequences past the explicit ids, then ANALYZE (what
    autovacuum would do minutes later). SQLite: nothing (the app never runs ANALYZE)."""
    if database.is_sqlite:
        return
    with database.engine.begin() as conn:
        for model in _ID_TABLES:
            name = model.__table__.name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def _parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL or SQLite file path")
    parser.add_argument("--open", type=int, default=3000, help="open spells (default 3000)")
    parser.add_argument(
        "--discharged", type=int, default=100_000, help="discharged spells (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = _parse_args(argv)
    database = Database.open(args.db)
    try:
        result = build(
            database,
            open_spells=args.open,
            discharged_spells=args.discharged,
            seed=args.seed,
            today=args.today,
        )
    finally:
        database.dispose()
    print(result.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
