"""What happens when a workspace save is refused.

* A pathway off the hub while placements are open (``OpenPlacementsError``): ask
  whether to cancel them, with a reason, in the same save.
* A newer version (``ConflictError``): read what changed since the version the user's
  edits were made on. If none of it touches what the user changed, the user's changes
  go on top at once; otherwise the conflict dialog compares them field by field and the
  user keeps theirs, applies theirs-then-mine, or goes back to editing. The form keeps
  every value typed whichever is chosen (a value given up is shown in the notice).
* Anything else: the message next to its field, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from discharge_hub.display.people import person_name
from discharge_hub.errors import ConflictError
from discharge_hub.services import conflicts
from discharge_hub.services import workspace as ws
from discharge_hub.services.placements import (
    STATE_LABELS,
    OpenPlacementsError,
    PlacementCancel,
)
from discharge_hub.ui.errors import route_error
from discharge_hub.ui.hub.dialogs import ReasonDialog
from discharge_hub.ui.workspace.conflict import (
    EDIT,
    MINE,
    THEIRS,
    ConflictDialog,
    MyChange,
    clashing,
    conflict_rows,
    my_changes,
    widgets_for,
)

if TYPE_CHECKING:
    from discharge_hub.ui.widgets import Section
    from discharge_hub.ui.workspace.widget import WorkspaceWidget


class SaveFlow:
    def __init__(self, workspace: WorkspaceWidget) -> None:
        self.w = workspace
        self.resolving = False  # comparing or asking: live refreshes wait until done

    def on_save_failed(self, exc: BaseException) -> None:
        self.w.set_busy(False)
        if isinstance(exc, OpenPlacementsError) and self._offer_cancel(exc):
            return
        if isinstance(exc, ConflictError) and self.w.base is not None:
            self._compare(exc)
            return
        self.show_refusal(exc)

    def show_refusal(self, exc: BaseException) -> None:
        """The message in the banner and next to its field; the form as typed."""
        w = self.w
        w.set_busy(False)
        section: Section | None
        for section in w.sections:
            section.clear_errors()
        section = route_error(exc, w.sections, w.banner)
        if section is not None:
            w.show_tab_of(section)
        note, w.note_after_save = w.note_after_save, None
        if note:
            w.notice.setText(note)
            w.notice.setVisible(True)
        w.save_failed.emit(exc)
        w.after_refusal()

    # -- open placements ----------------------------------------------------------------
    def _offer_cancel(self, exc: OpenPlacementsError) -> bool:
        refs = self.w.refs
        listed = "\n".join(
            f"• {refs.label('service_types', p.service_type)} – "
            f"{STATE_LABELS.get(p.state, p.state).lower()}"
            + (f" ({p.provider})" if p.provider else "")
            for p in exc.placements
        )
        reason = ReasonDialog.ask(
            self.w,
            "Open placements",
            f"Pathway {exc.value} does not go through the hub, but these placements are "
            f"still open:\n{listed}\n\nCancel them in this same save? The reason is kept "
            "with each placement.",
            ok_text="Cancel them and save",
            cancel_text="Keep them (do not save)",
        )
        if reason is None:
            return False
        self.w.save(
            cancel=PlacementCancel(reason, tuple((p.id, p.version) for p in exc.placements))
        )
        return True

    # -- conflicts ----------------------------------------------------------------------
    def _compare(self, exc: ConflictError) -> None:
        w = self.w
        base, spell_id = w.base, w.spell_id
        assert base is not None
        w.set_busy(True)
        self.resolving = True
        w.runner.read(
            "comparing with the newer version",
            lambda s: (
                ws.spell_detail(s, spell_id),
                conflicts.changes_since(
                    s, spell_id=spell_id, version=base.spell.version, audit_mark=base.audit_mark
                ),
            ),
            lambda result: self._resolve(exc, *result),
            self._compare_failed,
        )

    def _compare_failed(self, exc: BaseException) -> None:
        self.resolving = False
        self.show_refusal(exc)

    def _resolve(
        self, exc: ConflictError, fresh: ws.SpellDetail, theirs: conflicts.SpellChanges
    ) -> None:
        w = self.w
        w.set_busy(False)
        assert w.base is not None
        mine = my_changes(w.changes(), w.base, w.refs)
        clash = clashing(theirs, mine)
        choice = MINE
        if clash:
            sp = fresh.spell
            choice = ConflictDialog.ask(
                w, conflict_rows(theirs, mine), f"{sp.family_name.upper()}, {sp.given_name}"
            )
        self.resolving = False
        if choice == THEIRS:
            self._keep_theirs(fresh, theirs, clash)
        elif choice == MINE:
            w.take_fresh(fresh, theirs, rebase=True)
            self._fresh_versions(fresh)
            if clash:  # said once the save is done; both changes are in the History tab
                who = person_name(exc.changed_by) if exc.changed_by else "someone else"
                w.note_after_save = f"Saved yours on top of {who}'s change (see History)."
            w.save()
        else:
            w.take_fresh(fresh, theirs, rebase=True)
            who = person_name(exc.changed_by) if exc.changed_by else "someone else"
            w.banner.setText(
                f"Not saved: {who} saved this patient after you opened it (compare above). "
                "Your edits are kept: change them, or Save again to apply them on top."
            )
            w.banner.setVisible(True)
            w.save_failed.emit(exc)
        w.conflict_resolved.emit(choice if choice in (THEIRS, MINE) else EDIT)
        w.after_refusal()

    def _keep_theirs(
        self, fresh: ws.SpellDetail, theirs: conflicts.SpellChanges, clash: list[MyChange]
    ) -> None:
        w = self.w
        skip = tuple(x for m in clash for x in widgets_for(w.plan, m.key))
        drop = _pending_keys(clash)
        w.take_fresh(fresh, theirs, rebase=True, skip=skip, drop_pending=drop)
        given_up = "; ".join(f"{m.label}: {m.yours}" for m in clash)
        note = f"You kept theirs. Yours, not saved (copy it if needed): {given_up}"
        if w.is_dirty():  # the rest of what the user changed does not clash
            w.note_after_save = note
            self._fresh_versions(fresh)
            w.save()
        else:
            w.notice.setText(note)
            w.notice.setVisible(True)

    def _fresh_versions(self, fresh: ws.SpellDetail) -> None:
        """Pending choices on child records now apply to their current versions."""
        barriers = {b.id: b.version for b in fresh.barriers if b.state == "open"}
        resolved = self.w.barriers.pending_resolved
        for barrier_id in list(resolved):
            if barrier_id in barriers:
                resolved[barrier_id] = barriers[barrier_id]
            else:
                del resolved[barrier_id]  # resolved by them meanwhile
        carers = {c.id: c.version for c in fresh.carers}
        chosen: dict[int, Any] = self.w.carers.pending_assessments
        for carer_id, (_v, status) in list(chosen.items()):
            if carer_id in carers:
                chosen[carer_id] = (carers[carer_id], status)


def _pending_keys(clash: list[MyChange]) -> frozenset[tuple[str, int]]:
    out = set()
    for m in clash:
        kind, _, ident = m.key.partition(":")
        if ident:
            name = "pending_resolved" if kind == "barrier" else "pending_assessments"
            out.add((name, int(ident)))
    return frozenset(out)
