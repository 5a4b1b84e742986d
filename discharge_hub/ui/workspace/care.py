"""Barriers/actions checklist; carers, the communication log and carer's assessment."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from discharge_hub.display import dates
from discharge_hub.display.labels import code_label
from discharge_hub.display.people import person_name
from discharge_hub.services.care import ASSESSMENT_STATUSES
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.workspace import NewBarrier, NewCarer, NewContact, SpellDetail
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.rows_model import RowsModel
from discharge_hub.ui.widgets import (
    ComboBox,
    Section,
    code_combo,
    date_edit,
    fill_codes,
    line_edit,
    read_only_table,
    select_code,
)


def _assessment_text(c: Any, pending: str | None = None) -> str:
    if pending is not None:
        return f"{code_label('assessment_status', pending).upper()} (unsaved)"
    status = code_label("assessment_status", c.assessment_status, "not recorded").upper()
    return f"{status} {fmt.uk_date(c.assessment_on)}".strip()


def _repaint(model: RowsModel) -> None:
    if model.rowCount():
        last = model.index(model.rowCount() - 1, model.columnCount() - 1)
        model.dataChanged.emit(model.index(0, 0), last)


class BarriersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: SpellDetail | None = None
        self._refs: ReferenceLists | None = None
        self.pending_resolved: dict[int, int] = {}
        self.model = RowsModel(
            (
                ("State", self._state_text),
                (
                    "Kind",
                    lambda b: self._refs.label("barrier_kinds", b.kind) if self._refs else b.kind,
                ),
                ("What", lambda b: b.description),
                ("Owner", lambda b: b.owner or ""),
                ("Due", lambda b: fmt.uk_date(b.due_date)),
                ("Resolved", lambda b: fmt.uk_datetime(b.resolved_at)),
            ),
            self,
        )
        self.table = read_only_table("Barriers and actions", self.model)
        self.resolve_button = QPushButton("&Mark selected resolved (on save)")
        self.resolve_button.clicked.connect(self._on_resolve_clicked)
        self.section = Section("Add a barrier or action", "barrier")
        self.kind = self.section.add_field("kind", "&Kind", code_combo("Barrier kind", ()))
        self.description = self.section.add_field(
            "description", "&Description", line_edit("Barrier description")
        )
        self.owner = self.section.add_field("owner", "&Owner", line_edit("Barrier owner"))
        self.due = self.section.add_field("due_date", "Due dat&e", date_edit("Barrier due date"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.resolve_button)
        layout.addWidget(self.section)
        self.sections = [self.section]

    def _state_text(self, b: Any) -> str:
        if b.id in self.pending_resolved:
            return "RESOLVED (unsaved)"
        return {"open": "☐ OPEN"}.get(b.state, f"☑ {b.state.upper()}")

    def set_reference_lists(self, refs: ReferenceLists) -> None:
        self._refs = refs
        fill_codes(self.kind, refs.barrier_kinds, show_code=False)

    def load(self, detail: SpellDetail) -> None:
        self._detail = detail
        self.pending_resolved.clear()
        self.model.set_rows(detail.barriers)
        for w in (self.description, self.owner, self.due):
            w.clear()

    def pending_restored(self) -> None:
        """Barriers marked resolved, given back after a reload (see workspace.keep)."""
        still_open = {b.id for b in self.model.rows() if b.state == "open"}
        for barrier_id in set(self.pending_resolved) - still_open:
            del self.pending_resolved[barrier_id]
        _repaint(self.model)

    def _on_resolve_clicked(self) -> None:
        b = self.model.row_at(self.table.currentIndex().row())
        if b is not None and b.state == "open":
            self.pending_resolved[b.id] = b.version
            self.model.set_rows(self.model.rows())

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.description.text().strip() or self.owner.text().strip() or self.due.text().strip():
            out["new_barriers"] = (
                NewBarrier(
                    self.kind.currentData(),
                    self.description.text(),
                    self.owner.text() or None,
                    self.due.text() or None,
                ),
            )
        if self.pending_resolved:
            out["resolved_barriers"] = tuple(self.pending_resolved.items())
        return out


class CarersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: SpellDetail | None = None
        # carer id -> (version seen, status chosen): one choice per carer, each kept
        # with its carer whichever row is selected when the user saves
        self.pending_assessments: dict[int, tuple[int, str]] = {}
        self._interpreter_ticked = False  # the user's own tick, kept while "via interpreter"
        self.carers_model = RowsModel(
            (
                ("Name", lambda c: c.name + (" (main carer)" if c.is_main_carer else "")),
                ("Relationship", lambda c: c.relationship or ""),
                ("Contact", lambda c: c.contact or ""),
                ("Consent to share", lambda c: "Yes" if c.consent_to_share else "No"),
                (
                    "Language",
                    lambda c: (
                        (c.language or "") + (" – interpreter" if c.interpreter_needed else "")
                    ),
                ),
                (
                    "Carer's assessment",
                    lambda c: _assessment_text(c, self.pending_assessments.get(c.id, (0, None))[1]),
                ),
            ),
            self,
        )
        self.log_model = RowsModel(
            (
                ("When", lambda e: fmt.uk_datetime(e.contact_at)),
                ("With", lambda e: e.with_whom),
                (
                    "How",
                    lambda e: (
                        code_label("contact_method", e.method)
                        + (" (interpreter)" if e.interpreter_used else "")
                    ),
                ),
                ("Discussed", lambda e: e.discussed),
                ("Agreed", lambda e: e.agreed or ""),
                ("Next due", lambda e: fmt.uk_date(e.next_contact_due)),
                ("By", lambda e: person_name(e.recorded_by)),
            ),
            self,
        )
        self.carers_table = read_only_table("Carers", self.carers_model)
        self.log_table = read_only_table("Communication log", self.log_model)
        self.assessment = ComboBox()
        self.assessment.setAccessibleName("Carer's assessment status for the selected carer")
        self.assessment.setProperty("dh_not_kept", True)  # shows pending_assessments
        self.assessment.addItem("— not recorded —", None)
        for status in ASSESSMENT_STATUSES:
            self.assessment.addItem(status.capitalize(), status)
        self.assessment.activated.connect(self._on_assessment_chosen)
        self.carers_table.selectionModel().currentRowChanged.connect(self._show_assessment)
        self.carer_section = self._carer_section()
        self.contact_section = self._contact_section()
        self._lay_out()
        self.sections = [self.carer_section, self.contact_section]

    def _carer_section(self) -> Section:
        s = Section("Add a carer", "carer")
        self.carer_name = s.add_field("name", "Carer &name", line_edit("Carer name"))
        self.carer_relationship = s.add_field(
            "relationship", "Relationship", line_edit("Relationship")
        )
        self.carer_contact = s.add_field("contact", "Phone / contact", line_edit("Carer contact"))
        self.carer_main = s.add_field("is_main_carer", "", QCheckBox("Main carer"))
        self.carer_consent = s.add_field("consent_to_share", "", QCheckBox("Consents to share"))
        self.carer_language = s.add_field("language", "Language", line_edit("Carer language"))
        self.carer_interpreter = s.add_field(
            "interpreter_needed", "", QCheckBox("Needs interpreter")
        )
        return s

    def _contact_section(self) -> Section:
        s = Section("Log a contact with the patient or a carer", "contact")
        self.contact_at = s.add_field("contact_at", "&When", date_edit("Contact date and time"))
        self.contact_at.setPlaceholderText(dates.DATETIME_HINT)
        self.with_whom = ComboBox()
        self.with_whom.setEditable(True)
        self.with_whom.setMinimumContentsLength(24)
        self.with_whom.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        s.add_field("with_whom", "With wh&om", self.with_whom)
        self.with_whom.setAccessibleName("Contact with whom")
        # editable, so it has a line edit
        cast(QLineEdit, self.with_whom.lineEdit()).setAccessibleName("Contact with whom")
        self.method = s.add_field("method", "&Method", code_combo("Contact method", ()))
        self.interpreter = s.add_field("interpreter_used", "", QCheckBox("Interpreter used"))
        self.discussed = QPlainTextEdit()
        self.discussed.setTabChangesFocus(True)
        self.discussed.setMaximumHeight(70)
        s.add_field("discussed", "Discussed", self.discussed)
        self.discussed.setAccessibleName("What was discussed")
        self.agreed = s.add_field("agreed", "Agreed", line_edit("What was agreed"))
        self.next_due = s.add_field(
            "next_contact_due", "Next contact due", date_edit("Next contact due")
        )
        return s

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.carers_table, 2)
        side = QVBoxLayout()
        side.addWidget(self.carer_section)
        side.addWidget(QLabel("Carer's assessment (Care Act s10) for the selected carer:"))
        side.addWidget(self.assessment)
        row.addLayout(side, 1)
        lower = QHBoxLayout()
        lower.addWidget(self.log_table, 2)
        lower.addWidget(self.contact_section, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addLayout(lower, 1)

    def set_reference_lists(self, refs: ReferenceLists) -> None:
        fill_codes(self.method, refs.contact_methods, show_code=False)
        select_code(self.method, "phone")
        self.method.currentIndexChanged.connect(self._on_method_changed)

    def load(self, detail: SpellDetail) -> None:
        self._detail = detail
        self.carers_model.set_rows(detail.carers)
        self.log_model.set_rows(detail.contacts)
        self.with_whom.clear()
        self.with_whom.addItem("", None)
        self.with_whom.addItem("Patient", None)
        for c in detail.carers:
            self.with_whom.addItem(f"{c.name} ({c.relationship or 'carer'})", c.id)
        for w in (
            self.carer_name,
            self.carer_relationship,
            self.carer_contact,
            self.carer_language,
        ):
            w.clear()
        for b in (self.carer_main, self.carer_consent, self.carer_interpreter, self.interpreter):
            b.setChecked(False)
        self.contact_at.setText(fmt.now_input())
        self._contact_default = self.contact_at.text()
        self.discussed.clear()
        self.agreed.clear()
        self.next_due.clear()
        self._interpreter_ticked = False
        select_code(self.method, "phone")
        self.pending_assessments.clear()
        if detail.carers:
            self.carers_table.selectRow(0)
        self._show_assessment()

    def pending_restored(self) -> None:
        """Assessments chosen, given back after a reload (see workspace.keep)."""
        _repaint(self.carers_model)
        self._show_assessment()

    def _selected_carer(self) -> Any:
        return self.carers_model.row_at(self.carers_table.currentIndex().row())

    def _show_assessment(self, *_: object) -> None:
        """The picker shows the selected carer's status: chosen (unsaved) or stored."""
        carer = self._selected_carer()
        self.assessment.setEnabled(carer is not None)
        stored = carer.assessment_status if carer is not None else None
        pending = self.pending_assessments.get(carer.id) if carer is not None else None
        select_code(self.assessment, pending[1] if pending else stored)
        # a recorded assessment can be changed, not un-recorded
        cast(QStandardItemModel, self.assessment.model()).item(0).setEnabled(stored is None)

    def _on_assessment_chosen(self, index: int) -> None:
        carer = self._selected_carer()
        if carer is None:
            return
        status = self.assessment.itemData(index)
        if status == carer.assessment_status or status is None:
            self.pending_assessments.pop(carer.id, None)
        else:
            self.pending_assessments[carer.id] = (carer.version, status)
        self.carers_model.set_rows(self.carers_model.rows())  # shows "(unsaved)"
        self.carers_table.selectRow(self.carers_model.rows().index(carer))

    def _on_method_changed(self, _index: int) -> None:
        # the service records a contact via an interpreter as one that used an
        # interpreter, so the box says so too
        via = self.method.currentData() == "interpreter"
        if via == self.interpreter.isEnabled():  # entering or leaving "via interpreter"
            if via:
                self._interpreter_ticked = self.interpreter.isChecked()
            self.interpreter.setChecked(via or self._interpreter_ticked)
        self.interpreter.setEnabled(not via)

    def _carer_typed(self) -> bool:
        texts = (self.carer_name, self.carer_relationship, self.carer_contact, self.carer_language)
        boxes = (self.carer_main, self.carer_consent, self.carer_interpreter)
        return any(w.text().strip() for w in texts) or any(b.isChecked() for b in boxes)

    def _contact_typed(self) -> bool:
        texts = (self.agreed, self.next_due)
        return (
            bool(self.with_whom.currentText().strip() or self.discussed.toPlainText().strip())
            or any(w.text().strip() for w in texts)
            or (self.interpreter.isChecked() and self.interpreter.isEnabled())
        )

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self._carer_typed():  # a half-filled carer is refused, never dropped
            out["new_carers"] = (
                NewCarer(
                    self.carer_name.text(),
                    self.carer_relationship.text() or None,
                    self.carer_contact.text() or None,
                    self.carer_main.isChecked(),
                    self.carer_consent.isChecked(),
                    self.carer_language.text() or None,
                    self.carer_interpreter.isChecked(),
                ),
            )
        text = self.with_whom.currentText().strip()
        if self._contact_typed():
            idx = self.with_whom.findText(text)
            carer_id = self.with_whom.itemData(idx) if idx >= 0 else None
            out["new_contacts"] = (
                NewContact(
                    contact_at=self.contact_at.text(),
                    with_whom=text,
                    method=self.method.currentData(),
                    discussed=self.discussed.toPlainText(),
                    carer_id=carer_id,
                    interpreter_used=self.interpreter.isChecked(),
                    agreed=self.agreed.text() or None,
                    next_contact_due=self.next_due.text() or None,
                ),
            )
        if self.pending_assessments:
            out["assessments"] = tuple(
                (cid, version, status)
                for cid, (version, status) in self.pending_assessments.items()
            )
        return out
