"""The EDD and Red2Green exports write CSV through the shared, injection-safe helper
(:mod:`discharge_hub.csv_safety`: a cell a spreadsheet would run as a formula gets a
leading ``'``)."""

from __future__ import annotations

from discharge_hub.csv_safety import csv_bytes, safe_cell

__all__ = ["csv_bytes", "safe_cell"]
