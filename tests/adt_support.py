"""HL7 v2.4 ADT messages shaped as a PAS sends them, for the feed's tests and bench.

MSH/EVN/PID/PV1 in the v2.4 layout: PID-3 carries the NHS number with assigning
authority ``NHS`` (identifier type ``NH``) beside the hospital number (``MR``); PV1-3 is
point of care ^ room ^ bed ^ facility; PV1-36 discharge disposition, PV1-37 discharged
to location, PV1-44 admit and PV1-45 discharge date/time. Only test-range NHS numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from discharge_hub import clock
from discharge_hub.adt import wards
from discharge_hub.db import Database

LRI = "Leicester Royal Infirmary"
GLENFIELD = "Glenfield Hospital"
# The PAS's location codes → the program's sites and wards (the ward map).
MAP = [
    wards.MapRow("RWE-W7", LRI, "Ward 7"),
    wards.MapRow("RWE-W15", LRI, "Ward 15"),
    wards.MapRow("RWE-GW1", GLENFIELD, "Ward 1"),
]


def uk_at(days_ago: int, hour: int) -> datetime:
    """An instant at ``hour`` UK time, ``days_ago`` UK days before the (frozen) today:
    the feed's event times follow the instant the test runs at (``--frozen-at``)."""
    day = clock.today() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=clock.LONDON).astimezone(UTC)


def install_map(db: Database) -> None:
    with db.unit_of_work("admin") as s:
        wards.save_map(s, MAP)


def dtm(at: datetime) -> str:
    """An HL7 DTM in UK wall-clock time, to the second (what a UK PAS sends)."""
    return f"{clock.local(at):%Y%m%d%H%M%S}"


@dataclass(frozen=True)
class Person:
    nhs: str
    family: str = "TESTPATIENT"
    given: str = "ALICE"
    born: date = date(1938, 3, 14)
    sex: str = "F"
    postcode: str = "LE1 5WW"
    mrn: str = "RWE0001234"


def message(
    event: str,
    control_id: str,
    who: Person,
    *,
    at: datetime,
    location: str = "RWE-W7",
    room: str = "",
    bed: str = "",
    facility: str = "RWE",
    admitted_at: datetime | None = None,
    discharged_at: datetime | None = None,
    disposition: str = "",
    destination: str = "",
    charset: str = "UNICODE UTF-8",
    nhs_field: str | None = None,
) -> str:
    """One message, segments separated by CR."""
    structure = {"A01": "ADT_A01", "A08": "ADT_A01", "A13": "ADT_A01"}.get(event, f"ADT_{event}")
    pv1 = [""] * 46
    pv1[1], pv1[2] = "1", "I"
    pv1[3] = f"{location}^{room}^{bed}^{facility}"
    pv1[10] = "300"  # hospital service (specialty)
    pv1[19] = f"V{control_id[-6:]}^^^RWE^VN"
    pv1[36], pv1[37] = disposition, destination
    pv1[44] = dtm(admitted_at) if admitted_at else ""
    pv1[45] = dtm(discharged_at) if discharged_at else ""
    pid3 = nhs_field if nhs_field is not None else f"{who.nhs}^^^NHS^NH~{who.mrn}^^^RWE^MR"
    segments = [
        f"MSH|^~\\&|PAS|RWE|DISCHARGEHUB|LLR|{dtm(at)}||ADT^{event}^{structure}|{control_id}"
        f"|P|2.4|||AL|NE|GBR|{charset}",
        f"EVN|{event}|{dtm(at)}|||PASUSER^CLERK^PAS|{dtm(at)}",
        f"PID|1||{pid3}||{who.family}^{who.given}^^^MRS||{who.born:%Y%m%d}|{who.sex}|||"
        f"1 HIGH STREET^^LEICESTER^^{who.postcode}^GBR^H||0116 496 0000|||||||||||||||||",
        "PV1|" + "|".join(pv1[1:]),
    ]
    return "\r".join(segments) + "\r"


def as_file(messages: list[str], *, variant: str = "CR") -> bytes:
    """Messages as a file: CR, LF or CRLF segment ends, or MLLP framed."""
    if variant == "MLLP":
        return b"".join(b"\x0b" + m.encode("utf-8") + b"\x1c\r" for m in messages)
    end = {"CR": "\r", "LF": "\n", "CRLF": "\r\n"}[variant]
    return "".join(m.replace("\r", end) for m in messages).encode("utf-8")
