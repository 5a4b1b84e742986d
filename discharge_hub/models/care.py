"""Barriers/actions and carers with their communication log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, UtcDateTime, Versioned


class Barrier(Versioned, Base):
    """Something between the patient and the door, with an owner and a due date."""

    __tablename__ = "barrier"
    __table_args__ = (Index("ix_barrier_spell_state", "spell_id", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    kind_code: Mapped[str] = mapped_column(ForeignKey("barrier_kind.code"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open/resolved/cancelled
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(Text)


class Carer(Versioned, Base):
    """A carer (family member, friend) involved in one spell's discharge planning."""

    __tablename__ = "carer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    relationship_to_patient: Mapped[str | None] = mapped_column(String(60))
    contact: Mapped[str | None] = mapped_column(String(160))
    is_main_carer: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(60))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Care Act s10: carer's assessment offered / referred / declined (None: not yet).
    assessment_status: Mapped[str | None] = mapped_column(String(20))
    assessment_on: Mapped[date | None] = mapped_column(Date)


class CarerContact(Base):
    """One entry in the communication log with the patient or a carer (append-only)."""

    __tablename__ = "carer_contact"
    __table_args__ = (Index("ix_carer_contact_spell_at", "spell_id", "contact_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    carer_id: Mapped[int | None] = mapped_column(ForeignKey("carer.id"))
    contact_at: Mapped[datetime] = mapped_column(UtcDateTime)
    with_whom: Mapped[str] = mapped_column(String(160))
    method_code: Mapped[str] = mapped_column(ForeignKey("contact_method.code"))
    interpreter_used: Mapped[bool] = mapped_column(Boolean, default=False)
    discussed: Mapped[str] = mapped_column(Text)
    agreed: Mapped[str | None] = mapped_column(Text)
    next_contact_due: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
