"""Past days as they were: the sitrep, the huddle and its PDF for day D show what held at
the end of D, whatever was changed afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pypdf
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.reports import render, sitrep
from discharge_hub.reports.common import day_end_utc
from discharge_hub.reports.delay_trend import weekly_delay_days
from discharge_hub.reports.huddle_data import HuddleFigures, huddle_figures
from discharge_hub.reports.red2green import export_rows
from discharge_hub.services import board, care, ctr, hub, spells
from tests.conftest import patient
from tests.history_support import clock_at
from tests.reports.conftest import LCH, LRI, Fixture, at

GLENFIELD = "Glenfield Hospital"


def sitrep_values(db: Database, on: date) -> dict[tuple[str, str, str], int]:
    with db.read() as s:
        return {(r.site, r.measure, r.breakdown): r.value for r in sitrep.sitrep(s, on=on)}


def sitrep_bytes(db: Database, on: date) -> bytes:
    with db.read() as s:
        return render.sitrep_csv(s, on=on)


# --- a patient moved between sites on D+1 ------------------------------------------------


def _moved_patient(db: Database, d: date) -> int:
    """Admitted at LRI on D-8; ready for discharge since D-3 (P1, A05, reablement
    waiting); red on D; moved to Glenfield on D+1 (red again); discharged on D+2."""

    def when(days: int, hour: int) -> datetime:
        return datetime.combine(d + timedelta(days=days), time(hour))

    with clock_at(when(-8, 11)), db.unit_of_work("pas") as s:
        sid = spells.admit(s, patient=patient(40), site=LRI, ward="Ward 7", bed="B9",
                           admitted_at=when(-8, 10)).id  # fmt: skip
    with clock_at(when(-3, 12)), db.unit_of_work("ward") as s:
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
        ctr.record_ctr_review(s, spell_id=sid, expected_version=None,
                                 review_date=d - timedelta(days=3), criteria=[])  # fmt: skip
        spells.set_delay_reason(s, spell_id=sid, expected_version=None, delay_reason="A05")
        hub.request_placement(s, spell_id=sid, expected_version=None, service_type="reablement")
    for day, site, ward in ((0, None, None), (1, GLENFIELD, "Ward 1")):
        with clock_at(when(day, 11)), db.unit_of_work("ward") as s:
            if site:
                spells.transfer(s, spell_id=sid, expected_version=None, ward=ward, site=site)
            care.record_red2green(s, spell_id=sid, day=d + timedelta(days=day), colour="red",
                                  reason="Waiting for the package")  # fmt: skip
    with clock_at(when(2, 16)), db.unit_of_work("ward") as s:
        spells.discharge(s, spell_id=sid, expected_version=None, discharged_at=when(2, 15),
                         destination="19", method="1")  # fmt: skip
    return sid


OPEN_MEASURES = {
    ("inpatients", ""): 1,
    ("nctr", ""): 1,
    ("nctr_by_pathway", "P1"): 1,
    ("nctr_by_delay_reason", "A05"): 1,
    ("los_7plus", ""): 1,
}


def test_a_patient_moved_on_d_plus_1_counts_at_each_site_on_its_day(db: Database) -> None:
    d = clock.today() - timedelta(days=4)
    _moved_patient(db, d)
    for day, here, there in ((d, LRI, GLENFIELD), (d + timedelta(days=1), GLENFIELD, LRI)):
        values = sitrep_values(db, day)
        for (measure, breakdown), n in OPEN_MEASURES.items():
            assert values[(here, measure, breakdown)] == n, (day, here, measure)
            assert values.get((there, measure, breakdown), 0) == 0, (day, there, measure)
        assert values[(here, "delay_days", "")] == (day - d).days + 3
        with db.read() as s:
            at_here = huddle_figures(s, on=day, site=here)
            at_there = huddle_figures(s, on=day, site=there)
        assert (at_here.inpatients, at_here.nctr, at_here.placements_waiting) == (1, 1, 1)
        assert (at_there.inpatients, at_there.nctr, at_there.placements_waiting) == (0, 0, 0)
        assert [(w.site, w.red) for w in at_here.red2green_by_ward] == [(here, 1)]
        assert at_here.red_day_reasons[0].label == "Waiting for the package"
        with db.read() as s:
            mine = weekly_delay_days(s, start=day, end=day, site=here)[1]
            theirs = weekly_delay_days(s, start=day, end=day, site=there)[1]
        assert (sum(w.total for w in mine), sum(w.total for w in theirs)) == (1, 0)
    with db.read() as s:
        days = export_rows(s, start=d, end=d + timedelta(days=1))
    assert [(row[0], row[2], row[3]) for row in days] == [
        (f"{d:%Y-%m-%d}", LRI, "Ward 7"),
        (f"{d + timedelta(days=1):%Y-%m-%d}", GLENFIELD, "Ward 1"),
    ]
    gone = sitrep_values(db, d + timedelta(days=2))  # discharged from where they were then
    assert (gone[(GLENFIELD, "discharged", "")], gone[(LRI, "discharged", "")]) == (1, 0)


# --- later changes leave day D as it was ------------------------------------------------


def _change_a_b_c(s: Session, fx: Fixture) -> None:
    """Pathway, delay reason and DRD changes to A, B and C."""
    a, b, c = fx.ids["A"], fx.ids["B"], fx.ids["C"]
    spells.set_pathway(s, spell_id=a, expected_version=None, pathway="P2")
    spells.set_delay_reason(s, spell_id=a, expected_version=None, delay_reason="A14")
    spells.set_delay_reason(s, spell_id=b, expected_version=None, delay_reason="A02")
    ctr.record_ctr_review(s, spell_id=b, expected_version=None,  # meets again: no DRD
                             review_date=clock.today(), criteria=["03"])  # fmt: skip
    late = fx.on - timedelta(days=1)  # a review of D-1, recorded late
    ctr.record_ctr_review(s, spell_id=c, expected_version=None, review_date=late,
                             criteria=[], meets=False)  # fmt: skip
    spells.transfer(s, spell_id=a, expected_version=None, ward="Charnwood", site=LCH)


def test_changes_on_d_plus_1_leave_the_sitrep_of_d_byte_for_byte(fixture: Fixture) -> None:
    fx, d = fixture, fixture.on
    before = sitrep_bytes(fx.db, d)
    next_day = sitrep_values(fx.db, d + timedelta(days=1))
    with clock_at(at(1, 10)), fx.db.unit_of_work("ward") as s:
        _change_a_b_c(s, fx)
    assert sitrep_bytes(fx.db, d) == before
    after = sitrep_values(fx.db, d + timedelta(days=1))  # the changes did happen on D+1
    assert after[("ALL", "nctr_by_pathway", "P3")] == next_day[("ALL", "nctr_by_pathway", "P3")] - 1
    assert after[(LCH, "inpatients", "")] == next_day[(LCH, "inpatients", "")] + 1
    assert after[("ALL", "nctr_by_delay_reason", "A02")] == 0  # B meets the criteria again


def test_the_huddle_pdf_of_d_is_the_same_file_after_later_edits(fixture: Fixture) -> None:
    fx, d = fixture, fixture.on
    with fx.db.read() as s:
        figures = huddle_figures(s, on=d)
        first = render.huddle_report(s, on=d, site=None, printed_by="jsmith")
    with fx.db.unit_of_work("ward") as s:
        _change_a_b_c(s, fx)
        spells.set_next_action(s, spell_id=fx.ids["D"], expected_version=None, next_action="Taxi")
        spells.set_edd(s, spell_id=fx.ids["B"], expected_version=None,
                       edd=clock.today() + timedelta(days=2), reason="Later")  # fmt: skip
        care.log_contact(s, spell_id=fx.ids["B"], contact_at=at(0, 15), with_whom="Wife",
                         method="phone", discussed="Plan")  # logged late, about D  # fmt: skip
        care.add_carer(s, spell_id=fx.ids["C"], name="Tom Brown")
        care.add_barrier(s, spell_id=fx.ids["D"], kind="transport", description="Book it")
        hub.request_placement(s, spell_id=fx.ids["A"], expected_version=None,
                              service_type="community_rehab")  # fmt: skip
    with fx.db.read() as s:
        assert unversioned(huddle_figures(s, on=d)) == unversioned(figures)
        again = render.huddle_report(s, on=d, site=None, printed_by="jsmith")
        today = huddle_figures(s, on=clock.today())
    assert again == first
    assert ward_lists(again) == ward_lists(first)
    moved = next(r for r in today.rows if r.spell_id == fx.ids["A"])  # the edits are there
    assert (moved.site, moved.ward, moved.pathway) == (LCH, "Charnwood", "P2")


def unversioned(f: HuddleFigures) -> HuddleFigures:
    """The figures without the rows' record versions (the version to open the record
    with now, not part of what the day showed)."""
    return replace(f, rows=tuple(replace(r, version=0) for r in f.rows))


def ward_lists(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = [line for page in reader.pages[1:] for line in page.extract_text().splitlines()]
    return [line for line in text if "Page " not in line]


def test_a_past_day_is_stamped_as_at_its_end_and_today_with_the_print_time(
    sqlite_fixture: Fixture,
) -> None:
    fx = sqlite_fixture
    with fx.db.read() as s:
        past = pypdf.PdfReader(io.BytesIO(render.huddle_report(s, on=fx.on, site=LRI,
                                                                printed_by="jsmith")))  # fmt: skip
        today = pypdf.PdfReader(io.BytesIO(render.huddle_report(
            s, on=clock.today(), site=LRI, printed_by="jsmith",
            printed_at=datetime(2026, 3, 2, 9, 15, tzinfo=clock.LONDON))))  # fmt: skip
    footer = f"As at the end of {fx.on:%d/%m/%Y} (UK time); printed by jsmith"
    assert all(footer in page.extract_text() for page in past.pages)
    assert past.metadata is not None and past.metadata.creation_date is not None
    assert past.metadata.creation_date == day_end_utc(fx.on)
    assert "Printed 02/03/2026 09:15 by jsmith" in today.pages[0].extract_text()


def test_the_huddle_of_today_from_the_history_equals_the_board(fixture: Fixture) -> None:
    fx = fixture
    with fx.db.unit_of_work("ward") as s:
        _change_a_b_c(s, fx)
        care.record_red2green(s, spell_id=fx.ids["B"], day=clock.today(), colour="green")
    with fx.db.read() as s:
        from_history = huddle_figures(s, on=clock.today()).rows
        now = board.board(s, today=clock.today())
    assert list(from_history) == now
    assert {r.red2green for r in now} == {None, "green"}


def test_a_move_recorded_late_with_its_earlier_time_changes_that_day(fixture: Fixture) -> None:
    """The remaining simplification (docs/sitrep.md): a feed's late event rewrites the
    past it belongs to."""
    fx, d = fixture, fixture.on
    before = sitrep_values(fx.db, d)
    with fx.db.unit_of_work("pas") as s:
        spells.transfer(s, spell_id=fx.ids["C"], expected_version=None, ward="Charnwood",
                        site=LCH, effective_at=at(0, 20))  # fmt: skip
    after = sitrep_values(fx.db, d)
    assert after[(LRI, "inpatients", "")] == before[(LRI, "inpatients", "")] - 1
    assert after[(LCH, "inpatients", "")] == before[(LCH, "inpatients", "")] + 1
    assert day_end_utc(d) > clock.as_utc(at(0, 20))
