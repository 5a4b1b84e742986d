"""The embedded SQLite file, kept safe from POSIX advisory-lock hazards (issue 8).

SQLite coordinates processes with POSIX advisory (``fcntl``) locks. Those locks belong
to the *process*: when anything in it opens and closes the database file by other
means (a file dialog listing the folder, a MIME check, a backup tool's ``open()``),
every lock SQLite held on that file is silently released. Another process closing
the database then believes it is the last user, checkpoints and deletes the
write-ahead log, and this process goes on committing into a deleted file: saves
reported as saved, then lost (sqlite.org/howtocorrupt.html §2.2).

What this module does about it (docs/architecture.md, "The embedded database"):

* **One program at a time.** A process that writes the embedded file holds an
  exclusive ``flock`` on ``<file>.lock``. ``flock`` locks belong to the open file
  description, not the process, so a stray ``open()``/``close()`` elsewhere in the
  program does not release them. A second Discharge Hub program that would write is
  refused with a message naming the holder. Within one process several engines share
  the lock (SQLite coordinates its own connections in-process).
* **Readers that cannot hurt.** Read-only commands (reports, exports) open the file
  ``mode=ro`` with ``readonly_shm``: they never write the shared WAL index and can
  never take the exclusive lock needed to checkpoint and delete the log.
* **Foreign programs are detected.** The identity (device, inode) of the database
  file and of its WAL is recorded when the program opens it and checked before every
  transaction and after every commit. If another program removed or replaced either,
  the program refuses to go on (``FileReplacedError``) instead of writing into a
  deleted file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

from discharge_hub import clock
from discharge_hub.errors import (
    DatabaseError,
    DatabaseInUseError,
    FileReplacedError,
    NoDatabaseError,
    NotADatabaseError,
)

SQLITE_MAGIC = b"SQLite format 3\x00"


# --- checks of the path ------------------------------------------------------------------


def check_is_sqlite(path: Path) -> None:
    """Refuse a path that is a folder or a file other than a SQLite database."""
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a folder, not a Discharge Hub database file.")
    try:
        with path.open("rb") as fh:  # before any connection of ours exists: no lock to lose
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if head and head != SQLITE_MAGIC:
        raise NotADatabaseError(
            f"{path} is not a Discharge Hub database (it is not a SQLite file); "
            "nothing was changed. Check the --db path."
        )


def require_existing(path: Path) -> None:
    if not path.exists():
        raise NoDatabaseError(
            f"No database at {path} — create one with "
            f"`discharge-hub db upgrade --db {path}` (or check the path)."
        )


def read_only_urls(path: Path) -> list[str]:
    """SQLAlchemy URLs to read the file without ever writing it or its WAL index, in
    the order to try them.

    While a program has the database open its ``-shm`` file exists, and the reader must
    never write it (``readonly_shm``): a reader that re-initialised the WAL index of a
    program whose locks a file dialog had released would wreck that program's view.
    A plain read-only connection is used only when no other program holds the file.
    """
    target = quote(str(path.resolve()))
    careful = f"sqlite:///file:{target}?mode=ro&readonly_shm=1&uri=true"
    plain = f"sqlite:///file:{target}?mode=ro&uri=true"
    shm = path.with_name(path.name + "-shm")
    if not shm.exists():
        return [plain]
    return [careful] if held_by_another_process(path) else [careful, plain]


# --- where the file may live, and who may read it ---------------------------------------

# File systems of network shares (Linux ``/proc/mounts`` types): SQLite's locks are not
# reliable over them (sqlite.org/useovernet.html), so saves could be lost or corrupted.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "ceph", "glusterfs", "lustre", "9p",
        "ncpfs", "coda", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.davfs",
        "fuse.glusterfs", "fuse.cephfs", "fuse.gvfsd-fuse", "fuse.rclone", "fuse.s3fs",
    }
)  # fmt: skip
MOUNTS = Path("/proc/mounts")
_DRIVE_REMOTE = 4  # GetDriveTypeW


def is_unc(text: str) -> bool:
    """``\\\\server\\share\\…`` or ``//server/share/…``: a Windows network path."""
    return text.startswith(("\\\\", "//")) and not text.startswith(("///", "\\\\\\"))


def network_share(path: Path, *, mounts: str | None = None) -> str | None:
    """What kind of network share ``path`` is on ("an NFS share"), None if local."""
    if is_unc(str(path)):
        return "a network share (UNC path)"
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(path))[0]
        if drive and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == _DRIVE_REMOTE:
            return f"a mapped network drive ({drive})"
        return None
    if mounts is None:
        try:
            mounts = MOUNTS.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None  # not Linux (or no /proc): nothing to tell from
    fstype = _fs_type(_existing_real(path), mounts)
    if fstype in NETWORK_FILESYSTEMS or (fstype or "").startswith(("nfs", "smb", "cifs")):
        return f"a network share ({fstype})"
    return None


def _existing_real(path: Path) -> str:
    """The real path of ``path``, resolved through its nearest existing folder."""
    path = path.expanduser().absolute()
    missing: list[str] = []
    while not path.exists() and path.parent != path:
        missing.append(path.name)
        path = path.parent
    return str(path.resolve().joinpath(*reversed(missing)))


def _fs_type(real: str, mounts: str) -> str | None:
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


