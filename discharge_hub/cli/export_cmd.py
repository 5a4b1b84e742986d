"""``discharge-hub export placements [--place PLACE] [--state STATE] --out FILE.csv``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from discharge_hub import placements_export
from discharge_hub.db import Database
from discharge_hub.errors import DomainError
from discharge_hub.services.placements import WAITING_STATES


def register(subs: Any) -> None:
    exp = subs.add_parser("export", help="export data: placements")
    kinds = exp.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    cmd = kinds.add_parser(
        "placements",
        help="the placements queue as CSV",
        description="Write every placement not yet started or ended (one row each) to a "
        "CSV file with the columns " + ", ".join(placements_export.COLUMNS) + ".",
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
    cmd.add_argument("--out", metavar="FILE.csv", type=Path, required=True, help="the CSV file")
    cmd.set_defaults(handler=_export_placements)


def _export_placements(args: argparse.Namespace) -> int:
    out: Path = args.out
    database = Database.open(args.db)
    try:
        path = make_url(database.url).database if database.is_sqlite else None
        if path and Path(path).resolve() == out.resolve():
            raise DomainError(f"--out {out} is the database file.")
        count = placements_export.export_placements(
            database, out, place=args.place, state=args.state
        )
    finally:
        database.dispose()
    print(f"{out}: {count} placement{'s' if count != 1 else ''}")
    return 0
