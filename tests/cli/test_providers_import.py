"""``discharge-hub import providers``: upsert by CQC code, one row per service type,
vacancy history by as_of; all or nothing with every bad row named; a re-import
changes nothing; a committed import is announced once, a rejected one not at all."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from discharge_hub import changes, clock
from discharge_hub.db import Database
from discharge_hub.provider_import import COLUMNS
from tests.cli.conftest import run_cli, run_here, table_counts
from tests.conftest import admitted
from tests.live_support import announcements

AS_OF = admitted(2)  # two days ago, 10:00 UK time
LATER = AS_OF + timedelta(hours=2)


def prow(code: str = "1-101000001", **cells: str) -> dict[str, str]:
    values = {
        "code": code,
        "name": "Quorn Grange Care Home",
        "service_type": "nursing_home",
        "places": "Leicestershire;E06000017",
        "capacity": "55",
        "vacancies": "4",
        "as_of": AS_OF.isoformat(timespec="minutes"),
    }
    values.update(cells)
    return values


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(rows)
    return path


def good() -> list[dict[str, str]]:
    return [
        prow(),
        prow(service_type="residential_home"),  # the same provider's second service type
        prow(
            "1-10200000002",
            name="City Reablement Team",
            service_type="reablement",
            places="E06000016",
            capacity="1400",
            vacancies="120",
        ),
    ]


def rows_of(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_import_creates_updates_keeps_history_and_a_reimport_changes_nothing(
    db: Database, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    with announcements(db, db_url) as heard:
        first = write(tmp_path / "providers.csv", good())
        result = run_here("import", "providers", str(first), "--db", db_url)
        assert result.returncode == 0, result.stderr
        assert "3 rows: 2 created, 0 updated, 0 unchanged; 2 vacancy figures added" in result.stdout
        assert heard.since() == [changes.Change(all=True)]  # exactly one, for everything
        providers = rows_of(
            engine,
            "SELECT code, name, capacity, capacity_unit, vacancies FROM provider ORDER BY code",
        )
        assert providers == [
            ("1-101000001", "Quorn Grange Care Home", 55, "beds", 4),
            ("1-10200000002", "City Reablement Team", 1400, "hours", 120),
        ]
        links = rows_of(
            engine,
            "SELECT p.code, s.service_type_code FROM provider_service_type s"
            " JOIN provider p ON p.id = s.provider_id ORDER BY 1, 2",
        )
        assert links == [
            ("1-101000001", "nursing_home"),
            ("1-101000001", "residential_home"),
            ("1-10200000002", "reablement"),
        ]
        places = rows_of(
            engine,
            "SELECT place_code FROM provider_place pp JOIN provider p"
            " ON p.id = pp.provider_id WHERE p.code = '1-101000001' ORDER BY 1",
        )
        assert places == [("E06000017",), ("E10000018",)]

        before = table_counts(engine)
        again = run_here("import", "providers", str(first), "--db", db_url)
        assert again.returncode == 0, again.stderr
        assert "0 created, 0 updated, 2 unchanged; 0 vacancy figures added" in again.stdout
        assert table_counts(engine) == before  # no audit rows, no change-log rows either
        assert heard.since() == []

        # Later: a new figure, a late one for an earlier moment, a name and places change.
        later = [
            prow(vacancies="2", as_of=LATER.isoformat()),
            prow(vacancies="2", as_of=LATER.isoformat(), service_type="residential_home"),
            prow(
                "1-10200000002",
                name="City Reablement",
                service_type="reablement",
                places="Leicester;Rutland",
                capacity="1400",
                vacancies="90",
                as_of=(AS_OF - timedelta(hours=1)).isoformat(),
            ),
        ]
        result = run_here(
            "import", "providers", str(write(tmp_path / "p2.csv", later)), "--db", db_url
        )
        assert result.returncode == 0, result.stderr
        assert "0 created, 2 updated, 0 unchanged; 2 vacancy figures added" in result.stdout
        assert heard.since() == [changes.Change(all=True)]
    assert rows_of(engine, "SELECT code, name, vacancies FROM provider ORDER BY code") == [
        ("1-101000001", "Quorn Grange Care Home", 2),
        ("1-10200000002", "City Reablement", 120),  # the late figure is history only
    ]
    history = rows_of(
        engine,
        "SELECT p.code, v.vacancies FROM provider_vacancy v JOIN provider"
        " p ON p.id = v.provider_id ORDER BY p.code, v.as_of",
    )
    assert history == [
        ("1-101000001", 4),
        ("1-101000001", 2),
        ("1-10200000002", 90),
        ("1-10200000002", 120),
    ]


def test_invalid_rows_are_all_named_and_nothing_is_written(
    db: Database, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    future = (clock.local(clock.now()) + timedelta(days=1)).replace(tzinfo=None)
    rows = [
        prow(),  # valid, but must not be written either
        prow(service_type="nursing_home"),  # row 3: the same service type again
        prow(name="Quorn Grange", service_type="residential_home"),  # row 4: another name
        prow("1-12345", service_type="reablement"),  # row 5
        prow("1-100000005", name="", service_type="teleport"),  # row 6
        prow("1-100000006", name="B", places="Leicester;Northamptonshire"),  # row 7
        prow("1-100000007", name="C", capacity="ten", vacancies="-1"),  # row 8
        prow("1-100000008", name="D", capacity="3", vacancies="4"),  # row 9
        prow("1-100000009", name="E", as_of="23/11/2026 09:00"),  # row 10
        prow("1-100000010", name="F", as_of=future.isoformat()),  # row 11
        prow("1-100000011", name="G", places=""),  # row 12
        prow("1-100000012", name="Quorn Grange Care Home"),  # row 13: another code's name
        prow("1-100000013", name="H", service_type="reablement"),
        prow("1-100000013", name="H", service_type="ic_bed"),  # row 15: beds and hours
    ]
    with announcements(db, db_url) as heard:
        result = run_here(
            "import", "providers", str(write(tmp_path / "bad.csv", rows)), "--db", db_url
        )
        assert heard.since() == []  # a rejected import announces nothing
    assert result.returncode == 2, result.stdout
    err = result.stderr
    for expected in (
        "12 invalid rows; nothing imported",
        "row 3, service_type: 'nursing_home' appears again for this code (first in row 2)",
        "row 4, name: 'Quorn Grange' differs from row 2 of the same code",
        "row 5, code: '1-12345' is not a CQC location ID",
        "row 6, name: (empty) is required",
        "row 6, service_type: 'teleport' is not a known",
        "row 7, places: 'Northamptonshire' is not a known place",
        "row 8, capacity: 'ten' must be a whole number",
        "row 8, vacancies: '-1' must be",
        "row 9, vacancies: '4' exceeds the capacity of 3",
        "row 10, as_of: '23/11/2026 09:00' is not an ISO date-time",
        "row 11, as_of: ",
        "is in the future",
        "row 12, places: (empty) needs at least one place",
        "row 13, name: 'Quorn Grange Care Home' is also the name of 1-101000001 (row 2)",
        "row 15, service_type: 'ic_bed' mixes bed-based and home-based services",
    ):
        assert expected in err, expected
    assert "row 2," not in err and "row 14," not in err
    for table in ("provider", "provider_place", "provider_service_type", "provider_vacancy"):
        assert rows_of(engine, f"SELECT count(*) FROM {table}") == [(0,)]
    audited = "SELECT count(*) FROM audit_entry WHERE entity LIKE 'provider%'"
    assert rows_of(engine, audited) == [(0,)]


def test_a_refusal_found_while_writing_is_named_and_rolls_back(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert (
        run_cli(
            "import", "providers", str(write(tmp_path / "a.csv", good())), "--db", db_url
        ).returncode
        == 0
    )
    # Row 3 renames a provider to a name another one has: found only against the database.
    rows = [
        prow("1-100000099", name="New Home"),
        prow(
            "1-10200000002",
            name="Quorn Grange Care Home",
            service_type="reablement",
            places="E06000016",
            capacity="1400",
            vacancies="120",
        ),
    ]
    before = table_counts(engine)
    result = run_cli("import", "providers", str(write(tmp_path / "b.csv", rows)), "--db", db_url)
    assert result.returncode == 2
    assert "row 3, name: 'Quorn Grange Care Home' is already the name of 1-101000001" in (
        result.stderr
    )
    assert table_counts(engine) == before


def test_bad_files_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    for content, expected in (
        (b"", "is empty"),
        (
            b"code,name,service_type,places,capacity,vacancies\r\n1-123456789,A,x,y,1,1\r\n",
            "missing required column(s): as_of",
        ),
        (
            "code,name,service_type,places,capacity,vacancies,as_of\r\n1-123456789,Zoë\r\n".encode(
                "cp1252"
            ),
            "is not UTF-8",
        ),
    ):
        path = tmp_path / "providers.csv"
        path.write_bytes(content)
        result = run_cli("import", "providers", str(path), "--db", sqlite_url)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
