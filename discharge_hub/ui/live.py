"""Live refresh, the desktop half: one program-wide "data changed" signal (Anki's
``operation_did_execute``) fed by this program's own saves and by the core listener
(:mod:`discharge_hub.live`) running on a thread of its own.

Every view subscribes to :attr:`ChangeHub.data_changed` and re-fetches what the change
names; no widget refreshes itself after a save. The listener thread never touches a
widget: it hands notices and link states to the hub through queued signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget
from shiboken6 import Shiboken

from discharge_hub import clock, live
from discharge_hub.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataChange:
    """What changed: some spells, or everything (``all``: reference data, providers, a
    resync after the live link was down, or more than 500 spells)."""

    spell_ids: frozenset[int] = frozenset()
    all: bool = False
    resync: bool = False
    remote: bool = False  # heard from the database (another client, or our own echo)
    at: datetime = field(default_factory=clock.now)

    def touches(self, spell_id: int) -> bool:
        return self.all or spell_id in self.spell_ids


class _ListenThread(QThread):
    """Runs the core listener's blocking loop; emits from this thread, so receivers in
    the GUI thread get the notices queued (never a widget call from here)."""

    noticed = Signal(object)  # live.Notice
    status_changed = Signal(object)  # live.LinkStatus

    def __init__(self, listener: live.Listener, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listener = listener

    def run(self) -> None:
        last: live.LinkStatus | None = None
        try:
            while not self.isInterruptionRequested():
                notice = self.listener.wait(0.5)
                status = self.listener.status
                if status != last:
                    last = status
                    self.status_changed.emit(status)
                if notice is not None:
                    self.noticed.emit(notice)
        except Exception:  # a bug: say so in the log; the status bar shows the link off
            log.exception("the live listener stopped")
        finally:
            self.listener.close()
            self.status_changed.emit(self.listener.status)


class ChangeHub(QObject):
    """The one "data changed" signal of the program, and the live link feeding it."""

    data_changed = Signal(object)  # DataChange
    link_changed = Signal(object)  # live.LinkStatus

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _ListenThread | None = None
        self.status: live.LinkStatus | None = None  # None: not listening
        self.interval = live.POLL_INTERVAL
        self.last_change_at: datetime | None = None

    # -- announcing ---------------------------------------------------------------------
    def announce(self, spell_ids: Iterable[int]) -> None:
        """This program changed these spells (a save, a placement moved on)."""
        ids = frozenset(spell_ids)
        if ids:
            self._emit(DataChange(ids))

    def announce_all(self) -> None:
        self._emit(DataChange(all=True))

    def _emit(self, change: DataChange) -> None:
        self.last_change_at = change.at
        self.data_changed.emit(change)

    @Slot(object)
    def _on_noticed(self, notice: live.Notice) -> None:
        self._emit(
            DataChange(
                notice.spell_ids,
                all=notice.all,
                resync=notice.resync,
                remote=True,
                at=notice.received_at,
            )
        )

    @Slot(object)
    def _on_status(self, status: live.LinkStatus) -> None:
        self.status = status
        self.link_changed.emit(status)

    # -- the listener -------------------------------------------------------------------
    @property
    def listening(self) -> bool:
        return self._thread is not None

    def start_listening(self, url: str, *, interval: float = live.POLL_INTERVAL) -> None:
        """Start the core listener on its own thread (before the first load, so nothing
        committed in between is missed)."""
        if self._thread is not None:
            return
        self.interval = interval
        thread = _ListenThread(live.open_listener(url, interval=interval), self)
        thread.noticed.connect(self._on_noticed)
        thread.status_changed.connect(self._on_status)
        self._thread = thread
        self._on_status(thread.listener.status)
        thread.start()

    def stop_listening(self, wait_ms: int = 10_000) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.requestInterruption()
        thread.listener.stop()
        if not thread.wait(wait_ms):
            log.warning("the live listener did not stop within %d ms", wait_ms)

    @property
    def backend_pid(self) -> int | None:
        """The listening PostgreSQL connection's server process (tests, diagnostics)."""
        listener = self._thread.listener if self._thread is not None else None
        return getattr(listener, "backend_pid", None)


