"""The ward board: one row per open spell, in one SQL statement (no N+1).

Per-spell facts from child tables (latest placement, carers and the last contact, open
barriers and the next one) are summaries stored on the spell and kept by database
triggers (``discharge_hub/summaries.py``), so the statement reads the spell, its
patient, site, ward, bed and three small code lists, and the day's Red2Green colour
by a unique key: about what a plain fetch of the open spells costs
(``bench/bench_board.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import make_dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Date, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from discharge_hub import clock
from discharge_hub.models import (
    Bed,
    DelayReason,
    Pathway,
    Patient,
    Red2GreenDay,
    Site,
    Spell,
    Ward,
)


class BoardRow(NamedTuple):
    """One row of the board: a named tuple (3,000 of them are built per board, and a
    tuple costs a thirtieth of a frozen dataclass to make). Fields are read by name;
    ``dataclasses.replace`` works on it as on the dataclass it used to be (below)."""

    spell_id: int
    version: int
    site: str
    ward_id: int
    ward: str
    bed: str | None
    bed_sort_key: str | None
    patient_id: int
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    age: int
    place_code: str | None
    ethnic_category: str | None
    interpreter_needed: bool
    admitted_at: datetime
    admission_date: date
    los: int
    edd: date | None
    days_to_edd: int | None
    discharge_ready_date: date | None
    delay_days: int | None
    pathway: str | None
    through_hub: bool
    delay_reason: str | None
    delay_reason_label: str | None
    placement_state: str | None
    carer_count: int
    last_carer_contact: datetime | None
    carer_status: str
    no_carer_contact_flag: bool
    open_barriers: int
    next_action: str | None
    red2green: str | None  # the day's Red2Green colour ("red"/"green"), None: not recorded

    @property
    def ready_for_discharge(self) -> bool:
        """No criteria to reside (NCTR): a DRD on or before today."""
        return self.delay_days is not None

    @property
    def edd_passed(self) -> bool:
        return self.days_to_edd is not None and self.days_to_edd < 0


# dataclasses.replace(row, ...) and dataclasses.fields(BoardRow), as when BoardRow was a
# frozen dataclass: the field list of a dataclass of the same fields.
BoardRow.__dataclass_fields__ = make_dataclass(  # type: ignore[attr-defined]
    "BoardRowFields", [(name, Any) for name in BoardRow._fields], frozen=True
).__dataclass_fields__
_FIELDS = BoardRow._fields


# The spell's summary columns (not ORM attributes: models/spell.py).
_SUMMARY: Any = Spell.__table__.c


def board_statement(
    *, site: str | None = None, ward_id: int | None = None, today: date | None = None
) -> Any:
    """The board's single SELECT (also used by the benchmark's raw fetch)."""
    stmt = board_select(day=today or clock.today())
    if site:
        stmt = stmt.where(Site.name == site)
    if ward_id is not None:
        stmt = stmt.where(Spell.ward_id == ward_id)
    return stmt


def red2green_of(day: Any) -> Any:
    """The spell's Red2Green colour of ``day`` (a date or a bound parameter)."""
    return (
        select(Red2GreenDay.colour)
        .where(Red2GreenDay.spell_id == Spell.id, Red2GreenDay.day == day)
        .correlate(Spell)
        .scalar_subquery()
    )


def board_select(spells: Any = None, *, day: date | None = None) -> Any:
    """The board's columns (what ``to_row`` reads), joins and order, for the spells that
    match ``spells`` (a WHERE clause; default: open now), with the Red2Green colour of
    ``day`` (bound as ``board_today``: given here, or when the statement runs)."""
    stmt: Any = (
        select(
            Spell.id,
            Spell.version,
            Site.name,
            Ward.id,
            Ward.name,
            Bed.label,
            Bed.sort_key,
            Patient.id,
            Patient.nhs_number,
            Patient.family_name,
            Patient.given_name,
            Patient.date_of_birth,
            Patient.sex,
            Patient.place_code,
            Patient.ethnic_category_code,
            Patient.interpreter_needed,
            Spell.admitted_at,
            Spell.edd,
            Spell.discharge_ready_date,
            Spell.pathway_code,
            Pathway.through_hub,
            DelayReason.code,
            DelayReason.label,
            _SUMMARY.placement_state,
            _SUMMARY.carer_count,
            _SUMMARY.last_carer_contact_at,
            _SUMMARY.open_barrier_count,
            Spell.next_action,
            _SUMMARY.next_open_barrier,
            Red2GreenDay.colour,
        )
        .join(Patient, Patient.id == Spell.patient_id)
        .join(Site, Site.id == Spell.site_id)
        .join(Ward, Ward.id == Spell.ward_id)
        .outerjoin(Bed, Bed.id == Spell.bed_id)
        .outerjoin(Pathway, Pathway.code == Spell.pathway_code)
        .outerjoin(DelayReason, DelayReason.id == Spell.delay_reason_id)
        # The day's colour: one row at most per spell and day (a unique key). The day is
        # required when not given here: a caller that forgets it fails loudly instead
        # of showing no colour.
        .outerjoin(
            Red2GreenDay,
            (Red2GreenDay.spell_id == Spell.id)
            & (
                Red2GreenDay.day
                == bindparam("board_today", value=day, type_=Date, required=day is None)
            ),
        )
        .where(Spell.discharged_at.is_(None) if spells is None else spells)
        .order_by(Site.name, Ward.name, Bed.sort_key, Spell.id)
    )
    return stmt


