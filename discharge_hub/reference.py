"""Reference code lists: read from ``resources/`` and kept in step in the database.

The CSV files are the source; :func:`sync` inserts new codes and updates changed
labels at every start-up (idempotent). Codes are never deleted: old records keep
their meaning.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, insert, select, update
from sqlalchemy.orm import Session

from discharge_hub import changes
from discharge_hub.models import (
    BarrierKind,
    Base,
    ContactMethod,
    Criterion,
    DelayReason,
    Destination,
    EthnicCategory,
    Method,
    Pathway,
    Place,
    ServiceType,
    Site,
)

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


@cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    with (RESOURCES / name).open(encoding="utf-8-sig", newline="") as fh:
        return tuple({k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh))


def _yes(value: str) -> bool:
    return value.strip().lower() in {"yes", "y", "true", "1"}


Row = dict[str, Any]
# (model, csv file, key columns, row mapper)
TABLES: list[tuple[type[Base], str, tuple[str, ...], Callable[[int, Row], Row]]] = [
    (
        Pathway,
        "pathways.csv",
        ("code",),
        lambda i, r: {
            "code": r["code"],
            "label": r["label"],
            "through_hub": _yes(r["through_hub"]),
            "sort_order": i,
        },
    ),
    (Criterion, "criteria_to_reside.csv", ("code",), lambda i, r: dict(r)),
    (
        DelayReason,
        "delay_reasons.csv",
        ("list_version", "code"),
        lambda i, r: {
            "code": r["code"],
            "label": r["label"],
            "group": r["group"],
            "list_version": r["list_version"],
            "active": True,
        },
    ),
    (Destination, "discharge_destinations.csv", ("code",), lambda i, r: dict(r)),
    (Method, "discharge_methods.csv", ("code",), lambda i, r: dict(r)),
    (Place, "places.csv", ("code",), lambda i, r: dict(r)),
    (
        ServiceType,
        "service_types.csv",
        ("code",),
        lambda i, r: {
            "code": r["code"],
            "label": r["label"],
            "pathway_code": r["pathway"] or None,
            "bed_based": _yes(r["bed_based"]),
        },
    ),
    (EthnicCategory, "ethnic_categories.csv", ("code",), lambda i, r: dict(r)),
    (BarrierKind, "barrier_kinds.csv", ("code",), lambda i, r: dict(r)),
    (ContactMethod, "contact_methods.csv", ("code",), lambda i, r: dict(r)),
    (Site, "sites.csv", ("name",), lambda i, r: dict(r)),
]


def sync(engine: Engine) -> None:
    """Insert or update every reference row from the CSVs, in one transaction (which,
    if it changed anything, tells every client to refresh everything)."""
    with engine.begin() as conn:
        changed = False
        for model, filename, keys, mapper in TABLES:
            table = model.__table__
            assert isinstance(table, Table)
            wanted = [mapper(i, r) for i, r in enumerate(read_csv(filename))]
            cols = sorted({c for row in wanted for c in row})
            existing = {
                tuple(getattr(r, k) for k in keys): r
                for r in conn.execute(select(*[table.c[c] for c in cols])).all()
            }
            new_rows = [w for w in wanted if tuple(w[k] for k in keys) not in existing]
            if new_rows:
                conn.execute(insert(table), new_rows)
                changed = True
            for w in wanted:
                old = existing.get(tuple(w[k] for k in keys))
                if old is not None and any(getattr(old, c) != w[c] for c in w):
                    cond = [table.c[k] == w[k] for k in keys]
                    conn.execute(update(table).where(*cond).values(**w))
                    changed = True
        if changed:
            changes.announce(conn, changes.Change(all=True))


def codes(session: Session, model: type[Base]) -> set[str]:
    """All codes of one reference table (for validation)."""
    return set(session.scalars(select(model.code)))  # type: ignore[attr-defined]


def active_delay_reason_ids(session: Session) -> dict[str, int]:
    """Code → id of the active delay reasons (the newest list version wins a clash)."""
    rows = session.execute(
        select(DelayReason.code, DelayReason.id)
        .where(DelayReason.active.is_(True))
        .order_by(DelayReason.list_version)
    )
    return {code: rid for code, rid in rows}
