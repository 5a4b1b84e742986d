"""What each row of a PAS extract changes, decided before anything is written.

:class:`Plan` replays, row by row in file order, what the per-row import did through
the services (``spells.admit``, ``patients.upsert``, ``spells.transfer``,
``set_edd``, ``record_ctr_review``, ``set_pathway``, ``set_delay_reason``) on the
:class:`~discharge_hub.importer.snapshot.Snapshot` of one read session:

- the same rules refuse the same rows with the same messages (shared validators,
  ``patients.clean_details``; the rest restated here next to the service it mirrors),
  and every check runs before any change, so a refused row leaves no trace;
- the changes, the version counters and the audit rows are those of the services'
  flushes, recorded on :class:`~discharge_hub.importer.records.Rec` objects;
- it lists what the write phase must find unchanged under its write lock
  (:class:`Guard`), so a change by another user since the read is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.errors import ValidationError
from discharge_hub.importer.extract import EDD_REASON, ExtractRow, ImportResult, RowProblem
from discharge_hub.importer.records import NOW, AuditRow, Rec
from discharge_hub.importer.snapshot import INSERT_ORDER, Ref, Snapshot, SpellFacts
from discharge_hub.models import Base, Bed, CtrReview, EddChange, Patient, Spell, Ward
from discharge_hub.services import patients
from discharge_hub.services.drd import derive_drd
from discharge_hub.services.spells import bed_sort_key
from discharge_hub.validators import check_admitted_at, check_planned


@dataclass
class Guard:
    """What the plan relied on that another user could change before the write."""

    new_patients: list[str] = field(default_factory=list)  # NHS numbers still unknown
    readmitted: list[int] = field(default_factory=list)  # patients still without open spell
    new_wards: list[tuple[int, str]] = field(default_factory=list)  # (site id, name)
    new_beds: list[tuple[int, str]] = field(default_factory=list)  # (existing ward id, label)
    reviews: dict[int, tuple[int, int]] = field(default_factory=dict)  # spell → count, max id
    no_placement: list[int] = field(default_factory=list)  # spells still without one


class Plan:
    """The import's changes: new rows per table, changed existing rows, audit rows."""

    def __init__(self, snap: Snapshot, actor: str) -> None:
        self.snap, self.actor = snap, actor
        self.new: dict[type[Base], list[Rec]] = {m: [] for m in INSERT_ORDER}
        self.updated: list[Rec] = []
        self.audit: list[AuditRow] = []
        self.result = ImportResult()
        self.problems: list[RowProblem] = []
        self.guard = Guard()
        self._wards: dict[tuple[int, str], Ref] = dict(snap.wards)
        self._beds: dict[tuple[Ref, str], Ref] = dict(snap.beds)  # type: ignore[arg-type]
        self._touched: set[int] = set()

    # --- rows ------------------------------------------------------------------------

    def add(self, row: ExtractRow) -> None:
        """Plan one row, or record why it is refused."""
        found = list(row.problems)
        if not found:
            try:
                outcome = self._apply(row)
                setattr(self.result, outcome, getattr(self.result, outcome) + 1)
            except ValidationError as exc:
                value = "" if exc.value is None else str(exc.value)
                found = [RowProblem(row.number, exc.field, value, exc.reason)]
        if found:
            self.problems += found
            reason = "; ".join(str(p).split(", ", 1)[1] for p in found)
            self.result.rejected.append((row.record, reason))

    def _apply(self, row: ExtractRow) -> str:
        """Admit or update one row's spell; returns created / updated / unchanged."""
        assert row.details is not None and row.admitted_at is not None
        patient = self.snap.patients.get(row.details.nhs_number)
        facts = self.snap.open_spells.get(patient.id) if patient and patient.id else None
        if facts is None:
            self._admit(row, patient)
            return "created"
        assert patient is not None
        _check_same_admission(facts.rec, row)
        values = self._clean(_merged(patient.values, row))
        self._check_spell_changes(row, facts.rec)
        before = (patient.version, facts.rec.version)
        self._update(patient, values)
        self._update_spell(row, facts)
        return "updated" if (patient.version, facts.rec.version) != before else "unchanged"

    def _clean(self, details: patients.PatientDetails) -> dict[str, Any]:
        return patients.clean_details(
            details,
            place_code=self._place_code,
            ethnic_known=self.snap.codes.ethnic.__contains__,
            today=self.snap.today,
        )

    def _place_code(self, value: str | None) -> str | None:
        """As ``patients.place_code``: a council code or place name, any case."""
        text = (value or "").strip()
        if not text:
            return None
        code = self.snap.codes.places.get(text.lower())
        if code is None:
            raise ValidationError(
                "place",
                text,
                "is not a known place (Leicester, Leicestershire, Rutland or its council code)",
            )
        return code

    # --- spells.admit ----------------------------------------------------------------------

    def _admit(self, row: ExtractRow, patient: Rec | None) -> None:
        assert row.details is not None and row.admitted_at is not None
        admitted = check_admitted_at(row.admitted_at)
        site_id = self.snap.site_ids.get(row.site)
        if site_id is None:
            raise ValidationError("site", row.site, "is not a known site (see resources/sites.csv)")
        values = self._clean(_merged(patient.values, row) if patient else row.details)
        if values["date_of_birth"] > clock.local_date(admitted):
            raise ValidationError(
                "date_of_birth", values["date_of_birth"], "is after the admission"
            )
        spell = Rec(Spell, {"admitted_at": admitted})
        self._check_spell_changes(row, spell)
        # Changes, in the order of the services' flushes.
        ward = self._ward(site_id, row.ward)
        bed = self._bed(ward, row.bed)
        if patient is None:
            patient = self._insert(Rec(Patient, dict(values)))
            self.guard.new_patients.append(values["nhs_number"])
        else:
            self._update(patient, values)
            assert patient.id is not None
            self.guard.readmitted.append(patient.id)
        spell.values.update(
            patient_id=_ref(patient), site_id=site_id, ward_id=ward, bed_id=bed, specialty=None
        )
        spell.spell = spell
        self._insert(spell)
        self._update_spell(row, SpellFacts(spell, row.site, row.ward, row.bed, None))

    def _ward(self, site_id: int, name: str) -> Ref:
        """As ``spells.ensure_ward``: the ward, created on first use."""
        key = (site_id, name)
        if key not in self._wards:
            self._wards[key] = self._insert(Rec(Ward, {"site_id": site_id, "name": name}))
            self.guard.new_wards.append(key)
        return self._wards[key]

    def _bed(self, ward: Ref, label: str | None) -> Ref | None:
        """As ``spells.ensure_bed``."""
        if label is None:
            return None
        key = (ward, label)
        if key not in self._beds:
            values = {"ward_id": ward, "label": label, "sort_key": bed_sort_key(label)}
            self._beds[key] = self._insert(Rec(Bed, values))
            if isinstance(ward, int):
                self.guard.new_beds.append((ward, label))
        return self._beds[key]

    # --- the import's _update_spell: transfer, EDD, review, pathway, delay reason ---------

    def _check_spell_changes(self, row: ExtractRow, spell: Rec) -> None:
        """Every refusal of the service calls :meth:`_update_spell` will make."""
        admitted_on = clock.local_date(spell.values["admitted_at"])
        if row.edd and row.edd != spell.values.get("edd"):  # spells.set_edd
            check_planned(row.edd, "edd", today=self.snap.today)
            if row.edd < admitted_on:
                raise ValidationError(
                    "edd",
                    dates.uk_date(row.edd),
                    f"is before the admission on {dates.uk_date(admitted_on)}",
                )
        if row.drd and row.drd != spell.values.get("discharge_ready_date"):
            self._check_drd(spell, row.drd)
            if row.drd < admitted_on:  # ctr.record_ctr_review
                raise ValidationError(
                    "review_date",
                    dates.uk_date(row.drd),
                    f"is before the admission on {dates.uk_date(admitted_on)}",
                )
            if row.drd > self.snap.today:
                raise ValidationError("review_date", dates.uk_date(row.drd), "is in the future")
        out_of_hub = row.pathway and not self.snap.through_hub[row.pathway]
        if out_of_hub and row.pathway != spell.values.get("pathway_code"):  # set_pathway
            if spell.id in self.snap.with_placement:
                raise _pathway_refusal(str(row.pathway), *self.snap.with_placement[spell.id])
        if row.delay_reason and row.delay_reason not in self.snap.delay_ids:
            raise ValidationError(
                "delay_reason", row.delay_reason, "is not a known delay reason code"
            )

    def _check_drd(self, spell: Rec, drd: date) -> None:
        """The DRD is derived from the dated reviews: a "no longer meets" review on the
        extract's date must give that DRD, or the import would repeat it on every run."""
        history = self.snap.reviews.get(spell.id, []) if spell.id is not None else []
        derived = derive_drd([*history, (drd, False)])
        if derived == drd:
            return
        if derived is None:
            later = max(d for d, m in history if m)
            on = dates.uk_date(later)
            why = f"the hub records the patient meeting the criteria to reside on {on}"
        else:
            on = dates.uk_date(derived)
            why = f"the hub's criteria-to-reside reviews give the earlier DRD {on}"
        raise ValidationError(
            "discharge_ready_date",
            dates.uk_date(drd),
            f"conflicts with the hub's record: {why}; record the review in the app",
        )

    def _update_spell(self, row: ExtractRow, facts: SpellFacts) -> None:
        """Apply what differs, as the services would (each change audited)."""
        spell = facts.rec
        moved = facts.site != row.site or facts.ward != row.ward
        if moved or (row.bed and row.bed != facts.bed):  # spells.transfer
            site_id = self.snap.site_ids[row.site]
            ward = self._ward(site_id, row.ward)
            bed = self._bed(ward, row.bed)
            self._update(spell, {"site_id": site_id, "ward_id": ward, "bed_id": bed})
        if row.edd and row.edd != spell.values["edd"]:  # spells.set_edd
            change = {"spell_id": _ref(spell), "old_edd": spell.values["edd"], "new_edd": row.edd}
            self._insert_child(EddChange, spell, change | {
                "reason": EDD_REASON, "changed_by": self.actor, "changed_at": NOW,
            })  # fmt: skip
            self._update(spell, {"edd": row.edd})
        if row.drd and row.drd != spell.values["discharge_ready_date"]:  # record_ctr_review
            self._insert_child(CtrReview, spell, {
                "spell_id": _ref(spell), "review_date": row.drd, "meets_criteria": False,
                "note": EDD_REASON, "reviewed_by": self.actor, "recorded_at": NOW,
            })  # fmt: skip
            history = self.snap.reviews.get(spell.id, []) if spell.id is not None else []
            self._update(spell, {"discharge_ready_date": derive_drd([*history, (row.drd, False)])})
            if spell.id is not None:
                self.guard.reviews[spell.id] = self.snap.review_marks.get(spell.id, (0, 0))
        if row.pathway and row.pathway != spell.values["pathway_code"]:  # set_pathway
            self._update(spell, {"pathway_code": row.pathway})
            if spell.id is not None and not self.snap.through_hub[row.pathway]:
                self.guard.no_placement.append(spell.id)
        if row.delay_reason and facts.delay_code != row.delay_reason:  # set_delay_reason
            self._update(spell, {"delay_reason_id": self.snap.delay_ids[row.delay_reason]})

    # --- one flush each -----------------------------------------------------------------------

    def _insert(self, rec: Rec) -> Rec:
        rec.index = len(self.new[rec.model])
        self.new[rec.model].append(rec)
        self.audit += rec.insert_audit()
        return rec

    def _insert_child(self, model: type[Base], spell: Rec, values: dict[str, Any]) -> Rec:
        rec = Rec(model, values)
        rec.spell = spell
        return self._insert(rec)

    def _update(self, rec: Rec, changes: dict[str, Any]) -> None:
        self.audit += rec.update(changes)
        if not rec.is_new and rec.changed and id(rec) not in self._touched:
            self._touched.add(id(rec))
            self.updated.append(rec)


