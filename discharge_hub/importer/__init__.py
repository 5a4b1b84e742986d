"""Import a PAS extract (CSV) of inpatients: admit new spells, update open ones.

Built so that a large file does not stop the ward:

1. **Read** (no write lock, a read session): the file is read and every row checked
   on its own (:mod:`.extract`); what the database holds for the file's patients is
   loaded in a few set-based queries (:mod:`.snapshot`); each valid row is then
   replayed against the services' rules (:mod:`.plan`), which decides what it
   creates or changes, and the audit rows the services would write for it.
2. **Write** (:mod:`.write`): in ONE transaction, after checking that no one changed
   what the plan relied on, the rows are written in bulk. If someone did, the import
   plans again from a fresh read (up to :data:`ATTEMPTS` times).

All or nothing: any invalid row (on its own, or refused by a service rule) and
nothing is written, unless ``skip_invalid``: then the valid rows are written and the
others returned as rejected. An open spell for the same NHS number is updated, never
duplicated, and only where the extract differs from the record: re-importing the same
file changes nothing (no audit rows). Empty optional cells keep what the hub has (PAS
extracts often omit them); they never clear a value. The audit trail, the versions
and the who/when stamps are those the services would have written row by row
(``tests/test_import_bulk.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ConflictError
from discharge_hub.importer.csvfile import read_extract, rejects_csv, write_rejects
from discharge_hub.importer.extract import (
    COLUMNS,
    EDD_REASON,
    REQUIRED,
    Codes,
    Extract,
    ExtractRow,
    ImportBusyError,
    ImportFileError,
    ImportResult,
    ImportRowsError,
    RowProblem,
    check_rows,
)
from discharge_hub.importer.plan import Plan
from discharge_hub.importer.snapshot import read_snapshot
from discharge_hub.importer.write import Stale, write

__all__ = [
    "ATTEMPTS", "COLUMNS", "EDD_REASON", "REQUIRED", "Extract", "ExtractRow", "ImportBusyError",
    "ImportFileError", "ImportResult", "ImportRowsError", "RowProblem", "import_extract",
    "plan_extract", "read_extract", "rejects_csv", "write_rejects",
]  # fmt: skip

ATTEMPTS = 3


def plan_extract(
    database: Database, extract: Extract, *, actor: str, today: date | None = None
) -> Plan:
    """The read phase: check every row and decide its changes (writes nothing)."""
    on = today or clock.today()
    with database.read() as session:
        codes = Codes.load(session)
        rows = check_rows(extract, codes, on)
        snapshot = read_snapshot(session, rows, codes, on)
    plan = Plan(snapshot, actor)
    for row in rows:
        plan.add(row)
    return plan


def import_extract(
    database: Database,
    extract: Extract,
    *,
    actor: str,
    skip_invalid: bool = False,
    today: date | None = None,
    before_commit: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Check every row, then write the valid ones in one transaction.

    Raises ImportRowsError (nothing written) for any invalid row unless
    ``skip_invalid``. ``before_commit`` is called with the result inside the write
    transaction, just before it commits: an error it raises rolls everything back
    (the CLI writes the rejects file there, so a rejects file that cannot be written
    leaves the database untouched).
    """
    if not actor or not actor.strip():
        raise ValueError("an import needs the acting user")
    for _attempt in range(ATTEMPTS):
        plan = plan_extract(database, extract, actor=actor, today=today)
        if plan.problems and not skip_invalid:
            raise ImportRowsError(extract.source, plan.problems)
        try:
            write(database, plan, before_commit=before_commit)
        except (Stale, ConflictError):
            continue  # someone changed a patient of the file since the read: read again
        return plan.result
    raise ImportBusyError(
        f"{extract.source}: other users kept changing the patients of this file while it "
        f"was being imported ({ATTEMPTS} attempts). Nothing was imported; try again."
    )
