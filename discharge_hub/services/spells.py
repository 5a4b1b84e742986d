"""Use cases of the inpatient spell: admit, transfer, EDD, pathway, delay reason, next
action, discharge (criteria-to-reside reviews: ``services/ctr.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock, facts
from discharge_hub.display import dates
from discharge_hub.errors import NotFoundError, ValidationError
from discharge_hub.models import (
    Bed,
    DelayReason,
    Destination,
    EddChange,
    Method,
    Pathway,
    Placement,
    Site,
    Spell,
    Ward,
)
from discharge_hub.models.fact import LOCATION
from discharge_hub.services import hub, patients, placements
from discharge_hub.services.common import actor_of, check_code, get_for_update, open_spell
from discharge_hub.services.placements import PlacementCancel
from discharge_hub.services.views import SpellView
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_admitted_at,
    check_planned,
    clean_text,
    optional_text,
    require_text,
    uk_instant,
)

REASON_MAX = 500


def spell_view(session: Session, spell: Spell) -> SpellView:
    reason = session.get(DelayReason, spell.delay_reason_id) if spell.delay_reason_id else None
    p = spell.patient
    return SpellView(
        id=spell.id,
        version=spell.version,
        patient_id=p.id,
        nhs_number=p.nhs_number,
        family_name=p.family_name,
        given_name=p.given_name,
        date_of_birth=p.date_of_birth,
        sex=p.sex,
        site=spell.site.name,
        ward=spell.ward.name,
        bed=spell.bed.label if spell.bed else None,
        admitted_at=spell.admitted_at,
        specialty=spell.specialty,
        edd=spell.edd,
        discharge_ready_date=spell.discharge_ready_date,
        pathway=spell.pathway_code,
        delay_reason=reason.code if reason else None,
        next_action=spell.next_action,
        discharged_at=spell.discharged_at,
        destination=spell.destination_code,
        method=spell.method_code,
        updated_by=spell.updated_by,
        updated_at=spell.updated_at,
    )


def get_spell(session: Session, spell_id: int) -> SpellView:
    spell = session.get(Spell, spell_id)
    if spell is None:
        raise NotFoundError(f"No spell with id {spell_id}.")
    return spell_view(session, spell)


def find_spell(session: Session, nhs_number: str) -> SpellView | None:
    """The patient's open spell, else their latest, else None."""
    digits = patients.normalise(nhs_number)
    patient = patients.by_nhs_number(session, digits)
    if patient is None:
        return None
    spell = session.scalars(
        select(Spell)
        .where(Spell.patient_id == patient.id)
        .order_by(Spell.discharged_at.is_not(None), Spell.admitted_at.desc())
    ).first()
    return spell_view(session, spell) if spell else None


def admission_date(spell: Spell) -> date:
    return clock.local_date(spell.admitted_at)


def _site(session: Session, name: str) -> Site:
    name = clean_text(name, "site", kind=NAME)
    site = session.scalars(select(Site).where(Site.name == name)).one_or_none()
    if site is None:
        raise ValidationError("site", name, "is not a known site (see resources/sites.csv)")
    return site


def ensure_ward(session: Session, site: Site, name: str) -> Ward:
    """The ward of that name at the site; created on first use (PAS knows the wards)."""
    ward_name = require_text(name, "ward", kind=NAME, max_length=80)
    ward = session.scalars(
        select(Ward).where(Ward.site_id == site.id, Ward.name == ward_name)
    ).one_or_none()
    if ward is None:
        ward = Ward(site=site, name=ward_name)
        session.add(ward)
        session.flush()
    return ward


def bed_sort_key(label: str) -> str:
    """Natural order for bed labels: digit runs are zero-padded ("B2" < "B10")."""
    out, digits = [], ""
    for ch in label + "\0":
        if ch.isdigit():
            digits += ch
            continue
        if digits:
            out.append(digits.zfill(6))
            digits = ""
        if ch != "\0":
            out.append(ch.upper())
    return "".join(out)


def ensure_bed(session: Session, ward: Ward, label: str | None) -> Bed | None:
    text = optional_text(label, "bed", kind=NAME, max_length=20)
    if text is None:
        return None
    bed = session.scalars(
        select(Bed).where(Bed.ward_id == ward.id, Bed.label == text)
    ).one_or_none()
    if bed is None:
        bed = Bed(ward=ward, label=text, sort_key=bed_sort_key(text))
        session.add(bed)
        session.flush()
    return bed


