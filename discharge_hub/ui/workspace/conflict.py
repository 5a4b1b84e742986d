"""Conflicts resolved, not retyped: when a save meets a newer version of the patient,
the dialog lists field by field the value the user opened, theirs (who and when, from
:func:`~discharge_hub.services.conflicts.changes_since`) and the user's own, and offers
"keep theirs", "apply mine on top of theirs" (only the fields the user changed) and
"go back to editing". The comparison here is plain data, tested without a window."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from discharge_hub.display.labels import code_and_label, code_label
from discharge_hub.display.people import person_name
from discharge_hub.services.conflicts import FieldChange, SpellChanges
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.workspace import SpellDetail, WorkspaceChanges
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.queue_model import Col, QueueModel, QueueTable

THEIRS, MINE, EDIT = "theirs", "mine", "edit"
NOT_CHANGED = "— not changed —"

FIELD_LABELS = {
    "edd": "EDD",
    "pathway": "Pathway",
    "delay_reason": "Delay reason",
    "next_action": "Next action",
    "discharge_ready_date": "Discharge ready date",
    "ward": "Ward",
    "site": "Site",
    "bed": "Bed",
    "discharged_at": "Discharged",
    "destination": "Destination",
    "method": "Discharge method",
    "specialty": "Specialty",
}
ENTITY_LABELS = {
    "placement": "Placement",
    "hub_referral": "Hub referral",
    "barrier": "Barrier",
    "carer": "Carer",
    "carer_contact": "Contact log",
    "ctr_review": "Criteria to reside review",
    "ctr_review_criterion": "Criteria to reside review",
    "edd_change": "EDD history",
    "red2green_day": "Red2Green",
    "patient": "Patient",
}


# The spell's coded fields (by SpellView name) and their code lists.
CODED_FIELDS = {
    "pathway": "pathway",
    "delay_reason": "delay_reason",
    "destination": "destination",
    "method": "method",
}


def shown(value: str | None, field: str | None = None) -> str:
    """An audit value as the user reads it: ISO dates and instants in UK form, a code
    with its label."""
    if value is None or value == "":
        return "(empty)"
    if field in CODED_FIELDS:
        return code_and_label(CODED_FIELDS[field], value)
    try:
        if len(value) == 10:
            return fmt.uk_date(date.fromisoformat(value))
        if len(value) > 10 and value[4] == "-" and value[10] in "T ":
            return fmt.uk_datetime(datetime.fromisoformat(value))
    except ValueError:
        pass
    return value


_DONE = {"insert": "added", "delete": "removed"}


def change_label(c: FieldChange) -> str:
    """One change as the dialog lists it: a field, or a record added or removed."""
    if c.entity == "spell":
        return FIELD_LABELS.get(c.field or "", (c.field or "").replace("_", " ").capitalize())
    entity = ENTITY_LABELS.get(c.entity, c.entity.replace("_", " ").capitalize())
    if c.field is None or c.action in _DONE:
        return f"{entity} {_DONE.get(c.action, 'changed')}"
    return f"{entity}: {c.field.replace('_', ' ')}"


def summary_label(c: FieldChange) -> str:
    """One change in a sentence of several: a field, or a record added/changed/removed."""
    if c.entity == "spell":
        return change_label(c)
    entity = ENTITY_LABELS.get(c.entity, c.entity.replace("_", " ").capitalize())
    return f"{entity} {_DONE.get(c.action, 'changed')}"


# Bookkeeping the service sets with a change (not something a user changed).
HIDDEN_FIELDS = frozenset({"state_changed_at", "updated_at", "updated_by", "version"})


def shown_changes(theirs: SpellChanges) -> list[FieldChange]:
    """Their changes, a record added or removed once (not once per field)."""
    out, seen = [], set()
    for c in [*theirs.fields, *theirs.records]:
        if c.field in HIDDEN_FIELDS:
            continue
        if c.entity != "spell" and c.action in _DONE:
            if (c.entity, c.entity_id) in seen:
                continue
            seen.add((c.entity, c.entity_id))
        out.append(c)
    return out


@dataclass(frozen=True)
class MyChange:
    """One thing the user changed, and what of theirs it clashes with: spell fields,
    child records by table, or one record (table, id)."""

    key: str  # the form's name for it ("edd", "ctr", "barrier:12", ...)
    label: str
    opened: str
    yours: str
    fields: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    records: frozenset[tuple[str, int]] = frozenset()

    def clashes(self, c: FieldChange) -> bool:
        if c.entity == "spell":
            return c.field in self.fields
        return c.entity in self.entities or (c.entity, c.entity_id or 0) in self.records


def _label(refs: ReferenceLists | None, kind: str, code: str | None) -> str:
    if code is None:
        return "(empty)"
    return f"{code} – {refs.label(kind, code)}" if refs else code


def my_changes(
    c: WorkspaceChanges, base: SpellDetail, refs: ReferenceLists | None
) -> list[MyChange]:
    """The user's pending changes, each with the value they opened."""
    sp, out = base.spell, []
    if c.edd is not None:
        yours = c.edd + (f" (why: {c.edd_reason})" if c.edd_reason else "")
        out.append(
            MyChange("edd", "EDD", fmt.uk_date(sp.edd, "(empty)"), yours, frozenset({"edd"}))
        )
    if c.ctr is not None:
        answer = (
            "no longer meets" if c.ctr.meets is False else "meets: " + ", ".join(c.ctr.criteria)
        )
        out.append(
            MyChange(
                "ctr",
                "Criteria to reside review",
                fmt.uk_date(sp.discharge_ready_date, "no DRD"),
                answer,
                frozenset({"discharge_ready_date"}),
                frozenset({"ctr_review", "ctr_review_criterion"}),
            )
        )
    for key, changed, value, kind in (
        ("pathway", c.pathway_changed, c.pathway, "pathways"),
        ("delay_reason", c.delay_reason_changed, c.delay_reason, "delay_reasons"),
    ):
        if changed:
            was = getattr(sp, key)
            out.append(
                MyChange(
                    key,
                    FIELD_LABELS[key],
                    _label(refs, kind, was),
                    _label(refs, kind, value),
                    frozenset({key}),
                )
            )
    if c.next_action_changed:
        out.append(
            MyChange(
                "next_action",
                "Next action",
                sp.next_action or "(empty)",
                (c.next_action or "").strip() or "(empty)",
                frozenset({"next_action"}),
            )
        )
    if c.refer_to_hub:
        out.append(
            MyChange(
                "referral",
                "Hub referral",
                "not referred",
                "refer to the hub",
                entities=frozenset({"hub_referral"}),
            )
        )
    if c.red2green is not None:
        out.append(
            MyChange(
                "red2green",
                "Red2Green today",
                "",
                (c.red2green.colour or "not recorded").upper(),
                entities=frozenset({"red2green_day"}),
            )
        )
    for barrier_id, _v in c.resolved_barriers:
        out.append(
            MyChange(
                f"barrier:{barrier_id}",
                "Barrier",
                "open",
                "resolved",
                records=frozenset({("barrier", barrier_id)}),
            )
        )
    for carer_id, _v, status in c.assessments:
        out.append(
            MyChange(
                f"carer:{carer_id}",
                "Carer's assessment",
                "",
                code_label("assessment_status", status),
                records=frozenset({("carer", carer_id)}),
            )
        )
    return out


