"""The workspace: header, section tabs, Save/Reload/Close; loads and saves off-thread."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from discharge_hub.services import workspace as ws
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import errors
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.errors import make_banner, route_error
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.workspace.care import BarriersTab, CarersTab
from discharge_hub.ui.workspace.plan import PlanTab
from discharge_hub.ui.workspace.records import DischargeTab, HistoryTab, HubTab


def header_text(d: ws.SpellDetail) -> str:
    sp, row = d.spell, d.row
    age = f"{row.age} y" if row else ""
    los = f"LOS {fmt.los_text(row.los)}" if row else "discharged"
    edd = fmt.edd_text(sp.edd, row.days_to_edd if row else None) if row else fmt.uk_date(sp.edd)
    where = html.escape(f"{sp.site} / {sp.ward} / bed {sp.bed or '—'}")
    last = d.ctr_reviews[-1] if d.ctr_reviews else None
    drd = fmt.drd_text(sp.discharge_ready_date, row.delay_days if row else None) or (
        "meets criteria" if last and last.meets_criteria else "not reviewed yet"
    )
    return (
        f"<b style='font-size:14pt'>{html.escape(sp.family_name.upper())}, "
        f"{html.escape(sp.given_name)}</b>"
        f" &nbsp; NHS {fmt.nhs(sp.nhs_number)} &nbsp; {age} &nbsp; DOB "
        f"{fmt.uk_date(sp.date_of_birth)}<br>{where}"
        f" &nbsp;·&nbsp; {los} &nbsp;·&nbsp; EDD {edd} &nbsp;·&nbsp; DRD: {drd}"
        f" &nbsp;·&nbsp; pathway {sp.pathway or '—'}"
    )


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area


class WorkspaceWidget(QWidget):
    saved = Signal(object)  # SpellDetail after a successful save or discharge
    loaded = Signal(object)  # SpellDetail
    save_failed = Signal(object)  # the exception
    close_requested = Signal()

    def __init__(
        self, runner: TaskRunner, refs: ReferenceLists, spell_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.spell_id = spell_id
        self.detail: ws.SpellDetail | None = None
        self._busy = False
        self.header = QLabel("Loading…")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Patient")
        self.header.setWordWrap(True)
        self.header.setMinimumHeight(48)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = make_banner()
        self.plan, self.hub, self.barriers = PlanTab(), HubTab(), BarriersTab()
        self.carers, self.discharge_tab, self.history = CarersTab(), DischargeTab(), HistoryTab()
        for tab in (self.plan, self.barriers, self.carers, self.discharge_tab):
            tab.set_reference_lists(refs)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workspace sections")
        for title, tab in (
            ("&Plan: EDD, criteria, pathway", self.plan),
            ("&Hub && placements", self.hub),
            ("&Barriers && actions", self.barriers),
            ("Carers && &family", self.carers),
            ("Disc&harge", self.discharge_tab),
            ("Histor&y", self.history),
        ):
            self.tabs.addTab(scrolled(tab), title)
        self._build_buttons()
        self._lay_out()
        self.discharge_tab.button.clicked.connect(self._on_discharge_clicked)
        self.setEnabled(False)
        self.reload()

    def _build_buttons(self) -> None:
        self.save_button = QPushButton("&Save (Ctrl+S)")
        self.reload_button = QPushButton("Reload (F5)")
        self.close_button = QPushButton("Close (Esc)")
        self.save_button.clicked.connect(self.save)
        self.reload_button.clicked.connect(self.request_reload)
        self.close_button.clicked.connect(self.close_requested)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_requested.emit)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.reload_button, self.close_button, self.save_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    @property
    def _tabs(self) -> list[QWidget]:
        return [self.plan, self.hub, self.barriers, self.carers, self.discharge_tab, self.history]

    @property
    def sections(self) -> list:
        return [s for tab in self._tabs for s in tab.sections]

    # -- load ---------------------------------------------------------------------
    def reload(self) -> None:
        spell_id = self.spell_id  # workers get plain values, never a widget
        self.runner.read(
            "loading the patient",
            lambda s: ws.spell_detail(s, spell_id),
            self._on_loaded,
            self._on_load_failed,
        )

    def request_reload(self) -> None:
        if self.is_dirty() and not self._confirm("Reload and lose your unsaved changes?"):
            return
        self.reload()

    def _on_loaded(self, detail: ws.SpellDetail) -> None:
        self.detail = detail
        self.header.setText(header_text(detail))
        for tab in self._tabs:
            tab.load(detail)
        self.banner.setVisible(False)
        self._clear_errors()
        self.setEnabled(True)
        self.save_button.setEnabled(detail.spell.discharged_at is None)
        self.loaded.emit(detail)

    def _on_load_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.banner.setText(f"Could not load this patient: {exc}")
        self.banner.setVisible(True)

    # -- save ---------------------------------------------------------------------
    def changes(self) -> ws.WorkspaceChanges:
        merged: dict = {}
        for tab in (self.plan, self.barriers, self.carers):
            merged.update(tab.changes())
        return ws.WorkspaceChanges(**merged)

    def is_dirty(self) -> bool:
        return self.detail is not None and not self.changes().is_empty

    def save(self) -> None:
        if self.detail is None or self._busy:
            return
        changes = self.changes()
        if changes.is_empty:
            self.banner.setText("Nothing to save.")
            self.banner.setVisible(True)
            return
        version = self.detail.spell.version
        self._set_busy(True)
        self.runner.write(
            "saving the patient",
            lambda s: ws.save(s, spell_id=self.spell_id, expected_version=version, changes=changes),
            self._on_saved,
            self._on_save_failed,
        )

    def _on_saved(self, detail: ws.SpellDetail) -> None:
        self._set_busy(False)
        self._on_loaded(detail)
        self.saved.emit(detail)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._clear_errors()
        section = route_error(exc, self.sections, self.banner)
        if section is not None:
            self._show_tab_of(section)
        self.save_failed.emit(exc)

    def _on_discharge_clicked(self) -> None:
        if self.detail is None or self._busy:
            return
        if self.is_dirty():
            self.banner.setText("Save or reload your other changes before discharging.")
            self.banner.setVisible(True)
            return
        if not self._confirm("Discharge this patient now? They will leave the board."):
            return
        values, version = self.discharge_tab.values(), self.detail.spell.version
        self._set_busy(True)
        self.runner.write(
            "discharging the patient",
            lambda s: ws.discharge(s, spell_id=self.spell_id, expected_version=version, **values),
            self._on_saved,
            self._on_save_failed,
        )

    # -- helpers ------------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else "&Save (Ctrl+S)")

    def _clear_errors(self) -> None:
        for section in self.sections:
            section.clear_errors()

    def _show_tab_of(self, section: QWidget) -> None:
        for n in range(self.tabs.count()):
            if self.tabs.widget(n).isAncestorOf(section):
                self.tabs.setCurrentIndex(n)
                return

    def _confirm(self, question: str) -> bool:
        return errors.ask_yes_no(self, "Discharge Hub", question)
