"""``discharge-hub db upgrade``, ``db current``, ``db check`` and ``db set-password``."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from keyring.errors import KeyringError

from discharge_hub import credentials, migrate, summaries
from discharge_hub.cli import UsageError
from discharge_hub.db import Database, describe_url, resolve_url


def register(subs: Any) -> None:
    db = subs.add_parser("db", help="database schema: upgrade, current, check")
    db_subs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_subs.add_parser("upgrade", help="upgrade the schema to this program's version")
    up.set_defaults(handler=_upgrade)
    cur = db_subs.add_parser("current", help="show the schema revision of the database")
    cur.set_defaults(handler=_current)
    check = db_subs.add_parser(
        "check",
        help="check that every spell's board summaries agree with its rows (exit 1 if not)",
    )
    check.add_argument(
        "--repair",
        action="store_true",
        help="recompute the summaries found out of step (the database owner)",
    )
    check.set_defaults(handler=_check)
    pw = db_subs.add_parser(
        "set-password", help="store the password of a PostgreSQL login in the OS keyring"
    )
    pw.set_defaults(handler=_set_password)


def _upgrade(args: argparse.Namespace) -> int:
    database = Database.open(args.db, upgrade=True, program="discharge-hub db upgrade")
    try:
        with database.engine.connect() as conn:
            rev = migrate.current_revision(conn)
        print(f"{describe_url(database.url)}: schema at {rev} (head)")
    finally:
        database.dispose()
    return 0


def _current(args: argparse.Namespace) -> int:
    database = Database.open(args.db, read_only=True, any_revision=True)
    try:
        with database.engine.connect() as conn:
            rev = migrate.current_revision(conn)
        head = migrate.head_revision()
        state = "up to date" if rev == head else f"this program's head is {head}"
        print(f"{describe_url(database.url)}: schema at {rev or '(empty)'} ({state})")
    finally:
        database.dispose()
    return 0


def _check(args: argparse.Namespace) -> int:
    """Compare the stored summaries (discharge_hub/summaries.py) with the child rows."""
    database = Database.open(args.db, read_only=not args.repair)
    try:
        with database.engine.connect() as conn:
            wrong = summaries.out_of_step(conn)
            spells = sorted({m.spell_id for m in wrong})
            for mismatch in wrong:
                print(mismatch.describe())
            if not wrong:
                print(f"{describe_url(database.url)}: every spell's summaries agree with its rows")
                return 0
            if args.repair:
                summaries.refresh(conn, spells)
                left = summaries.out_of_step(conn, spells)
                conn.commit()
                if not left:
                    print(f"repaired the summaries of {len(spells)} spell(s)")
                    return 0
            print(
                f"{len(wrong)} summary value(s) of {len(spells)} spell(s) out of step "
                "with their rows" + ("" if args.repair else "; `db check --repair` fixes them")
            )
            return 1
    finally:
        database.dispose()


def _set_password(args: argparse.Namespace) -> int:
    url = resolve_url(args.db)
    if not url.startswith("postgresql"):
        raise UsageError(
            "--db must be a PostgreSQL URL with a user name (postgresql://user@host/db)"
        )
    try:
        password = getpass.getpass(f"Password for {describe_url(url)}: ")
    except EOFError:  # no terminal and nothing on standard input
        raise UsageError("no password given (end of input); nothing stored") from None
    if not password:
        raise UsageError("no password given; nothing stored")
    try:
        name = credentials.store_password(url, password)
    except (ValueError, KeyringError) as exc:
        raise UsageError(f"could not store the password: {exc}") from exc
    print(f"Password stored in the keyring for {name}")
    return 0