def clashing(theirs: SpellChanges, mine: list[MyChange]) -> list[MyChange]:
    """The user's changes that something of theirs also changed."""
    every = [*theirs.fields, *theirs.records]
    return [m for m in mine if any(m.clashes(c) for c in every)]


def clash_text(theirs: SpellChanges, mine: list[MyChange], *, rebased: bool = False) -> str:
    """For the notice after a refresh: what the user changed that they changed too."""
    parts = []
    for m in clashing(theirs, mine):
        c = next(c for c in shown_changes(theirs) if m.clashes(c))
        value = (
            shown(c.new_value, c.field) if c.action == "update" else _DONE.get(c.action, "changed")
        )
        parts.append(f"{m.label} (theirs: {value!r}; yours is kept in the form)")
    if not parts:
        return ""
    then = "Save puts yours on top" if rebased else "Saving will ask which to keep"
    return "You changed it too: " + "; ".join(parts) + f". {then}."


@dataclass(frozen=True)
class ConflictRow:
    what: str
    opened: str
    theirs: str
    who: str
    yours: str
    both: bool


def conflict_rows(theirs: SpellChanges, mine: list[MyChange]) -> list[ConflictRow]:
    """Field by field: theirs (with yours where you changed it too), then yours alone."""
    rows, used = [], set()
    for c in shown_changes(theirs):
        match = next((m for m in mine if m.clashes(c)), None)
        if match is not None:
            used.add(match.key)
        who = f"{person_name(c.changed_by)}, {fmt.uk_datetime(c.changed_at)}"
        field = c.field if c.entity == "spell" else None
        opened = shown(c.old_value, field) if c.action == "update" else "(none)"
        new = shown(c.new_value, field) if c.action == "update" else _DONE.get(c.action, "")
        rows.append(
            ConflictRow(
                change_label(c),
                opened,
                new,
                who,
                match.yours if match else NOT_CHANGED,
                match is not None,
            )
        )
    for m in mine:
        if m.key not in used:
            rows.append(ConflictRow(m.label, m.opened, NOT_CHANGED, "", m.yours, False))
    return rows