def check_local(path: Path | str) -> None:
    """Refuse a database file on a network share, pointing to the shared database."""
    kind = network_share(Path(path))
    if kind is not None:
        raise DatabaseError(
            f"{path} is on {kind}. The embedded database must be on this computer's own "
            "disk: over a network its locking is unreliable and saves can be lost or the "
            "file corrupted. To share the record between computers, use the shared "
            "PostgreSQL database instead (--db postgresql://server/database; see "
            "docs/security.md)."
        )


def create_private(path: Path) -> None:
    """Create the empty database file readable by its owner only, before SQLite opens
    it: SQLite gives its WAL and shared-memory files the database file's permissions."""
    if sys.platform == "win32":  # pragma: no cover - the profile folder's ACL applies
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_private(path: Path) -> None:
    """Owner-only permissions (0600) on the database, its WAL, shared-memory and lock
    files where this user owns them (a database made before this rule was 0644)."""
    if sys.platform == "win32":  # pragma: no cover
        return
    for name in (str(path), f"{path}-wal", f"{path}-shm", str(lock_path(path))):
        try:
            st = os.stat(name)
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            continue
        except OSError:  # a read-only medium, another owner's file: leave it be
            continue


# --- one program at a time ------------------------------------------------------------------


@dataclass
class _Held:
    handle: IO[bytes]
    users: int = 0


_held: dict[str, _Held] = {}
_held_lock = threading.Lock()


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder_text(handle: IO[bytes]) -> str:
    try:
        handle.seek(0)
        info = json.loads(handle.read(2000).decode("utf-8") or "{}")
        since = datetime.fromisoformat(info["since"])
        return f"{info['program']} (process {int(info['pid'])}, since {clock.local(since):%H:%M})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another Discharge Hub program"


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def acquire_program_lock(db_path: Path, program: str) -> str:
    """Hold the embedded database for this process; returns the key to release it."""
    key = str(db_path.resolve())
    with _held_lock:
        held = _held.get(key)
        if held is None:
            held = _Held(_open_lock_file(lock_path(db_path)))
            if not _try_lock(held.handle):
                who = _holder_text(held.handle)
                held.handle.close()
                raise DatabaseInUseError(
                    f"The embedded database {db_path} is open in another program: {who}. "
                    "The embedded database is for one Discharge Hub program at a time: close "
                    "the other one and try again. For several users at once, use a shared "
                    "PostgreSQL database."
                )
            _write_holder(held.handle, program)
            _held[key] = held
        held.users += 1
    return key


def held_by_another_process(db_path: Path) -> bool:
    """Whether another process holds the program lock of this database (a probe that
    takes and at once releases the lock when it is free)."""
    if str(db_path.resolve()) in _held:
        return False
    lock_file = lock_path(db_path)
    if not lock_file.exists():
        return False
    try:
        handle = _open_lock_file(lock_file)
    except OSError:
        return True  # cannot tell: be careful
    try:
        return not _try_lock(handle)
    finally:
        handle.close()


def _open_lock_file(path: Path) -> IO[bytes]:
    # No O_TRUNC: a program that fails to get the lock must not wipe the holder's note.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return os.fdopen(fd, "r+b", buffering=0)


def _write_holder(handle: IO[bytes], program: str) -> None:
    note = {"pid": os.getpid(), "program": program, "since": clock.now().isoformat()}
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(note).encode("utf-8"))


def release_program_lock(key: str) -> None:
    with _held_lock:
        held = _held.get(key)
        if held is None:
            return
        held.users -= 1
        if held.users <= 0:
            del _held[key]
            held.handle.close()  # closing the only descriptor releases the flock


# --- detecting a file removed or replaced by another program -----------------------------


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


@dataclass
class FileGuard:
    """Keeps the WAL in place while the program runs and notices when it is replaced.

    An anchor connection stays open for the guard's life, so the write-ahead log is
    never legitimately deleted while the program has the database open: any change of
    the log's or the file's identity is another program's doing.
    """

    path: str
    anchor: sqlite3.Connection
    expected: tuple[tuple[int, int] | None, tuple[int, int] | None]
    broken: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, path: Path) -> FileGuard:
        anchor = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        anchor.execute("PRAGMA journal_mode=WAL")
        anchor.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL
        name = str(path)
        return cls(name, anchor, (_identity(name), _identity(name + "-wal")))

    def check(self, when: str = "before") -> None:
        """Raise if the file or its log changed identity since the program opened it."""
        if self.broken is None:
            now = (_identity(self.path), _identity(self.path + "-wal"))
            if now != self.expected:
                with self._lock:
                    if self.broken is None:
                        what = "database file" if now[0] != self.expected[0] else "journal (WAL)"
                        self.broken = what
        if self.broken is not None:
            raise FileReplacedError(_replaced_message(self.path, self.broken, when))

    def close(self) -> None:
        if self.broken is None:
            self.anchor.close()
        # A broken guard keeps its anchor open: closing a connection whose log was
        # deleted could checkpoint stale pages over another program's writes.


def _replaced_message(path: str, what: str, when: str) -> str:
    if when == "after":
        return (
            f"Your save may not have been kept: another program removed or replaced the "
            f"{what} of the embedded database {path} while it was being saved. Close "
            "Discharge Hub, open it again and check the patient."
        )
    return (
        f"Not saved: another program removed or replaced the {what} of the embedded "
        f"database {path} while Discharge Hub had it open. To protect your work nothing "
        "more is written: close Discharge Hub and open it again."
    )
