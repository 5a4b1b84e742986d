"""Opening the desktop app and UI-only commands (screenshots).

The Qt code is imported only when a UI command runs, so the rest of the command line
works headless.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from discharge_hub.cli import UsageError


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
    shots.add_argument(
        "--size",
        type=_size,
        default=(1600, 1000),
        metavar="WxH",
        help="window size in pixels (default 1600x1000; e.g. 1280x800 for a laptop)",
    )
    shots.set_defaults(handler=run_screenshots)


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()) or min(int(width), int(height)) < 400:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a window size: give WIDTHxHEIGHT in pixels, e.g. 1280x800"
        )
    return int(width), int(height)


def run_app(args: argparse.Namespace) -> int:
    require_screen()
    ui_app = importlib.import_module("discharge_hub.ui.app")
    return int(ui_app.main(db_url=args.db))


def require_screen() -> None:
    """Refuse clearly, before Qt aborts with a plugin error, where there is no screen."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise UsageError(
        "the desktop app needs a screen, and this session has none (neither DISPLAY nor "
        "WAYLAND_DISPLAY is set). Run it from a desktop session; the other commands "
        "(discharge-hub --help) work without one."
    )


def run_screenshots(args: argparse.Namespace) -> int:
    screenshots = importlib.import_module("discharge_hub.ui.screenshots")
    written = screenshots.render(args.out, db_url=args.db, patients=args.patients, size=args.size)
    for path in written:
        print(path)
    return 0
