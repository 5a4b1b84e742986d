"""Plain, frozen results of the services: nothing lazy ever reaches the UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class SpellView:
    id: int
    version: int
    patient_id: int
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    site: str
    ward: str
    bed: str | None
    admitted_at: datetime
    specialty: str | None
    edd: date | None
    discharge_ready_date: date | None
    pathway: str | None
    delay_reason: str | None
    next_action: str | None
    discharged_at: datetime | None
    destination: str | None
    method: str | None
    updated_by: str
    updated_at: datetime
