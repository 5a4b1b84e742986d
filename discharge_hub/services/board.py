"""The ward board: one row per open spell, in one SQL statement (no N+1).

Per-spell facts from child tables (latest placement, carers and the last contact, open
barriers and the next one) are summaries stored on the spell and kept by database
triggers (``discharge_hub/summaries.py``), so the statement reads the spell, its
patient and its bed; the names of wards, sites, pathways and delay reasons and the
day's Red2Green colours come from one more small statement, looked up by id. Rows are
built with the per-row work at a minimum (``board_rows.row_builder``): about what a plain fetch
of the open spells costs (``bench/bench_board.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
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
from discharge_hub.services.board_rows import RED2GREEN_FIELD, BoardCodes, row_builder
from discharge_hub.services.board_rows import (
    BoardRow as BoardRow,  # re-exported: callers import it here
)
from discharge_hub.wards import natural_key

# The spell's summary columns (not ORM attributes: models/spell.py).
_SUMMARY: Any = Spell.__table__.c

# The board statement's columns, in order (``row_builder`` reads them; reports that build
# board rows for a past day select the same, ``reports/as_of.py``). Names of sites, wards,
# pathways and delay reasons are not in them: ids and codes are, and ``BoardCodes``
# (three small lists, read once per call) gives their names, which saves three joins and
# thousands of strings per board.
BOARD_COLUMNS = 26


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
