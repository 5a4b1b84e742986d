"""What the ORM's session events do for the services, done by the bulk import itself:
its write bypasses the flush that :mod:`discharge_hub.facts` (history, issue 11) and
:mod:`discharge_hub.changes` (live refresh, issue 9) listen to, so it writes the
history of the spells it touched and announces them, in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from discharge_hub import changes, facts_sync
from discharge_hub.importer.plan import Plan
from discharge_hub.importer.snapshot import chunks
from discharge_hub.models import Bed, Patient, Spell, Ward


def touched_spells(
    conn: Connection, plan: Plan, resolve: Callable[[Any], Any]
) -> tuple[set[int], bool]:
    """The spells the plan changed (ids resolved), and whether it changed something
    every board shows (new wards), as the services' flushes would have noted them."""
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
    return spell_ids, everything


def after_write(
    conn: Connection, plan: Plan, resolve: Callable[[Any], Any], moment: datetime
) -> None:
    """In the import's transaction, what the ORM's session events do for the services:
    the history of the spells it touched (:mod:`discharge_hub.facts_sync`) and the
    live-refresh announcement (:mod:`discharge_hub.changes`)."""
    spell_ids, everything = touched_spells(conn, plan, resolve)
    facts_sync.sync(conn, spell_ids, actor=plan.actor, moment=moment)
    if everything or len(spell_ids) > changes.MAX_SPELLS:
        changes.announce(conn, changes.Change(all=True))
    elif spell_ids:
        changes.announce(conn, changes.Change(frozenset(spell_ids)))
