"""The workspace's "Hub & placements" tab: the patient's hub referrals and placements,
and the placement actions (request, move on, decline, cancel, choose the provider,
assign a worker). Each action is its own write, not part of the form's Save."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from discharge_hub.display.people import person_name
from discharge_hub.services.hub import PlacementView
from discharge_hub.services.placements import FUNDING_LABELS
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.workspace import SpellDetail
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.hub.actions import PlacementActions, PlacementRef, offer_changes
from discharge_hub.ui.rows_model import Columns, RowsModel
from discharge_hub.ui.widgets import Section, read_only_table

REFERRAL_COLUMNS = (
    ("State", lambda r: r.state_label.upper()),
    ("Pathway", lambda r: r.pathway),
    ("Referred", lambda r: fmt.uk_datetime(r.referred_at)),
    ("By", lambda r: person_name(r.referred_by)),
    ("Accepted", lambda r: fmt.uk_datetime(r.accepted_at)),
    ("Accepted by", lambda r: person_name(r.accepted_by) if r.accepted_by else ""),
    (
        "Returned",
        lambda r: (
            f"{fmt.uk_datetime(r.returned_at)} by {person_name(r.returned_by)}: {r.return_reason}"
            if r.returned_at
            else ""
        ),
    ),
    ("Notes", lambda r: r.notes or ""),
)


class HubTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._refs: ReferenceLists | None = None
        self._detail: SpellDetail | None = None
        self.placement_actions: PlacementActions | None = None
        self._select_next: int | None = None
        self._refusals: tuple[str | None, str | None] = (None, None)  # set_refusals
        self.referrals = RowsModel(REFERRAL_COLUMNS, self)
        self.placements = RowsModel(self._placement_columns(), self)
        self.placements_table = read_only_table("Placements", self.placements)
        self.placements_table.selectionModel().currentRowChanged.connect(self._enable)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Hub referrals"))
        layout.addWidget(read_only_table("Hub referrals", self.referrals), 1)
        layout.addWidget(QLabel("Intermediate care and placements"))
        layout.addWidget(self.placements_table, 2)
        layout.addLayout(self._buttons())
        self.sections: list[Section] = []
        self._enable()

    def _placement_columns(self) -> Columns:
        def service(p: PlacementView) -> str:
            return self._refs.label("service_types", p.service_type) if self._refs else ""

        return (
            ("State", lambda p: p.state_label),
            ("Service", service),
            ("Provider", lambda p: p.provider or "not chosen"),
            ("Assigned to", lambda p: p.assigned_to or "nobody"),
            (
                "Requested",
                lambda p: f"{fmt.uk_datetime(p.requested_at)} by {person_name(p.requested_by)}",
            ),
            ("State since", lambda p: fmt.uk_datetime(p.state_changed_at)),
            ("Start date", lambda p: fmt.uk_date(p.start_date)),
            ("Funding", lambda p: FUNDING_LABELS.get(p.funding, p.funding or "")),
            ("Outcome / notes", lambda p: p.outcome_reason or p.notes or ""),
        )

    def _buttons(self) -> QHBoxLayout:
        def make(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
            b = QPushButton(text)
            b.setAccessibleName(name)
            b.clicked.connect(slot)
            return b

        self.request_button = make("Re&quest a placement…", "Request a placement", self._request)
        self.move_menu = QMenu(self)
        self.move_button = make("&Move on to ▸", "Move the placement on", lambda: None)
        self.move_button.setMenu(self.move_menu)
        self.decline_button = make(
            "&Decline…", "Decline the placement", lambda: self._end("declined")
        )
        self.cancel_button = make(
            "Ca&ncel…", "Cancel the placement", lambda: self._end("cancelled")
        )
        self.provider_button = make(
            "Choose pr&ovider…", "Choose the provider", lambda: self._act("choose_provider")
        )
        self.worker_button = make("Assign &worker…", "Assign a worker", lambda: self._act("assign"))
        row = QHBoxLayout()
        for b in (
            self.request_button,
            self.move_button,
            self.decline_button,
            self.cancel_button,
            self.provider_button,
            self.worker_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        return row

    def set_reference_lists(self, refs: ReferenceLists) -> None:
        self._refs = refs

    def set_refusals(self, request: str | None, change: str | None) -> None:
        """Why the signed-in role may not request placements / change them (None: it
        may): those buttons stay disabled, the reason as their tooltip."""
        self._refusals = (request, change)
        self._enable()

    def set_placement_actions(self, actions: PlacementActions) -> None:
        self.placement_actions = actions
        actions.requested.connect(self._on_requested)
        self._enable()

    def _on_requested(self, view: PlacementView) -> None:
        self._select_next = view.id  # shown selected once the workspace reloads

    def load(self, detail: SpellDetail) -> None:
        wanted = self._select_next or (cur.id if (cur := self.current()) else None)
        self._detail = detail
        self.referrals.set_rows(detail.referrals)
        self.placements.set_rows(detail.placements)
        rows = self.placements.rows()
        keep = next((n for n, p in enumerate(rows) if p.id == wanted), None)
        if keep is not None:
            self._select_next = None
        if keep is None:  # the newest placement still open, else the newest
            open_ = [n for n, p in enumerate(rows) if p.next_states]
            keep = open_[-1] if open_ else (len(rows) - 1 if rows else None)
        if keep is not None:
            self.placements_table.selectRow(keep)
        self._enable()

    def current(self) -> PlacementView | None:
        return cast(
            PlacementView | None, self.placements.row_at(self.placements_table.currentIndex().row())
        )

    def _patient(self) -> str:
        sp = self._detail.spell if self._detail else None
        return f"{sp.family_name.upper()}, {sp.given_name}" if sp else ""

    def current_ref(self) -> PlacementRef | None:
        p = self.current()
        return PlacementRef.of(p, self._patient()) if p is not None else None

    def _enable(self, *_: object) -> None:
        open_spell = self._detail is not None and self._detail.spell.discharged_at is None
        no_request, no_change = self._refusals
        ref = self.current_ref() if open_spell and self.placement_actions else None
        change = offer_changes(self, ref, no_change, self._move)
        self.worker_button.setEnabled(bool(change and change.open))
        self.request_button.setEnabled(
            open_spell and self.placement_actions is not None and no_request is None
        )
        self.request_button.setToolTip(no_request or "")

    def _request(self) -> None:
        if self.placement_actions is not None and self._detail is not None:
            self.placement_actions.request(self._detail.spell.id, self._patient())

    def _move(self, state: str) -> None:
        ref = self.current_ref()
        if self.placement_actions is not None and ref is not None:
            self.placement_actions.advance(ref, state)

    def _end(self, outcome: str) -> None:
        ref = self.current_ref()
        if self.placement_actions is not None and ref is not None and outcome in ref.endings():
            self.placement_actions.end(ref, outcome)

    def _act(self, name: str) -> None:
        ref = self.current_ref()
        if self.placement_actions is not None and ref is not None:
            getattr(self.placement_actions, name)(ref)
