"""What the demo's stories share (:mod:`discharge_hub.demo_story`): the dice, the day,
the estate and providers, the code lists the steps check against (read once, as the PAS
import reads them) and the :class:`~discharge_hub.demo_plan.Plan` being filled."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub.demo_plan import Plan
from discharge_hub.models import (
    BarrierKind,
    Bed,
    ContactMethod,
    Criterion,
    DelayReason,
    Destination,
    EthnicCategory,
    Method,
    Pathway,
    Place,
    Provider,
    ServiceType,
    Site,
    Ward,
)
from discharge_hub.services.common import check_known_code
from discharge_hub.validators import NAME, clean_text

T = TypeVar("T")


@dataclass(frozen=True)
class Codes:
    """The code lists, estate and providers the steps check against (read once)."""

    criteria: frozenset[str]
    through_hub: dict[str, bool]  # pathway code -> goes through the hub
    delay_reasons: dict[str, tuple[int, str]]  # active code -> (id, label), latest list
    destinations: frozenset[str]
    methods: frozenset[str]
    service_types: frozenset[str]
    barrier_kinds: frozenset[str]
    contact_methods: frozenset[str]
    ethnic: frozenset[str]
    places: dict[str, str]  # code or name, lower case -> code
    sites: dict[str, int]
    wards: dict[tuple[str, str], int]  # (site, ward) -> id
    beds: dict[tuple[int, str], int]  # (ward id, label) -> id
    providers: dict[int, tuple[str, frozenset[str], frozenset[str]]]

    def place_code(self, value: str | None) -> str | None:
        """As ``patients.place_code``: a council code or place name, any case."""
        text = clean_text(value, "place", kind=NAME)
        if not text:
            return None
        code = self.places.get(text.lower())
        if code is None:
            return check_known_code("place", text, lambda _c: False)  # raises
        return code


def load_codes(session: Session) -> Codes:
    def codes(model: type[Criterion] | type[Destination] | type[Method]) -> frozenset[str]:
        return frozenset(session.scalars(select(model.code)))

    reasons: dict[str, tuple[int, str]] = {}
    for r in session.scalars(
        select(DelayReason).where(DelayReason.active.is_(True)).order_by(DelayReason.list_version)
    ):
        reasons[r.code] = (r.id, r.label)  # the latest list's row wins
    places = {}
    for code, name in session.execute(select(Place.code, Place.name)):
        places[code.lower()], places[name.lower()] = code, code
    sites = dict(session.execute(select(Site.name, Site.id)).all())
    site_names = {v: k for k, v in sites.items()}
    wards = {
        (site_names[s], n): i
        for i, s, n in session.execute(select(Ward.id, Ward.site_id, Ward.name))
    }
    providers = {
        p.id: (
            p.name,
            frozenset(s.service_type_code for s in p.service_types),
            frozenset(q.place_code for q in p.places),
        )
        for p in session.scalars(select(Provider))
    }
    return Codes(
        criteria=codes(Criterion),
        through_hub=dict(session.execute(select(Pathway.code, Pathway.through_hub)).all()),
        delay_reasons=reasons,
        destinations=codes(Destination),
        methods=codes(Method),
        service_types=frozenset(session.scalars(select(ServiceType.code))),
        barrier_kinds=frozenset(session.scalars(select(BarrierKind.code))),
        contact_methods=frozenset(session.scalars(select(ContactMethod.code))),
        ethnic=frozenset(session.scalars(select(EthnicCategory.code))),
        places=places,
        sites=sites,
        wards=wards,
        beds={
            (w, label): i for i, w, label in session.execute(select(Bed.id, Bed.ward_id, Bed.label))
        },
        providers=providers,
    )


@dataclass
class World:
    """What the stories share: the dice, the day, the estate, the providers, the plan."""

    rng: random.Random
    today: date
    latest: datetime  # naive UK wall clock: no event may be later than now
    free_beds: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    ward_weights: list[tuple[tuple[str, str], float]] = field(default_factory=list)
    all_beds: list[tuple[str, str, str]] = field(default_factory=list)
    providers: list[tuple[int, frozenset[str], frozenset[str]]] = field(default_factory=list)
    plan_index: int = 0
    plan: Plan | None = None
    codes: Codes | None = None

    @property
    def p(self) -> Plan:
        assert self.plan is not None, "the world has no plan yet"
        return self.plan

    @property
    def c(self) -> Codes:
        assert self.codes is not None, "the world has no code lists yet"
        return self.codes

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return min(datetime.combine(day, time(hour % 24, minute)), self.latest)

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        return self.rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def provider(self, service: str, place: str | None) -> int:
        offering = [p for p in self.providers if service in p[1]]
        local = [p for p in offering if place in p[2]] or offering
        return self.rng.choice(local)[0]

    def free_bed(self) -> tuple[str, str, str | None]:
        """A free bed on a ward drawn by size (every open spell has its own bed)."""
        options = [(key, w) for key, w in self.ward_weights if self.free_beds[key]]
        if not options:  # more patients than beds: on the ward, no bed yet
            site, ward, _ = self.rng.choice(self.all_beds)
            return site, ward, None
        key = self.weighted(options)
        beds = self.free_beds[key]
        return key[0], key[1], beds.pop(self.rng.randrange(len(beds)))
