"""Live refresh, announcing half: every committed transaction that changes something
shown announces it exactly once (NOTIFY on PostgreSQL, the change counter and log on
SQLite); a rolled-back or empty one announces nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from discharge_hub import changes, reference
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.models import Pathway
from discharge_hub.services import care, ctr, hub, patients, spells
from tests.conftest import patient
from tests.core_support import add_provider, admit, days, on_pathway
from tests.live_support import Announcements, announcements, spells_of


@pytest.fixture
def heard(db: Database, db_url: str) -> Iterator[Announcements]:
    with announcements(db, db_url) as found:
        yield found


def test_one_announcement_per_committed_transaction(db: Database, heard: Announcements) -> None:
    a = admit(db, 0)  # the first on "Ward 7" adds the ward: reference data, everything
    b = admit(db, 1)
    assert heard.since() == [changes.Change(all=True), spells_of(b.id)]
    with db.unit_of_work("alice") as s:  # two spells, several records: one announcement
        spells.set_edd(s, spell_id=a.id, expected_version=None, edd=days(3), reason="plan")
        spells.set_next_action(s, spell_id=b.id, expected_version=None, next_action="TTO")
        care.add_barrier(s, spell_id=b.id, kind="tto", description="Medicines to take out")
    assert heard.since() == [spells_of(a.id, b.id)]


def test_nothing_is_announced_without_a_committed_change(
    db: Database, heard: Announcements
) -> None:
    spell = admit(db)
    heard.since()
    with db.read() as s:
        spells.get_spell(s, spell.id)
    with db.unit_of_work("alice") as s:  # committed, but changes nothing
        spells.get_spell(s, spell.id)
    with db.unit_of_work("alice") as s:  # the same value again: no change, no audit
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action=None)
    with pytest.raises(ValidationError), db.unit_of_work("alice") as s:
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="x")
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(-99), reason="r")
    assert heard.since() == []


def test_child_records_and_the_patient_announce_their_spells(
    db: Database, heard: Announcements
) -> None:
    spell = on_pathway(db, admit(db, 0), "P1")
    other = admit(db, 1)
    provider = add_provider(db)
    heard.since()
    with db.unit_of_work("hub") as s:
        p = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
    with db.unit_of_work("council") as s:
        hub.choose_provider(s, placement_id=p.id, expected_version=None, provider_id=provider.id)
    with db.unit_of_work("ward") as s:
        ctr.record_ctr_review(
            s, spell_id=other.id, expected_version=None, review_date=days(0), criteria=["02"]
        )
    with db.unit_of_work("pas") as s:  # the patient's record: their spell's row shows it
        patients.upsert(s, patient(1, family_name="Nowak"))
    assert heard.since() == [
        spells_of(spell.id),
        spells_of(spell.id),
        spells_of(other.id),
        spells_of(other.id),
    ]


def test_reference_data_and_providers_announce_everything(
    db: Database, heard: Announcements
) -> None:
    provider = add_provider(db)
    with db.unit_of_work("hub") as s:
        hub.set_vacancies(s, provider_id=provider.id, expected_version=None, vacancies=1)
    with db.engine.begin() as conn:  # a reference list that changed since the last start
        conn.execute(update(Pathway).where(Pathway.code == "P1").values(label="Stale"))
    reference.sync(db.engine)
    reference.sync(db.engine)  # in step already: nothing
    everything = changes.Change(all=True)
    assert heard.since() == [everything, everything, everything]


def test_more_spells_than_the_limit_announce_everything(
    db: Database, heard: Announcements, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [admit(db, n).id for n in range(3)]
    heard.since()
    monkeypatch.setattr(changes, "MAX_SPELLS", 2)
    for chosen in (ids[:2], ids):
        with db.unit_of_work("alice") as s:
            for i in chosen:
                spells.set_next_action(s, spell_id=i, expected_version=None, next_action="go")
        with db.unit_of_work("alice") as s:
            for i in chosen:
                spells.set_next_action(s, spell_id=i, expected_version=None, next_action=None)
    assert heard.since() == [spells_of(*ids[:2])] * 2 + [changes.Change(all=True)] * 2


def test_a_savepoint_released_is_not_an_announcement(db: Database, heard: Announcements) -> None:
    spell = admit(db)
    heard.since()
    with db.unit_of_work("alice") as s:
        for text in ("a", "b"):
            with s.begin_nested():
                spells.set_next_action(
                    s, spell_id=spell.id, expected_version=None, next_action=text
                )
    assert heard.since() == [spells_of(spell.id)]


def test_payloads() -> None:
    assert changes.Change(frozenset({3, 1})).payload() == '{"spell_ids":[1,3]}'
    assert changes.Change(all=True).payload() == '{"all":true}'
    widest = changes.Change(frozenset(range(10**9, 10**9 + changes.MAX_SPELLS)))
    assert changes.MAX_SPELLS == 500 and len(widest.payload()) < 8000  # NOTIFY's limit
    for text in ("", "[]", '{"spell_ids": ["x"]}', '{"other": 1}', "nonsense"):
        assert changes.Change.from_payload(text) == changes.Change(all=True)
    assert changes.Change.from_payload(widest.payload()) == widest
    assert changes.merge([spells_of(1), spells_of(2)]) == spells_of(1, 2)
    assert changes.merge([spells_of(1), changes.Change(all=True)]).all


def test_sqlite_counter_moves_by_one_per_commit_and_the_log_is_pruned(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.open(sqlite_url)
    try:
        spell = admit(db)
        with db.engine.connect() as conn:
            start = changes.counter_value(conn)
        monkeypatch.setattr(changes, "LOG_KEEP", 3)
        monkeypatch.setattr(changes, "_PRUNE_EVERY", 1)
        for n in range(5):
            with db.unit_of_work("alice") as s:
                spells.set_next_action(
                    s, spell_id=spell.id, expected_version=None, next_action=f"step {n}"
                )
            with db.engine.connect() as conn:
                assert changes.counter_value(conn) == start + n + 1
        with db.engine.connect() as conn:
            assert changes.changes_after(conn, start + 4) == (start + 5, spells_of(spell.id))
            assert changes.changes_after(conn, start + 2) == (start + 5, spells_of(spell.id))
            assert changes.changes_after(conn, start) == (start + 5, changes.Change(all=True))
            assert changes.changes_after(conn, start + 5) == (start + 5, None)
            assert changes.changes_after(conn, start + 9) == (start + 5, changes.Change(all=True))
    finally:
        db.dispose()
