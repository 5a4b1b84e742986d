"""Opening the desktop app (and, later, UI-only commands such as screenshots).

The Qt code is imported only when a UI command runs, so the rest of the command line
works headless.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any


def register(subs: Any) -> None:
    app = subs.add_parser("app", help="open the desktop app (the default with no command)")
    app.set_defaults(handler=run_app)


def run_app(args: argparse.Namespace) -> int:
    ui_app = importlib.import_module("discharge_hub.ui.app")
    return int(ui_app.main(db_url=args.db))
