"""Helpers every service uses: loading with version checks, code validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from discharge_hub.audit import actor_of
from discharge_hub.errors import ConflictError, NotFoundError, ValidationError
from discharge_hub.models import Base, Spell, Versioned
from discharge_hub.validators import NAME, clean_text

T = TypeVar("T", bound=Base)

__all__ = [
    "actor_of",
    "check_code",
    "check_known_code",
    "check_not_discharged",
    "get_for_update",
    "open_spell",
    "reachable",
]


def reachable(session: Session) -> bool:
    """True once the database answered the cheapest query (the connection watch's probe)."""
    session.execute(text("SELECT 1"))
    return True


def get_for_update(
    session: Session,
    model: type[T],
    entity_id: int,
    *,
    expected_version: int | None,
    label: str | None = None,
    lock: bool = True,
) -> T:
    """Load one record to change it, refusing if someone changed it since it was read.

    ``expected_version`` is the version the user saw (None: no check, e.g. a
    system task). On PostgreSQL the row is locked until the transaction ends, unless
    ``lock`` is False (the record is only read beside a new row of another table: a
    lock would need the right to update it, which social care lacks on the spell).
    """
    name = label or model.__tablename__.replace("_", " ")
    # By primary key: a record this session already holds costs no query (a unit of
    # work writing many changes), one it does not is loaded. A lock is always a query
    # (PostgreSQL: the row is read again under the lock).
    locking = lock and session.get_bind().dialect.name == "postgresql"
    obj = session.get(model, entity_id, with_for_update=True if locking else None)
    if obj is None:
        raise NotFoundError(f"No {name} with id {entity_id}.")
    state = inspect(obj)
    unloaded = state.unloaded.intersection(state.mapper.column_attrs.keys())
    if unloaded:  # inserted by this session: columns it did not set were never read back
        # Read now, as a query by id would: setting one to the value it already holds
        # must not count as a change (a new version, a conflict for the next user).
        session.refresh(obj, attribute_names=sorted(unloaded))
    if expected_version is not None and isinstance(obj, Versioned):
        if obj.version != expected_version:
            raise ConflictError(
                name,
                entity_id,
                changed_by=obj.updated_by,
                changed_at=obj.updated_at,
                expected_version=expected_version,
                current_version=obj.version,
            )
    return obj


def open_spell(
    session: Session, spell_id: int, *, expected_version: int | None, lock: bool = True
) -> Spell:
    spell = get_for_update(session, Spell, spell_id, expected_version=expected_version, lock=lock)
    check_not_discharged(spell_id, spell.discharged_at)
    return spell


def check_not_discharged(spell_id: int, discharged_at: datetime | None) -> None:
    """A discharged spell cannot be changed."""
    if discharged_at is not None:
        raise ValidationError("spell", spell_id, "is already discharged; it cannot be changed")


def check_code(session: Session, model: type[Base], field: str, value: Any) -> str:
    """Return the code if the reference table has it, else raise naming the field."""
    # As a name: a code with a control character is refused before it reaches a query
    # (PostgreSQL cannot even compare a NUL byte).
    return check_known_code(field, value, lambda code: session.get(model, code) is not None)


def check_known_code(field: str, value: Any, known: Callable[[str], bool]) -> str:
    """The code, cleaned, if ``known`` says the reference list has it; else raise."""
    code = clean_text(str(value) if value is not None else "", field, kind=NAME)
    if not code:
        raise ValidationError(field, value, "is required")
    if not known(code):
        raise ValidationError(field, code, "is not a known code")
    return code
