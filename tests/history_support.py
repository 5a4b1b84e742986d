"""Helpers for the history tests: the clock set to a chosen instant, and the check
that every spell's history ends in the values the spell holds now."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.facts import SPELL_FACTS
from discharge_hub.models import Placement, Spell, SpellFact
from discharge_hub.models.fact import PLACEMENT


@contextmanager
def clock_at(when: datetime) -> Iterator[datetime]:
    """The program's clock standing still at ``when`` (naive: UK wall-clock time) inside
    the block: every stamp written there is exactly that instant."""
    with clock.frozen(clock.as_utc(when), tick=False) as moment:
        yield moment


def open_facts(db: Database) -> dict[tuple[int, str, int | None], tuple[Any, ...]]:
    """The value each fact holds now, by (spell, kind, placement)."""
    with db.read() as s:
        rows = s.scalars(select(SpellFact).where(SpellFact.valid_to.is_(None))).all()
        return {(f.spell_id, f.kind, f.placement_id): _value(f, f.kind) for f in rows}


def _value(obj: Any, kind: str) -> tuple[Any, ...]:
    if kind == PLACEMENT:
        return (obj.state,)
    return tuple(getattr(obj, column) for _attr, column in SPELL_FACTS[kind])


def assert_history_matches_now(db: Database) -> None:
    """Every spell's and placement's open facts equal the values the rows hold now,
    and the history has no overlapping or gapped values."""
    held = open_facts(db)
    with db.read() as s:
        for spell in s.scalars(select(Spell)):
            for kind, pairs in SPELL_FACTS.items():
                now = tuple(getattr(spell, attr) for attr, _column in pairs)
                nothing = tuple(None for _ in pairs)  # never set: no fact at all
                assert held.get((spell.id, kind, None), nothing) == now, (spell.id, kind)
        for p in s.scalars(select(Placement)):
            assert held.get((p.spell_id, PLACEMENT, p.id)) == (p.state,), (p.id, p.state)
        _assert_chained(s.scalars(select(SpellFact)).all())


def _assert_chained(rows: Any) -> None:
    by_key: dict[tuple[int, str, int | None], list[SpellFact]] = {}
    for f in rows:
        by_key.setdefault((f.spell_id, f.kind, f.placement_id), []).append(f)
    for key, facts in by_key.items():
        facts.sort(key=lambda f: (f.valid_from, f.id))
        for this, after in zip(facts, facts[1:], strict=False):
            assert this.valid_to == after.valid_from, key
        assert facts[-1].valid_to is None, key
