"""One patient's story for the demo data: admission to today (open spells) or to a
discharge in the last 30 days. Every step is one service call's worth of rows, checked
by that service's rules (:mod:`discharge_hub.demo_steps`) and planned in memory with
the story's own time; :mod:`discharge_hub.demo_plan` writes them in bulk."""

from __future__ import annotations

from datetime import date, timedelta

from discharge_hub import demo_data as data
from discharge_hub import demo_steps as step
from discharge_hub.demo_plan import Rec
from discharge_hub.demo_steps import CarerDetails, Case
from discharge_hub.demo_world import World
from discharge_hub.services import care
from discharge_hub.services.patients import PatientDetails

__all__ = ["World", "discharged_story", "open_story"]

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
HANDOVER = {
    "patient_wishes": "Wants to go home and be near the family.",
    "home_environment": "Ground-floor flat, key safe fitted; daughter visits daily.",
    "safety_alerts": "Falls risk: walks with a frame.",
    "capacity_notes": "Has capacity for decisions about discharge.",
    "lasting_power_of_attorney": "Health and welfare LPA held by the daughter.",
    "information_given": "Reablement leaflet given and explained.",
}


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


def open_story(world: World, person: PatientDetails, stage: str) -> None:
    r = world.rng
    los, delay = _open_los(world, stage)
    site, ward, bed = world.free_bed()
    admitted = world.at(world.today - timedelta(days=los), r.randint(0, 23), r.randint(0, 59))
    case = step.admit(world, person, site, ward, bed, admitted)
    adm = case.admitted_on
    if stage in ("new", "no_edd"):
        if r.random() < 0.6:
            _review(world, case, adm, meets=True)
        _carers(world, case, world.today, None, person)
        return
    _edds(
        world,
        case,
        slips=r.randint(2, 4) if stage == "edd_slipped" else r.choice((0, 0, 1)),
        current=not stage.startswith("nctr_") and r.random() < 0.8,
    )
    drd = _reviews(world, case, stage, delay)
    pathway = stage[5:] if stage.startswith("nctr_") else None
    if stage in ("ready_today", "remet") or (stage == "treating" and r.random() < 0.4):
        pathway = world.weighted(PATHWAYS)
    if pathway:
        step.set_pathway(world, case, pathway, case.after(world.at(max(adm, drd or adm), 10)))
        if pathway != "P0":
            _hub(world, case, max(adm, drd or adm), pathway, person.place)
        if drd is not None:
            _delay_and_barriers(world, case, drd, pathway)
    _carers(world, case, world.today, pathway, person)
    _extras(world, case, drd, pathway)


def _edds(world: World, case: Case, *, slips: int, current: bool = False) -> None:
    """The first EDD and its slips; ``current``: reviewed so it is not in the past."""
    r = world.rng
    adm = case.admitted_on
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
    # Each change at that day's board round or later, in the order they were made.
    made = [c for n, c in enumerate(changes) if n == 0 or c[1] != changes[n - 1][1]]
    hours = [9 + r.randint(0, 8) for _ in made]
    last = case.admitted
    for (day, new, why), hour in zip(made, hours, strict=True):
        last = max(last, world.at(day, hour))
        step.set_edd(world, case, new, why, last)


def _review(world: World, case: Case, day: date, *, meets: bool) -> None:
    criteria = world.rng.sample(MEETS, world.rng.randint(1, 2)) if meets else []
    at = case.after(world.at(day, 11))
    step.record_ctr_review(world, case, day, criteria, meets=meets, at=at)


def _reviews(world: World, case: Case, stage: str, delay: int | None) -> date | None:
    """The criteria-to-reside history; returns the DRD it gives."""
    today, adm = world.today, case.admitted_on
    _review(world, case, adm, meets=True)
    if delay is not None:  # no longer meets the criteria since today - delay
        drd = max(adm, today - timedelta(days=delay))
        _review(world, case, drd, meets=False)
        if drd < today - timedelta(days=1):
            _review(world, case, today - timedelta(days=1), meets=False)
        return drd
    if stage == "remet":
        first = world.day_between(adm + timedelta(days=1), today - timedelta(days=3))
        again = first + timedelta(days=world.rng.randint(1, 2))
        _review(world, case, first, meets=False)
        _review(world, case, again, meets=True)
        if world.rng.random() < 0.5:
            last = world.day_between(again + timedelta(days=1), today)
            _review(world, case, last, meets=False)
            return last
        return None
    if today > adm:
        _review(world, case, today - timedelta(days=1), meets=True)
    return None


