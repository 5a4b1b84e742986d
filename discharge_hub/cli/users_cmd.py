"""``discharge-hub users add|disable|enable|list``: the people of the shared database.

Each person is their own PostgreSQL login in one group role (docs/security.md). Only
a hub admin (or the database owner, for the first admin) may run these; the server
checks it again in its ``dh_user_*`` functions. The password, if any, is read from
standard input (``--password-stdin``), never from the command line, where every user
of the computer could read it in the process list.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from discharge_hub.cli import UsageError
from discharge_hub.db import Database
from discharge_hub.services import people
from discharge_hub.services.people import Action

ROLES = ("coordinator", "social_care", "viewer", "admin")


def register(subs: Any) -> None:
    users = subs.add_parser(
        "users", help="people of the shared database: add, disable, enable, list"
    )
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a person's login in a role")
    add.add_argument("login", metavar="LOGIN", help="their database login, e.g. jsmith")
    add.add_argument("--role", required=True, choices=ROLES, help="what they may do")
    add.add_argument("--place", help="social care only: their council (e.g. Rutland)")
    add.add_argument("--name", help='the name shown on their changes, e.g. "Jane Smith"')
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read their first password from standard input (else they get none: "
        "for servers that sign people in another way)",
    )
    add.set_defaults(handler=_add)
    disable = actions.add_parser("disable", help="stop a login signing in (at once)")
    disable.add_argument("login", metavar="LOGIN")
    disable.set_defaults(handler=_disable)
    enable = actions.add_parser(
        "enable", help="let a disabled login sign in again (same role, place and password)"
    )
    enable.add_argument("login", metavar="LOGIN")
    enable.set_defaults(handler=_enable)
    listing = actions.add_parser("list", help="everyone who may sign in, and their role")
    listing.set_defaults(handler=_list)


def _open(args: argparse.Namespace, command: str) -> Database:
    database = Database.open(args.db, create=False, program=f"discharge-hub users {command}")
    try:
        if database.is_sqlite:
            raise UsageError(
                "the embedded database is single-user: people and roles need the shared "
                "PostgreSQL database (--db postgresql://server/database; docs/security.md)"
            )
        reason = database.permissions.why_not(Action.MANAGE_PEOPLE)
        if reason is not None:
            raise UsageError(f"only a hub admin may manage people. {reason}")
    except BaseException:
        database.dispose()
        raise
    return database


def _read_password() -> str:
    text = sys.stdin.read()
    password = text[:-1] if text.endswith("\n") else text
    if password.endswith("\r"):
        password = password[:-1]
    if not password:
        raise UsageError("--password-stdin: no password on standard input; nothing was done")
    return password


def _add(args: argparse.Namespace) -> int:
    if (args.role == "social_care") != bool(args.place):
        raise UsageError(
            "--place: a social care login needs its council (--place Rutland); "
            "other roles take none"
        )
    password = _read_password() if args.password_stdin else None
    database = _open(args, "add")
    try:
        with database.unit_of_work(people.os_login()) as session:
            person = people.add_person(
                session,
                login=args.login,
                role=args.role,
                place=args.place,
                display_name=args.name,
                password=password,
            )
    finally:
        database.dispose()
    where = f" for {person.place_code}" if person.place_code else ""
    note = "" if password else " (no password set)"
    print(f"{person.login}: added as {person.role}{where}{note}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    database = _open(args, "disable")
    try:
        with database.unit_of_work(people.os_login()) as session:
            people.disable_person(session, login=args.login)
    finally:
        database.dispose()
    print(f"{args.login}: disabled (can no longer sign in; their role is removed)")
    return 0


def _enable(args: argparse.Namespace) -> int:
    database = _open(args, "enable")
    try:
        with database.unit_of_work(people.os_login()) as session:
            people.enable_person(session, login=args.login)
    finally:
        database.dispose()
    print(f"{args.login}: enabled (may sign in again, in the role they had)")
    return 0


def _list(args: argparse.Namespace) -> int:
    database = _open(args, "list")
    try:
        with database.read() as session:
            found = people.list_people(session)
    finally:
        database.dispose()
    rows = [("login", "name", "role", "place", "state")] + [
        (
            p.login,
            p.display_name or "",
            p.role,
            p.place_code or "",
            "active" if p.active else "disabled",
        )
        for p in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0
