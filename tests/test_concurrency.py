"""Optimistic concurrency: a save over someone else's newer change is refused, naming them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.display.dates import when
from discharge_hub.errors import ConflictError, ValidationError
from discharge_hub.models import AuditEntry, Patient, Spell
from discharge_hub.services import care, history, hub, spells
from tests.conftest import admitted, patient
from tests.core_support import SITE, add_provider, admit, days, db_fingerprint, on_pathway


def edd(db: Database, actor: str, spell_id: int, version: int | None, on_day: int) -> object:
    with db.unit_of_work(actor) as s:
        return spells.set_edd(
            s,
            spell_id=spell_id,
            expected_version=version,
            edd=days(on_day),
            reason=f"{actor}'s estimate",
        )


def test_second_save_with_a_stale_version_is_refused_naming_the_first_user(db: Database) -> None:
    spell = admit(db)
    with db.read() as s:
        alice_sees = spells.get_spell(s, spell.id)
    with db.read() as s:
        bob_sees = spells.get_spell(s, spell.id)
    assert alice_sees.version == bob_sees.version
    edd(db, "alice", spell.id, alice_sees.version, 3)
    before = db_fingerprint(db)
    with pytest.raises(ConflictError) as info:
        edd(db, "bob", spell.id, bob_sees.version, 6)
    err = info.value
    assert err.changed_by == "alice" and "alice" in str(err)
    assert err.changed_at is not None
    # Said in UK time, today's changes by the time alone (issue 10)
    assert f"This patient's record was changed by alice {when(err.changed_at)} " in str(err)
    assert f"at {clock.local(err.changed_at):%H:%M}" in str(err)
    assert (err.entity, err.entity_id) == ("spell", spell.id)
    assert (err.expected_version, err.current_version) == (bob_sees.version, bob_sees.version + 1)
    assert "was not saved" in str(err)
    assert db_fingerprint(db) == before
    with db.read() as s:
        assert spells.get_spell(s, spell.id).edd == days(3)
        assert [c.changed_by for c in history.edd_history(s, spell.id)] == ["alice"]
        assert s.scalar(select(func.count()).where(AuditEntry.actor == "bob")) == 0


def test_stale_versions_are_refused_for_every_versioned_record(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    provider = add_provider(db)
    with db.unit_of_work("alice") as s:
        placement = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
        referral = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
        carer = care.add_carer(s, spell_id=spell.id, name="Ann")
        barrier = care.add_barrier(s, spell_id=spell.id, kind="tto", description="TTOs")
    with db.unit_of_work("alice") as s:
        hub.advance_placement(
            s, placement_id=placement.id, expected_version=placement.version, to_state="assessing"
        )
        hub.set_vacancies(
            s, provider_id=provider.id, expected_version=provider.version, vacancies=1
        )
        hub.accept_referral(s, referral_id=referral.id, expected_version=referral.version)
        care.record_carer_assessment(
            s, carer_id=carer.id, expected_version=carer.version, status="offered"
        )
        care.resolve_barrier(s, barrier_id=barrier.id, expected_version=barrier.version)
    before = db_fingerprint(db)
    stale_saves = [
        lambda s: hub.advance_placement(
            s,
            placement_id=placement.id,
            expected_version=placement.version,
            to_state="cancelled",
            reason="x",
        ),
        lambda s: hub.set_vacancies(
            s, provider_id=provider.id, expected_version=provider.version, vacancies=2
        ),
        lambda s: hub.accept_referral(
            s, referral_id=referral.id, expected_version=referral.version
        ),
        lambda s: care.record_carer_assessment(
            s, carer_id=carer.id, expected_version=carer.version, status="declined"
        ),
        lambda s: care.resolve_barrier(s, barrier_id=barrier.id, expected_version=barrier.version),
    ]
    for save in stale_saves:
        with pytest.raises(ConflictError, match="changed by alice"), db.unit_of_work("bob") as s:
            save(s)
    assert db_fingerprint(db) == before


def _in_thread(fn: object) -> tuple[threading.Thread, list[BaseException], list[object]]:
    errors: list[BaseException] = []
    results: list[object] = []

    def run() -> None:
        try:
            results.append(fn())  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors, results


def test_two_concurrent_sessions_the_second_waits_then_gets_a_conflict(db: Database) -> None:
    """Bob saves while Alice's transaction is still open: Bob waits for it (a PostgreSQL row
    lock, or SQLite's write lock), then sees her committed version and is refused."""
    spell = admit(db)
    with db.unit_of_work("alice") as s:
        spells.set_edd(
            s,
            spell_id=spell.id,
            expected_version=spell.version,
            edd=days(2),
            reason="alice's estimate",
        )
        thread, errors, results = _in_thread(lambda: edd(db, "bob", spell.id, spell.version, 9))
        thread.join(0.7)
        assert thread.is_alive(), "bob's save must wait for alice's transaction"
    thread.join(15)
    assert not thread.is_alive() and results == []
    [err] = errors
    assert isinstance(err, ConflictError) and err.changed_by == "alice"
    with db.read() as s:
        assert spells.get_spell(s, spell.id).edd == days(2)


