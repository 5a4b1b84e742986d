"""The Integrated Discharge Hub: referrals (refer, accept, return with a reason).

Placements live in :mod:`~discharge_hub.services.placements` and the provider
directory in :mod:`~discharge_hub.services.providers`; their names are re-exported
here so ``hub.request_placement`` and friends keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.models import HubReferral, Pathway, Placement
from discharge_hub.services.common import actor_of, get_for_update, open_spell
from discharge_hub.services.placements import (
    FUNDING,
    NEEDS_REASON,
    STATE_LABELS,
    TRANSITIONS,
    WAITING_STATES,
    PlacementView,
    advance_placement,
    assign_worker,
    choose_provider,
    end_placement,
    next_states,
    placement_view,
    placements_for,
    request_placement,
)
from discharge_hub.services.providers import (
    ProviderView,
    add_provider,
    list_providers,
    provider_view,
    providers_for,
    providers_for_placement,
    set_vacancies,
)
from discharge_hub.validators import TEXT, optional_text, require_text

__all__ = [
    "FUNDING",
    "NEEDS_REASON",
    "OPEN_REFERRAL_STATES",
    "REFERRAL_STATE_LABELS",
    "STATE_LABELS",
    "TRANSITIONS",
    "WAITING_STATES",
    "PlacementView",
    "ProviderView",
    "ReferralView",
    "accept_referral",
    "add_provider",
    "advance_placement",
    "assign_worker",
    "choose_provider",
    "end_placement",
    "list_providers",
    "next_states",
    "placement_view",
    "placements_for",
    "provider_view",
    "providers_for",
    "providers_for_placement",
    "refer_to_hub",
    "referral_view",
    "referrals_for",
    "request_placement",
    "return_referral",
    "set_vacancies",
]

# A referral is open (on the hub's queue) while referred or accepted; returned and
# withdrawn referrals are closed, and the spell may be referred again.
OPEN_REFERRAL_STATES = ("referred", "accepted")
REFERRAL_STATE_LABELS = {
    "referred": "Awaiting acceptance",
    "accepted": "Accepted",
    "returned": "Returned",
    "withdrawn": "Withdrawn",
}


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
    returned_at: datetime | None = None
    returned_by: str | None = None
    return_reason: str | None = None

    @property
    def state_label(self) -> str:
        return REFERRAL_STATE_LABELS.get(self.state, self.state)


def referral_view(r: HubReferral) -> ReferralView:
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
        returned_at=r.returned_at,
        returned_by=r.returned_by,
        return_reason=r.return_reason,
    )


def check_referrable(pathway: str | None, through_hub: bool, open_referral: int | None) -> None:
    """A spell is referred on a pathway through the hub, with no referral open."""
    if not through_hub:
        raise ValidationError(
            "pathway",
            pathway,
            "does not go through the hub: set pathway P1, P2, P3 or P3b before referring",
        )
    if open_referral is not None:
        raise ValidationError("referral", open_referral, "is already open for this spell")


def check_acceptable(state: str) -> None:
    if state != "referred":
        raise ValidationError("referral", state, "cannot be accepted (not waiting)")


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
    current = session.scalars(
        select(HubReferral).where(
            HubReferral.spell_id == spell.id, HubReferral.state.in_(OPEN_REFERRAL_STATES)
        )
    ).first()
    check_referrable(
        spell.pathway_code,
        pathway is not None and pathway.through_hub,
        current.id if current is not None else None,
    )
    assert pathway is not None
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
    return referral_view(referral)


def accept_referral(
    session: Session,
    *,
    referral_id: int,
    expected_version: int | None,
) -> ReferralView:
    referral = get_for_update(
        session, HubReferral, referral_id, expected_version=expected_version, label="referral"
    )
    check_acceptable(referral.state)
    referral.state = "accepted"
    referral.accepted_at = clock.now()
    referral.accepted_by = actor_of(session)
    session.flush()
    return referral_view(referral)


def return_referral(
    session: Session,
    *,
    referral_id: int,
    expected_version: int | None,
    reason: str,
) -> ReferralView:
    """The hub hands a referral back to the ward, saying why (who and when are kept).

    A referral awaiting acceptance can be returned; an accepted one only while the
    patient has no placement in progress (cancel those first: they were requested
    under this referral)."""
    referral = get_for_update(
        session, HubReferral, referral_id, expected_version=expected_version, label="referral"
    )
    if referral.state not in OPEN_REFERRAL_STATES:
        raise ValidationError(
            "referral",
            REFERRAL_STATE_LABELS.get(referral.state),
            "is closed; it cannot be returned",
        )
    why = require_text(reason, "reason", kind=TEXT, max_length=500)
    active = session.scalar(
        select(Placement.id).where(
            Placement.spell_id == referral.spell_id, Placement.state.in_(WAITING_STATES)
        )
    )
    if active is not None:
        raise ValidationError(
            "referral",
            REFERRAL_STATE_LABELS[referral.state],
            "has a placement in progress: end the placement before returning the referral",
        )
    referral.state = "returned"
    referral.returned_at = clock.now()
    referral.returned_by = actor_of(session)
    referral.return_reason = why
    session.flush()
    return referral_view(referral)


def withdraw_for_pathway(session: Session, spell_id: int, pathway: str) -> None:
    """The spell no longer goes through the hub (``pathway``): its open referral leaves
    the hub's queue as withdrawn, saying why (who and when are kept)."""
    for referral in session.scalars(
        select(HubReferral).where(
            HubReferral.spell_id == spell_id, HubReferral.state.in_(OPEN_REFERRAL_STATES)
        )
    ):
        referral.state = "withdrawn"
        referral.returned_at = clock.now()
        referral.returned_by = actor_of(session)
        referral.return_reason = f"pathway changed to {pathway}, which does not go through the hub"


def referrals_for(session: Session, spell_id: int) -> list[ReferralView]:
    rows = session.scalars(
        select(HubReferral)
        .where(HubReferral.spell_id == spell_id)
        .order_by(HubReferral.referred_at)
    )
    return [referral_view(r) for r in rows]
