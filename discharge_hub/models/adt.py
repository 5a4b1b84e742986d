"""The PAS feed (HL7 v2 ADT): messages already applied, and the ward map."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from discharge_hub.models.base import Base, UtcDateTime, Versioned
from discharge_hub.models.estate import Site


class AdtMessage(Base):
    """One applied ADT message, by its message control ID (MSH-10): a message is
    applied at most once. Rejected messages are not kept, so a corrected resend of the
    same message applies."""

    __tablename__ = "adt_message"
    control_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(8))
    # The spell it acted on; no foreign key: a cancelled admission (A11) is deleted.
    spell_id: Mapped[int | None] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    applied_by: Mapped[str] = mapped_column(String(100))


class AdtLocation(Versioned, Base):
    """A PAS location code (PV1-3 point of care) and the program's site and ward it
    stands for. Kept by an administrator (``discharge-hub adt-map import``)."""

    __tablename__ = "adt_location"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    ward: Mapped[str] = mapped_column(String(80))

    site: Mapped[Site] = relationship()