def ensure_beds(session: Session, ward: Ward, labels: list[str]) -> list[Bed]:
    """The ward's beds of these labels, those it lacks created (one query, one flush),
    with the checks of :func:`ensure_bed`."""
    texts = [optional_text(label, "bed", kind=NAME, max_length=20) for label in labels]
    wanted = [t for t in texts if t is not None]
    have = {
        bed.label: bed
        for bed in session.scalars(
            select(Bed).where(Bed.ward_id == ward.id, Bed.label.in_(set(wanted)))
        )
    }
    for text in wanted:
        if text not in have:
            have[text] = Bed(ward=ward, label=text, sort_key=bed_sort_key(text))
            session.add(have[text])
    session.flush()
    return [have[t] for t in wanted]


def admit(
    session: Session,
    *,
    patient: patients.PatientDetails,
    site: str,
    ward: str,
    bed: str | None = None,
    admitted_at: datetime,
    specialty: str | None = None,
) -> SpellView:
    """Admit a patient (created or updated from ``patient``) to a bed."""
    admitted = check_admitted_at(admitted_at)
    site_row = _site(session, site)
    ward_row = ensure_ward(session, site_row, ward)
    bed_row = ensure_bed(session, ward_row, bed)
    person = patients.upsert(session, patient)
    current = session.scalars(
        select(Spell).where(Spell.patient_id == person.id, Spell.discharged_at.is_(None))
    ).one_or_none()
    if current is not None:
        raise ValidationError(
            "nhs_number",
            patients.shown(person.nhs_number),
            f"already has an open spell (admitted {dates.uk_date(admission_date(current))})",
        )
    check_born_by(person.date_of_birth, admitted)
    spell = Spell(
        patient=person,
        site=site_row,
        ward=ward_row,
        bed=bed_row,
        admitted_at=admitted,  # the view shows it as stored: aware UTC
        specialty=optional_text(specialty, "specialty", kind=NAME, max_length=80),
    )
    session.add(spell)
    session.flush()
    return spell_view(session, spell)


def check_born_by(born: date, admitted: datetime) -> None:
    """A patient is admitted on or after the day they were born."""
    if born > clock.local_date(admitted):
        raise ValidationError("date_of_birth", born, "is after the admission")


def transfer(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    ward: str,
    bed: str | None = None,
    site: str | None = None,
    effective_at: datetime | None = None,
) -> SpellView:
    """Move the patient. ``effective_at``: when the move happened, as a feed gives it
    (the PAS transfer time); the new location holds from then in the spell's history
    (default: now). A move that happened before the latest one already recorded
    (messages out of order) goes into the history only: the patient stays where the
    later move put them."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    when = _transfer_time(spell, effective_at)
    site_row = _site(session, site) if site else spell.site
    ward_row = ensure_ward(session, site_row, ward)
    bed_row = ensure_bed(session, ward_row, bed)
    if when is not None:
        latest = facts.started(session, spell.id, LOCATION)
        if latest is not None and when < latest:
            facts.record_past_location(session, spell.id, when, site_row, ward_row, bed_row)
            return spell_view(session, spell)
    at_when = facts.happened_at(session, spell.id, when) if when else nullcontext()
    with at_when:
        # Assigned together after the flushes above: one version and one audit per move.
        spell.site, spell.ward, spell.bed = site_row, ward_row, bed_row
        session.flush()
    return spell_view(session, spell)


def _transfer_time(spell: Spell, effective_at: datetime | None) -> datetime | None:
    if effective_at is None:
        return None
    when = clock.as_utc(effective_at)
    if when > clock.now():
        raise ValidationError("effective_at", dates.uk_datetime(when), "is in the future")
    if when < clock.as_utc(spell.admitted_at):
        raise ValidationError(
            "effective_at",
            dates.uk_datetime(when),
            f"is before the admission at {dates.uk_datetime(spell.admitted_at)}",
        )
    return when


def check_edd(edd: date, *, reason: str, admitted_on: date, today: date) -> str:
    """The rules a new EDD must pass, with no database: :func:`set_edd` applies them,
    and a form asks them before it asks "this EDD is in the past: save anyway?", so a
    date refused anyway is refused at once. Returns the reason as it is stored."""
    why = require_text(reason, "reason", kind=TEXT, max_length=REASON_MAX)
    check_planned(edd, "edd", today=today)
    if edd < admitted_on:
        raise ValidationError(
            "edd", dates.uk_date(edd), f"is before the admission on {dates.uk_date(admitted_on)}"
        )
    return why


def set_edd(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    edd: date,
    reason: str,
    today: date | None = None,
) -> SpellView:
    """Set or change the estimated discharge date; every change keeps why."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    why = check_edd(
        edd, reason=reason, admitted_on=admission_date(spell), today=today or clock.today()
    )
    if edd == spell.edd:
        return spell_view(session, spell)
    session.add(
        EddChange(
            spell_id=spell.id,
            old_edd=spell.edd,
            new_edd=edd,
            reason=why,
            changed_by=actor_of(session),
            changed_at=clock.now(),
        )
    )
    spell.edd = edd
    session.flush()
    return spell_view(session, spell)


