"""The bulk PAS import leaves the database exactly as the per-row import through the
services did (``tests/import_reference.py``): the same rows refused with the same
reasons, the same rows, versions, who-stamps and audit trail (every field, in order),
on SQLite and PostgreSQL. And its write phase never overwrites a change another user
made after the read: it plans again."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from discharge_hub import clock, importer
from discharge_hub.db import Database
from discharge_hub.importer.extract import COLUMNS
from discharge_hub.importer.write import Stale
from discharge_hub.models import AuditEntry, Base, Patient, Site, Ward
from discharge_hub.services import ctr, hub, patients, spells
from tests import import_reference
from tests.conftest import _pg_admin, admitted, pg_url, valid_nhs
from tests.core_support import days, db_fingerprint

ACTOR = "pas (PAS import)"
# Instants written at the moment of the write: they differ between the two runs.
MOMENTS = {"created_at", "updated_at", "changed_at", "recorded_at", "at"}


def cells(n: int, **values: str) -> dict[str, str]:
    row = {
        "nhs_number": valid_nhs(n), "family_name": "O'Neill", "given_name": "Zoë",
        "date_of_birth": "17/05/1940", "sex": "F", "postcode": "LE2 1AB", "place": "Leicester",
        "site": "Leicester Royal Infirmary", "ward": "Ward 7", "bed": "A1",
        "admitted_at": f"{admitted(6):%Y-%m-%d %H:%M}", "edd": "", "discharge_ready_date": "",
        "pathway": "", "delay_reason": "", "ethnic_category": "A", "interpreter_language": "",
    }  # fmt: skip
    row.update(values)
    return row


def _admit(db: Database, n: int, *, ward: str = "Ward 7", bed: str | None = "A1",
           site: str = "Leicester Royal Infirmary") -> int:  # fmt: skip
    with db.unit_of_work("alice") as s:
        details = patients.PatientDetails(
            nhs_number=valid_nhs(n), family_name="O'Neill", given_name="Zoë",
            date_of_birth=date(1940, 5, 17), sex="F", postcode="LE2 1AB", place="Leicester",
            ethnic_category="A",
        )  # fmt: skip
        return spells.admit(
            s, patient=details, site=site, ward=ward, bed=bed, admitted_at=admitted(6)
        ).id


def _history(db: Database) -> None:
    """Patients 0-6 as the hub holds them before the extract arrives."""
    p0 = _admit(db, 0)
    p1 = _admit(db, 1, site="Glenfield Hospital", ward="Ward 26", bed=None)
    p2 = _admit(db, 2)
    _admit(db, 3, bed="A3")
    _admit(db, 4, bed="A4")
    p5 = _admit(db, 5, bed="A5")
    _admit(db, 6, bed="A6")
    with db.unit_of_work("alice") as s:
        spells.set_edd(s, spell_id=p0, expected_version=None, edd=days(1), reason="plan")
        ctr.record_ctr_review(s, spell_id=p0, expected_version=None, review_date=days(-5),
                                 criteria=["03"])  # fmt: skip
        spells.set_pathway(s, spell_id=p0, expected_version=None, pathway="P1")
        spells.set_pathway(s, spell_id=p1, expected_version=None, pathway="P2")
        hub.request_placement(s, spell_id=p1, expected_version=None, service_type="reablement")
        ctr.record_ctr_review(s, spell_id=p5, expected_version=None, review_date=days(-1),
                                 criteria=["02"])  # fmt: skip
        spells.discharge(s, spell_id=p2, expected_version=None, discharged_at=admitted(2),
                         destination="19", method="1")  # fmt: skip


def extract_rows() -> list[dict[str, str]]:
    return [
        cells(10, family_name="Nowak", given_name="Łukasz", ward="Ward 99", bed="B9",
              edd=str(days(3)), discharge_ready_date=str(days(-1)), pathway="P1",
              delay_reason="A13", interpreter_language="Polish"),  # new ward and bed
        cells(11, bed="B12", sex="", postcode=""),  # new bed on an existing ward
        cells(0, ward="Ward 15", bed="B3", edd=str(days(4)), discharge_ready_date=str(days(-1)),
              pathway="P2", delay_reason="A13", postcode="LE3 9QP"),  # transfer and more
        cells(1, site="Glenfield Hospital", ward="Ward 26", bed="", pathway="P0"),  # placement
        cells(2, given_name="Zoe", admitted_at=f"{admitted(1):%d/%m/%Y %H:%M}"),  # readmitted
        cells(3, bed="A3"),  # unchanged
        cells(4, bed="A4", admitted_at=str(days(-9))),  # another admission: refused
        cells(5, bed="A5", discharge_ready_date=str(days(-3))),  # conflicts with a review
        cells(12, family_name="Ev\x00il"),  # a NUL byte: refused before any rule
        cells(6, bed="A7"),  # a new bed on the same ward
        cells(13, ward="Ward 99", bed="B10", given_name="  Ann   Marie ", sex="male"),
    ]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture
def twins(db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two databases with the same history: one for each import."""
    first = Database.open(db_url)
    _history(first)
    first.dispose()
    if db_url.startswith("sqlite"):
        path = Path(make_url(db_url).database or "")
        copy = path.with_name("twin.sqlite3")
        shutil.copyfile(path, copy)
        second_url, cleanup = f"sqlite:///{copy}", None
    else:
        source, clone = make_url(db_url).database, f"{make_url(db_url).database}_twin"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{source}"')
        second_url, cleanup = pg_url(clone), clone
    a, b = Database.open(db_url), Database.open(second_url)
    yield a, b
    a.dispose()
    b.dispose()
    if cleanup:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)')


