"""The demo written in bulk (issue 12, item 4) is data the services would have written:
the services' own rule functions re-checked over every row it wrote, the board
summaries in step, an audit row for every row and version, stamped with the story's
time, and a history that gives past days' sitrep figures the story says."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from discharge_hub import clock, demo, summaries
from discharge_hub import demo_steps as step
from discharge_hub.db import Database
from discharge_hub.demo_plan import MODELS, Plan
from discharge_hub.demo_steps import Case
from discharge_hub.demo_world import World
from discharge_hub.errors import ValidationError
from discharge_hub.models import (
    AuditEntry,
    Barrier,
    CarerContact,
    CtrReview,
    CtrReviewCriterion,
    EddChange,
    HubReferral,
    Pathway,
    Placement,
    Provider,
    Red2GreenDay,
    Spell,
    SpellFact,
    Versioned,
)
from discharge_hub.reports.sitrep import ALL_SITES, sitrep
from discharge_hub.services import care, ctr, hub, placements, spells
from discharge_hub.services.drd import derive_drd
from discharge_hub.services.providers import check_offers
from tests import conftest
from tests.cli.conftest import digest

PATIENTS, SEED = 40, 11


@pytest.fixture
def demo_db(db: Database) -> Database:
    demo.generate(db, patients=PATIENTS, seed=SEED)
    return db


def _rows(conn: Connection, model: Any) -> list[Any]:
    return list(conn.execute(select(model.__table__)).all())


def _admitted_on(conn: Connection) -> dict[int, date]:
    return {s.id: clock.local_date(s.admitted_at) for s in _rows(conn, Spell)}


def test_every_row_passes_the_services_rules(demo_db: Database) -> None:
    today = conftest.TODAY
    with demo_db.engine.connect() as conn:
        spell_rows = {s.id: s for s in _rows(conn, Spell)}
        admitted = _admitted_on(conn)
        ticked: dict[int, list[str]] = defaultdict(list)
        for c in _rows(conn, CtrReviewCriterion):
            ticked[c.review_id].append(c.criterion_code)
        reviews: dict[int, list[tuple[date, bool]]] = defaultdict(list)
        for r in sorted(_rows(conn, CtrReview), key=lambda r: (r.review_date, r.id)):
            ctr.check_review_date(r.review_date, admitted[r.spell_id], today=today)
            ctr.check_answer(r.meets_criteria, sorted(ticked[r.id]))
            reviews[r.spell_id].append((r.review_date, r.meets_criteria))
        for sid, s in spell_rows.items():  # the DRD rule over the whole history
            assert s.discharge_ready_date == derive_drd(reviews[sid]), sid
            if s.discharged_at is not None:
                spells.check_discharged_at(s.discharged_at, s.admitted_at)
        last_edd: dict[int, date] = {}
        for e in sorted(_rows(conn, EddChange), key=lambda e: (e.changed_at, e.id)):
            assert e.reason == spells.check_edd(
                e.new_edd, reason=e.reason, admitted_on=admitted[e.spell_id], today=today
            )
            assert e.old_edd == last_edd.get(e.spell_id)
            last_edd[e.spell_id] = e.new_edd
        assert {sid: s.edd for sid, s in spell_rows.items() if s.edd} == last_edd
        _check_placements(conn, spell_rows)
        for k in _rows(conn, CarerContact):
            assert care.check_contact_at(k.contact_at, admitted[k.spell_id]) == k.contact_at
            care.check_next_contact(k.next_contact_due, k.contact_at, today=today)
        for d in _rows(conn, Red2GreenDay):
            assert care.check_red2green_colour(d.colour, d.reason) == (d.colour, d.reason)
            assert d.day >= admitted[d.spell_id]
        for b in _rows(conn, Barrier):
            care.check_due_date(b.due_date, admitted[b.spell_id], today=today)
            assert (b.state == "resolved") == (b.resolved_at is not None)
        referrals = _rows(conn, HubReferral)
        open_referrals = [r.spell_id for r in referrals if r.state in hub.OPEN_REFERRAL_STATES]
        assert len(open_referrals) == len(set(open_referrals))  # one open per spell


def _check_placements(conn: Connection, spell_rows: dict[int, Any]) -> None:
    """Each placement's states, read back from its audit trail, follow the lifecycle;
    it is on a hub pathway, with a provider that offers the service where it lives."""
    hub_pathways = {p.code for p in _rows(conn, Pathway) if p.through_hub}
    offers = {p.id: p.name for p in _rows(conn, Provider)}
    trail: dict[int, list[str]] = defaultdict(list)
    for a in conn.execute(
        select(AuditEntry.entity_id, AuditEntry.new_value)
        .where(AuditEntry.entity == "placement", AuditEntry.field == "state")
        .order_by(AuditEntry.id)
    ):
        trail[a.entity_id].append(a.new_value)
    services = _provider_lists(conn)
    assert trail  # there are placements
    for p in _rows(conn, Placement):
        states = trail[p.id]
        assert states[0] == "requested" and states[-1] == p.state, (p.id, states)
        for before, after in zip(states, states[1:], strict=False):
            placements.check_transition(before, after)
        spell = spell_rows[p.spell_id]
        assert spell.pathway_code in hub_pathways
        placements.check_placement_pathway(spell.pathway_code, True)
        if p.provider_id is not None:
            check_offers(offers[p.provider_id], *services[p.provider_id], p.service_type_code,
                         p.place_code)  # fmt: skip
        assert (p.state == "started") == (spell.discharged_at is not None and p.started_at
                                           == spell.discharged_at)  # fmt: skip


def _provider_lists(conn: Connection) -> dict[int, tuple[set[str], set[str]]]:
    out: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for pid, code in conn.exec_driver_sql(
        "SELECT provider_id, service_type_code FROM provider_service_type"
    ):
        out[pid][0].add(code)
    for pid, code in conn.exec_driver_sql("SELECT provider_id, place_code FROM provider_place"):
        out[pid][1].add(code)
    return out


def test_summaries_agree_and_every_row_is_audited_at_its_story_time(demo_db: Database) -> None:
    now = clock.now()
    with demo_db.engine.connect() as conn:
        assert summaries.out_of_step(conn) == []
        audit: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for a in _rows(conn, AuditEntry):
            assert a.at <= now and a.actor == "demo"
            audit[(a.entity, a.entity_id)].append(a)
        for model in MODELS:
            if model is CtrReviewCriterion:
                continue
            table = model.__tablename__
            for row in _rows(conn, model):
                entries = audit[(table, row.id)]
                inserted = [a for a in entries if a.action == "insert"]
                assert inserted, (table, row.id)
                if issubclass(model, Versioned):
                    assert {a.at for a in inserted} == {row.created_at}
                    assert max(a.version for a in entries) == row.version
                    assert max(a.at for a in entries) == row.updated_at
        for s in _rows(conn, Spell):  # a spell's trail begins when the patient was admitted
            assert min(a.at for a in audit[("spell", s.id)]) == s.admitted_at
        ticked = {(c.review_id, c.criterion_code) for c in _rows(conn, CtrReviewCriterion)}
        audited = {
            (a.entity_id, a.new_value)
            for a in conn.execute(
                select(AuditEntry.entity_id, AuditEntry.new_value).where(
                    AuditEntry.entity == "ctr_review_criterion",
                    AuditEntry.field == "criterion_code",
                )
            )
        }
        assert ticked == audited


@pytest.mark.parametrize("days_ago", [1, 4, 9])
def test_past_days_sitrep_reads_like_the_story(demo_db: Database, days_ago: int) -> None:
    """From the history facts (as of the end of that day) the same figures as from the
    story's own rows: who was in, and who no longer met the criteria to reside then."""
    on = conftest.TODAY - timedelta(days=days_ago)
    with demo_db.engine.connect() as conn:
        reviews: dict[int, list[tuple[date, bool]]] = defaultdict(list)
        for r in sorted(_rows(conn, CtrReview), key=lambda r: (r.review_date, r.id)):
            if r.review_date <= on:
                reviews[r.spell_id].append((r.review_date, r.meets_criteria))
        inside, nctr, gone = 0, 0, 0
        for s in _rows(conn, Spell):
            out = clock.local_date(s.discharged_at) if s.discharged_at else None
            gone += out == on
            if clock.local_date(s.admitted_at) <= on and (out is None or out > on):
                inside += 1
                drd = derive_drd(reviews[s.id])
                nctr += drd is not None and drd <= on
    with demo_db.read() as session:
        figures = {
            r.measure: r.value
            for r in sitrep(session, on=on)
            if r.site == ALL_SITES and r.breakdown == ""
        }
    assert inside > 0 and nctr > 0
    assert (figures["inpatients"], figures["nctr"], figures["discharged"]) == (inside, nctr, gone)


