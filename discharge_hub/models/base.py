"""Declarative base, naming convention and the columns every mutable record carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from discharge_hub.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC on every backend; returns aware UTC datetimes.

    Naive input is taken as UK wall-clock time (what PAS and users type).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from a textual query
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        # Not value.replace(tzinfo=UTC): four times slower, and this runs for every
        # instant read through the ORM.
        return datetime.combine(value.date(), value.time(), UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Optimistic concurrency and who-changed-it for every mutable record.

    ``version`` is SQLAlchemy's version counter: an UPDATE that finds another
    version than it read changes nothing and raises (mapped to ConflictError).
    ``created_by``/``updated_by`` are filled from the unit of work's actor.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - SQLAlchemy directive
        return {"version_id_col": cls.version}


# The spell's board summaries: derived from child rows and kept by database triggers
# (discharge_hub/summaries.py); the program never writes them.
SUMMARY_COLUMNS = frozenset(
    {
        "placement_state",
        "carer_count",
        "last_carer_contact_at",
        "open_barrier_count",
        "next_open_barrier",
    }
)
# Columns the audit trail does not record field by field (bookkeeping, not content),
# and bulk import does not write.
BOOKKEEPING_COLUMNS = (
    frozenset({"version", "created_at", "created_by", "updated_at", "updated_by"}) | SUMMARY_COLUMNS
)
