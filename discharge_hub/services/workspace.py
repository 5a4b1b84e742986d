"""The patient's discharge workspace: everything about one spell in one read, and one
save that applies a form's pending changes in one unit of work.

A save is all-or-nothing: if any part is refused (validation, conflict) nothing is
written, so the form can be kept as typed and corrected. Validation errors raised
here name the form section and field as ``section.field`` (e.g. ``edd.reason``), so
the UI can put the message next to the right control.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import NotFoundError, ValidationError
from discharge_hub.models import Spell
from discharge_hub.services import care, ctr, history, hub, spells
from discharge_hub.services.board import (
    board_codes,
    board_select,
    board_statement,
    site_id_of,
)
from discharge_hub.services.board_rows import BoardRow, row_builder, to_row
from discharge_hub.services.placements import OpenPlacementsError, PlacementCancel
from discharge_hub.services.views import SpellView
from discharge_hub.validators import parse_date, parse_datetime


@dataclass(frozen=True)
class SpellDetail:
    spell: SpellView
    row: BoardRow | None  # None once discharged (the board shows open spells only)
    edd_history: tuple[history.EddChangeView, ...]
    ctr_reviews: tuple[history.CtrReviewView, ...]
    referrals: tuple[hub.ReferralView, ...]
    placements: tuple[hub.PlacementView, ...]
    barriers: tuple[care.BarrierView, ...]
    carers: tuple[care.CarerView, ...]
    contacts: tuple[care.ContactView, ...]
    red2green: tuple[care.Red2GreenView, ...]
    audit: tuple[history.AuditView, ...]

    @property
    def open_referral(self) -> hub.ReferralView | None:
        return next((r for r in self.referrals if r.state in hub.OPEN_REFERRAL_STATES), None)

    @property
    def audit_mark(self) -> int:
        """The newest audit entry this read saw: give it to
        :func:`~discharge_hub.services.conflicts.changes_since` after a conflict."""
        return max((a.id for a in self.audit), default=0)


@dataclass(frozen=True)
class CtrEntry:
    """A review as the user answered it: ``meets`` is their choice (True: still meets,
    False: no longer meets, None: neither chosen, refused), never inferred from
    ``criteria`` (the ticked codes)."""

    review_date: str
    criteria: tuple[str, ...]
    note: str | None = None
    meets: bool | None = field(kw_only=True)


@dataclass(frozen=True)
class NewBarrier:
    kind: str
    description: str
    owner: str | None = None
    due_date: str | None = None


@dataclass(frozen=True)
class NewContact:
    contact_at: str
    with_whom: str
    method: str
    discussed: str
    carer_id: int | None = None
    interpreter_used: bool = False
    agreed: str | None = None
    next_contact_due: str | None = None


@dataclass(frozen=True)
class NewCarer:
    name: str
    relationship: str | None = None
    contact: str | None = None
    is_main_carer: bool = False
    consent_to_share: bool = False
    language: str | None = None
    interpreter_needed: bool = False


@dataclass(frozen=True)
class Red2GreenEntry:
    day: str
    colour: str | None  # None: not recorded (removes the day's entry)
    reason: str | None = None


@dataclass(frozen=True)
class WorkspaceChanges:
    """What the user changed in the form. Dates are as typed (UK or ISO)."""

    edd: str | None = None  # None: unchanged
    edd_reason: str | None = None  # with no EDD change: refused, never dropped
    ctr: CtrEntry | None = None
    pathway_changed: bool = False
    pathway: str | None = None
    # A pathway off the hub with placements open: cancel them (all, by id and version
    # seen, as listed by the OpenPlacementsError of a first try) in the same save.
    cancel_placements: PlacementCancel | None = None
    refer_to_hub: bool = False
    referral_notes: str | None = None
    delay_reason_changed: bool = False
    delay_reason: str | None = None
    next_action_changed: bool = False
    next_action: str | None = None
    red2green: Red2GreenEntry | None = None
    new_barriers: tuple[NewBarrier, ...] = ()
    resolved_barriers: tuple[tuple[int, int], ...] = ()  # (barrier id, version seen)
    new_carers: tuple[NewCarer, ...] = ()
    new_contacts: tuple[NewContact, ...] = ()
    assessments: tuple[tuple[int, int, str], ...] = ()  # (carer id, version seen, status)

    @property
    def is_empty(self) -> bool:
        return self == WorkspaceChanges()


@dataclass(frozen=True)
class SaveChecks:
    """What the form asks before a save (issue 10)."""

    past_edd: date | None = None  # the new EDD is before today: save anyway?
    needs_delay_reason: bool = False  # the save makes the patient NCTR with no reason

    @property
    def any(self) -> bool:
        return self.past_edd is not None or self.needs_delay_reason


def save_checks(spell: SpellView, c: WorkspaceChanges, *, today: date | None = None) -> SaveChecks:
    """The questions a save should ask first.

    Raises the save's own :class:`ValidationError` (``edd.<field>``) for an EDD before
    today that the save would refuse (before the admission, no reason), so the form
    shows that at once instead of asking "save anyway?" first. Other text that does not
    parse is left to the save, which refuses it with the message next to its field."""
    on = today or clock.today()
    return SaveChecks(
        past_edd=_past_edd(spell, c, on),
        needs_delay_reason=_becomes_nctr(c, on) and not _has_delay_reason(spell, c),
    )


def _past_edd(spell: SpellView, c: WorkspaceChanges, today: date) -> date | None:
    """The new EDD if it is before today and the save would take it."""
    try:
        day = parse_date(c.edd, "edd")
    except ValidationError:
        return None
    if day is None or day >= today:
        return None
    with _section("edd"):
        spells.check_edd(
            day,
            reason=c.edd_reason or "",
            admitted_on=clock.local_date(spell.admitted_at),
            today=today,
        )
    return day


def _becomes_nctr(c: WorkspaceChanges, today: date) -> bool:
    """A review saying "no longer meets the criteria" dated today or before: a DRD."""
    if c.ctr is None or c.ctr.meets is not False:
        return False
    try:
        review_date = parse_date(c.ctr.review_date, "review_date")
    except ValidationError:
        return False
    return review_date is not None and review_date <= today


def _has_delay_reason(spell: SpellView, c: WorkspaceChanges) -> bool:
    return bool(c.delay_reason) if c.delay_reason_changed else spell.delay_reason is not None


def board_row(session: Session, spell_id: int, today: date | None = None) -> BoardRow | None:
    """The board row of one open spell (None if discharged)."""
    on = today or clock.today()
    r = session.execute(board_statement(today=on).where(Spell.id == spell_id)).first()
    return to_row(r, on, board_codes(session)) if r is not None else None


@dataclass(frozen=True)
class BoardRowsUpdate:
    """Fresh board rows for some spells: replace those rows in place, and take out the
    rows of ``removed`` (discharged, gone, or no longer matching the board's filter)."""

    rows: tuple[BoardRow, ...]
    removed: frozenset[int]


def board_rows(
    session: Session,
    spell_ids: Iterable[int],
    *,
    site: str | None = None,
    ward_id: int | None = None,
    today: date | None = None,
) -> BoardRowsUpdate:
    """The board rows of the given spells (a live notification's, or a save's), with
    the board's own filter, in one statement per 500 spells."""
    on = today or clock.today()
    wanted = sorted(set(spell_ids))
    stmt = _rows_statement(bool(site), ward_id is not None)
    params: dict[str, Any] = {"board_today": on} | ({"board_site": site} if site else {})
    if ward_id is not None:
        params["board_ward_id"] = ward_id
    rows: list[BoardRow] = []
    build = row_builder(on, board_codes(session))
    for start in range(0, len(wanted), 500):
        params["spell_ids"] = wanted[start : start + 500]
        rows += [build(r) for r in session.execute(stmt, params)]
    found = {r.spell_id for r in rows}
    return BoardRowsUpdate(tuple(rows), frozenset(i for i in wanted if i not in found))


@lru_cache(maxsize=4)
def _rows_statement(by_site: bool, by_ward: bool) -> Any:
    """The board's SELECT for given spells, built once per filter shape: building it
    was a third of re-fetching one row (bench/bench_live.py)."""
    stmt = board_select().where(Spell.id.in_(bindparam("spell_ids", expanding=True)))
    if by_site:
        stmt = stmt.where(Spell.site_id == site_id_of(bindparam("board_site")))
    if by_ward:
        stmt = stmt.where(Spell.ward_id == bindparam("board_ward_id"))
    return stmt


def spell_detail(session: Session, spell_id: int, *, today: date | None = None) -> SpellDetail:
    """One spell with all its sections, as plain data."""
    if session.get(Spell, spell_id) is None:
        raise NotFoundError(f"No spell with id {spell_id}.")
    return SpellDetail(
        spell=spells.get_spell(session, spell_id),
        row=board_row(session, spell_id, today),
        edd_history=tuple(history.edd_history(session, spell_id)),
        ctr_reviews=tuple(history.ctr_reviews(session, spell_id)),
        referrals=tuple(hub.referrals_for(session, spell_id)),
        placements=tuple(hub.placements_for(session, spell_id)),
        barriers=tuple(care.barriers_for(session, spell_id)),
        carers=tuple(care.carers_for(session, spell_id)),
        contacts=tuple(care.contacts_for(session, spell_id)),
        red2green=tuple(care.red2green_for(session, spell_id)),
        audit=tuple(history.audit_trail(session, spell_id)),
    )


@contextmanager
def _section(name: str) -> Iterator[None]:
    try:
        yield
    except OpenPlacementsError as exc:
        field = f"{name}.{exc.field}"
        raise OpenPlacementsError(field, exc.value, exc.reason, exc.placements) from exc
    except ValidationError as exc:
        raise ValidationError(f"{name}.{exc.field}", exc.value, exc.reason) from exc


class _Version:
    """Checks the version the user saw on the first write to the spell only: later
    writes in the same unit of work see the version that write produced."""

    def __init__(self, expected: int | None) -> None:
        self._expected = expected

    def take(self) -> int | None:
        value, self._expected = self._expected, None
        return value


def save(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    changes: WorkspaceChanges,
    today: date | None = None,
) -> SpellDetail:
    """Apply every pending change of the workspace form; returns the fresh detail."""
    on = today or clock.today()
    version = _Version(expected_version)
    _save_plan(session, spell_id, version, changes, on)
    _save_care(session, spell_id, changes, on)
    return spell_detail(session, spell_id, today=on)


def _save_plan(
    session: Session, spell_id: int, version: _Version, c: WorkspaceChanges, on: date
) -> None:
    _save_edd(session, spell_id, version, c)
    if c.ctr is not None:
        with _section("ctr"):
            _save_ctr(session, spell_id, version, c.ctr, on)
    if c.pathway_changed:
        with _section("pathway"):
            spells.set_pathway(
                session,
                spell_id=spell_id,
                expected_version=version.take(),
                pathway=c.pathway,
                cancel_placements=c.cancel_placements,
            )
    if c.refer_to_hub:
        with _section("referral"):
            hub.refer_to_hub(
                session, spell_id=spell_id, expected_version=version.take(), notes=c.referral_notes
            )
    if c.delay_reason_changed:
        with _section("delay_reason"):
            spells.set_delay_reason(
                session,
                spell_id=spell_id,
                expected_version=version.take(),
                delay_reason=c.delay_reason,
            )
    if c.next_action_changed:
        with _section("next_action"):
            spells.set_next_action(
                session,
                spell_id=spell_id,
                expected_version=version.take(),
                next_action=c.next_action,
            )


def _save_edd(session: Session, spell_id: int, version: _Version, c: WorkspaceChanges) -> None:
    if c.edd is None:
        if (c.edd_reason or "").strip():  # typed, so never dropped without a word
            raise ValidationError(
                "edd.reason", None, "is saved only with a new EDD: change the EDD or clear it"
            )
        return
    with _section("edd"):
        edd = parse_date(c.edd, "edd", required=True)
        assert edd is not None
        spells.set_edd(
            session,
            spell_id=spell_id,
            expected_version=version.take(),
            edd=edd,
            reason=c.edd_reason or "",
        )


def _save_ctr(session: Session, spell_id: int, version: _Version, e: CtrEntry, on: date) -> None:
    review_date = parse_date(e.review_date, "review_date", required=True)
    assert review_date is not None
    if e.meets is None:
        raise ValidationError("criteria", None, "choose whether the patient still meets them")
    ctr.record_ctr_review(
        session,
        spell_id=spell_id,
        expected_version=version.take(),
        review_date=review_date,
        criteria=list(e.criteria),
        meets=e.meets,
        note=e.note,
        today=on,
    )


def _save_care(session: Session, spell_id: int, c: WorkspaceChanges, on: date) -> None:
    if c.red2green is not None:
        with _section("red2green"):
            day = parse_date(c.red2green.day, "day", required=True)
            assert day is not None
            if c.red2green.colour is None:
                care.clear_red2green(session, spell_id=spell_id, day=day, today=on)
            else:
                care.record_red2green(
                    session,
                    spell_id=spell_id,
                    day=day,
                    colour=c.red2green.colour,
                    reason=c.red2green.reason,
                    today=on,
                )
    for b in c.new_barriers:
        with _section("barrier"):
            care.add_barrier(
                session,
                spell_id=spell_id,
                kind=b.kind,
                description=b.description,
                owner=b.owner,
                due_date=parse_date(b.due_date, "due_date"),
            )
    for barrier_id, seen in c.resolved_barriers:
        with _section("barrier"):
            care.resolve_barrier(session, barrier_id=barrier_id, expected_version=seen)
    for carer in c.new_carers:
        with _section("carer"):
            care.add_carer(
                session,
                spell_id=spell_id,
                name=carer.name,
                relationship=carer.relationship,
                contact=carer.contact,
                is_main_carer=carer.is_main_carer,
                consent_to_share=carer.consent_to_share,
                language=carer.language,
                interpreter_needed=carer.interpreter_needed,
            )
    for n in c.new_contacts:
        with _section("contact"):
            when = parse_datetime(n.contact_at, "contact_at", required=True)
            assert when is not None
            care.log_contact(
                session,
                spell_id=spell_id,
                contact_at=when,
                with_whom=n.with_whom,
                method=n.method,
                discussed=n.discussed,
                carer_id=n.carer_id,
                interpreter_used=n.interpreter_used,
                agreed=n.agreed,
                next_contact_due=parse_date(n.next_contact_due, "next_contact_due"),
            )
    for carer_id, seen, status in c.assessments:
        with _section("assessment"):
            care.record_carer_assessment(
                session, carer_id=carer_id, expected_version=seen, status=status
            )


def discharge(
    session: Session,
    *,
    spell_id: int,
    expected_version: int | None,
    discharged_at: str,
    destination: str | None,
    method: str | None,
    pathway: str | None = None,
) -> SpellDetail:
    """Discharge from the form (date/time as typed); returns the fresh detail."""
    with _section("discharge"):
        when = parse_datetime(discharged_at, "discharged_at", required=True)
        assert when is not None
        spells.discharge(
            session,
            spell_id=spell_id,
            expected_version=expected_version,
            discharged_at=when,
            destination=destination or "",
            method=method or "",
            pathway=pathway,
        )
    return spell_detail(session, spell_id)
