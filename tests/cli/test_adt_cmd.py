"""``discharge-hub import adt`` and ``adt-map``, end to end in a subprocess: the report
of every rejected message, the summary and the exit codes (0: all applied or already
applied; 2: any rejected), and the ward map kept by an administrator."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tests.adt_support import Person, as_file, message, uk_at
from tests.cli.conftest import run_cli, table_counts
from tests.conftest import valid_nhs

ADMIT, MOVE = uk_at(6, 10), uk_at(3, 14)
ALICE, BOB = Person(valid_nhs(11)), Person(valid_nhs(12), given="BOB", sex="M")
MAP_CSV = (
    "code,site,ward\nRWE-W7,Leicester Royal Infirmary,Ward 7\nrwe-gw1,Glenfield Hospital,Ward 1\n"
)


def rows_of(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def write_map(tmp_path: Path, text: str = MAP_CSV) -> Path:
    path = tmp_path / "wards.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_ward_map_is_imported_listed_and_refused_whole_when_a_row_is_bad(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    done = run_cli("adt-map", "import", str(write_map(tmp_path)), "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert "2 codes: 2 added, 0 changed" in done.stdout
    listed = run_cli("adt-map", "list", "--db", db_url)
    assert listed.stdout.splitlines() == [
        "code,site,ward",
        "RWE-GW1,Glenfield Hospital,Ward 1",
        "RWE-W7,Leicester Royal Infirmary,Ward 7",
    ]
    before = table_counts(engine)
    twice = write_map(tmp_path, MAP_CSV + "RWE-W7,Glenfield Hospital,Ward 2\n")
    refused = run_cli("adt-map", "import", str(twice), "--db", db_url)
    assert refused.returncode == 2
    assert "line 4: code 'RWE-W7' is given twice" in refused.stderr
    unknown = write_map(
        tmp_path, "code,site,ward\nRWE-W8,Leicester Royal Infirmary,Ward 8\nRWE-W9,Nowhere,W9\n"
    )
    refused = run_cli("adt-map", "import", str(unknown), "--db", db_url)
    assert refused.returncode == 2
    assert "'Nowhere'" in refused.stderr and "not a known site" in refused.stderr
    assert table_counts(engine) == before
    lgh = write_map(tmp_path, "code,site,ward\nRWE-W7,Leicester General Hospital,Ward 7\n")
    moved = run_cli("adt-map", "import", str(lgh), "--db", db_url)
    assert "1 codes: 0 added, 1 changed" in moved.stdout


def test_a_mixed_feed_reports_each_rejected_message_and_exits_2_then_0_on_reimport(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert run_cli("adt-map", "import", str(write_map(tmp_path)), "--db", db_url).returncode == 0
    good = tmp_path / "good.hl7"
    good.write_bytes(
        as_file(
            [
                message("A01", "G0001", ALICE, at=ADMIT, admitted_at=ADMIT),
                message("A02", "G0002", ALICE, at=MOVE, location="RWE-GW1", admitted_at=ADMIT),
            ],
            variant="MLLP",
        )
    )
    mixed = tmp_path / "mixed.hl7"
    mixed.write_bytes(
        as_file(
            [
                message("A01", "X0001", BOB, at=ADMIT, admitted_at=ADMIT, location="RWE-W99"),
                message("A01", "X0002", BOB, at=ADMIT, admitted_at=ADMIT, nhs_field="^^^NHS^NH"),
                message("A01", "X0003", BOB, at=ADMIT, admitted_at=ADMIT),
            ],
            variant="CRLF",
        )
    )
    done = run_cli("import", "adt", str(good), str(mixed), "--db", db_url)
    assert done.returncode == 2, done.stderr
    assert "2 file(s): 3 applied (A01 2, A02 1), 0 duplicates skipped, 2 rejected" in done.stdout
    rejected = [line for line in done.stderr.splitlines() if line.startswith("rejected:")]
    assert len(rejected) == 2
    assert f"{mixed}: message 1 [X0001]: unknown location 'RWE-W99'" in rejected[0]
    assert f"{mixed}: message 2 [X0002]: no NHS number" in rejected[1]
    assert ALICE.nhs not in done.stderr + done.stdout  # no patient identifiers in the report
    assert rows_of(
        engine,
        "SELECT p.nhs_number, w.name FROM spell s JOIN patient p ON p.id = s.patient_id "
        "JOIN ward w ON w.id = s.ward_id ORDER BY p.nhs_number",
    ) == [(ALICE.nhs, "Ward 1"), (BOB.nhs, "Ward 7")]
    before = table_counts(engine)
    again = run_cli("import", "adt", str(good), "--db", db_url)
    assert again.returncode == 0, again.stderr
    assert "1 file(s): 0 applied, 2 duplicates skipped, 0 rejected" in again.stdout
    assert table_counts(engine) == before


def test_a_file_that_cannot_be_read_stops_the_import_before_anything_is_written(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    good = tmp_path / "good.hl7"
    good.write_bytes(as_file([message("A01", "G0001", ALICE, at=ADMIT, admitted_at=ADMIT)]))
    empty = tmp_path / "empty.hl7"
    empty.write_bytes(b"\r\n")
    before = table_counts(engine)
    for missing in (tmp_path / "absent.hl7", empty):
        done = run_cli("import", "adt", str(good), str(missing), "--db", db_url)
        assert done.returncode == 2
        assert str(missing) in done.stderr
    assert table_counts(engine) == before
