"""Criteria-to-reside reviews: the reviewer's answer, recorded with the criteria that
apply, and the discharge ready date derived again from the whole dated history
(``services/drd.py``, the NHS England rule)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.errors import ValidationError
from discharge_hub.models import Criterion, CtrReview, CtrReviewCriterion, DelayReason, Spell
from discharge_hub.services.common import actor_of, check_code, open_spell
from discharge_hub.services.drd import derive_drd
from discharge_hub.services.spells import admission_date, spell_view
from discharge_hub.services.views import SpellView
from discharge_hub.validators import TEXT, optional_text


def check_review_date(review_date: date, admitted_on: date, *, today: date) -> None:
    """A criteria-to-reside review is dated from the admission to today."""
    if review_date < admitted_on:
        raise ValidationError(
            "review_date",
            dates.uk_date(review_date),
            f"is before the admission on {dates.uk_date(admitted_on)}",
        )
    if review_date > today:
        raise ValidationError("review_date", dates.uk_date(review_date), "is in the future")


def record_ctr_review(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    review_date: date,
    criteria: list[str],
    meets: bool | None = None,
    note: str | None = None,
    today: date | None = None,
) -> SpellView:
    """Record the reviewer's answer (``meets``: still meets the criteria to reside, with
    the ``criteria`` that apply; or no longer meets: ready for discharge, no criteria)
    and re-derive the discharge ready date from the whole dated history.

    The answer is never guessed from the ticked criteria when it is given: "still
    meets" with nothing ticked is refused, not saved as its opposite. ``meets=None``
    keeps the older callers' meaning (no criteria: no longer meets); forms pass it."""
    spell = open_spell(session, spell_id, expected_version=expected_version)
    check_review_date(review_date, admission_date(spell), today=today or clock.today())
    codes = sorted({check_code(session, Criterion, "criteria", c) for c in criteria})
    meets = bool(codes) if meets is None else meets
    check_answer(meets, codes)
    earlier = _reviews_of(session, spell.id)  # before the new one is added: one flush
    review = CtrReview(
        spell_id=spell.id,
        review_date=review_date,
        meets_criteria=meets,
        note=optional_text(note, "note", kind=TEXT),
        reviewed_by=actor_of(session),
        recorded_at=clock.now(),
        criteria=[CtrReviewCriterion(criterion_code=c) for c in codes],
    )
    session.add(review)
    # The new review is the latest recorded: last among those of its date.
    spell.discharge_ready_date = derive_drd([*earlier, (review_date, meets)])
    _clear_delay_reason_if_meets(session, spell, review)
    session.flush()
    return spell_view(session, spell)


def _clear_delay_reason_if_meets(session: Session, spell: Spell, review: CtrReview) -> None:
    """A patient who meets the criteria to reside again (no DRD) is not delayed: a delay
    reason left from when they did not is cleared, and the review's note says so (the
    audit trail has the old code)."""
    if spell.discharge_ready_date is not None or spell.delay_reason_id is None:
        return
    reason = session.get(DelayReason, spell.delay_reason_id)
    spell.delay_reason_id = None
    said = f"{reason.code} {reason.label}" if reason is not None else "the delay reason"
    cleared = f"Delay reason cleared ({said}): meets the criteria to reside again."
    review.note = f"{review.note} {cleared}" if review.note else cleared


def check_answer(meets: bool, codes: list[str]) -> None:
    if meets and not codes:
        raise ValidationError(
            "criteria",
            None,
            'tick the criterion that still applies (or choose "no longer meets the '
            'criteria to reside")',
        )
    if not meets and codes:
        raise ValidationError(
            "criteria",
            None,
            f"{', '.join(codes)} ticked, but the review says the patient no longer meets "
            'the criteria to reside: untick them or choose "still meets"',
        )


def _reviews_of(session: Session, spell_id: int) -> list[tuple[date, bool]]:
    """The spell's reviews (date, meets) in the order they were recorded."""
    rows = session.execute(
        select(CtrReview.review_date, CtrReview.meets_criteria)
        .where(CtrReview.spell_id == spell_id)
        .order_by(CtrReview.review_date, CtrReview.id)
    ).all()
    return [(d, m) for d, m in rows]
