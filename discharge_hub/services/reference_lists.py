"""Reference code lists and the estate, read once for pickers (combo boxes, filters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub.models import (
    BarrierKind,
    ContactMethod,
    Criterion,
    DelayReason,
    Destination,
    Method,
    Pathway,
    Place,
    ServiceType,
    Site,
    Ward,
)
from discharge_hub.wards import natural_key


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class WardRef:
    id: int
    name: str
    site: str


@dataclass(frozen=True)
class ReferenceLists:
    pathways: tuple[Code, ...]
    hub_pathways: frozenset[str]
    criteria: tuple[Code, ...]
    delay_reasons: tuple[Code, ...]
    destinations: tuple[Code, ...]
    methods: tuple[Code, ...]
    contact_methods: tuple[Code, ...]
    barrier_kinds: tuple[Code, ...]
    service_types: tuple[Code, ...]
    places: tuple[Code, ...]  # councils: code and name (Leicester, ...), for queue filters
    sites: tuple[str, ...]
    wards: tuple[WardRef, ...]

    def label(self, kind: str, code: str | None) -> str:
        """The label of ``code`` in the list named ``kind`` (the code if unknown)."""
        if code is None:
            return ""
        for item in getattr(self, kind):
            if item.code == code:
                return str(item.label)
        return code


def _codes(session: Session, model: type, *order: Any) -> tuple[Code, ...]:
    rows = session.execute(select(model.code, model.label).order_by(*order))  # type: ignore[attr-defined]
    return tuple(Code(c, label) for c, label in rows)


def reference_lists(session: Session) -> ReferenceLists:
    """Every list a form needs, in display order (active delay reasons only)."""
    pathways = session.execute(
        select(Pathway.code, Pathway.label, Pathway.through_hub).order_by(
            Pathway.sort_order, Pathway.code
        )
    ).all()
    reasons = session.execute(
        select(DelayReason.code, DelayReason.label)
        .where(DelayReason.active.is_(True))
        .order_by(DelayReason.code)
    ).all()
    wards = session.execute(
        select(Ward.id, Ward.name, Site.name)
        .join(Site, Site.id == Ward.site_id)
        .where(Ward.active.is_(True))
        .order_by(Site.name, Ward.name)
    ).all()
    # Wards in the order people expect ("Ward 3" before "Ward 18"), as on the board.
    wards = sorted(wards, key=lambda w: (w[2], natural_key(w[1]), w[1]))
    return ReferenceLists(
        pathways=tuple(Code(c, label) for c, label, _ in pathways),
        hub_pathways=frozenset(c for c, _, hub in pathways if hub),
        criteria=_codes(session, Criterion, Criterion.code),
        delay_reasons=tuple(Code(c, label) for c, label in reasons),
        destinations=_codes(session, Destination, Destination.code),
        methods=_codes(session, Method, Method.code),
        contact_methods=_codes(session, ContactMethod, ContactMethod.label),
        barrier_kinds=_codes(session, BarrierKind, BarrierKind.label),
        service_types=_codes(session, ServiceType, ServiceType.label),
        places=tuple(
            Code(c, n)
            for c, n in session.execute(select(Place.code, Place.name).order_by(Place.name))
        ),
        sites=tuple(session.scalars(select(Site.name).order_by(Site.name))),
        wards=tuple(WardRef(i, n, s) for i, n, s in wards),
    )


def site_names(session: Session) -> list[str]:
    """Every site's name, in alphabetical order (for site pickers)."""
    return list(session.scalars(select(Site.name).order_by(Site.name)))


def match_site(text: str, names: Sequence[str]) -> str | None:
    """The site meant by ``text``: an exact name, else the one name that starts with or
    contains it (case-insensitive): "Glenfield" is "Glenfield Hospital". None when
    ``text`` is empty; ValueError naming the known sites when no single one matches."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    for test in (
        lambda n: n.casefold() == wanted,
        lambda n: n.casefold().startswith(wanted),
        lambda n: wanted in n.casefold(),
    ):
        found = [n for n in names if test(n)]
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(f"“{text.strip()}” could be {', '.join(found)}: choose one.")
    raise ValueError(f"No site is called “{text.strip()}”. Sites: {', '.join(names)}.")
