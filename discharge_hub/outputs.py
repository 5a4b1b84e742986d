"""Output files: checked before any work is done, written whole or not at all.

Every file the program writes (a PDF report, the sitrep, the rejects file of an
import, any export) goes through here, so a command that fails has written nothing:

- :func:`check_output` refuses a path that cannot be written *before* the work (and
  before any database write), naming the option the path was given with;
- :func:`write_atomically` writes a temporary file in the same folder and renames it
  over the target only once it is complete;
- :class:`PendingOutput` does the same in two steps, for a command that must also
  commit to the database: the file is written and synced first, the commit follows,
  and the rename (which cannot fail half-way) last; if the commit fails, the
  temporary file is removed.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType

from discharge_hub.errors import DomainError


class OutputPathError(DomainError):
    """An output path that cannot be written (missing folder, a folder, no permission)."""


def check_output(value: str | Path, *, option: str = "--out") -> Path:
    """The path to write, or an OutputPathError saying why it cannot be written."""
    if not str(value).strip():
        raise OutputPathError(f"{option}: no file name given")
    path = Path(value).expanduser()
    folder = path.parent
    if path.is_dir():
        raise OutputPathError(f"{option}: {value} is a folder, not a file")
    if not folder.is_dir():
        raise OutputPathError(f"{option}: cannot write {value}: the folder {folder} does not exist")
    try:
        mode = path.stat().st_mode if path.exists() else None
    except OSError as exc:
        raise OutputPathError(f"{option}: cannot write {value}: {exc.strerror or exc}") from exc
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputPathError(
            f"{option}: {value} is not a regular file (a device or a pipe); "
            "give the name of a file to write"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (
        mode is not None and not os.access(path, os.W_OK)
    ):
        raise OutputPathError(f"{option}: cannot write {value}: permission denied")
    return path


class PendingOutput:
    """A file written in full to a temporary name beside ``path``; :meth:`commit`
    renames it into place, :meth:`discard` (or leaving the ``with`` block with an
    error) removes it. Nothing is ever left half-written at ``path``."""

    def __init__(self, path: str | Path, data: bytes) -> None:
        self.target = Path(path).expanduser()
        folder = self.target.parent if str(self.target.parent) else Path(".")
        if self.target.is_dir():
            raise OutputPathError(f"Cannot write {self.target}: it is a folder.")
        if not folder.is_dir():
            raise OutputPathError(
                f"Cannot write {self.target}: the folder {folder} does not exist."
            )
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise OutputPathError(f"Cannot write {self.target}: {exc.strerror or exc}.") from exc
        self._tmp: Path | None = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.discard()
            raise OutputPathError(_failed(self.target, exc)) from exc
        except BaseException:
            self.discard()
            raise

    def commit(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("this output was already committed or discarded")
        try:
            os.replace(self._tmp, self.target)
        except OSError as exc:
            self.discard()
            raise OutputPathError(_failed(self.target, exc)) from exc
        self._tmp = None
        return self.target

    def discard(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> PendingOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()  # after commit() this does nothing


def _failed(target: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"Cannot write {target}: the disk is full. Nothing was written."
    return f"Cannot write {target}: {exc.strerror or exc}. Nothing was written."


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write all of ``data`` to ``path`` or nothing: a temporary file in the same
    folder is renamed over the target only once it is complete."""
    return PendingOutput(path, data).commit()
