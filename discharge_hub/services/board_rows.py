"""The ward board's rows: :class:`BoardRow`, and :func:`row_builder`, which makes them
from the board statement's values (``services/board.py``) with the per-row work at a
minimum: 3,000 rows are built for every board a program shows first
(``bench/bench_board.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import make_dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from discharge_hub import clock


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
RED2GREEN_FIELD = BoardRow._fields.index("red2green")


class BoardCodes(NamedTuple):
    """What the board's rows name by id or code: read once per call (a few hundred rows)."""

    wards: dict[int, tuple[str, str]]  # ward id -> (site name, ward name)
    through_hub: dict[str | None, bool]  # pathway code -> whether it goes through the hub
    reasons: dict[int | None, tuple[str | None, str | None]]  # delay reason id -> code, label


_NO_REASON: tuple[None, None] = (None, None)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def carer_status(carers: int, last_contact: datetime | None, through_hub: bool) -> tuple[str, bool]:
    """Board text for carer involvement, and whether it is the P1–P3 red flag."""
    if last_contact is not None:
        on = clock.local_date(last_contact)
        # Not strftime: three times slower (once per day with a contact, per board).
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
    make, fromdate, instant = tuple.__new__, date.fromisoformat, _instant
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
        admitted = instant(admitted_at)
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
            contact = instant(last_contact)
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
_fromiso = datetime.fromisoformat


def _instant(value: Any) -> datetime:
    """An aware UTC datetime from raw SQLite text (naive UTC), a raw driver value (naive
    UTC) or a typed result (aware); made without ``datetime.replace``, four times slower
    (this runs for every row of the board)."""
    if value.__class__ is str:
        return _fromiso(value + "+00:00")
    if value.tzinfo is None:
        return _combine(value.date(), value.time(), UTC)
    value = value.astimezone(UTC)
    return _combine(value.date(), value.time(), UTC)


def _as_date(value: Any) -> Any:
    """A date from a typed result (already a date) or a raw SQLite one (ISO text)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(value[:10])