@lru_cache(maxsize=32)
def _compiled(dialect: Dialect, by_site: bool, by_ward: bool) -> SQLCompiler:
    """The board SQL compiled once per database kind and filter shape.

    ``Compiled`` objects are immutable; the values are bound at each call.
    """
    # No ORDER BY: in_board_order sorts the rows anyway (natural ward order), in Python
    # in ~1 ms, where the database sorted them first for nothing.
    stmt = board_select().order_by(None)
    if by_site:
        stmt = stmt.where(Site.name == bindparam("board_site"))
    if by_ward:
        stmt = stmt.where(Spell.ward_id == bindparam("board_ward_id"))
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def carer_status(carers: int, last_contact: datetime | None, through_hub: bool) -> tuple[str, bool]:
    """Board text for carer involvement, and whether it is the P1–P3 red flag."""
    if last_contact is not None:
        on = clock.local_date(last_contact)
        # Not strftime: three times slower, and this runs for every row of the board.
        return f"Contacted {on.day:02d}/{on.month:02d}/{on.year}", False
    if through_hub:
        return "NO CONTACT (P1–P3)", True
    return ("Not contacted" if carers else "No carer recorded"), False


def to_row(r: Any, today: date) -> BoardRow:
    """One board row from the board statement's values (typed or raw driver values)."""
    return row_builder(today)(r)


def row_builder(today: date) -> Callable[[Any], BoardRow]:
    """A function turning the board statement's values into a :class:`BoardRow`.

    What does not depend on the row is done once here, and what many rows share is
    worked out once per call and looked up after: a date's days from today, a birth
    date's age, a UTC hour's UK date, a contact's label. What is left per row is
    unpacking, a few lookups, parsing the admission instant and making the tuple
    (bench/bench_board.py).
    """
    dates: dict[Any, tuple[date, int]] = {}  # raw date -> (date, days after today)
    births: dict[Any, tuple[date, int]] = {}  # raw date of birth -> (date, age today)
    uk_days: dict[Any, tuple[date, int]] = {}  # UTC hour -> (UK date, days before today)
    labels: dict[Any, str] = {}  # UTC hour of the last contact -> carer status
    dates_get, births_get, uk_get, labels_get = dates.get, births.get, uk_days.get, labels.get
    make = tuple.__new__
    utc = UTC

    def day(value: Any) -> tuple[date, int]:
        on = _as_date(value)
        got = dates[value] = (on, (on - today).days)
        return got

    def uk_day(key: Any, naive: datetime) -> tuple[date, int]:
        on = clock.local_date(naive)
        got = uk_days[key] = (on, (today - on).days)
        return got

    def birth(value: Any) -> tuple[date, int]:
        born = _as_date(value)
        got = births[value] = (born, age_on(born, today))
        return got

    def label(key: Any, carers: int, naive: datetime, hub: bool) -> str:
        got = labels[key] = carer_status(carers, naive, hub)[0]
        return got

    def build(r: Any) -> BoardRow:
        (
            spell_id, version, site, ward_id, ward, bed, bed_key, patient_id, nhs, family,
            given, dob, sex, place, ethnic, interpreter, admitted_at, edd, drd, pathway,
            through_hub, reason, reason_label, placement_state, carers, last_contact,
            barriers, next_action, next_barrier, red2green,
        ) = r  # fmt: skip
        born, age = births_get(dob) or birth(dob)
        if admitted_at.__class__ is str:  # raw SQLite: ISO text of naive UTC
            admitted_naive = datetime.fromisoformat(admitted_at)
            hour: Any = admitted_at[:13]
        else:
            admitted_naive = _naive_utc(admitted_at)
            hour = admitted_naive.replace(minute=0, second=0, microsecond=0)
        # The UK date depends only on the UTC hour (the UK's offsets are whole hours).
        on, los = uk_get(hour) or uk_day(hour, admitted_naive)
        if edd is None:
            edd_on = to_edd = None
        else:
            edd_on, to_edd = dates_get(edd) or day(edd)
        if drd is None:
            drd_on = delay = None
        else:
            drd_on, after = dates_get(drd) or day(drd)
            delay = -after if after <= 0 else None
        hub = through_hub == 1  # True/False from PostgreSQL, 1/0 from SQLite
        if last_contact is None:
            contact = None
            status = (
                "NO CONTACT (P1–P3)" if hub else "Not contacted" if carers else "No carer recorded"
            )
        else:
            if last_contact.__class__ is str:
                contact_naive = datetime.fromisoformat(last_contact)
                key: Any = last_contact[:13]
            else:
                contact_naive = _naive_utc(last_contact)
                key = contact_naive.replace(minute=0, second=0, microsecond=0)
            contact = contact_naive.replace(tzinfo=utc)
            status = labels_get(key) or label(key, carers, contact_naive, hub)
        return make(BoardRow, (
            spell_id, version, site, ward_id, ward, bed, bed_key, patient_id, nhs, family,
            given, born, sex, age, place, ethnic, interpreter == 1,
            admitted_naive.replace(tzinfo=utc), on, los, edd_on, to_edd, drd_on, delay,
            pathway, hub, reason, reason_label, placement_state, carers, contact, status,
            hub and contact is None, barriers, next_action or next_barrier, red2green,
        ))  # fmt: skip

    return build


