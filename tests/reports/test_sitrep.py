"""The sitrep on the hand-built fixture: every row known by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.reports import sitrep
from discharge_hub.reports.common import day_start_utc
from discharge_hub.services import spells
from tests.conftest import patient
from tests.reports.conftest import LCH, LRI, Fixture

PATHWAYS = ("P0", "P1", "P2", "P3", "P3b", "none")
REASONS = tuple(f"A{i:02d}" for i in range(1, 19)) + ("C01", "C02", "none")
BANDS = ("0", "1", "2-3", "4-6", "7-13", "14-20", "21+")


def expected_rows(day: str, site: str, figures: dict[str, object]) -> list[list[str]]:
    def one(measure: str) -> list[list[str]]:
        return [[day, site, measure, "", str(figures[measure])]]

    def many(measure: str, keys: tuple[str, ...]) -> list[list[str]]:
        given = figures[measure]
        assert isinstance(given, dict)
        return [[day, site, measure, k, str(given.get(k, 0))] for k in keys]

    return [
        *one("inpatients"),
        *one("nctr"),
        *many("nctr_by_pathway", PATHWAYS),
        *many("nctr_by_delay_reason", REASONS),
        *one("delay_days"),
        *one("discharged"),
        *many("discharged_by_pathway", PATHWAYS),
        *one("los_7plus"),
        *one("los_14plus"),
        *one("los_21plus"),
        *many("drd_delay_band", BANDS),
    ]


LRI_FIGURES: dict[str, object] = {
    "inpatients": 5,  # A B C D G (G leaves at 00:30 on D+1; H arrives on D+1)
    "nctr": 3,  # A B D
    "nctr_by_pathway": {"P3": 1, "P1": 1, "P0": 1},
    "nctr_by_delay_reason": {"A15": 1, "A05": 1, "none": 1},
    "delay_days": 13,  # 10 + 3 + 0
    "discharged": 1,  # F at 23:30 on D
    "discharged_by_pathway": {"P3": 1},
    "los_7plus": 3,  # 25 15 8
    "los_14plus": 2,
    "los_21plus": 1,
    "drd_delay_band": {"4-6": 1},  # F: DRD D-5
}
LCH_FIGURES: dict[str, object] = {
    "inpatients": 1,  # I
    "nctr": 1,
    "nctr_by_pathway": {"P2": 1},
    "nctr_by_delay_reason": {"A14": 1},
    "delay_days": 14,
    "discharged": 1,  # J
    "discharged_by_pathway": {"P1": 1},
    "los_7plus": 1,  # 21, admitted 00:30 UK time
    "los_14plus": 1,
    "los_21plus": 1,
    "drd_delay_band": {"0": 1},  # J: DRD D
}
ALL_FIGURES: dict[str, object] = {
    "inpatients": 6,
    "nctr": 4,
    "nctr_by_pathway": {"P0": 1, "P1": 1, "P2": 1, "P3": 1},
    "nctr_by_delay_reason": {"A05": 1, "A14": 1, "A15": 1, "none": 1},
    "delay_days": 27,
    "discharged": 2,
    "discharged_by_pathway": {"P1": 1, "P3": 1},
    "los_7plus": 4,
    "los_14plus": 3,
    "los_21plus": 2,
    "drd_delay_band": {"0": 1, "4-6": 1},
}


@pytest.mark.clock_edges
def test_sitrep_csv_equals_the_rows_worked_out_by_hand(fixture: Fixture) -> None:
    with fixture.db.read() as session:
        data = sitrep.to_csv(sitrep.sitrep(session, on=fixture.on))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    day = f"{fixture.on:%Y-%m-%d}"
    assert rows[0] == ["date", "site", "measure", "breakdown", "value"]
    assert rows[1:] == [
        *expected_rows(day, LRI, LRI_FIGURES),
        *expected_rows(day, LCH, LCH_FIGURES),
        *expected_rows(day, "ALL", ALL_FIGURES),
    ]


def test_a_day_before_any_spell_has_only_the_all_rows_all_zero(fixture: Fixture) -> None:
    from datetime import timedelta

    early = fixture.on - timedelta(days=100)
    with fixture.db.read() as session:
        rows = sitrep.sitrep(session, on=early)
    assert {r.site for r in rows} == {"ALL"}
    assert all(r.value == 0 for r in rows)


def test_drd_bands_cover_every_day() -> None:
    got = [sitrep.drd_band(d) for d in (-2, 0, 1, 2, 3, 4, 6, 7, 13, 14, 20, 21, 400)]
    assert got == [
        "0",
        "0",
        "1",
        "2-3",
        "2-3",
        "4-6",
        "4-6",
        "7-13",
        "7-13",
        "14-20",
        "14-20",
        "21+",
        "21+",
    ]


@pytest.mark.clock_edges
def test_summer_time_days_are_uk_days(db: Database) -> None:
    """In BST a UK day starts at 23:00 UTC the day before: counts follow the UK date."""
    today = clock.today()
    year = today.year if today > date(today.year, 7, 10) else today.year - 1
    july = date(year, 7, 1)
    assert day_start_utc(july) == datetime(year, 6, 30, 23, 0, tzinfo=UTC)
    with db.unit_of_work("test") as s:
        spell = spells.admit(
            s, patient=patient(1), site=LRI, ward="Ward 7",
            admitted_at=datetime(year, 7, 1, 0, 30),  # UK time: 23:30 UTC on 30 June
        )  # fmt: skip
        spells.discharge(
            s, spell_id=spell.id, expected_version=None, destination="19", method="1",
            discharged_at=datetime(year, 7, 5, 23, 30),  # UK time: 22:30 UTC on 5 July
        )  # fmt: skip

    def value(day: date, measure: str) -> int:
        with db.read() as session:
            rows = sitrep.sitrep(session, on=day)
        return next(r.value for r in rows if r.site == "ALL" and r.measure == measure)

    assert value(date(year, 6, 30), "inpatients") == 0
    assert value(july, "inpatients") == 1
    assert value(date(year, 7, 4), "inpatients") == 1
    assert value(date(year, 7, 5), "inpatients") == 0
    assert value(date(year, 7, 5), "discharged") == 1
    assert value(date(year, 7, 6), "discharged") == 0
