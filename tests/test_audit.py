"""The audit trail: who changed what, old → new, in the same transaction as the change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Row, func, inspect, select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.models import AuditEntry, Base, Spell, Versioned
from discharge_hub.services import care, ctr, history, hub, spells
from tests.conftest import TODAY, admitted
from tests.core_support import add_provider, admit, audit_count, days, db_fingerprint, on_pathway


def entries(s: Session, **where: object) -> list[Row[Any]]:
    """Audit rows as plain rows (they outlive the read session)."""
    table = AuditEntry.__table__
    stmt = select(table).order_by(table.c.id)
    for key, value in where.items():
        stmt = stmt.where(table.c[key] == value)
    return list(s.execute(stmt))


def test_admission_is_audited_field_by_field_with_ids(db: Database) -> None:
    spell = admit(db, actor="alice")
    with db.read() as s:
        rows = entries(s, entity="spell")
        patient_rows = entries(s, entity="patient")
        ward_rows = entries(s, entity="ward")
    assert {r.action for r in rows} == {"insert"} and {r.actor for r in rows} == {"alice"}
    assert {r.entity_id for r in rows} == {spell.id} and {r.spell_id for r in rows} == {spell.id}
    fields = {r.field: (r.old_value, r.new_value) for r in rows}
    assert fields["admitted_at"] == (None, clock.as_utc(admitted(5)).isoformat())
    assert "version" not in fields and "created_by" not in fields
    assert {r.entity_id for r in patient_rows} == {spell.patient_id}
    assert {r.field: r.new_value for r in patient_rows}["family_name"] == "O'Neill"
    assert {r.field: r.new_value for r in patient_rows}["interpreter_needed"] == "no"
    assert all(r.entity_id is not None for r in ward_rows)


def test_updates_record_old_and_new_values_and_who(db: Database) -> None:
    spell = admit(db, days_ago=5)
    with db.unit_of_work("alice") as s:
        v = spells.set_edd(s, spell_id=spell.id, expected_version=1, edd=days(1), reason="r1")
    with db.unit_of_work("bob") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=v.version, edd=days(3), reason="r2")
    with db.unit_of_work("carol") as s:
        spells.transfer(s, spell_id=spell.id, expected_version=None, ward="Ward 9", bed=None)
    with db.read() as s:
        edd_rows = entries(s, entity="spell", field="edd")
        moves = entries(s, entity="spell", actor="carol")
        edd_changes = entries(s, entity="edd_change", field="reason")
    assert [(r.actor, r.action, r.old_value, r.new_value) for r in edd_rows] == [
        ("alice", "update", None, days(1).isoformat()),
        ("bob", "update", days(1).isoformat(), days(3).isoformat()),
    ]
    assert sorted((r.field, r.old_value is not None, r.new_value is None) for r in moves) == [
        ("bed_id", True, True),
        ("ward_id", True, False),
    ]
    assert len({r.at for r in moves}) == 1  # one transfer, one moment
    assert [(r.actor, r.new_value, r.spell_id) for r in edd_changes] == [
        ("alice", "r1", spell.id),
        ("bob", "r2", spell.id),
    ]
    assert all(r.entity_id is not None for r in edd_changes)


@pytest.mark.clock_edges
def test_every_change_of_a_whole_journey_is_audited(db: Database) -> None:
    spell = on_pathway(db, admit(db, days_ago=8, actor="u1"), "P1", actor="u2")
    provider = add_provider(db)
    with db.unit_of_work("u3") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(2), reason="x")
        ctr.record_ctr_review(
            s, spell_id=spell.id, expected_version=None, review_date=days(-2), criteria=[]
        )
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason="A13")
        referral = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    with db.unit_of_work("u4") as s:
        hub.accept_referral(s, referral_id=referral.id, expected_version=None)
        p = hub.request_placement(
            s,
            spell_id=spell.id,
            expected_version=None,
            service_type="reablement",
            provider_id=provider.id,
        )
        hub.advance_placement(s, placement_id=p.id, expected_version=None, to_state="offered")
        hub.set_vacancies(s, provider_id=provider.id, expected_version=None, vacancies=0)
    with db.unit_of_work("u5") as s:
        carer = care.add_carer(s, spell_id=spell.id, name="Ann")
        care.record_carer_assessment(s, carer_id=carer.id, expected_version=None, status="referred")
        care.log_contact(
            s,
            spell_id=spell.id,
            contact_at=admitted(1),
            with_whom="Ann",
            method="phone",
            discussed="Plan",
        )
        b = care.add_barrier(s, spell_id=spell.id, kind="tto", description="TTOs")
        care.resolve_barrier(s, barrier_id=b.id, expected_version=None)
        care.record_red2green(s, spell_id=spell.id, day=days(-1), colour="red", reason="MRI")
    with db.unit_of_work("u6") as s:
        spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=None,
            discharged_at=admitted(0) - timedelta(hours=1),
            destination="19",
            method="1",
        )
    with db.read() as s:
        audited = {(r.entity, r.entity_id, r.action, r.actor) for r in entries(s)}
        updated = {(r.entity, r.entity_id, r.actor) for r in entries(s, action="update")}
        checked = 0
        for mapper in Base.registry.mappers:
            model = mapper.class_
            if model is AuditEntry or mapper.local_table.name not in {
                "spell",
                "patient",
                "ward",
                "bed",
                "edd_change",
                "ctr_review",
                "hub_referral",
                "provider",
                "placement",
                "carer",
                "carer_contact",
                "barrier",
                "red2green_day",
            }:
                continue
            for row in s.scalars(select(model)):
                key = inspect(row).identity[0]
                actor = row.created_by if isinstance(row, Versioned) else None
                assert any(
                    e == mapper.local_table.name
                    and i == key
                    and a == "insert"
                    and (actor is None or who == actor)
                    for e, i, a, who in audited
                ), row
                if isinstance(row, Versioned) and row.version > 1:
                    assert (mapper.local_table.name, key, row.updated_by) in updated, row
                checked += 1
        assert checked >= 13
        trail = history.audit_trail(s, spell.id)
        final = s.get(Spell, spell.id)
        assert final is not None and final.updated_by == "u6"
        assert trail[0].id == max(a.id for a in trail)  # newest first
    assert {a.entity for a in trail} >= {
        "spell",
        "patient",
        "edd_change",
        "ctr_review",
        "hub_referral",
        "placement",
        "carer",
        "carer_contact",
        "barrier",
        "red2green_day",
    }


def test_audit_rows_are_in_the_same_transaction_as_the_change(db: Database) -> None:
    spell = admit(db)
    before = audit_count(db)
    with db.unit_of_work("alice") as s:
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="Call GP")
        # Flushed: visible to this transaction, but not yet to anyone else.
        assert s.scalar(select(func.count(AuditEntry.id))) == before + 1
        assert audit_count(db) == before
    assert audit_count(db) == before + 1


def test_a_rolled_back_unit_of_work_leaves_no_change_and_no_audit(db: Database) -> None:
    spell = admit(db)
    before = db_fingerprint(db)
    with pytest.raises(RuntimeError, match="user pressed cancel"), db.unit_of_work("alice") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=TODAY, reason="x")
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="y")
        assert s.scalar(select(func.count(AuditEntry.id))) > before["audit_entry"]
        raise RuntimeError("user pressed cancel")
    assert db_fingerprint(db) == before


def test_writes_need_an_acting_user(db: Database) -> None:
    spell = admit(db)
    before = db_fingerprint(db)
    with pytest.raises(ValueError, match="acting user"):
        with db.unit_of_work("  "):
            pass
    with pytest.raises(RuntimeError, match="no acting user"), db.read() as s:
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="y")
    assert db_fingerprint(db) == before


def test_ticked_criteria_appear_in_the_spells_audit_trail(db: Database) -> None:
    spell = admit(db)
    with db.unit_of_work("alice") as s:
        ctr.record_ctr_review(
            s,
            spell_id=spell.id,
            expected_version=None,
            review_date=TODAY,
            criteria=["03", "02"],
        )
    with db.read() as s:
        trail = history.audit_trail(s, spell.id)
        review_id = history.ctr_reviews(s, spell.id)[0].id
    ticked = sorted(
        a.new_value or ""
        for a in trail
        if a.entity == "ctr_review_criterion" and a.field == "criterion_code"
    )
    assert ticked == ["02", "03"]
    assert {a.entity_id for a in trail if a.entity == "ctr_review_criterion"} == {review_id}


def test_database_errors_do_not_carry_the_values_written(db: Database) -> None:
    """SQLAlchemy's error text (what a crash report or log would show) leaves out the
    bound values. (PostgreSQL's own DETAIL line, in ``exc.orig``, may still show a row.)"""
    import sqlalchemy.exc

    from discharge_hub.models import Patient

    with pytest.raises(sqlalchemy.exc.IntegrityError) as caught:
        with db.unit_of_work("alice") as s:
            s.execute(
                Patient.__table__.insert().values(  # family_name is NOT NULL: a bug
                    nhs_number="9990000018",
                    family_name=None,
                    given_name="Zoë-Secret",
                    date_of_birth=TODAY,
                    sex="F",
                    interpreter_needed=False,
                    version=1,
                    created_at=clock.now(),
                    created_by="alice",
                    updated_at=clock.now(),
                    updated_by="alice",
                )
            )
    added_by_sqlalchemy = str(caught.value).replace(str(caught.value.orig), "")
    assert "[SQL parameters hidden due to hide_parameters=True]" in added_by_sqlalchemy
    assert "Zoë-Secret" not in added_by_sqlalchemy and "9990000018" not in added_by_sqlalchemy
