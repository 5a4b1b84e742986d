"""Barriers/actions, carers and their communication log, Red2Green days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.errors import ValidationError
from discharge_hub.models import (
    Barrier,
    BarrierKind,
    Carer,
    CarerContact,
    ContactMethod,
    Red2GreenDay,
    Spell,
)
from discharge_hub.services.common import actor_of, check_code, get_for_update, open_spell
from discharge_hub.services.spells import admission_date
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_not_future,
    check_planned,
    optional_text,
    require_text,
    uk_instant,
)

BARRIER_END_STATES = ("resolved", "cancelled")
ASSESSMENT_STATUSES = ("offered", "referred", "declined", "completed")


@dataclass(frozen=True)
class BarrierView:
    id: int
    version: int
    spell_id: int
    kind: str
    description: str
    owner: str | None
    due_date: date | None
    state: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


@dataclass(frozen=True)
class CarerView:
    id: int
    version: int
    spell_id: int
    name: str
    relationship: str | None
    contact: str | None
    is_main_carer: bool
    consent_to_share: bool
    language: str | None
    interpreter_needed: bool
    assessment_status: str | None
    assessment_on: date | None


@dataclass(frozen=True)
class ContactView:
    id: int
    spell_id: int
    carer_id: int | None
    contact_at: datetime
    with_whom: str
    method: str
    interpreter_used: bool
    discussed: str
    agreed: str | None
    next_contact_due: date | None
    recorded_by: str


@dataclass(frozen=True)
class Red2GreenView:
    id: int
    version: int
    spell_id: int
    day: date
    colour: str
    reason: str | None


def _barrier_view(b: Barrier) -> BarrierView:
    return BarrierView(
        id=b.id,
        version=b.version,
        spell_id=b.spell_id,
        kind=b.kind_code,
        description=b.description,
        owner=b.owner,
        due_date=b.due_date,
        state=b.state,
        resolved_at=b.resolved_at,
        resolved_by=b.resolved_by,
        resolution=b.resolution,
    )


def carer_view(c: Carer) -> CarerView:
    return CarerView(
        id=c.id,
        version=c.version,
        spell_id=c.spell_id,
        name=c.name,
        relationship=c.relationship_to_patient,
        contact=c.contact,
        is_main_carer=c.is_main_carer,
        consent_to_share=c.consent_to_share,
        language=c.language,
        interpreter_needed=c.interpreter_needed,
        assessment_status=c.assessment_status,
        assessment_on=c.assessment_on,
    )


def contact_view(c: CarerContact) -> ContactView:
    return ContactView(
        id=c.id,
        spell_id=c.spell_id,
        carer_id=c.carer_id,
        contact_at=c.contact_at,
        with_whom=c.with_whom,
        method=c.method_code,
        interpreter_used=c.interpreter_used,
        discussed=c.discussed,
        agreed=c.agreed,
        next_contact_due=c.next_contact_due,
        recorded_by=c.recorded_by,
    )


def check_due_date(due_date: date | None, admitted_on: date, *, today: date) -> None:
    """A barrier's due date: not before the admission, at most about a year ahead."""
    if due_date is None:
        return
    if due_date < admitted_on:
        raise ValidationError("due_date", dates.uk_date(due_date), "is before the admission")
    check_planned(due_date, "due_date", today=today)


def check_barrier_end(state: str, to_state: str, description: str) -> None:
    """An open barrier is resolved or cancelled, once."""
    if to_state not in BARRIER_END_STATES:
        raise ValidationError("state", to_state, "must be resolved or cancelled")
    if state != "open":
        raise ValidationError("barrier", description, f"is already {state}")


def add_barrier(
    session: Session,
    *,
    spell_id: int,
    kind: str,
    description: str,
    owner: str | None = None,
    due_date: date | None = None,
) -> BarrierView:
    spell = open_spell(session, spell_id, expected_version=None)
    check_due_date(due_date, admission_date(spell), today=clock.today())
    barrier = Barrier(
        spell_id=spell.id,
        kind_code=check_code(session, BarrierKind, "kind", kind),
        description=require_text(description, "description", kind=TEXT, max_length=1000),
        owner=optional_text(owner, "owner", kind=NAME, max_length=100),
        due_date=due_date,
        state="open",
    )
    session.add(barrier)
    session.flush()
    return _barrier_view(barrier)


