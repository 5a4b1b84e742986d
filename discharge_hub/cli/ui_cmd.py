"""Opening the desktop app and UI-only commands (screenshots).

The Qt code is imported only when a UI command runs, so the rest of the command line
works headless.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any


def register(subs: Any) -> None:
    app = subs.add_parser("app", help="open the desktop app (the default with no command)")
    app.set_defaults(handler=run_app)
    shots = subs.add_parser(
        "screenshots",
        help="render the main screens offscreen with demo data to PNG files",
    )
    shots.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    shots.add_argument(
        "--patients",
        type=int,
        default=120,
        help="demo patients to generate when --db is not given (default 120)",
    )
    shots.set_defaults(handler=run_screenshots)


def run_app(args: argparse.Namespace) -> int:
    ui_app = importlib.import_module("discharge_hub.ui.app")
    return int(ui_app.main(db_url=args.db))


def run_screenshots(args: argparse.Namespace) -> int:
    screenshots = importlib.import_module("discharge_hub.ui.screenshots")
    written = screenshots.render(args.out, db_url=args.db, patients=args.patients)
    for path in written:
        print(path)
    return 0
