"""The PAS import as it was before issue 8: every row through the services, one by one,
in one unit of work (each row in a savepoint). Kept as the reference the bulk import
(``discharge_hub.importer``) must match: same rows refused with the same reasons, same
rows, versions and audit trail (``tests/test_import_bulk.py``)."""

# ruff: noqa: E501
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.importer.extract import (
    EDD_REASON,
    Codes,
    Extract,
    ExtractRow,
    ImportResult,
    ImportRowsError,
    RowProblem,
    check_rows,
)
from discharge_hub.models import CtrReview, DelayReason, Patient, Spell
from discharge_hub.services import ctr, patients, spells
from discharge_hub.services.drd import derive_drd


def import_rows(
    database: Database,
    extract: Extract,
    *,
    actor: str,
    skip_invalid: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Check and apply every row in one transaction. All-or-nothing unless
    ``skip_invalid``: then valid rows are kept and the others returned as rejected."""
    on = today or clock.today()
    result = ImportResult()
    problems: list[RowProblem] = []
    with database.unit_of_work(actor) as session:
        for row in check_rows(extract, Codes.load(session), on):
            found = list(row.problems)
            if not found:
                try:
                    with session.begin_nested():  # a refused row leaves no trace
                        outcome = _apply(session, row, on)
                    setattr(result, outcome, getattr(result, outcome) + 1)
                except ValidationError as exc:
                    value = "" if exc.value is None else str(exc.value)
                    found = [RowProblem(row.number, exc.field, value, exc.reason)]
            if found:
                problems += found
                reason = "; ".join(str(p).split(", ", 1)[1] for p in found)
                result.rejected.append((row.record, reason))
        if problems and not skip_invalid:
            raise ImportRowsError(extract.source, problems)  # rolls everything back
    return result


def _open_spell(session: Session, patient: Patient) -> Spell | None:
    return session.scalars(
        select(Spell).where(Spell.patient_id == patient.id, Spell.discharged_at.is_(None))
    ).one_or_none()


def _apply(session: Session, row: ExtractRow, today: date) -> str:
    """Admit or update one row's spell; returns created / updated / unchanged."""
    assert row.details is not None and row.admitted_at is not None
    patient = patients.by_nhs_number(session, row.details.nhs_number)
    details = _merged(patient, row) if patient else row.details
    spell = _open_spell(session, patient) if patient else None
    if spell is None:
        view = spells.admit(
            session,
            patient=details,
            site=row.site,
            ward=row.ward,
            bed=row.bed,
            admitted_at=row.admitted_at,
        )
        spell = session.get(Spell, view.id)
        assert spell is not None
        _update_spell(session, spell, row, today)
        return "created"
    assert patient is not None
    before = (patient.version, spell.version)
    _check_same_admission(spell, row)
    patients.upsert(session, details)
    _update_spell(session, spell, row, today)
    session.flush()
    return "updated" if (patient.version, spell.version) != before else "unchanged"


def _merged(patient: Patient, row: ExtractRow) -> patients.PatientDetails:
    """The extract's demographics, keeping what the hub has where a cell is empty."""
    d = row.details
    assert d is not None
    return replace(
        d,
        sex=d.sex if row.cells.get("sex") else patient.sex,
        postcode=d.postcode or patient.postcode,
        place=d.place or patient.place_code,
        gp_practice=patient.gp_practice,
        ethnic_category=d.ethnic_category or patient.ethnic_category_code,
        preferred_language=d.preferred_language or patient.preferred_language,
        interpreter_needed=True if d.preferred_language else patient.interpreter_needed,
        lives_alone=patient.lives_alone,
        communication_needs=patient.communication_needs,
    )


def _check_same_admission(spell: Spell, row: ExtractRow) -> None:
    assert row.admitted_at is not None
    ours = clock.local(spell.admitted_at).replace(tzinfo=None)
    if row.admitted_has_time:
        same = ours.replace(second=0, microsecond=0) == row.admitted_at.replace(second=0)
    else:
        same = ours.date() == row.admitted_at.date()
    if not same:
        raise ValidationError(
            "admitted_at",
            row.cells["admitted_at"],
            f"differs from the open spell's admission ({ours:%d/%m/%Y %H:%M}): discharge or "
            "correct that spell in the app first",
        )


def _update_spell(session: Session, spell: Spell, row: ExtractRow, today: date) -> None:
    """Apply what differs, through the services (each change audited)."""
    bed = spell.bed.label if spell.bed else None
    moved = spell.site.name != row.site or spell.ward.name != row.ward
    if moved or (row.bed and row.bed != bed):
        spells.transfer(
            session,
            spell_id=spell.id,
            expected_version=None,
            site=row.site,
            ward=row.ward,
            bed=row.bed,
        )
    if row.edd and row.edd != spell.edd:
        spells.set_edd(
            session,
            spell_id=spell.id,
            expected_version=None,
            edd=row.edd,
            reason=EDD_REASON,
            today=today,
        )
    if row.drd and row.drd != spell.discharge_ready_date:
        _check_drd(session, spell, row.drd)
        ctr.record_ctr_review(
            session,
            spell_id=spell.id,
            expected_version=None,
            review_date=row.drd,
            criteria=[],
            note=EDD_REASON,
            today=today,
        )
    if row.pathway and row.pathway != spell.pathway_code:
        spells.set_pathway(session, spell_id=spell.id, expected_version=None, pathway=row.pathway)
    if row.delay_reason:
        current = session.get(DelayReason, spell.delay_reason_id) if spell.delay_reason_id else None
        if current is None or current.code != row.delay_reason:
            spells.set_delay_reason(
                session, spell_id=spell.id, expected_version=None, delay_reason=row.delay_reason
            )


def _check_drd(session: Session, spell: Spell, drd: date) -> None:
    """The DRD is derived from the dated reviews: a "no longer meets" review on the
    extract's date must give that DRD, or the import would repeat it on every run."""
    history = [
        (d, bool(m))
        for d, m in session.execute(
            select(CtrReview.review_date, CtrReview.meets_criteria)
            .where(CtrReview.spell_id == spell.id)
            .order_by(CtrReview.review_date, CtrReview.id)
        )
    ]
    derived = derive_drd([*history, (drd, False)])
    if derived == drd:
        return
    if derived is None:
        later = max(d for d, m in history if m)
        why = f"the hub records the patient meeting the criteria to reside on {later:%d/%m/%Y}"
    else:
        why = f"the hub's criteria-to-reside reviews give the earlier DRD {derived:%d/%m/%Y}"
    raise ValidationError(
        "discharge_ready_date",
        f"{drd:%d/%m/%Y}",
        f"conflicts with the hub's record: {why}; record the review in the app",
    )
