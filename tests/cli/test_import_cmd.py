"""``discharge-hub import csv`` end to end: admit, update without duplicating, re-import
changes nothing, bad files and bad rows leave the database untouched."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from discharge_hub.importer import COLUMNS
from tests.cli.conftest import run_cli, table_counts
from tests.conftest import TODAY, valid_nhs

ADMITTED = TODAY - timedelta(days=6)


def spaced(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def row(n: int, **cells: str) -> dict[str, str]:
    values = {
        "nhs_number": valid_nhs(n),
        "family_name": "O'Neill",
        "given_name": "Zoë",
        "date_of_birth": "17/05/1940",
        "sex": "F",
        "postcode": "LE2 1AB",
        "place": "Leicester",
        "site": "Leicester Royal Infirmary",
        "ward": "Ward 7",
        "bed": "A1",
        "admitted_at": f"{ADMITTED:%Y-%m-%d} 10:30",
        "edd": "",
        "discharge_ready_date": "",
        "pathway": "",
        "delay_reason": "",
        "ethnic_category": "A",
        "interpreter_language": "",
    }
    values.update(cells)
    return values


def write(path: Path, rows: list[dict[str, str]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(rows)
    return path


def good_rows() -> list[dict[str, str]]:
    return [
        row(
            0,
            nhs_number=spaced(valid_nhs(0)),
            edd=f"{TODAY + timedelta(days=2):%d/%m/%Y}",
            discharge_ready_date=str(TODAY - timedelta(days=2)),
            pathway="P1",
            delay_reason="A13",
        ),
        row(
            1,
            family_name="Nowak",
            given_name="Łukasz",
            sex="1",
            place="E10000018",
            site="Glenfield Hospital",
            ward="Ward 26",
            bed="",
            admitted_at=str(ADMITTED),
            pathway="p3b",
            ethnic_category="C",
            interpreter_language="Polish",
        ),
        row(
            2,
            family_name="Ndlovu-Smith",
            given_name="Amina",
            sex="female",
            place="rutland",
            postcode="",
            admitted_at=f"{ADMITTED:%d/%m/%Y} 08:00",
            ethnic_category="N",
        ),
    ]


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_import_creates_then_updates_and_a_reimport_changes_nothing(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    first = write(tmp_path / "pas.csv", good_rows(), bom=True)
    result = run_cli("--db", db_url, "import", "csv", str(first))
    assert result.returncode == 0, result.stderr
    assert "3 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    patients = _rows(
        engine,
        "SELECT nhs_number, preferred_language, interpreter_needed, sex,"
        " place_code FROM patient ORDER BY nhs_number",
    )
    assert [p[0] for p in patients] == [valid_nhs(0), valid_nhs(1), valid_nhs(2)]
    assert patients[1][1:] == ("Polish", True, "M", "E10000018")
    spell = _rows(
        engine,
        "SELECT edd, discharge_ready_date, pathway_code FROM spell s"
        " JOIN patient p ON p.id = s.patient_id WHERE p.nhs_number = "
        f"'{valid_nhs(0)}'",
    )[0]
    assert [str(v) for v in spell] == [
        str(TODAY + timedelta(days=2)),
        str(TODAY - timedelta(days=2)),
        "P1",
    ]

    # PAS moves patient 0 to another ward and slips the EDD: update, not a new spell.
    changed = good_rows()
    changed[0].update(ward="Ward 15", bed="B3", edd=str(TODAY + timedelta(days=4)))
    second = write(tmp_path / "pas2.csv", changed)
    result = run_cli("import", "csv", str(second), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "0 created, 1 updated, 2 unchanged, 0 rejected" in result.stdout
    assert _rows(engine, "SELECT count(*) FROM spell") == [(3,)]
    assert _rows(
        engine,
        "SELECT w.name, b.label FROM spell s JOIN ward w ON w.id = s.ward_id"
        " JOIN bed b ON b.id = s.bed_id JOIN patient p ON p.id = s.patient_id"
        f" WHERE p.nhs_number = '{valid_nhs(0)}'",
    ) == [("Ward 15", "B3")]
    reasons = _rows(engine, "SELECT reason FROM edd_change ORDER BY id")
    assert reasons == [("PAS import",), ("PAS import",)]

    before = table_counts(engine)
    result = run_cli("import", "csv", str(second), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "0 created, 0 updated, 3 unchanged, 0 rejected" in result.stdout
    assert table_counts(engine) == before  # no new audit rows either


def _assert_refused(engine: Engine, db_url: str, path: Path, *expected: str) -> str:
    before = table_counts(engine)
    result = run_cli("import", "csv", str(path), "--db", db_url)
    assert result.returncode == 2, result.stdout
    for text_ in expected:
        assert text_ in result.stderr
    assert table_counts(engine) == before
    return result.stderr


def test_invalid_rows_are_all_listed_and_nothing_is_written(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    bad_nhs = valid_nhs(5)[:9] + str((int(valid_nhs(5)[9]) + 1) % 10)
    rows = [
        row(3),  # valid, but must not be written either
        row(4, nhs_number=bad_nhs),
        row(5, edd=str(ADMITTED - timedelta(days=1))),
        row(6, discharge_ready_date=str(ADMITTED - timedelta(days=1))),
        row(7, discharge_ready_date=str(TODAY + timedelta(days=1))),
        row(8, pathway="P4"),
        row(9, delay_reason="Z99"),
        row(10, site="Leicester Infirmary"),
        row(11, place="Northamptonshire"),
        row(12, date_of_birth="31/02/1950", sex="X"),
    ]
    stderr = _assert_refused(
        engine,
        db_url,
        write(tmp_path / "bad.csv", rows),
        "9 invalid rows; nothing imported",
        "row 3, nhs_number: ",
        "check digit",
        "row 4, edd: ",
        "row 5, discharge_ready_date: ",
        "before the admission",
        "row 6, discharge_ready_date: ",
        "is in the future",
        "row 7, pathway: 'P4'",
        "row 8, delay_reason: 'Z99'",
        "row 9, site: 'Leicester Infirmary'",
        "row 10, place: 'Northamptonshire'",
        "row 11, date_of_birth: ",
        "row 11, sex: 'X'",
    )
    assert "row 2," not in stderr


def test_a_row_the_services_refuse_rolls_back_the_whole_file(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert (
        run_cli(
            "import", "csv", str(write(tmp_path / "a.csv", [row(0)])), "--db", db_url
        ).returncode
        == 0
    )
    # Row 2 is new and valid; row 3 gives patient 0 an admission that is not the open
    # spell's: found only while writing, so row 2's admission must be rolled back too.
    rows = [row(1), row(0, admitted_at=str(ADMITTED - timedelta(days=1)))]
    _assert_refused(
        engine,
        db_url,
        write(tmp_path / "b.csv", rows),
        "row 3, admitted_at: ",
        "differs from the open spell's admission",
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf  \r\n", "is empty"),
        (
            b"nhs_number,surname,given_name,date_of_birth,site,ward\r\n9990000018,A,B,,,\r\n",
            "missing required column(s): family_name, admitted_at",
        ),
        (b"9990000018,O'Neill,Zo\xc3\xab\r\n", "missing required column(s): nhs_number"),
        (
            "nhs_number,family_name,given_name,date_of_birth,site,ward,admitted_at\r\n"
            "9990000018,O'Neill,Zoë,1940-05-17,Glenfield Hospital,Ward 1,2026-01-01\r\n".encode(
                "cp1252"
            ),
            "is not UTF-8",
        ),
    ],
    ids=["empty", "blank", "wrong-header", "no-header", "cp1252"],
)
def test_bad_files_are_refused_before_the_database_is_touched(
    sqlite_url: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    from discharge_hub.db import create_db_engine, resolve_url

    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    eng = create_db_engine(resolve_url(sqlite_url))
    try:
        _assert_refused(eng, sqlite_url, path, expected, str(path))
    finally:
        eng.dispose()


def test_unreadable_file(tmp_path: Path) -> None:
    result = run_cli(
        "import", "csv", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "x.sqlite3")
    )
    assert result.returncode == 2
    assert "Cannot read" in result.stderr


def test_skip_invalid_imports_the_rest_and_writes_rejects(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    rows = [row(0), row(1, pathway="P9"), row(2), row(3, admitted_at="yesterday")]
    rejects = tmp_path / "rejects.csv"
    result = run_cli(
        "import",
        "csv",
        str(write(tmp_path / "pas.csv", rows)),
        "--skip-invalid",
        str(rejects),
        "--db",
        db_url,
    )
    assert result.returncode == 0, result.stderr
    assert "2 created, 0 updated, 0 unchanged, 2 rejected" in result.stdout
    assert _rows(engine, "SELECT count(*) FROM spell") == [(2,)]
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert [r["nhs_number"] for r in out] == [valid_nhs(1), valid_nhs(3)]
    assert out[0]["given_name"] == "Zoë"
    assert out[0]["reason"].startswith("pathway: 'P9' is not a known pathway")
    assert out[1]["reason"].startswith("admitted_at: 'yesterday' is not a date/time")
