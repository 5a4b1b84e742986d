"""``discharge-hub export placements``: exactly the agreed columns, one row per open
placement, filtered by council and state; bad input exits 2 and writes nothing; a
cell a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.placements_export import COLUMNS
from discharge_hub.services import ctr, hub
from tests.cli.conftest import run_cli
from tests.core_support import add_provider, admit, days, on_pathway

EXPECTED = (
    "nhs_number,family_name,given_name,place,site,ward,pathway,service_type,provider_code,"
    "provider,state,state_since,days_in_state,discharge_ready_date,delay_days,assigned_to,"
    "funding"
)


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def placements(db: Database) -> tuple[int, int, int]:
    city = on_pathway(db, admit(db, 0, family_name="=HYPERLINK(1)", bed="A1"), "P1")
    county = on_pathway(db, admit(db, 1, place="Leicestershire", given_name="Łukasz"), "P3")
    provider = add_provider(db)
    with db.unit_of_work("ward") as s:
        ctr.record_ctr_review(
            s, spell_id=city.id, expected_version=None, review_date=days(-2), criteria=[]
        )
    with db.unit_of_work("hub") as s:
        a = hub.request_placement(
            s,
            spell_id=city.id,
            expected_version=None,
            service_type="reablement",
            provider_id=provider.id,
            funding="council",
        ).id
        b = hub.request_placement(
            s, spell_id=county.id, expected_version=None, service_type="nursing_home", funding="chc"
        ).id
        c = hub.request_placement(
            s, spell_id=county.id, expected_version=None, service_type="residential_home"
        ).id
        hub.assign_worker(s, placement_id=a, expected_version=None, worker="-Sam")
        hub.advance_placement(s, placement_id=b, expected_version=None, to_state="assessing")
        hub.end_placement(
            s, placement_id=c, expected_version=None, outcome="cancelled", reason="Not needed"
        )
    return city.id, county.id, provider.id


def test_export_writes_one_row_per_open_placement(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    placements(db)
    out = tmp_path / "queue.csv"
    result = run_cli("export", "placements", "--out", str(out), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "2 placements" in result.stdout
    header, rows = read(out)
    assert ",".join(header) == EXPECTED == ",".join(COLUMNS)
    assert [r["state"] for r in rows] == ["requested", "assessing"]
    city = rows[0]
    assert city["family_name"] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet
    assert city["assigned_to"] == "'-Sam"
    assert (city["given_name"], city["place"], city["ward"], city["pathway"]) == (
        "Zoë",
        "E06000016",
        "Ward 7",
        "P1",
    )
    assert (city["service_type"], city["provider"], city["funding"]) == (
        "reablement",
        "Reablement Ltd",
        "council",
    )
    assert city["provider_code"].startswith("1-") and len(city["nhs_number"]) == 10
    assert city["discharge_ready_date"] == days(-2).isoformat()
    assert city["delay_days"] == str((clock.today() - days(-2)).days)
    since = datetime.fromisoformat(city["state_since"])
    assert since.utcoffset() is not None  # UK time, with its offset
    assert city["days_in_state"] == str((clock.today() - clock.local_date(since)).days)
    county = rows[1]
    assert (county["given_name"], county["place"], county["provider"], county["delay_days"]) == (
        "Łukasz",
        "E10000018",
        "",
        "",
    )

    for args, states in (
        (("--place", "Leicestershire"), ["assessing"]),
        (("--place", "e06000016"), ["requested"]),
        (("--state", "assessing"), ["assessing"]),
        (("--place", "Rutland"), []),
    ):
        result = run_cli("export", "placements", *args, "--out", str(out), "--db", db_url)
        assert result.returncode == 0, result.stderr
        assert [r["state"] for r in read(out)[1]] == states, args


def test_bad_input_exits_2_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "queue.csv"
    for args, expected in (
        (("--place", "Northamptonshire"), "place: 'Northamptonshire' is not a known place"),
        (("--state", "started"), "state: 'started' is not a waiting state"),
        (("--state", "nonsense"), "state: 'nonsense'"),
    ):
        result = run_cli("export", "placements", *args, "--out", str(out), "--db", db_url)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
        assert not out.exists()
    result = run_cli("export", "placements", "--out", str(tmp_path), "--db", db_url)
    assert result.returncode == 2 and "is a folder" in result.stderr
    result = run_cli(
        "export", "placements", "--out", str(tmp_path / "no" / "x.csv"), "--db", db_url
    )
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert [p.name for p in tmp_path.iterdir() if "discharge_hub" not in p.name] == []
    result = run_cli("export", "placements", "--db", db_url)
    assert result.returncode == 2 and "--out" in result.stderr
