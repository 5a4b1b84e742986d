"""Apply one ADT message to the database through the services (in the caller's session).

- **A01** admit: the patient (created, or their PAS demographics updated) and a new
  spell at the mapped ward, from PV1-44.
- **A02** transfer: the open spell moves; the new place holds from the event's time
  (EVN-6, else EVN-2, else MSH-7) in the spell's history.
- **A03** discharge: at PV1-45 (else the event time); PV1-36 / PV1-37 mapped to the
  Data Dictionary discharge method and destination (``resources/adt_discharge_codes.csv``;
  a code already in the Data Dictionary list is taken as it is; none or an unknown one
  is recorded as "not known", 9 / 99).
- **A08** update patient information: the PAS demographics only (a patient the hub
  does not know is not created).
- **A11** cancel admit: the open spell is removed, if the hub has recorded nothing on
  it; otherwise refused, naming what was recorded (the hub's work is never thrown away
  by a feed).
- **A13** cancel discharge: the latest spell is open again (discharge time, method and
  destination cleared), unless the patient has been admitted again since.

Only the demographics PAS sends (name, date of birth, sex, postcode) are written to
the patient; what the hub recorded (place, GP, ethnicity, language, needs) is kept. On
the spell, PAS writes only the admission, the location and the discharge; EDD,
pathway, placements, carers and barriers stay as the hub left them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from discharge_hub import reference
from discharge_hub.adt.messages import AdtMessage, MessageError
from discharge_hub.adt.wards import WardMap
from discharge_hub.models import (
    Barrier,
    Carer,
    CarerContact,
    CtrReview,
    EddChange,
    HubReferral,
    Patient,
    Placement,
    Red2GreenDay,
    Spell,
    SpellFact,
)
from discharge_hub.services import patients, spells
from discharge_hub.services.patients import PatientDetails

EVENTS = ("A01", "A02", "A03", "A08", "A11", "A13")
NOT_KNOWN = {"method": "9", "destination": "99"}


@dataclass(frozen=True)
class Applied:
    event: str
    spell_id: int | None


def apply(session: Session, message: AdtMessage, wards: WardMap) -> Applied:
    """Apply ``message``; MessageError or a DomainError says why it cannot be."""
    handler = _HANDLERS.get(message.event)
    if handler is None:
        raise MessageError(f"event {message.event} is not handled (only {', '.join(EVENTS)})")
    nhs = message.checked_nhs_number()
    return Applied(message.event, handler(session, message, nhs, wards))


# The patient's columns :func:`details` reads (what PAS sends, and what the hub keeps).
KNOWN_COLUMNS = ("family_name", "given_name", "date_of_birth", "sex", "postcode", "place_code",
                 "gp_practice", "ethnic_category_code", "preferred_language",
                 "interpreter_needed", "lives_alone", "communication_needs")  # fmt: skip


def columns_of(patient: Patient | None) -> dict[str, Any] | None:
    """The columns :func:`details` reads, of a patient the session holds."""
    return None if patient is None else {k: getattr(patient, k) for k in KNOWN_COLUMNS}


def details(message: AdtMessage, nhs: str, known: Mapping[str, Any] | None) -> PatientDetails:
    """PAS demographics over what the program already holds for the patient (``known``:
    the patient's columns, see :func:`columns_of`; None: a patient it does not know).
    Shared by the services' route and the fast route (:mod:`.fast`)."""
    if message.date_of_birth is None and known is None:
        raise MessageError("no date of birth (PID-7)")
    base = PatientDetails(
        nhs_number=nhs,
        family_name=message.family_name or (known["family_name"] if known else ""),
        given_name=message.given_name or (known["given_name"] if known else ""),
        date_of_birth=message.date_of_birth or known["date_of_birth"],  # type: ignore[index]
        sex=_sex(message.sex) or (known["sex"] if known else "U"),
        postcode=message.postcode or (known["postcode"] if known else None),
    )
    if known is None:
        return base
    return PatientDetails(
        **{
            **base.__dict__,
            "place": known["place_code"],
            "gp_practice": known["gp_practice"],
            "ethnic_category": known["ethnic_category_code"],
            "preferred_language": known["preferred_language"],
            "interpreter_needed": known["interpreter_needed"],
            "lives_alone": known["lives_alone"],
            "communication_needs": known["communication_needs"],
        }
    )


def _sex(code: str) -> str:
    # HL7 table 0001: M, F, O (other), U, A (ambiguous), N (not applicable).
    return {"M": "M", "F": "F"}.get(code, "U" if code else "")


def _open(session: Session, nhs: str, event: str) -> Spell:
    person = patients.by_nhs_number(session, nhs)
    spell = None
    if person is not None:
        spell = session.scalars(
            select(Spell).where(Spell.patient_id == person.id, Spell.discharged_at.is_(None))
        ).one_or_none()
    if spell is None:
        raise MessageError(f"{event}: the patient has no open admission")
    return spell


def _admit(session: Session, message: AdtMessage, nhs: str, wards: WardMap) -> int:
    admitted_at = message.admitted_at or message.event_at
    if admitted_at is None:
        raise MessageError("no admission time (PV1-44)")
    place = wards.place(session, message.location)
    known = patients.by_nhs_number(session, nhs)
    view = spells.admit(
        session,
        patient=details(message, nhs, columns_of(known)),
        site=place.site,
        ward=place.ward,
        bed=place.bed,
        admitted_at=admitted_at,
    )
    return view.id


def _transfer(session: Session, message: AdtMessage, nhs: str, wards: WardMap) -> int:
    spell = _open(session, nhs, "A02")
    place = wards.place(session, message.location)
    spells.transfer(
        session,
        spell_id=spell.id,
        expected_version=None,
        site=place.site,
        ward=place.ward,
        bed=place.bed,
        effective_at=message.event_at,
    )
    return spell.id


def _discharge(session: Session, message: AdtMessage, nhs: str, _wards: WardMap) -> int:
    spell = _open(session, nhs, "A03")
    leaving = message.discharged_at or message.event_at
    if leaving is None:
        raise MessageError("no discharge time (PV1-45)")
    spells.discharge(
        session,
        spell_id=spell.id,
        expected_version=None,
        discharged_at=leaving,
        method=dd_code("method", message.disposition),
        destination=dd_code("destination", message.destination),
    )
    return spell.id


def _update(session: Session, message: AdtMessage, nhs: str, _wards: WardMap) -> int | None:
    """A08 for a patient the hub does not know (never admitted here: an outpatient, a
    patient of another trust's site) changes nothing: no record is made for them."""
    known = patients.by_nhs_number(session, nhs)
    if known is None:
        return None
    patients.upsert(session, details(message, nhs, columns_of(known)))
    return session.scalars(
        select(Spell.id).where(Spell.patient_id == known.id).order_by(Spell.admitted_at.desc())
    ).first()


# What the hub records on a spell: an A11 does not remove a spell holding any of it.
_HUB_RECORDS = (
    (EddChange, "an EDD"),
    (CtrReview, "criteria to reside reviews"),
    (Red2GreenDay, "Red2Green days"),
    (Barrier, "barriers"),
    (HubReferral, "a hub referral"),
    (Placement, "placements"),
    (Carer, "carers"),
    (CarerContact, "carer contacts"),
)


def _cancel_admit(session: Session, message: AdtMessage, nhs: str, _wards: WardMap) -> int:
    spell = _open(session, nhs, "A11")
    recorded = [
        label
        for model, label in _HUB_RECORDS
        if session.scalar(select(exists().where(model.spell_id == spell.id)))
    ]
    if spell.pathway_code or spell.next_action or spell.delay_reason_id:
        recorded.append("the plan (pathway, delay reason or next action)")
    if recorded:
        raise MessageError(
            "A11 cancel admit refused: the hub has recorded "
            + ", ".join(recorded)
            + " on this admission; remove them in Discharge Hub first, or ask PAS to "
            "discharge instead"
        )
    spell_id = spell.id
    # On the connection: the deleted spell itself announces the change (changes.py).
    session.connection().execute(delete(SpellFact).where(SpellFact.spell_id == spell_id))
    session.delete(spell)
    session.flush()
    return spell_id


def _cancel_discharge(session: Session, message: AdtMessage, nhs: str, _wards: WardMap) -> int:
    person = patients.by_nhs_number(session, nhs)
    latest = None
    if person is not None:
        latest = session.scalars(
            select(Spell)
            .where(Spell.patient_id == person.id)
            .order_by(Spell.discharged_at.is_(None).desc(), Spell.admitted_at.desc())
        ).first()
    if latest is None or latest.discharged_at is None:
        what = "is in hospital" if latest is not None else "has no admission"
        raise MessageError(f"A13 cancel discharge: the patient {what}, not discharged")
    latest.discharged_at = None
    latest.destination_code = None
    latest.method_code = None
    session.flush()
    return latest.id


_HANDLERS = {
    "A01": _admit,
    "A02": _transfer,
    "A03": _discharge,
    "A08": _update,
    "A11": _cancel_admit,
    "A13": _cancel_discharge,
}


@cache
def _discharge_codes() -> dict[tuple[str, str], str]:
    return {
        (row["field"], row["pas_code"].upper()): row["code"]
        for row in reference.read_csv("adt_discharge_codes.csv")
    }


@cache
def _dd_codes(field: str) -> frozenset[str]:
    name = "discharge_methods.csv" if field == "method" else "discharge_destinations.csv"
    return frozenset(row["code"] for row in reference.read_csv(name))


def dd_code(field: str, pas_code: str) -> str:
    """The Data Dictionary code for a PAS discharge method / destination code."""
    code = pas_code.strip().upper()
    if code in _dd_codes(field):
        return code
    if code.isdigit() and code.lstrip("0") in _dd_codes(field):
        return code.lstrip("0")
    return _discharge_codes().get((field, code), NOT_KNOWN[field])
