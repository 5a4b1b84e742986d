"""What held at the end of a past day: SQL over the spells' effective-dated facts.

A value *held at the end of day D* when its fact began before the end of D (00:00 UK
time the next day) and had not been replaced by then: ``valid_from < end <= valid_to``
(or ``valid_to`` NULL). Each fact is joined to the spell through the index on
(spell, kind, valid_from): a seek and a few rows per spell, so the cost follows the
number of spells reported, not the length of the history (``docs/architecture.md``,
"History that holds").

Child records that carry their own times are read as they stood at that instant too:
carers added before it, contacts that happened and were logged before it, barriers
raised before it and not resolved or cancelled by then.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from discharge_hub.models import (
    Barrier,
    Bed,
    Carer,
    CarerContact,
    Patient,
    Site,
    Spell,
    SpellFact,
    Ward,
)
from discharge_hub.models.fact import (
    DELAY_REASON,
    DRD,
    EDD,
    LOCATION,
    NEXT_ACTION,
    PATHWAY,
    PLACEMENT,
)
from discharge_hub.reports.common import day_end_utc
from discharge_hub.services.board import red2green_of


def held(fact: Any, at: datetime) -> Any:
    """The fact row held at instant ``at`` (just before it, for a change at ``at``)."""
    return and_(fact.valid_from < at, or_(fact.valid_to.is_(None), fact.valid_to >= at))


def fact_at(kind: str, at: datetime) -> tuple[Any, Any]:
    """An alias of the facts of ``kind`` and its join condition to :class:`Spell`."""
    fact = aliased(SpellFact, name=f"fact_{kind}")
    return fact, and_(fact.spell_id == Spell.id, fact.kind == kind, held(fact, at))


def open_at(at: datetime) -> Any:
    """Spells admitted before ``at`` and not discharged by then."""
    return and_(
        Spell.admitted_at < at, or_(Spell.discharged_at.is_(None), Spell.discharged_at >= at)
    )


def with_location(stmt: Any, at: datetime) -> tuple[Any, Any, Any, Any]:
    """``stmt`` joined to the site, ward and bed the spell was in at ``at``; returns it
    and the site, ward and bed ids as SQL expressions. A spell with no location fact
    (written around the ORM, without its history) falls back to where it is now,
    rather than dropping out of the report."""
    loc, on = fact_at(LOCATION, at)
    site_id = func.coalesce(loc.site_id, Spell.site_id)
    ward_id = func.coalesce(loc.ward_id, Spell.ward_id)
    bed_id = func.coalesce(loc.bed_id, Spell.bed_id)
    stmt = (
        stmt.outerjoin(loc, on)
        .join(Site, Site.id == site_id)
        .join(Ward, Ward.id == ward_id)
        .outerjoin(Bed, Bed.id == bed_id)
    )
    return stmt, site_id, ward_id, bed_id


def placement_state_at(at: datetime) -> Any:
    """The state of the spell's placement that changed last before ``at`` (the board's
    "latest placement"), as it was then."""
    fact = aliased(SpellFact, name="fact_placement")
    return (
        select(fact.state)
        .where(fact.spell_id == Spell.id, fact.kind == PLACEMENT, held(fact, at))
        .where(fact.state.is_not(None))
        .order_by(fact.valid_from.desc(), fact.placement_id.desc())
        .limit(1)
        .correlate(Spell)
        .scalar_subquery()
    )


def _barriers_open_at(at: datetime) -> Any:
    return and_(
        Barrier.spell_id == Spell.id,
        Barrier.created_at < at,
        or_(Barrier.resolved_at.is_(None), Barrier.resolved_at >= at),
    )


def child_columns(at: datetime) -> list[Any]:
    """Carers, last contact, open barriers and the next barrier, as at ``at``."""
    carers = (
        select(func.count(Carer.id))
        .where(Carer.spell_id == Spell.id, Carer.created_at < at)
        .correlate(Spell)
        .scalar_subquery()
    )
    last_contact = (
        select(func.max(CarerContact.contact_at))
        .where(CarerContact.spell_id == Spell.id, CarerContact.contact_at < at)
        .where(CarerContact.recorded_at < at)
        .correlate(Spell)
        .scalar_subquery()
    )
    barriers = (
        select(func.count(Barrier.id)).where(_barriers_open_at(at)).correlate(Spell)
    ).scalar_subquery()
    next_barrier = (
        select(Barrier.description)
        .where(_barriers_open_at(at))
        .order_by(Barrier.due_date.asc().nulls_last(), Barrier.id)
        .limit(1)
        .correlate(Spell)
        .scalar_subquery()
    )
    return [carers, last_contact, barriers, next_barrier]


def board_at(on: date) -> Any:
    """The board's columns (what ``services.board_rows.row_builder`` reads), in its order, for
    the spells open at the end of ``on``, each as it stood then, with the day's
    Red2Green colour."""
    end = day_end_utc(on)
    edd, edd_on = fact_at(EDD, end)
    drd, drd_on = fact_at(DRD, end)
    path, path_on = fact_at(PATHWAY, end)
    why, why_on = fact_at(DELAY_REASON, end)
    action, action_on = fact_at(NEXT_ACTION, end)
    carers, last_contact, barriers, next_barrier = child_columns(end)
    stmt = select(
        Spell.id, Spell.version, Ward.id, Bed.label, Bed.sort_key, Patient.id,
        Patient.nhs_number, Patient.family_name, Patient.given_name, Patient.date_of_birth,
        Patient.sex, Patient.place_code, Patient.ethnic_category_code,
        Patient.interpreter_needed, Spell.admitted_at, edd.day, drd.day, path.pathway_code,
        why.delay_reason_id, placement_state_at(end), carers, last_contact, barriers,
        action.note, next_barrier, red2green_of(on),
    ).join(Patient, Patient.id == Spell.patient_id)  # fmt: skip
    stmt, _site, _ward, _bed = with_location(stmt, end)
    return (
        stmt.outerjoin(edd, edd_on)
        .outerjoin(drd, drd_on)
        .outerjoin(path, path_on)
        .outerjoin(why, why_on)
        .outerjoin(action, action_on)
        .where(open_at(end))
    )
