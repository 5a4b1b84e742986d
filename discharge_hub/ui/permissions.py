"""What the signed-in role may not do, hidden or disabled on screen with the reason.

The server refuses it anyway (discharge_hub.access); this spares people from typing a
change they cannot save. Screens ask :class:`discharge_hub.services.people.Permissions`
(Qt-free, ``runner.database.permissions``); this module applies it to the existing
screens. A new screen does the same for its own controls::

    reason = perms.why_not(Action.EDIT_PROVIDERS)
    if reason:
        button.setEnabled(False)
        button.setToolTip(reason)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from discharge_hub.services.people import Action, Permissions

if TYPE_CHECKING:
    from discharge_hub.ui.main_window import MainWindow
    from discharge_hub.ui.workspace.widget import WorkspaceWidget

# Which right each workspace section needs (Section.key → Action).
SECTION_ACTIONS = {
    "edd": Action.EDIT_SPELL,
    "ctr": Action.EDIT_SPELL,
    "pathway": Action.EDIT_SPELL,
    "red2green": Action.EDIT_SPELL,
    "barrier": Action.EDIT_SPELL,
    "discharge": Action.EDIT_SPELL,
    "carer": Action.EDIT_CARER_LOG,
    "contact": Action.EDIT_CARER_LOG,
}
# What a workspace lets each right change, for the note at its top.
WHAT_HERE = {
    Action.EDIT_SPELL: "change the plan, barriers and discharge",
    Action.EDIT_CARER_LOG: "add carers and log contacts (Carers & family)",
}
NOTE_STYLE = (
    "QLabel { background: #eef4fb; color: #003087; border: 1px solid #005EB8; padding: 4px; }"
)


def disable(widget: QWidget, reason: str | None) -> None:
    """Disable ``widget`` with ``reason`` as its tooltip (None: leave it as it is)."""
    if reason is None:
        return
    widget.setEnabled(False)
    widget.setToolTip(reason)


def read_only_note(perms: Permissions, actions: list[Action]) -> str | None:
    """One sentence for the top of a screen: what is read-only here and why."""
    refused = [a for a in actions if not perms.can(a)]
    if not refused:
        return None
    if len(refused) == len(actions):
        return (
            f"Read only. Signed in as {perms.who}: your role may read and print this "
            "record, not change it."
        )
    allowed = [WHAT_HERE[a] for a in actions if a not in refused]
    return f"Partly read only. {perms.why_not(refused[0])} You may {' and '.join(allowed)}."


def apply_to_workspace(ws: WorkspaceWidget, perms: Permissions) -> None:
    """Disable the sections of a patient's workspace the role may not change, and hide
    Save and Discharge when nothing is left to save; again after every (re)load."""

    def apply(*_: object) -> None:
        for section in ws.sections:
            action = SECTION_ACTIONS.get(section.key)
            disable(section, perms.why_not(action) if action else None)
        spell_reason = perms.why_not(Action.EDIT_SPELL)
        disable(ws.barriers.resolve_button, spell_reason)
        disable(ws.discharge_tab.button, spell_reason)
        disable(ws.carers.assessment, perms.why_not(Action.EDIT_CARER_LOG))
        # Social care's own council is checked by the server, placement by placement.
        ws.hub.set_refusals(
            perms.why_not(Action.REQUEST_PLACEMENT),
            perms.why_not(Action.EDIT_PLACEMENT, place=perms.place_code),
        )
        nothing = not any(perms.can(a) for a in set(SECTION_ACTIONS.values()))
        ws.save_button.setVisible(not nothing)
        ws.discharge_tab.button.setVisible(spell_reason is None)

    note_text = read_only_note(perms, [Action.EDIT_SPELL, Action.EDIT_CARER_LOG])
    if note_text is not None:
        note = QLabel(note_text)
        note.setObjectName("permissions_note")
        note.setWordWrap(True)
        note.setStyleSheet(NOTE_STYLE)
        note.setAccessibleName("What you may change")
        cast(QVBoxLayout, ws.layout()).insertWidget(2, note)
    apply()
    ws.loaded.connect(apply)


def apply_to_window(window: MainWindow, perms: Permissions) -> None:
    """Main-window actions: the board round is ward and hub work."""
    reason = perms.why_not(Action.EDIT_SPELL)
    window.round_action.setEnabled(reason is None)
    if reason is not None:
        window.round_action.setToolTip(reason)
        window.round_action.setStatusTip(reason)