def resolve_barrier(
    session: Session,
    *,
    barrier_id: int,
    expected_version: int | None,
    state: str = "resolved",
    resolution: str | None = None,
) -> BarrierView:
    barrier = get_for_update(session, Barrier, barrier_id, expected_version=expected_version)
    check_barrier_end(barrier.state, state, barrier.description)
    barrier.state = state
    barrier.resolved_at = clock.now()
    barrier.resolved_by = actor_of(session)
    barrier.resolution = optional_text(resolution, "resolution", kind=TEXT, max_length=1000)
    session.flush()
    return _barrier_view(barrier)


def barriers_for(session: Session, spell_id: int) -> list[BarrierView]:
    rows = session.scalars(select(Barrier).where(Barrier.spell_id == spell_id).order_by(Barrier.id))
    return [_barrier_view(b) for b in rows]


def add_carer(
    session: Session,
    *,
    spell_id: int,
    name: str,
    relationship: str | None = None,
    contact: str | None = None,
    is_main_carer: bool = False,
    consent_to_share: bool = False,
    language: str | None = None,
    interpreter_needed: bool = False,
) -> CarerView:
    # The carer log is social care's too: the spell is read, not locked (common.get_for_update).
    spell = open_spell(session, spell_id, expected_version=None, lock=False)
    carer = Carer(
        spell_id=spell.id,
        name=require_text(name, "name", kind=NAME, max_length=160),
        relationship_to_patient=optional_text(
            relationship, "relationship", kind=NAME, max_length=60
        ),
        contact=optional_text(contact, "contact", kind=NAME, max_length=160),
        is_main_carer=is_main_carer,
        consent_to_share=consent_to_share,
        language=optional_text(language, "language", kind=NAME, max_length=60),
        interpreter_needed=interpreter_needed,
    )
    session.add(carer)
    session.flush()
    return carer_view(carer)


def check_assessment_status(status: str) -> None:
    if status not in ASSESSMENT_STATUSES:
        raise ValidationError(
            "assessment_status", status, f"must be one of {', '.join(ASSESSMENT_STATUSES)}"
        )


def check_assessment_on(when: date, admitted_on: date) -> None:
    if when < admitted_on:
        raise ValidationError(
            "assessment_on",
            dates.uk_date(when),
            f"is before the admission on {dates.uk_date(admitted_on)}",
        )


def record_carer_assessment(
    session: Session,
    *,
    carer_id: int,
    expected_version: int | None,
    status: str,
    on: date | None = None,
) -> CarerView:
    """Care Act s10: record the carer's assessment as offered, referred or declined."""
    check_assessment_status(status)
    carer = get_for_update(session, Carer, carer_id, expected_version=expected_version)
    when = check_not_future(on or clock.today(), "assessment_on", today=clock.today())
    spell = session.get(Spell, carer.spell_id)
    if spell is not None:
        check_assessment_on(when, admission_date(spell))
    carer.assessment_status = status
    carer.assessment_on = when
    session.flush()
    return carer_view(carer)


def check_contact_at(contact_at: datetime, admitted_on: date) -> datetime:
    """A contact that has happened, during the spell; returned as aware UTC."""
    instant = uk_instant(contact_at, "contact_at")
    if instant > clock.now():
        raise ValidationError("contact_at", dates.uk_datetime(contact_at), "is in the future")
    if clock.local_date(instant) < admitted_on:
        raise ValidationError(
            "contact_at", dates.uk_datetime(contact_at), "is before the admission"
        )
    return instant


def check_next_contact(due: date | None, contact: datetime, *, today: date) -> None:
    """The next contact is due on or after this one, at most about a year ahead."""
    if due is None:
        return
    if due < clock.local_date(contact):
        raise ValidationError("next_contact_due", dates.uk_date(due), "is before the contact")
    check_planned(due, "next_contact_due", today=today)


