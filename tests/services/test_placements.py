"""Placement services beyond the lifecycle walk (tests/test_services_hub.py): the
valid next steps, choosing a provider, assigning a worker, ending with a reason, and
a pathway change that cancels the open placements in the same save."""

from __future__ import annotations

import pytest

from discharge_hub.db import Database
from discharge_hub.errors import ConflictError, ValidationError
from discharge_hub.services import hub, placements, spells, workspace
from discharge_hub.services.placements import (
    TRANSITIONS,
    OpenPlacementsError,
    PlacementCancel,
    next_states,
)
from tests.conftest import TODAY
from tests.core_support import Action, add_provider, admit, db_fingerprint, on_pathway, refused


def test_next_states_are_the_transitions_and_nothing_else() -> None:
    for state, targets in TRANSITIONS.items():
        assert next_states(state) == targets
    assert next_states("teleported") == ()
    assert set(placements.WAITING_STATES) == {s for s, t in TRANSITIONS.items() if t}
    assert set(placements.STATE_LABELS) == set(TRANSITIONS)


ROUTE = ("offered", "accepted", "start_confirmed", "started")
PATHS = {
    "requested": (),
    "assessing": ("assessing",),
    **{state: ROUTE[: i + 1] for i, state in enumerate(ROUTE)},
    "declined": ("declined",),
    "cancelled": ("cancelled",),
}


def request(
    db: Database, spell_id: int, service: str = "reablement", **kw: object
) -> hub.PlacementView:
    with db.unit_of_work("hub") as s:
        return hub.request_placement(
            s, spell_id=spell_id, expected_version=None, service_type=service, **kw
        )  # type: ignore[arg-type]


def test_every_pair_of_states_is_refused_unless_next_states_offers_it(db: Database) -> None:
    """Through end_placement and advance_placement alike, the view's next_states is
    exactly what the service accepts."""
    spell = on_pathway(db, admit(db), "P1")
    provider = add_provider(db)
    for state in TRANSITIONS:
        for target in TRANSITIONS:
            p = request(db, spell.id, provider_id=provider.id)
            with db.unit_of_work("hub") as s:
                for step in PATHS[state]:
                    p = hub.advance_placement(
                        s,
                        placement_id=p.id,
                        expected_version=None,
                        to_state=step,
                        start_date=TODAY,
                        reason="r",
                    )
            assert p.state == state
            allowed = target in p.next_states
            before = db_fingerprint(db)
            try:
                with db.unit_of_work("council") as s:
                    if target in placements.NEEDS_REASON:
                        done = hub.end_placement(
                            s,
                            placement_id=p.id,
                            expected_version=p.version,
                            outcome=target,
                            reason="No longer needed",
                        )
                    else:
                        done = hub.advance_placement(
                            s,
                            placement_id=p.id,
                            expected_version=p.version,
                            to_state=target,
                            start_date=TODAY,
                        )
            except ValidationError as exc:
                assert not allowed, (state, target, exc)
                assert exc.field == "state" and f"from {state}" in exc.message
                assert db_fingerprint(db) == before
            else:
                assert allowed, (state, target)
                assert (done.state, done.version) == (target, p.version + 1)


