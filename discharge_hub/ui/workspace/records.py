"""Read-mostly tabs: discharge, and the History tab."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from discharge_hub.display import dates, labels
from discharge_hub.display.people import person_name
from discharge_hub.services.history import AuditView
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.workspace import SpellDetail
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.rows_model import RowsModel
from discharge_hub.ui.widgets import (
    Section,
    code_combo,
    date_edit,
    fill_codes,
    read_only_table,
    select_code,
)

AUDIT_COLUMNS = (
    ("When", lambda a: fmt.uk_datetime(a.at)),
    ("Who", lambda a: person_name(a.actor)),
    ("Action", lambda a: labels.action_label(a.action)),
    ("Record", lambda a: labels.record_label(a.entity)),
    ("Field", lambda a: labels.field_label(a.field)),
    ("Old", lambda a: labels.value_text(a.entity, a.field, a.old_value)),
    ("New", lambda a: labels.value_text(a.entity, a.field, a.new_value)),
)
CTR_COLUMNS = (
    ("Review date", lambda r: fmt.uk_date(r.review_date)),
    ("Status", lambda r: "MEETS" if r.meets_criteria else "NO LONGER MEETS"),
    ("Criteria", lambda r: ", ".join(r.criteria)),
    ("By", lambda r: person_name(r.reviewed_by)),
    ("Note", lambda r: r.note or ""),
)


def shown_audit(audit: Iterable[AuditView]) -> list[AuditView]:
    """The audit rows a person reads: not the ones that only link records (spell id)."""
    return [a for a in audit if not labels.is_link_field(a.field)]


class HistoryTab(QWidget):
    """The audit trail of this spell: who changed what, when, old → new."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctr = RowsModel(CTR_COLUMNS, self)
        self.audit = RowsModel(AUDIT_COLUMNS, self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Criteria-to-reside reviews"))
        layout.addWidget(read_only_table("Criteria to reside reviews", self.ctr), 1)
        layout.addWidget(QLabel("Audit trail (newest first)"))
        self.audit_table = read_only_table("Audit trail", self.audit)
        layout.addWidget(self.audit_table, 3)
        self.sections: list[Section] = []

    def load(self, detail: SpellDetail) -> None:
        self.ctr.set_rows(list(reversed(detail.ctr_reviews)))
        self.audit.set_rows(shown_audit(detail.audit))


class DischargeTab(QWidget):
    """Discharge is its own action (a button), not part of Save."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = Section("Discharge the patient", "discharge")
        self.when = self.section.add_field(
            "discharged_at", "Discharged &at", date_edit("Discharged at")
        )
        self.when.setPlaceholderText(dates.DATETIME_HINT)
        self.destination = self.section.add_field(
            "destination", "&Destination", code_combo("Discharge destination", ())
        )
        self.method = self.section.add_field(
            "method", "&Method", code_combo("Discharge method", ())
        )
        self.pathway = self.section.add_field(
            "pathway", "Pathway taken", code_combo("Pathway taken", ())
        )
        self.button = QPushButton("Discharge patient…")
        self.button.setAccessibleName("Discharge patient")
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.section)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.sections = [self.section]

    def set_reference_lists(self, refs: ReferenceLists) -> None:
        fill_codes(self.destination, refs.destinations, "— choose —")
        fill_codes(self.method, refs.methods, "— choose —")
        fill_codes(self.pathway, refs.pathways, "— as planned —")

    def load(self, detail: SpellDetail) -> None:
        sp = detail.spell
        done = sp.discharged_at is not None
        self.status.setText(
            f"DISCHARGED {fmt.uk_datetime(sp.discharged_at)} to {sp.destination}"
            if done
            else "In hospital"
        )
        self.when.setText(fmt.uk_datetime(sp.discharged_at) if done else fmt.now_input())
        if done:  # the recorded discharge, not an empty form or the choices typed before
            select_code(self.destination, sp.destination, unknown_label="not on the list")
            select_code(self.method, sp.method, unknown_label="not on the list")
            select_code(self.pathway, sp.pathway, unknown_label="not on the list")
        self.section.setEnabled(not done)
        self.button.setEnabled(not done)

    def values(self) -> dict[str, Any]:
        return {
            "discharged_at": self.when.text(),
            "destination": self.destination.currentData(),
            "method": self.method.currentData(),
            "pathway": self.pathway.currentData(),
        }