def log_contact(
    session: Session,
    *,
    spell_id: int,
    contact_at: datetime,
    with_whom: str,
    method: str,
    discussed: str,
    carer_id: int | None = None,
    interpreter_used: bool = False,
    agreed: str | None = None,
    next_contact_due: date | None = None,
) -> ContactView:
    """Add an entry to the communication log with the patient or a carer."""
    spell = open_spell(session, spell_id, expected_version=None, lock=False)
    instant = check_contact_at(contact_at, admission_date(spell))
    if carer_id is not None:
        carer = session.get(Carer, carer_id)
        if carer is None or carer.spell_id != spell.id:
            raise ValidationError("carer", carer_id, "is not a carer of this patient")
    check_next_contact(next_contact_due, instant, today=clock.today())
    entry = CarerContact(
        spell_id=spell.id,
        carer_id=carer_id,
        contact_at=instant,  # the view shows it as stored: aware UTC
        with_whom=require_text(with_whom, "with_whom", kind=NAME, max_length=160),
        method_code=check_code(session, ContactMethod, "method", method),
        interpreter_used=interpreter_used or method == "interpreter",
        discussed=require_text(discussed, "discussed", kind=TEXT, max_length=4000),
        agreed=optional_text(agreed, "agreed", kind=TEXT, max_length=4000),
        next_contact_due=next_contact_due,
        recorded_by=actor_of(session),
        recorded_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    return contact_view(entry)


def carers_for(session: Session, spell_id: int) -> list[CarerView]:
    return [
        carer_view(c)
        for c in session.scalars(
            select(Carer)
            .where(Carer.spell_id == spell_id)
            .order_by(Carer.is_main_carer.desc(), Carer.id)
        )
    ]


def contacts_for(session: Session, spell_id: int) -> list[ContactView]:
    return [
        contact_view(c)
        for c in session.scalars(
            select(CarerContact)
            .where(CarerContact.spell_id == spell_id)
            .order_by(CarerContact.contact_at.desc(), CarerContact.id.desc())
        )
    ]


def check_red2green_day(day: date, admitted_on: date, today: date) -> None:
    """A day's colour is given at that day's board round, or caught up the next day:
    today or yesterday, never earlier (the past stays as it was reported), never later."""
    if day > today or day < today - timedelta(days=1):
        raise ValidationError(
            "day", dates.uk_date(day), "can be recorded for today or yesterday only"
        )
    if day < admitted_on:
        raise ValidationError(
            "day", dates.uk_date(day), f"is before the admission on {dates.uk_date(admitted_on)}"
        )


def check_red2green_colour(colour: str, reason: str | None) -> tuple[str, str | None]:
    """(colour, reason) cleaned: red or green, and a red day says why."""
    colour = (colour or "").strip().lower()
    if colour not in ("red", "green"):
        raise ValidationError("colour", colour, "must be red or green")
    why = optional_text(reason, "reason", kind=TEXT, max_length=500)
    if colour == "red" and not why:
        raise ValidationError("reason", reason, "is required for a red day")
    return colour, why


def record_red2green(
    session: Session,
    *,
    spell_id: int,
    day: date,
    colour: str,
    reason: str | None = None,
    today: date | None = None,
) -> Red2GreenView:
    """Mark today or yesterday red or green (a red day needs its reason). One entry per
    day: a second record for the same day replaces the first (audited)."""
    spell = open_spell(session, spell_id, expected_version=None)
    colour, why = check_red2green_colour(colour, reason)
    check_red2green_day(day, admission_date(spell), today or clock.today())
    entry = session.scalars(
        select(Red2GreenDay).where(Red2GreenDay.spell_id == spell.id, Red2GreenDay.day == day)
    ).one_or_none()
    if entry is None:
        entry = Red2GreenDay(spell_id=spell.id, day=day, colour=colour, reason=why)
        session.add(entry)
    else:
        entry.colour, entry.reason = colour, why
    session.flush()
    return Red2GreenView(
        entry.id, entry.version, entry.spell_id, entry.day, entry.colour, entry.reason
    )


def clear_red2green(
    session: Session, *, spell_id: int, day: date, today: date | None = None
) -> None:
    """Back to "not recorded" for that day (the removal is audited)."""
    spell = open_spell(session, spell_id, expected_version=None)
    check_red2green_day(day, admission_date(spell), today or clock.today())
    entry = session.scalars(
        select(Red2GreenDay).where(Red2GreenDay.spell_id == spell.id, Red2GreenDay.day == day)
    ).one_or_none()
    if entry is not None:
        session.delete(entry)
        session.flush()


def red2green_for(session: Session, spell_id: int) -> list[Red2GreenView]:
    return [
        Red2GreenView(e.id, e.version, e.spell_id, e.day, e.colour, e.reason)
        for e in session.scalars(
            select(Red2GreenDay).where(Red2GreenDay.spell_id == spell_id).order_by(Red2GreenDay.day)
        )
    ]
