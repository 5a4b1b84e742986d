"""The discharge ready date, derived from the dated criteria-to-reside history.

NHS England rule: the DRD is the date the patient stopped meeting the criteria to
reside; if they meet the criteria again, the DRD is the start of the current (open
spell) or final (finished spell) period of not meeting them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def derive_drd(reviews: Iterable[tuple[date, bool]]) -> date | None:
    """``reviews`` are (review date, meets criteria) in the order they were recorded.

    Reviews are ordered by date (stable: a later record on the same date wins).
    Returns the first date of the trailing run of "does not meet", or None when the
    latest review says the patient meets the criteria (or there is none).
    """
    drd: date | None = None
    for review_date, meets in sorted(reviews, key=lambda r: r[0]):
        if meets:
            drd = None
        elif drd is None:
            drd = review_date
    return drd
