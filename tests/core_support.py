"""Helpers for the core tests: admitting a spell, and proving a refusal wrote nothing."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.models import AuditEntry, Base
from discharge_hub.services import hub, spells
from discharge_hub.services.views import SpellView
from tests.conftest import admitted, patient

SITE = "Leicester Royal Infirmary"
OTHER_SITE = "Glenfield Hospital"

Fingerprint = dict[str, Any]
Action = Callable[[Session], object]


def fingerprint(session: Session) -> Fingerprint:
    """Every table's row count, and the sum of the versions of its versioned rows (a
    version only grows): any insert, update or delete anywhere changes it. One query."""
    columns: list[Any] = []
    names: list[str] = []
    for table in Base.metadata.sorted_tables:
        names.append(table.name)
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        if "version" in table.c:
            names.append(table.name + ".versions")
            columns.append(select(func.coalesce(func.sum(table.c.version), 0)).scalar_subquery())
    row = session.execute(select(*columns)).one()
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def db_fingerprint(db: Database) -> Fingerprint:
    with db.read() as s:
        return fingerprint(s)


def audit_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count(AuditEntry.id))) or 0)


def refused(
    db: Database,
    action: Action,
    *,
    field: str,
    error: type[DomainError] = ValidationError,
    actor: str = "bob",
) -> DomainError:
    """Run ``action`` in a unit of work; it must raise ``error`` (naming ``field`` for a
    ValidationError) and the database must be exactly as before, audit trail included."""
    before = db_fingerprint(db)
    with pytest.raises(error) as info:
        with db.unit_of_work(actor) as s:
            action(s)
    if isinstance(info.value, ValidationError):
        assert info.value.field == field, info.value.message
        assert field in info.value.message
    assert db_fingerprint(db) == before
    return info.value


def admit(
    db: Database,
    n: int = 0,
    *,
    days_ago: int = 5,
    actor: str = "alice",
    site: str = SITE,
    ward: str = "Ward 7",
    bed: str | None = "B1",
    **overrides: object,
) -> SpellView:
    with db.unit_of_work(actor) as s:
        return spells.admit(
            s,
            patient=patient(n, **overrides),
            site=site,
            ward=ward,
            bed=bed,
            admitted_at=admitted(days_ago),
        )


def on_pathway(db: Database, spell: SpellView, code: str, actor: str = "alice") -> SpellView:
    with db.unit_of_work(actor) as s:
        return spells.set_pathway(
            s, spell_id=spell.id, expected_version=spell.version, pathway=code
        )


def cqc_code(name: str) -> str:
    """A CQC-style location ID made from a provider's name (same name, same code)."""
    return f"1-{zlib.crc32(name.encode()) % 10**9:09d}"


def add_provider(db: Database, name: str = "Reablement Ltd", **kw: Any) -> hub.ProviderView:
    args: dict[str, Any] = {
        "code": cqc_code(name),
        "name": name,
        "service_types": ["reablement", "domiciliary"],
        "places": ["E06000016"],
        "capacity": 10,
        "vacancies": 3,
    }
    args.update(kw)
    with db.unit_of_work("hubuser") as s:
        return hub.add_provider(s, **args)


def days(n: int) -> date:
    """Today (the UK date of the frozen clock) plus n days (negative: in the past)."""
    return clock.today() + timedelta(days=n)
