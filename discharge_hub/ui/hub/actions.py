"""What a user can do to a placement, from the placements queue and from the patient's
workspace alike: request one, choose the provider, assign a worker, move it on (only
the steps its lifecycle allows), decline or cancel it with a reason.

Each action asks what it needs (a dialog's ``ask``), writes through the service on
the write worker, then announces the spell on the program's "data changed" signal,
so every view re-fetches it. A refusal is reported through :attr:`failed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from discharge_hub.display import dates
from discharge_hub.display.people import person_name
from discharge_hub.errors import RECORD_WORDS, ConflictError, DomainError
from discharge_hub.services import hub
from discharge_hub.services.placements import (
    NEEDS_PROVIDER,
    NEEDS_REASON,
    NEEDS_START_DATE,
    PROVIDER_CHANGEABLE,
    STATE_LABELS,
    WAITING_STATES,
    next_states,
)
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui.hub.dialogs import (
    ReasonDialog,
    RequestPlacementDialog,
    StartDateDialog,
    WorkerDialog,
)
from discharge_hub.ui.hub.provider_picker import ProviderPicker
from discharge_hub.ui.live import ChangeHub
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.validators import parse_date

ENDING_VERBS = {"declined": "Decline", "cancelled": "Cancel"}


@dataclass(frozen=True)
class PlacementRef:
    """The placement an action is about (from a queue row or the workspace)."""

    placement_id: int
    version: int
    spell_id: int
    state: str
    provider_id: int | None
    assigned_to: str | None
    patient: str  # "FAMILY, Given", for the dialogs

    @classmethod
    def of(cls, p: Any, patient: str) -> PlacementRef:
        """From a PlacementQueueRow (``placement_id``) or a PlacementView (``id``)."""
        pid = p.placement_id if hasattr(p, "placement_id") else p.id
        return cls(pid, p.version, p.spell_id, p.state, p.provider_id, p.assigned_to, patient)

    @property
    def open(self) -> bool:
        return self.state in WAITING_STATES

    def moves(self) -> list[tuple[str, str]]:
        """(state, label) of the steps forward to offer, in lifecycle order."""
        return [(s, STATE_LABELS[s]) for s in next_states(self.state) if s not in NEEDS_REASON]

    def endings(self) -> list[str]:
        return [s for s in next_states(self.state) if s in NEEDS_REASON]

    @property
    def provider_changeable(self) -> bool:
        return self.state in PROVIDER_CHANGEABLE


class PlacementButtons(Protocol):
    """A screen's buttons for one placement (the queue, the patient's Hub tab)."""

    move_button: QPushButton
    move_menu: QMenu
    decline_button: QPushButton
    cancel_button: QPushButton
    provider_button: QPushButton
    worker_button: QPushButton


def offer_changes(
    screen: PlacementButtons,
    ref: PlacementRef | None,
    why_not: str | None,
    move: Callable[[str], None],
) -> PlacementRef | None:
    """Enable the buttons that change ``ref``'s placement for what its state allows, and
    fill the Move menu; none while ``why_not`` says the role may not (the reason as their
    tooltip). The placement that may be changed, or None. The worker button is the
    screen's to enable."""
    change = ref if why_not is None else None
    screen.move_button.setEnabled(bool(change and change.moves()))
    screen.decline_button.setEnabled(bool(change and "declined" in change.endings()))
    screen.cancel_button.setEnabled(bool(change and "cancelled" in change.endings()))
    screen.provider_button.setEnabled(bool(change and change.provider_changeable))
    for button in (
        screen.move_button,
        screen.decline_button,
        screen.cancel_button,
        screen.provider_button,
        screen.worker_button,
    ):
        button.setToolTip(why_not or "")
    screen.move_menu.clear()
    for state, label in change.moves() if change else ():
        action = screen.move_menu.addAction(label)
        action.triggered.connect(lambda _=False, s=state: move(s))
    return change


def patient_label(row: Any) -> str:
    return f"{row.family_name.upper()}, {row.given_name}"


def action_message(exc: BaseException) -> str:
    """What the user reads after a refused action (nothing was written)."""
    if isinstance(exc, ConflictError):
        who = person_name(exc.changed_by) if exc.changed_by else "another user"
        when = f" {dates.when(exc.changed_at)}" if exc.changed_at else ""
        record = RECORD_WORDS.get(exc.entity, exc.entity)
        return (
            f"Not done: {who} changed this {record}{when} after you opened it. "
            "It is shown as it is now; try again if it is still needed."
        )
    if isinstance(exc, DomainError):
        return f"Not done: {exc.message}"
    return "Not done: an unexpected error (a bug) happened; a crash report was shown."


