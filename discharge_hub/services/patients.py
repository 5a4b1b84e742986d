"""The patient's demographics (created or refreshed on admission)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import SEX_CODES, EthnicCategory, Patient, Place
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_birth_date,
    clean_text,
    format_nhs_number,
    normalise_nhs_number,
    optional_text,
    require_text,
)


@dataclass(frozen=True)
class PatientDetails:
    """Demographics as given by PAS or a user (validated by :func:`upsert`)."""

    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str = "U"
    postcode: str | None = None
    place: str | None = None  # council code or place name (places.csv)
    gp_practice: str | None = None
    ethnic_category: str | None = None
    preferred_language: str | None = None
    interpreter_needed: bool = False
    lives_alone: bool | None = None
    communication_needs: str | None = None


normalise = normalise_nhs_number
shown = format_nhs_number


def by_nhs_number(session: Session, digits: str) -> Patient | None:
    return session.scalars(select(Patient).where(Patient.nhs_number == digits)).one_or_none()


def place_code(session: Session, value: str | None) -> str | None:
    """A place given as council code or name (case-insensitive) → its code."""
    text = clean_text(value, "place", kind=NAME)
    if not text:
        return None
    row = session.scalars(
        select(Place).where(or_(Place.code == text.upper(), Place.name.ilike(text)))
    ).first()
    if row is None:
        raise ValidationError(
            "place",
            text,
            "is not a known place (Leicester, Leicestershire, Rutland or its council code)",
        )
    return row.code


def clean_details(
    d: PatientDetails,
    *,
    place_code: Callable[[str | None], str | None],
    ethnic_known: Callable[[str], bool],
    today: date,
) -> dict[str, object]:
    """The patient's columns from ``d``, every rule checked (ValidationError names the
    field). The code lookups are given so the PAS import can check a whole file against
    code lists read once; :func:`upsert` looks them up in the database."""
    sex = (d.sex or "U").strip().upper()
    if sex not in SEX_CODES:
        raise ValidationError("sex", d.sex, "must be M, F or U")
    check_birth_date(d.date_of_birth, today=today)
    ethnic = clean_text(d.ethnic_category, "ethnic_category", kind=NAME).upper() or None
    if ethnic is not None and not ethnic_known(ethnic):
        raise ValidationError("ethnic_category", d.ethnic_category, "is not a known code")
    postcode = optional_text(d.postcode, "postcode", kind=NAME, max_length=10)
    return {
        "nhs_number": normalise_nhs_number(d.nhs_number),
        "family_name": require_text(d.family_name, "family_name", kind=NAME, max_length=100),
        "given_name": require_text(d.given_name, "given_name", kind=NAME, max_length=100),
        "date_of_birth": d.date_of_birth,
        "sex": sex,
        "postcode": postcode.upper() if postcode else None,
        "place_code": place_code(d.place),
        "gp_practice": optional_text(d.gp_practice, "gp_practice", kind=NAME, max_length=120),
        "ethnic_category_code": ethnic,
        "preferred_language": optional_text(
            d.preferred_language, "preferred_language", kind=NAME, max_length=60
        ),
        "interpreter_needed": bool(d.interpreter_needed),
        "lives_alone": d.lives_alone,
        "communication_needs": optional_text(
            d.communication_needs, "communication_needs", kind=TEXT
        ),
    }


def _values(session: Session, d: PatientDetails) -> dict[str, object]:
    return clean_details(
        d,
        place_code=lambda value: place_code(session, value),
        ethnic_known=lambda code: session.get(EthnicCategory, code) is not None,
        today=clock.today(),
    )


def upsert(session: Session, details: PatientDetails) -> Patient:
    """Create the patient, or update the demographics that changed (audited)."""
    values = _values(session, details)
    patient = by_nhs_number(session, str(values["nhs_number"]))
    if patient is None:
        patient = Patient(**values)
        session.add(patient)
    else:
        for key, value in values.items():
            if getattr(patient, key) != value:
                setattr(patient, key, value)
    session.flush()
    return patient


PATIENT_FIELDS = tuple(f.name for f in fields(PatientDetails))
