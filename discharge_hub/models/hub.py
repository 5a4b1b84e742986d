"""Hub referrals, providers and intermediate care placements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discharge_hub.models.base import Base, UtcDateTime, Versioned


class HubReferral(Versioned, Base):
    """A referral of a P1–P3 spell to the Integrated Discharge Hub."""

    __tablename__ = "hub_referral"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"), index=True)
    pathway_code: Mapped[str] = mapped_column(ForeignKey("pathway.code"))
    state: Mapped[str] = mapped_column(
        String(20), default="referred"
    )  # referred/accepted/returned/withdrawn
    referred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    referred_by: Mapped[str] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    # Returned by the hub to the ward (not accepted, or no longer appropriate), with why.
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    returned_by: Mapped[str | None] = mapped_column(String(100))
    return_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Provider(Versioned, Base):
    """A provider of intermediate care or long-term care (one CQC location)."""

    __tablename__ = "provider"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The CQC location ID ("1-" and 9 to 11 digits): the key the providers import uses.
    code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    capacity_unit: Mapped[str] = mapped_column(String(10), default="beds")  # beds / hours
    # The newest vacancy figure (the one with the latest as_of in provider_vacancy).
    vacancies: Mapped[int] = mapped_column(Integer, default=0)
    vacancies_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime)
    phone: Mapped[str | None] = mapped_column(String(40))

    service_types: Mapped[list[ProviderServiceType]] = relationship(cascade="all, delete-orphan")
    places: Mapped[list[ProviderPlace]] = relationship(cascade="all, delete-orphan")


class ProviderServiceType(Base):
    __tablename__ = "provider_service_type"
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    service_type_code: Mapped[str] = mapped_column(
        ForeignKey("service_type.code"), primary_key=True
    )


class ProviderPlace(Base):
    __tablename__ = "provider_place"
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    place_code: Mapped[str] = mapped_column(ForeignKey("place.code"), primary_key=True)


class ProviderVacancy(Base):
    """One vacancy figure of a provider as it stood at ``as_of``: insert-only history."""

    __tablename__ = "provider_vacancy"
    __table_args__ = (UniqueConstraint("provider_id", "as_of"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    vacancies: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Placement(Versioned, Base):
    """A request for a service from a provider, moving through its lifecycle
    (see :mod:`discharge_hub.services.placements` for the transitions)."""

    __tablename__ = "placement"
    __table_args__ = (Index("ix_placement_spell_state", "spell_id", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("hub_referral.id"))
    service_type_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))
    # The council responsible (the patient's place): the key for per-council access.
    place_code: Mapped[str | None] = mapped_column(ForeignKey("place.code"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="requested")
    funding: Mapped[str | None] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # The social care worker who has the case (free text: there is no user directory).
    assigned_to: Mapped[str | None] = mapped_column(String(100))

    provider: Mapped[Provider | None] = relationship()