def _as_date(value: Any) -> Any:
    """A date from a typed result (already a date) or a raw SQLite one (ISO text)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(value[:10])


def _naive_utc(value: Any) -> Any:
    """A naive UTC datetime from a typed result (aware UTC), a raw driver value (naive
    UTC) or SQLite ISO text."""
    if value is None or value.__class__ is datetime and value.tzinfo is None:
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value.astimezone(UTC).replace(tzinfo=None)


def board(
    session: Session,
    *,
    site: str | None = None,
    ward_id: int | None = None,
    today: date | None = None,
) -> list[BoardRow]:
    """Every open spell (optionally one site or ward), in ward and bed order."""
    on = today or clock.today()
    # The compiled SQL straight through the driver, in the session's transaction: the
    # result layer's per-value type processing (regex date parsing on SQLite) cost more
    # than the query itself for 3,000 rows (bench/bench_board.py); ``to_row`` converts
    # the few date columns with the C-implemented ``fromisoformat`` instead.
    conn = session.connection()
    compiled = _compiled(conn.dialect, bool(site), ward_id is not None)
    # Raw driver values (no type processing here): SQLite stores dates as ISO text.
    day = on.isoformat() if conn.dialect.name == "sqlite" else on
    values = {"board_site": site, "board_ward_id": ward_id, "board_today": day}
    params = compiled.construct_params(values) or {}
    args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
    # The driver's own fetchall (plain tuples, not SQLAlchemy Row objects), through
    # exec_driver_sql so the statement is still seen by the engine's events.
    result = conn.exec_driver_sql(compiled.string, args)
    try:
        raw = result.cursor.fetchall()
    finally:
        result.close()
    return in_board_order(list(map(row_builder(on), raw)))


def in_board_order(rows: list[BoardRow]) -> list[BoardRow]:
    """Site, then wards in natural order ("Ward 7" before "Ward 21"), then beds.

    SQL orders ward names as text; a few thousand rows sort here in ~2 ms. Each ward's
    place (site, then natural name) is worked out once, so a row's key is that rank,
    its bed's sort key and the spell id.
    """
    wards = {r.ward_id: (r.site, r.ward) for r in rows}
    keys = {ward_id: (site, natural_key(name), name) for ward_id, (site, name) in wards.items()}
    rank = {ward_id: n for n, ward_id in enumerate(sorted(keys, key=keys.__getitem__))}
    return sorted(rows, key=lambda r: (rank[r.ward_id], r.bed_sort_key or "\uffff", r.spell_id))


def natural_key(text: str) -> str:
    """Digit runs zero-padded, case folded: a sort key in the order people expect."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), text.casefold())
