"""``discharge-hub demo`` end to end: deterministic, every stage of the journey,
only valid test-range NHS numbers, and never into a database that holds patients."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from discharge_hub import demo
from discharge_hub.db import Database
from discharge_hub.validators import is_valid_nhs_number
from tests import conftest
from tests.cli.conftest import digest, run_cli, table_counts

TODAY = conftest.TODAY - timedelta(days=3)  # a day in the past: times are not clamped
PATIENTS, SEED = 40, 7


def _scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(sql)) or 0)


def _column(engine: Engine, sql: str) -> set[str]:
    with engine.connect() as conn:
        return {str(v) for v in conn.scalars(text(sql))}


STAGE_QUERIES = {
    "open spell without an EDD": "SELECT count(*) FROM spell WHERE discharged_at IS NULL"
    " AND edd IS NULL",
    "EDD slipped 3+ times": "SELECT count(*) FROM (SELECT spell_id FROM edd_change"
    " GROUP BY spell_id HAVING count(*) >= 3) x",
    "meets the criteria": "SELECT count(*) FROM spell s WHERE discharged_at IS NULL"
    " AND discharge_ready_date IS NULL AND EXISTS (SELECT 1 FROM ctr_review r"
    " WHERE r.spell_id = s.id)",
    "ready for discharge, delayed": "SELECT count(*) FROM spell WHERE discharged_at IS NULL"
    f" AND discharge_ready_date < '{TODAY.isoformat()}'",
    "met again after not meeting": "SELECT count(*) FROM (SELECT spell_id FROM ctr_review"
    " GROUP BY spell_id HAVING count(DISTINCT meets_criteria) = 2 AND count(*) >= 3) x",
    "delay reason on NCTR": "SELECT count(*) FROM spell WHERE discharged_at IS NULL"
    " AND discharge_ready_date IS NOT NULL AND delay_reason_id IS NOT NULL",
    "carer contacted": "SELECT count(DISTINCT spell_id) FROM carer_contact",
    "carer never contacted": "SELECT count(*) FROM carer c WHERE NOT EXISTS"
    " (SELECT 1 FROM carer_contact k WHERE k.spell_id = c.spell_id)",
    "carer's assessment": "SELECT count(*) FROM carer WHERE assessment_status IS NOT NULL",
    "open barrier": "SELECT count(*) FROM barrier WHERE state = 'open'",
    "resolved barrier": "SELECT count(*) FROM barrier WHERE state = 'resolved'",
    "Red2Green day": "SELECT count(*) FROM red2green_day",
    "handover notes": "SELECT count(*) FROM spell WHERE patient_wishes IS NOT NULL",
    "hub referral accepted": "SELECT count(*) FROM hub_referral WHERE state = 'accepted'",
    "provider with vacancies": "SELECT count(*) FROM provider WHERE vacancies > 0",
    "interpreter needed": "SELECT count(*) FROM patient WHERE interpreter_needed",
    "beds": "SELECT count(*) FROM bed",
    "audit trail": "SELECT count(*) FROM audit_entry",
}


@pytest.fixture(scope="module")
def reference_digests(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The same seed and another seed, built in-process on new SQLite files."""
    out = []
    for seed in (SEED, SEED + 1):
        database = Database.open(str(tmp_path_factory.mktemp("demo") / "demo.sqlite3"))
        try:
            demo.generate(database, patients=PATIENTS, seed=seed, today=TODAY)
            out.append(digest(database.engine))
        finally:
            database.dispose()
    return out[0], out[1]


def test_demo_end_to_end(db_url: str, engine: Engine, reference_digests: tuple[str, str]) -> None:
    result = run_cli(
        "demo",
        "--patients",
        str(PATIENTS),
        "--seed",
        str(SEED),
        "--today",
        str(TODAY),
        "--db",
        db_url,
    )
    assert result.returncode == 0, result.stderr
    assert f"{PATIENTS} in hospital, {PATIENTS // 2} discharged" in result.stdout
    _check_every_stage(engine)
    _check_people(engine)
    # Deterministic: the same data as the in-process run with the same seed (on SQLite
    # and on PostgreSQL alike); another seed gives other data.
    same, other = reference_digests
    assert digest(engine) == same
    assert other != same
    # Refused a second time: demo data never mixes with existing records.
    before = table_counts(engine)
    again = run_cli("--db", db_url, "demo", "--patients", "5")
    assert again.returncode == 2
    assert "already holds" in again.stderr
    assert table_counts(engine) == before


def _check_every_stage(engine: Engine) -> None:
    missing = [name for name, sql in STAGE_QUERIES.items() if _scalar(engine, sql) == 0]
    assert missing == []
    pathways = _column(engine, "SELECT pathway_code FROM spell WHERE discharged_at IS NULL")
    assert {"P0", "P1", "P2", "P3", "P3b"} <= pathways
    states = _column(engine, "SELECT state FROM placement")
    assert states == {
        "requested",
        "assessing",
        "offered",
        "accepted",
        "start_confirmed",
        "started",
        "declined",
        "cancelled",
    }
    sites_with_wards = _scalar(engine, "SELECT count(DISTINCT site_id) FROM ward")
    assert sites_with_wards == _scalar(engine, "SELECT count(*) FROM site")
    places = _column(engine, "SELECT place_code FROM provider_place")
    assert places == {"E06000016", "E10000018", "E06000017"}
    discharged = _scalar(
        engine,
        "SELECT count(*) FROM spell WHERE discharged_at IS NOT"
        " NULL AND destination_code IS NOT NULL AND method_code IS NOT NULL",
    )
    assert discharged == PATIENTS // 2


def _check_people(engine: Engine) -> None:
    numbers = _column(engine, "SELECT nhs_number FROM patient")
    assert len(numbers) == PATIENTS + PATIENTS // 2
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    names = _column(engine, "SELECT family_name || ' ' || given_name FROM patient")
    assert any("'" in n for n in names)
    assert any("-" in n for n in names)
    assert any(not n.isascii() for n in names)
    assert len(_column(engine, "SELECT ethnic_category_code FROM patient")) >= 4


def test_demo_refuses_a_day_in_the_future(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    result = run_cli("demo", "--today", str(conftest.TODAY + timedelta(days=1)), "--db", str(path))
    assert result.returncode == 2
    assert "today" in result.stderr and "future" in result.stderr
