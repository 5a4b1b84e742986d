"""The hub's referral queue: P1–P3 referrals awaiting acceptance, then those accepted
and not yet placed, oldest first, with how long each has waited. Accept one, return
it to the ward with a reason, request a placement, or open the patient (Enter)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from discharge_hub import clock
from discharge_hub.display.people import person_name
from discharge_hub.services import hub, queues
from discharge_hub.services.queues import ReferralQueueRow
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.hub.actions import PlacementActions, patient_label
from discharge_hub.ui.hub.dialogs import ReasonDialog
from discharge_hub.ui.hub.screen import ListScreen, button
from discharge_hub.ui.live import ChangeHub
from discharge_hub.ui.queue_model import Col, QueueModel
from discharge_hub.ui.tasks import TaskRunner

_AMBER = QBrush(QColor("#fff1c2"))
_RED = QBrush(QColor("#ffd6d6"))


def waiting_text(since: datetime, now: datetime | None = None) -> str:
    """How long since ``since``: "45 min", "5 h 10 min", "3 days 4 h"."""
    gap = max((now or clock.now()) - since, timedelta(0))
    hours, minutes = divmod(int(gap.total_seconds()) // 60, 60)
    if gap.days:
        return f"{fmt.days(gap.days)} {hours % 24} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _waiting_colour(r: ReferralQueueRow) -> QBrush | None:
    gap = clock.now() - r.referred_at
    if r.state != "referred":
        return None
    return _RED if gap >= timedelta(days=1) else _AMBER if gap >= timedelta(hours=4) else None


def _by(when: datetime | None, who: str | None) -> str:
    return f"{fmt.uk_datetime(when)} by {person_name(who)}" if when else ""


REFERRAL_COLUMNS = (
    Col(
        "Waiting",
        lambda r: waiting_text(r.referred_at),
        lambda r: -r.referred_at.timestamp(),
        _waiting_colour,
    ),
    Col("State", lambda r: r.state_label.upper()),
    Col("Patient", patient_label, lambda r: (r.family_name.lower(), r.given_name.lower())),
    Col("NHS number", lambda r: fmt.nhs(r.nhs_number), lambda r: r.nhs_number),
    Col("Site / ward / bed", lambda r: f"{r.site} / {r.ward} / {r.bed or '—'}"),
    Col(
        "Pathway",
        lambda r: (
            r.referral_pathway
            + (f" (now {r.pathway or 'none'})" if r.pathway != r.referral_pathway else "")
        ),
    ),
    Col("Referred", lambda r: _by(r.referred_at, r.referred_by), lambda r: r.referred_at),
    Col("Accepted", lambda r: _by(r.accepted_at, r.accepted_by), lambda r: r.accepted_at),
    Col(
        "Ready since (DRD)",
        lambda r: fmt.drd_text(r.discharge_ready_date, r.delay_days),
        lambda r: r.discharge_ready_date,
    ),
    Col("Notes", lambda r: r.notes or ""),
)


def referral_order(r: ReferralQueueRow) -> tuple[int, datetime, int]:
    """The service's order: awaiting acceptance first, then oldest referral first."""
    return (0 if r.state == "referred" else 1, r.referred_at, r.referral_id)


class ReferralQueueScreen(ListScreen):
    title = "Referral queue"

    def __init__(
        self,
        runner: TaskRunner,
        changes: ChangeHub,
        refs: ReferenceLists,
        parent: QWidget | None = None,
    ) -> None:
        model = QueueModel(REFERRAL_COLUMNS, key=lambda r: r.referral_id, order=referral_order)
        super().__init__(runner, changes, refs, model, "Hub referral queue", parent)
        model.setParent(self)
        self.placements = PlacementActions(runner, changes, lambda: self.refs, self)
        self.placements.failed.connect(self.show_error)
        self.placements.finished.connect(lambda _id: self.show_message(""))
        self.accept_button = button("&Accept", "Accept the referral", self.accept_current)
        self.return_button = button(
            "Re&turn to ward…", "Return the referral to the ward", self.return_current
        )
        self.request_button = button(
            "Request a pla&cement…", "Request a placement", self.request_placement
        )
        self.open_button = button("Open patient (Enter)", "Open patient", self.open_current)
        self.add_buttons(self.accept_button, self.return_button, self.request_button)
        self.add_buttons(self.open_button)
        self.lay_out()
        self.reload()

    def work(self, spell_ids: frozenset[int] | None) -> Callable[[Any], Any]:
        return lambda s: queues.referral_queue(s, spell_ids=spell_ids)

    def count_text(self) -> str:
        rows = self.model.rows()
        waiting = sum(r.state == "referred" for r in rows)
        return f"{waiting} awaiting acceptance · {len(rows) - waiting} accepted, not yet placed"

    def enable_buttons(self, row: Any) -> None:
        self.accept_button.setEnabled(row is not None and row.state == "referred")
        for b in (self.return_button, self.request_button, self.open_button):
            b.setEnabled(row is not None)

    # -- actions ------------------------------------------------------------------------
    def accept_current(self) -> None:
        row = self.table.current()
        if row is None or row.state != "referred":
            return
        self._write(
            "accepting a referral",
            row,
            lambda s: hub.accept_referral(
                s, referral_id=row.referral_id, expected_version=row.referral_version
            ),
        )

    def return_current(self) -> None:
        row = self.table.current()
        if row is None:
            return
        reason = ReasonDialog.ask(
            self,
            "Return the referral",
            f"Return {patient_label(row)}'s referral ({row.state_label.lower()}) to the ward? "
            "Say why: the ward sees the reason and may refer again.",
            ok_text="Return to ward",
        )
        if reason is None:
            return
        self._write(
            "returning a referral",
            row,
            lambda s: hub.return_referral(
                s,
                referral_id=row.referral_id,
                expected_version=row.referral_version,
                reason=reason,
            ),
        )

    def request_placement(self) -> None:
        row = self.table.current()
        if row is not None:
            self.placements.request(row.spell_id, patient_label(row))

    def _write(self, name: str, row: ReferralQueueRow, work: Callable[[Any], Any]) -> None:
        spell_id = row.spell_id

        def refused(exc: BaseException) -> None:
            self.show_error(exc)
            self.changes.announce({spell_id})  # show the row as it is now

        def done(_result: Any) -> None:
            self.show_message("")
            self.changes.announce({spell_id})

        self.runner.write(name, work, done, refused)
