"""The spells' board summaries (discharge_hub/summaries.py) equal what the child rows
say after any sequence of the services that change those rows; ``db check`` finds a
summary broken by raw SQL and ``--repair`` mends it."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from discharge_hub import summaries
from discharge_hub.db import Database
from discharge_hub.errors import DomainError
from discharge_hub.models import Barrier, Carer, CarerContact, Placement, Spell
from discharge_hub.services import board, care, hub, placements, spells
from tests.cli.conftest import run_cli, run_here
from tests.conftest import admitted, in_hours
from tests.core_support import add_provider, admit, days, on_pathway


@dataclass(frozen=True)
class Summary:
    placement_state: str | None
    carer_count: int
    last_carer_contact_at: datetime | None
    open_barrier_count: int
    next_open_barrier: str | None


def expected(s: Session, spell_id: int) -> Summary:
    """What the child rows say, computed in Python (not with the summaries' own SQL)."""
    ps = s.scalars(select(Placement).where(Placement.spell_id == spell_id)).all()
    carers = s.scalars(select(Carer).where(Carer.spell_id == spell_id)).all()
    contacts = s.scalars(select(CarerContact).where(CarerContact.spell_id == spell_id)).all()
    open_ = [
        b
        for b in s.scalars(select(Barrier).where(Barrier.spell_id == spell_id))
        if b.state == "open"
    ]
    latest = max(ps, key=lambda p: (p.state_changed_at, p.id), default=None)
    nxt = min(open_, key=lambda b: (b.due_date is None, b.due_date or date.min, b.id), default=None)
    return Summary(
        latest.state if latest else None,
        len(carers),
        max((c.contact_at for c in contacts), default=None),
        len(open_),
        nxt.description if nxt else None,
    )


def stored(s: Session, spell_id: int) -> Summary:
    row = s.execute(
        select(
            Spell.__table__.c.placement_state,
            Spell.__table__.c.carer_count,
            Spell.__table__.c.last_carer_contact_at,
            Spell.__table__.c.open_barrier_count,
            Spell.__table__.c.next_open_barrier,
        ).where(Spell.id == spell_id)
    ).one()
    return Summary(*row)


# One step: (operation, which spell, a number that picks the target and its values).
OPERATIONS = (
    "add_barrier",
    "resolve_barrier",
    "add_carer",
    "assess_carer",
    "log_contact",
    "request_placement",
    "advance_placement",
    "leave_hub",
    "back_to_hub",
    "transfer",
)
STEPS = st.lists(
    st.tuples(
        # Discharge now and then (it marks placements with a confirmed start started);
        # a discharged spell refuses the later steps, which must change nothing.
        st.sampled_from(OPERATIONS * 4 + ("discharge",)),
        st.integers(0, 2),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=12,
)


def apply_step(s: Session, op: str, spell_id: int, k: int, provider_id: int) -> None:
    if op == "add_barrier":
        due = None if k % 3 == 0 else days(k % 5 + 1)
        care.add_barrier(s, spell_id=spell_id, kind="tto", description=f"B{k}", due_date=due)
    elif op == "resolve_barrier":
        open_ = s.scalars(
            select(Barrier.id).where(Barrier.spell_id == spell_id, Barrier.state == "open")
        ).all()
        if open_:
            care.resolve_barrier(
                s,
                barrier_id=open_[k % len(open_)],
                expected_version=None,
                state=("resolved", "cancelled")[k % 2],
            )
    elif op == "add_carer":
        care.add_carer(s, spell_id=spell_id, name=f"Carer {k}")
    elif op == "assess_carer":
        ids = s.scalars(select(Carer.id).where(Carer.spell_id == spell_id)).all()
        if ids:
            care.record_carer_assessment(
                s, carer_id=ids[k % len(ids)], expected_version=None, status="offered"
            )
    elif op == "log_contact":
        care.log_contact(
            s,
            spell_id=spell_id,
            contact_at=admitted(k % 5),
            with_whom="Daughter",
            method="phone",
            discussed="Plan",
        )
    elif op == "request_placement":
        hub.request_placement(
            s, spell_id=spell_id, expected_version=None, service_type="reablement"
        )
    elif op == "advance_placement":
        ps = s.scalars(select(Placement).where(Placement.spell_id == spell_id)).all()
        moving = [p for p in ps if placements.next_states(p.state)]
        if moving:
            p = moving[k % len(moving)]
            nexts = placements.next_states(p.state)
            to = nexts[k % len(nexts)]
            hub.advance_placement(
                s,
                placement_id=p.id,
                expected_version=None,
                to_state=to,
                provider_id=provider_id if to in placements.NEEDS_PROVIDER else None,
                start_date=days(2) if to in placements.NEEDS_START_DATE else None,
                reason="No longer needed" if to in placements.NEEDS_REASON else None,
            )
    elif op == "leave_hub":  # P0: the open placements are cancelled in the same save
        ps = s.scalars(select(Placement).where(Placement.spell_id == spell_id)).all()
        active = tuple((p.id, p.version) for p in ps if p.state not in ("declined", "cancelled"))
        spells.set_pathway(
            s,
            spell_id=spell_id,
            expected_version=None,
            pathway="P0",
            cancel_placements=placements.PlacementCancel("Went home without support", active),
        )
    elif op == "back_to_hub":
        spells.set_pathway(s, spell_id=spell_id, expected_version=None, pathway="P1")
    elif op == "discharge":
        spells.discharge(
            s,
            spell_id=spell_id,
            expected_version=None,
            discharged_at=in_hours(-1),
            destination="19",
            method="1",
        )
    elif op == "transfer":
        spells.transfer(s, spell_id=spell_id, expected_version=None, ward="Ward 9", bed=f"C{k % 7}")


@pytest.fixture
def world(db: Database) -> tuple[Database, list[int], int]:
    ids = [on_pathway(db, admit(db, n, bed=f"B{n}"), "P1").id for n in range(3)]
    return db, ids, add_provider(db).id


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_summaries_equal_the_rows_after_any_sequence_of_services(
    world: tuple[Database, list[int], int], steps: list[tuple[str, int, int]]
) -> None:
    db, ids, provider_id = world
    for op, which, k in steps:
        try:
            with db.unit_of_work("alice") as s:
                apply_step(s, op, ids[which], k, provider_id)
        except DomainError:
            pass  # a refused step writes nothing; the summaries must still agree
        with db.read() as s:
            for spell_id in ids:
                assert stored(s, spell_id) == expected(s, spell_id), (op, spell_id)
            with_rows = {r.spell_id: r for r in board.board(s, today=days(0))}
            for spell_id in ids:
                e = expected(s, spell_id)
                row = with_rows.get(spell_id)
                if row is None:  # discharged: not on the board
                    continue
                assert (row.placement_state, row.carer_count, row.open_barriers) == (
                    e.placement_state,
                    e.carer_count,
                    e.open_barrier_count,
                )
                assert row.last_carer_contact == e.last_carer_contact_at
        with db.engine.connect() as conn:
            assert summaries.out_of_step(conn) == []


def test_a_placement_moved_by_anyone_updates_the_summary_whoever_writes(db: Database) -> None:
    """Bulk writers (import, bench data) write the child tables with plain SQL: the
    triggers keep the summaries for them too, deletes included."""
    spell = on_pathway(db, admit(db), "P1")
    with db.unit_of_work("alice") as s:
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="Late", due_date=None)
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="Soon", due_date=days(1))
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM barrier WHERE description = 'Soon'"))
    with db.read() as s:
        assert stored(s, spell.id) == expected(s, spell.id)
        assert stored(s, spell.id).next_open_barrier == "Late"