def test_two_concurrent_system_saves_lose_nothing(db: Database) -> None:
    """Without a version to check (a system task), concurrent saves queue; both survive."""
    spell = admit(db)
    with db.unit_of_work("alice") as s:
        spells.set_next_action(
            s, spell_id=spell.id, expected_version=None, next_action="Chase TTOs"
        )
        thread, errors, _ = _in_thread(lambda: edd(db, "bob", spell.id, None, 4))
        thread.join(0.5)
        assert thread.is_alive()
    thread.join(15)
    assert errors == []
    with db.read() as s:
        view = spells.get_spell(s, spell.id)
    assert (view.next_action, view.edd, view.version, view.updated_by) == (
        "Chase TTOs",
        days(4),
        spell.version + 2,
        "bob",
    )


@pytest.fixture
def pg_db(pg_url_fresh: str) -> Iterator[Database]:
    database = Database.open(pg_url_fresh)
    yield database
    database.dispose()


@pytest.mark.postgres
def test_orm_version_check_names_who_changed_the_row(pg_db: Database) -> None:
    """A row read without a lock and changed meanwhile: the UPDATE's version check finds
    nothing to update, and the unit of work still says who changed it."""
    spell = admit(pg_db)
    with pytest.raises(ConflictError) as info, pg_db.unit_of_work("bob") as s:
        row = s.get(Spell, spell.id)  # no FOR UPDATE: like a record loaded alongside
        assert row is not None
        with pg_db.unit_of_work("alice") as other:
            spells.set_next_action(
                other, spell_id=spell.id, expected_version=None, next_action="alice's plan"
            )
        row.next_action = "bob's plan"
    err = info.value
    assert (err.changed_by, err.entity, err.entity_id) == ("alice", "spell", spell.id)
    assert (err.expected_version, err.current_version) == (1, 2)
    with pg_db.read() as s:
        assert spells.get_spell(s, spell.id).next_action == "alice's plan"


def test_two_users_admitting_the_same_new_patient_at_once(db: Database) -> None:
    """Both see no patient; the second insert meets the first's unique key (PostgreSQL) or
    waits for the write lock and finds the open spell (SQLite): a domain error, one spell."""
    with db.unit_of_work("alice") as s:
        first = spells.admit(s, patient=patient(7), site=SITE, ward="AMU", admitted_at=admitted(1))
        thread, errors, results = _in_thread(lambda: admit(db, 7, days_ago=1, actor="bob"))
        thread.join(0.7)
        assert thread.is_alive()
    thread.join(15)
    assert results == []
    [err] = errors
    if db.is_sqlite:  # bob's transaction began after alice's commit
        assert isinstance(err, ValidationError) and "already has an open spell" in str(err)
    else:  # bob's insert met alice's unique NHS number: not an IntegrityError crash
        assert isinstance(err, ConflictError) and err.entity == "patient", repr(err)
    with db.read() as s:
        assert s.scalar(select(func.count(Spell.id))) == 1
        assert s.scalar(select(func.count(Patient.id))) == 1
        assert spells.find_spell(s, first.nhs_number) == spells.get_spell(s, first.id)