_BOTH = QBrush(QColor("#ffd6d6"))
COLUMNS = (
    Col("What", lambda r: r.what + (" (BOTH CHANGED)" if r.both else "")),
    Col("As you opened it", lambda r: r.opened),
    Col("Theirs", lambda r: r.theirs, background=lambda r: _BOTH if r.both else None),
    Col("Yours", lambda r: r.yours, background=lambda r: _BOTH if r.both else None),
    Col("Theirs saved by", lambda r: r.who),
)


class ConflictDialog(QDialog):
    def __init__(self, parent: QWidget | None, rows: list[ConflictRow], patient: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Someone else saved this patient first")
        self.setAccessibleName("Save conflict")
        self.choice = EDIT
        both = sum(r.both for r in rows)
        clash = "1 thing you changed was" if both == 1 else f"{both} things you changed were"
        intro = QLabel(
            f"<b>{html.escape(patient)}</b> was changed by someone else after you opened it. "
            f"{clash} changed by them too (marked BOTH CHANGED). Nothing you typed is lost "
            "whichever you choose."
        )
        intro.setWordWrap(True)
        self.model = QueueModel(COLUMNS, key=id, order=lambda _r: 0, parent=self)
        self.table = QueueTable(self.model, "Their changes and yours")
        self.model.set_rows(rows)  # after the table: its columns fit the texts
        buttons = QDialogButtonBox()
        for text, choice, name in (
            ("Keep &theirs", THEIRS, "Keep theirs"),
            ("&Apply mine on top of theirs", MINE, "Apply mine on top of theirs"),
            ("&Go back to editing", EDIT, "Go back to editing"),
        ):
            b = buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
            b.setAccessibleName(name)
            b.setDefault(choice == EDIT)  # Enter by habit changes nothing
            b.setAutoDefault(choice == EDIT)
            b.clicked.connect(lambda _=False, c=choice: self.choose(c))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1100, min(520, 190 + 28 * len(rows)))

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, rows: list[ConflictRow], patient: str) -> str:
        """THEIRS, MINE or EDIT (Esc: back to editing)."""
        dialog = cls(parent, rows, patient)
        return dialog.choice if dialog.exec() == QDialog.DialogCode.Accepted else EDIT


def widgets_for(plan: Any, key: str) -> list[Any]:
    """The plan tab's inputs holding one of the user's changes (to show theirs there)."""
    names = {
        "edd": ("edd", "edd_reason"),
        "ctr": ("ctr_record", "ctr_date"),
        "pathway": ("pathway",),
        "delay_reason": ("delay_reason",),
        "next_action": ("next_action",),
        "referral": ("refer", "referral_notes"),
        "red2green": ("r2g_none", "r2g_green", "r2g_red", "r2g_reason"),
    }.get(key, ())
    found = [getattr(plan, n) for n in names if hasattr(plan, n)]
    criteria = getattr(plan, "criteria", None)
    if key == "ctr" and criteria is not None:
        found += [criteria.meets, criteria.no_longer, *criteria.boxes.values()]
    return found
