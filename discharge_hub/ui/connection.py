"""Losing and regaining the database: "database unreachable — retrying" in the status bar.

When any task finds the database unreachable (a network blip, the server restarting),
the watch says so and probes it every few seconds on a worker until it answers, then
says it is back and refreshes the board. Nothing on screen is touched meanwhile: every
open form keeps what was typed, and the next save opens a fresh connection (the pool
pings each connection before use and drops dead ones).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from discharge_hub.services.common import reachable
from discharge_hub.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
RETRY_MS = 3000
DOWN_TEXT = "Database unreachable — retrying…"
DOWN_STYLE = "QLabel { background: #fde2e1; color: #6b0000; font-weight: bold; padding: 0 6px; }"


class ConnectionWatch(QObject):
    lost = Signal()
    regained = Signal()

    def __init__(self, runner: TaskRunner, label: QLabel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = label
        self.label.setVisible(False)
        self.label.setStyleSheet(DOWN_STYLE)
        self.label.setAccessibleName("Database connection")
        self.down = False
        self._probing = False
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_MS)
        self._timer.timeout.connect(self._probe)
        runner.unreachable.connect(self._on_unreachable)

    def _on_unreachable(self, detail: str) -> None:
        if not self.down:
            log.warning("database unreachable: %s", detail)
            self.down = True
            self.label.setText(DOWN_TEXT)
            self.label.setToolTip(detail)
            self.label.setVisible(True)
            self.lost.emit()
        if not self._timer.isActive():
            self._timer.start()

    def _probe(self) -> None:
        if self._probing or self.runner.database is None:
            return
        self._probing = True
        self.runner.read("checking the database", reachable, self._on_back, self._on_still_down)

    def _on_still_down(self, _exc: BaseException) -> None:
        self._probing = False  # the timer tries again

    def _on_back(self, _ok: object) -> None:
        self._probing = False
        self._timer.stop()
        if self.down:
            log.info("database reachable again")
            self.down = False
            self.label.setVisible(False)
            self.regained.emit()
