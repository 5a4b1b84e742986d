"""Reference code lists, loaded from ``resources/`` by :mod:`discharge_hub.reference`."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base


class Pathway(Base):
    __tablename__ = "pathway"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    through_hub: Mapped[bool] = mapped_column(Boolean)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Criterion(Base):
    """A criterion to reside (NHS England)."""

    __tablename__ = "criterion"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class DelayReason(Base):
    """A coded reason for a delayed discharge. Versioned: a list_version groups one
    published list; retired lists stay so old spells keep their meaning."""

    __tablename__ = "delay_reason"
    __table_args__ = (UniqueConstraint("list_version", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(300))
    group: Mapped[str] = mapped_column(String(100))
    list_version: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Destination(Base):
    __tablename__ = "discharge_destination"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class Method(Base):
    __tablename__ = "discharge_method"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class Place(Base):
    """An upper-tier council area responsible for a patient's social care."""

    __tablename__ = "place"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    council: Mapped[str] = mapped_column(String(100))


class ServiceType(Base):
    __tablename__ = "service_type"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    pathway_code: Mapped[str | None] = mapped_column(ForeignKey("pathway.code"))
    bed_based: Mapped[bool] = mapped_column(Boolean)


class EthnicCategory(Base):
    __tablename__ = "ethnic_category"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    group: Mapped[str] = mapped_column(String(100))


class BarrierKind(Base):
    __tablename__ = "barrier_kind"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class ContactMethod(Base):
    __tablename__ = "contact_method"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
