"""The ward board: one row per open spell, in one SQL statement (no N+1).

Per-spell facts from child tables (latest placement, carers and the last contact, open
barriers and the next one) are summaries stored on the spell and kept by database
triggers (``discharge_hub/summaries.py``), so the statement reads the spell, its
patient and its bed; the names of wards, sites, pathways and delay reasons and the
day's Red2Green colours come from one more small statement, looked up by id. Rows are
built with the per-row work at a minimum (``row_builder``): about what a plain fetch
of the open spells costs (``bench/bench_board.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import make_dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Date, bindparam, cast, literal, null, select, union_all
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

# The board statement's columns, in order (``row_builder`` reads them; reports that build
# board rows for a past day select the same, ``reports/as_of.py``). Names of sites, wards,
# pathways and delay reasons are not in them: ids and codes are, and ``BoardCodes``
# (three small lists, read once per call) gives their names, which saves three joins and
# thousands of strings per board.
BOARD_COLUMNS = 26
RED2GREEN_FIELD = BoardRow._fields.index("red2green")


class BoardCodes(NamedTuple):
    """What the board's rows name by id or code: read once per call (a few hundred rows)."""

    wards: dict[int, tuple[str, str]]  # ward id -> (site name, ward name)
    through_hub: dict[str | None, bool]  # pathway code -> whether it goes through the hub
    reasons: dict[int | None, tuple[str | None, str | None]]  # delay reason id -> code, label


_NO_REASON: tuple[None, None] = (None, None)


def board_codes(session: Session) -> BoardCodes:
    """The wards with their sites, the pathways and the delay reasons, as look-ups, in
    one statement (one round trip)."""
    return _read_codes(session.execute(_codes_select()))[0]


def _codes_select(day: Any = None) -> Any:
    """The code lists ``BoardCodes`` holds, kind by kind, and with ``day`` (a date or a
    bound parameter) the Red2Green colours of that day too (kind "c")."""
    flag = cast(null(), Boolean)
    parts: list[Any] = [
        select(literal("w"), Ward.id, Site.name, Ward.name, flag).join(
            Site, Site.id == Ward.site_id
        ),
        select(literal("p"), null(), Pathway.code, null(), Pathway.through_hub),
        select(literal("r"), DelayReason.id, DelayReason.code, DelayReason.label, flag),
    ]
    if day is not None:
        parts.append(
            select(literal("c"), Red2GreenDay.spell_id, Red2GreenDay.colour, null(), flag).where(
                Red2GreenDay.day == day
            )
        )
    return union_all(*parts)


def _read_codes(rows: Any) -> tuple[BoardCodes, dict[int, str]]:
    """``BoardCodes`` and the day's colours by spell from the rows of ``_codes_select``."""
    codes = BoardCodes({}, {}, {})
    colours: dict[int, str] = {}
    for kind, key, code, name, through in rows:
        if kind == "c":
            colours[key] = code
        elif kind == "w":
            codes.wards[key] = (code, name)
        elif kind == "p":
            codes.through_hub[code] = bool(through)
        else:
            codes.reasons[key] = (code, name)
    return codes, colours


def board_statement(
    *, site: str | None = None, ward_id: int | None = None, today: date | None = None
) -> Any:
    """The board's single SELECT (also used by the benchmark's raw fetch)."""
    stmt = board_select(day=today or clock.today())
    if site:
        stmt = stmt.where(Spell.site_id == site_id_of(site))
    if ward_id is not None:
        stmt = stmt.where(Spell.ward_id == ward_id)
    return stmt


def site_id_of(site: Any) -> Any:
    """The id of the site named ``site`` (a name or a bound parameter), as SQL."""
    return select(Site.id).where(Site.name == site).scalar_subquery()


def red2green_of(day: Any) -> Any:
    """The spell's Red2Green colour of ``day`` (a date or a bound parameter)."""
    return (
        select(Red2GreenDay.colour)
        .where(Red2GreenDay.spell_id == Spell.id, Red2GreenDay.day == day)
        .correlate(Spell)
        .scalar_subquery()
    )


