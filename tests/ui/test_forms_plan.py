"""The plan tab saves what it shows and shows what is saved: each control is driven as
a user would, saved with Ctrl+S, read back from the database, and reloaded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from discharge_hub.errors import ValidationError
from discharge_hub.models import CtrReview, DelayReason, EddChange, Red2GreenDay, Spell
from discharge_hub.services import spells
from discharge_hub.ui.hub.dialogs import DelayReasonDialog
from tests.conftest import TODAY
from tests.ui.forms_support import (
    choose,
    click,
    open_patient,
    reload,
    save,
    save_refused,
    type_into,
)


def _meeting(window):
    """An open spell that still meets the criteria to reside, with no hub placement."""
    return next(
        r
        for r in window.model.all_rows()
        if r.discharge_ready_date is None and r.placement_state is None
    )


def _reviews(db, spell_id: int) -> list[tuple]:
    with db.read() as s:
        return [
            (r.review_date, r.meets_criteria, tuple(sorted(c.criterion_code for c in r.criteria)))
            for r in s.scalars(
                select(CtrReview).where(CtrReview.spell_id == spell_id).order_by(CtrReview.id)
            )
        ]


# --- criteria to reside ----------------------------------------------------------------


def _with_last_review(window, db, meets: bool | None):
    """A board row still meeting the criteria whose last review said ``meets`` (None:
    never reviewed)."""
    for row in window.model.all_rows():
        if row.discharge_ready_date is not None or row.placement_state is not None:
            continue
        reviews = _reviews(db, row.spell_id)
        last = max(reviews, key=lambda r: r[0])[1] if reviews else None
        if last is meets:
            return row
    raise AssertionError(f"demo data has no patient whose last review is {meets}")


def test_still_meets_with_nothing_ticked_is_refused_not_saved_as_no_longer_meets(
    qtbot, main_window, demo_db
):
    row = _with_last_review(main_window, demo_db, True)
    before = _reviews(demo_db, row.spell_id)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    assert plan.criteria.meets.isChecked()  # the last review's answer, with its criteria
    assert [c for c, b in plan.criteria.boxes.items() if b.isChecked()] == list(before[-1][2])
    click(qtbot, plan.ctr_record)
    for box in plan.criteria.boxes.values():  # nothing applies any more, the user thinks
        if box.isChecked():
            click(qtbot, box)
    assert plan.criteria.meets.isChecked()  # but "still meets" is left selected
    err = save_refused(qtbot, workspace)

    assert isinstance(err, ValidationError) and err.field == "ctr.criteria"
    assert "tick the criterion that still applies" in plan.ctr_section.error_text("criteria")
    assert "tick the criterion that still applies" in workspace.banner.text()
    assert plan.ctr_record.isChecked() and plan.criteria.meets.isChecked()  # kept as chosen
    assert _reviews(demo_db, row.spell_id) == before
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).discharge_ready_date is None

    # ticking the criterion that applies saves a "still meets" review with it
    click(qtbot, plan.criteria.boxes["03"])
    save(qtbot, workspace)
    assert _reviews(demo_db, row.spell_id) == [*before, (TODAY, True, ("03",))]
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).discharge_ready_date is None
    reload(qtbot, workspace)
    assert plan.criteria.meets.isChecked() and not plan.criteria.no_longer.isChecked()
    assert [c for c, b in plan.criteria.boxes.items() if b.isChecked()] == ["03"]
    assert not plan.ctr_record.isChecked()


def test_a_first_review_needs_an_answer_and_a_criterion(qtbot, main_window, demo_db):
    row = _with_last_review(main_window, demo_db, None)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    # never reviewed: neither answer is shown as if it had been given
    assert not plan.criteria.meets.isChecked() and not plan.criteria.no_longer.isChecked()
    assert "not reviewed yet" in workspace.header.text()
    click(qtbot, plan.ctr_record)
    err = save_refused(qtbot, workspace)
    assert isinstance(err, ValidationError) and err.field == "ctr.criteria"
    assert "choose whether" in plan.ctr_section.error_text("criteria")
    click(qtbot, plan.criteria.meets)
    err = save_refused(qtbot, workspace)
    assert "tick the criterion that still applies" in plan.ctr_section.error_text("criteria")
    assert _reviews(demo_db, row.spell_id) == []
    click(qtbot, plan.criteria.boxes["02"])
    save(qtbot, workspace)
    assert _reviews(demo_db, row.spell_id) == [(TODAY, True, ("02",))]
    assert "meets criteria" in workspace.header.text()


def test_picker_reloads_showing_no_longer_meets(qtbot, main_window, demo_db, dialogs):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    click(qtbot, plan.ctr_record)
    click(qtbot, plan.criteria.no_longer)
    dialogs.answer(DelayReasonDialog, "A06")  # NCTR from today: the delay reason
    save(qtbot, workspace)
    assert _reviews(demo_db, row.spell_id)[-1] == (TODAY, False, ())
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).discharge_ready_date == TODAY

    reload(qtbot, workspace)
    assert plan.criteria.no_longer.isChecked() and not plan.criteria.meets.isChecked()
    assert not any(b.isChecked() for b in plan.criteria.boxes.values())
    assert "no longer meets" in plan.last_review.text()
    assert "meets criteria" not in workspace.header.text()

    # starting a review and then deciding not to record it puts the picker back
    click(qtbot, plan.ctr_record)
    click(qtbot, plan.criteria.meets)
    click(qtbot, plan.criteria.boxes["01"])
    click(qtbot, plan.ctr_record)
    assert plan.criteria.no_longer.isChecked()
    assert not any(b.isChecked() for b in plan.criteria.boxes.values())
    assert not workspace.is_dirty()


def test_an_existing_no_longer_meets_patient_opens_showing_it(qtbot, main_window, demo_db):
    row = next(r for r in main_window.model.all_rows() if r.discharge_ready_date is not None)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    assert workspace.plan.criteria.no_longer.isChecked()
    assert _reviews(demo_db, row.spell_id)[-1][1] is False


# --- pathway, referral, delay reason, next action ------------------------------------


def test_pathway_delay_reason_and_next_action_round_trip(qtbot, main_window, demo_db):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    assert not plan.referral_notes.isEnabled()  # notes go with a referral only
    choose(plan.pathway, "P2")
    click(qtbot, plan.refer)
    type_into(qtbot, plan.referral_notes, "Rehab bed, lives alone")
    choose(plan.delay_reason, "A04")
    type_into(qtbot, plan.next_action, "Chase bed offer")
    save(qtbot, workspace)
    with demo_db.read() as s:
        spell = s.get(Spell, row.spell_id)
        reason = s.get(DelayReason, spell.delay_reason_id)
        assert (spell.pathway_code, reason.code, spell.next_action) == (
            "P2",
            "A04",
            "Chase bed offer",
        )
    reload(qtbot, workspace)
    assert plan.pathway.currentData() == "P2"
    assert plan.delay_reason.currentData() == "A04"
    assert plan.next_action.text() == "Chase bed offer"
    assert "REFERRED (P2)" in plan.referral_state.text()

    choose(plan.delay_reason, None)
    type_into(qtbot, plan.next_action, "")
    save(qtbot, workspace)
    with demo_db.read() as s:
        spell = s.get(Spell, row.spell_id)
        assert (spell.pathway_code, spell.delay_reason_id, spell.next_action) == ("P2", None, None)
    reload(qtbot, workspace)
    assert plan.delay_reason.currentData() is None and plan.next_action.text() == ""


def test_a_delay_reason_no_longer_on_the_list_is_shown_and_kept(qtbot, main_window, demo_db):
    row = _meeting(main_window)
    with demo_db.unit_of_work("other.nurse") as s:
        spells.set_delay_reason(s, spell_id=row.spell_id, expected_version=None, delay_reason="A07")
        for reason in s.scalars(select(DelayReason).where(DelayReason.code == "A07")):
            reason.active = False  # a new version of the list retired it
    with qtbot.waitSignal(main_window.refs_loaded, timeout=10_000):
        main_window.load_references()
    assert main_window.refs is not None
    assert "A07" not in {c.code for c in main_window.refs.delay_reasons}

    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    assert plan.delay_reason.currentData() == "A07"
    assert "A07" in plan.delay_reason.currentText()
    type_into(qtbot, plan.next_action, "Phone the family")
    save(qtbot, workspace)
    with demo_db.read() as s:
        spell = s.get(Spell, row.spell_id)
        assert s.get(DelayReason, spell.delay_reason_id).code == "A07"
        assert spell.next_action == "Phone the family"


# --- EDD and its reason ------------------------------------------------------------------


def test_edd_and_reason_round_trip(qtbot, main_window, demo_db):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    new_edd = TODAY + timedelta(days=12)
    type_into(qtbot, plan.edd, f"{new_edd:%d/%m/%Y}")
    type_into(qtbot, plan.edd_reason, "Waiting for a care home assessment")
    save(qtbot, workspace)
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).edd == new_edd
        change = s.scalars(
            select(EddChange)
            .where(EddChange.spell_id == row.spell_id)
            .order_by(EddChange.id.desc())
        ).first()
        assert (change.new_edd, change.reason) == (new_edd, "Waiting for a care home assessment")
    reload(qtbot, workspace)
    assert plan.edd.text() == f"{new_edd:%d/%m/%Y}" and plan.edd_reason.text() == ""
    assert plan.edd_model.rows()[0].reason == "Waiting for a care home assessment"

    # the same date typed another way is no change (nothing to save, no reason asked)
    type_into(qtbot, plan.edd, new_edd.isoformat())
    assert not workspace.is_dirty()


def test_a_saved_edd_change_is_shown_at_the_top_of_a_scrolled_history(qtbot, main_window, demo_db):
    """Found in a real window: after a save the EDD history stayed scrolled down, the new
    entry out of sight above. A reload with nothing new keeps the place read."""
    row = _meeting(main_window)
    for n in range(8):
        with demo_db.unit_of_work("test") as s:
            spells.set_edd(
                s, spell_id=row.spell_id, expected_version=None,
                edd=TODAY + timedelta(days=2 + n), reason=f"Change {n}",
            )  # fmt: skip
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    bar = plan.edd_table.verticalScrollBar()
    # The history is longer than its table (the view lays its rows out after a load).
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    bar.setValue(bar.maximum())
    reload(qtbot, workspace)
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    assert bar.value() == bar.maximum()  # nothing new: still where it was read
    type_into(qtbot, plan.edd, f"{TODAY + timedelta(days=20):%d/%m/%Y}")
    type_into(qtbot, plan.edd_reason, "Awaiting a care home bed")
    save(qtbot, workspace)
    qtbot.waitUntil(lambda: plan.edd_model.rows()[0].reason == "Awaiting a care home bed")
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    assert bar.value() == 0


def test_an_edd_reason_with_no_edd_change_is_refused_not_dropped(qtbot, main_window, demo_db):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    with demo_db.read() as s:
        changes_before = len(
            s.scalars(select(EddChange).where(EddChange.spell_id == row.spell_id)).all()
        )
    type_into(qtbot, plan.edd_reason, "Family asked for Monday")
    assert workspace.is_dirty()
    err = save_refused(qtbot, workspace)
    assert isinstance(err, ValidationError) and err.field == "edd.reason"
    assert "change the EDD or clear it" in plan.edd_section.error_text("reason")
    assert plan.edd_reason.text() == "Family asked for Monday"
    with demo_db.read() as s:
        after = s.scalars(select(EddChange).where(EddChange.spell_id == row.spell_id)).all()
        assert len(after) == changes_before


# --- Red2Green -------------------------------------------------------------------------


def _r2g_today(db, spell_id: int) -> tuple | None:
    with db.read() as s:
        e = s.scalars(
            select(Red2GreenDay).where(Red2GreenDay.spell_id == spell_id, Red2GreenDay.day == TODAY)
        ).one_or_none()
        return (e.colour, e.reason) if e else None


def test_red2green_colour_reason_and_not_recorded_round_trip(qtbot, main_window, demo_db):
    row = _meeting(main_window)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    assert not plan.r2g_reason.isEnabled()  # a reason belongs to a red day
    click(qtbot, plan.r2g_red)
    type_into(qtbot, plan.r2g_reason, "Waiting for MRI")
    save(qtbot, workspace)
    assert _r2g_today(demo_db, row.spell_id) == ("red", "Waiting for MRI")
    reload(qtbot, workspace)
    assert plan.r2g_red.isChecked() and plan.r2g_reason.text() == "Waiting for MRI"

    click(qtbot, plan.r2g_green)  # the red reason does not follow onto a green day
    assert plan.r2g_reason.text() == "" and not plan.r2g_reason.isEnabled()
    save(qtbot, workspace)
    assert _r2g_today(demo_db, row.spell_id) == ("green", None)
    reload(qtbot, workspace)
    assert plan.r2g_green.isChecked() and plan.r2g_reason.text() == ""

    click(qtbot, plan.r2g_none)  # "Not recorded" removes today's entry
    assert workspace.is_dirty()
    save(qtbot, workspace)
    assert _r2g_today(demo_db, row.spell_id) is None
    reload(qtbot, workspace)
    assert plan.r2g_none.isChecked()