def _ref(rec: Rec) -> Ref:
    return rec if rec.is_new or rec.id is None else rec.id


def _merged(patient: dict[str, Any], row: ExtractRow) -> patients.PatientDetails:
    """The extract's demographics, keeping what the hub has where a cell is empty."""
    d = row.details
    assert d is not None
    return replace(
        d,
        sex=d.sex if row.cells.get("sex") else patient["sex"],
        postcode=d.postcode or patient["postcode"],
        place=d.place or patient["place_code"],
        gp_practice=patient["gp_practice"],
        ethnic_category=d.ethnic_category or patient["ethnic_category_code"],
        preferred_language=d.preferred_language or patient["preferred_language"],
        interpreter_needed=True if d.preferred_language else patient["interpreter_needed"],
        lives_alone=patient["lives_alone"],
        communication_needs=patient["communication_needs"],
    )


def _check_same_admission(spell: Rec, row: ExtractRow) -> None:
    assert row.admitted_at is not None
    ours = clock.local(spell.values["admitted_at"]).replace(tzinfo=None)
    if row.admitted_has_time:
        same = ours.replace(second=0, microsecond=0) == row.admitted_at.replace(second=0)
    else:
        same = ours.date() == row.admitted_at.date()
    if not same:
        raise ValidationError(
            "admitted_at",
            row.cells["admitted_at"],
            f"differs from the open spell's admission ({dates.uk_datetime(ours)}): discharge or "
            "correct that spell in the app first",
        )


def _pathway_refusal(pathway: str, open_count: int, started: bool) -> ValidationError:
    """What ``placements.cancel_for_pathway`` says when a pathway leaves the hub while
    placements are open (an import cannot cancel them: that is the hub's decision)."""
    if started:
        return ValidationError(
            "pathway", pathway, "does not go through the hub, but a hub placement has started"
        )
    s = "s" if open_count != 1 else ""
    it = "them" if open_count != 1 else "it"
    return ValidationError(
        "pathway",
        pathway,
        f"does not go through the hub, but the patient has {open_count} open hub placement"
        f"{s}: cancel {it} in the same save, with a reason",
    )