def break_a_summary(db: Database, spell_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE spell SET carer_count = 7 WHERE id = :i"), {"i": spell_id})


def test_db_check_finds_a_summary_broken_by_raw_sql_and_repairs_it(
    db: Database, db_url: str
) -> None:
    kept = admit(db, 0)
    broken = admit(db, 1, bed="B2")
    with db.unit_of_work("alice") as s:
        care.add_carer(s, spell_id=broken.id, name="Ann")
        care.add_carer(s, spell_id=kept.id, name="Bob")
    ok = run_cli("db", "check", "--db", db_url)
    assert ok.returncode == 0, ok.stderr
    assert "agree" in ok.stdout
    break_a_summary(db, broken.id)
    found = run_cli("db", "check", "--db", db_url)
    assert found.returncode == 1, found.stderr
    assert f"spell {broken.id}: carer_count is 7, its rows say 1" in found.stdout
    assert f"spell {kept.id}:" not in found.stdout
    with db.read() as s:
        assert stored(s, broken.id).carer_count == 7  # a check changes nothing
    # In this process: the embedded database is open here, and a second program may
    # only read it (tests/test_sqlite_safety.py).
    repaired = run_here("db", "check", "--repair", "--db", db_url)
    assert repaired.returncode == 0, repaired.stderr + repaired.stdout
    assert "repaired the summaries of 1 spell" in repaired.stdout
    again = run_cli("db", "check", "--db", db_url)
    assert again.returncode == 0, again.stdout
    with db.read() as s:
        assert stored(s, broken.id) == expected(s, broken.id)


def test_summaries_are_reinstalled_by_every_upgrade(db: Database) -> None:
    """A batch migration that recreates a child table drops its triggers (SQLite):
    the access rules applied after every upgrade put them back."""
    from discharge_hub import migrate

    with db.engine.begin() as conn:
        if db.is_sqlite:
            for statement in summaries.sqlite_drops():
                conn.exec_driver_sql(statement)
        else:
            conn.exec_driver_sql("DROP TRIGGER dh_summary_carer ON carer")
            conn.exec_driver_sql("DELETE FROM hub_setting WHERE key = 'access_fingerprint'")
    migrate.upgrade(db.engine)
    spell = admit(db)
    with db.unit_of_work("alice") as s:
        care.add_carer(s, spell_id=spell.id, name="Ann")
    with db.read() as s:
        assert stored(s, spell.id).carer_count == 1


def test_migration_fills_the_summaries_of_existing_rows(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    with db.unit_of_work("alice") as s:
        care.add_carer(s, spell_id=spell.id, name="Ann")
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="TTOs", due_date=days(1))
        hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
    # Wipe the summaries as a database before 0005 would have had none, then refill
    # with the migration's own statement.
    path = Path(__file__).resolve().parents[1] / "migrations/versions/0005_board_summaries.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    migration: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE spell SET placement_state = NULL, carer_count = 0, "
            "last_carer_contact_at = NULL, open_barrier_count = 0, next_open_barrier = NULL"
        )
        assert summaries.out_of_step(conn)
        conn.exec_driver_sql(migration.FILL)
        assert summaries.out_of_step(conn) == []
    with db.read() as s:
        assert stored(s, spell.id) == Summary("requested", 1, None, 1, "TTOs")


def test_the_summary_columns_are_the_ones_the_program_never_writes() -> None:
    from discharge_hub.models.base import BOOKKEEPING_COLUMNS, SUMMARY_COLUMNS

    assert set(summaries.COLUMNS) == SUMMARY_COLUMNS <= BOOKKEEPING_COLUMNS
    assert SUMMARY_COLUMNS <= set(Spell.__table__.c.keys())
