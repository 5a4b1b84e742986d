"""``discharge-hub report huddle|handover|edd`` and ``discharge-hub export sitrep|edd|red2green``
(the EDD and Red2Green commands live in :mod:`discharge_hub.cli.history_cmd`).

The output file is written whole or not at all (a temporary file renamed into
place), and its folder is checked before any work is done. ReportLab is imported only
when a report runs, so other commands start quickly.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from discharge_hub.cli import UsageError, export_cmd
from discharge_hub.db import Database
from discharge_hub.display import dates
from discharge_hub.outputs import check_output, write_atomically

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def register(subs: Any) -> None:
    from discharge_hub.cli import history_cmd

    report = subs.add_parser("report", help="print a report to PDF: huddle, handover, edd")
    kinds = report.add_subparsers(dest="report_kind", metavar="REPORT", required=True)
    huddle = kinds.add_parser("huddle", help="the daily huddle report for a date")
    huddle.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the huddle day")
    huddle.add_argument("--site", metavar="NAME", help="one site (default: all sites)")
    huddle.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    huddle.set_defaults(handler=_huddle)
    handover = kinds.add_parser(
        "handover", help="the handover summary of a patient's open (else latest) spell"
    )
    handover.add_argument("nhs_number", metavar="NHS_NUMBER")
    handover.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    handover.set_defaults(handler=_handover)
    history_cmd.add_reports(kinds)

    export = subs.add_parser(
        "export", help="export data to CSV: sitrep, placements, edd, red2green"
    )
    what = export.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    sit = what.add_parser(
        "sitrep",
        help="the daily discharge sitrep as CSV (docs/sitrep.md)",
        description="The daily discharge sitrep for NHS England as CSV (docs/sitrep.md). "
        "Safe to open in a spreadsheet: a cell beginning with = + - @ (a formula) is written "
        "with a ' in front (OWASP CSV injection guidance). The output file is checked "
        "before any work and written whole or not at all.",
    )
    sit.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the day reported")
    sit.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV to write")
    sit.set_defaults(handler=_sitrep)
    export_cmd.register_kind(what)
    history_cmd.add_exports(what)


def parse_day(value: str) -> date:
    """A date given as YYYY-MM-DD, or a UsageError saying so."""
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: {value!r} is not a date (use YYYY-MM-DD)") from None


def _user() -> str:
    """Who printed it: the operating system's record of the login (not $USER)."""
    from discharge_hub.display.people import current_login

    return current_login()


def _huddle(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    on, out = parse_day(args.date), check_output(args.out)
    database = Database.open(args.db, read_only=True)
    try:
        with database.read() as session:
            data = render.huddle_report(session, on=on, site=args.site, printed_by=_user())
    finally:
        database.dispose()
    write_atomically(out, data)
    print(f"Wrote the huddle report for {dates.uk_date(on)} to {out}")
    return 0


def _handover(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    out = check_output(args.out)
    database = Database.open(args.db, read_only=True)
    try:
        with database.read() as session:
            spell_id = render.spell_for_handover(session, args.nhs_number)
            data = render.handover_report(session, spell_id=spell_id, printed_by=_user())
    finally:
        database.dispose()
    write_atomically(out, data)
    print(f"Wrote the handover summary to {out}")
    return 0


def _sitrep(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    on, out = parse_day(args.date), check_output(args.out)
    database = Database.open(args.db, read_only=True)
    try:
        with database.read() as session:
            data = render.sitrep_csv(session, on=on)
    finally:
        database.dispose()
    write_atomically(out, data)
    print(f"Wrote the sitrep for {dates.uk_date(on)} to {out}")
    return 0
