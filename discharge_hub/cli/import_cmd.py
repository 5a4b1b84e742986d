"""``discharge-hub import csv FILE [--skip-invalid REJECTS.csv]``: a PAS extract;
``discharge-hub import providers FILE``: the provider directory and vacancies."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from discharge_hub import importer, provider_import
from discharge_hub.cli import adt_cmd
from discharge_hub.db import Database
from discharge_hub.display.people import current_login
from discharge_hub.errors import DomainError
from discharge_hub.outputs import PendingOutput, check_output


def register(subs: Any) -> None:
    imp = subs.add_parser("import", help="import data: csv, providers, adt")
    kinds = imp.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    cmd = kinds.add_parser(
        "csv",
        help="import a PAS extract of inpatients (CSV)",
        description="Admit new spells and update open ones from a PAS extract: UTF-8 CSV "
        "with a header row; columns "
        + ", ".join(importer.COLUMNS)
        + " (required: "
        + ", ".join(importer.REQUIRED)
        + "). All or nothing: any invalid row and nothing "
        "is imported, unless --skip-invalid. Every row is checked before anything is "
        "written, so other users' saves wait only for the final write. Names and codes "
        "must be one line of visible text; dates must be plausible (docs/input.md).",
    )
    cmd.add_argument("file", metavar="FILE", type=Path, help="the CSV file")
    cmd.add_argument(
        "--skip-invalid",
        metavar="REJECTS.csv",
        type=str,
        default=None,
        help="import the valid rows and write the invalid ones to REJECTS.csv with a "
        "reason column (checked before anything is imported; a cell that a spreadsheet "
        "would run as a formula, beginning with = + - or @, is written with a ' in front, "
        "which the import removes again)",
    )
    cmd.set_defaults(handler=_import_csv)
    prov = kinds.add_parser(
        "providers",
        help="import providers and their vacancies (CSV)",
        description="Add or update providers by CQC location ID and keep each vacancy "
        "figure with its as_of: UTF-8 CSV with the columns "
        + ", ".join(provider_import.COLUMNS)
        + "; one row per service type of a provider (its other cells the same on each "
        "row); places separated by ';'. All or nothing.",
    )
    prov.add_argument("file", metavar="FILE", type=Path, help="the CSV file")
    prov.set_defaults(handler=_import_providers)
    adt_cmd.register_import(kinds)


def _actor(kind: str = "PAS import") -> str:
    # The operating system's record of the login, not $USER. On the shared database a
    # person's changes are signed by the server with their own login instead.
    return f"{current_login()} ({kind})"[:100]


def _import_providers(args: argparse.Namespace) -> int:
    source: Path = args.file
    extract = provider_import.read_file(source)  # file problems before the database
    database = Database.open(args.db, create=False, program="discharge-hub import providers")
    try:
        result = provider_import.import_providers(
            database, extract, actor=_actor("provider import")
        )
    finally:
        database.dispose()
    print(f"{source}: {len(extract.rows)} rows: {result.summary()}")
    return 0


def _import_csv(args: argparse.Namespace) -> int:
    source: Path = args.file
    rejects: Path | None = None
    if args.skip_invalid is not None:
        # Checked before anything is read or written: a failure exits 2 with nothing done.
        rejects = check_output(args.skip_invalid, option="--skip-invalid")
        if rejects.resolve() == source.resolve():
            raise DomainError(f"--skip-invalid {rejects} would overwrite the file being imported.")
    extract = importer.read_extract(source)  # file problems before touching the database
    pending: list[PendingOutput] = []

    def keep_rejects(result: importer.ImportResult) -> None:
        # Inside the import's transaction: if the file cannot be written, nothing is.
        assert rejects is not None
        pending.append(PendingOutput(rejects, importer.rejects_csv(extract, result.rejected)))

    database = Database.open(args.db, create=False, program="discharge-hub import csv")
    try:
        result = importer.import_extract(
            database,
            extract,
            actor=_actor(),
            skip_invalid=rejects is not None,
            before_commit=keep_rejects if rejects is not None else None,
        )
        for output in pending:
            output.commit()  # a rename in the same folder, after the commit
    finally:
        for output in pending:
            output.discard()
        database.dispose()
    total = len(extract.rows)
    where = f" (rejected rows in {rejects})" if rejects is not None and result.rejected else ""
    print(f"{source}: {total} rows: {result.summary()}{where}")
    return 0
