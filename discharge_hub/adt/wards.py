"""The ward map: PAS location codes (PV1-3.1, point of care) → the program's site and
ward, kept in the ``adt_location`` table by an administrator.

``discharge-hub adt-map import FILE.csv`` adds or updates codes from a CSV file with
the columns ``code,site,ward`` (all or nothing); ``adt-map list`` shows them. A message
whose location is not in the map is rejected, unless the import runs with
``--create-wards``: then the site is found from the facility (PV1-3.4, a site name or
a code mapped in the map) and a ward named after the PAS code is created, and mapped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub.adt.messages import Location, MessageError
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.models import AdtLocation, Site, Ward
from discharge_hub.services.spells import ensure_ward
from discharge_hub.validators import NAME, require_text

COLUMNS = ("code", "site", "ward")


@dataclass(frozen=True)
class MapRow:
    code: str
    site: str
    ward: str


@dataclass(frozen=True)
class Place:
    """Where a message's location is: a site name and a ward name (and the bed)."""

    site: str
    ward: str
    bed: str | None


def read_map(path: Path) -> list[MapRow]:
    """The rows of a ward map file; any bad row and none is taken (DomainError)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(f"{path}: cannot be read as UTF-8 text: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(f"{path}: missing column(s) {', '.join(missing)} (need code,site,ward)")
    rows, problems, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        try:
            code = require_text(row["code"], "code", kind=NAME, max_length=40).upper()
            item = MapRow(
                code,
                require_text(row["site"], "site", kind=NAME, max_length=120),
                require_text(row["ward"], "ward", kind=NAME, max_length=80),
            )
        except ValidationError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if code in seen:
            problems.append(f"line {line}: code {code!r} is given twice")
        seen.add(code)
        rows.append(item)
    if problems:
        raise DomainError(f"{path}: nothing imported:\n  " + "\n  ".join(problems))
    return rows


def save_map(session: Session, rows: list[MapRow]) -> tuple[int, int]:
    """Add or update the codes; returns (added, changed). Unknown sites are refused.
    A ward not yet known at its site is created, so it is on the board's lists before
    its first admission."""
    sites = {s.name.casefold(): s for s in session.scalars(select(Site))}
    added = changed = 0
    for row in rows:
        site = sites.get(row.site.casefold())
        if site is None:
            raise ValidationError("site", row.site, f"(code {row.code}) is not a known site")
        ensure_ward(session, site, row.ward)
        current = session.get(AdtLocation, row.code)
        if current is None:
            session.add(AdtLocation(code=row.code, site_id=site.id, ward=row.ward))
            added += 1
        elif (current.site_id, current.ward) != (site.id, row.ward):
            current.site_id, current.ward = site.id, row.ward
            changed += 1
    session.flush()
    return added, changed


def list_map(session: Session) -> list[MapRow]:
    rows = session.execute(
        select(AdtLocation.code, Site.name, AdtLocation.ward)
        .join(Site, Site.id == AdtLocation.site_id)
        .order_by(AdtLocation.code)
    ).all()
    return [MapRow(code, site, ward) for code, site, ward in rows]


class WardMap:
    """The map, read once per import; ``--create-wards`` adds to it as it goes."""

    def __init__(self, session: Session, *, create_wards: bool) -> None:
        self.create_wards = create_wards
        self.codes = {row.code: (row.site, row.ward) for row in list_map(session)}
        self.sites = {s.name.casefold(): s.name for s in session.scalars(select(Site))}

    def place(self, session: Session, location: Location | None) -> Place:
        if location is None:
            raise MessageError("no location: PV1-3 (point of care) is empty")
        code = location.code.upper()
        found = self.codes.get(code)
        if found is None:
            found = self._create(session, location, code)
        return Place(found[0], found[1], location.bed_label)

    def _create(self, session: Session, location: Location, code: str) -> tuple[str, str]:
        if not self.create_wards:
            raise MessageError(
                f"unknown location {location.code!r} (PV1-3): add it to the ward map "
                "(discharge-hub adt-map import) or import with --create-wards"
            )
        facility = location.facility.strip()
        mapped = self.codes.get(facility.upper())
        site = mapped[0] if mapped else self.sites.get(facility.casefold())
        if site is None:
            raise MessageError(
                f"unknown location {location.code!r} (PV1-3) at facility {facility!r} "
                "(PV1-3.4), which is neither a site name nor a mapped code: the ward "
                "cannot be created"
            )
        site_row = session.scalars(select(Site).where(Site.name == site)).one()
        ward = require_text(location.code, "ward", kind=NAME, max_length=80)
        exists = session.scalars(
            select(Ward.id).where(Ward.site_id == site_row.id, Ward.name == ward)
        ).first()
        if exists is None:
            session.add(Ward(site_id=site_row.id, name=ward))
        session.add(AdtLocation(code=code, site_id=site_row.id, ward=ward))
        session.flush()
        self.codes[code] = (site, ward)
        return site, ward

    def forget(self, code: str) -> None:
        """A created mapping rolled back with its message."""
        self.codes.pop(code.upper(), None)
