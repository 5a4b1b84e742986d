"""The dated histories of a spell: EDD changes, criteria reviews and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from discharge_hub.models import (
    AuditEntry,
    Bed,
    CtrReview,
    DelayReason,
    EddChange,
    Provider,
    Site,
    Spell,
    Ward,
)


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
    """Every audited change of the spell, its child records and its patient, newest first.
    A reference record's id (``delay_reason_id``, ``ward_id``…) is given by its code or
    name (``delay_reason_code``, ``ward``…): the history is read by people."""
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
    entries = list(session.scalars(stmt))
    named = _names_of_ids(session, entries)
    return [
        AuditView(
            a.id,
            a.at,
            a.actor,
            a.action,
            a.entity,
            a.entity_id,
            *_named(a.field, a.old_value, a.new_value, named),
        )
        for a in entries
    ]


# Fields that hold the id of a reference record, shown by its name or code instead:
# field -> (shown field, model, its name column).
_ID_FIELDS: dict[str, tuple[str, Any, Any]] = {
    "delay_reason_id": ("delay_reason_code", DelayReason, DelayReason.code),
    "ward_id": ("ward", Ward, Ward.name),
    "bed_id": ("bed", Bed, Bed.label),
    "site_id": ("site", Site, Site.name),
    "provider_id": ("provider", Provider, Provider.name),
}


def _names_of_ids(session: Session, entries: list[AuditEntry]) -> dict[str, dict[str, str]]:
    """For each id field in ``entries``, the names of the ids they mention (one query
    per kind of record)."""
    wanted: dict[str, set[int]] = {}
    for a in entries:
        if a.field in _ID_FIELDS:
            for value in (a.old_value, a.new_value):
                if value and value.isdigit():
                    wanted.setdefault(a.field, set()).add(int(value))
    names: dict[str, dict[str, str]] = {}
    for field_, ids in wanted.items():
        _, model, column = _ID_FIELDS[field_]
        rows = session.execute(select(model.id, column).where(model.id.in_(sorted(ids))))
        names[field_] = {str(i): str(name) for i, name in rows}
    return names


def _named(
    field_: str | None, old: str | None, new: str | None, names: dict[str, dict[str, str]]
) -> tuple[str | None, str | None, str | None]:
    if field_ not in _ID_FIELDS:
        return field_, old, new
    known = names.get(field_, {})
    shown = _ID_FIELDS[field_][0]
    return shown, known.get(old or "", old), known.get(new or "", new)
