"""The hub's queues: referrals (awaiting acceptance, then accepted but unplaced, oldest
first, returnable with a reason) and placements per council, with what each row shows;
the batch re-fetch of board rows for a live notification."""

from __future__ import annotations

from datetime import datetime, timedelta

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.services import ctr, hub, queues, spells, workspace
from discharge_hub.services.views import SpellView
from tests.conftest import TODAY
from tests.core_support import add_provider, admit, days, on_pathway, refused


def refer(db: Database, spell: SpellView, *, accept: bool = False) -> hub.ReferralView:
    with db.unit_of_work("ward") as s:
        r = hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    if accept:
        with db.unit_of_work("hub") as s:
            r = hub.accept_referral(s, referral_id=r.id, expected_version=r.version)
    return r


def request(db: Database, spell: SpellView, service: str = "reablement", **kw: object) -> int:
    with db.unit_of_work("hub") as s:
        return hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type=service, **kw
        ).id  # type: ignore[arg-type]


def test_referral_queue_contents_and_order(db: Database) -> None:
    s = [
        on_pathway(db, admit(db, n, bed=f"B{n}"), p)
        for n, p in enumerate(("P1", "P3", "P2", "P1", "P1", "P1", "P1"))
    ]
    r1 = refer(db, s[0])
    r2 = refer(db, s[1], accept=True)
    r3 = refer(db, s[2])
    refer(db, s[3], accept=True)
    request(db, s[3])  # accepted and being placed: off this queue
    r5 = refer(db, s[4], accept=True)
    cancelled = request(db, s[4])
    with db.unit_of_work("hub") as ses:
        hub.end_placement(
            ses,
            placement_id=cancelled,
            expected_version=None,
            outcome="cancelled",
            reason="Provider closed",
        )
    r6 = refer(db, s[5])
    with db.unit_of_work("hub") as ses:
        hub.return_referral(ses, referral_id=r6.id, expected_version=None, reason="Not P1")
    refer(db, s[6])
    with db.unit_of_work("ward") as ses:
        spells.discharge(
            ses,
            spell_id=s[6].id,
            expected_version=None,
            discharged_at=clock.now() - timedelta(minutes=1),
            destination="19",
            method="1",
        )
    now = clock.now() + timedelta(hours=5)
    with db.read() as ses:
        rows = queues.referral_queue(ses, now=now)
    assert [r.referral_id for r in rows] == [r1.id, r3.id, r2.id, r5.id]
    assert [r.state_label for r in rows] == ["Awaiting acceptance"] * 2 + ["Accepted"] * 2
    first = rows[0]
    assert first.waiting == now - first.referred_at and first.waiting >= timedelta(hours=5)
    assert (first.nhs_number, first.family_name, first.given_name) == (
        s[0].nhs_number,
        "O'Neill",
        "Zoë",
    )
    assert (first.site, first.ward, first.bed, first.place_code) == (
        s[0].site,
        "Ward 7",
        "B0",
        "E06000016",
    )
    assert (first.pathway, first.referral_pathway, first.spell_version) == (
        "P1",
        "P1",
        s[0].version,
    )
    assert (rows[2].accepted_by, rows[2].pathway) == ("hub", "P3")
    with db.read() as ses:  # a notification's spells only
        again = queues.referral_queue(ses, spell_ids=[s[2].id, s[3].id], now=now)
    assert [r.referral_id for r in again] == [r3.id]


