"""The read phase of the PAS import: everything the services would look at for the
rows of a file, loaded in a few set-based queries from one read session.

The patients of the file, their open spells (with the site, ward, bed and delay
reason the per-row import compared the extract with), the estate, and, for the spells
whose discharge ready date or pathway the file may change, the criteria-to-reside
history and the active placements the services' rules depend on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from discharge_hub.importer.extract import (
    Codes,
    ExtractRow,
)
from discharge_hub.importer.records import Rec
from discharge_hub.models import (
    Base,
    Bed,
    CtrReview,
    DelayReason,
    EddChange,
    Pathway,
    Patient,
    Placement,
    Site,
    Spell,
    Ward,
)
from discharge_hub.models.base import BOOKKEEPING_COLUMNS

CHUNK = 1000  # values per IN list (SQLite allows 32,766 bound parameters)
T = TypeVar("T")
Ref = int | Rec  # an existing row's id, or a row to be inserted
INSERT_ORDER: tuple[type[Base], ...] = (Ward, Bed, Patient, Spell, EddChange, CtrReview)
ACTIVE_PLACEMENT = Placement.state.not_in(("declined", "cancelled"))


@dataclass
class SpellFacts:
    """An open spell and the names the per-row import compared the extract with."""

    rec: Rec
    site: str
    ward: str
    bed: str | None
    delay_code: str | None


@dataclass
class Snapshot:
    today: date
    codes: Codes
    site_ids: dict[str, int]
    wards: dict[tuple[int, str], int]
    beds: dict[tuple[int, str], int]
    delay_ids: dict[str, int]  # code → id of its newest active list version
    through_hub: dict[str, bool]
    patients: dict[str, Rec] = field(default_factory=dict)  # NHS number → patient
    open_spells: dict[int, SpellFacts] = field(default_factory=dict)  # patient id → spell
    reviews: dict[int, list[tuple[date, bool]]] = field(default_factory=dict)
    review_marks: dict[int, tuple[int, int]] = field(default_factory=dict)  # count, max id
    # Spells with active placements: (how many are open, whether one has started).
    with_placement: dict[int, tuple[int, bool]] = field(default_factory=dict)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(session: Session, stmt: Any, column: Any, keys: Sequence[Any]) -> Iterator[Any]:
    for part in chunks(sorted(set(keys))):
        yield from session.execute(stmt.where(column.in_(part)))


def read_snapshot(
    session: Session, rows: Sequence[ExtractRow], codes: Codes, today: date
) -> Snapshot:
    delay_ids: dict[str, int] = {}
    for reason_id, code in session.execute(
        select(DelayReason.id, DelayReason.code)
        .where(DelayReason.active.is_(True))
        .order_by(DelayReason.list_version, DelayReason.id)
    ):
        delay_ids[code] = reason_id  # a newer list version replaces an older one
    snap = Snapshot(
        today=today,
        codes=codes,
        site_ids={n: i for i, n in session.execute(select(Site.id, Site.name))},
        wards={(s, n): i for i, s, n in session.execute(select(Ward.id, Ward.site_id, Ward.name))},
        beds={(w, b): i for i, w, b in session.execute(select(Bed.id, Bed.ward_id, Bed.label))},
        delay_ids=delay_ids,
        through_hub={
            c: bool(h) for c, h in session.execute(select(Pathway.code, Pathway.through_hub))
        },
    )
    valid = [r for r in rows if r.details is not None and not r.problems]
    _load_patients(session, snap, [r.details.nhs_number for r in valid if r.details])
    _load_histories(session, snap, valid)
    return snap


def _columns(model: type[Base]) -> list[Any]:
    return list(model.__table__.c)


def _rec(model: type[Base], mapping: dict[str, Any]) -> Rec:
    values = dict(mapping)
    rec_id, version = values.pop("id"), values["version"]
    for key in BOOKKEEPING_COLUMNS:
        values.pop(key, None)
    return Rec(model, values, id=rec_id, version=version)


_NAMES = ("_site", "_ward", "_bed", "_delay")


def _load_patients(session: Session, snap: Snapshot, numbers: list[str]) -> None:
    for row in _in(session, select(*_columns(Patient)), Patient.nhs_number, numbers):
        rec = _rec(Patient, row._mapping)
        snap.patients[rec.values["nhs_number"]] = rec
    stmt = (
        select(*_columns(Spell), Site.name.label("_site"), Ward.name.label("_ward"),
               Bed.label.label("_bed"), DelayReason.code.label("_delay"))
        .join(Site, Site.id == Spell.site_id)
        .join(Ward, Ward.id == Spell.ward_id)
        .outerjoin(Bed, Bed.id == Spell.bed_id)
        .outerjoin(DelayReason, DelayReason.id == Spell.delay_reason_id)
        .where(Spell.discharged_at.is_(None))
    )  # fmt: skip
    ids = [p.id for p in snap.patients.values() if p.id is not None]
    for row in _in(session, stmt, Spell.patient_id, ids):
        mapping = dict(row._mapping)
        site, ward, bed, delay = (mapping.pop(k) for k in _NAMES)
        rec = _rec(Spell, mapping)
        rec.spell = rec
        snap.open_spells[rec.values["patient_id"]] = SpellFacts(rec, site, ward, bed, delay)


def _load_histories(session: Session, snap: Snapshot, rows: list[ExtractRow]) -> None:
    """The criteria-to-reside history of spells whose DRD the file may change, and the
    active placements of spells it may put on a pathway outside the hub."""
    reviewed, pathway_out = [], []
    for row in rows:
        patient = snap.patients.get(row.details.nhs_number) if row.details else None
        facts = snap.open_spells.get(patient.id) if patient and patient.id else None
        if facts is None or facts.rec.id is None:
            continue
        if row.drd:
            reviewed.append(facts.rec.id)
        if row.pathway and not snap.through_hub.get(row.pathway, True):
            pathway_out.append(facts.rec.id)
    stmt = select(CtrReview.spell_id, CtrReview.review_date, CtrReview.meets_criteria, CtrReview.id)
    for spell_id, day, meets, review_id in _in(
        session, stmt.order_by(CtrReview.review_date, CtrReview.id), CtrReview.spell_id, reviewed
    ):
        snap.reviews.setdefault(spell_id, []).append((day, bool(meets)))
        count, top = snap.review_marks.get(spell_id, (0, 0))
        snap.review_marks[spell_id] = (count + 1, max(top, review_id))
    placed = select(Placement.spell_id, Placement.state).where(ACTIVE_PLACEMENT)
    for spell_id, state in _in(session, placed, Placement.spell_id, pathway_out):
        count, started = snap.with_placement.get(spell_id, (0, False))
        snap.with_placement[spell_id] = (count + 1, started or state == "started")


def review_marks_stmt() -> Any:
    """(spell id, number of reviews, newest review id): checked again before writing."""
    return select(CtrReview.spell_id, func.count(), func.max(CtrReview.id)).group_by(
        CtrReview.spell_id
    )
