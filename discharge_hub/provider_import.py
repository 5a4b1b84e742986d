"""Import the provider directory and vacancies (CSV): ``discharge-hub import providers``.

Columns (all required): ``code,name,service_type,places,capacity,vacancies,as_of``.
``code`` is the CQC location ID (``1-`` and 9 to 11 digits); ``service_type`` a
service type code (``resources/service_types.csv``); ``places`` the councils served,
codes or names separated by ``;``; ``capacity`` and ``vacancies`` whole numbers
(vacancies at most the capacity); ``as_of`` the ISO date-time the vacancy figure was
true (``2026-11-23T09:00``, an offset such as ``+00:00`` allowed; without one it is
UK time), not in the future.

**One row per service type.** A provider offering several service types appears on
several rows with the same code; together they give its service types. Every other
cell (name, places, capacity, vacancies, as_of) describes the provider as a whole and
must be the same on each of its rows, else the later row is named as invalid; the
same code and service type twice is invalid too. The capacity unit follows the
service types: beds for bed-based services, hours for the others (one provider
cannot mix them).

Upsert by code: a new code adds the provider; a known one takes the file's name,
capacity, service types and places (providers not in the file are left alone). Each
vacancy figure is kept with its ``as_of`` in the vacancy history, and becomes the
provider's current figure if it is the newest; a figure already kept for that moment
is not added again (a different one for the same moment is invalid). So importing
the same file again changes nothing and writes no audit rows.

All or nothing, like ``import csv``: any invalid row and nothing is imported; every
invalid row is named with its row number (the header is row 1) and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.importer import Extract, ImportRowsError, RowProblem, read_extract
from discharge_hub.models import Place, Provider, ProviderPlace, ProviderServiceType, ServiceType
from discharge_hub.services import providers
from discharge_hub.validators import NAME, require_text

COLUMNS = ("code", "name", "service_type", "places", "capacity", "vacancies", "as_of")
# Cells that describe the provider as a whole: the same on each of its rows.
SHARED = ("name", "places", "capacity", "vacancies", "as_of")
# A service's field name → the column that holds it.
_COLUMN_OF = {"service_types": "service_type", "capacity_unit": "service_type"}


@dataclass(frozen=True)
class ProviderRow:
    """One provider as the file gives it (from one or more rows)."""

    row: int  # its first row
    code: str
    name: str
    service_types: tuple[str, ...]
    places: tuple[str, ...]
    capacity: int
    capacity_unit: str
    vacancies: int
    as_of: datetime  # aware UTC


@dataclass
class ProviderImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    vacancy_figures: int = 0  # figures added to the history
    providers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.vacancy_figures} vacancy figure{'s' if self.vacancy_figures != 1 else ''} "
            "added"
        )


def read_file(path: Path) -> Extract:
    """Read the file; ImportFileError if it cannot be used at all (before any database)."""
    return read_extract(path, columns=COLUMNS, required=COLUMNS)


# --- checking rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Codes:
    places: dict[str, str]  # lower-case code or name → code
    bed_based: dict[str, bool]  # service type code → bed based?

    @classmethod
    def load(cls, session: Session) -> _Codes:
        places: dict[str, str] = {}
        for code, name in session.execute(select(Place.code, Place.name)):
            places[code.lower()] = places[name.lower()] = code
        rows = session.execute(select(ServiceType.code, ServiceType.bed_based))
        bed = {code: bool(bed_based) for code, bed_based in rows}
        return cls(places, bed)


def _number(cells: dict[str, str], name: str, problems: list[tuple[str, str, str]]) -> int | None:
    text = cells.get(name, "")
    if not text:
        problems.append((name, text, "is required"))
    elif not text.isascii() or not text.isdigit():
        problems.append((name, text, "must be a whole number, 0 or more"))
    else:
        return int(text)
    return None


def _as_of(text: str, problems: list[tuple[str, str, str]]) -> datetime | None:
    try:
        when = datetime.fromisoformat(text) if len(text) > 10 else None
    except ValueError:
        when = None
    if when is None:
        problems.append(("as_of", text, "is not an ISO date-time (e.g. 2026-11-23T09:00)"))
        return None
    when = clock.as_utc(when)
    if when > clock.now():
        problems.append(("as_of", text, "is in the future"))
    return when


def _check_row(
    cells: dict[str, str], codes: _Codes
) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
    """Parse one row on its own: (values, problems as (column, value, reason))."""
    problems: list[tuple[str, str, str]] = []
    values: dict[str, object] = {}
    if "_fields" in cells:
        return values, [("row", "", f"has {cells['_fields']} fields; the header has 7")]
    try:
        values["code"] = providers.check_cqc_code(cells.get("code"))
    except ValidationError as exc:
        problems.append(("code", cells.get("code", ""), exc.reason))
    try:
        values["name"] = require_text(cells.get("name"), "name", kind=NAME, max_length=160)
    except ValidationError as exc:
        problems.append(("name", cells.get("name", ""), exc.reason))
    service = cells.get("service_type", "").lower()
    if service not in codes.bed_based:
        problems.append(
            ("service_type", cells.get("service_type", ""), "is not a known service type code")
        )
    values["service_type"] = service
    places = [p.strip() for p in cells.get("places", "").split(";") if p.strip()]
    if not places:
        problems.append(("places", cells.get("places", ""), "needs at least one place"))
    for p in places:
        if p.lower() not in codes.places:
            problems.append(
                (
                    "places",
                    p,
                    "is not a known place (Leicester, Leicestershire, Rutland or its council code)",
                )
            )
    values["places"] = tuple(sorted({codes.places.get(p.lower(), p) for p in places}))
    values["capacity"] = _number(cells, "capacity", problems)
    values["vacancies"] = _number(cells, "vacancies", problems)
    cap, vac = values["capacity"], values["vacancies"]
    if isinstance(cap, int) and isinstance(vac, int) and vac > cap:
        problems.append(("vacancies", str(vac), f"exceeds the capacity of {cap}"))
    values["as_of"] = _as_of(cells.get("as_of", ""), problems)
    return values, problems


def check_rows(extract: Extract, codes: _Codes) -> tuple[list[ProviderRow], list[RowProblem]]:
    """Every row on its own, then rows of the same code against the first of them."""
    problems: list[RowProblem] = []
    groups: dict[str, list[tuple[int, dict[str, object]]]] = {}
    names: dict[str, tuple[str, int]] = {}  # name → (code, row)
    for number, cells, _record in extract.rows:
        values, found = _check_row(cells, codes)
        problems += [RowProblem(number, c, v, r) for c, v, r in found]
        if found:
            continue
        code, name = str(values["code"]), str(values["name"]).casefold()
        first = groups.get(code)
        if first is None:
            other = names.get(name)
            if other is not None:
                problems.append(
                    RowProblem(
                        number,
                        "name",
                        str(values["name"]),
                        f"is also the name of {other[0]} (row {other[1]})",
                    )
                )
                continue
            names[name] = (code, number)
            groups[code] = [(number, values)]
            continue
        problem = _against_first(number, values, first, codes)
        if problem is not None:
            problems.append(problem)
        else:
            first.append((number, values))
    return [_provider(code, rows, codes) for code, rows in groups.items()], problems


def _against_first(
    number: int, values: dict[str, object], rows: list[tuple[int, dict[str, object]]], codes: _Codes
) -> RowProblem | None:
    row0, first = rows[0]
    for column in SHARED:
        if values[column] != first[column]:
            shown = _cell(values[column])
            return RowProblem(
                number,
                column,
                shown,
                f"differs from row {row0} of the same code "
                f"({_cell(first[column])}); it describes the whole provider",
            )
    for n, other in rows:
        if other["service_type"] == values["service_type"]:
            return RowProblem(
                number,
                "service_type",
                str(values["service_type"]),
                f"appears again for this code (first in row {n})",
            )
    if codes.bed_based[str(values["service_type"])] != codes.bed_based[str(first["service_type"])]:
        return RowProblem(
            number,
            "service_type",
            str(values["service_type"]),
            f"mixes bed-based and home-based services with row {row0}: one "
            "provider has one capacity unit (beds or hours)",
        )
    return None


def _cell(value: object) -> str:
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def _provider(code: str, rows: list[tuple[int, dict[str, object]]], codes: _Codes) -> ProviderRow:
    row0, first = rows[0]
    services = tuple(sorted(str(v["service_type"]) for _, v in rows))
    capacity, vacancies, as_of = first["capacity"], first["vacancies"], first["as_of"]
    assert isinstance(capacity, int) and isinstance(vacancies, int)
    assert isinstance(as_of, datetime)
    places = first["places"]
    assert isinstance(places, tuple)
    return ProviderRow(
        row0,
        code,
        str(first["name"]),
        services,
        places,
        capacity,
        "beds" if codes.bed_based[services[0]] else "hours",
        vacancies,
        as_of,
    )


# --- applying -------------------------------------------------------------------------------


def import_providers(database: Database, extract: Extract, *, actor: str) -> ProviderImportResult:
    """Check every row, then upsert every provider in one transaction; ImportRowsError
    (nothing written) if any row is invalid or refused."""
    result = ProviderImportResult()
    with database.unit_of_work(actor) as session:
        found, problems = check_rows(extract, _Codes.load(session))
        for item in found:  # even after invalid rows: to name every refusal too
            try:
                with session.begin_nested():
                    _apply(session, item, result)
            except ValidationError as exc:
                column = _COLUMN_OF.get(exc.field, exc.field)
                value = "" if exc.value is None else str(exc.value)
                problems.append(RowProblem(item.row, column, value, exc.reason))
        if problems:
            raise ImportRowsError(extract.source, sorted(problems, key=lambda p: p.row))
    return result


def _apply(session: Session, item: ProviderRow, result: ProviderImportResult) -> None:
    provider = session.scalar(select(Provider).where(Provider.code == item.code))
    result.providers.append(item.code)
    if provider is None:
        providers.add_provider(
            session,
            code=item.code,
            name=item.name,
            service_types=list(item.service_types),
            places=list(item.places),
            capacity=item.capacity,
            capacity_unit=item.capacity_unit,
            vacancies=item.vacancies,
            vacancies_as_of=item.as_of,
        )
        result.created += 1
        result.vacancy_figures += 1
        return
    before = provider.version
    links = _update(session, provider, item)
    added = providers.record_vacancies(session, provider, item.vacancies, item.as_of)
    if provider.vacancies > provider.capacity:
        raise ValidationError(
            "capacity",
            item.capacity,
            f"is below the provider's current vacancies ({provider.vacancies}, a newer figure)",
        )
    session.flush()
    result.vacancy_figures += added
    changed = links or added or provider.version != before
    result.updated += changed
    result.unchanged += not changed


def _update(session: Session, provider: Provider, item: ProviderRow) -> bool:
    """Take the file's name, capacity, service types and places; True if links changed."""
    if provider.name != item.name:
        taken = session.scalar(
            select(Provider.code).where(Provider.name == item.name, Provider.id != provider.id)
        )
        if taken is not None:
            raise ValidationError("name", item.name, f"is already the name of {taken}")
        provider.name = item.name
    provider.capacity = item.capacity
    provider.capacity_unit = item.capacity_unit
    changed = False
    have = {s.service_type_code: s for s in provider.service_types}
    if set(have) != set(item.service_types):
        provider.service_types = [
            have.get(c) or ProviderServiceType(service_type_code=c) for c in item.service_types
        ]
        changed = True
    places = {p.place_code: p for p in provider.places}
    if set(places) != set(item.places):
        provider.places = [places.get(c) or ProviderPlace(place_code=c) for c in item.places]
        changed = True
    return changed
