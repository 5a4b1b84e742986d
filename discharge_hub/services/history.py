"""The dated histories of a spell: EDD changes, criteria reviews and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from discharge_hub.models import AuditEntry, CtrReview, EddChange, Spell


@dataclass(frozen=True)
class EddChangeView:
    old_edd: date | None
    new_edd: date
    reason: str
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class CtrReviewView:
    id: int
    review_date: date
    meets_criteria: bool
    criteria: tuple[str, ...]
    note: str | None
    reviewed_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None


def edd_history(session: Session, spell_id: int) -> list[EddChangeView]:
    return [
        EddChangeView(c.old_edd, c.new_edd, c.reason, c.changed_by, c.changed_at)
        for c in session.scalars(
            select(EddChange).where(EddChange.spell_id == spell_id).order_by(EddChange.id)
        )
    ]


def ctr_reviews(session: Session, spell_id: int) -> list[CtrReviewView]:
    rows = session.scalars(
        select(CtrReview)
        .where(CtrReview.spell_id == spell_id)
        .options(selectinload(CtrReview.criteria))
        .order_by(CtrReview.review_date, CtrReview.id)
    )
    return [
        CtrReviewView(
            r.id,
            r.review_date,
            r.meets_criteria,
            tuple(c.criterion_code for c in r.criteria),
            r.note,
            r.reviewed_by,
            r.recorded_at,
        )
        for r in rows
    ]


def audit_trail(session: Session, spell_id: int) -> list[AuditView]:
    """Every audited change of the spell, its child records and its patient, newest first."""
    patient_id = session.scalar(select(Spell.patient_id).where(Spell.id == spell_id))
    stmt = (
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.spell_id == spell_id,
                (AuditEntry.entity == "patient") & (AuditEntry.entity_id == patient_id),
            )
        )
        .order_by(AuditEntry.id.desc())
    )
    return [
        AuditView(
            a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.field, a.old_value, a.new_value
        )
        for a in session.scalars(stmt)
    ]
