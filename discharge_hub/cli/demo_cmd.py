"""``discharge-hub demo [--patients N] [--seed S] [--today YYYY-MM-DD]``."""

from __future__ import annotations

import argparse
import time
from typing import Any

from discharge_hub import demo
from discharge_hub.db import Database, describe_url
from discharge_hub.validators import parse_date


def register(subs: Any) -> None:
    cmd = subs.add_parser(
        "demo",
        help="fill an empty database with synthetic LLR demo data",
        description="Fill an empty database with realistic synthetic LLR data: wards and "
        "beds, providers, N patients in hospital at every stage of the discharge journey "
        "and a month of discharges. The same seed gives the same data. Refuses a "
        "database that already holds patients.",
    )
    cmd.add_argument(
        "--patients",
        type=int,
        default=400,
        metavar="N",
        help="patients in hospital (default 400; about N/2 more discharged)",
    )
    cmd.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    cmd.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        default=None,
        help="the day the data is built around (default: today; not later)",
    )
    cmd.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    today = parse_date(args.today, "--today") if args.today else None
    database = Database.open(args.db, program="discharge-hub demo")
    try:
        started = time.perf_counter()
        summary = demo.generate(database, patients=args.patients, seed=args.seed, today=today)
        took = time.perf_counter() - started
        print(f"{describe_url(database.url)}: demo data written in {took:.1f} s: {summary}")
    finally:
        database.dispose()
    return 0
