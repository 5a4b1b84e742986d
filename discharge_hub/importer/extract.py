"""Reading a PAS extract (CSV) and checking every row on its own, without the database.

:func:`check_rows` checks every row of an extract (formats, codes, plausible dates, names
that print and display right) and the rows against each other (an NHS number twice).
Nothing here writes anything. Reading the file itself: :mod:`.csvfile`.

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub.display import dates
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.models import DelayReason, EthnicCategory, Pathway, Place, Site
from discharge_hub.services import patients
from discharge_hub.validators import (
    NAME,
    check_admitted_at,
    check_birth_date,
    check_not_future,
    check_planned,
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
# The rejects file's extra column: ignored on import, so a corrected rejects file can be
# imported as it is.
REASON = "reason"
SEX = {
    "m": "M", "male": "M", "1": "M",
    "f": "F", "female": "F", "2": "F",
    "u": "U", "unknown": "U", "not known": "U", "not specified": "U", "indeterminate": "U",
    "0": "U", "9": "U", "": "U",
}  # fmt: skip


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, empty, not UTF-8, header)."""


class ImportBusyError(DomainError):
    """Other users kept changing the file's patients during the import: nothing written."""


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
        row = _check_row(number, cells, record, codes, today)
        nhs = row.details.nhs_number if row.details else None
        if nhs and nhs in seen:
            problem = RowProblem(
                number,
                "nhs_number",
                format_nhs_number(nhs),
                f"appears again (first in row {seen[nhs]})",
            )
            row = replace(row, problems=(*row.problems, problem))
        elif nhs:
            seen[nhs] = number
        out.append(row)
    return out


def _check_row(
    number: int, cells: dict[str, str], record: tuple[str, ...], codes: Codes, today: date
) -> ExtractRow:
    r = _Row(number, cells)
    if "_fields" in cells:
        r.add("row", "", f"has {cells['_fields']} fields; the header has a different number")
        return ExtractRow(number, cells, problems=tuple(r.problems), record=record)
    nhs = r.check(normalise_nhs_number, cells.get("nhs_number"))
    family = r.check(
        require_text, cells.get("family_name"), "family_name", kind=NAME, max_length=100
    )
    given = r.check(require_text, cells.get("given_name"), "given_name", kind=NAME, max_length=100)
    born = r.check(parse_date, cells.get("date_of_birth"), "date_of_birth", required=True)
    if born:
        born = r.check(check_birth_date, born, today=today)
    sex = SEX.get(cells.get("sex", "").lower())
    if sex is None:
        r.add("sex", cells["sex"], "must be M, F or U (or male/female/unknown, or 1/2/9)")
    postcode = r.check(optional_text, cells.get("postcode"), "postcode", kind=NAME, max_length=10)
    place = r.code(
        "place", codes.places, "place (Leicester, Leicestershire, Rutland or its council code)"
    )
    site = r.code("site", codes.sites, "site (see resources/sites.csv)")
    if not cells.get("site"):
        r.add("site", "", "is required")
    ward = r.check(require_text, cells.get("ward"), "ward", kind=NAME, max_length=80)
    bed = r.check(optional_text, cells.get("bed"), "bed", kind=NAME, max_length=20)
    admitted = r.check(parse_datetime, cells.get("admitted_at"), "admitted_at", required=True)
    edd = r.check(parse_date, cells.get("edd"), "edd")
    drd = r.check(parse_date, cells.get("discharge_ready_date"), "discharge_ready_date")
    _check_dates(r, born, admitted, edd, drd, today)
    pathway = r.code("pathway", codes.pathways, "pathway (P0, P1, P2, P3 or P3b)")
    delay = r.code("delay_reason", codes.delay_reasons, "delay reason code")
    ethnic = r.code("ethnic_category", codes.ethnic, "ethnic category code")
    language = r.check(
        optional_text,
        cells.get("interpreter_language"),
        "interpreter_language",
        kind=NAME,
        max_length=60,
    )
    if r.problems:
        return ExtractRow(number, cells, problems=tuple(r.problems), record=record)
    assert nhs and family and given and born and site and ward and admitted and sex
    details = patients.PatientDetails(
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        date_of_birth=born,
        sex=sex,
        postcode=postcode.upper() if postcode else None,
        place=place,
        ethnic_category=ethnic,
        preferred_language=language,
        interpreter_needed=bool(language),
    )
    has_time = parse_date_only(cells["admitted_at"]) is None
    return ExtractRow(
        number, cells, details, site, ward, bed, admitted, has_time, edd, drd, pathway, delay,
        record=record,
    )  # fmt: skip


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
    if edd:
        r.check(check_planned, edd, "edd", today=today)
    if drd:
        r.check(check_not_future, drd, "discharge_ready_date", today=today)
    if admitted is None or r.check(check_admitted_at, admitted) is None:
        return
    on = admitted.date()
    if on > today:  # the UK date the caller gave as today (the instant is checked above)
        r.add("admitted_at", r.cells["admitted_at"], "is in the future")
    if born and born > on:
        r.add("date_of_birth", r.cells["date_of_birth"], "is after the admission")
    if edd and edd < on:
        r.add("edd", r.cells["edd"], f"is before the admission on {dates.uk_date(on)}")
    if drd and drd < on:
        r.add(
            "discharge_ready_date",
            r.cells["discharge_ready_date"],
            f"is before the admission on {dates.uk_date(on)}",
        )