def board_select(spells: Any = None, *, day: date | None = None, colour: bool = True) -> Any:
    """The board's columns (what ``row_builder`` reads), joins and order, for the spells
    that match ``spells`` (a WHERE clause; default: open now), with the Red2Green colour
    of ``day`` (bound as ``board_today``: given here, or when the statement runs); with
    ``colour=False`` that column is NULL and the colours are read apart
    (``_codes_select``)."""
    stmt: Any = (
        select(
            Spell.id,
            Spell.version,
            Spell.ward_id,
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
            Spell.delay_reason_id,
            _SUMMARY.placement_state,
            _SUMMARY.carer_count,
            _SUMMARY.last_carer_contact_at,
            _SUMMARY.open_barrier_count,
            Spell.next_action,
            _SUMMARY.next_open_barrier,
            Red2GreenDay.colour if colour else null(),
        )
        .join(Patient, Patient.id == Spell.patient_id)
        .outerjoin(Bed, Bed.id == Spell.bed_id)
        .where(Spell.discharged_at.is_(None) if spells is None else spells)
        .order_by(Spell.ward_id, Bed.sort_key, Spell.id)
    )
    if colour:
        # The day's colour: one row at most per spell and day (a unique key). The day
        # is required when not given here: a caller that forgets it fails loudly
        # instead of showing no colour.
        stmt = stmt.outerjoin(
            Red2GreenDay,
            (Red2GreenDay.spell_id == Spell.id)
            & (
                Red2GreenDay.day
                == bindparam("board_today", value=day, type_=Date, required=day is None)
            ),
        )
    return stmt


@lru_cache(maxsize=32)
def _compiled(dialect: Dialect, by_site: bool, by_ward: bool) -> SQLCompiler:
    """The board SQL compiled once per database kind and filter shape.

    ``Compiled`` objects are immutable; the values are bound at each call.
    """
    # Ordered by ward, then bed (no bed last), then spell: ``in_board_order`` then only
    # puts the wards' runs in their natural order. Bed sort keys compare by code point,
    # as Python does ("C" collation on PostgreSQL; SQLite's default is binary).
    bed_key = Bed.sort_key.collate("C") if dialect.name == "postgresql" else Bed.sort_key
    stmt = (
        board_select(colour=False)
        .order_by(None)
        .order_by(Spell.ward_id, Bed.sort_key.is_(None), bed_key, Spell.id)
    )
    if by_site:
        stmt = stmt.where(Spell.site_id == site_id_of(bindparam("board_site")))
    if by_ward:
        stmt = stmt.where(Spell.ward_id == bindparam("board_ward_id"))
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


@lru_cache(maxsize=8)
def _compiled_codes(dialect: Dialect) -> SQLCompiler:
    """The code lists and the day's colours (``_codes_select``) compiled once per
    database kind; the day is bound at each call."""
    compiled = _codes_select(bindparam("codes_day", type_=Date)).compile(dialect=dialect)
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


def to_row(r: Any, today: date, codes: BoardCodes) -> BoardRow:
    """One board row from the board statement's values (typed or raw driver values)."""
    return row_builder(today, codes)(r)


