"""What others changed on a spell since a user opened it, field by field, from the
audit trail: the "theirs" column of the conflict dialog, with who and when.

The spell's own fields are found exactly by version: each audit row of a versioned
record holds the version the change produced. Its child records (placements,
barriers, carers, ...) and the patient have versions of their own, so for them
"since" is the newest audit row the user's read had seen (``SpellDetail.audit_mark``).
Without a mark, it is the audit row that produced the version the user opened.

Values are as the audit keeps them: text, dates ISO, instants ISO UTC, yes/no; ids of
wards, sites, beds, delay reasons and providers are shown as their names or codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from discharge_hub.errors import NotFoundError
from discharge_hub.models import AuditEntry, Bed, DelayReason, Provider, Site, Spell, Ward

# Audit column names → the names SpellView and the workspace form use, and the record
# whose name or code stands for an id.
_FIELD_NAMES = {
    "pathway_code": "pathway",
    "delay_reason_id": "delay_reason",
    "destination_code": "destination",
    "method_code": "method",
    "ward_id": "ward",
    "site_id": "site",
    "bed_id": "bed",
    "provider_id": "provider",
}
_ID_LOOKUP: dict[str, tuple[Any, Any]] = {
    "delay_reason_id": (DelayReason.id, DelayReason.code),
    "ward_id": (Ward.id, Ward.name),
    "site_id": (Site.id, Site.name),
    "bed_id": (Bed.id, Bed.label),
    "provider_id": (Provider.id, Provider.name),
}


@dataclass(frozen=True)
class FieldChange:
    """One field's net change since the user's read (several edits folded into one)."""

    entity: str  # "spell", or a child record's table: "placement", "barrier", "patient"...
    entity_id: int | None
    field: str | None  # None: a whole record added or removed (see action)
    action: str  # insert / update / delete (of the newest change)
    old_value: str | None  # as the user opened it
    new_value: str | None  # as it is now
    changed_by: str  # who made the newest change
    changed_at: datetime
    edits: int  # how many changes were folded


@dataclass(frozen=True)
class SpellChanges:
    spell_id: int
    since_version: int
    current_version: int
    fields: tuple[FieldChange, ...]  # the spell's own fields, by SpellView name
    records: tuple[FieldChange, ...]  # its child records and its patient

    @property
    def changed_fields(self) -> frozenset[str]:
        return frozenset(c.field for c in self.fields if c.field)

    def field(self, name: str) -> FieldChange | None:
        return next((c for c in self.fields if c.field == name), None)


def changes_since(
    session: Session, *, spell_id: int, version: int, audit_mark: int | None = None
) -> SpellChanges:
    """Every change to the spell after ``version`` and to its child records and patient
    after ``audit_mark``, oldest value and newest value per field, with who and when."""
    spell = session.get(Spell, spell_id)
    if spell is None:
        raise NotFoundError(f"No spell with id {spell_id}.")
    mark = audit_mark if audit_mark is not None else _mark_of(session, spell_id, version)
    own = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "spell",
            AuditEntry.entity_id == spell_id,
            AuditEntry.version > version,
        )
        .order_by(AuditEntry.id)
    ).all()
    children = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.id > mark,
            or_(
                (AuditEntry.spell_id == spell_id) & (AuditEntry.entity != "spell"),
                (AuditEntry.entity == "patient") & (AuditEntry.entity_id == spell.patient_id),
            ),
        )
        .order_by(AuditEntry.id)
    ).all()
    names = _names(session, [*own, *children])
    return SpellChanges(
        spell_id=spell_id,
        since_version=version,
        current_version=spell.version,
        fields=_fold(own, names),
        records=_fold(children, names),
    )


def _mark_of(session: Session, spell_id: int, version: int) -> int:
    """The last audit row of the change that produced ``version`` of the spell."""
    found = session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.entity == "spell",
            AuditEntry.entity_id == spell_id,
            AuditEntry.version <= version,
        )
    )
    return int(found or 0)


def _names(session: Session, rows: Sequence[AuditEntry]) -> dict[tuple[str, str], str]:
    """(field, id as text) → the name or code shown instead of the id."""
    wanted: dict[str, set[int]] = {}
    for r in rows:
        if r.field in _ID_LOOKUP:
            for v in (r.old_value, r.new_value):
                if v is not None and v.isdigit():
                    wanted.setdefault(r.field, set()).add(int(v))
    out: dict[tuple[str, str], str] = {}
    for field, ids in wanted.items():
        key, shown = _ID_LOOKUP[field]
        for i, name in session.execute(select(key, shown).where(key.in_(ids))):
            out[(field, str(i))] = str(name)
    return out


def _fold(rows: Sequence[AuditEntry], names: dict[tuple[str, str], str]) -> tuple[FieldChange, ...]:
    """One FieldChange per (record, field), in the order first changed; an edit undone
    by a later one (same value again) is left out."""
    folded: dict[tuple[str, int | None, str | None], FieldChange] = {}
    for r in rows:
        key = (r.entity, r.entity_id, r.field)
        first = folded.get(key)
        folded[key] = FieldChange(
            entity=r.entity,
            entity_id=r.entity_id,
            field=_FIELD_NAMES.get(r.field, r.field) if r.field else None,
            action=r.action,
            old_value=first.old_value if first else _shown(names, r.field, r.old_value),
            new_value=_shown(names, r.field, r.new_value),
            changed_by=r.actor,
            changed_at=r.at,
            edits=(first.edits if first else 0) + 1,
        )
    return tuple(c for c in folded.values() if c.action != "update" or c.old_value != c.new_value)


def _shown(names: dict[tuple[str, str], str], field: str | None, value: str | None) -> str | None:
    if value is None or field is None:
        return value
    return names.get((field, value), value)