def _moment(value: Any) -> Any:
    """An instant of this test's writes (not an event time from the extract, days
    before) reads as "(moment)": the two imports run moments apart."""
    if isinstance(value, datetime) and value > clock.now() - timedelta(minutes=10):
        return "(moment)"
    return value


def contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the instants of the write, in id order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if c.name not in MOMENTS]
            order = [c for c in table.primary_key.columns]
            rows = [tuple(r) for r in s.execute(select(*columns).order_by(*order))]
            if table.name == "spell_fact":
                # A fact recorded by the write holds from it; the bulk import writes the
                # history after the rows (facts_sync), so ids and order are its own.
                rows = sorted((tuple(_moment(v) for v in r[1:]) for r in rows), key=repr)
            if table.name == "audit_entry":  # the text of an instant of the write, too
                names = [c.name for c in columns]
                field, new = names.index("field"), names.index("new_value")
                rows = [
                    (*r[:new], "(moment)", *r[new + 1 :]) if r[field] in MOMENTS else r
                    for r in rows
                ]
            out[table.name] = rows
    return out


def test_bulk_import_writes_what_the_services_wrote_row_by_row(
    twins: tuple[Database, Database], tmp_path: Path
) -> None:
    bulk_db, reference_db = twins
    extract = importer.read_extract(write_csv(tmp_path / "pas.csv", extract_rows()))
    got = importer.import_extract(bulk_db, extract, actor=ACTOR, skip_invalid=True)
    want = import_reference.import_rows(reference_db, extract, actor=ACTOR, skip_invalid=True)
    assert (got.created, got.updated, got.unchanged) == (want.created, want.updated, want.unchanged)
    assert (got.created, got.updated, got.unchanged) == (4, 2, 1)
    assert got.rejected == want.rejected
    assert [r.split(":")[0] for _, r in got.rejected] == [
        "pathway", "admitted_at", "discharge_ready_date", "family_name",
    ]  # fmt: skip
    mine, theirs = contents(bulk_db), contents(reference_db)
    assert len(mine["audit_entry"]) > 100  # the history and the import's own rows
    for table in mine:
        assert mine[table] == theirs[table], table
    # The stamps and audit instants are the write's: one instant, after the read.
    with bulk_db.read() as s:
        stamps = set(s.scalars(select(AuditEntry.at).where(AuditEntry.actor == ACTOR)))
        assert len(stamps) == 1
        patient = s.scalars(select(Patient).where(Patient.nhs_number == valid_nhs(10))).one()
        assert (patient.created_by, patient.updated_at) == (ACTOR, stamps.pop())


