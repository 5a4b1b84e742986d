"""The import's live-refresh announcement (issue 9): the bulk write bypasses the ORM
flush that :mod:`discharge_hub.changes` listens to, so it announces what it changed
itself, in its own transaction (delivered only if it commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from discharge_hub import changes
from discharge_hub.importer.plan import Plan
from discharge_hub.importer.snapshot import chunks
from discharge_hub.models import Bed, Patient, Spell, Ward


def announce(conn: Connection, plan: Plan, resolve: Callable[[Any], Any]) -> None:
    """The live-refresh announcement the services' flushes would have made (one per
    committed import, :mod:`discharge_hub.changes`): the spells touched, or everything
    when wards were created or more than ``changes.MAX_SPELLS`` spells changed."""
    spell_ids: set[int] = set()
    patient_ids: set[int] = set()
    everything = bool(plan.new[Ward])
    for rec in [*(r for recs in plan.new.values() for r in recs), *plan.updated]:
        if rec.model is Bed and rec.is_new:
            continue  # a new bed arrives with the spell moved into it (as changes._note)
        if rec.model is Spell:
            spell_ids.add(int(resolve(rec)))
        elif rec.model is Patient:
            if not rec.is_new:
                patient_ids.add(int(resolve(rec)))
        elif rec.spell is not None:
            spell_ids.add(int(resolve(rec.spell)))
        else:
            everything = True
    for part in chunks(sorted(patient_ids)):
        spell_ids.update(conn.scalars(select(Spell.id).where(Spell.patient_id.in_(part))))
    if everything or len(spell_ids) > changes.MAX_SPELLS:
        changes.announce(conn, changes.Change(all=True))
    elif spell_ids:
        changes.announce(conn, changes.Change(frozenset(spell_ids)))
