"""``discharge-hub export placements``: the placements queue as CSV, for a council's
own systems. One row per placement not yet started or ended, in queue order.

Cells: NHS number as 10 digits; ``place`` the council's code; codes (pathway, service
type, state, funding) as stored; ``state_since`` an ISO date-time in UK time with its
offset; dates ISO. UTF-8 with a byte-order mark (spreadsheets then read accents
right). Written whole or not at all (``outputs.write_atomically``); cells a spreadsheet
would run as formulas get a leading ``'`` (``csv_safety``, OWASP).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from discharge_hub import clock
from discharge_hub.csv_safety import csv_bytes
from discharge_hub.db import Database
from discharge_hub.outputs import write_atomically
from discharge_hub.services.queues import PlacementQueueRow, placement_queue

COLUMNS = (
    "nhs_number", "family_name", "given_name", "place", "site", "ward", "pathway",
    "service_type", "provider_code", "provider", "state", "state_since", "days_in_state",
    "discharge_ready_date", "delay_days", "assigned_to", "funding",
)  # fmt: skip


def to_cells(row: PlacementQueueRow) -> list[str]:
    since = clock.local(row.state_since).isoformat(timespec="seconds")
    values: list[object] = [
        row.nhs_number, row.family_name, row.given_name, row.place_code, row.site, row.ward,
        row.pathway, row.service_type, row.provider_code, row.provider, row.state, since,
        row.days_in_state, row.discharge_ready_date, row.delay_days, row.assigned_to,
        row.funding,
    ]  # fmt: skip
    return ["" if v is None else str(v) for v in values]


def to_csv(rows: list[PlacementQueueRow]) -> bytes:
    """Every cell neutralised against CSV injection (``csv_safety``), with a BOM."""
    return csv_bytes(COLUMNS, (to_cells(r) for r in rows), bom=True)


def export_placements(
    database: Database,
    out: Path,
    *,
    place: str | None = None,
    state: str | None = None,
    today: date | None = None,
) -> int:
    """Write the queue to ``out``; returns the number of rows. A bad place or state
    raises ValidationError before anything is written."""
    with database.read() as session:
        rows = placement_queue(session, place=place, state=state, today=today)
    write_atomically(out, to_csv(rows))
    return len(rows)