class PlacementActions(QObject):
    finished = Signal(int)  # the spell whose placement changed
    requested = Signal(object)  # the PlacementView of a new request
    failed = Signal(object)  # the exception; nothing was written

    def __init__(
        self,
        runner: TaskRunner,
        changes: ChangeHub,
        refs: Callable[[], ReferenceLists | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.runner, self.changes, self._refs = runner, changes, refs
        self._parent = parent

    # -- the actions ---------------------------------------------------------------------
    def request(self, spell_id: int, patient: str) -> None:
        refs = self._refs()
        if refs is None:
            return
        asked = RequestPlacementDialog.ask(self._parent, refs, patient)
        if asked is None:
            return
        self._write(
            "requesting a placement",
            spell_id,
            lambda s: hub.request_placement(
                s,
                spell_id=spell_id,
                expected_version=None,  # adds a placement; the spell itself is not changed
                service_type=asked.service_type,
                funding=asked.funding,
                notes=asked.notes,
            ),
            then=self.requested.emit,
        )

    def advance(self, p: PlacementRef, to_state: str) -> None:
        if to_state in NEEDS_REASON:
            self.end(p, to_state)
            return
        provider_id = None
        if to_state in NEEDS_PROVIDER and p.provider_id is None:
            provider_id = ProviderPicker.ask(
                self._parent, self.runner, placement_id=p.placement_id, patient=p.patient
            )
            if provider_id is None:
                return
        start: str | None = None
        if to_state in NEEDS_START_DATE:
            start = StartDateDialog.ask(self._parent, p.patient)
            if start is None:
                return
        self._write(
            f"moving a placement on to {STATE_LABELS.get(to_state, to_state).lower()}",
            p.spell_id,
            lambda s: hub.advance_placement(
                s,
                placement_id=p.placement_id,
                expected_version=p.version,
                to_state=to_state,
                provider_id=provider_id,
                start_date=parse_date(start, "start_date", required=True) if start else None,
            ),
        )

    def end(self, p: PlacementRef, outcome: str) -> None:
        verb = ENDING_VERBS.get(outcome, outcome)
        reason = ReasonDialog.ask(
            self._parent,
            f"{verb} the placement",
            f"{verb} {p.patient}'s placement ({STATE_LABELS.get(p.state, p.state).lower()})? "
            "Say why: the reason is kept with the placement.",
            ok_text=f"{verb} placement",
        )
        if reason is None:
            return
        self._write(
            f"ending a placement ({outcome})",
            p.spell_id,
            lambda s: hub.end_placement(
                s,
                placement_id=p.placement_id,
                expected_version=p.version,
                outcome=outcome,
                reason=reason,
            ),
        )

    def choose_provider(self, p: PlacementRef) -> None:
        chosen = ProviderPicker.ask(
            self._parent,
            self.runner,
            placement_id=p.placement_id,
            patient=p.patient,
            current=p.provider_id,
        )
        if chosen is None or chosen == p.provider_id:
            return
        self._write(
            "choosing a provider",
            p.spell_id,
            lambda s: hub.choose_provider(
                s, placement_id=p.placement_id, expected_version=p.version, provider_id=chosen
            ),
        )

    def assign(self, p: PlacementRef) -> None:
        worker = WorkerDialog.ask(self._parent, p.patient, p.assigned_to)
        if worker is None or worker == (p.assigned_to or ""):
            return
        self._write(
            "assigning a worker",
            p.spell_id,
            lambda s: hub.assign_worker(
                s, placement_id=p.placement_id, expected_version=p.version, worker=worker or None
            ),
        )

    # -- writing -------------------------------------------------------------------------
    def _write(
        self,
        name: str,
        spell_id: int,
        work: Callable[[Any], Any],
        then: Callable[[Any], None] | None = None,
    ) -> None:
        def done(result: Any) -> None:
            if then is not None:
                then(result)
            self.changes.announce({spell_id})
            self.finished.emit(spell_id)

        def refused(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):  # show what it is now
                self.changes.announce({spell_id})
            self.failed.emit(exc)

        self.runner.write(name, work, done, refused)
