"""People who sign in to the shared database, and the database's own access settings.

A person is a PostgreSQL login (``login``) in one group role; the rows here add what
the server does not keep: the name shown for them and, for social care, their council.
Written only by the server-side functions ``discharge-hub users`` calls (see
:mod:`discharge_hub.access`). The embedded SQLite file is single-user: both tables
stay empty there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, UtcDateTime


class Person(Base):
    __tablename__ = "person"
    login: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))  # coordinator / social_care / viewer / admin
    place_code: Mapped[str | None] = mapped_column(ForeignKey("place.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_by: Mapped[str | None] = mapped_column(String(100))


class HubSetting(Base):
    """Settings that belong to the database, not to a PC: the group-role prefix and the
    fingerprint of the access rules last applied."""

    __tablename__ = "hub_setting"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
