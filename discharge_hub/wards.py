"""How wards are ordered and named on screen (Qt-free).

"Ward 15" exists at Glenfield and at the LRI: the board orders by site, then ward in
natural order ("Ward 2" before "Ward 10"), then bed, and a ward name used at more than
one site is shown with its site's initials ("Ward 15 · GH").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

_DIGITS = re.compile(r"(\d+)")
SEPARATOR = " · "


@lru_cache(maxsize=4096)  # a few dozen ward names, sorted thousands of times
def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key comparing runs of digits as numbers: "Ward 2" < "Ward 10", case-blind."""
    parts = _DIGITS.split(text.casefold())
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts if p)


def site_initials(site: str) -> str:
    """A site's short name: the initials of its words ("Glenfield Hospital" → "GH",
    "Leicester Royal Infirmary" → "LRI"; "and", "of" and "the" are left out)."""
    words = [w for w in re.split(r"[\s\-]+", site) if w and w.casefold() not in _SMALL]
    return "".join(w[0].upper() for w in words if w[0].isalnum()) or site


_SMALL = frozenset({"and", "of", "the", "&"})


def ward_labels(wards: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """``{ward id: label}`` for (id, ward name, site name): the name alone where it is
    unique, else the name with the site's initials ("Ward 15 · GH"). If two of those
    sites share initials, the site's full name is used instead."""
    listed = list(wards)
    sites: dict[str, set[str]] = defaultdict(set)
    for _id, name, site in listed:
        sites[name.casefold()].add(site)
    labels: dict[int, str] = {}
    for ward_id, name, site in listed:
        shared = sites[name.casefold()]
        if len(shared) == 1:
            labels[ward_id] = name
            continue
        initials = [site_initials(s) for s in shared]
        short = site_initials(site)
        labels[ward_id] = f"{name}{SEPARATOR}{short if initials.count(short) == 1 else site}"
    return labels


def board_order(site: str, ward: str, bed_sort_key: str | None) -> tuple[object, ...]:
    """The board's default order: site, ward (natural order), bed (beds without one last)."""
    return (site.casefold(), natural_key(ward), bed_sort_key is None, bed_sort_key or "")