def _hub(world: World, case: Case, day: date, pathway: str, place: str | None) -> None:
    """Refer to the hub and move a placement to the state next in the rotation."""
    r = world.rng
    step.refer_to_hub(world, case, case.after(world.at(day, 11)))
    if r.random() < 0.85:
        step.accept_referral(world, case, case.after(world.at(day, 14)))
    target = PLACEMENT_PLAN[world.plan_index % len(PLACEMENT_PLAN)]
    world.plan_index += 1
    service = world.weighted(data.SERVICES_BY_PATHWAY[pathway])
    if target in ("declined", "cancelled"):  # ended early that day; then a new request
        _placement(world, case, day, pathway, service, place, target, ended=True)
        target = r.choice(("requested", "assessing"))
    _placement(world, case, day, pathway, service, place, target)
    if pathway == "P1" and r.random() < 0.15:
        _placement(world, case, day, pathway, "equipment", place, "accepted")


def _placement(
    world: World,
    case: Case,
    day: date,
    pathway: str,
    service: str,
    place: str | None,
    target: str,
    *,
    ended: bool = False,
) -> None:
    """Requested that day; every later step at the time of the last change (the steps
    in between hold for no time)."""
    r = world.rng
    provider = world.provider(service, place) if target != "requested" or r.random() < 0.3 else None
    funding = r.choice(FUNDING.get(pathway, ("council",)))
    route = ROUTE[: ROUTE.index(target) + 1] if target in ROUTE else ()
    if target == "declined":
        route = ("assessing", "declined")
    elif target == "cancelled":
        route = ("cancelled",)
    steps = []
    for to_state in route:
        start = (
            world.today + timedelta(days=r.randint(0, 3)) if to_state == "start_confirmed" else None
        )
        why = None
        if to_state in ("declined", "cancelled"):
            why = r.choice(data.DECLINE_REASONS if to_state == "declined" else data.CANCEL_REASONS)
        steps.append((to_state, start, why))
    moved = day if ended else world.day_between(day, world.today)
    hour = 7 if ended else 15 if moved < world.today else 8
    requested = case.after(world.at(day, 6 if ended else 12))
    changed = max(requested, world.at(moved, hour))
    placement = step.request_placement(world, case, service, provider, funding, requested)
    for to_state, start, why in steps:
        step.advance_placement(world, placement, to_state, changed, start_date=start, reason=why)


def _delay_and_barriers(world: World, case: Case, drd: date, pathway: str) -> None:
    r = world.rng
    adm = case.admitted_on
    if drd < world.today and r.random() < 0.92:  # a few are left uncoded: a huddle gap
        reason = r.choice(data.DELAY_REASONS_BY_PATHWAY[pathway])
        step.set_delay_reason(world, case, reason, case.after(world.at(drd, 16)))
    options = data.BARRIERS[pathway]
    for kind, text, owner in r.sample(options, r.randint(1, min(3, len(options)))):
        due = max(adm, world.today + timedelta(days=r.randint(-2, 3)))
        added = case.after(world.at(drd, 15))
        barrier = step.add_barrier(world, case, kind, text, owner, due, added)
        if r.random() < 0.35:
            done = world.day_between(drd, world.today)
            step.resolve_barrier(world, barrier, "Done", max(added, world.at(done, 16)))


def _carers(
    world: World, case: Case, until: date, pathway: str | None, person: PatientDetails
) -> None:
    r = world.rng
    adm = case.admitted_on
    chance = {None: 0.4, "P0": 0.5}.get(pathway, 0.8)
    if r.random() >= chance:
        return
    carers = []
    for n in range(2 if r.random() < 0.25 else 1):
        needs = person.interpreter_needed and r.random() < 0.4
        family = person.family_name if r.random() < 0.7 else r.choice(data.BACKGROUNDS[0].family)
        details = CarerDetails(
            name=f"{r.choice(GIVEN_NAMES)} {family}",
            relationship=r.choice(data.RELATIONSHIPS),
            contact=f"07700 900{r.randint(0, 999):03d}",
            is_main_carer=n == 0,
            consent_to_share=r.random() < 0.85,
            language=person.preferred_language if needs else None,
            interpreter_needed=bool(needs),
        )
        carers.append((step.add_carer(world, case, details, case.after(world.at(adm, 12))), needs))
    last = min(until, world.today - timedelta(days=1))
    if last >= adm and r.random() < 0.72:
        for _ in range(r.randint(1, 3)):
            carer, needs = r.choice(carers)
            _contact(world, case, world.day_between(adm, last), carer, needs)
    if r.random() < 0.45:
        status = r.choice(care.ASSESSMENT_STATUSES)
        on = world.day_between(adm, until)
        step.record_carer_assessment(world, case, carers[0][0], status, on)


