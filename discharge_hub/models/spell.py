"""The inpatient spell and its dated histories (EDD, criteria to reside, Red2Green)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from discharge_hub.models.base import SUMMARY_COLUMNS, Base, UtcDateTime, Versioned
from discharge_hub.models.estate import Bed, Site, Ward
from discharge_hub.models.patient import Patient


class Spell(Versioned, Base):
    __tablename__ = "spell"
    __table_args__ = (
        # At most one open spell per patient.
        Index(
            "uq_spell_open_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("discharged_at IS NULL"),
            postgresql_where=text("discharged_at IS NULL"),
        ),
        Index("ix_spell_open_site", "site_id", "discharged_at"),
        Index("ix_spell_discharged_at", "discharged_at"),
        # Summaries of the child rows for the board, kept by database triggers in the
        # transaction of every write to those rows (discharge_hub/summaries.py). Columns
        # of the table but not attributes of the class (``exclude_properties`` below):
        # the ORM never reads, writes or caches them; the board selects them from
        # ``Spell.__table__``. `discharge-hub db check` compares them with the rows.
        Column("placement_state", String(20)),
        Column("carer_count", Integer, nullable=False, server_default=text("0")),
        Column("last_carer_contact_at", UtcDateTime),
        Column("open_barrier_count", Integer, nullable=False, server_default=text("0")),
        Column("next_open_barrier", Text),
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - SQLAlchemy directive
        return {"version_id_col": cls.version, "exclude_properties": sorted(SUMMARY_COLUMNS)}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("bed.id"))
    admitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    specialty: Mapped[str | None] = mapped_column(String(80))
    edd: Mapped[date | None] = mapped_column(Date)
    # Derived from the criteria-to-reside reviews (services.drd); cached for the board.
    discharge_ready_date: Mapped[date | None] = mapped_column(Date)
    pathway_code: Mapped[str | None] = mapped_column(ForeignKey("pathway.code"))
    delay_reason_id: Mapped[int | None] = mapped_column(ForeignKey("delay_reason.id"))
    next_action: Mapped[str | None] = mapped_column(Text)
    # Handover summary content (PRSB eDischarge headings).
    capacity_notes: Mapped[str | None] = mapped_column(Text)
    lasting_power_of_attorney: Mapped[str | None] = mapped_column(Text)
    patient_wishes: Mapped[str | None] = mapped_column(Text)
    safety_alerts: Mapped[str | None] = mapped_column(Text)
    home_environment: Mapped[str | None] = mapped_column(Text)
    information_given: Mapped[str | None] = mapped_column(Text)
    discharged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    destination_code: Mapped[str | None] = mapped_column(ForeignKey("discharge_destination.code"))
    method_code: Mapped[str | None] = mapped_column(ForeignKey("discharge_method.code"))

    patient: Mapped[Patient] = relationship()
    site: Mapped[Site] = relationship()
    ward: Mapped[Ward] = relationship()
    bed: Mapped[Bed | None] = relationship()


class EddChange(Base):
    """One change of the estimated discharge date: append-only history."""

    __tablename__ = "edd_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"), index=True)
    old_edd: Mapped[date | None] = mapped_column(Date)
    new_edd: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CtrReview(Base):
    """A criteria-to-reside review on a date: the criteria that applied (none → ready)."""

    __tablename__ = "ctr_review"
    __table_args__ = (Index("ix_ctr_review_spell_date", "spell_id", "review_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    review_date: Mapped[date] = mapped_column(Date)
    meets_criteria: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    criteria: Mapped[list[CtrReviewCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="CtrReviewCriterion.criterion_code"
    )


class CtrReviewCriterion(Base):
    __tablename__ = "ctr_review_criterion"
    review_id: Mapped[int] = mapped_column(ForeignKey("ctr_review.id"), primary_key=True)
    criterion_code: Mapped[str] = mapped_column(ForeignKey("criterion.code"), primary_key=True)


class Red2GreenDay(Versioned, Base):
    __tablename__ = "red2green_day"
    __table_args__ = (
        UniqueConstraint("spell_id", "day"),
        CheckConstraint("colour IN ('red', 'green')", name="colour"),
        Index("ix_red2green_day_day", "day"),  # a day's colours for the huddle and exports
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    day: Mapped[date] = mapped_column(Date)
    colour: Mapped[str] = mapped_column(String(5))
    reason: Mapped[str | None] = mapped_column(Text)
