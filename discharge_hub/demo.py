"""Synthetic LLR demo data, deterministic for a seed.

The estate and the providers are written through the services. The patients' stories
are then planned in memory, every step checked by the rules of the service that
takes it (:mod:`discharge_hub.demo_steps`), with the time it happens in the story;
and written in bulk in one unit of work (:mod:`discharge_hub.demo_plan`): the rows,
the audit trail (stamped with the story's times, as the rows are) and the history
facts (so the reports of past days read like the story too). The board summaries
follow from the database's triggers. Dates are relative to ``today``. NHS numbers come
only from the test range 999 000 0000–999 999 9999.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from discharge_hub import changes, clock
from discharge_hub import demo_data as data
from discharge_hub.db import Database
from discharge_hub.demo_plan import Plan, first_ids, write
from discharge_hub.demo_steps import add_ward
from discharge_hub.demo_story import World, discharged_story, open_story
from discharge_hub.demo_world import load_codes
from discharge_hub.display import dates
from discharge_hub.errors import DomainError, ValidationError
from discharge_hub.models import (
    Barrier,
    Bed,
    Carer,
    CarerContact,
    Patient,
    Placement,
    Provider,
    Site,
    Spell,
    Ward,
)
from discharge_hub.services import hub, spells
from discharge_hub.services.patients import PatientDetails
from discharge_hub.validators import nhs_check_digit

MAX_PATIENTS = 50_000
CHUNK = 2_000  # stories planned, then written, at a time (one transaction for all)

# Open-spell stages (weight). Each appears at least once when there are enough patients.
STAGES: tuple[tuple[str, int], ...] = (
    ("new", 6),  # admitted today or yesterday, no EDD yet
    ("no_edd", 3),  # in a few days and still no EDD
    ("treating", 22),  # meets the criteria to reside
    ("edd_slipped", 10),  # EDD moved several times
    ("ready_today", 5),  # stopped meeting the criteria today
    ("nctr_P0", 10),
    ("nctr_P1", 14),
    ("nctr_P2", 10),
    ("nctr_P3", 8),
    ("nctr_P3b", 4),
    ("remet", 5),  # met, then not, then met again
)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote (counted in the database afterwards)."""

    wards: int
    beds: int
    providers: int
    patients: int
    open_spells: int
    discharged_spells: int
    placements: int
    carers: int
    carer_contacts: int
    barriers: int

    def __str__(self) -> str:
        return (
            f"{self.patients} patients: {self.open_spells} in hospital, "
            f"{self.discharged_spells} discharged in the last 30 days; {self.wards} wards, "
            f"{self.beds} beds, {self.providers} providers, {self.placements} placements, "
            f"{self.carers} carers, {self.carer_contacts} carer contacts, "
            f"{self.barriers} barriers"
        )


def generate(
    database: Database,
    *,
    patients: int = 400,
    seed: int = 1,
    today: date | None = None,
    actor: str = "demo",
) -> DemoSummary:
    """Fill an empty database with ``patients`` open spells and about half as many
    discharged ones. Refuses a database that already holds patients."""
    on = today or clock.today()
    if on > clock.today():
        raise ValidationError("today", dates.uk_date(on), "is in the future")
    if not 1 <= patients <= MAX_PATIENTS:
        raise ValidationError("patients", patients, f"must be between 1 and {MAX_PATIENTS}")
    latest = clock.local(clock.now()).replace(tzinfo=None) - timedelta(minutes=1)
    world = World(random.Random(seed), on, latest)
    discharged = patients // 2
    people = _people(world, patients + discharged)
    with database.unit_of_work(actor) as session:
        _refuse_if_not_empty(session)
        new_wards = _estate(session, world, patients)
        _providers(session, world)
        stages = _stages(world, patients)
        conn = session.connection()
        world.codes = load_codes(session)
        world.plan = Plan(str(session.info["actor"]), first_ids(conn))
        for site, name, specialty, labels in new_wards:
            add_ward(world, site, name, specialty, labels, world.latest + timedelta(minutes=1))
        stories: list[tuple[PatientDetails, str | None]] = [
            *zip(people[:patients], stages, strict=True)
        ]
        stories += [(person, None) for person in people[patients:]]
        for n, (person, stage) in enumerate(stories, start=1):
            if stage is None:
                discharged_story(world, person)
            else:
                open_story(world, person, stage)
            if n % CHUNK == 0 or n == len(stories):  # written as it goes: memory stays small
                write(conn, world.plan, moment=clock.now())
                world.plan = Plan(world.plan.actor, world.plan.next_ids)
        changes.announce(conn, changes.Change(all=True))
    with database.read() as session:
        return _summary(session)


def _refuse_if_not_empty(session: Session) -> None:
    count = session.scalar(select(func.count()).select_from(Patient)) or 0
    if count:
        raise DomainError(
            f"This database already holds {count} patients. Demo data goes only into an "
            "empty database, so it never mixes with real records: choose a new one with "
            "--db."
        )


def _summary(session: Session) -> DemoSummary:
    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return DemoSummary(
        wards=count(Ward),
        beds=count(Bed),
        providers=count(Provider),
        patients=count(Patient),
        open_spells=count(Spell, Spell.discharged_at.is_(None)),
        discharged_spells=count(Spell, Spell.discharged_at.is_not(None)),
        placements=count(Placement),
        carers=count(Carer),
        carer_contacts=count(CarerContact),
        barriers=count(Barrier),
    )


