"""One patient's story for the demo data: admission to today (open spells) or to a
discharge in the last 30 days. Every step goes through the services."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from discharge_hub import clock, facts
from discharge_hub import demo_data as data
from discharge_hub.models import (
    Barrier,
    BarrierKind,
    Bed,
    ContactMethod,
    Criterion,
    DelayReason,
    Destination,
    EddChange,
    EthnicCategory,
    HubReferral,
    Method,
    Pathway,
    Place,
    Placement,
    Provider,
    ServiceType,
    Site,
    Spell,
    SpellFact,
    Ward,
)
from discharge_hub.services import care, hub, spells
from discharge_hub.services.patients import PatientDetails

T = TypeVar("T")

# Target placement states for hub spells, in rotation so that every state appears.
PLACEMENT_PLAN = (
    "requested",
    "assessing",
    "offered",
    "accepted",
    "start_confirmed",
    "declined",
    "cancelled",
    "requested",
    "assessing",
    "offered",
)
ROUTE = ("assessing", "offered", "accepted", "start_confirmed")
PATHWAYS = (("P0", 55), ("P1", 22), ("P2", 12), ("P3", 7), ("P3b", 4))
DESTINATIONS = {
    "P0": ("19",),
    "P1": ("19",),
    "P2": ("51", "29", "88"),
    "P3": ("56", "55"),
    "P3b": ("55", "56"),
}
FUNDING = {
    "P1": ("council", "nhs"),
    "P2": ("nhs",),
    "P3": ("council", "chc", "self", "joint"),
    "P3b": ("council", "self"),
}
MEETS = ("02", "03", "04", "06", "08", "12")  # criteria to reside the demo draws from
GIVEN_NAMES = tuple(sorted({n for b in data.BACKGROUNDS for n in b.female + b.male}))
PINNED_MODELS = (
    Site,
    Ward,
    Bed,
    Provider,
    Pathway,
    Criterion,
    DelayReason,
    Destination,
    Method,
    ServiceType,
    BarrierKind,
    ContactMethod,
    Place,
    EthnicCategory,
)
HANDOVER = {
    "patient_wishes": "Wants to go home and be near the family.",
    "home_environment": "Ground-floor flat, key safe fitted; daughter visits daily.",
    "safety_alerts": "Falls risk: walks with a frame.",
    "capacity_notes": "Has capacity for decisions about discharge.",
    "lasting_power_of_attorney": "Health and welfare LPA held by the daughter.",
    "information_given": "Reablement leaflet given and explained.",
}


@dataclass
class World:
    """What the stories share: the dice, the day, the estate and the providers."""

    rng: random.Random
    today: date
    latest: datetime  # naive UK wall clock: no event may be later than now
    free_beds: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    ward_weights: list[tuple[tuple[str, str], float]] = field(default_factory=list)
    all_beds: list[tuple[str, str, str]] = field(default_factory=list)
    providers: list[tuple[int, frozenset[str], frozenset[str]]] = field(default_factory=list)
    plan_index: int = 0
    # Strong references for one unit of work: the session's identity map is weak, so
    # without these every service call would reload the spell's site, ward, bed,
    # patient and the code lists it checks (the demo's main cost).
    pinned: list[object] = field(default_factory=list)

    def pin_session(self, session: Session) -> None:
        self.pinned = []
        for model in PINNED_MODELS:
            self.pinned += session.scalars(select(model)).all()
        # And every record the unit of work writes or loads (a placement advanced, a
        # carer contacted, a barrier resolved after it was added: no reload).
        event.listen(session, "pending_to_persistent", self._keep)
        event.listen(session, "loaded_as_persistent", self._keep)

    def _keep(self, _session: Session, instance: object) -> None:
        self.pinned.append(instance)

    def pin_spell(self, session: Session, spell_id: int) -> None:
        spell = session.get(Spell, spell_id)
        self.pinned += [spell, spell.patient] if spell else []

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return min(datetime.combine(day, time(hour % 24, minute)), self.latest)

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        return self.rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def provider(self, service: str, place: str | None) -> int:
        offering = [p for p in self.providers if service in p[1]]
        local = [p for p in offering if place in p[2]] or offering
        return self.rng.choice(local)[0]

    def free_bed(self) -> tuple[str, str, str | None]:
        """A free bed on a ward drawn by size (every open spell has its own bed)."""
        options = [(key, w) for key, w in self.ward_weights if self.free_beds[key]]
        if not options:  # more patients than beds: on the ward, no bed yet
            site, ward, _ = self.rng.choice(self.all_beds)
            return site, ward, None
        key = self.weighted(options)
        beds = self.free_beds[key]
        return key[0], key[1], beds.pop(self.rng.randrange(len(beds)))


def _backdate(session: Session, model: Any, row_id: int, **values: Any) -> None:
    session.execute(
        update(model).where(model.id == row_id).values(**values),
        execution_options={"synchronize_session": False},
    )


def _backdate_facts(
    session: Session, placement_id: int, requested: datetime, changed: datetime
) -> None:
    """The placement's history moved like its timestamps: requested then, each later
    step at the time of the last change (the steps in between hold for no time)."""
    changed = max(changed, requested)  # a request made later in the day than a step
    rows = session.scalars(
        select(SpellFact.id).where(SpellFact.placement_id == placement_id).order_by(SpellFact.id)
    ).all()
    placement = session.get(Placement, placement_id)
    if placement is not None:
        facts.forget_open(session, placement.spell_id)  # valid_from moved here
    for n, fact_id in enumerate(rows):
        since = requested if n == 0 else changed
        until = None if n == len(rows) - 1 else changed
        _backdate(session, SpellFact, fact_id, valid_from=since, valid_to=until)


# --- open spells ---------------------------------------------------------------------


def _open_los(world: World, stage: str) -> tuple[int, int | None]:
    """(length of stay, days since the DRD or None) for a stage."""
    r = world.rng
    if stage.startswith("nctr_"):
        delay = world.weighted(
            [
                (r.randint(1, 3), 40),
                (r.randint(4, 6), 25),
                (r.randint(7, 13), 20),
                (r.randint(14, 20), 8),
                (r.randint(21, 40), 7),
            ]
        )
        return delay + r.randint(2, 10), delay
    ranges = {
        "new": (0, 1),
        "no_edd": (2, 6),
        "treating": (1, 12),
        "edd_slipped": (8, 30),
        "ready_today": (2, 12),
        "remet": (6, 25),
    }
    low, high = ranges[stage]
    return r.randint(low, high), (0 if stage == "ready_today" else None)


def open_story(session: Session, world: World, person: PatientDetails, stage: str) -> None:
    r = world.rng
    los, delay = _open_los(world, stage)
    site, ward, bed = world.free_bed()
    admitted = world.at(world.today - timedelta(days=los), r.randint(0, 23), r.randint(0, 59))
    view = spells.admit(
        session, patient=person, site=site, ward=ward, bed=bed, admitted_at=admitted
    )
    sid, adm = view.id, clock.local_date(view.admitted_at)
    world.pin_spell(session, sid)
    if stage in ("new", "no_edd"):
        if r.random() < 0.6:
            _review(session, world, sid, adm, meets=True)
        _carers(session, world, sid, adm, world.today, None, person)
        return
    _edds(
        session,
        world,
        sid,
        adm,
        slips=r.randint(2, 4) if stage == "edd_slipped" else r.choice((0, 0, 1)),
        current=not stage.startswith("nctr_") and r.random() < 0.8,
    )
    drd = _reviews(session, world, sid, adm, stage, delay)
    pathway = stage[5:] if stage.startswith("nctr_") else None
    if stage in ("ready_today", "remet") or (stage == "treating" and r.random() < 0.4):
        pathway = world.weighted(PATHWAYS)
    if pathway:
        with facts.effective_at(session, world.at(max(adm, drd or adm), 10)):
            spells.set_pathway(session, spell_id=sid, expected_version=None, pathway=pathway)
        if pathway != "P0":
            _hub(session, world, sid, max(adm, drd or adm), pathway, person.place)
        if drd is not None:
            _delay_and_barriers(session, world, sid, adm, drd, pathway)
    _carers(session, world, sid, adm, world.today, pathway, person)
    _extras(session, world, sid, adm, site, drd, pathway)


def _edds(
    session: Session, world: World, sid: int, adm: date, *, slips: int, current: bool = False
) -> None:
    """The first EDD and its slips; ``current``: reviewed so it is not in the past."""
    r = world.rng
    edd = adm + timedelta(days=r.randint(2, 7))
    changes = [(adm, edd, "Initial EDD at board round")]
    day = adm
    for _ in range(slips):
        day = min(world.today, day + timedelta(days=r.randint(1, 3)))
        edd = max(edd, day) + timedelta(days=r.randint(1, 5))
        changes.append((day, edd, r.choice(data.EDD_SLIP_REASONS)))
    if current and edd < world.today:
        edd = world.today + timedelta(days=r.randint(0, 5))
        changes.append((world.today, edd, r.choice(data.EDD_SLIP_REASONS)))
    for day, new, why in changes:
        with facts.effective_at(session, world.at(day, 9)):  # the history: set that day
            spells.set_edd(session, spell_id=sid, expected_version=None, edd=new, reason=why)
    ids = session.scalars(
        select(EddChange.id).where(EddChange.spell_id == sid).order_by(EddChange.id)
    ).all()
    for row_id, (day, _, _) in zip(ids, changes, strict=False):
        _backdate(session, EddChange, row_id, changed_at=world.at(day, 9 + r.randint(0, 8)))


def _review(session: Session, world: World, sid: int, day: date, *, meets: bool) -> None:
    criteria = world.rng.sample(MEETS, world.rng.randint(1, 2)) if meets else []
    with facts.effective_at(session, world.at(day, 11)):
        spells.record_ctr_review(
            session,
            spell_id=sid,
            expected_version=None,
            review_date=day,
            criteria=criteria,
            meets=meets,
            today=world.today,
        )


def _reviews(
    session: Session, world: World, sid: int, adm: date, stage: str, delay: int | None
) -> date | None:
    """The criteria-to-reside history; returns the DRD it gives."""
    today = world.today
    _review(session, world, sid, adm, meets=True)
    if delay is not None:  # no longer meets the criteria since today - delay
        drd = max(adm, today - timedelta(days=delay))
        _review(session, world, sid, drd, meets=False)
        if drd < today - timedelta(days=1):
            _review(session, world, sid, today - timedelta(days=1), meets=False)
        return drd
    if stage == "remet":
        first = world.day_between(adm + timedelta(days=1), today - timedelta(days=3))
        again = first + timedelta(days=world.rng.randint(1, 2))
        _review(session, world, sid, first, meets=False)
        _review(session, world, sid, again, meets=True)
        if world.rng.random() < 0.5:
            last = world.day_between(again + timedelta(days=1), today)
            _review(session, world, sid, last, meets=False)
            return last
        return None
    if today > adm:
        _review(session, world, sid, today - timedelta(days=1), meets=True)
    return None


def _hub(
    session: Session, world: World, sid: int, day: date, pathway: str, place: str | None
) -> None:
    """Refer to the hub and move a placement to the state next in the rotation."""
    r = world.rng
    referral = hub.refer_to_hub(session, spell_id=sid, expected_version=None)
    accepted = r.random() < 0.85
    if accepted:
        hub.accept_referral(session, referral_id=referral.id, expected_version=None)
    _backdate(
        session,
        HubReferral,
        referral.id,
        referred_at=world.at(day, 11),
        accepted_at=world.at(day, 14) if accepted else None,
    )
    target = PLACEMENT_PLAN[world.plan_index % len(PLACEMENT_PLAN)]
    world.plan_index += 1
    service = world.weighted(data.SERVICES_BY_PATHWAY[pathway])
    if target in ("declined", "cancelled"):  # ended early that day; then a new request
        _placement(session, world, sid, day, pathway, service, place, target, ended=True)
        target = r.choice(("requested", "assessing"))
    _placement(session, world, sid, day, pathway, service, place, target)
    if pathway == "P1" and r.random() < 0.15:
        _placement(session, world, sid, day, pathway, "equipment", place, "accepted")


def _placement(
    session: Session,
    world: World,
    sid: int,
    day: date,
    pathway: str,
    service: str,
    place: str | None,
    target: str,
    *,
    ended: bool = False,
) -> None:
    r = world.rng
    provider = world.provider(service, place) if target != "requested" or r.random() < 0.3 else None
    view = hub.request_placement(
        session,
        spell_id=sid,
        expected_version=None,
        service_type=service,
        provider_id=provider,
        funding=r.choice(FUNDING.get(pathway, ("council",))),
    )
    steps = ROUTE[: ROUTE.index(target) + 1] if target in ROUTE else ()
    if target == "declined":
        steps = ("assessing", "declined")
    elif target == "cancelled":
        steps = ("cancelled",)
    for step in steps:
        hub.advance_placement(
            session,
            placement_id=view.id,
            expected_version=None,
            to_state=step,
            start_date=world.today + timedelta(days=r.randint(0, 3))
            if step == "start_confirmed"
            else None,
            reason=r.choice(data.DECLINE_REASONS if step == "declined" else data.CANCEL_REASONS)
            if step in ("declined", "cancelled")
            else None,
        )
    moved = day if ended else world.day_between(day, world.today)
    hour = 7 if ended else 15 if moved < world.today else 8
    _backdate(
        session,
        Placement,
        view.id,
        requested_at=world.at(day, 6 if ended else 12),
        state_changed_at=world.at(moved, hour),
    )
    _backdate_facts(session, view.id, world.at(day, 6 if ended else 12), world.at(moved, hour))


def _delay_and_barriers(
    session: Session, world: World, sid: int, adm: date, drd: date, pathway: str
) -> None:
    r = world.rng
    if drd < world.today and r.random() < 0.92:  # a few are left uncoded: a huddle gap
        with facts.effective_at(session, world.at(drd, 16)):
            spells.set_delay_reason(
                session,
                spell_id=sid,
                expected_version=None,
                delay_reason=r.choice(data.DELAY_REASONS_BY_PATHWAY[pathway]),
            )
    options = data.BARRIERS[pathway]
    for kind, text, owner in r.sample(options, r.randint(1, min(3, len(options)))):
        due = max(adm, world.today + timedelta(days=r.randint(-2, 3)))
        barrier = care.add_barrier(
            session, spell_id=sid, kind=kind, description=text, owner=owner, due_date=due
        )
        if r.random() < 0.35:
            care.resolve_barrier(
                session, barrier_id=barrier.id, expected_version=None, resolution="Done"
            )
            done = world.day_between(drd, world.today)
            _backdate(session, Barrier, barrier.id, resolved_at=world.at(done, 16))


def _carers(
    session: Session,
    world: World,
    sid: int,
    adm: date,
    until: date,
    pathway: str | None,
    person: PatientDetails,
) -> None:
    r = world.rng
    chance = {None: 0.4, "P0": 0.5}.get(pathway, 0.8)
    if r.random() >= chance:
        return
    carer_ids = []
    for n in range(2 if r.random() < 0.25 else 1):
        needs = person.interpreter_needed and r.random() < 0.4
        family = person.family_name if r.random() < 0.7 else r.choice(data.BACKGROUNDS[0].family)
        carer = care.add_carer(
            session,
            spell_id=sid,
            name=f"{r.choice(GIVEN_NAMES)} {family}",
            relationship=r.choice(data.RELATIONSHIPS),
            contact=f"07700 900{r.randint(0, 999):03d}",
            is_main_carer=n == 0,
            consent_to_share=r.random() < 0.85,
            language=person.preferred_language if needs else None,
            interpreter_needed=needs,
        )
        carer_ids.append((carer.id, carer.name, needs))
    last = min(until, world.today - timedelta(days=1))
    if last >= adm and r.random() < 0.72:
        for _ in range(r.randint(1, 3)):
            cid, name, needs = r.choice(carer_ids)
            _contact(session, world, sid, world.day_between(adm, last), cid, name, needs)
    if r.random() < 0.45:
        status = r.choice(care.ASSESSMENT_STATUSES)
        care.record_carer_assessment(
            session,
            carer_id=carer_ids[0][0],
            expected_version=None,
            status=status,
            on=world.day_between(adm, until),
        )


def _contact(
    session: Session, world: World, sid: int, day: date, cid: int, name: str, needs: bool
) -> None:
    r = world.rng
    method = (
        "interpreter"
        if needs
        else world.weighted([("phone", 55), ("in_person", 25), ("video", 10), ("letter", 2)])
    )
    discussed, agreed = r.choice(data.CONTACT_TOPICS)
    care.log_contact(
        session,
        spell_id=sid,
        contact_at=world.at(day, r.randint(9, 17), r.randint(0, 59)),
        with_whom=name,
        method=method,
        discussed=discussed,
        agreed=agreed,
        carer_id=cid,
        next_contact_due=day + timedelta(days=r.randint(1, 4)),
    )


def _extras(
    session: Session,
    world: World,
    sid: int,
    adm: date,
    site: str,
    drd: date | None,
    pathway: str | None,
) -> None:
    """Red2Green days, the next action and handover notes, on some spells."""
    r = world.rng
    if r.random() < 0.35 and world.today > adm:
        for back in range(min(4, (world.today - adm).days), -1, -1):
            day = world.today - timedelta(days=back)
            red = drd is not None and day >= drd or r.random() < 0.2
            care.record_red2green(
                session,
                spell_id=sid,
                day=day,  # at that day's round
                colour="red" if red else "green",
                reason=r.choice(data.RED_REASONS) if red else None,
                today=day,
            )
    if pathway and r.random() < 0.8:
        spells.set_next_action(
            session,
            spell_id=sid,
            expected_version=None,
            next_action=r.choice(data.NEXT_ACTIONS[pathway]),
        )
    if pathway not in (None, "P0") and r.random() < 0.35:
        notes = {k: v for k, v in HANDOVER.items() if r.random() < 0.7}
        spells.update_handover_notes(session, spell_id=sid, expected_version=None, **notes)


# --- discharged spells -----------------------------------------------------------------


def discharged_story(session: Session, world: World, person: PatientDetails) -> None:
    """A spell that ended in the last 30 days, with its pathway, placement and DRD."""
    r = world.rng
    out_day = world.today - timedelta(days=r.randint(1, 30))
    los = world.weighted([(r.randint(0, 3), 40), (r.randint(4, 10), 35), (r.randint(11, 30), 25)])
    adm = out_day - timedelta(days=los)
    site, ward, bed = r.choice(world.all_beds)
    view = spells.admit(
        session,
        patient=person,
        site=site,
        ward=ward,
        bed=bed,
        admitted_at=world.at(adm, r.randint(0, 9), r.randint(0, 59)),
    )
    sid = view.id
    world.pin_spell(session, sid)
    died = r.random() < 0.03
    pathway = None if died else world.weighted(PATHWAYS)
    _edds(session, world, sid, adm, slips=r.choice((0, 0, 1, 2)))
    if los > 0:
        _review(session, world, sid, adm, meets=True)
    drd = None
    if pathway:
        drd = out_day - timedelta(
            days=min(
                los,
                world.weighted(
                    [
                        (0, 30),
                        (1, 20),
                        (r.randint(2, 3), 20),
                        (r.randint(4, 6), 15),
                        (r.randint(7, 13), 8),
                        (r.randint(14, 20), 4),
                        (r.randint(21, 30), 3),
                    ]
                ),
            )
        )
        _review(session, world, sid, drd, meets=False)  # same day: the later review wins
        with facts.effective_at(session, world.at(drd, 10)):
            spells.set_pathway(session, spell_id=sid, expected_version=None, pathway=pathway)
        if pathway != "P0":
            _discharge_placement(session, world, sid, drd, out_day, pathway, person.place)
        if drd < out_day and r.random() < 0.9:
            with facts.effective_at(session, world.at(drd, 16)):
                spells.set_delay_reason(
                    session,
                    spell_id=sid,
                    expected_version=None,
                    delay_reason=r.choice(data.DELAY_REASONS_BY_PATHWAY[pathway]),
                )
    _carers(session, world, sid, adm, out_day, pathway, person)
    method = "4" if died else ("2" if pathway == "P0" and r.random() < 0.05 else "1")
    destination = "79" if died else r.choice(DESTINATIONS[pathway or "P0"])
    spells.discharge(
        session,
        spell_id=sid,
        expected_version=None,
        discharged_at=world.at(out_day, r.randint(10, 19), r.randint(0, 59)),
        destination=destination,
        method=method,
        pathway=pathway,
    )


def _discharge_placement(
    session: Session,
    world: World,
    sid: int,
    drd: date,
    out_day: date,
    pathway: str,
    place: str | None,
) -> None:
    """Referral and a placement confirmed to start on the discharge day (discharge
    marks it started)."""
    r = world.rng
    referral = hub.refer_to_hub(session, spell_id=sid, expected_version=None)
    hub.accept_referral(session, referral_id=referral.id, expected_version=None)
    _backdate(
        session,
        HubReferral,
        referral.id,
        referred_at=world.at(drd, 11),
        accepted_at=world.at(drd, 13),
    )
    service = world.weighted(data.SERVICES_BY_PATHWAY[pathway])
    view = hub.request_placement(
        session,
        spell_id=sid,
        expected_version=None,
        service_type=service,
        provider_id=world.provider(service, place),
        funding=r.choice(FUNDING[pathway]),
    )
    for step in ROUTE:
        hub.advance_placement(
            session,
            placement_id=view.id,
            expected_version=None,
            to_state=step,
            start_date=out_day if step == "start_confirmed" else None,
        )
    _backdate(
        session,
        Placement,
        view.id,
        requested_at=world.at(drd, 12),
        state_changed_at=world.at(out_day, 9),
    )
    _backdate_facts(session, view.id, world.at(drd, 12), world.at(out_day, 9))
