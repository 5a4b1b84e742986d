"""Migration 0003 fills the history of spells that existed before it, from the audit
trail; where the trail has nothing, from the spell's current values since admission
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from discharge_hub import audit, clock, migrate, reference
from discharge_hub.db import Database, create_db_engine, resolve_url
from discharge_hub.models import Patient, Placement, Site, Spell, SpellFact, Ward
from discharge_hub.services import hub, spells
from tests.conftest import RUN_ID, _pg_admin, patient, pg_url
from tests.history_support import assert_history_matches_now, clock_at

_names = iter(range(1_000_000))
LRI = "Leicester Royal Infirmary"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def before_history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the revision before 0003, with the reference lists loaded."""
    if request.param == "sqlite":
        url = resolve_url(str(tmp_path / "old.sqlite3"))
    else:
        request.getfixturevalue("pg_template")  # skips/fails like the other PG tests
        name = f"dh_old_{RUN_ID}_{next(_names)}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        url = resolve_url(pg_url(name))
    engine = create_db_engine(url)
    previous = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0003")
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), str(previous.down_revision))
    reference.sync(engine)
    engine.dispose()
    yield url
    if request.param == "postgresql":
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Days:
    """Instants relative to one day fixed at the start (not read again under clock_at)."""

    def __init__(self) -> None:
        self.base = clock.today()

    def __call__(self, days: int, hour: int) -> datetime:
        return datetime.combine(self.base + timedelta(days=days), time(hour))


def _audited_story(factory: sessionmaker[Session], uk: Days) -> int:
    """A spell changed through the services, audited, before the history existed."""
    with clock_at(uk(-6, 11)), factory.begin() as s:
        s.info["actor"] = "pas"
        sid = spells.admit(s, patient=patient(1), site=LRI, ward="Ward 7", bed="B1",
                           admitted_at=uk(-6, 10)).id  # fmt: skip
    with clock_at(uk(-5, 9)), factory.begin() as s:
        s.info["actor"] = "ward"
        spells.set_edd(s, spell_id=sid, expected_version=None, edd=uk(1, 0).date(), reason="x")
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
        hub.request_placement(s, spell_id=sid, expected_version=None, service_type="reablement")
    with clock_at(uk(-3, 14)), factory.begin() as s:
        s.info["actor"] = "ward"
        spells.transfer(s, spell_id=sid, expected_version=None, ward="Ward 9", bed=None)
        s.scalars(select(Placement)).one().state = "assessing"
        spells.set_edd(s, spell_id=sid, expected_version=None, edd=uk(3, 0).date(), reason="y")
    return sid


def _bulk_loaded(engine: Engine, uk: Days) -> int:
    """A spell written around the ORM (no audit trail), as an old bulk load would."""
    moment = clock.as_utc(uk(-4, 8))
    stamp = {"version": 1, "created_at": moment, "created_by": "load", "updated_at": moment,
             "updated_by": "load"}  # fmt: skip
    with engine.begin() as conn:
        site = conn.scalar(select(Site.id).where(Site.name == LRI))
        ward = conn.scalar(select(Ward.id).where(Ward.site_id == site, Ward.name == "Ward 7"))
        person = conn.execute(insert(Patient).values(
            nhs_number=patient(2).nhs_number, family_name="Bulk", given_name="Bo",
            date_of_birth=uk(-9000, 0).date(), sex="F", interpreter_needed=False, **stamp,
        )).inserted_primary_key[0]  # fmt: skip
        return int(conn.execute(insert(Spell).values(
            patient_id=person, site_id=site, ward_id=ward, admitted_at=moment,
            edd=uk(2, 0).date(), pathway_code="P2", **stamp,
        )).inserted_primary_key[0])  # fmt: skip


def facts_of(engine: Engine, spell_id: int) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(SpellFact.kind, SpellFact.valid_from, SpellFact.valid_to, SpellFact.ward_id)
            .add_columns(SpellFact.day, SpellFact.pathway_code, SpellFact.state)
            .add_columns(SpellFact.recorded_by)
            .where(SpellFact.spell_id == spell_id)
            .order_by(SpellFact.kind, SpellFact.valid_from)
        )
        return [tuple(r) for r in rows]


def test_the_history_is_rebuilt_from_the_audit_trail(before_history: str) -> None:
    engine = create_db_engine(before_history)
    factory = sessionmaker(engine, expire_on_commit=False)
    audit.install(factory)
    uk = Days()
    sid = _audited_story(factory, uk)
    bulk = _bulk_loaded(engine, uk)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        w7, w9 = (conn.scalar(select(Ward.id).where(Ward.name == n)) for n in ("Ward 7", "Ward 9"))
    admitted, t1, t2 = (clock.as_utc(uk(d, h)) for d, h in ((-6, 10), (-5, 9), (-3, 14)))
    d1, d3 = uk(1, 0).date(), uk(3, 0).date()
    assert facts_of(engine, sid) == [
        ("edd", t1, t2, None, d1, None, None, "ward"),
        ("edd", t2, None, None, d3, None, None, "ward"),
        ("location", admitted, t2, w7, None, None, None, "pas"),  # held from the admission
        ("location", t2, None, w9, None, None, None, "ward"),
        ("pathway", t1, None, None, None, "P1", None, "ward"),
        ("placement", t1, t2, None, None, None, "requested", "ward"),
        ("placement", t2, None, None, None, None, "assessing", "ward"),
    ]
    loaded = clock.as_utc(uk(-4, 8))
    assert facts_of(engine, bulk) == [
        ("edd", loaded, None, None, uk(2, 0).date(), None, None, "migration 0003"),
        ("location", loaded, None, w7, None, None, None, "migration 0003"),
        ("pathway", loaded, None, None, None, "P2", None, "migration 0003"),
    ]
    engine.dispose()
    database = Database.open(before_history)
    try:
        assert_history_matches_now(database)
    finally:
        database.dispose()
