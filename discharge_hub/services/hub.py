"""The Integrated Discharge Hub: referrals, providers and placements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import (
    HubReferral,
    Pathway,
    Patient,
    Place,
    Placement,
    Provider,
    ProviderPlace,
    ProviderServiceType,
    ServiceType,
)
from discharge_hub.services.common import actor_of, check_code, get_for_update, open_spell
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_not_future,
    check_planned,
    optional_text,
    require_text,
)

# The placement lifecycle. Declined/cancelled end it and need a reason.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "requested": ("assessing", "offered", "declined", "cancelled"),
    "assessing": ("offered", "declined", "cancelled"),
    "offered": ("accepted", "declined", "cancelled"),
    "accepted": ("start_confirmed", "cancelled"),
    "start_confirmed": ("started", "cancelled"),
    "started": (),
    "declined": (),
    "cancelled": (),
}
STATE_LABELS = {
    "requested": "Requested",
    "assessing": "Assessing",
    "offered": "Offered",
    "accepted": "Accepted",
    "start_confirmed": "Start date confirmed",
    "started": "Started",
    "declined": "Declined",
    "cancelled": "Cancelled",
}
WAITING_STATES = ("requested", "assessing", "offered", "accepted", "start_confirmed")
NEEDS_REASON = ("declined", "cancelled")
FUNDING = ("council", "nhs", "chc", "self", "joint")


@dataclass(frozen=True)
class ReferralView:
    id: int
    version: int
    spell_id: int
    pathway: str
    state: str
    referred_at: datetime
    referred_by: str
    accepted_at: datetime | None
    accepted_by: str | None
    notes: str | None


@dataclass(frozen=True)
class ProviderView:
    id: int
    version: int
    name: str
    capacity: int
    capacity_unit: str
    vacancies: int
    vacancies_on: date | None
    service_types: tuple[str, ...]
    places: tuple[str, ...]


@dataclass(frozen=True)
class PlacementView:
    id: int
    version: int
    spell_id: int
    referral_id: int | None
    service_type: str
    provider_id: int | None
    provider: str | None
    place_code: str | None
    state: str
    funding: str | None
    requested_at: datetime
    requested_by: str
    start_date: date | None
    started_at: datetime | None
    state_changed_at: datetime
    outcome_reason: str | None
    notes: str | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def _referral_view(r: HubReferral) -> ReferralView:
    return ReferralView(
        id=r.id,
        version=r.version,
        spell_id=r.spell_id,
        pathway=r.pathway_code,
        state=r.state,
        referred_at=r.referred_at,
        referred_by=r.referred_by,
        accepted_at=r.accepted_at,
        accepted_by=r.accepted_by,
        notes=r.notes,
    )


def placement_view(p: Placement) -> PlacementView:
    return PlacementView(
        id=p.id,
        version=p.version,
        spell_id=p.spell_id,
        referral_id=p.referral_id,
        service_type=p.service_type_code,
        provider_id=p.provider_id,
        provider=p.provider.name if p.provider else None,
        place_code=p.place_code,
        state=p.state,
        funding=p.funding,
        requested_at=p.requested_at,
        requested_by=p.requested_by,
        start_date=p.start_date,
        started_at=p.started_at,
        state_changed_at=p.state_changed_at,
        outcome_reason=p.outcome_reason,
        notes=p.notes,
    )


def provider_view(p: Provider) -> ProviderView:
    return ProviderView(
        id=p.id,
        version=p.version,
        name=p.name,
        capacity=p.capacity,
        capacity_unit=p.capacity_unit,
        vacancies=p.vacancies,
        vacancies_on=p.vacancies_on,
        service_types=tuple(sorted(s.service_type_code for s in p.service_types)),
        places=tuple(sorted(pl.place_code for pl in p.places)),
    )


def refer_to_hub(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    notes: str | None = None,
) -> ReferralView:
    """Refer a P1–P3 spell to the hub (the spell's pathway must go through the hub)."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    pathway = session.get(Pathway, spell.pathway_code) if spell.pathway_code else None
    if pathway is None or not pathway.through_hub:
        raise ValidationError(
            "pathway",
            spell.pathway_code,
            "does not go through the hub: set pathway P1, P2, P3 or P3b before referring",
        )
    current = session.scalars(
        select(HubReferral).where(
            HubReferral.spell_id == spell.id, HubReferral.state.in_(("referred", "accepted"))
        )
    ).first()
    if current is not None:
        raise ValidationError("referral", current.id, "is already open for this spell")
    referral = HubReferral(
        spell_id=spell.id,
        pathway_code=pathway.code,
        state="referred",
        referred_at=clock.now(),
        referred_by=actor_of(session),
        notes=optional_text(notes, "notes", kind=TEXT, max_length=2000),
    )
    session.add(referral)
    session.flush()
    return _referral_view(referral)


def accept_referral(
    session: Session,
    *,
    referral_id: int,
    expected_version: int | None,
) -> ReferralView:
    referral = get_for_update(
        session, HubReferral, referral_id, expected_version=expected_version, label="referral"
    )
    if referral.state != "referred":
        raise ValidationError("referral", referral.state, "cannot be accepted (not waiting)")
    referral.state = "accepted"
    referral.accepted_at = clock.now()
    referral.accepted_by = actor_of(session)
    session.flush()
    return _referral_view(referral)


def add_provider(
    session: Session,
    *,
    name: str,
    service_types: list[str],
    places: list[str],
    capacity: int,
    capacity_unit: str = "beds",
    vacancies: int = 0,
    phone: str | None = None,
    vacancies_on: date | None = None,
) -> ProviderView:
    if capacity < 0:
        raise ValidationError("capacity", capacity, "cannot be negative")
    if capacity_unit not in ("beds", "hours"):
        raise ValidationError("capacity_unit", capacity_unit, "must be beds or hours")
    if not service_types:
        raise ValidationError("service_types", None, "needs at least one service type")
    provider_name = require_text(name, "name", kind=NAME, max_length=160)
    if session.scalar(select(Provider.id).where(Provider.name == provider_name)) is not None:
        # A clear refusal instead of the unique constraint's IntegrityError.
        raise ValidationError("name", provider_name, "is already a provider")
    provider = Provider(
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
    _set_vacancies(provider, vacancies, vacancies_on)
    session.flush()
    return provider_view(provider)


def _set_vacancies(provider: Provider, vacancies: int, on: date | None) -> None:
    if vacancies < 0:
        raise ValidationError("vacancies", vacancies, "cannot be negative")
    if vacancies > provider.capacity:
        raise ValidationError(
            "vacancies", vacancies, f"exceeds the capacity of {provider.capacity}"
        )
    provider.vacancies = vacancies
    provider.vacancies_on = check_not_future(
        on or clock.today(), "vacancies_on", today=clock.today()
    )


def set_vacancies(
    session: Session,
    *,
    provider_id: int,
    expected_version: int | None,
    vacancies: int,
    on: date | None = None,
) -> ProviderView:
    provider = get_for_update(session, Provider, provider_id, expected_version=expected_version)
    _set_vacancies(provider, vacancies, on)
    session.flush()
    return provider_view(provider)


def list_providers(session: Session, *, service_type: str | None = None) -> list[ProviderView]:
    stmt = select(Provider).order_by(Provider.name)
    if service_type:
        stmt = stmt.join(ProviderServiceType).where(
            ProviderServiceType.service_type_code == service_type
        )
    return [provider_view(p) for p in session.scalars(stmt).unique()]


def request_placement(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    service_type: str,
    provider_id: int | None = None,
    funding: str | None = None,
    notes: str | None = None,
) -> PlacementView:
    """Request a service for a spell on a hub pathway (never on P0)."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    pathway = session.get(Pathway, spell.pathway_code) if spell.pathway_code else None
    if pathway is None or not pathway.through_hub:
        raise ValidationError(
            "pathway",
            spell.pathway_code or "(none)",
            "has no hub placements: a placement needs pathway P1, P2, P3 or P3b",
        )
    code = check_code(session, ServiceType, "service_type", service_type)
    provider = _provider_for(session, provider_id, code)
    if funding is not None and funding not in FUNDING:
        raise ValidationError("funding", funding, f"must be one of {', '.join(FUNDING)}")
    referral = session.scalars(
        select(HubReferral.id).where(
            HubReferral.spell_id == spell.id, HubReferral.state.in_(("referred", "accepted"))
        )
    ).first()
    patient = session.get(Patient, spell.patient_id)
    moment = clock.now()
    placement = Placement(
        spell_id=spell.id,
        referral_id=referral,
        service_type_code=code,
        provider=provider,
        place_code=patient.place_code if patient else None,
        state="requested",
        funding=funding,
        requested_at=moment,
        requested_by=actor_of(session),
        state_changed_at=moment,
        notes=optional_text(notes, "notes", kind=TEXT, max_length=2000),
    )
    session.add(placement)
    session.flush()
    return placement_view(placement)


def _provider_for(session: Session, provider_id: int | None, service_type: str) -> Provider | None:
    if provider_id is None:
        return None
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise ValidationError("provider", provider_id, "is not a known provider")
    if service_type not in {s.service_type_code for s in provider.service_types}:
        raise ValidationError("provider", provider.name, f"does not provide {service_type}")
    return provider


def advance_placement(
    session: Session,
    *,
    placement_id: int,
    expected_version: int | None,
    to_state: str,
    provider_id: int | None = None,
    start_date: date | None = None,
    reason: str | None = None,
) -> PlacementView:
    """Move a placement along its lifecycle; refuses a transition that does not exist."""
    placement = get_for_update(session, Placement, placement_id, expected_version=expected_version)
    allowed = TRANSITIONS.get(placement.state, ())
    if to_state not in allowed:
        nexts = ", ".join(allowed) or "none (it is finished)"
        raise ValidationError(
            "state",
            to_state,
            f"is not a next step from {placement.state} (allowed: {nexts})",
        )
    if provider_id is not None:
        placement.provider = _provider_for(session, provider_id, placement.service_type_code)
    if to_state in ("offered", "accepted") and placement.provider is None:
        raise ValidationError("provider", None, f"is required for a placement {to_state}")
    if to_state == "start_confirmed":
        if start_date is None:
            raise ValidationError("start_date", None, "is required to confirm the start")
        placement.start_date = check_planned(start_date, "start_date", today=clock.today())
    if to_state in NEEDS_REASON:
        placement.outcome_reason = require_text(reason, "reason", kind=TEXT, max_length=500)
    elif reason:
        placement.notes = optional_text(reason, "reason", kind=TEXT, max_length=2000)
    if to_state == "started":
        placement.started_at = clock.now()
    placement.state = to_state
    placement.state_changed_at = clock.now()
    session.flush()
    return placement_view(placement)


def placements_for(session: Session, spell_id: int) -> list[PlacementView]:
    rows = session.scalars(
        select(Placement).where(Placement.spell_id == spell_id).order_by(Placement.requested_at)
    )
    return [placement_view(p) for p in rows]


def referrals_for(session: Session, spell_id: int) -> list[ReferralView]:
    rows = session.scalars(
        select(HubReferral)
        .where(HubReferral.spell_id == spell_id)
        .order_by(HubReferral.referred_at)
    )
    return [_referral_view(r) for r in rows]
