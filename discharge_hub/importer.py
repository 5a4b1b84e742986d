"""Import a PAS extract (CSV) of inpatients: admit new spells, update open ones.

Two phases. :func:`read_extract` reads and checks the file itself (encoding, header)
and every row on its own (formats, codes, date order) without writing anything.
:func:`import_rows` then applies the valid rows through the services in ONE unit of
work, each row in a savepoint so a row the services refuse (e.g. P0 while a hub
placement is active) is reported with its row number. By default any invalid row
rolls the whole import back; ``skip_invalid`` keeps the valid rows.

An open spell for the same NHS number is updated, never duplicated, and only where
the extract differs from the record: re-importing the same file changes nothing (no
audit rows). Empty optional cells keep what the hub has (PAS extracts often omit
them); they never clear a value.

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.models import (
    CtrReview,
    DelayReason,
    EthnicCategory,
    Pathway,
    Patient,
    Place,
    Site,
    Spell,
)
from discharge_hub.services import patients, spells
from discharge_hub.services.drd import derive_drd
from discharge_hub.validators import (
    format_nhs_number,
    normalise_nhs_number,
    optional_text,
    parse_date,
    parse_datetime,
    require_text,
)

P = ParamSpec("P")
R = TypeVar("R")

COLUMNS = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "sex", "postcode", "place",
    "site", "ward", "bed", "admitted_at", "edd", "discharge_ready_date", "pathway",
    "delay_reason", "ethnic_category", "interpreter_language",
)  # fmt: skip
REQUIRED = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "site", "ward", "admitted_at",
)  # fmt: skip
EDD_REASON = "PAS import"
SEX = {
    "m": "M", "male": "M", "1": "M",
    "f": "F", "female": "F", "2": "F",
    "u": "U", "unknown": "U", "not known": "U", "not specified": "U", "indeterminate": "U",
    "0": "U", "9": "U", "": "U",
}  # fmt: skip


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, empty, not UTF-8, header)."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = "(empty)" if not self.value else repr(self.value)
        return f"row {self.row}, {self.field}: {shown} {self.reason}"


class ImportRowsError(DomainError):
    """Invalid rows in an all-or-nothing import: nothing was written."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        rows = len({p.row for p in problems})
        lines = [f"{source}: {rows} invalid row{'s' if rows != 1 else ''}; nothing imported"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ExtractRow:
    """One row as read (raw cells) and, when valid, as parsed."""

    number: int
    cells: dict[str, str]
    details: patients.PatientDetails | None = None
    site: str = ""
    ward: str = ""
    bed: str | None = None
    admitted_at: datetime | None = None
    admitted_has_time: bool = False
    edd: date | None = None
    drd: date | None = None
    pathway: str | None = None
    delay_reason: str | None = None
    problems: tuple[RowProblem, ...] = ()
    record: tuple[str, ...] = ()  # the cells as read, for the rejects file


@dataclass(frozen=True)
class Extract:
    source: str
    header: tuple[str, ...]  # as in the file (for the rejects file)
    rows: tuple[tuple[int, dict[str, str], tuple[str, ...]], ...]  # number, cells, as read


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (as read, why)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


# --- reading the file -------------------------------------------------------------------


def read_extract(
    path: Path, *, columns: Sequence[str] = COLUMNS, required: Sequence[str] = REQUIRED
) -> Extract:
    """Read a CSV extract; raise ImportFileError for a file that cannot be used at all.
    ``columns``/``required``: the header a kind of file must have (default: PAS)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {source}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{source} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}). "
            "Save it as 'CSV UTF-8' and try again."
        ) from exc
    if not text.strip():
        raise ImportFileError(f"{source} is empty: expected a header row and data rows.")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError(f"{source} is not valid CSV: {exc}") from exc
    header = tuple(records[0])
    names = _check_header(source, header, columns, required)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(header):
            cells = dict.fromkeys(names, "")
            cells["_fields"] = str(len(record))
        else:
            cells = {n: c.strip() for n, c in zip(names, record, strict=True)}
        rows.append((number, cells, tuple(record)))
    if not rows:
        raise ImportFileError(f"{source} has a header but no data rows.")
    return Extract(source, header, tuple(rows))


def _check_header(
    source: str, header: tuple[str, ...], columns: Sequence[str], required: Sequence[str]
) -> list[str]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    unknown = [(i, h) for i, (h, n) in enumerate(zip(header, names, strict=True), 1)
               if n not in columns]  # fmt: skip
    repeated = sorted({n for n in names if n in columns and names.count(n) > 1})
    problems = []
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if unknown:
        problems.append(_unknown_columns(unknown, columns, header_missing=bool(missing)))
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise ImportFileError(
            f"{source}: wrong header row: {'; '.join(problems)}. "
            f"Expected the columns: {', '.join(columns)}."
        )
    return names


def _unknown_columns(
    unknown: list[tuple[int, str]], columns: Sequence[str], *, header_missing: bool
) -> str:
    """Name unknown columns without echoing a cell: when the header row is missing, the
    first row is a patient's (issue 13). A name is shown only when it is a near miss of a
    real column (a typo); any other by its position."""
    shown = []
    for position, name in unknown:
        near = difflib.get_close_matches(name.strip().lower(), columns, n=1, cutoff=0.8)
        typo = f"{name.strip()!r} (did you mean {near[0]}?)" if near else None
        shown.append(typo or f"column {position}")
    text = f"unknown column(s): {', '.join(shown)}"
    if header_missing:
        text += " (is the header row missing? The first row must name the columns)"
    return text


# --- checking each row ------------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    """The code lists a row is checked against (read once)."""

    sites: dict[str, str]  # lower-case name → name
    places: dict[str, str]  # lower-case name or code → code
    pathways: dict[str, str]  # lower-case code → code
    delay_reasons: frozenset[str]
    ethnic: frozenset[str]

    @classmethod
    def load(cls, session: Session) -> Codes:
        places: dict[str, str] = {}
        for code, name in session.execute(select(Place.code, Place.name)):
            places[code.lower()] = places[name.lower()] = code
        return cls(
            sites={n.lower(): n for n in session.scalars(select(Site.name))},
            places=places,
            pathways={c.lower(): c for c in session.scalars(select(Pathway.code))},
            delay_reasons=frozenset(
                session.scalars(select(DelayReason.code).where(DelayReason.active.is_(True)))
            ),
            ethnic=frozenset(session.scalars(select(EthnicCategory.code))),
        )


class _Row:
    """Collects every problem of one row instead of stopping at the first."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number, self.cells = number, cells
        self.problems: list[RowProblem] = []

    def add(self, field_name: str, value: str, reason: str) -> None:
        self.problems.append(RowProblem(self.number, field_name, value, reason))

    def check(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            self.add(exc.field, "" if exc.value is None else str(exc.value), exc.reason)
            return None

    def code(self, name: str, known: dict[str, str] | frozenset[str], what: str) -> str | None:
        value = self.cells.get(name, "")
        if not value:
            return None
        key = value.upper() if isinstance(known, frozenset) else value.lower()
        if isinstance(known, frozenset):
            if key in known:
                return key
        elif key in known:
            return known[key]
        self.add(name, value, f"is not a known {what}")
        return None


def check_rows(extract: Extract, codes: Codes, today: date) -> list[ExtractRow]:
    """Parse and check every row on its own and against the others."""
    out = []
    seen: dict[str, int] = {}
    for number, cells, record in extract.rows:
        row = replace(_check_row(number, cells, codes, today), record=record)
        nhs = row.details.nhs_number if row.details else None
        if nhs and nhs in seen:
            problem = RowProblem(number, "nhs_number", format_nhs_number(nhs),
                                 f"appears again (first in row {seen[nhs]})")
            row = replace(row, problems=(*row.problems, problem))
        elif nhs:
            seen[nhs] = number
        out.append(row)
    return out


def _check_row(number: int, cells: dict[str, str], codes: Codes, today: date) -> ExtractRow:
    r = _Row(number, cells)
    if "_fields" in cells:
        r.add("row", "", f"has {cells['_fields']} fields; the header has a different number")
        return ExtractRow(number, cells, problems=tuple(r.problems))
    nhs = r.check(normalise_nhs_number, cells.get("nhs_number"))
    family = r.check(require_text, cells.get("family_name"), "family_name", max_length=100)
    given = r.check(require_text, cells.get("given_name"), "given_name", max_length=100)
    born = r.check(parse_date, cells.get("date_of_birth"), "date_of_birth", required=True)
    if born and born > today:
        r.add("date_of_birth", cells["date_of_birth"], "is in the future")
    sex = SEX.get(cells.get("sex", "").lower())
    if sex is None:
        r.add("sex", cells["sex"], "must be M, F or U (or male/female/unknown, or 1/2/9)")
    postcode = r.check(optional_text, cells.get("postcode"), "postcode", max_length=10)
    place = r.code("place", codes.places, "place (Leicester, Leicestershire, Rutland or its "
                   "council code)")
    site = r.code("site", codes.sites, "site (see resources/sites.csv)")
    if not cells.get("site"):
        r.add("site", "", "is required")
    ward = r.check(require_text, cells.get("ward"), "ward", max_length=80)
    bed = r.check(optional_text, cells.get("bed"), "bed", max_length=20)
    admitted = r.check(parse_datetime, cells.get("admitted_at"), "admitted_at", required=True)
    edd = r.check(parse_date, cells.get("edd"), "edd")
    drd = r.check(parse_date, cells.get("discharge_ready_date"), "discharge_ready_date")
    _check_dates(r, born, admitted, edd, drd, today)
    pathway = r.code("pathway", codes.pathways, "pathway (P0, P1, P2, P3 or P3b)")
    delay = r.code("delay_reason", codes.delay_reasons, "delay reason code")
    ethnic = r.code("ethnic_category", codes.ethnic, "ethnic category code")
    language = r.check(optional_text, cells.get("interpreter_language"),
                       "interpreter_language", max_length=60)
    if r.problems:
        return ExtractRow(number, cells, problems=tuple(r.problems))
    assert nhs and family and given and born and site and ward and admitted and sex
    details = patients.PatientDetails(
        nhs_number=nhs, family_name=family, given_name=given, date_of_birth=born, sex=sex,
        postcode=postcode.upper() if postcode else None, place=place, ethnic_category=ethnic,
        preferred_language=language, interpreter_needed=bool(language),
    )
    has_time = parse_date_only(cells["admitted_at"]) is None
    return ExtractRow(number, cells, details, site, ward, bed, admitted, has_time, edd, drd,
                      pathway, delay)


def parse_date_only(text: str) -> date | None:
    try:
        return parse_date(text, "admitted_at")
    except ValidationError:
        return None


def _check_dates(
    r: _Row,
    born: date | None,
    admitted: datetime | None,
    edd: date | None,
    drd: date | None,
    today: date,
) -> None:
    if admitted is None:
        return
    on = admitted.date()
    if clock.as_utc(admitted) > clock.now() or on > today:
        r.add("admitted_at", r.cells["admitted_at"], "is in the future")
    if born and born > on:
        r.add("date_of_birth", r.cells["date_of_birth"], "is after the admission")
    if edd and edd < on:
        r.add("edd", r.cells["edd"], f"is before the admission on {on:%d/%m/%Y}")
    if drd and drd < on:
        r.add("discharge_ready_date", r.cells["discharge_ready_date"],
              f"is before the admission on {on:%d/%m/%Y}")
    if drd and drd > today:
        r.add("discharge_ready_date", r.cells["discharge_ready_date"], "is in the future")


# --- applying the rows --------------------------------------------------------------------


def import_extract(
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
        view = spells.admit(session, patient=details, site=row.site, ward=row.ward,
                            bed=row.bed, admitted_at=row.admitted_at)
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
        spells.transfer(session, spell_id=spell.id, expected_version=None, site=row.site,
                        ward=row.ward, bed=row.bed)
    if row.edd and row.edd != spell.edd:
        spells.set_edd(session, spell_id=spell.id, expected_version=None, edd=row.edd,
                       reason=EDD_REASON)
    if row.drd and row.drd != spell.discharge_ready_date:
        _check_drd(session, spell, row.drd)
        spells.record_ctr_review(session, spell_id=spell.id, expected_version=None,
                                 review_date=row.drd, criteria=[], meets=False, note=EDD_REASON,
                                 today=today)
    if row.pathway and row.pathway != spell.pathway_code:
        spells.set_pathway(session, spell_id=spell.id, expected_version=None,
                           pathway=row.pathway)
    if row.delay_reason:
        current = session.get(DelayReason, spell.delay_reason_id) if spell.delay_reason_id else None
        if current is None or current.code != row.delay_reason:
            spells.set_delay_reason(session, spell_id=spell.id, expected_version=None,
                                    delay_reason=row.delay_reason)


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
        "discharge_ready_date", f"{drd:%d/%m/%Y}",
        f"conflicts with the hub's record: {why}; record the review in the app",
    )


def write_rejects(
    path: Path, extract: Extract, rejected: list[tuple[tuple[str, ...], str]]
) -> None:
    """The rejected rows as read, under the file's own header, with a ``reason`` column
    (a short row is padded so the reason stays in its column). Written with a BOM so
    spreadsheet programs read the accents right."""
    width = len(extract.header)
    # Owner-only (0600): the rejected rows are patients' (issue 13).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([*extract.header, "reason"])
        for record, reason in rejected:
            out.writerow([*record, *[""] * (width - len(record)), reason])
