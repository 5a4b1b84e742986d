"""A criteria-to-reside review saves the reviewer's own answer (still meets / no longer
meets), never one guessed from the ticked criteria; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from discharge_hub.db import Database
from discharge_hub.models import CtrReview
from discharge_hub.services import ctr, history, spells
from discharge_hub.services import workspace as ws
from tests.core_support import Action, admit, days, refused


def _review(spell_id: int, criteria: list[str], **kw: object) -> Action:
    return lambda s: ctr.record_ctr_review(
        s,
        spell_id=spell_id,
        expected_version=None,
        review_date=days(-1),
        criteria=criteria,
        **kw,  # type: ignore[arg-type]
    )


def test_meets_with_no_criterion_is_refused_and_writes_nothing(db: Database) -> None:
    spell = admit(db, days_ago=3)
    err = refused(db, _review(spell.id, [], meets=True), field="criteria")
    assert "tick the criterion that still applies" in err.message
    with db.read() as s:
        assert spells.get_spell(s, spell.id).discharge_ready_date is None
        assert history.ctr_reviews(s, spell.id) == []


def test_no_longer_meets_with_criteria_ticked_is_refused(db: Database) -> None:
    spell = admit(db, days_ago=3)
    err = refused(db, _review(spell.id, ["01"], meets=False), field="criteria")
    assert "01" in err.message and "no longer meets" in err.message


def test_the_explicit_answer_is_what_is_stored(db: Database) -> None:
    spell = admit(db, days_ago=3)
    with db.unit_of_work("nurse") as s:
        _review(spell.id, ["02", "01"], meets=True)(s)
        _review(spell.id, [], meets=False)(s)
    with db.read() as s:
        first, second = history.ctr_reviews(s, spell.id)
        assert (first.meets_criteria, first.criteria) == (True, ("01", "02"))
        assert (second.meets_criteria, second.criteria) == (False, ())
        assert spells.get_spell(s, spell.id).discharge_ready_date == days(-1)


def test_callers_that_pass_criteria_only_keep_their_meaning(db: Database) -> None:
    spell = admit(db, days_ago=3)
    with db.unit_of_work("importer") as s:
        _review(spell.id, [])(s)
    with db.read() as s:
        assert [r.meets_criteria for r in history.ctr_reviews(s, spell.id)] == [False]


def _save(spell_id: int, entry: ws.CtrEntry, next_action: str | None = None) -> Action:
    changes = ws.WorkspaceChanges(
        ctr=entry, next_action_changed=next_action is not None, next_action=next_action
    )
    return lambda s: ws.save(
        s, spell_id=spell_id, expected_version=None, changes=changes, today=days(0)
    )


def test_workspace_save_refuses_meets_without_criteria_naming_the_field(db: Database) -> None:
    spell = admit(db, days_ago=3)
    entry = ws.CtrEntry(f"{days(0):%d/%m/%Y}", (), meets=True)
    # all or nothing: the next action typed in the same form is not written either
    err = refused(db, _save(spell.id, entry, "Chase TTOs"), field="ctr.criteria")
    assert "tick the criterion that still applies" in err.message


def test_workspace_save_carries_the_answer(db: Database) -> None:
    spell = admit(db, days_ago=3)
    with db.unit_of_work("nurse") as s:
        _save(spell.id, ws.CtrEntry(f"{days(-2):%d/%m/%Y}", ("03",), meets=True))(s)
        _save(spell.id, ws.CtrEntry(f"{days(0):%d/%m/%Y}", (), meets=False))(s)
    with db.read() as s:
        rows = s.execute(
            select(CtrReview.review_date, CtrReview.meets_criteria)
            .where(CtrReview.spell_id == spell.id)
            .order_by(CtrReview.id)
        ).all()
        assert [tuple(r) for r in rows] == [(days(-2), True), (days(0), False)]
        assert spells.get_spell(s, spell.id).discharge_ready_date == days(0)
