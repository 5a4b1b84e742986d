"""``discharge-hub export placements [--place PLACE] [--state STATE] --out FILE.csv``.

Registered in the ``export`` group that :mod:`discharge_hub.cli.report_cmd` creates.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from discharge_hub.cli import UsageError
from discharge_hub.db import Database
from discharge_hub.outputs import check_output
from discharge_hub.services.placements import WAITING_STATES

COLUMNS_HELP = (
    "nhs_number, family_name, given_name, place, site, ward, pathway, service_type, "
    "provider_code, provider, state, state_since, days_in_state, discharge_ready_date, "
    "delay_days, assigned_to, funding"
)


def register_kind(kinds: Any) -> None:
    cmd = kinds.add_parser(
        "placements",
        help="the placements queue as CSV",
        description="Write every placement not yet started or ended (one row each) to a "
        f"CSV file with the columns {COLUMNS_HELP}.",
    )
    cmd.add_argument(
        "--place",
        metavar="PLACE",
        default=None,
        help="one council: its code or name (Leicester, Leicestershire, Rutland); default: all",
    )
    cmd.add_argument(
        "--state",
        metavar="STATE",
        default=None,
        help="only placements in this state: " + ", ".join(WAITING_STATES),
    )
    cmd.add_argument("--out", metavar="FILE.csv", required=True, help="the CSV file to write")
    cmd.set_defaults(handler=_export_placements)


def _export_placements(args: argparse.Namespace) -> int:
    from discharge_hub import placements_export

    out = check_output(args.out)
    database = Database.open(args.db, read_only=True)
    try:
        path = make_url(database.url).database if database.is_sqlite else None
        if path and Path(path).resolve() == out.resolve():
            raise UsageError(f"--out: {args.out} is the database file")
        count = placements_export.export_placements(
            database, out, place=args.place, state=args.state
        )
    finally:
        database.dispose()
    print(f"{out}: {count} placement{'s' if count != 1 else ''}")
    return 0
