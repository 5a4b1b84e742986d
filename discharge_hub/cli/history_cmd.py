"""``discharge-hub report edd``, ``export edd`` and ``export red2green``: reports over
a range of past days, read from the spells' history (``docs/edd.md``).

Like the other report commands they open the database read-only, check the output
path before any work, and write the file whole or not at all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from discharge_hub.cli import UsageError
from discharge_hub.cli.report_cmd import _ISO_DATE, _user
from discharge_hub.db import Database
from discharge_hub.display import dates
from discharge_hub.outputs import check_output, write_atomically


def _range_arguments(parser: Any, out: str) -> None:
    parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD",
                        help="the first day (UK date)")  # fmt: skip
    parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD",
                        help="the last day, included")  # fmt: skip
    parser.add_argument("--out", required=True, metavar=out, help="the file to write")


def add_reports(kinds: Any) -> None:
    edd = kinds.add_parser("edd", help="EDD reliability of the discharges in a date range")
    _range_arguments(edd, "FILE.pdf")
    edd.add_argument("--site", metavar="NAME", help="one site (default: all sites)")
    edd.set_defaults(handler=_edd_report)


def add_exports(what: Any) -> None:
    edd = what.add_parser(
        "edd", help="one row per stay discharged in a date range: its EDDs and days late"
    )
    _range_arguments(edd, "FILE.csv")
    edd.add_argument("--site", metavar="NAME", help="one site (default: all sites)")
    edd.set_defaults(handler=_edd_export)
    r2g = what.add_parser("red2green", help="every Red2Green day recorded in a date range")
    _range_arguments(r2g, "FILE.csv")
    r2g.set_defaults(handler=_red2green_export)


def parse_day(value: str, option: str) -> date:
    """A date given as YYYY-MM-DD, or a UsageError naming the option."""
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _run(args: argparse.Namespace, make: Callable[[Session, date, date], bytes], what: str) -> int:

    start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    out = check_output(args.out)
    database = Database.open(args.db, read_only=True)
    try:
        with database.read() as session:
            data = make(session, start, end)
    finally:
        database.dispose()
    write_atomically(out, data)
    print(f"Wrote {what} from {dates.uk_date(start)} to {dates.uk_date(end)} to {out}")
    return 0


def _edd_report(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    def make(session: Session, start: date, end: date) -> bytes:
        return render.edd_report(session, start=start, end=end, site=args.site, printed_by=_user())

    return _run(args, make, "the EDD reliability report")


def _edd_export(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    def make(session: Session, start: date, end: date) -> bytes:
        return render.edd_csv(session, start=start, end=end, site=args.site)

    return _run(args, make, "the EDD of each discharge")


def _red2green_export(args: argparse.Namespace) -> int:
    from discharge_hub.reports import render

    def make(session: Session, start: date, end: date) -> bytes:
        return render.red2green_csv(session, start=start, end=end)

    return _run(args, make, "the Red2Green days")