def test_end_placement_needs_an_ending_and_a_reason(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    p = request(db, spell.id)

    def ending(outcome: str, reason: str) -> Action:
        return lambda s: hub.end_placement(
            s, placement_id=p.id, expected_version=None, outcome=outcome, reason=reason
        )

    refused(db, ending("started", "x"), field="outcome")
    refused(db, ending("declined", "  "), field="reason")
    with db.unit_of_work("council") as s:
        done = hub.end_placement(
            s,
            placement_id=p.id,
            expected_version=p.version,
            outcome="declined",
            reason="Patient chose a private home",
        )
    assert (done.state, done.outcome_reason, done.next_states) == (
        "declined",
        "Patient chose a private home",
        (),
    )


def test_choose_a_provider_without_moving_the_placement(db: Database) -> None:
    spell = on_pathway(db, admit(db, place="Rutland"), "P1")
    rutland = add_provider(db, "Rutland Reablement", places=["E06000017"])
    city = add_provider(db, "City Reablement", places=["E06000016"])
    beds = add_provider(db, "Rutland Beds", service_types=["nursing_home"], places=["E06000017"])
    p = request(db, spell.id)

    def choosing(provider_id: int | None) -> Action:
        return lambda s: hub.choose_provider(
            s, placement_id=p.id, expected_version=None, provider_id=provider_id
        )

    assert "does not serve" in str(refused(db, choosing(city.id), field="provider"))
    assert "does not provide" in str(refused(db, choosing(beds.id), field="provider"))
    refused(db, choosing(9999), field="provider")
    with db.unit_of_work("council") as s:
        q = hub.choose_provider(
            s, placement_id=p.id, expected_version=p.version, provider_id=rutland.id
        )
    assert (q.state, q.provider, q.provider_code, q.version) == (
        "requested",
        "Rutland Reablement",
        rutland.code,
        p.version + 1,
    )
    with db.unit_of_work("council") as s:
        q = hub.advance_placement(
            s, placement_id=p.id, expected_version=q.version, to_state="offered"
        )
    assert "required" in str(refused(db, choosing(None), field="provider"))
    with db.unit_of_work("council") as s:
        q = hub.advance_placement(
            s, placement_id=p.id, expected_version=q.version, to_state="accepted"
        )
    err = refused(db, choosing(rutland.id), field="provider")
    assert "cannot change once" in str(err)
    with pytest.raises(ConflictError), db.unit_of_work("council") as s:
        hub.choose_provider(s, placement_id=p.id, expected_version=p.version, provider_id=None)


def test_assign_a_worker(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    p = request(db, spell.id)
    with db.unit_of_work("council") as s:
        q = hub.assign_worker(
            s, placement_id=p.id, expected_version=p.version, worker=" Sam Patel "
        )
    assert (q.assigned_to, q.state) == ("Sam Patel", "requested")
    refused(
        db,
        lambda s: hub.assign_worker(s, placement_id=p.id, expected_version=None, worker="x" * 101),
        field="assigned_to",
    )
    with db.unit_of_work("council") as s:
        q = hub.assign_worker(s, placement_id=p.id, expected_version=q.version, worker="")
        assert q.assigned_to is None
        hub.end_placement(
            s, placement_id=p.id, expected_version=None, outcome="cancelled", reason="Went home"
        )
    err = refused(
        db,
        lambda s: hub.assign_worker(s, placement_id=p.id, expected_version=None, worker="Sam"),
        field="placement",
    )
    assert "finished" in str(err)


def test_a_pathway_off_the_hub_cancels_the_open_placements_in_the_same_save(
    db: Database,
) -> None:
    spell = on_pathway(db, admit(db), "P1")
    provider = add_provider(db)
    first = request(db, spell.id, provider_id=provider.id)
    second = request(db, spell.id, service="domiciliary")
    request_done = request(db, spell.id, service="domiciliary")
    with db.unit_of_work("hub") as s:
        hub.end_placement(
            s,
            placement_id=request_done.id,
            expected_version=None,
            outcome="cancelled",
            reason="duplicate",
        )
    with db.read() as s:
        detail = workspace.spell_detail(s, spell.id)

    def saving(changes: workspace.WorkspaceChanges) -> Action:
        return lambda s: workspace.save(
            s, spell_id=spell.id, expected_version=detail.spell.version, changes=changes
        )

    err = refused(
        db,
        saving(workspace.WorkspaceChanges(pathway_changed=True, pathway="P0")),
        field="pathway.pathway",
    )
    assert isinstance(err, OpenPlacementsError)
    assert [p.id for p in err.placements] == [first.id, second.id]
    assert "2 open hub placements" in str(err) and "same save" in str(err)
    listed = PlacementCancel(
        "Going home with family", tuple((p.id, p.version) for p in err.placements)
    )
    refused(
        db,
        saving(
            workspace.WorkspaceChanges(
                pathway_changed=True,
                pathway="P0",
                cancel_placements=PlacementCancel(" ", listed.placements),
            )
        ),
        field="pathway.reason",
    )
    partly = PlacementCancel("Going home", listed.placements[:1])
    err = refused(
        db,
        saving(
            workspace.WorkspaceChanges(pathway_changed=True, pathway="P0", cancel_placements=partly)
        ),
        field="pathway.pathway",
    )
    assert [p.id for p in err.placements] == [second.id]  # type: ignore[attr-defined]
    with db.unit_of_work("ward") as s:
        saved = workspace.save(
            s,
            spell_id=spell.id,
            expected_version=detail.spell.version,
            changes=workspace.WorkspaceChanges(
                pathway_changed=True, pathway="P0", cancel_placements=listed
            ),
        )
    assert saved.spell.pathway == "P0"
    ended = {p.id: p for p in saved.placements}
    for p in (first, second):
        assert (ended[p.id].state, ended[p.id].outcome_reason) == (
            "cancelled",
            "Going home with family",
        )
    assert ended[request_done.id].outcome_reason == "duplicate"
    cancels = [
        a
        for a in saved.audit
        if a.entity == "placement" and a.field == "state" and a.new_value == "cancelled"
    ]
    assert {a.actor for a in cancels} >= {"ward"}


def test_a_stale_placement_version_refuses_the_whole_pathway_save(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    p = request(db, spell.id)
    with db.unit_of_work("council") as s:
        hub.assign_worker(s, placement_id=p.id, expected_version=p.version, worker="Sam")
    before = db_fingerprint(db)
    with pytest.raises(ConflictError), db.unit_of_work("ward") as s:
        spells.set_pathway(
            s,
            spell_id=spell.id,
            expected_version=None,
            pathway="P0",
            cancel_placements=PlacementCancel("Home", ((p.id, p.version),)),
        )
    assert db_fingerprint(db) == before


def test_a_started_placement_blocks_leaving_the_hub(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    provider = add_provider(db)
    p = request(db, spell.id, provider_id=provider.id)
    with db.unit_of_work("hub") as s:
        for step in ("offered", "accepted", "start_confirmed", "started"):
            p = hub.advance_placement(
                s, placement_id=p.id, expected_version=None, to_state=step, start_date=TODAY
            )
    err = refused(
        db,
        lambda s: spells.set_pathway(
            s,
            spell_id=spell.id,
            expected_version=None,
            pathway="P0",
            cancel_placements=PlacementCancel("x", ((p.id, p.version),)),
        ),
        field="pathway",
    )
    assert "has started" in str(err)
