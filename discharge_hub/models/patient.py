"""The patient (demographics from PAS)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, Versioned

SEX_CODES = ("M", "F", "U")


class Patient(Versioned, Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nhs_number: Mapped[str] = mapped_column(String(10), unique=True)
    family_name: Mapped[str] = mapped_column(String(100), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1), default="U")
    postcode: Mapped[str | None] = mapped_column(String(10))
    place_code: Mapped[str | None] = mapped_column(ForeignKey("place.code"), index=True)
    gp_practice: Mapped[str | None] = mapped_column(String(120))
    ethnic_category_code: Mapped[str | None] = mapped_column(ForeignKey("ethnic_category.code"))
    preferred_language: Mapped[str | None] = mapped_column(String(60))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_alone: Mapped[bool | None] = mapped_column(Boolean)
    # Individual requirements for the handover summary (communication, accessibility).
    communication_needs: Mapped[str | None] = mapped_column(Text)