class Refetch(QObject):
    """Re-fetch what changes name, one read at a time: changes arriving while a read is
    under way are merged and fetched next, so results never arrive out of order.

    ``make_work(ids)`` is called on the GUI thread (it may read widgets) and returns the
    ``(session) -> result`` to run on a worker; ``ids`` None means everything.
    ``apply(result, ids)`` runs on the GUI thread. :meth:`reset` forgets what is pending
    and ignores a read under way (the view changed its filter and reloads)."""

    applied = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        name: str,
        make_work: Callable[[frozenset[int] | None], Callable[[Any], Any]],
        apply: Callable[[Any, frozenset[int] | None], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner, self._name = runner, name
        self._make_work, self._apply = make_work, apply
        self._ids: set[int] = set()
        self._all = False
        self._busy = False
        self._generation = 0

    def request(self, change: DataChange) -> None:
        if change.all:
            self._all = True
        else:
            self._ids |= change.spell_ids
        self._next()

    def request_all(self) -> None:
        self.request(DataChange(all=True))

    def reset(self) -> None:
        self._generation += 1
        self._ids.clear()
        self._all = False
        self._busy = False

    @property
    def idle(self) -> bool:
        return not self._busy and not self._all and not self._ids

    def _next(self) -> None:
        if self._busy or not (self._all or self._ids) or self._runner.database is None:
            return
        ids = None if self._all else frozenset(self._ids)
        self._ids.clear()
        self._all = False
        self._busy = True
        generation = self._generation
        self._runner.read(
            self._name,
            self._make_work(ids),
            lambda result: self._done(generation, result, ids),
            lambda _exc: self._done(generation, None, ids, failed=True),
        )

    def _done(
        self, generation: int, result: Any, ids: frozenset[int] | None, *, failed: bool = False
    ) -> None:
        if not Shiboken.isValid(self) or generation != self._generation:
            return  # the view went away, or reloaded since this read started
        self._busy = False
        if not failed:
            self._apply(result, ids)
            self.applied.emit()
        self._next()


_STYLES = {
    "down": "QLabel { background: #fde2e1; color: #6b0000; padding: 0 6px; font-weight: bold; }",
    "starting": "QLabel { padding: 0 6px; color: #6b4a00; }",
}


def link_text(
    status: live.LinkStatus | None, last_change_at: datetime | None, interval: float = 2.0
) -> str:
    """The status bar's words for the live link (never colour alone)."""
    last = f" · last update {clock.local(last_change_at):%H:%M:%S}" if last_change_at else ""
    if status is None or status.state == "closed":
        return "Live updates: off" + last
    if status.state == "live":
        return "Live: connected" + last
    if status.state == "polling":
        return f"Live: checking for changes every {interval:g} s" + last
    if status.state == "down":  # why is in the tooltip (the driver's words are long)
        return f"Live link DOWN since {clock.local(status.since):%H:%M} – reconnecting" + last
    return "Live: connecting…" + last


class LiveStatusLabel(QLabel):
    """The live link's state and the time of the last update, in the status bar."""

    def __init__(self, changes: ChangeHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._changes = changes
        self.setAccessibleName("Live updates")
        changes.link_changed.connect(self._show)
        changes.data_changed.connect(self._show)
        self._show()

    def _show(self, *_: object) -> None:
        status = self._changes.status
        self.setText(link_text(status, self._changes.last_change_at, self._changes.interval))
        why = f"\n\nThe link is down: {status.detail}" if status and status.detail else ""
        self.setToolTip(
            "Changes saved on any computer appear here within seconds. After a lost "
            "connection the program reconnects and refreshes everything once." + why
        )
        self.setStyleSheet(_STYLES.get(status.state if status else "", ""))
