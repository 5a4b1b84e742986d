"""The steps of a demo patient's story, as the services take them, into a :class:`Plan`.

Each function here is one service call (its name says which): it checks the step
with the rule functions that service uses (the validators, the DRD rule, the
placement lifecycle, the code lists) and then makes the rows, audit rows and history
facts that call would make, with the story's time. The code lists, the estate and
the providers they check against are read once (:mod:`discharge_hub.demo_world`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from discharge_hub import clock
from discharge_hub.demo_plan import Rec
from discharge_hub.demo_world import World
from discharge_hub.models import (
    Barrier,
    Bed,
    Carer,
    CarerContact,
    CtrReview,
    CtrReviewCriterion,
    EddChange,
    HubReferral,
    Patient,
    Placement,
    Red2GreenDay,
    Spell,
    Ward,
)
from discharge_hub.services import care, ctr, hub, placements, spells
from discharge_hub.services.common import check_known_code, check_not_discharged
from discharge_hub.services.drd import derive_drd
from discharge_hub.services.patients import PatientDetails, clean_details
from discharge_hub.services.providers import check_offers
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_admitted_at,
    check_not_future,
    clean_text,
    optional_text,
    require_text,
)


@dataclass
class Case:
    """One spell as its story is planned."""

    spell: Rec
    admitted: datetime  # naive UK wall clock
    reviews: list[tuple[date, bool]] = field(default_factory=list)
    referral: Rec | None = None
    placements: list[Rec] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.spell.id

    @property
    def admitted_on(self) -> date:
        return self.admitted.date()

    def after(self, at: datetime) -> datetime:
        """A story time, not before the admission."""
        return max(self.admitted, at)

    def open(self) -> Rec:
        check_not_discharged(self.id, self.spell.values.get("discharged_at"))
        return self.spell


# --- spells.* ------------------------------------------------------------------------------


def add_ward(
    w: World, site: str, name: str, specialty: str | None, labels: list[str], at: datetime
) -> None:
    """``spells.ensure_ward`` of a new ward, its specialty set, then ``ensure_beds``."""
    c = w.c
    ward_name = require_text(name, "ward", kind=NAME, max_length=80)
    ward = w.p.insert(Ward, at, site_id=c.sites[site], name=ward_name)
    w.p.update(ward, at, specialty=specialty)
    c.wards[(site, ward_name)] = ward.id
    for label in labels:
        text = optional_text(label, "bed", kind=NAME, max_length=20)
        if text is not None and (ward.id, text) not in c.beds:
            bed = w.p.insert(
                Bed, at, ward_id=ward.id, label=text, sort_key=spells.bed_sort_key(text)
            )
            c.beds[(ward.id, text)] = bed.id


def admit(
    w: World, person: PatientDetails, site: str, ward: str, bed: str | None, at: datetime
) -> Case:
    """``spells.admit`` of a new patient."""
    admitted = check_admitted_at(at)
    c = w.c
    values = clean_details(
        person, place_code=c.place_code, ethnic_known=c.ethnic.__contains__, today=clock.today()
    )
    spells.check_born_by(person.date_of_birth, admitted)
    site_id = c.sites[clean_text(site, "site", kind=NAME)]
    ward_id = c.wards[(site, require_text(ward, "ward", kind=NAME, max_length=80))]
    label = optional_text(bed, "bed", kind=NAME, max_length=20)
    patient = w.p.insert(Patient, at, **values)
    spell = w.p.insert(
        Spell,
        at,
        patient_id=patient.id,
        site_id=site_id,
        ward_id=ward_id,
        bed_id=c.beds[(ward_id, label)] if label else None,
        admitted_at=admitted,
        specialty=None,
    )
    return Case(spell, at)


def set_edd(w: World, case: Case, edd: date, reason: str, at: datetime) -> bool:
    """``spells.set_edd``; False when the EDD was already that date."""
    spell = case.open()
    why = spells.check_edd(edd, reason=reason, admitted_on=case.admitted_on, today=clock.today())
    if edd == spell["edd"]:
        return False
    w.p.insert(EddChange, at, spell_id=case.id, old_edd=spell["edd"], new_edd=edd, reason=why,
               changed_by=w.p.actor, changed_at=at)  # fmt: skip
    w.p.update(spell, at, edd=edd)
    return True


def record_ctr_review(
    w: World, case: Case, day: date, criteria: list[str], *, meets: bool, at: datetime
) -> None:
    """``ctr.record_ctr_review`` (the DRD derived from the whole history)."""
    spell = case.open()
    ctr.check_review_date(day, case.admitted_on, today=w.today)
    codes = sorted({check_known_code("criteria", x, w.c.criteria.__contains__) for x in criteria})
    ctr.check_answer(meets, codes)
    case.reviews.append((day, meets))
    drd = derive_drd(case.reviews)
    note = None
    cleared: dict[str, int | None] = {}
    if drd is None and spell["delay_reason_id"] is not None:  # meets again: not delayed
        label = next(f"{k} {v[1]}" for k, v in w.c.delay_reasons.items()
                     if v[0] == spell["delay_reason_id"])  # fmt: skip
        note = f"Delay reason cleared ({label}): meets the criteria to reside again."
        cleared = {"delay_reason_id": None}
    review = w.p.insert(CtrReview, at, spell_id=case.id, review_date=day, meets_criteria=meets,
                        note=note, reviewed_by=w.p.actor, recorded_at=at)  # fmt: skip
    for code in codes:
        w.p.insert(CtrReviewCriterion, at, review_id=review.id, criterion_code=code)
    w.p.update(spell, at, discharge_ready_date=drd, **cleared)


def set_pathway(w: World, case: Case, pathway: str, at: datetime) -> None:
    """``spells.set_pathway`` (no hub placements to cancel: refused if there are)."""
    spell = case.open()
    code = check_known_code("pathway", pathway, w.c.through_hub.__contains__)
    if not w.c.through_hub[code] and any(
        p["state"] in placements.WAITING_STATES for p in case.placements
    ):
        raise AssertionError("the demo never leaves the hub with placements open")
    w.p.update(spell, at, pathway_code=code)


def set_delay_reason(w: World, case: Case, reason: str, at: datetime) -> None:
    """``spells.set_delay_reason``: an active code of the latest list."""
    spell = case.open()
    code = clean_text(reason, "delay_reason", kind=NAME).upper()
    found = w.c.delay_reasons.get(code)
    if found is None:
        check_known_code("delay_reason", reason, lambda _c: False)  # raises
        return
    w.p.update(spell, at, delay_reason_id=found[0])


def set_next_action(w: World, case: Case, text: str, at: datetime) -> None:
    spell = case.open()
    w.p.update(spell, at, next_action=optional_text(text, "next_action", kind=TEXT, max_length=500))


def update_handover_notes(w: World, case: Case, notes: dict[str, str], at: datetime) -> None:
    spells.check_handover_fields(notes)
    values = {k: optional_text(v, k, kind=TEXT, max_length=4000) for k, v in notes.items()}
    w.p.update(case.spell, at, **values)


def discharge(
    w: World, case: Case, at: datetime, *, destination: str, method: str, pathway: str | None
) -> None:
    """``spells.discharge``: placements with a confirmed start are marked started."""
    spell = case.open()
    leaving = spells.check_discharged_at(at, spell["admitted_at"])
    values = {
        "destination_code": check_known_code(
            "destination", destination, w.c.destinations.__contains__
        ),
        "method_code": check_known_code("method", method, w.c.methods.__contains__),
    }
    if pathway:
        values["pathway_code"] = check_known_code("pathway", pathway, w.c.through_hub.__contains__)
    w.p.update(spell, at, **values, discharged_at=leaving)
    for p in case.placements:
        if p["state"] == "start_confirmed":
            w.p.update(p, at, state="started", started_at=leaving, state_changed_at=leaving)


# --- hub.* and placements.* ---------------------------------------------------------------


def refer_to_hub(w: World, case: Case, at: datetime) -> Rec:
    spell = case.open()
    code = spell["pathway_code"]
    open_id = case.referral.id if case.referral is not None else None
    hub.check_referrable(code, bool(code and w.c.through_hub[code]), open_id)
    case.referral = w.p.insert(HubReferral, at, spell_id=case.id, pathway_code=code,
                               state="referred", referred_at=at, referred_by=w.p.actor)  # fmt: skip
    return case.referral


def accept_referral(w: World, case: Case, at: datetime) -> None:
    assert case.referral is not None
    hub.check_acceptable(case.referral["state"])
    w.p.update(case.referral, at, state="accepted", accepted_at=at, accepted_by=w.p.actor)


def request_placement(
    w: World, case: Case, service: str, provider_id: int | None, funding: str, at: datetime
) -> Rec:
    spell = case.open()
    code = spell["pathway_code"]
    placements.check_placement_pathway(code, bool(code and w.c.through_hub[code]))
    service_type = check_known_code("service_type", service, w.c.service_types.__contains__)
    place = _place_of(w, spell)
    if provider_id is not None:
        name, offers, serves = w.c.providers[provider_id]
        check_offers(name, set(offers), set(serves), service_type, place)
    placements.check_funding(funding)
    referral = case.referral.id if case.referral is not None else None
    rec = w.p.insert(
        Placement, at, spell_id=case.id, referral_id=referral, service_type_code=service_type,
        provider_id=provider_id, place_code=place, state="requested", funding=funding,
        requested_at=at, requested_by=w.p.actor, state_changed_at=at,
    )  # fmt: skip
    case.placements.append(rec)
    return rec


def _place_of(w: World, spell: Rec) -> str | None:
    patient = w.p.rows[Patient][spell["patient_id"] - w.p.rows[Patient][0].id]
    assert patient.id == spell["patient_id"]
    place: str | None = patient["place_code"]
    return place


def advance_placement(
    w: World,
    placement: Rec,
    to_state: str,
    at: datetime,
    *,
    start_date: date | None = None,
    reason: str | None = None,
) -> None:
    """``placements.advance_placement`` (the provider already chosen, if any)."""
    placements.check_transition(placement["state"], to_state)
    values: dict[str, object] = {}
    start = placements.check_step_needs(
        to_state, has_provider=placement["provider_id"] is not None, start_date=start_date
    )
    if start is not None:
        values["start_date"] = start
    if to_state in placements.NEEDS_REASON:
        values["outcome_reason"] = require_text(reason, "reason", kind=TEXT, max_length=500)
    elif reason:
        values["notes"] = optional_text(reason, "reason", kind=TEXT, max_length=2000)
    w.p.update(placement, at, **values, state=to_state, state_changed_at=at)


# --- care.* -------------------------------------------------------------------------------


def add_barrier(
    w: World, case: Case, kind: str, text: str, owner: str, due: date, at: datetime
) -> Rec:
    case.open()
    care.check_due_date(due, case.admitted_on, today=clock.today())
    return w.p.insert(
        Barrier, at, spell_id=case.id,
        kind_code=check_known_code("kind", kind, w.c.barrier_kinds.__contains__),
        description=require_text(text, "description", kind=TEXT, max_length=1000),
        owner=optional_text(owner, "owner", kind=NAME, max_length=100), due_date=due, state="open",
    )  # fmt: skip


def resolve_barrier(w: World, barrier: Rec, resolution: str, at: datetime) -> None:
    care.check_barrier_end(barrier["state"], "resolved", barrier["description"])
    why = optional_text(resolution, "resolution", kind=TEXT, max_length=1000)
    w.p.update(barrier, at, state="resolved", resolved_at=at, resolved_by=w.p.actor, resolution=why)


@dataclass(frozen=True)
class CarerDetails:
    name: str
    relationship: str
    contact: str
    is_main_carer: bool
    consent_to_share: bool
    language: str | None
    interpreter_needed: bool


def add_carer(w: World, case: Case, d: CarerDetails, at: datetime) -> Rec:
    case.open()
    return w.p.insert(
        Carer, at, spell_id=case.id, name=require_text(d.name, "name", kind=NAME, max_length=160),
        relationship_to_patient=optional_text(d.relationship, "relationship", kind=NAME,
                                              max_length=60),
        contact=optional_text(d.contact, "contact", kind=NAME, max_length=160),
        is_main_carer=d.is_main_carer, consent_to_share=d.consent_to_share,
        language=optional_text(d.language, "language", kind=NAME, max_length=60),
        interpreter_needed=d.interpreter_needed,
    )  # fmt: skip


def record_carer_assessment(w: World, case: Case, carer: Rec, status: str, on: date) -> None:
    care.check_assessment_status(status)
    when = check_not_future(on, "assessment_on", today=clock.today())
    care.check_assessment_on(when, case.admitted_on)
    w.p.update(carer, case.after(w.at(on, 15)), assessment_status=status, assessment_on=when)


def log_contact(
    w: World, case: Case, carer: Rec, at: datetime, *, method: str, discussed: str,
    agreed: str, next_due: date,
) -> None:  # fmt: skip
    case.open()
    instant = care.check_contact_at(at, case.admitted_on)
    if carer["spell_id"] != case.id:
        raise AssertionError("a carer of another patient")
    care.check_next_contact(next_due, instant, today=clock.today())
    w.p.insert(
        CarerContact, at, spell_id=case.id, carer_id=carer.id, contact_at=instant,
        with_whom=require_text(carer["name"], "with_whom", kind=NAME, max_length=160),
        method_code=check_known_code("method", method, w.c.contact_methods.__contains__),
        interpreter_used=method == "interpreter",
        discussed=require_text(discussed, "discussed", kind=TEXT, max_length=4000),
        agreed=optional_text(agreed, "agreed", kind=TEXT, max_length=4000),
        next_contact_due=next_due, recorded_by=w.p.actor, recorded_at=at,
    )  # fmt: skip


def record_red2green(w: World, case: Case, day: date, colour: str, reason: str | None) -> None:
    """At that day's board round (so ``today`` is that day)."""
    case.open()
    shade, why = care.check_red2green_colour(colour, reason)
    care.check_red2green_day(day, case.admitted_on, day)
    at = case.after(w.at(day, 10))
    w.p.insert(Red2GreenDay, at, spell_id=case.id, day=day, colour=shade, reason=why)
