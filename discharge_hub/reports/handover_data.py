"""The handover summary of one spell, arranged under the PRSB eDischarge headings.

The core decides what is printed: each :class:`Section` holds only fields that have
a value, and optional headings with nothing to say are left out, so the printed
summary never says "None". The PDF builder only lays the sections out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import NotFoundError
from discharge_hub.models import (
    DelayReason,
    Destination,
    EthnicCategory,
    Method,
    Pathway,
    Patient,
    Place,
    ServiceType,
    Spell,
)
from discharge_hub.services import care, hub
from discharge_hub.services.board_rows import age_on
from discharge_hub.validators import format_nhs_number

SEX = {"F": "Female", "M": "Male", "U": "Not known"}
MEDICINES_AND_DEVICES = ("tto", "equipment")
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Grid:
    """A small table inside a section: a title, column headings and rows of text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    heading: str
    fields: tuple[tuple[str, str], ...] = ()
    grids: tuple[Grid, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.fields and not self.grids


@dataclass(frozen=True)
class HandoverSummary:
    spell_id: int
    nhs_number: str
    name: str  # FAMILY, Given
    date_of_birth: date
    discharged: bool
    sections: tuple[Section, ...] = field(default=())

    @property
    def headings(self) -> list[str]:
        return [s.heading for s in self.sections]


def _fields(*pairs: tuple[str, object]) -> tuple[tuple[str, str], ...]:
    """Only the pairs with something to say; booleans as Yes/No."""
    out = []
    for label, value in pairs:
        if value is None or value == "":
            continue
        text = ("Yes" if value else "No") if isinstance(value, bool) else str(value)
        out.append((label, text))
    return tuple(out)


def _d(value: date | None) -> str | None:
    return f"{value:%d/%m/%Y}" if value else None


def _dt(value: datetime | None) -> str | None:
    return f"{clock.local(value):%d/%m/%Y %H:%M}" if value else None


def _label(session: Session, model: type, code: str | None) -> str | None:
    if not code:
        return None
    row = session.get(model, code)
    return f"{code} – {row.label}" if row is not None else code


def _demographics(session: Session, p: Patient, on: date) -> Section:
    place = session.get(Place, p.place_code) if p.place_code else None
    ethnic = session.get(EthnicCategory, p.ethnic_category_code) if p.ethnic_category_code else None
    return Section(
        "Patient demographics",
        _fields(
            ("Name", f"{p.family_name.upper()}, {p.given_name}"),
            ("NHS number", format_nhs_number(p.nhs_number)),
            ("Date of birth", f"{p.date_of_birth:%d/%m/%Y} (age {age_on(p.date_of_birth, on)})"),
            ("Sex", SEX.get(p.sex, p.sex)),
            ("Postcode", p.postcode),
            ("Council (place)", f"{place.name} – {place.council}" if place else None),
            ("Ethnic category", ethnic.label if ethnic else None),
        ),
    )


def _admission(spell: Spell, on: date) -> Section:
    admitted = clock.local_date(spell.admitted_at)
    end = clock.local_date(spell.discharged_at) if spell.discharged_at else on
    return Section(
        "Admission details",
        _fields(
            ("Hospital", spell.site.name),
            ("Ward", spell.ward.name),
            ("Bed", spell.bed.label if spell.bed else None),
            ("Admitted", _dt(spell.admitted_at)),
            ("Specialty", spell.specialty),
            ("Length of stay", f"{(end - admitted).days} days"),
        ),
    )


def _discharge(session: Session, spell: Spell) -> Section:
    pathway = _label(session, Pathway, spell.pathway_code)
    if spell.discharged_at is None:
        reason = session.get(DelayReason, spell.delay_reason_id) if spell.delay_reason_id else None
        return Section(
            "Discharge details",
            _fields(
                ("Status", "Not yet discharged: planned discharge"),
                ("Estimated discharge date", _d(spell.edd) or NOT_RECORDED),
                ("Discharge ready date", _d(spell.discharge_ready_date)),
                ("Planned pathway", pathway),
                ("Delay reason", f"{reason.code} – {reason.label}" if reason else None),
            ),
        )
    return Section(
        "Discharge details",
        _fields(
            ("Discharged", _dt(spell.discharged_at)),
            ("Destination", _label(session, Destination, spell.destination_code)),
            ("Method", _label(session, Method, spell.method_code)),
            ("Pathway", pathway),
            ("Discharge ready date", _d(spell.discharge_ready_date)),
        ),
    )


def _contacts_grid(contacts: Sequence[care.ContactView]) -> tuple[Grid, ...]:
    if not contacts:
        return ()
    rows = tuple(
        (
            _dt(c.contact_at) or "",
            c.with_whom + (" (interpreter)" if c.interpreter_used else ""),
            c.method.replace("_", " "),
            c.discussed,
            c.agreed or "",
        )
        for c in contacts
    )
    header = ("When", "With", "How", "Discussed", "Agreed")
    return (Grid("Discussions with the patient and carers", header, rows),)


def _plan(
    spell: Spell,
    placements: Sequence[hub.PlacementView],
    barriers: Iterable[care.BarrierView],
    referrals: Sequence[hub.ReferralView],
    services: dict[str, str],
) -> Section:
    open_barriers = [
        b for b in barriers if b.state == "open" and b.kind not in MEDICINES_AND_DEVICES
    ]
    grids = []
    if placements:
        grids.append(
            Grid(
                "Services requested (intermediate care and placements)",
                ("Service", "Provider", "State", "Start date", "Funding"),
                tuple(
                    (
                        services.get(p.service_type, p.service_type),
                        p.provider or "",
                        p.state_label,
                        _d(p.start_date) or "",
                        p.funding or "",
                    )
                    for p in placements
                ),
            )
        )
    if open_barriers:
        grids.append(
            Grid(
                "Outstanding actions",
                ("Action", "Owner", "Due"),
                tuple((b.description, b.owner or "", _d(b.due_date) or "") for b in open_barriers),
            )
        )
    latest = referrals[-1] if referrals else None
    return Section(
        "Plan and requested actions",
        _fields(
            ("Next action", spell.next_action),
            (
                "Hub referral",
                f"{latest.pathway}, {latest.state} {_d(clock.local_date(latest.referred_at))}"
                if latest
                else None,
            ),
        ),
        tuple(grids),
    )


def _social(p: Patient, spell: Spell, carers: Sequence[care.CarerView]) -> Section:
    grids: tuple[Grid, ...] = ()
    if carers:
        rows = tuple(
            (
                c.name + (" (main carer)" if c.is_main_carer else ""),
                c.relationship or "",
                c.contact or "",
                "Yes" if c.consent_to_share else "No",
                ", ".join(
                    x
                    for x in (c.language, "interpreter needed" if c.interpreter_needed else None)
                    if x
                ),
                " ".join(x for x in (c.assessment_status, _d(c.assessment_on)) if x),
            )
            for c in carers
        )
        header = (
            "Carer",
            "Relationship",
            "Contact",
            "Consent to share",
            "Language",
            "Carer's assessment",
        )
        grids = (Grid("Carers", header, rows),)
    return Section(
        "Social context",
        _fields(("Lives alone", p.lives_alone), ("Home environment", spell.home_environment)),
        grids,
    )


def _medications(barriers: Iterable[care.BarrierView]) -> Section:
    items = [b for b in barriers if b.kind in MEDICINES_AND_DEVICES and b.state != "cancelled"]
    if not items:
        return Section("Medications and medical devices")
    rows = tuple(
        (
            "Medicines to take out" if b.kind == "tto" else "Equipment",
            b.description,
            "Done" if b.state == "resolved" else "Outstanding",
            b.owner or "",
        )
        for b in items
    )
    return Section(
        "Medications and medical devices",
        grids=(Grid("", ("Item", "Detail", "Status", "Owner"), rows),),
    )


def _distribution(
    p: Patient, carers: Sequence[care.CarerView], placements: Sequence[hub.PlacementView]
) -> Section:
    people = ["Patient"]
    if p.gp_practice:
        people.append(f"GP practice: {p.gp_practice}")
    people += [f"{c.name} ({c.relationship or 'carer'})" for c in carers if c.consent_to_share]
    active = ("declined", "cancelled")
    people += sorted({pl.provider for pl in placements if pl.provider and pl.state not in active})
    return Section(
        "Distribution list", tuple((f"{i}.", who) for i, who in enumerate(people, start=1))
    )


def handover_summary(
    session: Session, *, spell_id: int, printed_by: str, printed_at: datetime
) -> HandoverSummary:
    """The summary of one spell as it stands now (open or discharged)."""
    spell = session.get(Spell, spell_id)
    if spell is None:
        raise NotFoundError(f"No spell with id {spell_id}.")
    p = spell.patient
    on = clock.local_date(printed_at)
    carers = care.carers_for(session, spell_id)
    contacts = care.contacts_for(session, spell_id)
    barriers = care.barriers_for(session, spell_id)
    placements = hub.placements_for(session, spell_id)
    referrals = hub.referrals_for(session, spell_id)
    services = {
        c: label for c, label in session.execute(select(ServiceType.code, ServiceType.label))
    }
    optional = [
        Section(
            "Individual requirements",
            _fields(
                ("Communication", p.communication_needs),
                ("Preferred language", p.preferred_language),
                ("Interpreter", "Needed" if p.interpreter_needed else None),
            ),
        ),
        Section(
            "Legal information",
            _fields(
                ("Mental capacity", spell.capacity_notes),
                ("Lasting power of attorney", spell.lasting_power_of_attorney),
            ),
        ),
        Section(
            "Patient and carer concerns, expectations and wishes",
            _fields(("Patient's wishes", spell.patient_wishes)),
            _contacts_grid(contacts),
        ),
        _plan(spell, placements, barriers, referrals, services),
        Section("Safety alerts", _fields(("Alerts", spell.safety_alerts))),
        _social(p, spell, carers),
        _medications(barriers),
        Section("Information and advice given", _fields(("Given", spell.information_given))),
    ]
    sections = [
        _demographics(session, p, on),
        Section("GP practice", _fields(("Practice", p.gp_practice or NOT_RECORDED))),
        _admission(spell, on),
        _discharge(session, spell),
        *(s for s in optional if not s.empty),
        Section(
            "Person completing record",
            _fields(
                ("Prepared by", printed_by),
                ("Prepared at", _dt(printed_at)),
                ("Record last updated", f"{_dt(spell.updated_at)} by {spell.updated_by}"),
            ),
        ),
        _distribution(p, carers, placements),
    ]
    return HandoverSummary(
        spell_id=spell.id,
        nhs_number=p.nhs_number,
        name=f"{p.family_name.upper()}, {p.given_name}",
        date_of_birth=p.date_of_birth,
        discharged=spell.discharged_at is not None,
        sections=tuple(sections),
    )
