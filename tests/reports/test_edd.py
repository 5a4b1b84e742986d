"""EDD reliability on a small fixture worked out by hand; the EDD and Red2Green exports;
the Red2Green strip (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.reports import render
from discharge_hub.reports.edd_data import EddGroup, edd_reliability
from discharge_hub.reports.red2green import strip
from discharge_hub.services import care, ctr, spells
from tests.conftest import patient
from tests.history_support import clock_at

LRI, LGH = "Leicester Royal Infirmary", "Leicester General Hospital"
A = clock.today() - timedelta(days=20)  # the day every stay below is admitted


def on(days: int, hour: int = 10) -> datetime:
    return datetime.combine(A + timedelta(days=days), time(hour))


def day(days: int) -> date:
    return A + timedelta(days=days)


# (stay, site, specialty, [(recorded on A+d at h, new EDD A+n, reason)], discharged A+d)
STAYS: list[tuple[str, str, str | None, list[tuple[int, int, int, str]], int]] = [
    ("S1", LRI, "Stroke", [(0, 11, 3, "Initial")], 3),
    ("S2", LRI, "Stroke", [(0, 12, 2, "Initial"), (1, 14, 4, "Awaiting package of care"),
                           (3, 10, 5, "  awaiting PACKAGE of care")], 5),
    ("S3", LGH, None, [(2, 9, 4, "Set late")], 6),  # none within 24 h: the first set later
    ("S4", LGH, "Stroke", [], 2),  # never had an EDD
    ("S5", LGH, None, [(0, 11, 2, "Initial"), (0, 20, 3, "Board round review"),
                       (2, 9, 2, "Medically fit early")], 2),
]  # fmt: skip


Edd = tuple[int, int, int, str]


def _stay(s: Session, n: int, site: str, specialty: str | None, edds: list[Edd], out: int) -> int:
    with clock_at(on(0, 11)):
        sid = spells.admit(s, patient=patient(60 + n), site=site, ward="Ward 1",
                           admitted_at=on(0), specialty=specialty).id  # fmt: skip
    for offset, hour, edd, why in edds:
        with clock_at(on(offset, hour)):
            spells.set_edd(s, spell_id=sid, expected_version=None, edd=day(edd), reason=why)
    if n == 1:  # S2: ready on A+3, delay reason A05 from A+4 (trend below)
        with clock_at(on(3, 11)):
            ctr.record_ctr_review(s, spell_id=sid, expected_version=None,
                                     review_date=day(3), criteria=[])  # fmt: skip
        with clock_at(on(4, 11)):
            spells.set_delay_reason(s, spell_id=sid, expected_version=None, delay_reason="A05")
    with clock_at(on(out, 18)):
        spells.discharge(s, spell_id=sid, expected_version=None, discharged_at=on(out, 17),
                         destination="19", method="1")  # fmt: skip
    return sid


def build(db: Database) -> dict[str, int]:
    with db.unit_of_work("ward") as s:
        return {key: _stay(s, n, *rest) for n, (key, *rest) in enumerate(STAYS)}  # type: ignore[arg-type]


def test_edd_reliability_equals_the_figures_worked_out_by_hand(db: Database) -> None:
    build(db)
    with db.read() as s:
        f = edd_reliability(s, start=day(0), end=day(10))
    by_key = {s.nhs_number: s for s in f.stays}
    got = {key: by_key[patient(60 + n).nhs_number] for n, (key, *_r) in enumerate(STAYS)}
    # (first EDD, last EDD, changes, days late)
    assert {k: (s.first_edd, s.last_edd, s.edd_changes, s.days_late) for k, s in got.items()} == {
        "S1": (day(3), day(3), 0, 0),
        "S2": (day(2), day(5), 2, 3),
        "S3": (day(4), day(4), 0, 2),
        "S4": (None, None, 0, None),
        "S5": (day(3), day(2), 1, -1),  # the EDD that held 24 hours after admission
    }
    # 5 stays, 4 with an EDD; on the first EDD: S1; on the last: S1, S2, S5;
    # days late 0 + 3 + 2 - 1 = 4; changes 0 + 2 + 0 + 1 = 3.
    assert f.overall == EddGroup("All discharges", 5, 4, 1, 3, 4, 3)
    assert (f.overall.share_on_first, f.overall.share_on_last) == (0.25, 0.75)
    assert (f.overall.mean_days_late, f.overall.changes_per_stay) == (1.0, 0.75)
    assert f.by_site == (EddGroup(LGH, 3, 2, 0, 1, 1, 1), EddGroup(LRI, 2, 2, 1, 2, 3, 2))
    assert [(g.label, g.stays) for g in f.by_specialty] == [("Not recorded", 2), ("Stroke", 3)]
    assert {c.label: c.count for c in f.days_late if c.count} == {
        "1–2 early": 1, "On the day": 1, "2–3 late": 2,
    }  # fmt: skip
    assert {c.label: c.count for c in f.changes if c.count} == {"0": 2, "1": 1, "2": 1}
    assert [(c.label, c.count) for c in f.reasons] == [
        ("Awaiting package of care", 2),  # the same reason however it was typed
        ("Board round review", 1),
        ("Medically fit early", 1),
    ]
    # S2 was NCTR at the end of A+3 (no reason yet) and of A+4 (A05: Hospital process);
    # it left on A+5 before the day ended.
    totals = {g: sum(w.days[i] for w in f.weeks) for i, g in enumerate(f.delay_groups)}
    assert totals == {"Hospital process": 1, "No delay reason recorded": 1}


def test_the_edd_export_has_one_row_per_stay_with_the_agreed_columns(db: Database) -> None:
    build(db)
    with db.read() as s:
        data = render.edd_csv(s, start=day(0), end=day(10), site=LRI)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["nhs_number", "site", "ward", "specialty", "admitted", "first_edd",
                       "last_edd", "edd_changes", "discharged", "days_late"]  # fmt: skip
    assert rows[1:] == [
        [patient(60).nhs_number, LRI, "Ward 1", "Stroke", f"{day(0)}", f"{day(3)}", f"{day(3)}",
         "0", f"{day(3)}", "0"],
        [patient(61).nhs_number, LRI, "Ward 1", "Stroke", f"{day(0)}", f"{day(2)}", f"{day(5)}",
         "2", f"{day(5)}", "3"],
    ]  # fmt: skip


def test_ranges_that_make_no_sense_are_refused(db: Database) -> None:
    with db.read() as s:
        for start, end, why in (
            (day(5), day(1), "is before --from"),
            (day(0), clock.today() + timedelta(days=1), "is in the future"),
            (day(0) - timedelta(days=400), day(0), "more than 366 days"),
        ):
            with pytest.raises(ValidationError) as info:
                edd_reliability(s, start=start, end=end)
            assert info.value.field == "to" and why in info.value.message
        with pytest.raises(ValidationError, match="is not a known site"):
            edd_reliability(s, start=day(0), end=day(1), site="Nowhere")


def test_the_red2green_strip_shows_the_last_14_days(db: Database) -> None:
    today = clock.today()
    with clock_at(datetime.combine(today - timedelta(days=3), time(9))), db.unit_of_work("w") as s:
        sid = spells.admit(
            s,
            patient=patient(70),
            site=LRI,
            ward="Ward 1",
            admitted_at=datetime.combine(today - timedelta(days=3), time(8)),
        ).id
        care.record_red2green(s, spell_id=sid, day=today - timedelta(days=3), colour="green")
    with db.unit_of_work("w") as s:
        care.record_red2green(
            s, spell_id=sid, day=today - timedelta(days=1), colour="red", reason="MRI", today=today
        )
        care.record_red2green(s, spell_id=sid, day=today, colour="green", today=today)
    with db.read() as s:
        days = strip(s, sid, today=today)
    assert len(days) == 14 and days[-1].day == today
    assert [(d.colour, d.in_hospital) for d in days[-4:]] == [
        ("green", True),
        (None, True),
        ("red", True),
        ("green", True),
    ]
    assert not days[-5].in_hospital and days[-2].reason == "MRI"
