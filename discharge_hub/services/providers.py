"""The provider directory: CQC locations, the services and places they cover, their
capacity and vacancies, with every vacancy figure kept with its ``as_of``.

The provider's ``vacancies`` is the figure with the latest ``as_of``; a figure given
for an earlier moment (an old return imported late) goes into the history only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import (
    Place,
    Placement,
    Provider,
    ProviderPlace,
    ProviderServiceType,
    ProviderVacancy,
    ServiceType,
)
from discharge_hub.services.common import actor_of, check_code, get_for_update
from discharge_hub.validators import NAME, optional_text, require_text

# A CQC location ID: "1-" and 9 to 11 digits (ASCII only: \d would take other scripts').
CQC_CODE = re.compile(r"1-[0-9]{9,11}")
CAPACITY_UNITS = ("beds", "hours")


@dataclass(frozen=True)
class ProviderView:
    id: int
    version: int
    code: str
    name: str
    capacity: int
    capacity_unit: str
    vacancies: int
    vacancies_as_of: datetime | None  # when the current figure was true (aware UTC)
    phone: str | None
    service_types: tuple[str, ...]  # codes, sorted
    places: tuple[str, ...]  # place codes, sorted


@dataclass(frozen=True)
class VacancyFigure:
    vacancies: int
    as_of: datetime
    recorded_at: datetime
    recorded_by: str


def provider_view(p: Provider) -> ProviderView:
    return ProviderView(
        id=p.id,
        version=p.version,
        code=p.code,
        name=p.name,
        capacity=p.capacity,
        capacity_unit=p.capacity_unit,
        vacancies=p.vacancies,
        vacancies_as_of=p.vacancies_as_of,
        phone=p.phone,
        service_types=tuple(sorted(s.service_type_code for s in p.service_types)),
        places=tuple(sorted(pl.place_code for pl in p.places)),
    )


def check_cqc_code(value: str | None, field: str = "code") -> str:
    code = (value or "").strip()
    if not code:
        raise ValidationError(field, value, "is required")
    if not CQC_CODE.fullmatch(code):
        raise ValidationError(
            field, code, "is not a CQC location ID ('1-' and 9 to 11 digits, e.g. 1-123456789)"
        )
    return code


def add_provider(
    session: Session,
    *,
    code: str,
    name: str,
    service_types: list[str],
    places: list[str],
    capacity: int,
    capacity_unit: str = "beds",
    vacancies: int = 0,
    phone: str | None = None,
    vacancies_as_of: datetime | None = None,
) -> ProviderView:
    """Add a provider; its vacancy figure (as of now unless given) starts its history."""
    cqc = check_cqc_code(code)
    if session.scalar(select(Provider.id).where(Provider.code == cqc)) is not None:
        raise ValidationError("code", cqc, "is already a provider")
    if capacity < 0:
        raise ValidationError("capacity", capacity, "cannot be negative")
    if capacity_unit not in CAPACITY_UNITS:
        raise ValidationError("capacity_unit", capacity_unit, "must be beds or hours")
    if not service_types:
        raise ValidationError("service_types", None, "needs at least one service type")
    provider_name = require_text(name, "name", kind=NAME, max_length=160)
    if session.scalar(select(Provider.id).where(Provider.name == provider_name)) is not None:
        # A clear refusal instead of the unique constraint's IntegrityError.
        raise ValidationError("name", provider_name, "is already a provider")
    provider = Provider(
        code=cqc,
        name=provider_name,
        capacity=capacity,
        capacity_unit=capacity_unit,
        vacancies=0,
        phone=optional_text(phone, "phone", kind=NAME, max_length=40),
    )
    provider.service_types = [
        ProviderServiceType(service_type_code=check_code(session, ServiceType, "service_types", s))
        for s in sorted(set(service_types))
    ]
    provider.places = [
        ProviderPlace(place_code=check_code(session, Place, "places", p))
        for p in sorted(set(places))
    ]
    session.add(provider)
    session.flush()
    record_vacancies(session, provider, vacancies, vacancies_as_of or clock.now())
    return provider_view(provider)


def record_vacancies(session: Session, provider: Provider, vacancies: int, as_of: datetime) -> bool:
    """Keep one vacancy figure in the history; it becomes the provider's current one if
    it is the newest. Returns False when that figure at that moment is already kept."""
    when = clock.as_utc(as_of)
    if vacancies < 0:
        raise ValidationError("vacancies", vacancies, "cannot be negative")
    if vacancies > provider.capacity:
        raise ValidationError(
            "vacancies", vacancies, f"exceeds the capacity of {provider.capacity}"
        )
    if when > clock.now():
        raise ValidationError("as_of", when.isoformat(timespec="minutes"), "is in the future")
    kept = session.scalar(
        select(ProviderVacancy).where(
            ProviderVacancy.provider_id == provider.id, ProviderVacancy.as_of == when
        )
    )
    if kept is not None:
        if kept.vacancies != vacancies:
            raise ValidationError(
                "vacancies",
                vacancies,
                f"differs from the figure already recorded as of that time ({kept.vacancies})",
            )
        return False
    session.add(
        ProviderVacancy(
            provider_id=provider.id,
            vacancies=vacancies,
            as_of=when,
            recorded_at=clock.now(),
            recorded_by=actor_of(session),
        )
    )
    if provider.vacancies_as_of is None or when > provider.vacancies_as_of:
        provider.vacancies = vacancies
        provider.vacancies_as_of = when
    session.flush()
    return True


def set_vacancies(
    session: Session,
    *,
    provider_id: int,
    expected_version: int | None,
    vacancies: int,
    as_of: datetime | None = None,
) -> ProviderView:
    """Edit the vacancies (as of now unless given); the figure is kept in the history."""
    provider = get_for_update(session, Provider, provider_id, expected_version=expected_version)
    record_vacancies(session, provider, vacancies, as_of or clock.now())
    return provider_view(provider)


def vacancy_history(session: Session, provider_id: int) -> list[VacancyFigure]:
    """Every vacancy figure of the provider, newest ``as_of`` first."""
    rows = session.scalars(
        select(ProviderVacancy)
        .where(ProviderVacancy.provider_id == provider_id)
        .order_by(ProviderVacancy.as_of.desc())
    )
    return [VacancyFigure(v.vacancies, v.as_of, v.recorded_at, v.recorded_by) for v in rows]


def list_providers(
    session: Session, *, service_type: str | None = None, place: str | None = None
) -> list[ProviderView]:
    """The directory, by name; optionally those offering a service type / serving a place."""
    stmt = (
        select(Provider)
        .options(selectinload(Provider.service_types), selectinload(Provider.places))
        .order_by(Provider.name)
    )
    if service_type:
        offering = select(ProviderServiceType.provider_id).where(
            ProviderServiceType.service_type_code == service_type
        )
        stmt = stmt.where(Provider.id.in_(offering))
    if place:
        serving = select(ProviderPlace.provider_id).where(ProviderPlace.place_code == place)
        stmt = stmt.where(Provider.id.in_(serving))
    return [provider_view(p) for p in session.scalars(stmt)]


def providers_for(session: Session, *, service_type: str, place: str | None) -> list[ProviderView]:
    """Providers a placement can go to: offering the service type and serving the
    patient's council (any council when the patient has none), vacancies first (most
    first), then by name."""
    found = list_providers(session, service_type=service_type, place=place)
    return sorted(found, key=lambda p: (p.vacancies <= 0, -p.vacancies, p.name.casefold()))


def providers_for_placement(session: Session, placement_id: int) -> list[ProviderView]:
    """The provider picker of one placement (see :func:`providers_for`)."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise ValidationError("placement", placement_id, "is not a known placement")
    return providers_for(
        session, service_type=placement.service_type_code, place=placement.place_code
    )


def check_provider_for(
    session: Session, provider_id: int, service_type: str, place: str | None
) -> Provider:
    """The provider, if it offers the service type and serves the council; else refuse."""
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise ValidationError("provider", provider_id, "is not a known provider")
    check_offers(
        provider.name,
        {s.service_type_code for s in provider.service_types},
        {p.place_code for p in provider.places},
        service_type,
        place,
    )
    return provider


def check_offers(
    name: str, services: set[str], places: set[str], service_type: str, place: str | None
) -> None:
    """Refuse a provider that does not offer the service type or serve the council."""
    if service_type not in services:
        raise ValidationError("provider", name, f"does not provide {service_type}")
    if place is not None and place not in places:
        raise ValidationError("provider", name, f"does not serve the council {place}")


def place_code(session: Session, value: str | None, field: str = "place") -> str:
    """A council's code from its code or name (any case)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, value, "is required")
    for code, name in session.execute(select(Place.code, Place.name)):
        if text.casefold() in (code.casefold(), name.casefold()):
            return str(code)
    raise ValidationError(
        field, text, "is not a known place (Leicester, Leicestershire, Rutland or its code)"
    )
