"""One line of a breakdown, shared by the reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Count:
    """One line of a breakdown: its key (a code), what people call it and the count."""

    key: str
    label: str
    count: int
