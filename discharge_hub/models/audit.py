"""The audit trail: one row per changed field, written in the same transaction.

Insert-only by design (a later issue revokes UPDATE/DELETE on it in PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_spell", "spell_id", "id"),
        Index("ix_audit_entry_entity", "entity", "entity_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))  # insert / update / delete
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    spell_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # The record's version after this change (versioned records only): the conflict
    # dialog asks for a spell's changes since the version the user opened.
    version: Mapped[int | None] = mapped_column(Integer)
