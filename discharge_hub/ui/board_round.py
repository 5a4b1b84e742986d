"""Board round mode: one ward's patients in bed order, one compact screen each.

Moving on (Next/Previous, Alt+Right/Alt+Left) saves the current patient's changes
first; if the save is refused the round stays on that patient with the message
next to the field, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from discharge_hub.display.care import carer_line
from discharge_hub.errors import ValidationError
from discharge_hub.services import workspace as ws
from discharge_hub.services.board import BoardRow
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import errors
from discharge_hub.ui.errors import hide_banner_when_corrected, make_banner, route_error
from discharge_hub.ui.live import ChangeHub, DataChange
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.workspace.confirm import confirmed
from discharge_hub.ui.workspace.plan import PlanTab
from discharge_hub.ui.workspace.widget import header_text, scrolled


class BoardRoundWidget(QWidget):
    saved = Signal(object)  # SpellDetail
    moved = Signal(int)  # position now shown
    save_failed = Signal(object)
    close_requested = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        refs: ReferenceLists,
        rows: Sequence[BoardRow],
        parent: QWidget | None = None,
        *,
        changes: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.rows = list(rows)
        self.position = 0
        self.detail: ws.SpellDetail | None = None
        self._busy = False
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Patient")
        self.banner = make_banner()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Changed by someone else")
        self.notice.setVisible(False)
        self.carers = QLabel()  # the carers' status: the round asks about them too
        self.carers.setWordWrap(True)
        self.carers.setAccessibleName("Carers")
        self.carers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan = PlanTab()
        self.plan.set_reference_lists(refs)
        self.refs = refs
        hide_banner_when_corrected(self.plan.sections, self.banner)
        self.plan.edd_table.setVisible(False)  # compact: history is in the workspace
        self.plan.edd_history_label.setVisible(False)
        self.where = QLabel()
        self.where.setAccessibleName("Position in the round")
        self.prev_button = QPushButton("◀ Previous (Alt+Left)")
        self.next_button = QPushButton("Save && next ▶ (Alt+Right)")
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.save_button.clicked.connect(lambda: self._save_then(None))
        QShortcut(QKeySequence("Alt+Right"), self, self.next)
        QShortcut(QKeySequence("Alt+Left"), self, self.previous)
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self._save_then(None))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_requested.emit)
        self._lay_out()
        if changes is not None:
            changes.data_changed.connect(self._on_data_changed)
        self._show(0)

    def _lay_out(self) -> None:
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.where, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.save_button)
        nav.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addWidget(self.header)
        layout.addWidget(self.carers)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        # A short window scrolls the form instead of squashing the criteria's wording.
        layout.addWidget(scrolled(self.plan), 1)

    def is_dirty(self) -> bool:
        return self.detail is not None and bool(self.plan.changes())

    def on_new_day(self, _today: date) -> None:
        """Midnight: the patient shown read again, unless being edited (as the patient
        screen does)."""
        if not self._busy and self.detail is not None and not self.is_dirty():
            self._show(self.position)

    def request_reload(self) -> None:
        """F5: read the patient shown again (asks first if edits would be lost)."""
        if self._busy or self.detail is None:
            return
        if self.is_dirty() and not errors.ask_yes_no(
            self, "Reload", "Reload this patient and lose your unsaved changes?"
        ):
            return
        self._show(self.position)

    def next(self) -> None:
        self._save_then(self.position + 1)

    def previous(self) -> None:
        self._save_then(self.position - 1)

    def _save_then(self, target: int | None) -> None:
        if self._busy or self.detail is None:
            return
        pending = self.plan.changes()
        if not pending:
            if target is not None:
                self._show(target)
            return
        try:
            changes = confirmed(self, self.detail.spell, ws.WorkspaceChanges(**pending), self.refs)
        except ValidationError as exc:  # refused anyway: say so now, ask nothing
            self._on_save_failed(exc)
            return
        if changes is None:  # back to the form, edits kept
            return
        spell_id, version = self.detail.spell.id, self.detail.spell.version
        self._busy = True
        self.runner.write(
            "saving during the board round",
            lambda s: ws.save(s, spell_id=spell_id, expected_version=version, changes=changes),
            lambda detail: self._on_saved(detail, target),
            self._on_save_failed,
        )

    def _on_saved(self, detail: ws.SpellDetail, target: int | None) -> None:
        self._busy = False
        self.saved.emit(detail)
        if target is None or not 0 <= target < len(self.rows):
            self._on_loaded(detail)
        else:
            self._show(target)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._busy = False
        for section in self.plan.sections:
            section.clear_errors()
        route_error(exc, self.plan.sections, self.banner)
        self.save_failed.emit(exc)

    def _show(self, position: int) -> None:
        if not self.rows:
            self.where.setText("No patients on this ward.")
            self.setEnabled(True)
            return
        self.position = max(0, min(position, len(self.rows) - 1))
        spell_id = self.rows[self.position].spell_id
        self._busy = True
        self.where.setText(f"Loading bed {self.rows[self.position].bed or '—'}…")
        self.runner.read(
            "loading the next patient",
            lambda s: ws.spell_detail(s, spell_id),
            self._on_loaded,
            self._on_save_failed,
        )

    def _on_data_changed(self, change: DataChange) -> None:
        """Someone may have changed the patient shown: read it again, then show it (with
        nothing typed) or say so (edits pending: the save is checked against it)."""
        if self.detail is None or self._busy or not change.touches(self.detail.spell.id):
            return
        spell_id = self.detail.spell.id
        self.runner.read(
            "refreshing the board round",
            lambda s: ws.spell_detail(s, spell_id),
            self._on_refreshed,
        )

    def _on_refreshed(self, fresh: ws.SpellDetail) -> None:
        shown = self.detail
        if self._busy or shown is None or fresh.spell.id != shown.spell.id:
            return  # moved on meanwhile
        if (fresh.audit_mark, fresh.spell.version) == (shown.audit_mark, shown.spell.version):
            return  # nothing new (our own save heard back)
        if not self.is_dirty():
            self._on_loaded(fresh)
            return
        self.notice.setText(
            "Someone else has just changed this patient. Your edits are kept; saving them "
            "is checked against what you see (a conflict is reported, nothing is lost)."
        )
        self.notice.setVisible(True)

    def _on_loaded(self, detail: ws.SpellDetail) -> None:
        self._busy = False
        if self.detail is None or detail.spell.id != self.detail.spell.id:
            self.notice.setVisible(False)
        self.detail = detail
        self.header.setText(header_text(detail))
        self.carers.setText(carer_line(detail))
        self.plan.load(detail)
        self.banner.setVisible(False)
        for section in self.plan.sections:
            section.clear_errors()
        row = self.rows[self.position]
        self.where.setText(
            f"<b>{row.ward} · bed {row.bed or '—'}</b> · patient {self.position + 1} of "
            f"{len(self.rows)}"
        )
        self.prev_button.setEnabled(self.position > 0)
        self.next_button.setEnabled(self.position < len(self.rows) - 1)
        self.moved.emit(self.position)
