"""The effective-dated history of a spell: written with every change, by no service in
particular, holding from the right instant; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import insert, select, update

from discharge_hub import clock, demo, facts, facts_sync
from discharge_hub.db import Database
from discharge_hub.models import Site, Spell, SpellFact, Ward
from discharge_hub.models.fact import EDD, LOCATION, PATHWAY, PLACEMENT
from discharge_hub.reports.huddle_data import huddle_figures
from discharge_hub.services import care, ctr, hub, spells
from tests.conftest import patient
from tests.core_support import OTHER_SITE, SITE, admit, days, db_fingerprint, refused
from tests.history_support import assert_history_matches_now, clock_at


def uk(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """UK wall-clock time on today + day_offset."""
    return datetime.combine(days(day_offset), time(hour, minute))


def history(db: Database, spell_id: int, kind: str) -> list[tuple[object, ...]]:
    """(valid from, valid to, value) of one fact, oldest first; instants in UTC."""
    value = {
        LOCATION: lambda f, names: (names[-f.site_id], names[f.ward_id]),
        EDD: lambda f, names: f.day,
        PATHWAY: lambda f, names: f.pathway_code,
        PLACEMENT: lambda f, names: f.state,
    }[kind]
    with db.read() as s:
        names = {w.id: w.name for w in s.scalars(select(Ward))}
        names |= {-site.id: site.name for site in s.scalars(select(Site))}
        rows = s.scalars(
            select(SpellFact)
            .where(SpellFact.spell_id == spell_id, SpellFact.kind == kind)
            .order_by(SpellFact.valid_from, SpellFact.id)
        ).all()
        return [(f.valid_from, f.valid_to, value(f, names)) for f in rows]


def test_each_change_holds_from_when_it_was_recorded_until_replaced(db: Database) -> None:
    # Dates worked out before any clock_at: it moves "today" too.
    e1, e3, admitted_at = days(1), days(3), uk(-5, 10)
    with clock_at(uk(-5, 11)), db.unit_of_work("pas") as s:  # recorded an hour later
        spell = spells.admit(s, patient=patient(0), site=SITE, ward="Ward 7",
                             admitted_at=admitted_at)  # fmt: skip
    with clock_at(uk(-4, 11)), db.unit_of_work("ward") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=e1, reason="r")
        spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P1")
    with clock_at(uk(-2, 15)), db.unit_of_work("ward") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=e3, reason="r")
        spells.transfer(s, spell_id=spell.id, expected_version=None, ward="Ward 9")
        hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
    admitted, t1, t2 = (
        clock.as_utc(uk(-5, 10)),
        clock.as_utc(uk(-4, 11)),
        clock.as_utc(uk(-2, 15)),
    )
    assert history(db, spell.id, LOCATION) == [
        (admitted, t2, (SITE, "Ward 7")),  # from the admission, not from its recording
        (t2, None, (SITE, "Ward 9")),
    ]
    assert history(db, spell.id, EDD) == [(t1, t2, days(1)), (t2, None, days(3))]
    assert history(db, spell.id, PATHWAY) == [(t1, None, "P1")]
    assert history(db, spell.id, PLACEMENT) == [(t2, None, "requested")]
    assert_history_matches_now(db)


def test_a_whole_journey_leaves_history_that_ends_in_the_values_held_now(db: Database) -> None:
    spell = admit(db, days_ago=8)
    other = admit(db, 1, days_ago=3, bed="B2")
    with db.unit_of_work("ward") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(2), reason="x")
        ctr.record_ctr_review(
            s, spell_id=spell.id, expected_version=None, review_date=days(-2), criteria=[]
        )
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason="A05")
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="TTOs")
        spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P1")
        placement = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
        spells.set_pathway(s, spell_id=other.id, expected_version=None, pathway="P2")
        hub.request_placement(
            s, spell_id=other.id, expected_version=None, service_type="community_rehab"
        )
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="TTOs")
    with db.unit_of_work("ward") as s:
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason=None)
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action=None)
        spells.transfer(s, spell_id=other.id, expected_version=None, ward="Ward 1", site=OTHER_SITE)
        spells.discharge(
            s, spell_id=spell.id, expected_version=None, discharged_at=clock.now(),
            destination="19", method="1", pathway="P1",
        )  # fmt: skip
    assert_history_matches_now(db)
    with db.read() as s:
        placement_facts = s.scalars(
            select(SpellFact.state).where(SpellFact.placement_id == placement.id)
        ).all()
    assert placement_facts == ["requested"]


def test_a_transfer_holds_from_the_time_the_feed_gives(db: Database) -> None:
    spell = admit(db, days_ago=5)
    moved = uk(-2, 22, 15)  # the PAS event time, imported the next morning
    with clock_at(uk(-1, 7)), db.unit_of_work("pas") as s:
        view = spells.transfer(
            s, spell_id=spell.id, expected_version=None, ward="AMU", site=OTHER_SITE,
            effective_at=moved,
        )  # fmt: skip
    assert (view.site, view.ward) == (OTHER_SITE, "AMU")
    assert history(db, spell.id, LOCATION) == [
        (clock.as_utc(uk(-5, 10)), clock.as_utc(moved), (SITE, "Ward 7")),
        (clock.as_utc(moved), None, (OTHER_SITE, "AMU")),
    ]
    with db.read() as s:
        recorded = s.scalar(
            select(SpellFact.recorded_at).where(SpellFact.valid_from == clock.as_utc(moved))
        )
    assert recorded == clock.as_utc(uk(-1, 7))  # when it was recorded is kept too


def test_a_move_that_arrives_after_a_later_one_goes_into_the_past_only(db: Database) -> None:
    spell = admit(db, days_ago=5)
    with db.unit_of_work("pas") as s:
        spells.transfer(s, spell_id=spell.id, expected_version=None, ward="Ward 9",
                        effective_at=uk(-1, 12))  # fmt: skip
    with db.unit_of_work("pas") as s:  # an earlier move, delivered late
        view = spells.transfer(s, spell_id=spell.id, expected_version=None, ward="AMU",
                               effective_at=uk(-3, 8))  # fmt: skip
    assert view.ward == "Ward 9"  # still where the latest move put them
    assert [v for _f, _t, v in history(db, spell.id, LOCATION)] == [
        (SITE, "Ward 7"),
        (SITE, "AMU"),
        (SITE, "Ward 9"),
    ]
    assert_history_matches_now(db)


def test_transfer_times_in_the_future_or_before_admission_are_refused(db: Database) -> None:
    spell = admit(db, days_ago=5)

    def move(when: datetime) -> object:
        return lambda s: spells.transfer(
            s, spell_id=spell.id, expected_version=None, ward="Ward 9", effective_at=when
        )

    refused(db, move(uk(1, 9)), field="effective_at")
    error = refused(db, move(uk(-6, 9)), field="effective_at")
    assert "before the admission" in error.message


def test_effective_at_moves_every_change_of_a_block(db: Database) -> None:
    spell = admit(db, days_ago=5)
    when = uk(-3, 16)
    with db.unit_of_work("replay") as s, facts.effective_at(s, when):
        spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P2")
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(2), reason="x")
    assert history(db, spell.id, PATHWAY) == [(clock.as_utc(when), None, "P2")]
    assert history(db, spell.id, EDD) == [(clock.as_utc(when), None, days(2))]
    with db.unit_of_work("ward") as s:  # outside the block: now again
        spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P1")
    assert history(db, spell.id, PATHWAY)[-1][0] > clock.as_utc(when)


def test_a_refused_change_writes_no_history(db: Database) -> None:
    spell = admit(db, days_ago=5)
    before = db_fingerprint(db)
    refused(
        db,
        lambda s: spells.set_edd(
            s, spell_id=spell.id, expected_version=None, edd=days(-9), reason="x"
        ),
        field="edd",
    )
    assert db_fingerprint(db) == before
    assert len(history(db, spell.id, EDD)) == 0


def test_setting_the_same_value_again_adds_nothing(db: Database) -> None:
    spell = admit(db, days_ago=5)
    for _ in range(2):
        with db.unit_of_work("ward") as s:
            spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P1")
    assert len(history(db, spell.id, PATHWAY)) == 1
    with db.unit_of_work("ward") as s:
        spells.transfer(s, spell_id=spell.id, expected_version=None, ward="Ward 7", bed="B1")
    assert len(history(db, spell.id, LOCATION)) == 1


def test_bulk_writers_add_history_through_write(db: Database) -> None:
    """What a bulk import (SQL Core, no ORM events) calls in its own transaction."""
    spell = admit(db, days_ago=5)
    first, second = clock.as_utc(uk(-4, 9)), clock.as_utc(uk(-3, 9))
    with db.unit_of_work("import") as s:
        facts.write(
            s.connection(),
            [
                facts.Fact(spell.id, EDD, second, (("day", days(4)),)),
                facts.Fact(spell.id, EDD, first, (("day", days(2)),)),
            ],
            actor="import",
            moment=clock.now(),
        )
    assert history(db, spell.id, EDD) == [(first, second, days(2)), (second, None, days(4))]
    assert history(db, spell.id, LOCATION)[0][1] is None  # other facts untouched


def test_the_demo_records_its_story_as_it_happened(db: Database) -> None:
    """The demo replays weeks of care: its history says when each thing happened, so a
    past day's huddle reads like that day (not like today with gaps)."""
    demo.generate(db, patients=30, seed=3)
    assert_history_matches_now(db)
    with db.read() as s:
        past = huddle_figures(s, on=days(-3))
    assert past.inpatients > 0
    assert past.nctr > 0 and past.inpatients - past.edd_missing > 0
    assert past.placements_waiting > 0