# --- people ---------------------------------------------------------------------------


def _nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Distinct valid numbers from the test range 999 000 0000–999 999 9999."""
    out: list[str] = []
    for body in rng.sample(range(999_000_000, 1_000_000_000), count + count // 5 + 20):
        check = nhs_check_digit(str(body))
        if check is not None:
            out.append(f"{body}{check}")
            if len(out) == count:
                return out
    raise AssertionError("not enough test-range NHS numbers drawn")  # 1 in 11 fail


# The first people always show the names that break naive code.
_FIXED_NAMES = (
    ("Zoë", "O'Neill", "F", 1),
    ("Łukasz", "Nowak", "M", 2),
    ("Amina", "Ndlovu-Smith", "F", 5),
)


def _people(world: World, count: int) -> list[PatientDetails]:
    rng = world.rng
    numbers = _nhs_numbers(rng, count)
    people = []
    for i, nhs in enumerate(numbers):
        bg_index = world.weighted([(j, b.weight) for j, b in enumerate(data.BACKGROUNDS)])
        sex = world.weighted([("F", 50), ("M", 49), ("U", 1)])
        given = None
        if i < len(_FIXED_NAMES):
            given, family, sex, bg_index = _FIXED_NAMES[i]
        bg = data.BACKGROUNDS[bg_index]
        if given is None:
            names = bg.female if sex == "F" else bg.male if sex == "M" else bg.female + bg.male
            given, family = rng.choice(names), rng.choice(bg.family)
        people.append(_details(world, bg, nhs, given, family, sex))
    return people


def _details(
    world: World, bg: data.Background, nhs: str, given: str, family: str, sex: str
) -> PatientDetails:
    rng = world.rng
    age = world.weighted(
        [(rng.randint(18, 64), 20), (rng.randint(65, 79), 35), (rng.randint(80, 101), 45)]
    )
    born = world.today - timedelta(days=age * 365 + rng.randint(0, 364))
    place = world.weighted(list(data.PLACE_WEIGHTS.items()))
    district = rng.choice(data.POSTCODE_DISTRICTS[place])
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    language, interpreter = None, False
    if bg.languages and rng.random() < 0.45:
        language, share = rng.choice(bg.languages)
        interpreter = rng.random() < share
    return PatientDetails(
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        date_of_birth=born,
        sex=sex,
        postcode=postcode,
        place=place,
        gp_practice=f"{rng.choice(data.SURGERIES)} Surgery",
        ethnic_category=rng.choice(bg.ethnic),
        preferred_language=language,
        interpreter_needed=interpreter,
        lives_alone=rng.random() < 0.35,
    )


# --- estate and providers -----------------------------------------------------------------


def _bed_labels(count: int) -> list[str]:
    """Bays of six (A1…A6, B1…) then side rooms."""
    bays = [f"{chr(ord('A') + b)}{n}" for b in range(count // 6) for n in range(1, 7)]
    return bays + [f"SR{n}" for n in range(1, count - len(bays) + 1)]


def _estate(
    session: Session, world: World, patients: int
) -> list[tuple[str, str, str | None, list[str]]]:
    """The wards and their beds, sized by the site's share of admissions. A ward the
    database already has gets what it lacks through the services; the new ones are
    returned (site, ward, specialty, bed labels) for the plan."""
    sites = session.scalars(select(Site).order_by(Site.id)).all()
    wards: list[tuple[Site, str, str | None, float]] = []
    for site in sites:
        names = data.WARDS.get(site.name, data.GENERIC_WARDS)
        weight = data.SITE_KIND_WEIGHT.get(site.kind, 1.0) / len(names)
        wards += [(site, name, specialty, weight) for name, specialty in names]
    total = sum(w for *_, w in wards)
    have = set(session.execute(select(Ward.site_id, Ward.name)).all())
    new: list[tuple[str, str, str | None, list[str]]] = []
    for site, name, specialty, weight in wards:
        size = max(8, -(-int(patients * 1.25 * weight / total) // 2) * 2)
        labels = _bed_labels(size)
        if (site.id, name) in have:
            ward = spells.ensure_ward(session, site, name)
            ward.specialty = specialty
            spells.ensure_beds(session, ward, labels)
        else:
            new.append((site.name, name, specialty, labels))
        key = (site.name, name)
        world.free_beds[key] = list(labels)
        world.ward_weights.append((key, weight))
        world.all_beds += [(site.name, name, label) for label in labels]
    session.flush()
    return new


def _providers(session: Session, world: World) -> None:
    rng = world.rng
    for i, (name, types, places, capacity, unit) in enumerate(data.PROVIDERS):
        vacancies = 0 if rng.random() < 0.25 else rng.randint(1, max(1, capacity // 6))
        view = hub.add_provider(
            session,
            code=data.provider_code(i),
            name=name,
            service_types=list(types),
            places=list(places),
            capacity=capacity,
            capacity_unit=unit,
            vacancies=vacancies,
            vacancies_as_of=world.at(world.today, 8),
            phone=f"0116 496 {rng.randint(0, 999):04d}",
        )
        world.providers.append((view.id, frozenset(types), frozenset(places)))


def _stages(world: World, count: int) -> list[str]:
    names = [s for s, _ in STAGES]
    chosen = names[:count] + [world.weighted(STAGES) for _ in range(count - len(names))]
    world.rng.shuffle(chosen)
    return chosen
