"""The discharge ready date, derived by the NHS England rule from the dated reviews."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.services import board, ctr, history, spells
from discharge_hub.services.drd import derive_drd
from tests.conftest import admitted
from tests.core_support import Action, admit, days, refused

D = date(2026, 3, 1)


def d(n: int) -> date:
    return D + timedelta(days=n)


MET, NOT_MET = True, False


def test_no_reviews_or_still_meeting_gives_no_drd() -> None:
    assert derive_drd([]) is None
    assert derive_drd([(d(0), MET)]) is None
    assert derive_drd([(d(0), MET), (d(1), MET)]) is None


def test_drd_is_the_first_day_of_not_meeting() -> None:
    assert derive_drd([(d(0), MET), (d(2), NOT_MET)]) == d(2)
    assert derive_drd([(d(0), MET), (d(2), NOT_MET), (d(3), NOT_MET), (d(5), NOT_MET)]) == d(2)


def test_met_not_met_met_not_met_gives_the_start_of_the_last_period() -> None:
    history_ = [(d(0), MET), (d(2), NOT_MET), (d(4), MET), (d(7), NOT_MET), (d(8), NOT_MET)]
    assert derive_drd(history_[:2]) == d(2)
    assert derive_drd(history_[:3]) is None
    assert derive_drd(history_[:4]) == d(7)
    assert derive_drd(history_) == d(7)


def test_reviews_count_by_date_not_by_the_order_they_were_recorded() -> None:
    # A forgotten review from day 4 entered last still ends the first period.
    assert derive_drd([(d(0), MET), (d(2), NOT_MET), (d(7), NOT_MET), (d(4), MET)]) == d(7)
    assert derive_drd([(d(7), NOT_MET), (d(2), NOT_MET)]) == d(2)


def test_same_day_reviews_the_later_record_wins() -> None:
    assert derive_drd([(d(0), NOT_MET), (d(0), MET)]) is None
    assert derive_drd([(d(0), MET), (d(0), NOT_MET)]) == d(0)
    assert derive_drd([(d(0), NOT_MET), (d(1), NOT_MET), (d(1), MET)]) is None
    # Each record is a review: meeting the criteria in the morning of day 1 restarts
    # the period of not meeting them on day 1.
    assert derive_drd([(d(0), NOT_MET), (d(1), MET), (d(1), NOT_MET)]) == d(1)


reviews = st.lists(st.tuples(st.integers(0, 20).map(d), st.booleans()), max_size=25)


@given(reviews)
def test_drd_follows_the_rule_for_any_history(history_: list[tuple[date, bool]]) -> None:
    # The rule restated: in date order (records of one day in the order recorded),
    # the DRD is the date of the first review after the last one that met the criteria.
    ordered = [r for _, r in sorted(enumerate(history_), key=lambda ir: (ir[1][0], ir[0]))]
    drd = derive_drd(history_)
    if not ordered or ordered[-1][1]:
        assert drd is None
        return
    last_met = max((i for i, (_, m) in enumerate(ordered) if m), default=-1)
    assert drd == ordered[last_met + 1][0]
    assert all(not m for day, m in ordered if day > drd)


# --- through the service, on SQLite and PostgreSQL ------------------------------------


def review(
    db: Database, spell_id: int, on: date, criteria: list[str], actor: str = "nurse"
) -> date | None:
    with db.unit_of_work(actor) as s:
        version = spells.get_spell(s, spell_id).version
        view = ctr.record_ctr_review(
            s, spell_id=spell_id, expected_version=version, review_date=on, criteria=criteria
        )
    return view.discharge_ready_date


@pytest.mark.clock_edges
def test_service_derives_and_stores_drd_on_an_open_spell(db: Database) -> None:
    spell = admit(db, days_ago=10)
    assert review(db, spell.id, days(-9), ["02", "03"]) is None
    assert review(db, spell.id, days(-7), []) == days(-7)
    assert review(db, spell.id, days(-5), ["04"]) is None
    assert review(db, spell.id, days(-3), []) == days(-3)
    assert review(db, spell.id, days(-1), []) == days(-3)
    # A review from day -4 entered late (not met) joins the current period.
    assert review(db, spell.id, days(-4), []) == days(-4)
    with db.read() as s:
        assert spells.get_spell(s, spell.id).discharge_ready_date == days(-4)
        [row] = board.board(s, today=clock.today())
        reviews_ = history.ctr_reviews(s, spell.id)
    assert row.discharge_ready_date == days(-4)
    assert row.delay_days == 4 and row.ready_for_discharge
    assert [r.review_date for r in reviews_] == [days(n) for n in (-9, -7, -5, -4, -3, -1)]
    assert reviews_[0].criteria == ("02", "03") and reviews_[0].meets_criteria
    assert reviews_[1].criteria == () and not reviews_[1].meets_criteria
    assert reviews_[0].reviewed_by == "nurse"


@pytest.mark.clock_edges
def test_meeting_the_criteria_again_clears_the_drd_and_the_delay(db: Database) -> None:
    spell = admit(db, days_ago=6)
    review(db, spell.id, days(-4), [])
    assert review(db, spell.id, days(0), ["01"]) is None
    with db.read() as s:
        [row] = board.board(s, today=clock.today())
    assert row.discharge_ready_date is None and row.delay_days is None


@pytest.mark.clock_edges
def test_same_day_reviews_through_the_service(db: Database) -> None:
    spell = admit(db, days_ago=3)
    assert review(db, spell.id, days(-1), []) == days(-1)
    assert review(db, spell.id, days(-1), ["03"]) is None
    assert review(db, spell.id, days(-1), []) == days(-1)


@pytest.mark.clock_edges
def test_finished_spell_keeps_the_start_of_its_final_not_met_period(db: Database) -> None:
    spell = admit(db, days_ago=12)
    review(db, spell.id, days(-10), [])
    review(db, spell.id, days(-8), ["05"])
    review(db, spell.id, days(-6), [])
    review(db, spell.id, days(-5), [])
    with db.unit_of_work("nurse") as s:
        version = spells.get_spell(s, spell.id).version
        done = spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=version,
            discharged_at=admitted(1),
            destination="19",
            method="1",
        )
    assert done.discharge_ready_date == days(-6)
    # No more reviews on a finished spell: its DRD is final.
    err = refused(
        db,
        lambda s: ctr.record_ctr_review(
            s, spell_id=spell.id, expected_version=None, review_date=days(-1), criteria=["01"]
        ),
        field="spell",
    )
    assert "already discharged" in str(err)
    with db.read() as s:
        assert spells.get_spell(s, spell.id).discharge_ready_date == days(-6)
        assert board.board(s, today=clock.today()) == []


@pytest.mark.clock_edges
def test_review_dates_outside_the_spell_are_refused_and_write_nothing(db: Database) -> None:
    spell = admit(db, days_ago=3)

    def at(on: date, criteria: list[str] | None = None) -> Action:
        return lambda s: ctr.record_ctr_review(
            s,
            spell_id=spell.id,
            expected_version=spell.version,
            review_date=on,
            criteria=criteria or [],
        )

    err = refused(db, at(days(-4)), field="review_date")
    assert "before the admission" in str(err) and f"{days(-4):%d/%m/%Y}" in str(err)
    assert "in the future" in str(refused(db, at(days(1)), field="review_date"))
    assert "not a known code" in str(refused(db, at(days(-1), ["01", "99"]), field="criteria"))
    # The admission day itself is a valid review date.
    assert review(db, spell.id, days(-3), []) == days(-3)


def test_validation_error_is_a_domain_error_with_field_value_reason() -> None:
    err = ValidationError("review_date", "01/01/2030", "is in the future")
    assert (err.field, err.value, err.reason) == ("review_date", "01/01/2030", "is in the future")
    assert str(err) == "review_date: '01/01/2030' is in the future"


def _delay(db: Database, spell_id: int, code: str | None) -> None:
    with db.unit_of_work("nurse") as s:
        spells.set_delay_reason(s, spell_id=spell_id, expected_version=None, delay_reason=code)


def test_meeting_the_criteria_again_clears_the_delay_reason_with_a_note(db: Database) -> None:
    spell = admit(db, days_ago=6)
    review(db, spell.id, days(-4), [])
    _delay(db, spell.id, "A14")
    assert review(db, spell.id, days(0), ["01"]) is None
    with db.read() as s:
        assert spells.get_spell(s, spell.id).delay_reason is None
        last = history.ctr_reviews(s, spell.id)[-1]
        trail = history.audit_trail(s, spell.id)
    assert last.note is not None and "Delay reason cleared (A14 " in last.note
    assert "meets the criteria to reside again" in last.note
    cleared = next(a for a in trail if a.field == "delay_reason_code")
    assert (cleared.old_value, cleared.new_value) == ("A14", None)


def test_a_review_that_keeps_the_patient_delayed_keeps_the_delay_reason(db: Database) -> None:
    spell = admit(db, days_ago=6)
    review(db, spell.id, days(-4), [])
    _delay(db, spell.id, "A14")
    # A late "meets" review before the current not-met period: still NCTR from day -1.
    review(db, spell.id, days(-1), [])
    assert review(db, spell.id, days(-2), ["01"]) == days(-1)
    with db.read() as s:
        assert spells.get_spell(s, spell.id).delay_reason == "A14"
        assert all(r.note is None for r in history.ctr_reviews(s, spell.id))
