"""Effective-dated facts of a spell: what held from when, until when.

One row per value a fact took: the spell's location (site, ward, bed), EDD, DRD,
pathway, delay reason, next action, and the state of each of its placements. A row
holds from ``valid_from`` (the instant it happened: the event time a feed gave, else
the time it was recorded) until ``valid_to`` (the instant the next value took over;
NULL: it holds now). Written by :mod:`discharge_hub.facts` in the same transaction as
the change; the spell's own columns stay the "now" values the board reads.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, UtcDateTime

LOCATION, EDD, DRD, PATHWAY, DELAY_REASON, NEXT_ACTION, PLACEMENT = (
    "location",
    "edd",
    "drd",
    "pathway",
    "delay_reason",
    "next_action",
    "placement",
)
KINDS = (LOCATION, EDD, DRD, PATHWAY, DELAY_REASON, NEXT_ACTION, PLACEMENT)


class SpellFact(Base):
    __tablename__ = "spell_fact"
    __table_args__ = (
        # "What held at instant T" for a spell: a seek on (spell, kind), then the few
        # rows of that fact in time order.
        Index("ix_spell_fact_spell_kind_from", "spell_id", "kind", "valid_from"),
        # "Which sites had patients by T" (the sitrep's site list): location rows only.
        Index(
            "ix_spell_fact_site_from",
            "site_id",
            "valid_from",
            sqlite_where=text("site_id IS NOT NULL"),
            postgresql_where=text("site_id IS NOT NULL"),
        ),
        CheckConstraint("kind IN ('" + "', '".join(KINDS) + "')", name="kind"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spell.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # Kind "placement": which placement (a spell may have several at once).
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placement.id"))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The value, in the column(s) of its kind; the others stay NULL.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"))
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("bed.id"))
    day: Mapped[date | None] = mapped_column(Date)  # edd, drd
    pathway_code: Mapped[str | None] = mapped_column(ForeignKey("pathway.code"))
    delay_reason_id: Mapped[int | None] = mapped_column(ForeignKey("delay_reason.id"))
    state: Mapped[str | None] = mapped_column(String(20))  # placement
    note: Mapped[str | None] = mapped_column(Text)  # next action
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