def test_sync_gives_rows_written_around_the_orm_their_history(db: Database) -> None:
    """What a bulk import (SQL Core) calls for the spells it wrote."""
    spell = admit(db, days_ago=5)
    loaded = clock.as_utc(uk(-4, 8))
    with db.engine.begin() as conn:  # no ORM events: no history written
        pid = conn.scalar(select(Spell.patient_id).where(Spell.id == spell.id))
        new = conn.execute(
            insert(Spell).values(
                patient_id=pid, site_id=1, ward_id=1, admitted_at=loaded, edd=days(3),
                version=1, created_at=loaded, created_by="load", updated_at=loaded,
                updated_by="load", discharged_at=loaded,
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(update(Spell).where(Spell.id == spell.id).values(pathway_code="P2"))
    with db.engine.begin() as conn:
        moment = clock.now()
        written = facts_sync.sync(conn, [spell.id, new], actor="import", moment=moment)
        assert facts_sync.sync(conn, [spell.id, new], actor="import", moment=moment) == 0
    assert written == 3  # the loaded spell's location and EDD, the other's pathway
    # Where it is holds from its admission; its EDD from when it was recorded, as when
    # the services admit a patient.
    assert history(db, new, LOCATION)[0][0] == loaded
    assert history(db, new, EDD) == [(moment, None, days(3))]
    assert history(db, spell.id, PATHWAY) == [(moment, None, "P2")]
    assert_history_matches_now(db)
