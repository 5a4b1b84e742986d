"""Bring the history of some spells in line with their rows: for code that writes
spells with SQL Core instead of the ORM (a bulk import), which the history listener of
:mod:`discharge_hub.facts` does not see.

Call :func:`sync` with the ids of the spells written, on the same connection, before
the transaction commits. A spell with no history yet gets its facts from its admission
(as an admission through the services would); every other fact whose value differs
from the row gets a new value holding from ``moment``; so does each placement whose
state differs from its last recorded one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from discharge_hub import clock
from discharge_hub.facts import SPELL_FACTS, Fact, write
from discharge_hub.models import Placement, Spell, SpellFact
from discharge_hub.models.fact import LOCATION, PLACEMENT

CHUNK = 500
Held = dict[tuple[int, str, int | None], tuple[Any, ...]]
_ATTRS = [attr for pairs in SPELL_FACTS.values() for attr, _column in pairs]


def sync(conn: Connection, spell_ids: Iterable[int], *, actor: str, moment: datetime) -> int:
    """Write the facts the rows of ``spell_ids`` hold and their history lacks; returns
    how many were written."""
    ids = sorted(set(spell_ids))
    facts: list[Fact] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        held = _held(conn, part)
        facts += _spell_differences(conn, part, held, moment)
        facts += _placement_differences(conn, part, held, moment)
    write(conn, facts, actor=actor, moment=moment)
    return len(facts)


def _held(conn: Connection, spell_ids: list[int]) -> Held:
    """The value each fact of these spells holds now."""
    out: Held = {}
    for f in conn.execute(
        select(SpellFact).where(SpellFact.spell_id.in_(spell_ids), SpellFact.valid_to.is_(None))
    ):
        if f.kind == PLACEMENT:
            value: tuple[Any, ...] = (f.state,)
        else:
            value = tuple(getattr(f, column) for _attr, column in SPELL_FACTS[f.kind])
        out[(f.spell_id, f.kind, f.placement_id)] = value
    return out


def _spell_differences(
    conn: Connection, spell_ids: list[int], held: Held, moment: datetime
) -> list[Fact]:
    columns = [Spell.id, Spell.admitted_at, *(getattr(Spell, a) for a in _ATTRS)]
    out: list[Fact] = []
    for row in conn.execute(select(*columns).where(Spell.id.in_(spell_ids))):
        now = dict(zip(_ATTRS, row[2:], strict=True))
        new = (row.id, LOCATION, None) not in held
        for kind, pairs in SPELL_FACTS.items():
            values = tuple((column, now[attr]) for attr, column in pairs)
            value = tuple(v for _c, v in values)
            was = held.get((row.id, kind, None), tuple(None for _ in pairs))
            if value != was or (new and kind == LOCATION):
                # Where a new spell is holds from its admission (the event's time); what
                # else the write set holds from when it was recorded, as for the services.
                since = clock.as_utc(row.admitted_at) if new and kind == LOCATION else moment
                out.append(Fact(row.id, kind, since, values))
    return out


def _placement_differences(
    conn: Connection, spell_ids: list[int], held: Held, moment: datetime
) -> list[Fact]:
    out: list[Fact] = []
    for pid, spell_id, state in conn.execute(
        select(Placement.id, Placement.spell_id, Placement.state).where(
            Placement.spell_id.in_(spell_ids)
        )
    ):
        if held.get((spell_id, PLACEMENT, pid)) != (state,):
            out.append(Fact(spell_id, PLACEMENT, moment, (("state", state),), pid))
    return out
