"""Effective-dated facts for the benchmark data: about ten per stay, consistent with
the rows ``build_rows`` made (what the program's history listener would have written
had the same story gone through the services).

Per spell: its location from admission (three in ten moved ward or site once, at a
time between admission and the last day), each EDD from its change rows, each change
of the DRD the criteria-to-reside reviews gave (when each review was recorded), the
pathway (three in ten first on another one), the delay reason and next action, and
each placement's states (requested, then its current state when it last changed).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from discharge_hub.models import CtrReview, EddChange, Placement, Spell, SpellFact
from discharge_hub.services.drd import derive_drd

ACTOR = "bench"


def add_facts(tables: dict[Any, list[dict[str, Any]]], wards: list[tuple[int, int]], seed: int,
              now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """Fact rows (no ids: the database numbers them) for every spell in ``tables``."""
    rng = random.Random(seed + 11)
    children = _by_spell(tables)
    spells = tables.get(Spell.__table__, [])
    reasons = sorted({s["delay_reason_id"] for s in spells if s["delay_reason_id"]})
    rows: list[dict[str, Any]] = []
    for spell in spells:
        end = spell["discharged_at"] or now
        mine = children.get(spell["id"], {})
        facts = _location(rng, spell, wards, end)
        facts += _edds(mine.get("edd", []))
        facts += _drds(mine.get("ctr", []))
        facts += _pathway(rng, spell, end)
        facts += _simple(rng, spell, end, reasons)
        facts += _placements(mine.get("placement", []))
        rows += [_row(spell["id"], *f) for f in facts]
    return _chained(rows)


def _by_spell(tables: dict[Any, list[dict[str, Any]]]) -> dict[int, dict[str, list[Any]]]:
    out: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for key, model in (("edd", EddChange), ("ctr", CtrReview), ("placement", Placement)):
        for row in tables.get(model.__table__, []):
            out[row["spell_id"]][key].append(row)
    return out


Fact = tuple[str, datetime, dict[str, Any], int | None]  # kind, from, values, placement


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.uniform(0.1, 0.9)


def _location(rng: random.Random, spell: dict[str, Any], wards: list[tuple[int, int]],
              end: datetime) -> list[Fact]:  # fmt: skip
    """From admission; most patients move bed, ward or site a few times before the
    place they are in now (or were discharged from)."""
    now = {"site_id": spell["site_id"], "ward_id": spell["ward_id"], "bed_id": spell["bed_id"]}
    admitted = spell["admitted_at"]
    moves = rng.choice((0, 1, 2, 2, 3, 3, 4)) if end - admitted > timedelta(hours=6) else 0
    times = sorted(_between(rng, admitted, end) for _ in range(moves))
    out: list[Fact] = []
    for since in [admitted, *times[:-1]] if moves else []:
        site, ward = rng.choice(wards)
        out.append(("location", since, {"site_id": site, "ward_id": ward, "bed_id": None}, None))
    return [*out, ("location", times[-1] if moves else admitted, now, None)]


def _edds(changes: list[dict[str, Any]]) -> list[Fact]:
    return [("edd", c["changed_at"], {"day": c["new_edd"]}, None) for c in changes]


def _drds(reviews: list[dict[str, Any]]) -> list[Fact]:
    out: list[Fact] = []
    seen: list[tuple[Any, bool]] = []
    current = None
    for review in sorted(reviews, key=lambda r: r["recorded_at"]):
        seen.append((review["review_date"], review["meets_criteria"]))
        drd = derive_drd(seen)
        if drd != current:
            out.append(("drd", review["recorded_at"], {"day": drd}, None))
            current = drd
    return out


def _pathway(rng: random.Random, spell: dict[str, Any], end: datetime) -> list[Fact]:
    code = spell["pathway_code"]
    if code is None:
        return []
    admitted = spell["admitted_at"]
    first = _between(rng, admitted, end)
    if rng.random() < 0.4:
        other = "P1" if code != "P1" else "P0"
        earlier = _between(rng, admitted, first)
        return [("pathway", earlier, {"pathway_code": other}, None),
                ("pathway", first, {"pathway_code": code}, None)]  # fmt: skip
    return [("pathway", first, {"pathway_code": code}, None)]


def _simple(
    rng: random.Random, spell: dict[str, Any], end: datetime, reasons: list[int]
) -> list[Fact]:
    """The delay reason (sometimes another one first) and next actions (some since
    cleared), ending in the values the spell holds."""
    out: list[Fact] = []
    admitted = spell["admitted_at"]
    reason = spell["delay_reason_id"]
    if reason is not None:
        since = _between(rng, admitted, end)
        if rng.random() < 0.4:
            out.append(("delay_reason", since, {"delay_reason_id": rng.choice(reasons)}, None))
            since = _between(rng, since, end)
        out.append(("delay_reason", since, {"delay_reason_id": reason}, None))
    if spell["next_action"] is not None or rng.random() < 0.6:
        times = sorted(_between(rng, admitted, end) for _ in range(rng.randint(1, 3)))
        for since in times[:-1]:
            out.append(("next_action", since, {"note": "Chase the plan"}, None))
        out.append(("next_action", times[-1], {"note": spell["next_action"]}, None))
    return out


def _placements(placements: list[dict[str, Any]]) -> list[Fact]:
    out: list[Fact] = []
    for p in placements:
        out.append(("placement", p["requested_at"], {"state": "requested"}, p["id"]))
        if p["state"] != "requested":
            out.append(("placement", p["state_changed_at"], {"state": p["state"]}, p["id"]))
    return out


_EMPTY = dict.fromkeys(
    ("site_id", "ward_id", "bed_id", "day", "pathway_code", "delay_reason_id", "state", "note")
)


def _row(spell_id: int, kind: str, since: datetime, values: dict[str, Any],
         placement: int | None) -> dict[str, Any]:  # fmt: skip
    return {
        "spell_id": spell_id, "kind": kind, "placement_id": placement, "valid_from": since,
        "valid_to": None, **_EMPTY, **values, "recorded_at": since, "recorded_by": ACTOR,
    }  # fmt: skip


def _chained(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each value holds until the next value of the same fact; in time order, as a live
    database fills."""

    def key(r: dict[str, Any]) -> tuple[int, str, int]:
        return (r["spell_id"], r["kind"], r["placement_id"] or 0)

    for _k, group in groupby(sorted(rows, key=lambda r: (*key(r), r["valid_from"])), key=key):
        items = list(group)
        for this, after in zip(items, items[1:], strict=False):
            this["valid_to"] = after["valid_from"]
    return sorted(rows, key=lambda r: r["recorded_at"])


__all__ = ["SpellFact", "add_facts"]
