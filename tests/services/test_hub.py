"""Hub use cases on SQLite and PostgreSQL: referrals, providers, placements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import NotFoundError, ValidationError
from discharge_hub.services import hub, queues, spells
from discharge_hub.services.hub import TRANSITIONS
from tests.conftest import TODAY, admitted
from tests.core_support import Action, add_provider, admit, db_fingerprint, on_pathway, refused

STATES = tuple(TRANSITIONS)
EARLIER = clock.as_utc(admitted(2))
LATER = clock.as_utc(admitted(1))


def test_transitions_form_the_documented_lifecycle() -> None:
    happy = ["requested", "assessing", "offered", "accepted", "start_confirmed", "started"]
    for a, b in zip(happy, happy[1:], strict=False):
        assert b in TRANSITIONS[a]
    for end in ("started", "declined", "cancelled"):
        assert TRANSITIONS[end] == ()
    assert all(t in TRANSITIONS for targets in TRANSITIONS.values() for t in targets)


def test_refer_and_accept(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P3")
    with db.unit_of_work("ward") as s:
        referral = hub.refer_to_hub(
            s, spell_id=spell.id, expected_version=spell.version, notes="Needs nursing home"
        )
    assert (referral.state, referral.pathway, referral.referred_by) == ("referred", "P3", "ward")
    with db.unit_of_work("hubuser") as s:
        accepted = hub.accept_referral(
            s, referral_id=referral.id, expected_version=referral.version
        )
    assert (accepted.state, accepted.accepted_by) == ("accepted", "hubuser")
    assert accepted.accepted_at is not None and accepted.version == referral.version + 1
    with db.read() as s:
        assert hub.referrals_for(s, spell.id) == [accepted]
    err = refused(
        db,
        lambda s: hub.refer_to_hub(s, spell_id=spell.id, expected_version=None),
        field="referral",
    )
    assert "already open" in str(err)
    refused(
        db,
        lambda s: hub.accept_referral(s, referral_id=referral.id, expected_version=None),
        field="referral",
    )
    refused(
        db,
        lambda s: hub.accept_referral(s, referral_id=9999, expected_version=None),
        field="",
        error=NotFoundError,
    )


def test_referral_needs_a_hub_pathway(db: Database) -> None:
    no_pathway = admit(db, 0)
    simple = on_pathway(db, admit(db, 1), "P0")
    for spell in (no_pathway, simple):
        err = refused(
            db,
            lambda s, i=spell.id: hub.refer_to_hub(s, spell_id=i, expected_version=None),
            field="pathway",
        )
        assert "does not go through the hub" in str(err)


def test_a_pathway_off_the_hub_withdraws_the_open_referral(db: Database) -> None:
    """P0 (or none through the hub) takes the patient off the hub's queue, saying why;
    a closed referral stays as it was, and the patient can be referred again later."""
    spell = on_pathway(db, admit(db), "P2")
    with db.unit_of_work("ward") as s:
        referral = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    with db.unit_of_work("hubuser") as s:
        hub.accept_referral(s, referral_id=referral.id, expected_version=None)
    with db.read() as s:
        spell = spells.get_spell(s, spell.id)
    spell = on_pathway(db, spell, "P0", actor="ward2")
    with db.read() as s:
        (withdrawn,) = hub.referrals_for(s, spell.id)
        queued = [r.spell_id for r in queues.referral_queue(s)]
    assert (withdrawn.state, withdrawn.returned_by) == ("withdrawn", "ward2")
    assert "P0" in (withdrawn.return_reason or "") and withdrawn.returned_at is not None
    assert spell.id not in queued
    spell = on_pathway(db, spell, "P3")
    with db.unit_of_work("ward") as s:
        again = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    with db.read() as s:
        states = sorted(r.state for r in hub.referrals_for(s, spell.id))
    assert again.state == "referred" and states == ["referred", "withdrawn"]


def test_providers_and_vacancies(db: Database) -> None:
    p = add_provider(
        db,
        "Rutland Reablement",
        places=["E06000017", "E10000018", "E06000017"],
        service_types=["reablement", "domiciliary", "reablement"],
        capacity=120,
        capacity_unit="hours",
        vacancies=40,
        vacancies_as_of=EARLIER,
        phone=" 01572 000000 ",
    )
    assert p.service_types == ("domiciliary", "reablement")
    assert p.places == ("E06000017", "E10000018")
    assert (p.capacity, p.capacity_unit, p.vacancies, p.vacancies_as_of) == (
        120,
        "hours",
        40,
        EARLIER,
    )
    with db.unit_of_work("hubuser") as s:
        q = hub.set_vacancies(
            s, provider_id=p.id, expected_version=p.version, vacancies=0, as_of=LATER
        )
    assert (q.vacancies, q.vacancies_as_of, q.version) == (0, LATER, p.version + 1)
    add_provider(db, "Beds R Us", service_types=["nursing_home"], places=["E06000016"])
    with db.read() as s:
        assert [x.name for x in hub.list_providers(s)] == ["Beds R Us", "Rutland Reablement"]
        assert [x.name for x in hub.list_providers(s, service_type="reablement")] == [
            "Rutland Reablement"
        ]


def test_provider_refusals_write_nothing(db: Database) -> None:
    existing = add_provider(db, "Reablement Ltd")

    def adding(**kw: object) -> object:
        args: dict[str, object] = {
            "code": "1-555555555",
            "name": "New Ltd",
            "service_types": ["reablement"],
            "places": ["E06000016"],
            "capacity": 5,
        }
        args.update(kw)
        return lambda s: hub.add_provider(s, **args)

    refused(db, adding(service_types=["teleportation"]), field="service_types")
    refused(db, adding(service_types=[]), field="service_types")
    refused(db, adding(places=["E99999999"]), field="places")
    refused(db, adding(capacity=-1), field="capacity")
    refused(db, adding(capacity_unit="spoons"), field="capacity_unit")
    refused(db, adding(vacancies=6), field="vacancies")
    refused(db, adding(vacancies=-1), field="vacancies")
    refused(db, adding(name=" "), field="name")
    err = refused(db, adding(name="Reablement Ltd"), field="name")
    assert "already" in str(err)
    for code in ("", "1-12345678", "1-123456789012", "2-123456789", "1-12345678x", "1-１23456789"):
        refused(db, adding(code=code), field="code")
    err = refused(db, adding(code=existing.code), field="code")
    assert "already a provider" in str(err)
    refused(
        db,
        lambda s: hub.set_vacancies(
            s, provider_id=existing.id, expected_version=None, vacancies=11
        ),
        field="vacancies",
    )


def test_placement_walks_the_whole_lifecycle(db: Database) -> None:
    spell = on_pathway(db, admit(db, place="Rutland"), "P1")
    provider = add_provider(db, places=["E06000017"])
    with db.unit_of_work("ward") as s:
        referral = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    with db.unit_of_work("hubuser") as s:
        p = hub.request_placement(
            s,
            spell_id=spell.id,
            expected_version=None,
            service_type="reablement",
            funding="council",
            notes="AM calls",
        )
    assert (p.state, p.referral_id, p.place_code, p.provider) == (
        "requested",
        referral.id,
        "E06000017",
        None,
    )
    assert (p.requested_by, p.funding, p.notes) == ("hubuser", "council", "AM calls")
    steps: list[tuple[str, dict[str, object]]] = [
        ("assessing", {}),
        ("offered", {"provider_id": provider.id}),
        ("accepted", {}),
        ("start_confirmed", {"start_date": TODAY + timedelta(days=2)}),
        ("started", {}),
    ]
    for state, extra in steps:
        with db.unit_of_work("council") as s:
            q = hub.advance_placement(
                s, placement_id=p.id, expected_version=p.version, to_state=state, **extra
            )  # type: ignore[arg-type]
        assert q.state == state and q.version == p.version + 1
        assert q.state_changed_at >= p.state_changed_at
        p = q
    assert (p.provider, p.start_date, p.state_label) == (
        "Reablement Ltd",
        TODAY + timedelta(days=2),
        "Started",
    )
    assert p.started_at is not None
    with db.read() as s:
        assert hub.placements_for(s, spell.id) == [p]


def test_every_transition_that_does_not_exist_is_refused(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P2")
    provider = add_provider(db, service_types=["community_rehab"])
    ids: dict[str, int] = {}
    paths = {
        "requested": [],
        "assessing": ["assessing"],
        "offered": ["offered"],
        "accepted": ["offered", "accepted"],
        "start_confirmed": ["offered", "accepted", "start_confirmed"],
        "started": ["offered", "accepted", "start_confirmed", "started"],
        "declined": ["declined"],
        "cancelled": ["cancelled"],
    }
    with db.unit_of_work("hubuser") as s:
        for state, path in paths.items():
            p = hub.request_placement(
                s,
                spell_id=spell.id,
                expected_version=None,
                service_type="community_rehab",
                provider_id=provider.id,
            )
            for step in path:
                p = hub.advance_placement(
                    s,
                    placement_id=p.id,
                    expected_version=None,
                    to_state=step,
                    start_date=TODAY,
                    reason="r",
                )
            assert p.state == state
            ids[state] = p.id
    before = db_fingerprint(db)
    refusals = 0
    for state in STATES:
        for target in (*STATES, "teleported"):
            if target in TRANSITIONS[state]:
                continue
            with pytest.raises(ValidationError) as info, db.unit_of_work("hubuser") as s:
                hub.advance_placement(
                    s,
                    placement_id=ids[state],
                    expected_version=None,
                    to_state=target,
                    reason="r",
                    start_date=TODAY,
                )
            assert info.value.field == "state" and f"from {state}" in str(info.value)
            refusals += 1
    assert refusals == 9 * 8 - sum(len(t) for t in TRANSITIONS.values())
    # Counts only grow and versions only grow: one comparison covers every refusal.
    assert db_fingerprint(db) == before


def test_placement_refusals_write_nothing(db: Database) -> None:
    p0 = on_pathway(db, admit(db, 0), "P0")
    none = admit(db, 1)
    spell = on_pathway(db, admit(db, 2), "P1")
    provider = add_provider(db)
    beds = add_provider(db, "Care Home Ltd", service_types=["nursing_home"])

    def requesting(spell_id: int = spell.id, service: str = "reablement", **kw: object) -> Action:
        return lambda s: hub.request_placement(
            s, spell_id=spell_id, expected_version=None, service_type=service, **kw
        )  # type: ignore[arg-type]

    err = refused(db, requesting(p0.id), field="pathway")
    assert "P0" in str(err) and "no hub placements" in str(err)
    refused(db, requesting(none.id), field="pathway")
    refused(db, requesting(service="teleport"), field="service_type")
    refused(db, requesting(provider_id=9999), field="provider")
    assert "does not provide" in str(refused(db, requesting(provider_id=beds.id), field="provider"))
    refused(db, requesting(funding="lottery"), field="funding")
    refused(db, requesting(spell_id=9999), field="", error=NotFoundError)

    with db.unit_of_work("hubuser") as s:
        p = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )

    def advancing(to: str, **kw: object) -> Action:
        return lambda s: hub.advance_placement(
            s, placement_id=p.id, expected_version=None, to_state=to, **kw
        )  # type: ignore[arg-type]

    refused(db, advancing("offered"), field="provider")
    refused(db, advancing("offered", provider_id=beds.id), field="provider")
    for end in ("declined", "cancelled"):
        refused(db, advancing(end), field="reason")
        refused(db, advancing(end, reason="   "), field="reason")
    with db.unit_of_work("hubuser") as s:
        p = hub.advance_placement(
            s, placement_id=p.id, expected_version=None, to_state="offered", provider_id=provider.id
        )
        p = hub.advance_placement(s, placement_id=p.id, expected_version=None, to_state="accepted")
    refused(db, advancing("start_confirmed"), field="start_date")
    with db.unit_of_work("hubuser") as s:
        done = hub.advance_placement(
            s, placement_id=p.id, expected_version=None, to_state="cancelled", reason="Patient died"
        )
    assert (done.state, done.outcome_reason) == ("cancelled", "Patient died")