def test_reimporting_the_same_file_changes_nothing(
    twins: tuple[Database, Database], tmp_path: Path
) -> None:
    db, _ = twins
    extract = importer.read_extract(write_csv(tmp_path / "pas.csv", extract_rows()))
    importer.import_extract(db, extract, actor=ACTOR, skip_invalid=True)
    before = contents(db)
    again = importer.import_extract(db, extract, actor=ACTOR, skip_invalid=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert contents(db) == before


def test_a_change_made_between_read_and_write_is_never_overwritten(
    twins: tuple[Database, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user slips patient 0's EDD after the import read the database: the
    write finds the spell changed, and the import plans again from a fresh read."""
    db, _ = twins
    extract = importer.read_extract(write_csv(tmp_path / "pas.csv", [
        cells(0, ward="Ward 15", bed="B3", postcode="LE3 9QP"),
    ]))  # fmt: skip
    real_write, attempts = importer.write, []

    def write_after_a_save(database: Database, plan: Any, **kw: Any) -> None:
        attempts.append(plan)
        if len(attempts) == 1:
            with database.unit_of_work("bob") as s:
                spell = spells.find_spell(s, valid_nhs(0))
                assert spell is not None
                spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(5),
                               reason="bob's plan")  # fmt: skip
        real_write(database, plan, **kw)

    monkeypatch.setattr(importer, "write", write_after_a_save)
    result = importer.import_extract(db, extract, actor=ACTOR)
    assert len(attempts) == 2 and result.updated == 1
    with db.read() as s:
        spell = spells.find_spell(s, valid_nhs(0))
        assert spell is not None
        assert (spell.edd, spell.ward, spell.bed) == (days(5), "Ward 15", "B3")
        rows = s.execute(
            text("SELECT count(*) FROM audit_entry WHERE actor = :a AND field = 'edd'"),
            {"a": "bob"},
        ).scalar()
        assert rows == 1


def test_an_import_that_keeps_meeting_changes_gives_up_having_written_nothing(
    twins: tuple[Database, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = twins
    extract = importer.read_extract(write_csv(tmp_path / "pas.csv", [cells(20)]))
    before = db_fingerprint(db)
    calls = []

    def always_stale(database: Database, plan: Any, **kw: Any) -> None:
        calls.append(plan)
        raise Stale

    monkeypatch.setattr(importer, "write", always_stale)
    with pytest.raises(importer.ImportBusyError, match="Nothing was imported; try again"):
        importer.import_extract(db, extract, actor=ACTOR)
    assert len(calls) == importer.ATTEMPTS
    assert db_fingerprint(db) == before


def test_a_new_ward_named_like_a_bed_is_not_mistaken_for_a_change_by_others(
    twins: tuple[Database, Database], tmp_path: Path
) -> None:
    """The write's checks compare new wards with wards and new beds with beds: a new ward
    (site s, "A1") next to an existing bed (ward s, "A1") is no change by another user."""
    db, _ = twins
    with db.read() as s:
        ward_id = s.scalar(select(Ward.id).where(Ward.name == "Ward 7"))
        site = s.scalar(select(Site.name).where(Site.id == ward_id))
    assert site is not None
    extract = importer.read_extract(write_csv(tmp_path / "pas.csv", [
        cells(30, ward="Ward 7", bed="C9"),  # a new bed on that ward: its beds are checked
        cells(31, site=site, ward="A1", bed="B1"),
    ]))  # fmt: skip
    result = importer.import_extract(db, extract, actor=ACTOR)
    assert result.created == 2
