"""Questions asked before a save (issue 10), for the workspace and the board round: an
EDD in the past ("save anyway?"), and the delay reason of a patient the save makes
NCTR, added to the same save."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QWidget

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.services import workspace as ws
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.services.views import SpellView
from discharge_hub.ui import errors
from discharge_hub.ui.hub.dialogs import DelayReasonDialog
from discharge_hub.validators import parse_date


def confirmed(
    parent: QWidget,
    spell: SpellView,
    changes: ws.WorkspaceChanges,
    refs: ReferenceLists,
) -> ws.WorkspaceChanges | None:
    """``changes`` as they are to be saved (with a delay reason chosen here), or None
    when the user goes back to the form (nothing is saved; the form keeps its edits).

    Raises the save's :class:`ValidationError` for a past EDD the save would refuse
    anyway (show it as a refused save): no question is asked about that date."""
    checks = ws.save_checks(spell, changes, today=clock.today())
    if checks.past_edd is not None:
        question = (
            f"This EDD ({dates.uk_date(checks.past_edd)}) is in the past — save anyway?\n\n"
            "The board shows it as passed from the moment it is saved."
        )
        if not errors.ask_yes_no(parent, "EDD in the past", question):
            return None
    if checks.needs_delay_reason:
        assert changes.ctr is not None
        drd = parse_date(changes.ctr.review_date, "review_date")
        code = DelayReasonDialog.ask(parent, refs, dates.uk_date(drd))
        if code is None:
            return None
        changes = replace(changes, delay_reason_changed=True, delay_reason=code)
    return changes
