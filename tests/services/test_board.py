"""The board: one row per open spell with its derived values, in a constant number of
SQL statements whatever the number of spells."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.services import board, care, ctr, hub, spells
from discharge_hub.services.board import BoardRow
from tests.conftest import admitted, patient
from tests.core_support import OTHER_SITE, SITE, add_provider, admit, days, on_pathway


def rows(db: Database, **kw: Any) -> list[BoardRow]:
    with db.read() as s:
        return board.board(s, today=clock.today(), **kw)


@pytest.mark.clock_edges
def test_board_row_values(db: Database) -> None:
    spell = on_pathway(db, admit(db, days_ago=9, bed="B10"), "P1")
    provider = add_provider(db)
    with db.unit_of_work("ward") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(-2), reason="x")
        ctr.record_ctr_review(
            s, spell_id=spell.id, expected_version=None, review_date=days(-4), criteria=[]
        )
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason="A13")
        p = hub.request_placement(
            s,
            spell_id=spell.id,
            expected_version=None,
            service_type="reablement",
            provider_id=provider.id,
        )
        hub.advance_placement(s, placement_id=p.id, expected_version=None, to_state="offered")
        care.add_carer(s, spell_id=spell.id, name="Ann")
        care.add_barrier(
            s, spell_id=spell.id, kind="equipment", description="Hoist", due_date=days(3)
        )
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="TTOs", due_date=days(1))
    [row] = rows(db)
    assert (row.spell_id, row.site, row.ward, row.bed) == (spell.id, SITE, "Ward 7", "B10")
    assert (row.nhs_number, row.family_name, row.given_name) == (spell.nhs_number, "O'Neill", "Zoë")
    today = clock.today()
    assert row.age == today.year - 1940 - ((today.month, today.day) < (5, 17))
    assert row.admission_date == days(-9) and row.los == 9
    assert (row.edd, row.days_to_edd, row.edd_passed) == (days(-2), -2, True)
    assert (row.discharge_ready_date, row.delay_days, row.ready_for_discharge) == (
        days(-4),
        4,
        True,
    )
    assert (row.pathway, row.through_hub) == ("P1", True)
    assert row.delay_reason == "A13" and row.delay_reason_label
    assert row.placement_state == "offered"
    assert (row.carer_count, row.last_carer_contact) == (1, None)
    assert (row.carer_status, row.no_carer_contact_flag) == ("NO CONTACT (P1–P3)", True)
    # No next action recorded: the most urgent open barrier stands in for it.
    assert (row.open_barriers, row.next_action) == (2, "TTOs")
    with db.unit_of_work("ward") as s:
        spells.set_next_action(
            s, spell_id=spell.id, expected_version=None, next_action="Confirm start date"
        )
        care.log_contact(
            s,
            spell_id=spell.id,
            contact_at=admitted(2),
            with_whom="Ann",
            method="phone",
            discussed="Plan",
        )
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(5), reason="y")
        ctr.record_ctr_review(
            s, spell_id=spell.id, expected_version=None, review_date=days(-1), criteria=["03"]
        )
    [row] = rows(db)
    assert row.next_action == "Confirm start date"
    assert row.last_carer_contact == clock.as_utc(admitted(2))
    assert row.carer_status.startswith("Contacted ") and not row.no_carer_contact_flag
    assert (row.days_to_edd, row.edd_passed) == (5, False)
    assert (row.discharge_ready_date, row.delay_days) == (None, None)


@pytest.mark.clock_edges
def test_board_defaults_for_a_new_admission(db: Database) -> None:
    admit(db, days_ago=0, bed=None)
    [row] = rows(db)
    assert (row.los, row.edd, row.days_to_edd, row.bed) == (0, None, None, None)
    assert (row.discharge_ready_date, row.delay_days, row.pathway) == (None, None, None)
    assert (row.placement_state, row.carer_status, row.no_carer_contact_flag) == (
        None,
        "No carer recorded",
        False,
    )
    assert (row.open_barriers, row.next_action) == (0, None)


@pytest.mark.clock_edges
def test_board_filters_and_orders_by_site_ward_and_bed(db: Database) -> None:
    a = admit(db, 0, ward="Ward 7", bed="B10")
    b = admit(db, 1, ward="Ward 7", bed="B2")
    c = admit(db, 2, ward="Ward 3", bed="A1")
    d = admit(db, 3, site=OTHER_SITE, ward="CDU", bed="1")
    gone = admit(db, 4, ward="Ward 7", bed="B1")
    with db.unit_of_work("ward") as s:
        spells.discharge(
            s,
            spell_id=gone.id,
            expected_version=None,
            discharged_at=admitted(1),
            destination="19",
            method="1",
        )
    assert [r.spell_id for r in rows(db)] == [d.id, c.id, b.id, a.id]  # Glenfield < Leicester
    assert [r.spell_id for r in rows(db, site=SITE)] == [c.id, b.id, a.id]
    ward7 = rows(db, site=SITE)[-1].ward_id
    assert [r.spell_id for r in rows(db, ward_id=ward7)] == [b.id, a.id]
    assert rows(db, site="Nowhere") == []


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def populate(db: Database, first: int, n: int) -> None:
    """n open spells with every kind of child record the board reads."""
    provider = add_provider(db, f"Provider {first}")
    with db.unit_of_work("demo") as s:
        for i in range(first, first + n):
            v = spells.admit(
                s,
                patient=patient(i),
                site=SITE,
                ward=f"Ward {i % 3}",
                bed=f"B{i}",
                admitted_at=admitted(3 + i % 5),
            )
            spells.set_pathway(s, spell_id=v.id, expected_version=None, pathway="P1")
            spells.set_edd(s, spell_id=v.id, expected_version=None, edd=days(i % 4), reason="x")
            ctr.record_ctr_review(
                s,
                spell_id=v.id,
                expected_version=None,
                review_date=days(-1),
                criteria=[] if i % 2 else ["01"],
            )
            spells.set_delay_reason(s, spell_id=v.id, expected_version=None, delay_reason="A05")
            hub.request_placement(
                s,
                spell_id=v.id,
                expected_version=None,
                service_type="reablement",
                provider_id=provider.id,
            )
            carer = care.add_carer(s, spell_id=v.id, name="Carer")
            care.log_contact(
                s,
                spell_id=v.id,
                carer_id=carer.id,
                contact_at=admitted(1),
                with_whom="Carer",
                method="phone",
                discussed="Plan",
            )
            care.add_barrier(s, spell_id=v.id, kind="tto", description="TTOs")


def test_board_statement_count_does_not_grow_with_spells(db: Database) -> None:
    populate(db, 0, 1)
    with counting(db) as one:
        assert len(rows(db)) == 1
    populate(db, 1, 29)
    with counting(db) as thirty:
        board_rows = rows(db)
    assert len(board_rows) == 30
    assert all(r.placement_state == "requested" and r.carer_count == 1 for r in board_rows)
    assert all(r.open_barriers == 1 and r.delay_reason == "A05" for r in board_rows)
    assert 1 <= len(thirty) == len(one) <= 4, thirty
    # The board itself, and the code lists (wards with their sites, pathways, delay
    # reasons) with the day's Red2Green colours in one: never one per spell.
    assert sum(s.lstrip().upper().startswith("SELECT") for s in thirty) == 2


def test_wards_and_beds_come_in_natural_order(db: Database) -> None:
    places = [("Ward 21", "B2"), ("Ward 7", "B10"), ("Ward 7", "B2"), ("Aston Ward", "A1")]
    with db.unit_of_work("alice") as s:
        for n, (ward, bed) in enumerate(places):
            spells.admit(
                s,
                patient=patient(700 + n),
                site="Glenfield Hospital",
                ward=ward,
                bed=bed,
                admitted_at=admitted(3),
            )
    with db.read() as s:
        order = [(r.ward, r.bed) for r in board.board(s)]
    assert order == [("Aston Ward", "A1"), ("Ward 7", "B2"), ("Ward 7", "B10"), ("Ward 21", "B2")]