def test_return_a_referral_with_a_reason(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P2")
    r = refer(db, spell)

    def returning(reason: str, version: int | None = None) -> object:
        return lambda s: hub.return_referral(
            s, referral_id=r.id, expected_version=version, reason=reason
        )

    refused(db, returning("  "), field="reason")
    with db.unit_of_work("hub lead") as s:
        back = hub.return_referral(
            s,
            referral_id=r.id,
            expected_version=r.version,
            reason="Needs a therapy assessment first",
        )
    assert (back.state, back.state_label, back.returned_by, back.return_reason) == (
        "returned",
        "Returned",
        "hub lead",
        "Needs a therapy assessment first",
    )
    assert back.returned_at is not None and back.version == r.version + 1
    assert "closed" in str(refused(db, returning("again"), field="referral"))
    refused(
        db,
        lambda s: hub.accept_referral(s, referral_id=r.id, expected_version=None),
        field="referral",
    )
    again = refer(db, spell)  # the ward may refer again once the referral is back
    assert again.state == "referred"
    with db.unit_of_work("hub") as s:
        hub.accept_referral(s, referral_id=again.id, expected_version=None)
    request(db, spell, "ic_bed")
    err = refused(
        db,
        lambda s: hub.return_referral(s, referral_id=again.id, expected_version=None, reason="x"),
        field="referral",
    )
    assert "placement in progress" in str(err)
    with db.read() as s:
        assert [x.state for x in hub.referrals_for(s, spell.id)] == ["returned", "accepted"]


def test_placement_queue_per_council(db: Database) -> None:
    city = on_pathway(db, admit(db, 0, bed="A1"), "P1")
    county = on_pathway(db, admit(db, 1, place="Leicestershire", ward="Ward 15", bed=None), "P3")
    rutland = on_pathway(db, admit(db, 2, place="E06000017"), "P2")
    provider = add_provider(db, places=["E06000016"])
    with db.unit_of_work("ward") as s:
        ctr.record_ctr_review(
            s, spell_id=city.id, expected_version=None, review_date=days(-3), criteria=[]
        )
    p_city = request(db, city, provider_id=provider.id, funding="council")
    p_county = request(db, county, "nursing_home", funding="chc")
    p_rutland = request(db, rutland, "ic_bed")
    done = request(db, city, "domiciliary")
    with db.unit_of_work("council") as s:
        hub.assign_worker(s, placement_id=p_city, expected_version=None, worker="Sam Patel")
        hub.advance_placement(s, placement_id=p_county, expected_version=None, to_state="assessing")
        hub.end_placement(
            s, placement_id=done, expected_version=None, outcome="declined", reason="No capacity"
        )
    today = TODAY + timedelta(days=2)
    with db.read() as s:
        every = queues.placement_queue(s, today=today)
        by_code = queues.placement_queue(s, place="E10000018", today=today)
        by_name = queues.placement_queue(s, place="leicestershire", today=today)
        assessing = queues.placement_queue(s, state="assessing", today=today)
        mine = queues.placement_queue(s, spell_ids=[city.id, 999], today=today)
    assert [r.placement_id for r in every] == [p_city, p_county, p_rutland]
    assert [r.placement_id for r in by_code] == [p_county] == [r.placement_id for r in by_name]
    assert [r.placement_id for r in assessing] == [p_county]
    assert [r.placement_id for r in mine] == [p_city]
    row = every[0]
    assert (row.nhs_number, row.family_name, row.given_name, row.place_code, row.place) == (
        city.nhs_number,
        "O'Neill",
        "Zoë",
        "E06000016",
        "Leicester",
    )
    assert (row.site, row.ward, row.bed, row.pathway) == (city.site, "Ward 7", "A1", "P1")
    assert (row.discharge_ready_date, row.delay_days, row.discharged) == (days(-3), 5, False)
    assert (row.service_type, row.service_type_label) == ("reablement", "Home-based reablement")
    assert (row.provider_id, row.provider_code, row.provider) == (
        provider.id,
        provider.code,
        "Reablement Ltd",
    )
    assert (row.state, row.state_label, row.assigned_to, row.funding, row.funding_label) == (
        "requested",
        "Requested",
        "Sam Patel",
        "council",
        "Council",
    )
    assert row.days_in_state == (today - clock.local_date(row.state_since)).days >= 2
    assert row.next_states == hub.TRANSITIONS["requested"]
    county_row = every[1]
    assert (county_row.bed, county_row.delay_days, county_row.state) == (None, None, "assessing")
    assert (county_row.provider, county_row.funding_label) == (None, "NHS continuing healthcare")


def test_placement_queue_refuses_an_unknown_place_or_state(db: Database) -> None:
    with db.read() as s:
        for kwargs, field in (
            ({"place": "Northamptonshire"}, "place"),
            ({"state": "started"}, "state"),
            ({"state": "teleported"}, "state"),
        ):
            try:
                queues.placement_queue(s, **kwargs)  # type: ignore[arg-type]
            except ValidationError as exc:
                assert exc.field == field
            else:
                raise AssertionError(f"{kwargs} was accepted")


def test_a_discharged_spells_waiting_placement_stays_on_the_queue(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    p = request(db, spell)
    with db.unit_of_work("ward") as s:
        spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=None,
            discharged_at=clock.now() - timedelta(minutes=1),
            destination="19",
            method="1",
        )
    with db.read() as s:
        rows = queues.placement_queue(s)
    assert [(r.placement_id, r.discharged, r.delay_days) for r in rows] == [(p, True, None)]


def test_board_rows_for_a_notifications_spells(db: Database) -> None:
    a = admit(db, 0, ward="Ward 7")
    b = admit(db, 1, ward="Ward 8")
    c = admit(db, 2, ward="Ward 7")
    with db.unit_of_work("ward") as s:
        spells.discharge(
            s,
            spell_id=c.id,
            expected_version=None,
            discharged_at=clock.now() - timedelta(minutes=1),
            destination="19",
            method="1",
        )
    with db.read() as s:
        board = {r.spell_id: r for r in workspace.board_rows(s, [a.id, b.id]).rows}
        update = workspace.board_rows(s, [a.id, b.id, c.id, 4242], today=TODAY)
        ward7 = workspace.board_rows(s, [a.id, b.id], ward_id=board[a.id].ward_id)
        single = workspace.board_row(s, a.id, TODAY)
    assert {r.spell_id for r in update.rows} == {a.id, b.id}
    assert update.removed == frozenset({c.id, 4242})
    assert next(r for r in update.rows if r.spell_id == a.id) == single
    assert ([r.spell_id for r in ward7.rows], ward7.removed) == ([a.id], frozenset({b.id}))


def test_a_return_is_audited_with_who_and_why(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    r = refer(db, spell)
    with db.unit_of_work("hub lead") as s:
        hub.return_referral(s, referral_id=r.id, expected_version=None, reason="Wrong pathway")
    with db.read() as s:
        detail = workspace.spell_detail(s, spell.id)
    entries = {(a.field, a.new_value, a.actor) for a in detail.audit if a.entity == "hub_referral"}
    assert ("return_reason", "Wrong pathway", "hub lead") in entries
    assert ("state", "returned", "hub lead") in entries
    assert detail.open_referral is None
    assert isinstance(detail.referrals[0].returned_at, datetime)
