"""The plan tab: EDD (with history and a reason), criteria to reside, pathway and hub
referral, delay reason, next action, Red2Green (today or yesterday, and the last 14
days as a strip)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.display.people import person_name
from discharge_hub.errors import ValidationError
from discharge_hub.reports.red2green import strip_from
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.workspace import CtrEntry, Red2GreenEntry, SpellDetail
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
from discharge_hub.ui.workspace.red2green import Red2GreenStrip
from discharge_hub.validators import parse_date

EDD_COLUMNS = (
    ("Changed", lambda c: fmt.uk_datetime(c.changed_at)),
    ("From", lambda c: fmt.uk_date(c.old_edd, "—")),
    ("To", lambda c: fmt.uk_date(c.new_edd)),
    ("By", lambda c: person_name(c.changed_by)),
    ("Why", lambda c: c.reason),
)


class CriterionLabel(QLabel):
    """A criterion's whole wording beside its check-box, wrapped to the room there is
    (a QCheckBox cannot wrap its text: long criteria were cut short with "…"). A click
    on the wording ticks the box, as a click on a check-box's own text does."""

    def __init__(self, text: str, box: QCheckBox) -> None:
        super().__init__(text)
        self.box = box
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # as setWordWrap set it: layouts ask the height
        self.setSizePolicy(policy)
        # the first line level with the box's own text (the box is the taller)
        top = max(0, (box.sizeHint().height() - self.fontMetrics().height()) // 2)
        self.setContentsMargins(0, top, 0, 0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.box.isEnabled():
            self.box.setFocus(Qt.FocusReason.MouseFocusReason)
            self.box.click()
        event.accept()


class CriteriaPicker(QWidget):
    """The reviewer's answer: still meets (tick the criteria that apply) or no longer
    meets. Shows the last review's answer; with no review, neither is chosen."""

    edited = Signal()  # the user clicked a choice or a criterion

    def __init__(self) -> None:
        super().__init__()
        self.meets = QRadioButton("Still meets criteria to reside (tick which apply)")
        self.no_longer = QRadioButton("No longer meets criteria to reside (ready for discharge)")
        self._group = QButtonGroup(self)
        self._group.addButton(self.meets)
        self._group.addButton(self.no_longer)
        self.boxes: dict[str, QCheckBox] = {}
        self.labels: dict[str, CriterionLabel] = {}
        self._grid = QGridLayout()
        # the whole field's width: the criteria's wording wraps in it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.meets)
        layout.addLayout(self._grid)
        layout.addWidget(self.no_longer)
        self.no_longer.toggled.connect(self._on_no_longer_toggled)
        self.meets.clicked.connect(self.edited)
        self.no_longer.clicked.connect(self.edited)

    def set_criteria(self, refs: ReferenceLists) -> None:
        for n, c in enumerate(refs.criteria):
            box = QCheckBox(c.code)
            box.setAccessibleName(f"Criterion {c.code}: {c.label}")
            box.clicked.connect(self._on_box_clicked)
            self.boxes[c.code] = box
            self.labels[c.code] = CriterionLabel(c.label, box)
            self._grid.addWidget(box, n, 0, Qt.AlignmentFlag.AlignTop)
            self._grid.addWidget(self.labels[c.code], n, 1)
        self._grid.setColumnStretch(1, 1)

    def _on_no_longer_toggled(self, on: bool) -> None:
        for code, box in self.boxes.items():
            box.setEnabled(not on)
            self.labels[code].setEnabled(not on)
            if on:
                box.setChecked(False)

    def _on_box_clicked(self, ticked: bool) -> None:
        if ticked:  # a criterion that applies is a "still meets" answer
            self.meets.setChecked(True)
        self.edited.emit()

    def answer(self) -> bool | None:
        """True: still meets; False: no longer meets; None: neither chosen."""
        if self.meets.isChecked():
            return True
        return False if self.no_longer.isChecked() else None

    def criteria(self) -> tuple[str, ...]:
        if self.no_longer.isChecked():
            return ()
        return tuple(code for code, box in self.boxes.items() if box.isChecked())

    def reset(self, meets: bool | None, current: tuple[str, ...]) -> None:
        """Show a stored answer (None: no review yet, neither chosen)."""
        if meets is None:
            self._group.setExclusive(False)  # the only way to uncheck both
            self.meets.setChecked(False)
            self.no_longer.setChecked(False)
            self._group.setExclusive(True)
        else:
            (self.meets if meets else self.no_longer).setChecked(True)
        for code, box in self.boxes.items():
            box.setChecked(code in current)


class PlanTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: SpellDetail | None = None
        self.edd_section = self._edd_section()
        self.ctr_section = self._ctr_section()
        self.pathway_section = self._pathway_section()
        self.r2g_section = self._r2g_section()
        left = QVBoxLayout()
        left.addWidget(self.edd_section)
        left.addWidget(self.pathway_section)
        left.addWidget(self.r2g_section)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.ctr_section)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.sections = [self.edd_section, self.ctr_section, self.pathway_section, self.r2g_section]

    # -- building -------------------------------------------------------------
    def _edd_section(self) -> Section:
        s = Section("Estimated discharge date (EDD)", "edd")
        self.edd = s.add_field("edd", "&EDD", date_edit("EDD"))
        self.edd_reason = s.add_field(
            "reason",
            "Reason for &change",
            line_edit("EDD change reason", "", "required if changed"),
        )
        self.edd_model = RowsModel(EDD_COLUMNS, self)
        self.edd_table = read_only_table("EDD history", self.edd_model)
        self.edd_table.setMaximumHeight(130)
        self.edd_history_label = QLabel("History")
        s.form.addRow(self.edd_history_label, self.edd_table)
        return s

    def _ctr_section(self) -> Section:
        s = Section("Criteria to reside review", "ctr")
        self.ctr_record = QCheckBox("Record a review now")
        self.ctr_record.setAccessibleName("Record a criteria to reside review")
        s.form.addRow(self.ctr_record)
        self.ctr_date = s.add_field("review_date", "Review &date", date_edit("Review date"))
        self.criteria = CriteriaPicker()
        s.add_field("criteria", "Criteria", self.criteria)
        self.drd_label = QLabel()
        self.drd_label.setAccessibleName("Discharge ready date")
        s.form.addRow(QLabel("Discharge ready date"), self.drd_label)
        self.last_review = QLabel()
        s.form.addRow(QLabel("Last review"), self.last_review)
        self.ctr_record.toggled.connect(self._on_ctr_record_toggled)
        self.criteria.edited.connect(lambda: self.ctr_record.setChecked(True))
        return s

    def _pathway_section(self) -> Section:
        s = Section("Pathway, hub referral, delay reason, next action", "pathway")
        self.pathway = s.add_field("pathway", "Path&way", code_combo("Pathway", ()))
        self.referral_state = QLabel()
        s.form.addRow(QLabel("Hub referral"), self.referral_state)
        self.refer = s.add_field(
            "referral", "", QCheckBox("Refer t&o the Integrated Discharge Hub on save")
        )
        self.refer.setAccessibleName("Refer to the hub")
        self.referral_notes = s.add_field("notes", "Referral notes", line_edit("Referral notes"))
        self.referral_notes.setEnabled(False)  # notes are saved with a referral only
        self.refer.toggled.connect(self.referral_notes.setEnabled)
        self.delay_reason = s.add_field(
            "delay_reason", "De&lay reason", code_combo("Delay reason", ())
        )
        self.next_action = s.add_field("next_action", "&Next action", line_edit("Next action"))
        return s

    def _r2g_section(self) -> Section:
        s = Section("Red2Green", "red2green")
        self.r2g_strip = s.add_field("strip", "Last 14 days", Red2GreenStrip())
        self.r2g_day = s.add_field("day", "D&ay", ComboBox())
        self.r2g_day.setAccessibleName("Red2Green day: today or yesterday")
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        self.r2g_none = QRadioButton("Not recorded")
        self.r2g_green = QRadioButton("GREEN – value-adding day")
        self.r2g_red = QRadioButton("RED – waiting")
        group = QButtonGroup(self)
        for b in (self.r2g_none, self.r2g_green, self.r2g_red):
            group.addButton(b)
            box.addWidget(b)
        self.r2g_none.setChecked(True)
        s.add_field("colour", "Colour", row)
        row.setAccessibleName("Red2Green colour of the day")
        self.r2g_reason = s.add_field("reason", "Red day rea&son", line_edit("Red day reason"))
        self.r2g_reason.setEnabled(False)
        self.r2g_red.toggled.connect(self._on_r2g_red_toggled)
        self.r2g_day.currentIndexChanged.connect(self._on_r2g_day_changed)
        self._r2g_day = clock.today()
        self._r2g_loaded: tuple[str | None, str] = (None, "")
        return s

    def set_reference_lists(self, refs: ReferenceLists) -> None:
        fill_codes(self.pathway, refs.pathways, "— not decided —")
        fill_codes(self.delay_reason, refs.delay_reasons, "— none —")
        self.criteria.set_criteria(refs)

    def _on_ctr_record_toggled(self, on: bool) -> None:
        self.ctr_date.setEnabled(on)
        self.criteria.setEnabled(on)
        if not on:  # not recording: the picker shows the stored answer again
            last = (
                self._detail.ctr_reviews[-1] if self._detail and self._detail.ctr_reviews else None
            )
            self.criteria.reset(
                last.meets_criteria if last else None, last.criteria if last else ()
            )

    def _on_r2g_red_toggled(self, red: bool) -> None:
        self.r2g_reason.setEnabled(red)
        if not red:  # a reason belongs to a red day; it does not follow onto another
            self.r2g_reason.clear()

    # -- data -----------------------------------------------------------------
    def load(self, detail: SpellDetail) -> None:
        self._detail = detail
        sp = detail.spell
        self.edd.setText(fmt.ui_date_input(sp.edd))
        self.edd_reason.clear()
        grew = len(detail.edd_history) > self.edd_model.rowCount()
        self.edd_model.set_rows(list(reversed(detail.edd_history)))  # newest first
        if grew:  # a new change is at the top: show it (else keep the place being read)
            self.edd_table.scrollToTop()
        self.ctr_record.setChecked(False)
        self._on_ctr_record_toggled(False)  # shows the last review's answer
        self.ctr_date.setText(fmt.uk_date(clock.today()))
        self.drd_label.setText(self._drd_text(detail))
        self.last_review.setText(self._last_review_text(detail))
        select_code(self.pathway, sp.pathway, unknown_label="not on the pathway list")
        select_code(self.delay_reason, sp.delay_reason, unknown_label="no longer on the list")
        self.next_action.setText(sp.next_action or "")
        self._load_referral(detail)
        self._load_r2g(detail)

    @staticmethod
    def _drd_text(d: SpellDetail) -> str:
        drd = d.spell.discharge_ready_date
        if drd is None:
            return "— (meets criteria or not yet reviewed)"
        delay = d.row.delay_days if d.row else None
        return f"{fmt.long_date(drd)}" + (f" · {fmt.days(delay)} delayed" if delay else "")

    @staticmethod
    def _last_review_text(d: SpellDetail) -> str:
        if not d.ctr_reviews:
            return "None recorded"
        r = d.ctr_reviews[-1]
        status = "meets: " + ", ".join(r.criteria) if r.meets_criteria else "no longer meets"
        return f"{fmt.uk_date(r.review_date)} by {person_name(r.reviewed_by)} ({status})"

    def _load_referral(self, d: SpellDetail) -> None:
        ref = d.open_referral
        if ref is None:
            self.referral_state.setText("Not referred")
        else:
            who = f", accepted by {person_name(ref.accepted_by)}" if ref.accepted_by else ""
            self.referral_state.setText(
                f"{ref.state.upper()} ({ref.pathway}) on {fmt.uk_datetime(ref.referred_at)} "
                f"by {person_name(ref.referred_by)}{who}"
            )
        self.refer.setChecked(False)
        self.refer.setEnabled(ref is None)
        self.referral_notes.clear()
        self.referral_notes.setEnabled(False)

    def _load_r2g(self, d: SpellDetail) -> None:
        """The strip, and the day chooser: today, and yesterday if in hospital then (a
        day's colour can be given on the day or caught up the next day, never later)."""
        today = clock.today()  # the day shown is the day saved, even after midnight
        admitted_on = clock.local_date(d.spell.admitted_at)
        entries = [(e.day, e.colour, e.reason) for e in d.red2green]
        self.r2g_strip.set_days(strip_from(entries, admitted_on, today))
        self.r2g_day.blockSignals(True)
        self.r2g_day.clear()
        for label, day in (("Today", today), ("Yesterday", today - timedelta(days=1))):
            if day >= admitted_on:
                self.r2g_day.addItem(f"{label} ({fmt.uk_date(day)})", day)
        self.r2g_day.blockSignals(False)
        self._show_r2g_day(today)

    def _on_r2g_day_changed(self, _index: int) -> None:
        day = self.r2g_day.currentData()
        if day is not None:
            self._show_r2g_day(day)

    def _show_r2g_day(self, day: date) -> None:
        self._r2g_day = day
        entries = self._detail.red2green if self._detail else ()
        entry = next((e for e in entries if e.day == day), None)
        button = {"green": self.r2g_green, "red": self.r2g_red}.get(
            entry.colour if entry else "", self.r2g_none
        )
        button.setChecked(True)
        self.r2g_reason.setText(entry.reason or "" if entry else "")
        self._r2g_loaded = (entry.colour, entry.reason or "") if entry else (None, "")

    def changes(self) -> dict[str, Any]:
        """The pending edits as WorkspaceChanges keyword arguments."""
        sp = self._detail.spell if self._detail else None
        if sp is None:
            return {}
        out: dict[str, Any] = {}
        if not _same_date(self.edd.text(), sp.edd):
            out["edd"] = self.edd.text()
        if "edd" in out or self.edd_reason.text().strip():
            out["edd_reason"] = self.edd_reason.text()  # a reason alone is refused, not lost
        if self.ctr_record.isChecked():
            out["ctr"] = CtrEntry(
                self.ctr_date.text(), self.criteria.criteria(), meets=self.criteria.answer()
            )
        if self.pathway.currentData() != sp.pathway:
            out.update(pathway_changed=True, pathway=self.pathway.currentData())
        if self.refer.isChecked():
            out.update(refer_to_hub=True, referral_notes=self.referral_notes.text())
        if self.delay_reason.currentData() != sp.delay_reason:
            out.update(delay_reason_changed=True, delay_reason=self.delay_reason.currentData())
        if self.next_action.text().strip() != (sp.next_action or ""):
            out.update(next_action_changed=True, next_action=self.next_action.text())
        r2g = self._r2g_change()
        if r2g is not None:
            out["red2green"] = r2g
        return out

    def _r2g_change(self) -> Red2GreenEntry | None:
        colour = (
            "green" if self.r2g_green.isChecked() else "red" if self.r2g_red.isChecked() else None
        )
        reason = self.r2g_reason.text()
        if (colour, reason.strip()) == self._r2g_loaded:
            return None
        # colour None: "Not recorded" chosen after a colour was saved removes the entry
        return Red2GreenEntry(fmt.uk_date(self._r2g_day), colour, reason or None)


def _same_date(typed: str, stored: date | None) -> bool:
    """Whether the typed text is the stored date (in any accepted spelling)."""
    try:
        return parse_date(typed, "edd") == stored
    except ValidationError:
        return False
