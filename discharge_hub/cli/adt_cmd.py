"""``discharge-hub import adt FILE... [--create-wards]``: the PAS feed (HL7 v2 ADT);
``discharge-hub adt-map import FILE.csv`` / ``adt-map list``: the ward map."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from discharge_hub import adt
from discharge_hub.adt import wards
from discharge_hub.db import Database
from discharge_hub.services import people

EXIT_OK, EXIT_REJECTED = 0, 2


def register_import(kinds: Any) -> None:
    """``import adt``: added to the ``import`` group by :mod:`.import_cmd`."""
    cmd = kinds.add_parser(
        "adt",
        help="import HL7 v2 ADT messages from the PAS (A01 A02 A03 A08 A11 A13)",
        description="Apply the HL7 v2 ADT messages of the files, in order, each on its "
        "own and at most once (by message control ID, MSH-10): A01 admit, A02 transfer, "
        "A03 discharge, A08 update patient, A11 cancel admit, A13 cancel discharge. "
        "Segments may end with CR, LF or CRLF; MLLP framing and FHS/BHS batch wrappers "
        "are accepted. PV1-3 locations are looked up in the ward map (adt-map). A bad "
        "message is reported with its control ID and reason and the others go on; "
        "messages of other events are reported and skipped. "
        "Exit 0 when every message was applied or skipped as already applied; 2 when "
        "any was rejected.",
    )
    cmd.add_argument("files", metavar="FILE", type=Path, nargs="+", help="files of messages")
    cmd.add_argument(
        "--create-wards",
        action="store_true",
        help="create a ward (named after the PAS location code, at the site named by "
        "PV1-3.4 facility) for a location not in the ward map, instead of rejecting it",
    )
    cmd.set_defaults(handler=_import_adt)


def register(subs: Any) -> None:
    amap = subs.add_parser("adt-map", help="the ward map of the PAS feed: import, list")
    kinds = amap.add_subparsers(dest="adt_map_kind", metavar="ACTION", required=True)
    imp = kinds.add_parser(
        "import",
        help="add or update PAS location codes from a CSV file",
        description="Add or update the PAS location codes (PV1-3 point of care) of a "
        "UTF-8 CSV file with the columns code,site,ward (site: a site name from "
        "resources/sites.csv). All or nothing. For the hub's administrators.",
    )
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.set_defaults(handler=_map_import)
    lst = kinds.add_parser("list", help="show the ward map as CSV")
    lst.set_defaults(handler=_map_list)


def _actor(kind: str) -> str:
    return f"{people.os_login()} ({kind})"[:100]


def _import_adt(args: argparse.Namespace) -> int:
    files = adt.split_files(args.files)  # a file that cannot be read: before the database
    database = Database.open(args.db, create=False, program="discharge-hub import adt")
    try:
        result = adt.apply_items(
            database,
            adt.parse_stream(files),
            actor=_actor("ADT feed"),
            create_wards=args.create_wards,
        )
    finally:
        database.dispose()
    for skipped in result.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
    for rejected in result.rejected:
        print(f"rejected: {rejected}", file=sys.stderr)
    print(f"{len(args.files)} file(s): {result.summary()}")
    return EXIT_REJECTED if result.rejected else EXIT_OK


def _map_import(args: argparse.Namespace) -> int:
    rows = wards.read_map(args.file)
    database = Database.open(args.db, create=False, program="discharge-hub adt-map import")
    try:
        with database.unit_of_work(_actor("ward map")) as session:
            added, changed = wards.save_map(session, rows)
    finally:
        database.dispose()
    print(f"{args.file}: {len(rows)} codes: {added} added, {changed} changed")
    return EXIT_OK


def _map_list(args: argparse.Namespace) -> int:
    database = Database.open(args.db, read_only=True, program="discharge-hub adt-map list")
    try:
        with database.read() as session:
            rows = wards.list_map(session)
    finally:
        database.dispose()
    print("code,site,ward")
    for row in rows:
        print(",".join(_cell(v) for v in (row.code, row.site, row.ward)))
    return EXIT_OK


def _cell(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"') else value
