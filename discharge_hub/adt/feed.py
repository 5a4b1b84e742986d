"""Import files of HL7 v2 ADT messages: each message applied at most once, in the
file's order, on its own.

Each message is applied on its own inside a unit of work that commits every
:data:`BATCH` messages (one commit per message would make a 50,000-message import
wait on the disk 50,000 times). The common case of A01 / A02 / A03 / A08 (every check
passes against what the batch read once) is applied by :mod:`.fast` with no query,
its changes written together with the others' (a few statements for the batch); any
other message goes through the services in a SAVEPOINT (the fast route's changes
before it written first): refused by a rule, it is rolled back alone and reported
with its control ID and the reason; the others go on. A message applied is
recorded in ``adt_message`` by its control ID (MSH-10) in the same transaction as its
change, so it is never applied twice, whatever happens to the batch: a batch that
fails to commit leaves none of its messages recorded, and importing the file again
applies them then. A write of the fast route that fails (another user changed one of
its rows since the batch read it: the version check; a constraint) rolls its batch
back, which is then applied message by message through the services.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.adt import messages
from discharge_hub.adt.apply import EVENTS, apply
from discharge_hub.adt.fast import FastFailed, FastRoute
from discharge_hub.adt.messages import AdtMessage, MessageError, Unreadable
from discharge_hub.adt.wards import WardMap
from discharge_hub.db import Database
from discharge_hub.db_errors import first_line
from discharge_hub.errors import ConflictError, DomainError, ValidationError
from discharge_hub.models import AdtMessage as AppliedMessage

BATCH = 500
PARALLEL_FROM = 2000  # messages: fewer are parsed in this process
PARSE_CHUNK = 1000  # messages handed to the parsing process at a time
ATTEMPTS = 3


@dataclass(frozen=True)
class Rejected:
    source: str
    number: int  # position in its file, from 1
    control_id: str | None
    reason: str

    def __str__(self) -> str:
        cid = self.control_id or "(no control ID)"
        return f"{self.source}: message {self.number} [{cid}]: {self.reason}"


@dataclass
class FeedResult:
    applied: Counter[str] = field(default_factory=Counter)  # by event
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    skipped: list[Rejected] = field(default_factory=list)  # events the feed does not use

    @property
    def total_applied(self) -> int:
        return sum(self.applied.values())

    def summary(self) -> str:
        events = ", ".join(f"{e} {n}" for e, n in sorted(self.applied.items()))
        return (
            f"{self.total_applied} applied" + (f" ({events})" if events else "")
            + f", {self.duplicates} duplicates skipped, {len(self.rejected)} rejected"
            + (f", {len(self.skipped)} of other events skipped" if self.skipped else "")
        )  # fmt: skip

    def merge(self, other: FeedResult) -> None:
        self.applied.update(other.applied)
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.skipped.extend(other.skipped)


@dataclass(frozen=True)
class Item:
    source: str
    read: AdtMessage | Unreadable


@dataclass(frozen=True)
class RawFile:
    """A file's messages, split but not parsed yet."""

    source: str
    messages: list[bytes]


def split_files(paths: Sequence[Path]) -> list[RawFile]:
    """Every file read and split into its messages (DomainError: a file cannot be read
    or holds no message): what must hold before the database is touched."""
    out: list[RawFile] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DomainError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
        found = messages.split(data)
        if not found:
            raise DomainError(f"{path}: holds no HL7 message (no MSH segment)")
        out.append(RawFile(str(path), found))
    return out


def read_files(paths: Sequence[Path]) -> list[Item]:
    """Every message of every file, parsed, in order (DomainError: a file cannot be read)."""
    return [
        Item(raw.source, messages.parse(number, data))
        for raw in split_files(paths)
        for number, data in enumerate(raw.messages, start=1)
    ]


def _parse_chunk(chunk: tuple[int, list[bytes]]) -> list[messages.Read]:
    first, raws = chunk
    return [messages.parse(first + n, raw) for n, raw in enumerate(raws)]


def parse_stream(files: Sequence[RawFile]) -> Iterator[Item]:
    """The messages of split files parsed, in order. A large feed is parsed in a
    second process while this one applies what is parsed (parsing is CPU-bound: on
    two cores, it then costs the import almost nothing)."""
    total = sum(len(f.messages) for f in files)
    parallel = total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        for raw in files:
            for number, data in enumerate(raw.messages, start=1):
                yield Item(raw.source, messages.parse(number, data))
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        for raw in files:
            chunks = [
                (start + 1, raw.messages[start : start + PARSE_CHUNK])
                for start in range(0, len(raw.messages), PARSE_CHUNK)
            ]
            for parsed in pool.map(_parse_chunk, chunks):
                yield from (Item(raw.source, m) for m in parsed)


