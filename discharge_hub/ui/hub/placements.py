"""The placements queue of a council ("my council", remembered for each user, or all):
every placement not yet started or ended, oldest request first. From here a social
care worker moves a placement on (only the steps its lifecycle allows), declines or
cancels it with a reason, chooses the provider, assigns a worker, requests another
service for the patient, or opens the patient (Enter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QMenu, QWidget

from discharge_hub.display.people import person_name
from discharge_hub.services import queues
from discharge_hub.services.people import Action
from discharge_hub.services.placements import STATE_LABELS, WAITING_STATES
from discharge_hub.services.queues import PlacementQueueRow
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.hub.actions import PlacementActions, PlacementRef, offer_changes
from discharge_hub.ui.hub.actions import patient_label as patient
from discharge_hub.ui.hub.screen import ListScreen, button, combo
from discharge_hub.ui.live import ChangeHub
from discharge_hub.ui.queue_model import Col, QueueModel
from discharge_hub.ui.settings import SETTINGS
from discharge_hub.ui.tasks import TaskRunner

_AMBER = QBrush(QColor("#fff1c2"))
_RED = QBrush(QColor("#ffd6d6"))

PLACEMENT_COLUMNS = (
    Col("Patient", patient, lambda r: (r.family_name.lower(), r.given_name.lower())),
    Col("NHS number", lambda r: fmt.nhs(r.nhs_number), lambda r: r.nhs_number),
    Col("State", lambda r: r.state_label, lambda r: WAITING_STATES.index(r.state)),
    Col(
        "In state",
        lambda r: fmt.days(r.days_in_state),
        lambda r: r.days_in_state,
        lambda r: _AMBER if r.days_in_state >= 7 else None,
    ),
    Col("Service", lambda r: r.service_type_label),
    Col("Provider", lambda r: r.provider or "not chosen"),
    Col(
        "Delay",
        lambda r: fmt.days(r.delay_days) if r.delay_days is not None else "",
        lambda r: r.delay_days,
        lambda r: _RED if (r.delay_days or 0) >= 1 else None,
    ),
    Col(
        "Ready since (DRD)",
        lambda r: fmt.uk_date(r.discharge_ready_date, "—"),
        lambda r: r.discharge_ready_date,
    ),
    Col("Assigned to", lambda r: r.assigned_to or "nobody"),
    Col("Funding", lambda r: r.funding_label or "not known"),
    Col("Council", lambda r: r.place or "—"),
    Col("Site / ward / bed", lambda r: f"{r.site} / {r.ward} / {r.bed or '—'}"),
    Col(
        "Requested",
        lambda r: f"{fmt.uk_datetime(r.requested_at)} by {person_name(r.requested_by)}",
        lambda r: r.requested_at,
    ),
)


def council_key(actor: str) -> str:
    return f"hub/{actor}/council"


class PlacementQueueScreen(ListScreen):
    title = "Placements queue"

    def __init__(
        self,
        runner: TaskRunner,
        changes: ChangeHub,
        refs: ReferenceLists,
        parent: QWidget | None = None,
    ) -> None:
        model = QueueModel(
            PLACEMENT_COLUMNS,
            key=lambda r: r.placement_id,
            order=lambda r: (r.requested_at, r.placement_id),
        )
        super().__init__(runner, changes, refs, model, "Placements queue", parent)
        model.setParent(self)
        self.council = combo("Council")
        self.council.addItem("All councils", None)
        for place in refs.places:
            self.council.addItem(f"{place.label} ({place.code})", place.code)
        self.council.setCurrentIndex(max(0, self.council.findData(self._remembered_council())))
        self.state = combo("Placement state")
        self.state.addItem("All waiting states", None)
        for state in WAITING_STATES:
            self.state.addItem(STATE_LABELS[state], state)
        self.add_filter("&Council", self.council)
        self.add_filter("&State", self.state)
        self.council.currentIndexChanged.connect(self._remember_council)
        # A refusal is about the row it was for: not left over another council's list.
        self.council.currentIndexChanged.connect(lambda _i: self.show_message(""))
        self.placement_actions = PlacementActions(runner, changes, lambda: self.refs, self)
        self.placement_actions.failed.connect(self.show_error)
        self.placement_actions.finished.connect(lambda _id: self.show_message(""))
        self._build_buttons()
        self.lay_out()
        self.reload()

    def _build_buttons(self) -> None:
        self.move_menu = QMenu(self)
        self.move_button = button("&Move on to ▸", "Move the placement on", self._show_moves)
        self.move_button.setMenu(self.move_menu)
        self.decline_button = button(
            "&Decline…", "Decline the placement", lambda: self._end("declined")
        )
        self.cancel_button = button(
            "Ca&ncel…", "Cancel the placement", lambda: self._end("cancelled")
        )
        self.provider_button = button(
            "Choose pr&ovider…",
            "Choose the provider",
            lambda: self._act(self.placement_actions.choose_provider),
        )
        self.worker_button = button(
            "Assign &worker…", "Assign a worker", lambda: self._act(self.placement_actions.assign)
        )
        self.request_button = button(
            "Re&quest another…", "Request another placement", self._request
        )
        self.open_button = button("Open patient (Enter)", "Open patient", self.open_current)
        self.add_buttons(self.move_button, self.decline_button, self.cancel_button)
        self.add_buttons(self.provider_button, self.worker_button, self.request_button)
        self.add_buttons(self.open_button)

    # -- the council, remembered per user ---------------------------------------------
    def _remembered_council(self) -> str | None:
        value = QSettings(*SETTINGS).value(council_key(self.runner.actor))
        return str(value) if value else None

    def _remember_council(self) -> None:
        QSettings(*SETTINGS).setValue(
            council_key(self.runner.actor), self.council.currentData() or ""
        )

    # -- loading ------------------------------------------------------------------------
    def work(self, spell_ids: frozenset[int] | None) -> Callable[[Any], Any]:
        place, state = self.council.currentData(), self.state.currentData()
        return lambda s: queues.placement_queue(s, place=place, state=state, spell_ids=spell_ids)

    def count_text(self) -> str:
        rows: list[PlacementQueueRow] = self.model.rows()
        delayed = sum((r.delay_days or 0) >= 1 for r in rows)
        unassigned = sum(r.assigned_to is None for r in rows)
        return f"{len(rows)} placements · {delayed} delaying discharge · {unassigned} unassigned"

    # -- actions ------------------------------------------------------------------------
    def current_ref(self) -> PlacementRef | None:
        row = self.table.current()
        return PlacementRef.of(row, patient(row)) if row is not None else None

    def refusals(self, row: Any) -> tuple[str | None, str | None]:
        """Why the signed-in role may not change ``row``'s placement (another council's,
        a viewer) / request another (None: it may). The server checks it anyway."""
        database = self.runner.database
        if row is None or database is None:
            return None, None
        perms = database.permissions
        return (
            perms.why_not(Action.EDIT_PLACEMENT, place=row.place_code),
            perms.why_not(Action.REQUEST_PLACEMENT),
        )

    def enable_buttons(self, row: Any) -> None:
        no_change, no_request = self.refusals(row)
        ref = PlacementRef.of(row, patient(row)) if row is not None else None
        change = offer_changes(self, ref, no_change, self._move)
        self.worker_button.setEnabled(change is not None)
        self.request_button.setEnabled(ref is not None and no_request is None)
        self.request_button.setToolTip(no_request or "")
        self.open_button.setEnabled(ref is not None)

    def _show_moves(self) -> None:
        self.move_button.showMenu()

    def _move(self, state: str) -> None:
        ref = self.current_ref()
        if ref is not None:
            self.placement_actions.advance(ref, state)

    def _end(self, outcome: str) -> None:
        ref = self.current_ref()
        if ref is not None and outcome in ref.endings():
            self.placement_actions.end(ref, outcome)

    def _act(self, action: Callable[[PlacementRef], None]) -> None:
        ref = self.current_ref()
        if ref is not None:
            action(ref)

    def _request(self) -> None:
        row = self.table.current()
        if row is not None:
            self.placement_actions.request(row.spell_id, patient(row))