def row_builder(
    today: date, codes: BoardCodes, colours: dict[int, str] | None = None
) -> Callable[[Any], BoardRow]:
    """A function turning the board statement's values into a :class:`BoardRow`.

    What does not depend on the row is done once here, and what many rows share is
    worked out once per call and looked up after: a date's days from today, an instant's
    UK date, a contact's label, a ward's and a code's names. What is left per row is
    unpacking, a few look-ups, parsing the instants and the birth date, and making the
    tuple (bench/bench_board.py). ``colours``: the day's Red2Green colours by spell, for
    a statement read without them (``board_select(colour=False)``).
    """
    dates: dict[Any, tuple[date, int]] = {}  # raw date -> (date, days after today)
    uk_days: dict[Any, tuple[date, int]] = {}  # day key (uk_key) -> (UK date, days before)
    labels: dict[Any, str] = {}  # day key of the last contact -> carer status
    dates_get, uk_get, labels_get = dates.get, uk_days.get, labels.get
    wards, hub_of, reasons_get = codes.wards, codes.through_hub.get, codes.reasons.get
    colour_of = colours.get if colours is not None else None
    make, fromiso, fromdate = tuple.__new__, datetime.fromisoformat, date.fromisoformat
    combine = datetime.combine
    year, month_day = today.year, today.month * 100 + today.day

    def day(value: Any) -> tuple[date, int]:
        on = _as_date(value)
        got = dates[value] = (on, (on - today).days)
        return got

    def uk_day(key: Any, instant: datetime) -> tuple[date, int]:
        on = clock.local_date(instant)
        got = uk_days[key] = (on, (today - on).days)
        return got

    def label(key: Any, contact: datetime) -> str:
        got = labels[key] = carer_status(1, contact, False)[0]
        return got

    def build(r: Any) -> BoardRow:
        (
            spell_id, version, ward_id, bed, bed_key, patient_id, nhs, family, given, dob,
            sex, place, ethnic, interpreter, admitted_at, edd, drd, pathway, reason_id,
            placement_state, carers, last_contact, barriers, next_action, next_barrier,
            red2green,
        ) = r  # fmt: skip
        site, ward = wards[ward_id]
        # Birth dates are nearly all different: parsed and aged inline, not looked up.
        born = fromdate(dob[:10]) if dob.__class__ is str else dob
        age = year - born.year - (born.month * 100 + born.day > month_day)
        # Aware UTC instants, made without datetime.replace (four times slower): raw
        # SQLite text (naive UTC) parsed with its offset added; driver values (naive
        # UTC) or typed results (aware) by ``_instant``.
        if admitted_at.__class__ is str:
            admitted = fromiso(admitted_at + "+00:00")
        elif admitted_at.tzinfo is None:
            admitted = combine(admitted_at.date(), admitted_at.time(), UTC)
        else:
            admitted = _instant(admitted_at)
        # Keyed as ``uk_key`` does (inline: it runs for every row).
        key = admitted.date() if admitted.hour != 23 else (admitted.date(), 23)
        on, los = uk_get(key) or uk_day(key, admitted)
        if edd is None:
            edd_on = to_edd = None
        else:
            edd_on, to_edd = dates_get(edd) or day(edd)
        if drd is None:
            drd_on = delay = None
        else:
            drd_on, after = dates_get(drd) or day(drd)
            delay = -after if after <= 0 else None
        hub = hub_of(pathway, False)
        reason, reason_label = reasons_get(reason_id, _NO_REASON)
        if last_contact is None:
            contact = None
            status = (
                "NO CONTACT (P1–P3)" if hub else "Not contacted" if carers else "No carer recorded"
            )
        else:
            if last_contact.__class__ is str:
                contact = fromiso(last_contact + "+00:00")
            elif last_contact.tzinfo is None:
                contact = combine(last_contact.date(), last_contact.time(), UTC)
            else:
                contact = _instant(last_contact)
            key = contact.date() if contact.hour != 23 else (contact.date(), 23)
            status = labels_get(key) or label(key, contact)
        if colour_of is not None:
            red2green = colour_of(spell_id)
        return make(BoardRow, (
            spell_id, version, site, ward_id, ward, bed, bed_key, patient_id, nhs, family,
            given, born, sex, age, place, ethnic, interpreter == 1, admitted, on, los,
            edd_on, to_edd, drd_on, delay, pathway, hub, reason, reason_label,
            placement_state, carers, contact, status, hub and contact is None, barriers,
            next_action or next_barrier, red2green,
        ))  # fmt: skip

    return build


def uk_key(instant: datetime) -> Any:
    """A key for the UK date of an aware UTC instant: its UTC date before 23:00 UTC (the
    UK is on UTC or one hour ahead, so the same calendar date), the instant's hour for
    the 23:00 hour (the next day in summer). Instants with equal keys fall on the same
    UK date, and there are few keys: a day's, rather than one an hour."""
    if instant.hour != 23:
        return instant.date()
    return (instant.date(), 23)


_combine = datetime.combine


