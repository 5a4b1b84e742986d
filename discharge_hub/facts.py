"""The effective-dated history of every spell, written with the change that makes it.

Installed on a sessionmaker next to :mod:`discharge_hub.audit`: after every flush, each
change to a spell's location, EDD, DRD, pathway, delay reason or next action, and to
the state of any placement, becomes a :class:`~discharge_hub.models.SpellFact` row in
the same transaction. No service writes history itself, so none can forget it.

When a fact begins (``valid_from``):

- an admission's facts hold from the admission time (``admitted_at``);
- a change holds from the event time its caller gave, if any: :func:`happened_at` for
  one spell (``spells.transfer(..., effective_at=...)``: a feed's transfer time) or
  :func:`effective_at` for everything a block of code changes (a replayed story);
- otherwise from the instant it was recorded (the clock at the flush).

A fact given an event time earlier than the spell's latest value of that fact (a
transfer imported late) is slotted into the past: the value it interrupts ends at
that time and the new one holds until the next later value. Code that writes spells
with SQL Core instead of the ORM (a bulk import) must, in the same transaction, call
:func:`discharge_hub.facts_sync.sync` with the spells it wrote (or pass its changes,
with their event times, to :func:`write`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, bindparam, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from discharge_hub import clock
from discharge_hub.audit import actor_of
from discharge_hub.models import Placement, Spell, SpellFact
from discharge_hub.models.fact import (
    DELAY_REASON,
    DRD,
    EDD,
    LOCATION,
    NEXT_ACTION,
    PATHWAY,
    PLACEMENT,
)

# Each fact of the spell row: kind → (spell attribute, fact column) pairs.
SPELL_FACTS: dict[str, tuple[tuple[str, str], ...]] = {
    LOCATION: (("site_id", "site_id"), ("ward_id", "ward_id"), ("bed_id", "bed_id")),
    EDD: (("edd", "day"),),
    DRD: (("discharge_ready_date", "day"),),
    PATHWAY: (("pathway_code", "pathway_code"),),
    DELAY_REASON: (("delay_reason_id", "delay_reason_id"),),
    NEXT_ACTION: (("next_action", "note"),),
}
_SESSION_AT = "facts.effective_at"
_OPEN = "facts.open"  # session.info: the open facts of the spells written (keep_open_facts)
_SPELL_AT = "facts.happened_at"
CHUNK = 500


@dataclass(frozen=True)
class Fact:
    """One new value of one fact of a spell, holding from ``valid_from``."""

    spell_id: int
    kind: str
    valid_from: datetime
    values: tuple[tuple[str, Any], ...]  # (fact column, value)
    placement_id: int | None = None

    @property
    def key(self) -> tuple[int, str, int | None]:
        return (self.spell_id, self.kind, self.placement_id)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)


@contextmanager
def effective_at(session: Session, when: datetime) -> Iterator[None]:
    """Every fact changed inside the block holds from ``when`` (an event time)."""
    before = session.info.get(_SESSION_AT)
    session.info[_SESSION_AT] = clock.as_utc(when)
    try:
        yield
    finally:
        session.info[_SESSION_AT] = before


@contextmanager
def happened_at(session: Session, spell_id: int, when: datetime) -> Iterator[None]:
    """The changes to this spell's facts flushed inside the block hold from ``when``
    (an event time, e.g. a transfer's time from the PAS)."""
    given = session.info.setdefault(_SPELL_AT, {})
    before = given.get(spell_id)
    given[spell_id] = clock.as_utc(when)
    try:
        yield
    finally:
        if before is None:
            given.pop(spell_id, None)
        else:
            given[spell_id] = before


def _when(session: Session, spell_id: int, moment: datetime) -> datetime:
    given = session.info.get(_SPELL_AT, {}).get(spell_id)
    return given or session.info.get(_SESSION_AT) or moment


def spell_facts(
    spell: Spell,
    since: datetime,
    kinds: Sequence[str] = tuple(SPELL_FACTS),
    *,
    admitted: bool = False,
) -> list[Fact]:
    """The facts of ``kinds`` as the spell row holds them now. At ``admitted``, a fact
    with no value yet (no EDD...) is left out rather than recorded as empty."""
    out = []
    for kind in kinds:
        values = tuple((column, getattr(spell, attr)) for attr, column in SPELL_FACTS[kind])
        if not admitted or kind == LOCATION or any(v is not None for _, v in values):
            out.append(Fact(spell.id, kind, since, values))
    return out


def _changed_kinds(spell: Spell) -> list[str]:
    state = inspect(spell)
    changed = []
    for kind, pairs in SPELL_FACTS.items():
        for attr, _column in pairs:
            hist = state.attrs[attr].history
            old = hist.deleted[0] if hist.deleted else None
            if hist.added and hist.added[0] != old:
                changed.append(kind)
                break
    return changed


def _placement_fact(placement: Placement, since: datetime) -> Fact | None:
    """A new or changed placement state (None: its state did not change)."""
    state = inspect(placement)
    if state.persistent and not state.attrs["state"].history.has_changes():
        return None
    return _placement_state(placement, since, placement.state)


def _placement_state(placement: Placement, since: datetime, value: str | None) -> Fact:
    """The placement's state from ``since`` (None: the placement is gone)."""
    return Fact(placement.spell_id, PLACEMENT, since, (("state", value),), placement.id)


def collect(session: Session, moment: datetime) -> list[Fact]:
    """The facts this flush changed."""
    facts: list[Fact] = []
    for obj in session.new:
        if isinstance(obj, Spell):
            facts += spell_facts(obj, clock.as_utc(obj.admitted_at), admitted=True)
        elif isinstance(obj, Placement):
            fact = _placement_fact(obj, _when(session, obj.spell_id, moment))
            facts += [fact] if fact else []
    for obj in session.dirty:
        if isinstance(obj, Spell):
            kinds = _changed_kinds(obj)
            facts += spell_facts(obj, _when(session, obj.id, moment), kinds) if kinds else []
        elif isinstance(obj, Placement):
            fact = _placement_fact(obj, _when(session, obj.spell_id, moment))
            facts += [fact] if fact else []
    for obj in session.deleted:
        if isinstance(obj, Placement):
            facts.append(_placement_state(obj, _when(session, obj.spell_id, moment), None))
    return facts


def _after_flush(session: Session, _ctx: Any) -> None:
    if not (session.new or session.dirty or session.deleted):
        return
    moment = clock.now()
    facts = collect(session, moment)
    if not facts:
        return
    known = session.info.get(_OPEN)
    if known is not None:  # a spell admitted in this flush has no history yet
        for obj in session.new:
            if isinstance(obj, Spell):
                known.setdefault(obj.id, {})
    write(session.connection(), facts, actor=actor_of(session), moment=moment, known=known)


def keep_open_facts(session: Session) -> None:
    """Remember, for this session, the open fact of every key of the spells it writes,
    instead of reading them before each flush's history is written: for a unit of work
    of many flushes that alone writes these spells' history. Code of that
    session that changes ``spell_fact`` rows with SQL must call :func:`forget_open`."""
    session.info.setdefault(_OPEN, {})


def forget_open(session: Session, spell_id: int) -> None:
    """The spell's open facts are read again before its next history is written."""
    known = session.info.get(_OPEN)
    if known is not None:
        known.pop(spell_id, None)


# --- writing -------------------------------------------------------------------------

_Key = tuple[int, str, int | None]
Known = dict[int, dict[_Key, tuple[int, datetime]]]


def write(
    conn: Connection,
    facts: Sequence[Fact],
    *,
    actor: str,
    moment: datetime,
    known: Known | None = None,
) -> None:
    """Add ``facts`` to the history: each ends the value it replaces. Several facts of
    the same key are applied in time order. ``known``: the open facts of spells already
    read (see :func:`keep_open_facts`), kept up to date here."""
    ordered = sorted(facts, key=lambda f: (f.key[0], f.key[1], f.key[2] or 0, f.valid_from))
    spell_ids = sorted({f.spell_id for f in ordered})
    current = _open_facts_known(conn, spell_ids, known)
    closes: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    late: list[Fact] = []
    for key, grouped in groupby(ordered, key=lambda f: f.key):
        group = list(grouped)
        open_id, open_from = current.get(key, (None, None))
        chain = [f for f in group if open_from is None or f.valid_from >= open_from]
        late += [f for f in group if open_from is not None and f.valid_from < open_from]
        if chain and open_id is not None:
            closes.append({"fact_id": open_id, "ends": chain[0].valid_from})
        ends = [f.valid_from for f in chain[1:]] + [None]
        inserts += [_row(f, end, actor, moment) for f, end in zip(chain, ends, strict=False)]
    new_ids = _apply(conn, closes, inserts, returning=known is not None)
    if known is not None:
        for row, row_id in zip(inserts, new_ids, strict=True):
            if row["valid_to"] is None:  # the chain's last: now the open one of its key
                key = (row["spell_id"], row["kind"], row["placement_id"])
                known[row["spell_id"]][key] = (row_id, row["valid_from"])
    for fact in late:
        _write_late(conn, fact, actor=actor, moment=moment)
        if known is not None:
            known.pop(fact.spell_id, None)


def _open_facts_known(
    conn: Connection, spell_ids: list[int], known: Known | None
) -> dict[_Key, tuple[int, datetime]]:
    if known is None:
        return _open_facts(conn, spell_ids)
    missing = [s for s in spell_ids if s not in known]
    if missing:
        for spell_id in missing:
            known[spell_id] = {}
        for key, value in _open_facts(conn, missing).items():
            known[key[0]][key] = value
    return {k: v for s in spell_ids for k, v in known[s].items()}


def _row(fact: Fact, valid_to: datetime | None, actor: str, moment: datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_VALUE_COLUMNS)
    row.update(fact.values)
    row.update(
        spell_id=fact.spell_id,
        kind=fact.kind,
        placement_id=fact.placement_id,
        valid_from=fact.valid_from,
        valid_to=valid_to,
        recorded_at=moment,
        recorded_by=actor,
    )
    return row


_VALUE_COLUMNS = ("site_id", "ward_id", "bed_id", "day", "pathway_code", "delay_reason_id",
                  "state", "note")  # fmt: skip


def _open_facts(
    conn: Connection, spell_ids: list[int]
) -> dict[tuple[int, str, int | None], tuple[int, datetime]]:
    out: dict[tuple[int, str, int | None], tuple[int, datetime]] = {}
    for start in range(0, len(spell_ids), CHUNK):
        rows = conn.execute(
            select(
                SpellFact.id,
                SpellFact.spell_id,
                SpellFact.kind,
                SpellFact.placement_id,
                SpellFact.valid_from,
            ).where(
                SpellFact.spell_id.in_(spell_ids[start : start + CHUNK]),
                SpellFact.valid_to.is_(None),
            )
        )
        for fact_id, spell_id, kind, placement_id, since in rows:
            out[(spell_id, kind, placement_id)] = (fact_id, since)
    return out


def _apply(
    conn: Connection,
    closes: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    *,
    returning: bool = False,
) -> list[int]:
    """Close and insert; with ``returning``, the new rows' ids in the order given."""
    if closes:
        stmt = (
            update(SpellFact)
            .where(SpellFact.id == bindparam("fact_id"))
            .values(valid_to=bindparam("ends"))
        )
        conn.execute(stmt, closes)
    if not inserts:
        return []
    if not returning:
        conn.execute(insert(SpellFact), inserts)
        return []
    stmt_ids = insert(SpellFact).returning(SpellFact.id, sort_by_parameter_order=True)
    return [int(row_id) for row_id in conn.execute(stmt_ids, inserts).scalars()]


def _same_key(fact: Fact) -> list[Any]:
    placement = (
        SpellFact.placement_id.is_(None)
        if fact.placement_id is None
        else SpellFact.placement_id == fact.placement_id
    )
    return [SpellFact.spell_id == fact.spell_id, SpellFact.kind == fact.kind, placement]


def _write_late(conn: Connection, fact: Fact, *, actor: str, moment: datetime) -> None:
    """A fact that began before the latest value of its kind: it interrupts the value
    that held at its time and lasts until the next value already recorded."""
    at = fact.valid_from
    holding = conn.scalar(
        select(SpellFact.id)
        .where(*_same_key(fact), SpellFact.valid_from <= at)
        .where((SpellFact.valid_to.is_(None)) | (SpellFact.valid_to > at))
        .order_by(SpellFact.valid_from.desc(), SpellFact.id.desc())
        .limit(1)
    )
    following = conn.scalar(
        select(func.min(SpellFact.valid_from)).where(*_same_key(fact), SpellFact.valid_from > at)
    )
    closes = [{"fact_id": holding, "ends": at}] if holding is not None else []
    _apply(conn, closes, [_row(fact, following, actor, moment)])


def started(session: Session, spell_id: int, kind: str) -> datetime | None:
    """When the spell's current value of ``kind`` began (None: no value yet)."""
    return session.scalar(
        select(func.max(SpellFact.valid_from)).where(
            SpellFact.spell_id == spell_id, SpellFact.kind == kind, SpellFact.valid_to.is_(None)
        )
    )


def record_past_location(
    session: Session, spell_id: int, when: datetime, site: Any, ward: Any, bed: Any
) -> None:
    """A move that happened before the latest recorded one: history only."""
    values = (("site_id", site.id), ("ward_id", ward.id), ("bed_id", bed.id if bed else None))
    fact = Fact(spell_id, LOCATION, clock.as_utc(when), values)
    write(session.connection(), [fact], actor=actor_of(session), moment=clock.now())