def set_pathway(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    pathway: str | None,
    cancel_placements: PlacementCancel | None = None,
) -> SpellView:
    """Set or clear the pathway. A pathway that does not go through the hub, while hub
    placements are open, is refused (:class:`OpenPlacementsError`, which lists them)
    unless ``cancel_placements`` names them all: then they are cancelled with its
    reason in the same unit of work, and an open hub referral is withdrawn."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    code = check_code(session, Pathway, "pathway", pathway) if pathway else None
    if code is not None and not session.get(Pathway, code).through_hub:  # type: ignore[union-attr]
        placements.cancel_for_pathway(session, spell, code, cancel_placements)
        hub.withdraw_for_pathway(session, spell.id, code)
    spell.pathway_code = code
    session.flush()
    return spell_view(session, spell)


def set_delay_reason(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    delay_reason: str | None,
) -> SpellView:
    """Set the coded delay reason (an active code of the versioned list), or clear it."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    if delay_reason:
        code = clean_text(delay_reason, "delay_reason", kind=NAME).upper()
        reason = session.scalars(
            select(DelayReason)
            .where(DelayReason.code == code, DelayReason.active.is_(True))
            .order_by(DelayReason.list_version.desc())
        ).first()
        if reason is None:
            raise ValidationError("delay_reason", delay_reason, "is not a known delay reason code")
        spell.delay_reason_id = reason.id
    else:
        spell.delay_reason_id = None
    session.flush()
    return spell_view(session, spell)


def set_next_action(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    next_action: str | None,
) -> SpellView:
    spell = open_spell(session, spell_id, expected_version=expected_version)
    spell.next_action = optional_text(next_action, "next_action", kind=TEXT, max_length=500)
    session.flush()
    return spell_view(session, spell)


HANDOVER_FIELDS = (
    "capacity_notes",
    "lasting_power_of_attorney",
    "patient_wishes",
    "safety_alerts",
    "home_environment",
    "information_given",
)


def update_handover_notes(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    **notes: str | None,
) -> SpellView:
    """Free-text content for the handover summary (PRSB headings)."""
    check_handover_fields(notes)
    spell = get_for_update(session, Spell, spell_id, expected_version=expected_version)
    for key, value in notes.items():
        setattr(spell, key, optional_text(value, key, kind=TEXT, max_length=4000))
    session.flush()
    return spell_view(session, spell)


def check_handover_fields(names: Iterable[str]) -> None:
    unknown = set(names) - set(HANDOVER_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], None, "is not a handover field")


def discharge(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    discharged_at: datetime,
    destination: str,
    method: str,
    pathway: str | None = None,
) -> SpellView:
    """Close the spell. Placements with a confirmed start are marked started."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    leaving = check_discharged_at(discharged_at, spell.admitted_at)
    # Every code checked before any is set: a look-up's autoflush would otherwise
    # write the discharge in two versions.
    destination_code = check_code(session, Destination, "destination", destination)
    method_code = check_code(session, Method, "method", method)
    pathway_code = check_code(session, Pathway, "pathway", pathway) if pathway else None
    spell.destination_code, spell.method_code = destination_code, method_code
    if pathway_code:
        spell.pathway_code = pathway_code
    spell.discharged_at = leaving  # the view shows it as stored
    for placement in session.scalars(
        select(Placement).where(
            Placement.spell_id == spell.id, Placement.state == "start_confirmed"
        )
    ):
        placement.state = "started"
        placement.started_at = spell.discharged_at
        placement.state_changed_at = clock.now()
    session.flush()
    return spell_view(session, spell)


def check_discharged_at(discharged_at: datetime, admitted_at: datetime) -> datetime:
    """A discharge instant between the admission and now, as aware UTC."""
    leaving = uk_instant(discharged_at, "discharged_at")
    if leaving < clock.as_utc(admitted_at):
        raise ValidationError(
            "discharged_at",
            dates.uk_datetime(discharged_at),
            f"is before the admission at {dates.uk_datetime(admitted_at)}",
        )
    if leaving > clock.now():
        raise ValidationError("discharged_at", dates.uk_datetime(discharged_at), "is in the future")
    return leaving
