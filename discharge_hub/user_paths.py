"""Where the program puts files the user asked for, and how it names them.

Documents (PDFs, exports) go to the user's documents folder; the embedded database
lives in the user *data* folder, which no file dialog of the program ever opens in: a
dialog listing the database's folder opens its files for MIME checks, which releases
SQLite's locks (see :mod:`discharge_hub.sqlite_file`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import platformdirs

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def documents_folder() -> Path:
    """The user's documents folder (created if missing), else the home folder."""
    try:
        folder = Path(platformdirs.user_documents_dir())
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path.home()


def safe_file_name(name: str) -> str:
    """A file name valid on Windows, macOS and Linux: no slashes, colons or controls."""
    cleaned = _UNSAFE.sub(" ", name).strip(" .")
    return re.sub(r"\s{2,}", " ", cleaned) or "document"


def suggested_path(name: str) -> Path:
    """Where a save dialog proposes to write ``name`` (ISO dates keep names sortable)."""
    return documents_folder() / safe_file_name(name)


def make_private(path: str | Path) -> None:
    """Owner-only (0600) for a file the program wrote that holds patient data, where the
    operating system has such permissions (on Windows the profile folder's ACL applies)."""
    if sys.platform == "win32" or not str(path):  # pragma: no cover - Windows
        return
    try:
        os.chmod(path, 0o600)
    except OSError:  # not written (a cancelled print), or not ours: nothing to tighten
        pass
