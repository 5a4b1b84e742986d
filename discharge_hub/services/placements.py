"""Intermediate care placements: request, choose a provider, assign a worker, move
along the lifecycle, end (declined or cancelled, with a reason).

:data:`TRANSITIONS` is the one statement of the lifecycle; :func:`next_states` gives
the steps a screen may offer, and every service refuses any other step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import HubReferral, Pathway, Patient, Placement, ServiceType, Spell
from discharge_hub.services.common import actor_of, check_code, get_for_update, open_spell
from discharge_hub.services.providers import check_provider_for
from discharge_hub.validators import NAME, TEXT, check_planned, optional_text, require_text

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
# Not yet started or ended: the placements queue.
WAITING_STATES = ("requested", "assessing", "offered", "accepted", "start_confirmed")
NEEDS_REASON = ("declined", "cancelled")
NEEDS_PROVIDER = ("offered", "accepted")
NEEDS_START_DATE = ("start_confirmed",)
# The provider may be chosen or changed until the provider has accepted.
PROVIDER_CHANGEABLE = ("requested", "assessing", "offered")
FUNDING = ("council", "nhs", "chc", "self", "joint")
FUNDING_LABELS = {
    "council": "Council",
    "nhs": "NHS",
    "chc": "NHS continuing healthcare",
    "self": "Self-funded",
    "joint": "Joint (council and NHS)",
}


def next_states(state: str) -> tuple[str, ...]:
    """The states a placement in ``state`` may move to (none once it is finished)."""
    return TRANSITIONS.get(state, ())


@dataclass(frozen=True)
class PlacementView:
    id: int
    version: int
    spell_id: int
    referral_id: int | None
    service_type: str
    provider_id: int | None
    provider: str | None
    provider_code: str | None
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
    assigned_to: str | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def next_states(self) -> tuple[str, ...]:
        return next_states(self.state)


def placement_view(p: Placement) -> PlacementView:
    return PlacementView(
        id=p.id,
        version=p.version,
        spell_id=p.spell_id,
        referral_id=p.referral_id,
        service_type=p.service_type_code,
        provider_id=p.provider_id,
        provider=p.provider.name if p.provider else None,
        provider_code=p.provider.code if p.provider else None,
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
        assigned_to=p.assigned_to,
    )


def check_placement_pathway(pathway: str | None, through_hub: bool) -> None:
    """A placement is requested only on a pathway through the hub (never P0)."""
    if not through_hub:
        raise ValidationError(
            "pathway",
            pathway or "(none)",
            "has no hub placements: a placement needs pathway P1, P2, P3 or P3b",
        )


def check_funding(funding: str | None) -> None:
    if funding is not None and funding not in FUNDING:
        raise ValidationError("funding", funding, f"must be one of {', '.join(FUNDING)}")


def check_transition(state: str, to_state: str) -> None:
    """Refuse a step the lifecycle (:data:`TRANSITIONS`) does not have."""
    allowed = next_states(state)
    if to_state not in allowed:
        nexts = ", ".join(allowed) or "none (it is finished)"
        raise ValidationError(
            "state", to_state, f"is not a next step from {state} (allowed: {nexts})"
        )


def check_step_needs(to_state: str, *, has_provider: bool, start_date: date | None) -> date | None:
    """What a step needs besides a reason: a provider to offer or accept, a planned
    start date to confirm the start (returned; None for other steps)."""
    if to_state in NEEDS_PROVIDER and not has_provider:
        raise ValidationError("provider", None, f"is required for a placement {to_state}")
    if to_state not in NEEDS_START_DATE:
        return None
    if start_date is None:
        raise ValidationError("start_date", None, "is required to confirm the start")
    return check_planned(start_date, "start_date", today=clock.today())


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
    check_placement_pathway(spell.pathway_code, pathway is not None and pathway.through_hub)
    code = check_code(session, ServiceType, "service_type", service_type)
    patient = session.get(Patient, spell.patient_id)
    place = patient.place_code if patient else None
    provider = (
        check_provider_for(session, provider_id, code, place) if provider_id is not None else None
    )
    check_funding(funding)
    referral = session.scalars(
        select(HubReferral.id).where(
            HubReferral.spell_id == spell.id, HubReferral.state.in_(("referred", "accepted"))
        )
    ).first()
    moment = clock.now()
    placement = Placement(
        spell_id=spell.id,
        referral_id=referral,
        service_type_code=code,
        provider=provider,
        place_code=place,
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
    check_transition(placement.state, to_state)
    if provider_id is not None:
        placement.provider = check_provider_for(
            session, provider_id, placement.service_type_code, placement.place_code
        )
    start = check_step_needs(
        to_state, has_provider=placement.provider is not None, start_date=start_date
    )
    if start is not None:
        placement.start_date = start
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


def end_placement(
    session: Session,
    *,
    placement_id: int,
    expected_version: int | None,
    outcome: str,
    reason: str,
) -> PlacementView:
    """Decline or cancel a placement, with the reason (only where the lifecycle allows)."""
    if outcome not in NEEDS_REASON:
        raise ValidationError("outcome", outcome, "must be declined or cancelled")
    return advance_placement(
        session,
        placement_id=placement_id,
        expected_version=expected_version,
        to_state=outcome,
        reason=reason,
    )


def _open_placement(session: Session, placement_id: int, expected_version: int | None) -> Placement:
    placement = get_for_update(session, Placement, placement_id, expected_version=expected_version)
    if placement.state not in WAITING_STATES:
        raise ValidationError(
            "placement", STATE_LABELS.get(placement.state), "is finished; it cannot be changed"
        )
    return placement


def choose_provider(
    session: Session,
    *,
    placement_id: int,
    expected_version: int | None,
    provider_id: int | None,
) -> PlacementView:
    """Choose, change or clear the provider without moving the placement on."""
    placement = _open_placement(session, placement_id, expected_version)
    if placement.state not in PROVIDER_CHANGEABLE:
        raise ValidationError(
            "provider",
            placement.provider.name if placement.provider else None,
            f"cannot change once the placement is {STATE_LABELS[placement.state].lower()} "
            "(cancel it and request another)",
        )
    if provider_id is None:
        if placement.state in NEEDS_PROVIDER:
            raise ValidationError(
                "provider", None, f"is required for a placement {placement.state}"
            )
        placement.provider = None
    else:
        placement.provider = check_provider_for(
            session, provider_id, placement.service_type_code, placement.place_code
        )
    session.flush()
    return placement_view(placement)


def assign_worker(
    session: Session,
    *,
    placement_id: int,
    expected_version: int | None,
    worker: str | None,
) -> PlacementView:
    """Give the placement to a social care worker (blank: nobody)."""
    placement = _open_placement(session, placement_id, expected_version)
    placement.assigned_to = optional_text(worker, "assigned_to", kind=NAME, max_length=100)
    session.flush()
    return placement_view(placement)


def placements_for(session: Session, spell_id: int) -> list[PlacementView]:
    rows = session.scalars(
        select(Placement).where(Placement.spell_id == spell_id).order_by(Placement.requested_at)
    )
    return [placement_view(p) for p in rows]


# --- a pathway change that leaves the hub -------------------------------------------------


@dataclass(frozen=True)
class PlacementCancel:
    """Cancel these open placements (id, version the user saw) in the same save."""

    reason: str
    placements: tuple[tuple[int, int], ...]


class OpenPlacementsError(ValidationError):
    """A pathway that does not go through the hub, while placements are still open.

    Carries the placements, so a screen can offer to cancel them in the same save
    (pass a :class:`PlacementCancel` naming them)."""

    def __init__(
        self, field: str, value: str, reason: str, placements: Sequence[PlacementView]
    ) -> None:
        super().__init__(field, value, reason)
        self.placements = tuple(placements)


def cancel_for_pathway(
    session: Session, spell: Spell, pathway: str, cancel: PlacementCancel | None
) -> None:
    """Before ``spell`` leaves the hub for ``pathway``: refuse while a placement has
    started or is open and not in ``cancel``; cancel those in ``cancel``."""
    active = session.scalars(
        select(Placement)
        .where(Placement.spell_id == spell.id, Placement.state.not_in(NEEDS_REASON))
        .order_by(Placement.id)
    ).all()
    started = [p for p in active if p.state == "started"]
    if started:
        raise ValidationError(
            "pathway", pathway, "does not go through the hub, but a hub placement has started"
        )
    chosen = dict(cancel.placements) if cancel else {}
    unlisted = [p for p in active if p.id not in chosen]
    if unlisted:
        n = len(unlisted)
        raise OpenPlacementsError(
            "pathway",
            pathway,
            f"does not go through the hub, but the patient has {n} open hub placement"
            f"{'s' if n != 1 else ''}: cancel {'them' if n != 1 else 'it'} in the same save, "
            "with a reason",
            [placement_view(p) for p in unlisted],
        )
    assert cancel is not None or not active
    for p in active:
        end_placement(
            session,
            placement_id=p.id,
            expected_version=chosen[p.id],
            outcome="cancelled",
            reason=cancel.reason if cancel else "",
        )
