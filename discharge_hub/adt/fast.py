"""The common case of A01 / A02 / A03 / A08, applied without the services' look-ups
and written set-based.

Through the services (:mod:`.apply`) a message costs about a dozen queries, each run
in its own SAVEPOINT: the patient by NHS number (three times for an admission), the
site, the ward, the bed, the open spell, the code lists; and through the ORM each
changed row is its own UPDATE. :class:`FastRoute` reads what a batch of messages will
look up once, holds the patients and spells as plain rows (:class:`~.rows.Held`), and
applies a message whose every check passes against them to those rows, the way the
services change the ORM objects. The changes of a run of messages are written
together (:class:`~.rows.Writes`): the same rows, versions, audit trail, history facts
(a transfer from its event time) and live-refresh notices as the services' flushes
write, in a few statements instead of a few per message.

A message it cannot take as it is (no open spell, a ward or bed not yet known, a
value a rule refuses, a placement to start on discharge, A11, A13, ...) is left to
the services (``apply`` returns None), which apply it or reject it with their own
reason: the changes before it are written first, and the route then reads that
patient again. Its checks run before anything is changed, so a message it hands on
has changed nothing. A write that fails (another user changed one of the rows since
the batch read it: the version check; a constraint) raises :class:`FastFailed`: the
caller rolls the batch back and applies it through the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from discharge_hub import clock, facts
from discharge_hub.adt.apply import Applied, dd_code, details
from discharge_hub.adt.messages import AdtMessage, Location, MessageError
from discharge_hub.adt.rows import COLUMNS, PATIENT, SPELL, Held, Writes
from discharge_hub.adt.wards import WardMap
from discharge_hub.errors import DomainError
from discharge_hub.models import AdtMessage as AppliedMessage
from discharge_hub.models import (
    Bed,
    Destination,
    EthnicCategory,
    Method,
    Place,
    Placement,
    Site,
    Spell,
    SpellFact,
    Ward,
)
from discharge_hub.models.fact import LOCATION
from discharge_hub.services import patients
from discharge_hub.validators import NAME, check_admitted_at, optional_text, uk_instant

EVENTS = ("A01", "A02", "A03", "A08")
CHUNK = 500
Change = Callable[[], Applied]  # a checked message's change to the held rows


class FastFailed(Exception):
    """A write of the fast route failed: apply the batch through the services."""


class FastRoute:
    """What a batch's messages look up, read once and held for the batch."""

    def __init__(self, session: Session, numbers: Iterable[str]) -> None:
        self.sites: dict[str, int] = {}
        self.wards: dict[tuple[int, str], int] = {}
        self.beds: dict[tuple[int, str], int] = {}
        self.patients: dict[str, Held] = {}  # by NHS number
        self.spells: dict[str, list[Held]] = {}  # by NHS number
        self.located: dict[Held, datetime | None] = {}  # an open spell's location's start
        self.starting: set[int] = set()  # open spells with a placement start confirmed
        # adt_message rows (the spell: its id is known once written), see flush_records.
        self.records: list[tuple[AdtMessage, Held | None, datetime, str]] = []
        self.writes = Writes()
        self._load_places(session)
        self.destinations = set(session.scalars(select(Destination.code)))
        self.methods = set(session.scalars(select(Method.code)))
        self.ethnic = set(session.scalars(select(EthnicCategory.code)))
        self.place_codes: dict[str, str] = {}
        for place in session.scalars(select(Place)):
            self.place_codes[place.code.upper()] = place.code
            self.place_codes.setdefault(place.name.lower(), place.code)
        self.reload(session, sorted(set(numbers)))

    def _load_places(self, session: Session) -> None:
        self.sites = {name: i for i, name in session.execute(select(Site.id, Site.name))}
        self.wards = {
            (s, n): i for i, s, n in session.execute(select(Ward.id, Ward.site_id, Ward.name))
        }
        self.beds = {
            (w, n): i for i, w, n in session.execute(select(Bed.id, Bed.ward_id, Bed.label))
        }

    def reload(self, session: Session, numbers: list[str], *, places: bool = False) -> None:
        """Read these patients (and their spells) again, after the services changed them."""
        if places:
            self._load_places(session)
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            for nhs in chunk:
                self.patients.pop(nhs, None)
                self.spells.pop(nhs, None)
            by_id: dict[int, Held] = {}
            for row in session.execute(
                select(PATIENT).where(PATIENT.c.nhs_number.in_(chunk))
            ).mappings():
                person = _held("patient", row)
                self.patients[row["nhs_number"]] = by_id[row["id"]] = person
                self.spells[row["nhs_number"]] = []
            if by_id:
                self._load_spells(session, by_id)

    def _load_spells(self, session: Session, people: dict[int, Held]) -> None:
        spells: dict[int, Held] = {}
        for row in session.execute(select(SPELL).where(SPELL.c.patient_id.in_(people))).mappings():
            spell = _held("spell", row, patient=people[row["patient_id"]])
            self.spells[people[row["patient_id"]].values["nhs_number"]].append(spell)
            spells[row["id"]] = spell
            self.starting.discard(row["id"])
        rows = session.execute(
            select(SpellFact.spell_id, func.max(SpellFact.valid_from))
            .join(Spell, Spell.id == SpellFact.spell_id)
            .where(
                Spell.patient_id.in_(list(people)),
                Spell.discharged_at.is_(None),
                SpellFact.kind == LOCATION,
                SpellFact.valid_to.is_(None),
            )
            .group_by(SpellFact.spell_id)
        )
        for spell_id, since in rows:  # as facts.started(LOCATION) for each open spell
            self.located[spells[spell_id]] = since
        starting = select(Placement.spell_id).where(
            Placement.spell_id.in_(list(spells)), Placement.state == "start_confirmed"
        )
        self.starting.update(session.scalars(starting))

    # --- writes ------------------------------------------------------------------------

    def flush(self, session: Session) -> None:
        """Write the changes not yet written (before a message the services apply, and
        at the end of the batch)."""
        try:
            self.writes.write(session)
        except Exception as exc:  # noqa: BLE001 - any failed write: the services' route
            raise FastFailed(str(exc)) from exc

    def flush_records(self, session: Session) -> None:
        """Write, then the ``adt_message`` rows of the messages applied here in one
        statement (in the batch's transaction, before its commit)."""
        self.flush(session)
        if self.records:
            rows = [
                {
                    "control_id": m.control_id,
                    "event": m.event,
                    "spell_id": spell.id if spell is not None else None,
                    "applied_at": at,
                    "applied_by": actor,
                }
                for m, spell, at, actor in self.records
            ]
            session.connection().execute(insert(AppliedMessage), rows)
            self.records = []

    # --- the route ---------------------------------------------------------------------

    def apply(self, session: Session, message: AdtMessage, wards: WardMap) -> Applied | None:
        """Apply ``message`` if it is a common case (None: leave it to the services)."""
        if message.event not in EVENTS:
            return None
        try:
            nhs = message.checked_nhs_number()
            change = _ROUTES[message.event](self, session, message, nhs, wards)
        except (MessageError, DomainError):
            return None  # the services will say why
        if change is None:
            return None
        return change()

    def _place(self, location: Location | None, wards: WardMap) -> tuple[int, int, int | None]:
        if location is None:
            raise MessageError("no location")
        found = wards.codes.get(location.code.upper())
        if found is None:
            raise MessageError("unknown location")  # the services may create the ward
        site = self.sites.get(found[0])
        ward = self.wards.get((site, found[1])) if site is not None else None
        if site is None or ward is None:
            raise MessageError("unknown ward")
        label = optional_text(location.bed_label, "bed", kind=NAME, max_length=20)
        bed = None
        if label is not None:
            bed = self.beds.get((ward, label))
            if bed is None:
                raise MessageError("new bed")  # created by the services, then held
        return site, ward, bed

    def _open(self, nhs: str) -> Held:
        found = [s for s in self.spells.get(nhs, []) if s.values["discharged_at"] is None]
        if len(found) != 1:
            raise MessageError("no open spell")
        return found[0]

    def _values(self, message: AdtMessage, nhs: str, known: Held | None) -> dict[str, Any]:
        return patients.clean_details(
            details(message, nhs, known.values if known is not None else None),
            place_code=self._place_code,
            ethnic_known=self.ethnic.__contains__,
            today=clock.today(),
        )

    def _place_code(self, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        code = self.place_codes.get(text.upper()) or self.place_codes.get(text.lower())
        if code is None:
            raise MessageError("unknown place")
        return code

    def _record(self, session: Session, message: AdtMessage, spell: Held | None) -> Applied:
        actor = str(session.info["actor"])
        self.records.append((message, spell, clock.now(), actor))
        return Applied(message.event, spell.id if spell is not None else None)

    # --- spells.admit ------------------------------------------------------------------

    def _admit(
        self, session: Session, message: AdtMessage, nhs: str, wards: WardMap
    ) -> Change | None:
        admitted_at = message.admitted_at or message.event_at
        if admitted_at is None:
            return None
        admitted = check_admitted_at(admitted_at)
        site, ward, bed = self._place(message.location, wards)
        known = self.patients.get(nhs)
        values = self._values(message, nhs, known)
        if any(s.values["discharged_at"] is None for s in self.spells.get(nhs, [])):
            return None  # already in hospital: the services refuse it
        if values["date_of_birth"] > clock.local_date(admitted):
            return None

        def change() -> Applied:
            person = known
            if person is None:
                person = self.patients[nhs] = Held("patient", dict(values))
                self.writes.insert(person)
            else:
                self.writes.update(person, values)
            place = {"site_id": site, "ward_id": ward, "bed_id": bed, "admitted_at": admitted}
            spell = Held("spell", dict.fromkeys(COLUMNS["spell"]) | place, patient=person)
            self.writes.insert(spell)
            self.spells.setdefault(nhs, []).append(spell)
            self.located[spell] = admitted  # the location fact holds from the admission
            return self._record(session, message, spell)

        return change

    # --- spells.transfer ---------------------------------------------------------------

    def _transfer(
        self, session: Session, message: AdtMessage, nhs: str, wards: WardMap
    ) -> Change | None:
        spell = self._open(nhs)
        site, ward, bed = self._place(message.location, wards)
        when = _transfer_time(spell, message.event_at)
        if when is not None:
            if spell in self.located:
                latest = self.located[spell]
            else:
                assert spell.id is not None, "a new spell's location is held"
                latest = facts.started(session, spell.id, LOCATION)
            if latest is not None and when < latest:
                return None  # out of order: history only, as the services do it

        def change() -> Applied:
            since = when or clock.now()  # as the services: the event time, else now
            self.located[spell] = since
            if self.writes.update(spell, {"site_id": site, "ward_id": ward, "bed_id": bed}):
                self.writes.located(spell, since)
            return self._record(session, message, spell)

        return change

    # --- spells.discharge --------------------------------------------------------------

    def _discharge(
        self, session: Session, message: AdtMessage, nhs: str, _w: WardMap
    ) -> Change | None:
        spell = self._open(nhs)
        given = message.discharged_at or message.event_at
        if given is None:
            return None
        leaving = uk_instant(given, "discharged_at")
        if leaving < spell.values["admitted_at"] or leaving > clock.now():
            return None
        destination = dd_code("destination", message.destination)
        method = dd_code("method", message.disposition)
        if destination not in self.destinations or method not in self.methods:
            return None
        if spell.id in self.starting:
            return None  # the services mark the placement started

        def change() -> Applied:
            self.writes.update(
                spell,
                {"destination_code": destination, "method_code": method, "discharged_at": leaving},
            )
            return self._record(session, message, spell)

        return change

    # --- A08: patients.upsert ----------------------------------------------------------

    def _update(
        self, session: Session, message: AdtMessage, nhs: str, _w: WardMap
    ) -> Change | None:
        known = self.patients.get(nhs)
        if known is None:
            return None  # a patient the hub does not know: the services look
        values = self._values(message, nhs, known)
        held = self.spells.get(nhs, [])

        def change() -> Applied:
            self.writes.update(known, values)
            latest = max(held, key=lambda s: clock.as_utc(s.values["admitted_at"]), default=None)
            return self._record(session, message, latest)

        return change


def _held(table: str, row: Any, *, patient: Held | None = None) -> Held:
    """A row read from the database, held."""
    values = {name: row[name] for name in COLUMNS[table]}
    return Held(table, values, id=row["id"], version=row["version"], read=row["version"],
                patient=patient)  # fmt: skip


def _transfer_time(spell: Held, effective_at: datetime | None) -> datetime | None:
    """As ``spells._transfer_time``, refusing by MessageError (the services say why)."""
    if effective_at is None:
        return None
    when = clock.as_utc(effective_at)
    if when > clock.now() or when < clock.as_utc(spell.values["admitted_at"]):
        raise MessageError("transfer time out of range")
    return when


_ROUTES: dict[str, Callable[[FastRoute, Session, AdtMessage, str, WardMap], Change | None]] = {
    "A01": FastRoute._admit,
    "A02": FastRoute._transfer,
    "A03": FastRoute._discharge,
    "A08": FastRoute._update,
}