def import_files(
    database: Database,
    paths: Sequence[Path],
    *,
    actor: str,
    create_wards: bool = False,
    batch: int = BATCH,
    fast: bool = True,
) -> FeedResult:
    """Read every file, then apply its messages; see the module's docstring."""
    files = split_files(paths)  # every file read before the database is touched
    return apply_items(
        database,
        parse_stream(files),
        actor=actor,
        create_wards=create_wards,
        batch=batch,
        fast=fast,
    )


def apply_items(
    database: Database,
    items: Iterable[Item],
    *,
    actor: str,
    create_wards: bool = False,
    batch: int = BATCH,
    fast: bool = True,
) -> FeedResult:
    """Apply messages read by :func:`read_files`, in order. ``fast``: the common
    messages by :class:`~discharge_hub.adt.fast.FastRoute` (False: every message
    through the services, as the fast route is compared with in the tests)."""
    result = FeedResult()
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == batch:
            result.merge(_batch(database, chunk, actor, create_wards, fast=fast))
            chunk = []
    if chunk:
        result.merge(_batch(database, chunk, actor, create_wards, fast=fast))
    return result


def _batch(
    database: Database, items: Sequence[Item], actor: str, create_wards: bool, *, fast: bool
) -> FeedResult:
    for _attempt in range(ATTEMPTS):
        try:
            with database.unit_of_work(actor) as session:
                wards = WardMap(session, create_wards=create_wards)
                applied = _applied(session, items)
                route = FastRoute(session, _numbers(items)) if fast else None
                done = FeedResult()
                for item in items:
                    _one(session, item, wards, applied, done, route)
                if route is not None:
                    route.flush_records(session)
            return done
        except FastFailed:
            fast = False  # rolled back: the whole batch again, message by message
            continue
        except ConflictError:
            continue  # a ward user changed one of these patients meanwhile: again
    raise DomainError(
        "Other users kept changing the patients of this feed while it was being imported; "
        f"the messages from {items[0].source} message {items[0].read.number} on were not "
        "applied. Import the file again: messages already applied are skipped."
    )


def _one(
    session: Session,
    item: Item,
    wards: WardMap,
    applied_ids: set[str],
    done: FeedResult,
    route: FastRoute | None = None,
) -> None:
    read = item.read
    if isinstance(read, Unreadable):
        done.rejected.append(Rejected(item.source, read.number, read.control_id, read.reason))
        return
    if read.event not in EVENTS:
        reason = f"event {read.event} is not one the feed uses ({', '.join(EVENTS)})"
        done.skipped.append(Rejected(item.source, read.number, read.control_id, reason))
        return
    if read.control_id in applied_ids:
        done.duplicates += 1
        return
    if route is not None:
        fast = route.apply(session, read, wards)
        if fast is not None:
            applied_ids.add(read.control_id)
            done.applied[read.event] += 1
            return
    if route is not None:
        route.flush(session)  # the changes before it, with their event times
    known = dict(wards.codes)
    try:
        _through_services(session, read, wards)
    except (MessageError, DomainError) as exc:
        wards.codes = known  # a ward created for this message is rolled back with it
        why = reject_reason(exc)
        done.rejected.append(Rejected(item.source, read.number, read.control_id, why))
        return
    except sa_exc.IntegrityError as exc:
        wards.codes = known
        reason = f"refused by the database: {first_line(exc.orig or exc)}"
        done.rejected.append(Rejected(item.source, read.number, read.control_id, reason))
        return
    finally:
        if route is not None:  # what the services changed, read again
            route.reload(session, _numbers([item]), places=True)
    applied_ids.add(read.control_id)
    done.applied[read.event] += 1


def reject_reason(exc: Exception) -> str:
    """Why a message was rejected: the field and the problem, not the value (a rule's
    ValidationError repeats it: an NHS number, a name, a date of birth), since the
    reasons are printed and logged where patient identifiers should not be."""
    if isinstance(exc, ValidationError):
        return f"{exc.field}: {exc.reason}"
    return str(exc)


def _through_services(session: Session, read: AdtMessage, wards: WardMap) -> None:
    """Apply one message through the services, in a SAVEPOINT (rolled back alone if
    it raises) with its record in ``adt_message``."""
    with session.begin_nested():
        applied = apply(session, read, wards)
        session.add(
            AppliedMessage(
                control_id=read.control_id,
                event=read.event,
                spell_id=applied.spell_id,
                applied_at=clock.now(),
                applied_by=str(session.info["actor"]),
            )
        )
        session.flush()


def _numbers(items: Sequence[Item]) -> list[str]:
    """The valid NHS numbers of these messages."""
    out = []
    for item in items:
        if isinstance(item.read, AdtMessage):
            try:
                out.append(item.read.checked_nhs_number())
            except MessageError:
                continue
    return out


def _applied(session: Session, items: Sequence[Item]) -> set[str]:
    """The control IDs of these messages already applied (one query a batch)."""
    ids = [i.read.control_id for i in items if isinstance(i.read, AdtMessage)]
    if not ids:
        return set()
    return set(
        session.scalars(
            select(AppliedMessage.control_id).where(AppliedMessage.control_id.in_(set(ids)))
        )
    )
