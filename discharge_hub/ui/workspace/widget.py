"""The workspace: header, section tabs, Save/Reload/Close; loads and saves off-thread.

It follows the program's "data changed" signal: when someone changes this patient, it
reloads, says who changed what and when, and gives back every input the user had
touched (:mod:`.keep`). The user's edits stay based on the version they opened, so a
save that meets a newer version goes through :mod:`.saving` (compare, then choose).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

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

from discharge_hub.display import dates
from discharge_hub.display.people import is_me, person_name
from discharge_hub.errors import ValidationError
from discharge_hub.services import conflicts
from discharge_hub.services import workspace as ws
from discharge_hub.services.placements import PlacementCancel
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import errors
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.errors import hide_banner_when_corrected, make_banner
from discharge_hub.ui.hub.actions import PlacementActions, action_message
from discharge_hub.ui.live import ChangeHub, DataChange
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import Section
from discharge_hub.ui.workspace.care import BarriersTab, CarersTab
from discharge_hub.ui.workspace.confirm import confirmed
from discharge_hub.ui.workspace.conflict import clash_text, my_changes, summary_label
from discharge_hub.ui.workspace.hub_tab import HubTab
from discharge_hub.ui.workspace.keep import FormMemory
from discharge_hub.ui.workspace.plan import PlanTab
from discharge_hub.ui.workspace.records import DischargeTab, HistoryTab
from discharge_hub.ui.workspace.saving import SaveFlow

NOTICE_STYLE = (
    "QLabel { background: #e3efff; color: #0b2a4a; border: 1px solid #3a6ea5; padding: 6px; }"
)

# The workspace's tabs: each has its sections and loads a spell.
_Tab = PlanTab | HubTab | BarriersTab | CarersTab | DischargeTab | HistoryTab


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


def changed_by_text(theirs: conflicts.SpellChanges, actor: str, kept: bool) -> str:
    """ "This patient's record was changed by <name> at 14:05: what." (UK time, the
    person's name, not their login), for the notice line."""
    every = [*theirs.fields, *theirs.records]
    if not every:
        return ""
    newest = max(every, key=lambda c: c.changed_at)
    names = sorted(
        {("you" if is_me(c.changed_by, actor) else person_name(c.changed_by)) for c in every}
    )
    what = ", ".join(dict.fromkeys(summary_label(c) for c in every))
    end = " Your unsaved edits are kept." if kept else ""
    return (
        f"This patient's record was changed by {' and '.join(names)} "
        f"{dates.when(newest.changed_at)}: {what}. The form shows it now.{end}"
    )


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area


class WorkspaceWidget(QWidget):
    saved = Signal(object)  # SpellDetail after a successful save or discharge
    loaded = Signal(object)  # SpellDetail shown (a load, a save, a live refresh)
    refreshed = Signal(object)  # SpellDetail: someone's change shown, the user's edits kept
    save_failed = Signal(object)  # the exception
    conflict_resolved = Signal(str)  # "theirs", "mine" or "edit"
    close_requested = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        refs: ReferenceLists,
        spell_id: int,
        parent: QWidget | None = None,
        *,
        changes: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.refs = refs
        self.spell_id = spell_id
        self.changes_hub = changes if changes is not None else ChangeHub(self)
        self.detail: ws.SpellDetail | None = None  # shown
        self.base: ws.SpellDetail | None = None  # what the user's edits were made on
        self._busy = False
        self._live_busy = self._live_again = False
        self.note_after_save: str | None = None  # shown once the next save is done
        self.header = QLabel("Loading…")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Patient")
        self.header.setWordWrap(True)
        self.header.setMinimumHeight(48)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = make_banner()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setAccessibleName("Changed by someone else")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setVisible(False)
        self._build_tabs(refs)
        hide_banner_when_corrected(self.sections, self.banner)
        self.memory = FormMemory(self._tabs)
        self.flow = SaveFlow(self)
        self._build_buttons()
        self._lay_out()
        self.discharge_tab.button.clicked.connect(self._on_discharge_clicked)
        self.changes_hub.data_changed.connect(self._on_data_changed)
        self.setEnabled(False)
        self.reload()

    def _build_tabs(self, refs: ReferenceLists) -> None:
        self.plan, self.hub, self.barriers = PlanTab(), HubTab(), BarriersTab()
        self.carers, self.discharge_tab, self.history = CarersTab(), DischargeTab(), HistoryTab()
        tab: _Tab
        for tab in (self.plan, self.hub, self.barriers, self.carers, self.discharge_tab):
            tab.set_reference_lists(refs)
        actions = PlacementActions(self.runner, self.changes_hub, lambda: self.refs, self)
        actions.failed.connect(self._on_action_failed)
        self.hub.set_placement_actions(actions)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workspace sections")
        # Mnemonics clash neither with the menu bar (F, P, V, H, R) nor with a field
        # (tests/ui/test_keys.py walks every tab).
        for title, tab in (
            ("Plan: EDD, criteria, pa&thway", self.plan),
            ("H&ub && placements", self.hub),
            ("&Barriers && actions", self.barriers),
            ("Carers && fam&ily", self.carers),
            ("Dischar&ge", self.discharge_tab),
            ("Histor&y", self.history),
        ):
            self.tabs.addTab(scrolled(tab), title)

    def _build_buttons(self) -> None:
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.reload_button = QPushButton("Reload (F5)")
        self.close_button = QPushButton("Close (Esc)")
        self.save_button.clicked.connect(lambda: self.save())
        self.reload_button.clicked.connect(self.request_reload)
        self.close_button.clicked.connect(self.close_requested)
        QShortcut(QKeySequence.StandardKey.Save, self, lambda: self.save())
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_requested.emit)
        for n in range(self.tabs.count()):  # Alt+1…Alt+6: the sections (keys.SHORTCUTS)
            QShortcut(QKeySequence(f"Alt+{n + 1}"), self, lambda n=n: self.tabs.setCurrentIndex(n))

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.reload_button, self.close_button, self.save_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    @property
    def _tabs(self) -> list[_Tab]:
        return [self.plan, self.hub, self.barriers, self.carers, self.discharge_tab, self.history]

    @property
    def sections(self) -> list[Section]:
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

    def on_new_day(self, _today: date) -> None:
        """Midnight: read the patient again for the new day's figures, unless the user
        is in the middle of an edit (their form is kept; F5 or a save reads it)."""
        if self.detail is not None and not self.is_dirty() and not self._busy:
            self.reload()

    def request_reload(self) -> None:
        if self.is_dirty() and not self._confirm("Reload and lose your unsaved changes?"):
            return
        self.reload()

    def _on_loaded(self, detail: ws.SpellDetail) -> None:
        """The form shows the database as it is; no edit is pending."""
        self.base = detail
        self.notice.setVisible(False)
        self.banner.setVisible(False)
        self._clear_errors()
        self.show_detail(detail)

    def show_detail(self, detail: ws.SpellDetail) -> None:
        self.detail = detail
        self.header.setText(header_text(detail))
        for tab in self._tabs:
            tab.load(detail)
        self.memory.remember_loaded()
        self.setEnabled(True)
        self.save_button.setEnabled(detail.spell.discharged_at is None and not self._busy)
        self.loaded.emit(detail)

    def _on_load_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.banner.setText(f"Could not load this patient: {exc}")
        self.banner.setVisible(True)

    # -- live: someone changed this patient ------------------------------------------
    def _on_data_changed(self, change: DataChange) -> None:
        if self.detail is None or not change.touches(self.spell_id):
            return
        if self._live_busy or self._busy or self.flow.resolving:
            self._live_again = True  # once the read, save or conflict under way is done
            return
        self._live_fetch()

    def _live_fetch(self) -> None:
        shown, spell_id = self.detail, self.spell_id
        assert shown is not None
        self._live_busy, self._live_again = True, False
        self.runner.read(
            "refreshing the patient",
            lambda s: (
                ws.spell_detail(s, spell_id),
                conflicts.changes_since(
                    s, spell_id=spell_id, version=shown.spell.version, audit_mark=shown.audit_mark
                ),
            ),
            self._on_live_fetched,
            self._on_live_failed,
        )

    def _on_live_fetched(self, result: tuple[ws.SpellDetail, conflicts.SpellChanges]) -> None:
        self._live_busy = False
        fresh, theirs = result
        shown = self.detail
        news = shown is None or (fresh.audit_mark, fresh.spell.version) != (
            shown.audit_mark,
            shown.spell.version,
        )
        waiting = self._busy or self.flow.resolving
        if news and not waiting:
            self.take_fresh(fresh, theirs, rebase=not self.is_dirty())
            self.refreshed.emit(fresh)
        if self._live_again and not waiting:
            self._live_fetch()

    def _on_live_failed(self, _exc: BaseException) -> None:
        self._live_busy = False  # the next change or F5 tries again

    def take_fresh(
        self,
        fresh: ws.SpellDetail,
        theirs: conflicts.SpellChanges,
        *,
        rebase: bool,
        skip: tuple[QWidget, ...] = (),
        drop_pending: frozenset[tuple[str, int]] = frozenset(),
    ) -> None:
        """Show ``fresh`` and give back what the user typed (but ``skip``); ``rebase``:
        the user's edits now count as made on ``fresh`` (no conflict with it)."""
        touched, pending = self.memory.touched(), self.memory.pending()
        for (_n, name), choices in pending.items():
            for key in [k for k in choices if (name, k) in drop_pending]:
                del choices[key]
        kept = bool(touched or pending)
        self.show_detail(fresh)
        self.memory.restore(touched, pending, skip=skip)
        clash = "" if self.base is None else self._clash_text(theirs, rebase)
        if rebase or self.base is None:
            self.base = fresh
        text = changed_by_text(theirs, self.runner.actor, kept and self.is_dirty())
        self.notice.setText(f"{text} {clash}".strip())
        self.notice.setVisible(bool(text))

    def _clash_text(self, theirs: conflicts.SpellChanges, rebased: bool) -> str:
        assert self.base is not None
        mine = my_changes(self.changes(), self.base, self.refs)
        return clash_text(theirs, mine, rebased=rebased)

    # -- save ---------------------------------------------------------------------
    def changes(self, cancel: PlacementCancel | None = None) -> ws.WorkspaceChanges:
        merged: dict[str, Any] = {}
        for tab in (self.plan, self.barriers, self.carers):
            merged.update(tab.changes())
        return ws.WorkspaceChanges(**merged, cancel_placements=cancel)

    def is_dirty(self) -> bool:
        return self.detail is not None and not self.changes().is_empty

    def save(self, *, cancel: PlacementCancel | None = None) -> None:
        if self.detail is None or self.base is None or self._busy:
            return
        changes = self.changes(cancel)
        if changes.is_empty or changes == ws.WorkspaceChanges(cancel_placements=cancel):
            self.banner.setText("Nothing to save.")
            self.banner.setVisible(True)
            return
        try:
            asked = confirmed(self, self.detail.spell, changes, self.refs)
        except ValidationError as exc:  # refused anyway: say so now, ask nothing
            self.flow.show_refusal(exc)
            return
        if asked is None:  # back to the form, edits kept
            return
        changes = asked
        version, spell_id = self.base.spell.version, self.spell_id
        self.set_busy(True)
        self.runner.write(
            "saving the patient",
            lambda s: ws.save(s, spell_id=spell_id, expected_version=version, changes=changes),
            self._on_saved,
            self.flow.on_save_failed,
        )

    def _on_saved(self, detail: ws.SpellDetail) -> None:
        self.set_busy(False)
        self._on_loaded(detail)
        note, self.note_after_save = self.note_after_save, None
        if note:
            self.notice.setText(note)
            self.notice.setVisible(True)
        self.saved.emit(detail)
        if self._live_again:
            self._live_fetch()

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
        self.set_busy(True)
        self.runner.write(
            "discharging the patient",
            lambda s: ws.discharge(s, spell_id=self.spell_id, expected_version=version, **values),
            self._on_saved,
            self.flow.show_refusal,
        )

    def _on_action_failed(self, exc: BaseException) -> None:
        self.banner.setText(action_message(exc))
        self.banner.setVisible(True)

    # -- helpers ------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else "Save (Ctrl+S)")

    def after_refusal(self) -> None:
        """A save refused or resolved: catch up with changes heard meanwhile."""
        if self._live_again and not (self._busy or self._live_busy or self.flow.resolving):
            self._live_fetch()

    def _clear_errors(self) -> None:
        for section in self.sections:
            section.clear_errors()

    def show_tab_of(self, section: QWidget) -> None:
        for n in range(self.tabs.count()):
            if (tab := self.tabs.widget(n)) is not None and tab.isAncestorOf(section):
                self.tabs.setCurrentIndex(n)
                return

    def _confirm(self, question: str) -> bool:
        return errors.ask_yes_no(self, "Discharge Hub", question)
