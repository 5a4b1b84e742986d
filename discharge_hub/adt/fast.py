"""The common case of A01 / A02 / A03 / A08, applied without the services' look-ups.

Through the services (:mod:`.apply`) a message costs about a dozen queries, each run
in its own SAVEPOINT: the patient by NHS number (three times for an admission), the
site, the ward, the bed, the open spell, the code lists. :class:`FastRoute` reads
what a batch of messages will look up once, holds it, and applies a message whose
every check passes against what it holds with ONE flush of the same ORM objects the
services change, the same way: the audit trail, the history facts (a transfer from
its event time) and the live-refresh notices come from the same flush hooks.

A message it cannot take as it is (no open spell, a ward or bed not yet known, a
value a rule refuses, a placement to start on discharge, A11, A13, ...) is left to
the services (``apply`` returns None), which apply it or reject it with their own
reason; the route then reads that patient again. Its checks run before anything is
changed, so a message it hands on has changed nothing. A flush that fails (another
user changed one of the rows meanwhile, a constraint) raises :class:`FastFailed`:
the caller rolls the batch back and applies it through the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from discharge_hub import clock, facts
from discharge_hub.adt.apply import Applied, _details, dd_code
from discharge_hub.adt.messages import AdtMessage, Location, MessageError
from discharge_hub.adt.wards import WardMap
from discharge_hub.errors import DomainError
from discharge_hub.models import AdtMessage as AppliedMessage
from discharge_hub.models import (
    Bed,
    Destination,
    EthnicCategory,
    Method,
    Patient,
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
GROUP = 64  # records changed by the messages of one flush, at most
Change = Callable[[], Applied]  # a checked message's change: one flush


class FastFailed(Exception):
    """A flush of the fast route failed: apply the batch through the services."""


class FastRoute:
    """What a batch's messages look up, read once and held for the batch."""

    def __init__(self, session: Session, numbers: Iterable[str]) -> None:
        self.held: list[object] = []
        self.sites: dict[str, Site] = {}
        self.wards: dict[tuple[int, str], Ward] = {}
        self.beds: dict[tuple[int, str], Bed] = {}
        self.patients: dict[str, Patient] = {}
        self.spells: dict[Patient, list[Spell]] = {}
        self.located: dict[Spell, datetime | None] = {}  # an open spell's location's start
        self.starting: set[Spell] = set()  # open spells with a placement start confirmed
        # adt_message rows (the spell, or the one not flushed yet), see flush_records.
        self.records: list[tuple[AdtMessage, Spell | int | None, datetime, str]] = []
        # Changes not flushed yet: the objects they touch and their event times.
        self.pending: set[int] = set()
        self.times = ExitStack()
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
        self.sites = {s.name: s for s in session.scalars(select(Site))}
        self.wards = {(w.site_id, w.name): w for w in session.scalars(select(Ward))}
        self.beds = {(b.ward_id, b.label): b for b in session.scalars(select(Bed))}
        self.held += [*self.sites.values(), *self.wards.values(), *self.beds.values()]

    def reload(self, session: Session, numbers: list[str], *, places: bool = False) -> None:
        """Read these patients (and their spells) again, after the services changed them."""
        if places:
            self._load_places(session)
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            for nhs in chunk:
                self.patients.pop(nhs, None)
            people = list(session.scalars(select(Patient).where(Patient.nhs_number.in_(chunk))))
            by_id = {p.id: p for p in people}
            for person in people:
                self.patients[person.nhs_number] = person
                self.spells[person] = []
            if by_id:
                spells = {}
                for spell in session.scalars(select(Spell).where(Spell.patient_id.in_(by_id))):
                    self.spells[by_id[spell.patient_id]].append(spell)
                    self.located.pop(spell, None)
                    self.starting.discard(spell)
                    spells[spell.id] = spell
                self._load_located(session, list(by_id), spells)
                starting = select(Placement.spell_id).where(
                    Placement.spell_id.in_(list(spells)), Placement.state == "start_confirmed"
                )
                self.starting.update(spells[i] for i in session.scalars(starting))
            self.held += people

    def _load_located(
        self, session: Session, patient_ids: list[int], spells: dict[int, Spell]
    ) -> None:
        """As ``facts.started(LOCATION)`` for each open spell of these patients."""
        rows = session.execute(
            select(SpellFact.spell_id, func.max(SpellFact.valid_from))
            .join(Spell, Spell.id == SpellFact.spell_id)
            .where(
                Spell.patient_id.in_(patient_ids),
                Spell.discharged_at.is_(None),
                SpellFact.kind == LOCATION,
                SpellFact.valid_to.is_(None),
            )
            .group_by(SpellFact.spell_id)
        )
        for spell_id, since in rows:
            self.located[spells[spell_id]] = since

    # --- flushes -----------------------------------------------------------------------

    def _touch(self, session: Session, *objects: object) -> None:
        """Before a change to ``objects``: flush the changes not yet flushed if one of
        them touched these (one flush per change of a record: its own version and
        audit rows, as a service's flush), or if there are many."""
        if len(self.pending) >= GROUP or any(id(o) in self.pending for o in objects):
            self.flush(session)
        self.pending.update(id(o) for o in objects)

    def flush(self, session: Session) -> None:
        """Write the changes not yet flushed: changes to different patients and spells
        share a flush (the audit rows, facts and notices are the same as one flush
        each); each transfer's facts hold from its own time."""
        try:
            session.flush()
        except Exception as exc:  # noqa: BLE001 - any failed flush: the services' route
            raise FastFailed(str(exc)) from exc
        finally:
            self.times.close()
            self.times = ExitStack()
            self.pending.clear()

    def flush_records(self, session: Session) -> None:
        """Flush, then the ``adt_message`` rows of the messages applied here in one
        statement (in the batch's transaction, before its commit)."""
        self.flush(session)
        if self.records:
            rows = [
                {
                    "control_id": m.control_id,
                    "event": m.event,
                    "spell_id": spell.id if isinstance(spell, Spell) else spell,
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
        try:
            return change()
        except FastFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - any failed flush: the services' route
            raise FastFailed(str(exc)) from exc

    def _place(self, location: Location | None, wards: WardMap) -> tuple[Site, Ward, Bed | None]:
        if location is None:
            raise MessageError("no location")
        found = wards.codes.get(location.code.upper())
        if found is None:
            raise MessageError("unknown location")  # the services may create the ward
        site = self.sites.get(found[0])
        ward = self.wards.get((site.id, found[1])) if site else None
        if site is None or ward is None:
            raise MessageError("unknown ward")
        label = optional_text(location.bed_label, "bed", kind=NAME, max_length=20)
        bed = None
        if label is not None:
            bed = self.beds.get((ward.id, label))
            if bed is None:
                raise MessageError("new bed")  # created by the services, then held
        return site, ward, bed

    def _open(self, nhs: str) -> Spell:
        person = self.patients.get(nhs)
        found = (
            [s for s in self.spells.get(person, []) if s.discharged_at is None] if person else []
        )
        if len(found) != 1:
            raise MessageError("no open spell")
        return found[0]

    def _values(self, message: AdtMessage, nhs: str, known: Patient | None) -> dict[str, Any]:
        return patients.clean_details(
            _details(message, nhs, known),
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

    def _record(self, session: Session, message: AdtMessage, spell: Spell | None) -> Applied:
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
        if known is not None and any(s.discharged_at is None for s in self.spells.get(known, [])):
            return None  # already in hospital: the services refuse it
        if values["date_of_birth"] > clock.local_date(admitted):
            return None

        def change() -> Applied:
            person = known
            if person is None:
                person = Patient(**values)
                session.add(person)
            else:
                self._touch(session, person)
                for key, value in values.items():
                    if getattr(person, key) != value:
                        setattr(person, key, value)
            spell = Spell(
                patient=person, site=site, ward=ward, bed=bed, admitted_at=admitted, specialty=None
            )
            session.add(spell)
            self._touch(session, person, spell)
            self.patients[nhs] = person
            self.spells.setdefault(person, []).append(spell)
            self.held += [person, spell]
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
                latest = facts.started(session, spell.id, LOCATION)
            if latest is not None and when < latest:
                return None  # out of order: history only, as the services do it

        def change() -> Applied:
            self._touch(session, spell)
            self.located[spell] = when or clock.now()  # as the fact written now
            if when is not None:  # the new location holds from then (in the next flush)
                self.times.enter_context(facts.happened_at(session, spell.id, when))
            spell.site, spell.ward, spell.bed = site, ward, bed
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
        if leaving < spell.admitted_at or leaving > clock.now():
            return None
        destination = dd_code("destination", message.destination)
        method = dd_code("method", message.disposition)
        if destination not in self.destinations or method not in self.methods:
            return None
        if spell in self.starting:
            return None  # the services mark the placement started

        def change() -> Applied:
            self._touch(session, spell)
            spell.destination_code = destination
            spell.method_code = method
            spell.discharged_at = leaving
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
        held = self.spells.get(known, [])

        def change() -> Applied:
            self._touch(session, known)
            for key, value in values.items():
                if getattr(known, key) != value:
                    setattr(known, key, value)
            latest = max(held, key=lambda s: clock.as_utc(s.admitted_at), default=None)
            return self._record(session, message, latest)

        return change


def _transfer_time(spell: Spell, effective_at: datetime | None) -> datetime | None:
    """As ``spells._transfer_time``, refusing by MessageError (the services say why)."""
    if effective_at is None:
        return None
    when = clock.as_utc(effective_at)
    if when > clock.now() or when < clock.as_utc(spell.admitted_at):
        raise MessageError("transfer time out of range")
    return when


_ROUTES: dict[str, Callable[[FastRoute, Session, AdtMessage, str, WardMap], Change | None]] = {
    "A01": FastRoute._admit,
    "A02": FastRoute._transfer,
    "A03": FastRoute._discharge,
    "A08": FastRoute._update,
}