def _instant(value: datetime) -> datetime:
    """An aware UTC datetime from a raw driver value (naive UTC) or a typed result
    (aware)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return _combine(value.date(), value.time(), UTC)


def _as_date(value: Any) -> Any:
    """A date from a typed result (already a date) or a raw SQLite one (ISO text)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(value[:10])


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
    # than the query itself for 3,000 rows (bench/bench_board.py); ``row_builder``
    # converts the few date columns with the C-implemented ``fromisoformat`` instead.
    conn = session.connection()
    # The code lists and the day's colours: one round trip. SQLite stores dates as ISO
    # text, and the driver is given the value the column holds.
    day = on.isoformat() if conn.dialect.name == "sqlite" else on
    codes, colours = _read_codes(_fetch(conn, _compiled_codes(conn.dialect), {"codes_day": day}))
    compiled = _compiled(conn.dialect, bool(site), ward_id is not None)
    raw = _fetch(conn, compiled, {"board_site": site, "board_ward_id": ward_id})
    return in_board_order(_rows_of(raw, on, codes, colours), ordered=True)


def _fetch(conn: Any, compiled: SQLCompiler, values: dict[str, Any]) -> list[Any]:
    """The rows of a compiled statement as the driver gives them (plain tuples, not
    SQLAlchemy Row objects), through exec_driver_sql so the statement is still seen by
    the engine's events. ``values``: raw driver values of its parameters."""
    params = compiled.construct_params(values) or {}
    args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
    result = conn.exec_driver_sql(compiled.string, args)
    try:
        rows: list[Any] = result.cursor.fetchall()
    finally:
        result.close()
    return rows


class _Memo(NamedTuple):
    """The last board: the raw values fetched and the rows built from them."""

    today: date
    codes: BoardCodes
    raw: Sequence[Any]
    rows: list[BoardRow]


_memo: _Memo | None = None


def _rows_of(
    raw: Sequence[Any], today: date, codes: BoardCodes, colours: dict[int, str]
) -> list[BoardRow]:
    """The board rows of ``raw``, re-using the last board's row for each unchanged one.

    A row is a function of its raw values, the day, the code lists and its Red2Green
    colour alone, so a row built from equal values on the same day with equal code
    lists and colour is the same row: refreshing a board where a few rows changed
    builds those few (a dictionary look-up for the rest), whatever the database.
    The memo holds the last board only, and is replaced whole (threads see the old one
    or the new one). The look-up table is made when it is used, by the next board, so
    the first board pays nothing for it.
    """
    global _memo
    memo = _memo
    build = row_builder(today, codes, colours)
    if memo is None or memo.today != today or memo.codes != codes:
        rows = list(map(build, raw))
    else:
        before = dict(zip(memo.raw, memo.rows, strict=True)).get
        colour_of = colours.get
        rows = [
            row if row is not None and row[RED2GREEN_FIELD] == colour_of(row[0]) else build(r)
            for r, row in zip(raw, map(before, raw), strict=True)
        ]
    _memo = _Memo(today, codes, raw, rows)
    return rows


def in_board_order(rows: list[BoardRow], *, ordered: bool = False) -> list[BoardRow]:
    """Site, then wards in natural order ("Ward 7" before "Ward 21"), then beds (no bed
    last), then spells.

    SQL orders ward names as text. Each ward's place (site, then natural name) is worked
    out once. ``ordered``: the rows already come ward by ward, each ward's in bed and
    spell order (the board's own SQL), so only the wards' runs are put in order.
    """
    if not ordered:
        rows = sorted(
            rows,
            key=lambda r: (r.ward_id, r.bed_sort_key is None, r.bed_sort_key or "", r.spell_id),
        )
    runs = {ward_id: list(run) for ward_id, run in groupby(rows, itemgetter(3))}
    first = {ward_id: run[0] for ward_id, run in runs.items()}
    keys = {w: (r.site, natural_key(r.ward), r.ward) for w, r in first.items()}
    ordered_rows: list[BoardRow] = []
    for ward_id in sorted(runs, key=keys.__getitem__):
        ordered_rows += runs[ward_id]
    return ordered_rows


def natural_key(text: str) -> str:
    """Digit runs zero-padded, case folded: a sort key in the order people expect."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), text.casefold())
