"""Barriers, carers, the communication log and Red2Green, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import NotFoundError
from discharge_hub.services import board, care
from tests.conftest import TODAY, admitted, in_hours
from tests.core_support import Action, admit, days, on_pathway, refused


def test_barriers_added_and_resolved(db: Database) -> None:
    spell = admit(db, days_ago=4)
    with db.unit_of_work("ward") as s:
        b1 = care.add_barrier(
            s,
            spell_id=spell.id,
            kind="tto",
            description=" TTOs from pharmacy ",
            owner="Pharmacy",
            due_date=days(1),
        )
        b2 = care.add_barrier(s, spell_id=spell.id, kind="equipment", description="Hoist")
    assert (b1.kind, b1.description, b1.owner, b1.due_date, b1.state) == (
        "tto",
        "TTOs from pharmacy",
        "Pharmacy",
        days(1),
        "open",
    )
    with db.unit_of_work("pharm") as s:
        done = care.resolve_barrier(
            s, barrier_id=b1.id, expected_version=b1.version, resolution="Ready on ward"
        )
        gone = care.resolve_barrier(
            s, barrier_id=b2.id, expected_version=b2.version, state="cancelled"
        )
    assert (done.state, done.resolved_by, done.resolution) == ("resolved", "pharm", "Ready on ward")
    assert done.resolved_at is not None and done.version == b1.version + 1
    assert gone.state == "cancelled"
    with db.read() as s:
        assert care.barriers_for(s, spell.id) == [done, gone]


def test_barrier_refusals_write_nothing(db: Database) -> None:
    spell = admit(db, days_ago=4)

    def adding(**kw: object) -> object:
        args: dict[str, object] = {
            "spell_id": spell.id,
            "kind": "transport",
            "description": "Ambulance",
        }
        args.update(kw)
        return lambda s: care.add_barrier(s, **args)

    refused(db, adding(kind="dragons"), field="kind")
    refused(db, adding(description="  "), field="description")
    assert "before the admission" in str(refused(db, adding(due_date=days(-5)), field="due_date"))
    refused(db, adding(spell_id=4040), field="", error=NotFoundError)
    with db.unit_of_work("ward") as s:
        b = care.add_barrier(s, spell_id=spell.id, kind="transport", description="Ambulance")
    refused(
        db,
        lambda s: care.resolve_barrier(s, barrier_id=b.id, expected_version=None, state="open"),
        field="state",
    )
    with db.unit_of_work("ward") as s:
        care.resolve_barrier(s, barrier_id=b.id, expected_version=None)
    err = refused(
        db,
        lambda s: care.resolve_barrier(s, barrier_id=b.id, expected_version=None),
        field="barrier",
    )
    assert "already resolved" in str(err)


def test_carers_assessment_and_contact_log(db: Database) -> None:
    spell = admit(db, days_ago=6)
    with db.unit_of_work("ward") as s:
        carer = care.add_carer(
            s,
            spell_id=spell.id,
            name="Siobhán O'Neill",
            relationship="Daughter",
            contact="07700 900000",
            is_main_carer=True,
            consent_to_share=True,
            language="Irish",
            interpreter_needed=False,
        )
        other = care.add_carer(s, spell_id=spell.id, name="Tom")
    assert (carer.name, carer.relationship, carer.is_main_carer) == (
        "Siobhán O'Neill",
        "Daughter",
        True,
    )
    assert carer.assessment_status is None
    with db.unit_of_work("social") as s:
        assessed = care.record_carer_assessment(
            s, carer_id=carer.id, expected_version=carer.version, status="offered"
        )
    assert (assessed.assessment_status, assessed.assessment_on) == ("offered", clock.today())
    when = admitted(2).replace(hour=14)
    with db.unit_of_work("ward") as s:
        c1 = care.log_contact(
            s,
            spell_id=spell.id,
            carer_id=carer.id,
            contact_at=when,
            with_whom="Daughter",
            method="phone",
            discussed="Plan for P1",
            agreed="Visit Friday",
            next_contact_due=days(0),
        )
        c2 = care.log_contact(
            s,
            spell_id=spell.id,
            contact_at=admitted(1),
            with_whom="Patient",
            method="interpreter",
            discussed="Wishes",
        )
    assert c1.contact_at == clock.as_utc(when) and c1.recorded_by == "ward"
    assert c1.interpreter_used is False and c2.interpreter_used is True
    with db.read() as s:
        assert care.carers_for(s, spell.id) == [assessed, other]
        assert care.contacts_for(s, spell.id) == [c2, c1]


def test_carer_and_contact_refusals_write_nothing(db: Database) -> None:
    spell = admit(db, 0, days_ago=6)
    stranger = admit(db, 1, days_ago=6)
    with db.unit_of_work("ward") as s:
        carer = care.add_carer(s, spell_id=spell.id, name="Ann")
        theirs = care.add_carer(s, spell_id=stranger.id, name="Bea")
    refused(db, lambda s: care.add_carer(s, spell_id=spell.id, name=" "), field="name")
    refused(
        db,
        lambda s: care.record_carer_assessment(
            s, carer_id=carer.id, expected_version=None, status="maybe"
        ),
        field="assessment_status",
    )
    refused(
        db,
        lambda s: care.record_carer_assessment(
            s,
            carer_id=carer.id,
            expected_version=None,
            status="declined",
            on=TODAY + timedelta(days=1),
        ),
        field="assessment_on",
    )

    def contact(at: datetime, **kw: object) -> object:
        args: dict[str, object] = {
            "spell_id": spell.id,
            "contact_at": at,
            "with_whom": "Ann",
            "method": "phone",
            "discussed": "Plan",
        }
        args.update(kw)
        return lambda s: care.log_contact(s, **args)

    refused(db, contact(in_hours(1)), field="contact_at")
    refused(db, contact(admitted(7)), field="contact_at")
    refused(db, contact(admitted(1), method="pigeon"), field="method")
    refused(db, contact(admitted(1), carer_id=theirs.id), field="carer")
    refused(db, contact(admitted(1), discussed=""), field="discussed")
    refused(db, contact(admitted(1), next_contact_due=days(-2)), field="next_contact_due")


def test_contact_clears_the_p1_p3_red_flag(db: Database) -> None:
    spell = on_pathway(db, admit(db, days_ago=3), "P2")
    with db.read() as s:
        [row] = board.board(s, today=TODAY)
    assert row.no_carer_contact_flag and row.carer_status == "NO CONTACT (P1–P3)"
    with db.unit_of_work("ward") as s:
        care.log_contact(
            s,
            spell_id=spell.id,
            contact_at=admitted(1),
            with_whom="Son",
            method="in_person",
            discussed="Plan",
        )
    with db.read() as s:
        [row] = board.board(s, today=TODAY)
    assert not row.no_carer_contact_flag
    assert row.carer_status == f"Contacted {clock.local_date(clock.as_utc(admitted(1))):%d/%m/%Y}"


def test_red2green_days(db: Database) -> None:
    spell = admit(db, days_ago=3)
    with db.unit_of_work("ward") as s:
        red = care.record_red2green(
            s,
            spell_id=spell.id,
            day=days(-1),
            colour=" RED ",
            reason="Waiting for MRI",
            today=TODAY,
        )
        green = care.record_red2green(
            s, spell_id=spell.id, day=days(0), colour="green", today=TODAY
        )
    assert (red.colour, red.reason, red.version) == ("red", "Waiting for MRI", 1)
    # A second record for the same day replaces the first.
    with db.unit_of_work("ward") as s:
        again = care.record_red2green(
            s, spell_id=spell.id, day=days(-1), colour="green", today=TODAY
        )
    assert (again.id, again.colour, again.reason, again.version) == (red.id, "green", None, 2)
    with db.read() as s:
        assert care.red2green_for(s, spell.id) == [again, green]  # by day


def test_red2green_refusals_write_nothing(db: Database) -> None:
    spell = admit(db, days_ago=3)

    def day(on: date, colour: str = "green", reason: str | None = None) -> Action:
        return lambda s: care.record_red2green(
            s, spell_id=spell.id, day=on, colour=colour, reason=reason, today=TODAY
        )

    refused(db, day(days(-1), "red"), field="reason")
    refused(db, day(days(-1), "amber", "x"), field="colour")
    refused(db, day(days(-4)), field="day")
    error = refused(db, day(days(-2)), field="day")  # the day before yesterday
    assert "today or yesterday only" in error.message
    refused(db, day(days(1)), field="day")
