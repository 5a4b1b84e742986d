"""Row generators for ``build_data.py``: the estate, providers, patients and spells with
their histories, as plain dicts per table (nothing is written here).

Split from ``build_data.py`` to keep each module within the house size limit.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from discharge_hub import clock  # noqa: E402
from discharge_hub.models import (  # noqa: E402
    Barrier,
    BarrierKind,
    Bed,
    Carer,
    CarerContact,
    ContactMethod,
    Criterion,
    CtrReview,
    CtrReviewCriterion,
    DelayReason,
    Destination,
    EddChange,
    EthnicCategory,
    HubReferral,
    Method,
    Pathway,
    Patient,
    Place,
    Placement,
    Provider,
    ProviderPlace,
    ProviderServiceType,
    Red2GreenDay,
    ServiceType,
    Site,
    Spell,
    Ward,
)
from discharge_hub.services.drd import derive_drd  # noqa: E402
from discharge_hub.validators import nhs_check_digit  # noqa: E402

ACTOR = "bench"
CHUNK = 10_000
HISTORY_DAYS = 3 * 365
BEDS_PER_WARD = 28

FAMILY = (
    "Smith Jones Patel Khan Taylor Brown Williams Wilson Johnson Davies Robinson Wright "
    "Thompson Evans Walker White Roberts Green Hall Wood Mistry Chauhan Parmar Mann "
    "Kowalski Nowak O'Neill O'Brien Ndlovu-Smith Clarke-Hughes Hughes Edwards Lewis "
    "Mensah Okafor Begum Ahmed Hussain Singh Kaur Shah Lakhani Mohammed Ali"
).split()
GIVEN = (
    "Mary Margaret Joan Dorothy Patricia Zoë Anne Jean Susan Barbara Sita Priya Amrit "
    "Fatima Aisha John David Michael Peter Robert William James Łukasz Wojciech Ravi "
    "Sanjay Mohammed Yusuf Kwame Chidi Siân Eóin Renée José"
).split()
WARD_NAMES = (
    "Ward {n}",
    "Bosworth {n}",
    "Charnwood {n}",
    "Fosse {n}",
    "Rutland {n}",
    "Beacon {n}",
)
LANGUAGES = ("Gujarati", "Punjabi", "Polish", "Urdu", "Somali", "Bengali", "Arabic")
PATHWAY_WEIGHTS = {"P0": 45, "P1": 25, "P2": 15, "P3": 10, "P3b": 5}
WAITING = ("requested", "assessing", "offered", "accepted", "start_confirmed")
BARRIER_TEXT = (
    "TTOs not written",
    "Transport to be booked",
    "Hospital bed and hoist to be delivered",
    "Key safe to be fitted",
    "OT home visit",
    "CHC checklist to complete",
    "Best-interests meeting with family",
    "Safeguarding strategy meeting",
    "Family meeting about care home choice",
    "Awaiting social worker allocation",
)
NEXT_ACTIONS = (
    "Chase package of care with provider",
    "Confirm start date with care home",
    "Book transport for tomorrow",
    "Ring daughter re: key safe",
    "Ward round review of TTOs",
)


@dataclass
class BuildResult:
    """What ``build`` wrote: row counts per table, the date it built for, seconds taken."""

    today: date
    counts: dict[str, int]
    seconds: float

    def summary(self) -> str:
        rows = sum(self.counts.values())
        parts = ", ".join(f"{k} {v:,}" for k, v in self.counts.items())
        return f"{rows:,} rows in {self.seconds:.1f} s (today {self.today}): {parts}"


@dataclass
class _Refs:
    """Reference codes and ids as they are in the database being filled."""

    sites: list[int]
    site_kind: dict[int, str]
    pathways: list[str]
    through_hub: dict[str, bool]
    delay_reasons: list[int]
    criteria: list[str]
    destinations: list[str]
    methods: list[str]
    places: list[str]
    ethnic: list[str]
    barrier_kinds: list[str]
    contact_methods: list[str]
    service_types: dict[str, str | None]  # code → pathway


@dataclass
class _Rows:
    tables: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: dict[Table, int] = field(default_factory=dict)

    def add(self, model: Any, row: dict[str, Any], *, with_id: bool = True) -> int:
        table: Table = model.__table__
        if with_id:
            row["id"] = self.next_id[table]
            self.next_id[table] += 1
        self.tables.setdefault(table, []).append(row)
        return int(row.get("id", 0))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _stamp(at: datetime, updated: datetime | None = None) -> dict[str, Any]:
    return {
        "version": 1,
        "created_at": at,
        "created_by": ACTOR,
        "updated_at": updated or at,
        "updated_by": ACTOR,
    }


def _load_refs(conn: Connection) -> _Refs:
    def col(c: Any, *where: Any) -> list[Any]:
        return list(conn.scalars(select(c).where(*where).order_by(c)))

    sites = conn.execute(select(Site.id, Site.kind).order_by(Site.id)).all()
    return _Refs(
        sites=[s.id for s in sites],
        site_kind={s.id: s.kind for s in sites},
        pathways=col(Pathway.code),
        through_hub=dict(conn.execute(select(Pathway.code, Pathway.through_hub)).all()),
        delay_reasons=col(DelayReason.id, DelayReason.active.is_(True)),
        criteria=col(Criterion.code),
        destinations=col(Destination.code),
        methods=col(Method.code),
        places=col(Place.code),
        ethnic=col(EthnicCategory.code),
        barrier_kinds=col(BarrierKind.code),
        contact_methods=col(ContactMethod.code),
        service_types=dict(conn.execute(select(ServiceType.code, ServiceType.pathway_code)).all()),
    )


def _at(day: date, hour: float) -> datetime:
    """An instant at ``hour`` (fractional) on a UK calendar day."""
    local = datetime.combine(day, time(0), tzinfo=clock.LONDON) + timedelta(hours=hour)
    return local.astimezone(UTC)


def _nhs_numbers(rng: random.Random, taken: set[str]) -> Iterator[str]:
    """Valid, unused NHS numbers from the test range 999 000 0000–999 999 9999."""
    start = rng.randrange(1_000_000)
    for step in range(1_000_000):
        nine = f"999{(start + step) % 1_000_000:06d}"
        check = nhs_check_digit(nine)
        if check is not None and nine + str(check) not in taken:
            yield nine + str(check)
    raise RuntimeError("the NHS test range is exhausted")


class _Builder:
    def __init__(self, conn: Connection, refs: _Refs, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.refs = refs
        self.today = today
        self.now = min(clock.now(), _at(today, 23.9))
        self.rows = _Rows()
        for model in _ID_TABLES:
            table = model.__table__
            top = conn.scalar(select(func.max(table.c.id)))
            self.rows.next_id[table] = (top or 0) + 1
        taken = set(conn.scalars(select(Patient.nhs_number)))
        self.nhs = _nhs_numbers(self.rng, taken)
        self.ward_names = {tuple(r) for r in conn.execute(select(Ward.site_id, Ward.name))}
        self.provider_names = set(conn.scalars(select(Provider.name)))

    # -- estate and providers -------------------------------------------------------

    def estate(self, open_spells: int) -> None:
        """Wards with beds at every site, enough for the open spells (acute sites weigh 3)."""
        weights = [3 if self.refs.site_kind[s] == "acute" else 1 for s in self.refs.sites]
        wards_needed = max(len(weights), -(-int(open_spells * 1.15) // BEDS_PER_WARD))
        self.beds: list[tuple[int, int, int]] = []  # (site, ward, bed)
        self.wards: list[tuple[int, int]] = []
        at = _at(self.today - timedelta(days=HISTORY_DAYS + 30), 9)
        per_site = [max(1, round(wards_needed * w / sum(weights))) for w in weights]
        for site_id, count in zip(self.refs.sites, per_site, strict=True):
            n = 0
            while count:
                n += 1
                name = WARD_NAMES[n % len(WARD_NAMES)].format(n=n)
                if (site_id, name) in self.ward_names:
                    continue
                count -= 1
                ward_id = self.rows.add(
                    Ward,
                    {"site_id": site_id, "name": name, "specialty": None, "active": True}
                    | _stamp(at),
                )
                self.wards.append((site_id, ward_id))
                for b in range(1, BEDS_PER_WARD + 1):
                    label = f"B{b}"
                    bed_id = self.rows.add(
                        Bed,
                        {"ward_id": ward_id, "label": label, "sort_key": f"B{b:06d}"} | _stamp(at),
                    )
                    self.beds.append((site_id, ward_id, bed_id))

    def providers(self, count: int = 36) -> None:
        """Providers across the service types and places."""
        at = _at(self.today - timedelta(days=HISTORY_DAYS + 30), 9)
        self.provider_by_type: dict[str, list[int]] = {}
        towns = ("Leicester", "Loughborough", "Hinckley", "Melton", "Oakham", "Wigston")
        codes = sorted(self.refs.service_types)
        for i in range(count):
            stype = codes[i % len(codes)]
            name = f"{towns[i % len(towns)]} {stype.replace('_', ' ').title()} {i + 1} (bench)"
            if name in self.provider_names:
                continue
            beds = self.rng.randint(10, 60)
            pid = self.rows.add(
                Provider,
                {
                    # Bench codes: "1-" and 11 digits, a length the demo's never use.
                    "code": f"1-{88_000_000_000 + i:011d}",
                    "name": name,
                    "capacity": beds,
                    "capacity_unit": "beds",
                    "vacancies": self.rng.randint(0, beds // 4),
                    "vacancies_as_of": at,
                    "phone": f"0116 496 {i:04d}",
                }
                | _stamp(at),
            )
            link = {"provider_id": pid, "service_type_code": stype}
            self.rows.add(ProviderServiceType, link, with_id=False)
            for place in self.rng.sample(self.refs.places, self.rng.randint(1, 3)):
                self.rows.add(
                    ProviderPlace, {"provider_id": pid, "place_code": place}, with_id=False
                )
            self.provider_by_type.setdefault(stype, []).append(pid)

    # -- people ---------------------------------------------------------------------

    def patient(self, admitted: date) -> tuple[int, str | None]:
        rng = self.rng
        age = int(rng.triangular(18, 103, 84))
        born = admitted - timedelta(days=age * 365 + rng.randrange(365))
        place = rng.choice(self.refs.places)
        language = rng.choice(LANGUAGES) if rng.random() < 0.08 else None
        pid = self.rows.add(
            Patient,
            {
                "nhs_number": next(self.nhs),
                "family_name": rng.choice(FAMILY),
                "given_name": rng.choice(GIVEN),
                "date_of_birth": born,
                "sex": rng.choice("MFFU" if rng.random() < 0.02 else "MF"),
                "postcode": f"LE{rng.randint(1, 19)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
                f"{rng.choice('LNPQRSTUWXYZ')}",
                "place_code": place,
                "gp_practice": None,
                "ethnic_category_code": rng.choice(self.refs.ethnic),
                "preferred_language": language,
                "interpreter_needed": language is not None,
                "lives_alone": rng.random() < 0.4,
                "communication_needs": None,
            }
            | _stamp(_at(admitted, 0.5)),
        )
        return pid, place

    def pathway(self) -> str | None:
        codes = [c for c in PATHWAY_WEIGHTS if c in self.refs.pathways]
        return self.rng.choices(codes, [PATHWAY_WEIGHTS[c] for c in codes])[0]

    # -- spells and their histories -------------------------------------------------

    def when(self, day: date, hour: float, after: datetime) -> datetime:
        """An instant on ``day`` no earlier than just after ``after`` and not in the future."""
        return min(max(_at(day, hour), after + timedelta(minutes=20)), self.now)

    def spell(
        self, patient_id: int, where: tuple[int, int, int | None], admitted: datetime
    ) -> dict[str, Any]:
        site_id, ward_id, bed_id = where
        row: dict[str, Any] = {
            "patient_id": patient_id,
            "site_id": site_id,
            "ward_id": ward_id,
            "bed_id": bed_id,
            "admitted_at": admitted,
            "specialty": self.rng.choice(("General Medicine", "Care of the Elderly", "Stroke")),
            "edd": None,
            "discharge_ready_date": None,
            "pathway_code": None,
            "delay_reason_id": None,
            "next_action": None,
        }
        row |= dict.fromkeys(_NOTES_COLUMNS)
        row |= {"discharged_at": None, "destination_code": None, "method_code": None}
        row |= _stamp(admitted)
        self.rows.add(Spell, row)
        return row

    def open_spell(self, patient_id: int, place: str | None, day: date, hour: float) -> None:
        rng = self.rng
        bed = self.bed_pool.pop() if self.bed_pool and rng.random() < 0.95 else None
        where = bed or (*rng.choice(self.wards), None)
        admitted = min(_at(day, hour), self.now - timedelta(minutes=30))
        row = self.spell(patient_id, where, admitted)
        sid, last = row["id"], self.today - timedelta(days=1)
        drd = derive_drd(self.ctr_reviews(sid, day, last, admitted, ready=rng.random() < 0.4))
        row["discharge_ready_date"] = drd
        row["edd"] = self.edd_history(sid, day, max(day, last), admitted, 0.8)
        row["pathway_code"] = self.pathway() if rng.random() < 0.85 else None
        if drd is not None and drd < self.today and rng.random() < 0.8:
            row["delay_reason_id"] = rng.choice(self.refs.delay_reasons)
        if rng.random() < 0.25:
            row["next_action"] = rng.choice(NEXT_ACTIONS)
        if row["pathway_code"] and self.refs.through_hub.get(row["pathway_code"]):
            self.placements(row, place, day, self.today, None)
        contacts = 0 if rng.random() < 0.3 else rng.randint(1, 5)
        self.carers(sid, day, self.today, admitted, rng.choice((0, 1, 1, 1, 2)), contacts)
        self.barriers(sid, day, admitted, rng.choice((0, 1, 1, 2, 3, 4)), open_share=0.6)
        self.red2green(sid, day)
        row["updated_at"] = max(row["updated_at"], self.when(last, 17, admitted))

    def discharged_spell(
        self,
        patient_id: int,
        place: str | None,
        day: date,
        out_day: date,
        hours: tuple[float, float],
    ) -> None:
        rng = self.rng
        admitted, discharged = _at(day, hours[0]), _at(out_day, hours[1])
        row = self.spell(patient_id, rng.choice(self.beds), admitted)
        sid = row["id"]
        row["discharge_ready_date"] = derive_drd(
            self.ctr_reviews(sid, day, out_day, admitted, ready=True, most=2)
        )
        row["edd"] = self.edd_history(sid, day, out_day, admitted, 0.9, (0, 0, 1))
        row["pathway_code"] = self.pathway()
        row |= {
            "discharged_at": discharged,
            "destination_code": rng.choice(self.refs.destinations),
            "method_code": rng.choice(self.refs.methods),
            "updated_at": discharged,
        }
        if self.refs.through_hub.get(row["pathway_code"]):
            self.placements(row, place, day, out_day, discharged)
        self.carers(sid, day, out_day, admitted, rng.choice((0, 0, 1)), rng.randint(0, 2))
        self.barriers(sid, day, admitted, rng.choice((0, 0, 1, 2)), open_share=0.0)

    def ctr_reviews(
        self,
        sid: int,
        admit_day: date,
        last: date,
        admitted: datetime,
        *,
        ready: bool,
        most: int = 4,
    ) -> list[tuple[date, bool]]:
        """Reviews from the day after admission; ``ready`` ends on "does not meet"."""
        rng, span = self.rng, (last - admit_day).days
        if span < 1:
            return []
        days = sorted(rng.sample(range(1, span + 1), min(span, rng.randint(1, most))))
        meets = [True] * len(days)
        for i in range(1, len(days)):  # some go met → not met → met → not met
            meets[i] = meets[i - 1] if rng.random() < 0.7 else not meets[i - 1]
        meets[-1] = not ready
        out = []
        for offset, met in zip(days, meets, strict=True):
            on = admit_day + timedelta(days=offset)
            rid = self.rows.add(
                CtrReview,
                {
                    "spell_id": sid,
                    "review_date": on,
                    "meets_criteria": met,
                    "note": None,
                    "reviewed_by": ACTOR,
                    "recorded_at": self.when(on, 11, admitted),
                },
            )
            for code in rng.sample(self.refs.criteria, rng.randint(1, 2)) if met else ():
                self.rows.add(
                    CtrReviewCriterion, {"review_id": rid, "criterion_code": code}, with_id=False
                )
            out.append((on, met))
        return out

    def edd_history(
        self,
        sid: int,
        admit_day: date,
        last: date,
        admitted: datetime,
        share: float,
        slips: tuple[int, ...] = (0, 0, 1, 2, 3),
    ) -> date | None:
        """EDD set on admission, then slipped 0–3 times; returns the current EDD."""
        rng = self.rng
        if rng.random() >= share:
            return None
        edd, old = admit_day + timedelta(days=rng.randint(2, 10)), None
        span = (last - admit_day).days
        changes = sorted(rng.sample(range(span + 1), min(span + 1, rng.choice(slips))))
        for n, offset in enumerate([0, *changes]):
            if n:
                old, edd = edd, edd + timedelta(days=rng.randint(1, 7))
            on = admit_day + timedelta(days=offset)
            self.rows.add(
                EddChange,
                {
                    "spell_id": sid,
                    "old_edd": old,
                    "new_edd": edd,
                    "reason": "Initial EDD" if old is None else "Awaiting package of care",
                    "changed_by": ACTOR,
                    "changed_at": self.when(on, 15, admitted),
                },
            )
        return edd

    def placements(
        self,
        spell: dict[str, Any],
        place: str | None,
        first: date,
        last: date,
        discharged: datetime | None,
    ) -> None:
        """A hub referral and a chain of placements: earlier ones declined or cancelled,
        the latest waiting (open spell) or started (discharged)."""
        rng, sid, admitted = self.rng, spell["id"], spell["admitted_at"]
        pathway = spell["pathway_code"]
        n = rng.choice((1, 1, 2)) if discharged else rng.choice((0, 1, 1, 1, 2, 2, 3))
        if n == 0 and rng.random() < 0.5:
            return
        at = self.when(
            first + timedelta(days=rng.randint(0, (last - first).days // 2)), 10, admitted
        )
        ref = {
            "spell_id": sid,
            "pathway_code": pathway,
            "referred_at": at,
            "referred_by": ACTOR,
            "state": "referred",
            "accepted_at": None,
            "accepted_by": None,
            "notes": None,
        }
        if n or rng.random() < 0.5:
            ref |= {
                "state": "accepted",
                "accepted_at": self.when(at.date(), 16, at),
                "accepted_by": ACTOR,
            }
        ref_id = self.rows.add(HubReferral, ref | _stamp(at, ref["accepted_at"]))
        hub_pathway = "P3" if pathway == "P3b" else pathway
        types = [c for c, p in self.refs.service_types.items() if p == hub_pathway]
        end = discharged or self.now
        for j in range(n):
            latest = j == n - 1
            if latest:
                state = "started" if discharged else rng.choice((*WAITING, "declined"))
            else:
                state = rng.choice(("declined", "cancelled"))
            requested = at + (end - at) * (j / n) + timedelta(minutes=30)
            changed = requested + (end - requested) * rng.uniform(0.1, 0.9)
            if discharged and latest:
                changed = discharged
            stype = rng.choice(types or sorted(self.refs.service_types))
            offered = state not in ("requested", "assessing")
            provider = rng.choice(self.provider_by_type.get(stype) or [None]) if offered else None
            starts = state in ("start_confirmed", "started")
            self.rows.add(
                Placement,
                {
                    "spell_id": sid,
                    "referral_id": ref_id,
                    "service_type_code": stype,
                    "provider_id": provider,
                    "place_code": place,
                    "state": state,
                    "funding": rng.choice(("council", "nhs", "chc", "self", "joint")),
                    "requested_at": requested,
                    "requested_by": ACTOR,
                    "start_date": clock.local_date(discharged or end)
                    + timedelta(days=1 if not discharged else 0)
                    if starts
                    else None,
                    "started_at": discharged if state == "started" else None,
                    "state_changed_at": changed,
                    "outcome_reason": "No capacity" if state in ("declined", "cancelled") else None,
                    "notes": None,
                }
                | _stamp(requested, changed),
            )

    def carers(
        self, sid: int, first: date, last: date, admitted: datetime, carers: int, contacts: int
    ) -> None:
        rng = self.rng
        ids = []
        for k in range(carers):
            language = rng.choice(LANGUAGES) if rng.random() < 0.05 else None
            status = rng.choice((None, None, "offered", "referred", "declined"))
            ids.append(
                self.rows.add(
                    Carer,
                    {
                        "spell_id": sid,
                        "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                        "relationship_to_patient": rng.choice(
                            ("Daughter", "Son", "Wife", "Husband", "Friend")
                        ),
                        "contact": f"07700 900{rng.randrange(1000):03d}",
                        "is_main_carer": k == 0,
                        "consent_to_share": rng.random() < 0.8,
                        "language": language,
                        "interpreter_needed": language is not None,
                        "assessment_status": status,
                        "assessment_on": (first + timedelta(days=1)) if status else None,
                    }
                    | _stamp(self.when(first, 12, admitted)),
                )
            )
        span = max(0, (last - first).days)
        for _ in range(contacts):
            on = self.when(
                first + timedelta(days=rng.randint(0, span)), rng.uniform(9, 17), admitted
            )
            carer = rng.choice(ids) if ids and rng.random() < 0.8 else None
            self.rows.add(
                CarerContact,
                {
                    "spell_id": sid,
                    "carer_id": carer,
                    "contact_at": on,
                    "with_whom": "Carer" if carer else "Patient",
                    "method_code": rng.choice(self.refs.contact_methods),
                    "interpreter_used": False,
                    "discussed": "Discharge plan and expected date",
                    "agreed": None if rng.random() < 0.5 else "Family to bring clothes",
                    "next_contact_due": None,
                    "recorded_by": ACTOR,
                    "recorded_at": on,
                },
            )

    def barriers(
        self, sid: int, first: date, admitted: datetime, n: int, *, open_share: float
    ) -> None:
        rng = self.rng
        for _ in range(n):
            raised = self.when(first + timedelta(days=rng.randint(0, 2)), 13, admitted)
            is_open = rng.random() < open_share
            resolved = (
                None if is_open else min(raised + timedelta(days=rng.uniform(0.2, 3)), self.now)
            )
            due = self.today + timedelta(days=rng.randint(-5, 7)) if rng.random() < 0.8 else None
            self.rows.add(
                Barrier,
                {
                    "spell_id": sid,
                    "kind_code": rng.choice(self.refs.barrier_kinds),
                    "description": rng.choice(BARRIER_TEXT),
                    "owner": rng.choice(("Ward", "Hub", "Social care")),
                    "due_date": due if is_open else clock.local_date(raised),
                    "state": "open"
                    if is_open
                    else rng.choice(("resolved", "resolved", "cancelled")),
                    "resolved_at": resolved,
                    "resolved_by": None if is_open else ACTOR,
                    "resolution": None if is_open else "Done",
                }
                | _stamp(raised, resolved),
            )

    def red2green(self, sid: int, admit_day: date) -> None:
        for back in range(1, min(3, (self.today - admit_day).days) + 1):
            on = self.today - timedelta(days=back)
            colour = self.rng.choice(("red", "green", "green"))
            self.rows.add(
                Red2GreenDay,
                {
                    "spell_id": sid,
                    "day": on,
                    "colour": colour,
                    "reason": "Awaiting TTOs" if colour == "red" else None,
                }
                | _stamp(_at(on, 18)),
            )


_NOTES_COLUMNS = (
    "capacity_notes",
    "lasting_power_of_attorney",
    "patient_wishes",
    "safety_alerts",
    "home_environment",
    "information_given",
)


def add_spells(b: _Builder, open_n: int, discharged_n: int) -> None:
    """Patients with one open spell each, and a history of non-overlapping discharged
    spells spread over the last three years (some patients are readmitted)."""
    rng, today = b.rng, b.today
    b.bed_pool = list(b.beds)
    rng.shuffle(b.bed_pool)
    opens = [
        (today - timedelta(days=min(120, int(rng.expovariate(1 / 12)))), rng.uniform(0, 23.5))
        for _ in range(open_n)
    ]
    history_only = int(discharged_n * 0.7)
    people = open_n + history_only
    owners = list(range(open_n, people))
    owners += [rng.randrange(people) for _ in range(discharged_n - history_only)]
    per = [0] * people
    for owner in owners:
        per[owner] += 1
    # Plan every spell first, then write them in admission order, so ids grow with
    # time as in a live database (the open spells and their rows at the tables' tail).
    plans: list[tuple[datetime, int, tuple[Any, ...]]] = []
    for k in range(people):
        end = (opens[k][0] if k < open_n else today) - timedelta(days=1)
        slot = HISTORY_DAYS // max(1, per[k])
        for s in range(per[k]):
            first = end - timedelta(days=HISTORY_DAYS - slot * s)
            day = first + timedelta(days=rng.randint(0, max(0, slot - 2)))
            los = min(int(rng.expovariate(1 / 7)), (first - day).days + slot - 1)
            hours = (rng.uniform(0, 10), rng.uniform(11, 19))
            plans.append((_at(day, hours[0]), k, (day, day + timedelta(days=los), hours)))
        if k < open_n:
            plans.append((_at(*opens[k]), k, opens[k]))
    plans.sort(key=lambda p: (p[0], p[1]))
    patients: dict[int, tuple[int, str | None]] = {}
    for _when, k, plan in plans:
        if k not in patients:
            patients[k] = b.patient(plan[0])
        if len(plan) == 3:
            b.discharged_spell(*patients[k], *plan)
        else:
            b.open_spell(*patients[k], *plan)


_ID_TABLES = (
    Ward,
    Bed,
    Provider,
    Patient,
    Spell,
    HubReferral,
    Placement,
    Carer,
    CarerContact,
    Barrier,
    EddChange,
    CtrReview,
    Red2GreenDay,
)