def _contact(world: World, case: Case, day: date, carer: Rec, needs: bool) -> None:
    r = world.rng
    method = (
        "interpreter"
        if needs
        else world.weighted([("phone", 55), ("in_person", 25), ("video", 10), ("letter", 2)])
    )
    discussed, agreed = r.choice(data.CONTACT_TOPICS)
    at = world.at(day, r.randint(9, 17), r.randint(0, 59))
    step.log_contact(world, case, carer, at, method=method, discussed=discussed, agreed=agreed,
                     next_due=day + timedelta(days=r.randint(1, 4)))  # fmt: skip


def _extras(world: World, case: Case, drd: date | None, pathway: str | None) -> None:
    """Red2Green days, the next action and handover notes, on some spells."""
    r = world.rng
    adm = case.admitted_on
    if r.random() < 0.35 and world.today > adm:
        for back in range(min(4, (world.today - adm).days), -1, -1):
            day = world.today - timedelta(days=back)
            red = drd is not None and day >= drd or r.random() < 0.2
            reason = r.choice(data.RED_REASONS) if red else None
            step.record_red2green(world, case, day, "red" if red else "green", reason)
    morning = case.after(world.at(world.today, 9))
    if pathway and r.random() < 0.8:
        step.set_next_action(world, case, r.choice(data.NEXT_ACTIONS[pathway]), morning)
    if pathway not in (None, "P0") and r.random() < 0.35:
        notes = {k: v for k, v in HANDOVER.items() if r.random() < 0.7}
        step.update_handover_notes(world, case, notes, morning)


# --- discharged spells -----------------------------------------------------------------


def discharged_story(world: World, person: PatientDetails) -> None:
    """A spell that ended in the last 30 days, with its pathway, placement and DRD."""
    r = world.rng
    out_day = world.today - timedelta(days=r.randint(1, 30))
    los = world.weighted([(r.randint(0, 3), 40), (r.randint(4, 10), 35), (r.randint(11, 30), 25)])
    adm = out_day - timedelta(days=los)
    site, ward, bed = r.choice(world.all_beds)
    admitted = world.at(adm, r.randint(0, 9), r.randint(0, 59))
    case = step.admit(world, person, site, ward, bed, admitted)
    died = r.random() < 0.03
    pathway = None if died else world.weighted(PATHWAYS)
    _edds(world, case, slips=r.choice((0, 0, 1, 2)))
    if los > 0:
        _review(world, case, adm, meets=True)
    if pathway:
        drd = out_day - timedelta(days=min(los, _delay_days(world)))
        _review(world, case, drd, meets=False)  # same day: the later review wins
        step.set_pathway(world, case, pathway, case.after(world.at(drd, 10)))
        if pathway != "P0":
            _discharge_placement(world, case, drd, out_day, pathway, person.place)
        if drd < out_day and r.random() < 0.9:
            reason = r.choice(data.DELAY_REASONS_BY_PATHWAY[pathway])
            step.set_delay_reason(world, case, reason, case.after(world.at(drd, 16)))
    _carers(world, case, out_day, pathway, person)
    method = "4" if died else ("2" if pathway == "P0" and r.random() < 0.05 else "1")
    destination = "79" if died else r.choice(DESTINATIONS[pathway or "P0"])
    leaving = world.at(out_day, r.randint(10, 19), r.randint(0, 59))
    leaving = max(leaving, world.p.last_at[case.id])  # after the day's last step
    step.discharge(world, case, leaving, destination=destination, method=method, pathway=pathway)


def _delay_days(world: World) -> int:
    r = world.rng
    return world.weighted(
        [
            (0, 30),
            (1, 20),
            (r.randint(2, 3), 20),
            (r.randint(4, 6), 15),
            (r.randint(7, 13), 8),
            (r.randint(14, 20), 4),
            (r.randint(21, 30), 3),
        ]
    )


def _discharge_placement(
    world: World, case: Case, drd: date, out_day: date, pathway: str, place: str | None
) -> None:
    """Referral and a placement confirmed to start on the discharge day (discharge
    marks it started)."""
    r = world.rng
    step.refer_to_hub(world, case, case.after(world.at(drd, 11)))
    step.accept_referral(world, case, case.after(world.at(drd, 13)))
    service = world.weighted(data.SERVICES_BY_PATHWAY[pathway])
    provider = world.provider(service, place)
    requested = case.after(world.at(drd, 12))
    placement = step.request_placement(
        world, case, service, provider, r.choice(FUNDING[pathway]), requested
    )
    changed = max(requested, world.at(out_day, 9))
    for to_state in ROUTE:
        start = out_day if to_state == "start_confirmed" else None
        step.advance_placement(world, placement, to_state, changed, start_date=start)
