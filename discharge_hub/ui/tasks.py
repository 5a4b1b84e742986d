"""The task runner: every database call runs on a worker thread, never the GUI thread.

A task is a callable taking a fresh Session. Reads run on a small pool; writes run
one at a time on their own single-thread pool (so two saves from this program never
race each other) inside ``Database.unit_of_work(actor)``. Results and errors come
back on the GUI thread through a queued signal of the runner, which lives there.

Errors of the environment (:class:`DomainError`) go to the task's ``on_error``; any
other exception is a bug: it goes to ``on_error`` too (so the caller can restore
its state) and is announced by ``bug_raised`` for a crash report.

The runner is generic over each task's result type, like Anki's ``QueryOp[T]``: in
``runner.read(name, work, on_done)`` (or ``runner.query(name, work).success(on_done)
.failure(on_error).run()``) ``work`` returns a ``T`` and ``on_done`` takes that ``T``,
so the type checker sees a callback that expects something else.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import Shiboken
from sqlalchemy.orm import Session

from discharge_hub.db import Database
from discharge_hub.errors import DatabaseUnreachableError, DomainError
from discharge_hub.logs import scrub

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Session], T]  # (Session) -> result
OnDone = Callable[[T], object]  # the result, on the GUI thread
OnError = Callable[[BaseException], object]


@dataclass
class _Pending:
    """A task waiting for its worker (its result type is erased here, checked at
    the runner's methods, which tie ``on_done`` to what the work returns)."""

    name: str
    on_done: Callable[[Any], object] | None
    on_error: OnError | None


def _receiver_alive(callback: Callable[..., Any] | None) -> bool:
    """False when the callback is a method of a Qt object already deleted."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or Shiboken.isValid(owner)


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, task_id: int, body: Callable[[], object]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._body = body

    def run(self) -> None:
        try:
            result = self._body()
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            self._runner._finished.emit(self._task_id, False, exc)
        else:
            self._runner._finished.emit(self._task_id, True, result)


class TaskRunner(QObject):
    """Runs reads and writes against one database off the GUI thread."""

    busy_changed = Signal(int)  # number of tasks running or queued
    bug_raised = Signal(str, str)  # task name, traceback text
    unreachable = Signal(str)  # a task found the database unreachable (the message)
    _finished = Signal(int, bool, object)

    def __init__(self, database: Database | None, actor: str, parent: QObject | None = None):
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(3)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)  # writes are serialised
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> int:
        return len(self._pending)

    def read(
        self,
        name: str,
        work: Work[T],
        on_done: OnDone[T] | None = None,
        on_error: OnError | None = None,
    ) -> int:
        """Run ``work(session)`` in a read-only session on a worker."""

        def body() -> T:
            with self._db().read() as session:
                return work(session)

        return self._start(self._reads, name, body, on_done, on_error)

    def write(
        self,
        name: str,
        work: Work[T],
        on_done: OnDone[T] | None = None,
        on_error: OnError | None = None,
    ) -> int:
        """Run ``work(session)`` in its own unit of work on the single write worker."""

        def body() -> T:
            with self._db().unit_of_work(self.actor) as session:
                return work(session)

        return self._start(self._writes, name, body, on_done, on_error)

    def call(
        self,
        name: str,
        work: Callable[[], T],
        on_done: OnDone[T] | None = None,
        on_error: OnError | None = None,
    ) -> int:
        """Run a callable that opens its own database (start-up, demo data) on the writer."""
        return self._start(self._writes, name, work, on_done, on_error)

    def query(self, name: str, work: Work[T]) -> Task[T]:
        """A read to configure, then ``run()``: ``runner.query("listing the sites",
        site_names).success(show).failure(warn).run()`` (Anki's ``QueryOp``)."""
        return Task(self, name, work, write=False)

    def change(self, name: str, work: Work[T]) -> Task[T]:
        """A write (its own unit of work) to configure, then ``run()``."""
        return Task(self, name, work, write=True)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """For shutdown and tests: wait for workers (results still arrive as events)."""
        return bool(self._reads.waitForDone(msecs) and self._writes.waitForDone(msecs))

    def _db(self) -> Database:
        if self.database is None:
            raise RuntimeError("no database is open yet")
        return self.database

    def _start(
        self,
        pool: QThreadPool,
        name: str,
        body: Callable[[], T],
        on_done: OnDone[T] | None,
        on_error: OnError | None,
    ) -> int:
        task_id = next(self._ids)
        self._pending[task_id] = _Pending(name, on_done, on_error)
        self.busy_changed.emit(len(self._pending))
        pool.start(_Job(self, task_id, body))
        return task_id

    @Slot(int, bool, object)
    def _on_finished(self, task_id: int, ok: bool, payload: object) -> None:
        pending = self._pending.pop(task_id, None)
        self.busy_changed.emit(len(self._pending))
        if pending is None:
            return
        if ok:
            if pending.on_done is not None and _receiver_alive(pending.on_done):
                pending.on_done(payload)  # unless the screen that asked was closed meanwhile
            return
        assert isinstance(payload, BaseException)
        if isinstance(payload, DatabaseUnreachableError):
            self.unreachable.emit(str(payload))
        if not isinstance(payload, DomainError):
            text = scrub("".join(traceback.format_exception(payload)))  # no patient data
            log.error("task %s failed with a bug:\n%s", pending.name, text)
            self.bug_raised.emit(pending.name, text)
        if pending.on_error is not None and _receiver_alive(pending.on_error):
            pending.on_error(payload)


class Task(Generic[T]):
    """One piece of background work whose result is a ``T``, and what the GUI thread does
    with it: ``success`` takes that ``T``; ``failure`` the exception (environment or bug;
    a bug is also announced for a crash report). Made by ``TaskRunner.query``/``change``."""

    def __init__(self, runner: TaskRunner, name: str, work: Work[T], *, write: bool) -> None:
        self.runner = runner
        self.name = name
        self.work = work
        self.write = write
        self._success: OnDone[T] | None = None
        self._failure: OnError | None = None

    def success(self, on_done: OnDone[T]) -> Task[T]:
        self._success = on_done
        return self

    def failure(self, on_error: OnError) -> Task[T]:
        self._failure = on_error
        return self

    def run(self) -> int:
        """Start it; the task id."""
        start = self.runner.write if self.write else self.runner.read
        return start(self.name, self.work, self._success, self._failure)
