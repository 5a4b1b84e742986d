"""Sites, wards and beds."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discharge_hub.models.base import Base, Versioned


class Site(Base):
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    town: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str] = mapped_column(String(120))

    wards: Mapped[list[Ward]] = relationship(back_populates="site", order_by="Ward.name")


class Ward(Versioned, Base):
    __tablename__ = "ward"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    specialty: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(back_populates="wards")
    beds: Mapped[list[Bed]] = relationship(back_populates="ward", order_by="Bed.sort_key")


class Bed(Versioned, Base):
    __tablename__ = "bed"
    __table_args__ = (UniqueConstraint("ward_id", "label"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    # Zero-padded for natural order ("B02" before "B10").
    sort_key: Mapped[str] = mapped_column(String(40))

    ward: Mapped[Ward] = relationship(back_populates="beds")
