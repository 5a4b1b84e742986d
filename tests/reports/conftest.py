"""A hand-built fixture for the reports, where every figure is known by hand.

Day D is three days ago (so "discharged the day after D" can already have happened):
``day_d()``, from the frozen clock, so the fixture follows a test's instant.
Days below are relative to D; times are UK wall-clock (as PAS gives them).

Open at the end of D (key, who, bed, admitted, EDD, DRD, pathway, reason, place, ethnic):
  LRI Ward 7:   A Zoë O'Neill   B1 D-25 EDD D-2 DRD D-10 P3 A15 Leicester H, interpreter
                B Łukasz Kowalski B2 D-15 EDD D DRD D-3 P1 - Leicestershire C, interpreter
  LRI Ward 21:  C Amelia Brown  3 D-8 no EDD, meets criteria, no pathway, Leicester N
                D John Smith    4 D-2 EDD D+1 DRD D P0 A05 Rutland A
                G Megan Jones   5 D-4 no EDD, P1, Rutland (discharged D+1 at 00:30)
  LCH Charnwood: I Noël D'Arcy  1 D-21 at 00:30, EDD D-1 DRD D-14 P2 A14 Leicestershire Z
Not open: E Priya Patel (LRI, P2, discharged D-1); F Gareth Evans (LRI, P3, DRD D-5,
  discharged D 23:30); H Ruth Taylor (LRI, admitted D+1); J Alan Wright (LCH, P1, DRD D,
  discharged D); K Ken Old (LCH, discharged D-20).
Waiting placements: A nursing_home, B reablement, I community_rehab. Carer contact: A and I.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.services import care, ctr, hub, spells
from tests.conftest import patient
from tests.history_support import clock_at

LRI = "Leicester Royal Infirmary"
LCH = "Loughborough Community Hospital"


_PINNED: list[date] = []  # D while build() moves the clock through the story


def day_d() -> date:
    """Day D: three days before today (while the fixture is built: as it was at start)."""
    return _PINNED[-1] if _PINNED else clock.today() - timedelta(days=3)


def at(days: int, hour: int = 10, minute: int = 0) -> datetime:
    """UK wall-clock time on D + days."""
    return datetime.combine(day_d() + timedelta(days=days), time(hour, minute))


@dataclass(frozen=True)
class Fixture:
    db: Database
    on: date
    ids: dict[str, int]
    nhs: dict[str, str]


# key: (test number, site, ward, bed, admitted on D+days, patient details)
ADMISSIONS: dict[str, tuple[int, str, str, str, int, dict[str, object]]] = {
    "A": (1, LRI, "Ward 7", "B1", -25, {
        "family_name": "O'Neill", "given_name": "Zoë", "place": "Leicester",
        "ethnic_category": "H", "interpreter_needed": True, "lives_alone": True,
        "gp_practice": "Asquith Surgery, Leicester", "preferred_language": "Gujarati",
        "communication_needs": "Hard of hearing: face her when speaking",
    }),
    "B": (2, LRI, "Ward 7", "B2", -15, {
        "family_name": "Kowalski", "given_name": "Łukasz", "place": "Leicestershire",
        "ethnic_category": "C", "interpreter_needed": True,
    }),
    "C": (3, LRI, "Ward 21", "3", -8, {
        "family_name": "Brown", "given_name": "Amelia", "place": "Leicester",
        "ethnic_category": "N",
    }),
    "D": (4, LRI, "Ward 21", "4", -2, {
        "family_name": "Smith", "given_name": "John", "sex": "M", "place": "Rutland",
        "ethnic_category": "A",
    }),
    "G": (7, LRI, "Ward 21", "5", -4, {
        "family_name": "Jones", "given_name": "Megan", "place": "Rutland",
    }),
    "E": (5, LRI, "Ward 7", "B3", -6, {"family_name": "Patel", "given_name": "Priya"}),
    "F": (6, LRI, "Ward 7", "B4", -30, {"family_name": "Evans", "given_name": "Gareth"}),
    "H": (8, LRI, "Ward 7", "B5", 1, {"family_name": "Taylor", "given_name": "Ruth"}),
    "I": (9, LCH, "Charnwood", "1", -21, {
        "family_name": "D'Arcy", "given_name": "Noël", "place": "Leicestershire",
        "ethnic_category": "Z",
    }),
    "J": (10, LCH, "Charnwood", "2", -10, {"family_name": "Wright", "given_name": "Alan"}),
    "K": (11, LCH, "Charnwood", "3", -40, {"family_name": "Old", "given_name": "Ken"}),
}  # fmt: skip


def _admit(s: Session, key: str) -> int:
    n, site, ward, bed, days, details = ADMISSIONS[key]
    # I is admitted at 00:30 UK time: LOS counts UK calendar days, not UTC ones.
    when = at(days, 0, 30) if key == "I" else at(days)
    view = spells.admit(
        s, patient=patient(n, **details), site=site, ward=ward, bed=bed, admitted_at=when
    )
    return view.id


def _ready(s: Session, spell_id: int, days: int) -> None:
    ctr.record_ctr_review(
        s,
        spell_id=spell_id,
        expected_version=None,
        review_date=day_d() + timedelta(days=days),
        criteria=[],
    )


def _set(
    s: Session,
    spell_id: int,
    *,
    edd: int | None = None,
    pathway: str | None = None,
    reason: str | None = None,
) -> None:
    if edd is not None:
        spells.set_edd(
            s,
            spell_id=spell_id,
            expected_version=None,
            edd=day_d() + timedelta(days=edd),
            reason="board round",
        )
    if pathway is not None:
        spells.set_pathway(s, spell_id=spell_id, expected_version=None, pathway=pathway)
    if reason is not None:
        spells.set_delay_reason(s, spell_id=spell_id, expected_version=None, delay_reason=reason)


def _discharge(s: Session, spell_id: int, days: int, hour: int, minute: int, pathway: str) -> None:
    when = at(days, hour, minute)
    spells.discharge(
        s, spell_id=spell_id, expected_version=None, discharged_at=when, destination="19",
        method="1", pathway=pathway,
    )  # fmt: skip


def build(db: Database) -> Fixture:
    _PINNED.append(day_d())  # the story sets the clock to D and after: D stays put
    try:
        return _build(db)
    finally:
        _PINNED.pop()


def _build(db: Database) -> Fixture:
    ids: dict[str, int] = {}
    with db.unit_of_work("fixture") as s:
        # Recorded as it happened: everything known by D 23:00 was recorded then (the
        # history holds it from then); what happened later is recorded afterwards.
        with clock_at(at(0, 23)):
            for key in ADMISSIONS:
                if key != "H":  # admitted the day after D
                    ids[key] = _admit(s, key)

            _set(s, ids["A"], edd=-2, pathway="P3", reason="A15")
            _ready(s, ids["A"], -10)
            _set(s, ids["B"], edd=0, pathway="P1")
            _ready(s, ids["B"], -3)
            ctr.record_ctr_review(
                s,
                spell_id=ids["C"],
                expected_version=None,
                review_date=day_d() - timedelta(days=1),
                criteria=["03"],
            )
            _set(s, ids["D"], edd=1, pathway="P0", reason="A05")
            _ready(s, ids["D"], 0)
            _set(s, ids["G"], pathway="P1")
            _set(s, ids["I"], edd=-1, pathway="P2", reason="A14")
            _ready(s, ids["I"], -14)
            _ready(s, ids["E"], -3)
            _ready(s, ids["F"], -5)
            _ready(s, ids["J"], 0)

            for key, service in (
                ("A", "nursing_home"),
                ("B", "reablement"),
                ("I", "community_rehab"),
            ):
                hub.request_placement(
                    s, spell_id=ids[key], expected_version=None, service_type=service
                )
            carer = care.add_carer(
                s,
                spell_id=ids["A"],
                name="Siân O'Neill",
                relationship="Daughter",
                contact="07700 900123",
                is_main_carer=True,
                consent_to_share=True,
                language="English",
            )
            care.log_contact(
                s,
                spell_id=ids["A"],
                carer_id=carer.id,
                contact_at=at(-5, 14),
                with_whom="Siân O'Neill",
                method="phone",
                discussed="Nursing home options near Evington",
                agreed="Visit two homes this week",
            )
            care.log_contact(
                s,
                spell_id=ids["I"],
                contact_at=at(-2, 11),
                with_whom="Patient",
                method="in_person",
                discussed="Rehab goals",
            )
            care.add_barrier(
                s,
                spell_id=ids["A"],
                kind="tto",
                description="TTOs to be dispensed",
                owner="Ward 7 pharmacy",
                due_date=day_d(),
            )
            care.add_barrier(
                s,
                spell_id=ids["A"],
                kind="equipment",
                description="Pressure mattress at home",
                owner="ICES",
            )
            spells.set_next_action(
                s,
                spell_id=ids["A"],
                expected_version=None,
                next_action="Chase nursing home assessment",
            )
            spells.update_handover_notes(
                s,
                spell_id=ids["A"],
                expected_version=None,
                capacity_notes="Has capacity for discharge decisions (assessed 12/03)",
                lasting_power_of_attorney="Health and welfare LPA: Siân O'Neill (daughter)",
                patient_wishes="Wants a home near her daughter & church",
                safety_alerts="Falls risk; allergic to penicillin",
                home_environment="Terraced house, stairs to bedroom",
                information_given="Leaflet: Leaving hospital — what happens next",
            )

            _discharge(s, ids["E"], -1, 14, 0, "P2")
            _discharge(s, ids["J"], 0, 12, 0, "P1")
            _discharge(s, ids["K"], -20, 12, 0, "P0")
        ids["H"] = _admit(s, "H")
        _discharge(s, ids["F"], 0, 23, 30, "P3")
        _discharge(s, ids["G"], 1, 0, 30, "P1")
    nhs = {key: patient(v[0]).nhs_number for key, v in ADMISSIONS.items()}
    return Fixture(db, day_d(), ids, nhs)


@pytest.fixture
def fixture(db: Database) -> Fixture:
    """The fixture on SQLite and on PostgreSQL."""
    return build(db)


@pytest.fixture
def sqlite_fixture(sqlite_url: str) -> Iterator[Fixture]:
    """The fixture on SQLite only (for the PDF and UI tests)."""
    database = Database.open(sqlite_url)
    yield build(database)
    database.dispose()


@pytest.fixture
def sqlite_path(sqlite_url: str) -> Path:
    return Path(sqlite_url.removeprefix("sqlite:///"))
