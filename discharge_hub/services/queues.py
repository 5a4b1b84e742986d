"""The hub's work queues, one SELECT each: referrals waiting on the hub, and
placements waiting on a council.

Both take ``spell_ids`` to re-fetch only the rows of spells a live notification
named: the screen drops its rows of those spells and puts in the ones returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import (
    Bed,
    HubReferral,
    Patient,
    Place,
    Placement,
    Provider,
    ServiceType,
    Site,
    Spell,
    Ward,
)
from discharge_hub.services.hub import OPEN_REFERRAL_STATES, REFERRAL_STATE_LABELS
from discharge_hub.services.placements import (
    FUNDING_LABELS,
    NEEDS_REASON,
    STATE_LABELS,
    WAITING_STATES,
    next_states,
)
from discharge_hub.services.providers import place_code


@dataclass(frozen=True)
class ReferralQueueRow:
    referral_id: int
    referral_version: int
    spell_id: int
    spell_version: int
    state: str  # referred (awaiting acceptance) or accepted (not yet placed)
    referred_at: datetime
    referred_by: str
    accepted_at: datetime | None
    accepted_by: str | None
    waiting: timedelta  # since the referral, to the queue's "now"
    nhs_number: str
    family_name: str
    given_name: str
    place_code: str | None
    site: str
    ward: str
    bed: str | None
    pathway: str | None  # the spell's pathway now
    referral_pathway: str  # the pathway it was referred on
    discharge_ready_date: date | None
    delay_days: int | None
    notes: str | None

    @property
    def state_label(self) -> str:
        return REFERRAL_STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class PlacementQueueRow:
    placement_id: int
    version: int
    spell_id: int
    spell_version: int
    nhs_number: str
    family_name: str
    given_name: str
    place_code: str | None
    place: str | None  # the council's name
    site: str
    ward: str
    bed: str | None
    pathway: str | None
    discharge_ready_date: date | None
    delay_days: int | None  # None: not ready for discharge, or already discharged
    discharged: bool
    service_type: str
    service_type_label: str
    provider_id: int | None
    provider_code: str | None
    provider: str | None
    state: str
    state_since: datetime
    days_in_state: int
    assigned_to: str | None
    funding: str | None
    requested_at: datetime
    requested_by: str
    start_date: date | None
    notes: str | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def funding_label(self) -> str:
        return FUNDING_LABELS.get(self.funding, self.funding) if self.funding else ""

    @property
    def next_states(self) -> tuple[str, ...]:
        """The only steps to offer (see services.placements.TRANSITIONS)."""
        return next_states(self.state)


def _delay(drd: date | None, today: date, open_: bool = True) -> int | None:
    return (today - drd).days if open_ and drd is not None and drd <= today else None


def referral_queue(
    session: Session,
    *,
    spell_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> list[ReferralQueueRow]:
    """Referrals awaiting acceptance, then accepted ones with no placement in progress
    or started; each group oldest referral first. Open spells only."""
    moment = clock.as_utc(now) if now else clock.now()
    today = clock.local_date(moment)
    placed = exists().where(
        Placement.spell_id == HubReferral.spell_id, Placement.state.not_in(NEEDS_REASON)
    )
    stmt: Any = (
        select(HubReferral, Spell.version, Spell.pathway_code, Spell.discharge_ready_date)
        .add_columns(Patient.nhs_number, Patient.family_name, Patient.given_name)
        .add_columns(Patient.place_code, Site.name, Ward.name, Bed.label)
        .join(Spell, Spell.id == HubReferral.spell_id)
        .join(Patient, Patient.id == Spell.patient_id)
        .join(Site, Site.id == Spell.site_id)
        .join(Ward, Ward.id == Spell.ward_id)
        .outerjoin(Bed, Bed.id == Spell.bed_id)
        .where(Spell.discharged_at.is_(None), HubReferral.state.in_(OPEN_REFERRAL_STATES))
        .where(~and_(HubReferral.state == "accepted", placed))
        .order_by(
            case((HubReferral.state == "referred", 0), else_=1),
            HubReferral.referred_at,
            HubReferral.id,
        )
    )
    if spell_ids is not None:
        stmt = stmt.where(HubReferral.spell_id.in_(sorted(set(spell_ids))))
    return [_referral_row(r, moment, today) for r in session.execute(stmt)]


def _referral_row(r: Any, moment: datetime, today: date) -> ReferralQueueRow:
    ref, version, pathway, drd, nhs, family, given, place, site, ward, bed = r
    return ReferralQueueRow(
        referral_id=ref.id,
        referral_version=ref.version,
        spell_id=ref.spell_id,
        spell_version=version,
        state=ref.state,
        referred_at=ref.referred_at,
        referred_by=ref.referred_by,
        accepted_at=ref.accepted_at,
        accepted_by=ref.accepted_by,
        waiting=moment - ref.referred_at,
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        place_code=place,
        site=site,
        ward=ward,
        bed=bed,
        pathway=pathway,
        referral_pathway=ref.pathway_code,
        discharge_ready_date=drd,
        delay_days=_delay(drd, today),
        notes=ref.notes,
    )


def placement_queue(
    session: Session,
    *,
    place: str | None = None,
    state: str | None = None,
    spell_ids: Iterable[int] | None = None,
    today: date | None = None,
) -> list[PlacementQueueRow]:
    """Every placement not yet started or ended, oldest request first; one council's
    (``place``: its code or name; None: all councils), optionally in one ``state``."""
    on = today or clock.today()
    states: tuple[str, ...] = WAITING_STATES
    if state is not None:
        if state not in WAITING_STATES:
            raise ValidationError(
                "state", state, f"is not a waiting state ({', '.join(WAITING_STATES)})"
            )
        states = (state,)
    stmt: Any = (
        select(Placement, Spell.version, Spell.pathway_code, Spell.discharge_ready_date)
        .add_columns(Spell.discharged_at, Patient.nhs_number, Patient.family_name)
        .add_columns(Patient.given_name, Place.name, Site.name, Ward.name, Bed.label)
        .add_columns(ServiceType.label, Provider.code, Provider.name)
        .join(Spell, Spell.id == Placement.spell_id)
        .join(Patient, Patient.id == Spell.patient_id)
        .join(Site, Site.id == Spell.site_id)
        .join(Ward, Ward.id == Spell.ward_id)
        .join(ServiceType, ServiceType.code == Placement.service_type_code)
        .outerjoin(Bed, Bed.id == Spell.bed_id)
        .outerjoin(Place, Place.code == Placement.place_code)
        .outerjoin(Provider, Provider.id == Placement.provider_id)
        .where(Placement.state.in_(states))
        .order_by(Placement.requested_at, Placement.id)
    )
    if place is not None:
        stmt = stmt.where(Placement.place_code == place_code(session, place))
    if spell_ids is not None:
        stmt = stmt.where(Placement.spell_id.in_(sorted(set(spell_ids))))
    return [_placement_row(r, on) for r in session.execute(stmt)]


def _placement_row(r: Any, on: date) -> PlacementQueueRow:
    (p, version, pathway, drd, discharged_at, nhs, family, given, place, site, ward, bed,
     service_label, provider_code, provider) = r  # fmt: skip
    return PlacementQueueRow(
        placement_id=p.id,
        version=p.version,
        spell_id=p.spell_id,
        spell_version=version,
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        place_code=p.place_code,
        place=place,
        site=site,
        ward=ward,
        bed=bed,
        pathway=pathway,
        discharge_ready_date=drd,
        delay_days=_delay(drd, on, discharged_at is None),
        discharged=discharged_at is not None,
        service_type=p.service_type_code,
        service_type_label=service_label,
        provider_id=p.provider_id,
        provider_code=provider_code,
        provider=provider,
        state=p.state,
        state_since=p.state_changed_at,
        days_in_state=(on - clock.local_date(p.state_changed_at)).days,
        assigned_to=p.assigned_to,
        funding=p.funding,
        requested_at=p.requested_at,
        requested_by=p.requested_by,
        start_date=p.start_date,
        notes=p.notes,
    )
