"""The one place for an unexpected error in the desktop app.

``install()`` sets ``sys.excepthook`` (an exception in a slot, an event handler or a
timer: PySide6 reports those there and carries on), ``threading.excepthook`` (a
worker thread outside the task runner) and Qt's message handler
(``qInstallMessageHandler``). Each writes the error to the log file (scrubbed of
patient data, see :mod:`discharge_hub.logs`) and tells the user, once per burst:
"Something went wrong — nothing you saved is lost; details are in <log>". Never a
silent failure, never a dead window: the event loop goes on.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from discharge_hub import logs

log = logging.getLogger("discharge_hub.faults")

TITLE = "Discharge Hub – something went wrong"


def message(log_file: Path | None) -> str:
    where = (
        str(log_file)
        if log_file is not None
        else "the program's log (no log file could be written)"
    )
    return f"Something went wrong — nothing you saved is lost; details are in {where}."


# Qt messages: how loud each kind is in the log, and whether the user is told.
_QT_LEVELS: dict[QtMsgType, tuple[int, bool]] = {
    QtMsgType.QtDebugMsg: (logging.DEBUG, False),
    QtMsgType.QtInfoMsg: (logging.INFO, False),
    QtMsgType.QtWarningMsg: (logging.WARNING, False),
    QtMsgType.QtCriticalMsg: (logging.ERROR, True),
    QtMsgType.QtFatalMsg: (logging.CRITICAL, True),
}


class _Announcer(QObject):
    """Shows the message on the GUI thread (a queued signal from any thread)."""

    wanted = Signal(str)

    def __init__(self, fault: Faults) -> None:
        super().__init__()
        self._fault = fault
        self.wanted.connect(self._show)

    @Slot(str)
    def _show(self, text: str) -> None:
        self._fault.show(text)


@dataclass
class Faults:
    """What ``install()`` set up; ``shown`` counts the messages the user saw (tests)."""

    log_file: Path | None
    parent: Callable[[], QWidget | None] = lambda: None
    shown: int = 0
    box: QMessageBox | None = None
    _previous: dict[str, Any] = field(default_factory=dict)
    _announcer: _Announcer | None = None
    _handling: bool = False

    # -- the hooks ---------------------------------------------------------------------
    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous["excepthook"](kind, exc, tb)
            return
        self.report("".join(traceback.format_exception(kind, exc, tb)))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(f"in {name}:\n{text}")

    def qt_message(self, kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
        level, tell = _QT_LEVELS.get(kind, (logging.WARNING, False))
        where = (
            f" ({context.category})" if context.category and context.category != "default" else ""
        )
        log.log(level, "Qt%s: %s", where, text)
        if tell:
            self._announce()

    # -- reporting -----------------------------------------------------------------------
    def report(self, details: str) -> None:
        """Log an unexpected error (scrubbed) and tell the user."""
        if self._handling:  # an error while reporting one: the log only, no loop
            log.error("another unexpected error while reporting one:\n%s", logs.scrub(details))
            return
        self._handling = True
        try:
            log.error("unexpected error:\n%s", logs.scrub(details))
            self._announce()
        finally:
            self._handling = False

    def _announce(self) -> None:
        if self._announcer is None or QApplication.instance() is None:
            print(message(self.log_file), file=sys.stderr)
            return
        self._announcer.wanted.emit(message(self.log_file))

    def show(self, text: str) -> None:
        """The message, non-modal; one box at a time (a burst of errors is one box)."""
        self.shown += 1
        if self.box is not None and self.box.isVisible():
            return
        box = QMessageBox(self.parent())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(TITLE)
        box.setText(text)
        box.setInformativeText(
            "You can carry on working. If it happens again, please send the log file to "
            "the Discharge Hub team (it holds no patient details)."
        )
        box.setModal(False)
        box.finished.connect(lambda _r: setattr(self, "box", None))
        self.box = box
        box.show()

    def uninstall(self) -> None:
        """Put back what was there (tests)."""
        sys.excepthook = self._previous.get("excepthook", sys.__excepthook__)
        threading.excepthook = self._previous.get("thread", threading.__excepthook__)
        qInstallMessageHandler(self._previous.get("qt"))
        if self._announcer is not None:
            QTimer.singleShot(0, self._announcer.deleteLater)
            self._announcer = None


def install(log_file: Path | None, parent: Callable[[], QWidget | None] = lambda: None) -> Faults:
    """Route every unexpected error to the log file and a message (after QApplication)."""
    faults = Faults(log_file, parent)
    faults._previous = {"excepthook": sys.excepthook, "thread": threading.excepthook}
    faults._announcer = _Announcer(faults)
    sys.excepthook = faults.excepthook
    threading.excepthook = faults.thread_excepthook
    faults._previous["qt"] = qInstallMessageHandler(faults.qt_message)
    return faults
