"""The log file: where it is, how big it grows, and that it never holds patient data.

One rotating file per user, ``discharge-hub.log`` in the user log folder (platformdirs;
on Windows under the profile's AppData, on Linux ``~/.local/state/discharge-hub/log``),
1 MB × 5, readable by that user only. What is logged: start-up and sign-in (who, which
server, never the password), the database opening and upgrading, lost and regained
connections, errors of the environment in one line, and bugs with their traceback.

Nothing the program writes to a log carries a patient's data on purpose (engines hide
bound parameters; messages name fields and rows, not values), and as a second line of
defence every record passes :func:`scrub` on its way out: PostgreSQL's ``DETAIL`` and
``CONTEXT`` lines (which echo a failing row: "Key (nhs_number)=(…)") are removed and
anything shaped like an NHS number is masked.
"""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

APP_NAME = "discharge-hub"
LOG_FILE = "discharge-hub.log"
MAX_BYTES, BACKUPS = 1_000_000, 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

NHS_NUMBER = re.compile(r"(?<![\d.])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d.])")
SERVER_DETAIL = re.compile(r"^[ \t]*(DETAIL|CONTEXT|HINT|QUERY):[^\n]*", re.MULTILINE)
FAILING_ROW = re.compile(r"Failing row contains \([^\n]*")
REMOVED = "[removed: may hold patient data]"


def scrub(text: str) -> str:
    """``text`` without the server's row details and with NHS numbers masked."""
    text = SERVER_DETAIL.sub(lambda m: f"{m.group(1)}: {REMOVED}", text)
    text = FAILING_ROW.sub(f"Failing row: {REMOVED}", text)
    return NHS_NUMBER.sub("[NHS number]", text)


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating file created owner-only (0600), the rotated copies too."""

    def _open(self):  # type: ignore[no-untyped-def]  # logging's own signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding)


def log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / LOG_FILE


def setup(path: Path | None = None, *, console: int | None = logging.WARNING) -> Path | None:
    """Log to the user's rotating file (INFO and up) and, if ``console``, to stderr;
    both scrubbed. Idempotent. Returns the file, or None where it cannot be written."""
    root = logging.getLogger()
    formatter = ScrubbingFormatter(FORMAT)
    for handler in root.handlers:
        if isinstance(handler, PrivateRotatingFileHandler):
            return Path(handler.baseFilename)
    if console is not None and not root.handlers:
        stream = logging.StreamHandler()
        stream.setLevel(console)
        stream.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.setLevel(logging.INFO)
    target = path or log_path()
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(
            target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:  # a read-only profile: run without a file rather than not at all
        logging.getLogger(__name__).warning("no log file: %s cannot be written", target)
        return None
    handler.setFormatter(formatter)
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    return target
