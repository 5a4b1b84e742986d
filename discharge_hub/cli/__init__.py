"""The ``discharge-hub`` command line: a contract other tools rely on.

Each command group lives in its own module with a ``register(subparsers)`` that adds
its sub-commands; a handler returns the exit code. Exit codes: 0 done; 2 invalid
input or refused (message on stderr, nothing written); 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from discharge_hub import __version__, clock
from discharge_hub.errors import DomainError

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2

# Command-group modules under discharge_hub.cli, each with register(subparsers).
COMMAND_MODULES = (
    "db_cmd", "demo_cmd", "import_cmd", "adt_cmd", "report_cmd", "ui_cmd", "users_cmd",
)  # fmt: skip

log = logging.getLogger("discharge_hub")


class UsageError(DomainError):
    """Bad command-line input (exit 2)."""


DB_HELP = (
    "database: a SQLite file path or sqlite:///… URL, or postgresql://user@host/db "
    "(default: $DISCHARGE_HUB_DB, else the embedded SQLite file in the user data folder)"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on usage errors too
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"{self.prog}: error: {message}\n")


class _SubParser(_Parser):
    """Every sub-command also takes ``--db`` after its name (``demo --db X``).

    SUPPRESS as the default keeps a ``--db`` given before the command: a sub-parser
    only sets ``args.db`` when ``--db`` is given to it. Nested sub-parsers inherit
    this class (argparse uses the parent's class), so ``db upgrade --db X`` works too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="discharge-hub",
        description="Discharge Hub: the shared discharge record for LLR. "
        "With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help=DB_HELP,
    )
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_SubParser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"discharge_hub.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"discharge_hub.cli.{name}":
                raise
            continue
        module.register(subs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from discharge_hub import logs

    logs.setup()  # the user's rotating log file, scrubbed of patient data; warnings to stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    _warn_password_in_url(getattr(args, "db", None))
    handler = getattr(args, "handler", None)
    if handler is None:
        if args.command is not None:
            parser.print_help(sys.stderr)
            return EXIT_INVALID
        from discharge_hub.cli.ui_cmd import run_app  # no command: the desktop app

        handler = run_app
    try:
        clock.fake_now()  # a DISCHARGE_HUB_FAKE_NOW is announced (or refused) before any work
        return int(handler(args))
    except DomainError as exc:
        print(f"discharge-hub: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("discharge-hub: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except Exception:  # a bug: say so, with the traceback for the crash report
        log.exception("unexpected failure")
        return EXIT_FAILURE


def _warn_password_in_url(db: str | None) -> None:
    """A password in --db is visible to every user of the computer (the process list)."""
    if db and "://" in db and "@" in db.split("://", 1)[1].split("/", 1)[0]:
        userinfo = db.split("://", 1)[1].split("@", 1)[0]
        if ":" in userinfo:
            print(
                "discharge-hub: warning: the password in --db is visible to other users of "
                "this computer; keep it in the keyring (discharge-hub db set-password), "
                "PGPASSWORD or ~/.pgpass instead",
                file=sys.stderr,
            )