def test_the_story_times_are_not_the_time_the_demo_ran(demo_db: Database) -> None:
    """Audit "when", row stamps and history agree with the story (the fix of the demo's
    audit trail, which used to say when the demo ran)."""
    with demo_db.engine.connect() as conn:
        at = [a.at for a in _rows(conn, AuditEntry) if a.entity == "edd_change"
              and a.field == "new_edd"]  # fmt: skip
        changed = [e.changed_at for e in _rows(conn, EddChange)]
    assert sorted(at) == sorted(changed)
    assert min(at) < clock.now() - timedelta(days=5)
    assert isinstance(min(at), datetime)


def test_a_step_the_services_refuse_is_refused_by_the_plan_with_their_message() -> None:
    """The plan's steps call the services' own rule functions: a step off the placement
    lifecycle, an offer without a provider, "still meets" with nothing ticked."""
    at = datetime.combine(conftest.TODAY - timedelta(days=2), time(10, 0))
    world = World(random.Random(1), conftest.TODAY, at + timedelta(days=1))
    world.plan = Plan("demo", dict.fromkeys(MODELS, 1))
    spell = world.plan.insert(Spell, at, patient_id=1, site_id=1, ward_id=1,
                              admitted_at=clock.as_utc(at))  # fmt: skip
    case = Case(spell, at)
    placement = world.plan.insert(Placement, at, spell_id=spell.id, state="requested")
    written = len(world.plan.audit)
    with pytest.raises(ValidationError, match="is not a next step from requested"):
        step.advance_placement(world, placement, "started", at)
    with pytest.raises(ValidationError, match="is required for a placement offered"):
        step.advance_placement(world, placement, "offered", at)
    with pytest.raises(ValidationError, match="tick the criterion"):
        step.record_ctr_review(world, case, at.date(), [], meets=True, at=at)
    with pytest.raises(ValidationError, match="is before the admission"):
        step.record_ctr_review(world, case, at.date() - timedelta(days=1), [], meets=False, at=at)
    assert placement["state"] == "requested" and case.reviews == []
    assert len(world.plan.audit) == written  # nothing planned for a refused step
    step.advance_placement(world, placement, "assessing", at)
    assert placement["state"] == "assessing" and placement.version == 2


def test_a_demo_written_in_chunks_is_the_same_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> None:
    """A big demo is planned and written a few thousand stories at a time (memory); the
    chunks change nothing in the data, its trail or its history."""
    out = []
    for name, chunk in (("whole", 10_000), ("chunked", 7)):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        database = Database.open(str(path))
        try:
            monkeypatch.setattr(demo, "CHUNK", chunk)
            demo.generate(
                database, patients=20, seed=SEED, today=conftest.TODAY - timedelta(days=1)
            )
            with database.engine.connect() as conn:
                assert summaries.out_of_step(conn) == []
                out.append(
                    (
                        digest(database.engine),
                        conn.scalar(select(func.count()).select_from(AuditEntry)),
                        sorted(conn.execute(select(SpellFact.spell_id, SpellFact.kind,
                                                   SpellFact.valid_from)).all()),
                    )
                )  # fmt: skip
        finally:
            database.dispose()
    assert out[0] == out[1]
