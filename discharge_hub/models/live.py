"""Bookkeeping for live refresh on SQLite (see :mod:`discharge_hub.changes`).

PostgreSQL clients learn of changes by LISTEN/NOTIFY and never write these tables
(one counter row updated by every transaction would serialise every writer there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from discharge_hub.models.base import Base, UtcDateTime


class ChangeCounter(Base):
    """One row: how many committed transactions changed something shown."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class ChangeLog(Base):
    """What the transaction that moved the counter to ``seq`` changed; the newest
    rows only (pruned as it grows)."""

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    all_spells: Mapped[bool] = mapped_column(Boolean)
    spell_ids: Mapped[str | None] = mapped_column(Text)  # JSON list, when not all_spells
