"""Read HL7 v2 ADT messages from a file: split, decode, parse (with the ``hl7`` package)
and pick out the fields the feed uses.

A file holds one or many messages: segments end with CR, LF or CRLF; MLLP framing
bytes (0x0B before, 0x1C 0x0D after a message) are tolerated; batch and file
wrappers (FHS/BHS/BTS/FTS) are skipped. Each message is decoded on its own, with the
character set its MSH-18 names, else UTF-8, else Latin-1. A message that cannot be
read becomes a :class:`Unreadable` carrying its control ID (when one can be found)
and the reason; reading goes on with the next message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import hl7

from discharge_hub import clock
from discharge_hub.errors import ValidationError
from discharge_hub.validators import normalise_nhs_number

NHS_AUTHORITY = "NHS"
_FRAMING = re.compile(rb"[\x0b\x1c]")
_WRAPPERS = (b"FHS", b"BHS", b"BTS", b"FTS")
# MSH-18 names (HL7 table 0211) → Python codecs.
CHARSETS = {
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "UNICODE": "utf-8",
}
_DTM = re.compile(r"(\d{8})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?")


class MessageError(ValueError):
    """A message that cannot be used, with the reason (shown to the user)."""


@dataclass(frozen=True)
class Unreadable:
    """A message that could not be parsed."""

    number: int  # its position in the file, from 1
    control_id: str | None
    reason: str


@dataclass(frozen=True)
class Location:
    """PV1-3: point of care (ward code), room, bed; and the facility (PV1-3.4)."""

    code: str
    room: str
    bed: str
    facility: str

    @property
    def bed_label(self) -> str | None:
        if self.room and self.bed:
            return f"{self.room} {self.bed}"
        return self.bed or self.room or None


@dataclass(frozen=True)
class AdtMessage:
    """The fields of one ADT message the feed acts on (raw text; checked when applied)."""

    number: int
    control_id: str
    event: str  # A01, A02, ...
    event_at: datetime | None  # EVN-6 (event occurred), else EVN-2, else MSH-7
    nhs_number: str | None  # PID-3 with assigning authority NHS, as given
    family_name: str
    given_name: str
    date_of_birth: date | None
    sex: str
    postcode: str | None
    location: Location | None
    admitted_at: datetime | None  # PV1-44
    discharged_at: datetime | None  # PV1-45
    disposition: str  # PV1-36
    destination: str  # PV1-37.1

    def checked_nhs_number(self) -> str:
        if not self.nhs_number:
            raise MessageError("no NHS number: PID-3 has no identifier assigned by NHS")
        try:
            return normalise_nhs_number(self.nhs_number, "PID-3 NHS number")
        except ValidationError as exc:  # the reason, not the number (see feed.reject_reason)
            raise MessageError(f"{exc.field} {exc.reason}") from exc


Read = AdtMessage | Unreadable


def split(data: bytes) -> list[bytes]:
    """The messages of a file, each with CR-separated segments (batch wrappers out)."""
    text = _FRAMING.sub(b"\r", data).replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    messages: list[list[bytes]] = []
    for raw in text.split(b"\r"):
        segment = raw.strip(b" \t\x00")
        if segment.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark
            segment = segment[3:]
        if not segment or segment[:3] in _WRAPPERS:
            continue
        if segment.startswith(b"MSH") or not messages:
            messages.append([segment])
        else:
            messages[-1].append(segment)
    return [b"\r".join(m) for m in messages]


def read(data: bytes) -> Iterator[Read]:
    """Every message of the file, in the file's order."""
    for number, raw in enumerate(split(data), start=1):
        yield parse(number, raw)


def parse(number: int, raw: bytes) -> Read:
    control_id = _raw_control_id(raw)
    if not raw.startswith(b"MSH"):
        return Unreadable(number, None, "does not begin with an MSH segment")
    try:
        message = hl7.parse(_used_segments(decode(raw)))
        return _fields(number, message)
    except MessageError as exc:
        return Unreadable(number, control_id, str(exc))
    except (hl7.ParseException, ValueError, IndexError, KeyError) as exc:
        return Unreadable(number, control_id, f"cannot be parsed as HL7 v2: {exc}")


USED_SEGMENTS = ("MSH", "EVN", "PID", "PV1")
# The fields the feed reads, by segment, in the order they are handed to the parser.
USED_FIELDS = {
    "MSH": (7, 9, 10),  # MSH-1 and MSH-2 (the separators) always; MSH-18 is read raw
    "EVN": (1, 2, 6),
    "PID": (3, 5, 7, 8, 11),
    "PV1": (3, 36, 37, 44, 45),
}
# Where a used field is in the segment the parser is given (MSH: after MSH-1, MSH-2).
POSITIONS = {
    name: {f: n + (3 if name == "MSH" else 1) for n, f in enumerate(used)}
    for name, used in USED_FIELDS.items()
}


def _used_segments(text: str) -> str:
    """The first of each segment the feed reads, holding only the fields it reads (in
    the order of :data:`USED_FIELDS`; :class:`_Fields` reads them by their HL7 number):
    a PAS message carries many more segments (PD1, NK1, PV2, AL1, Z-segments) and
    fields, and the parser builds objects for every component of every field it is
    given (most of the read phase's time). The parser still reads each field kept:
    repetitions, components, subcomponents, escapes."""
    sep = text[3] if text.startswith("MSH") and len(text) > 3 else "|"
    kept: dict[str, str] = {}
    for segment in text.split("\r"):
        name = segment[:3]
        if name in USED_SEGMENTS and name not in kept:
            kept[name] = _used_fields(segment, name, sep)
    return "\r".join(kept[name] for name in USED_SEGMENTS if name in kept)


def _used_fields(segment: str, name: str, sep: str) -> str:
    parts = segment.split(sep)
    if name == "MSH":  # parts[1] is MSH-2: MSH-n is parts[n - 1]
        head, values = (
            parts[:2],
            [parts[f - 1] if f - 1 < len(parts) else "" for f in USED_FIELDS[name]],
        )
    else:
        head, values = parts[:1], [parts[f] if f < len(parts) else "" for f in USED_FIELDS[name]]
    return sep.join(head + values)


def _raw_fields(raw: bytes) -> list[bytes]:
    header = raw.split(b"\r", 1)[0]
    if len(header) < 4:
        return []
    return header.split(header[3:4])


def _raw_control_id(raw: bytes) -> str | None:
    fields = _raw_fields(raw)  # MSH-1 is the separator itself: MSH-n is fields[n-1]
    if len(fields) > 9 and fields[9].strip():
        return fields[9].strip().decode("latin-1")[:64]
    return None


def decode(raw: bytes) -> str:
    fields = _raw_fields(raw)
    named = fields[17].decode("latin-1").strip().upper() if len(fields) > 17 else ""
    if named:
        codec = CHARSETS.get(named.split("^", 1)[0].split("~", 1)[0])
        if codec is None:
            raise MessageError(f"MSH-18 character set {named!r} is not supported")
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise MessageError(f"is not valid {named} text (MSH-18): {exc.reason}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _Fields:
    """The first MSH, EVN, PID and PV1 segment of a parsed message, read by position
    (``get("PID", 3, 1, 4, 1)`` is PID-3.4.1): the segments are found once, and no
    accessor string is parsed for every field read."""

    def __init__(self, message: hl7.Message) -> None:
        self.segments: dict[str, hl7.Segment] = {}
        for segment in message:
            self.segments.setdefault(str(segment[0][0]), segment)

    def has(self, name: str) -> bool:
        return name in self.segments

    def get(self, name: str, f: int, r: int = 1, c: int = 1, s: int = 1) -> str:
        segment = self.segments.get(name)
        if segment is None:
            return ""
        try:
            value = segment.extract_field(1, POSITIONS[name][f], r, c, s)
        except (KeyError, IndexError, ValueError):
            return ""
        return str(value).strip() if value is not None else ""

    def repetitions(self, name: str, f: int) -> int:
        segment = self.segments.get(name)
        position = POSITIONS[name][f]
        if segment is None or position >= len(segment):
            return 0
        return len(segment(position))


def _fields(number: int, message: hl7.Message) -> AdtMessage:
    m = _Fields(message)
    control_id = m.get("MSH", 10)
    if not control_id:
        raise MessageError("no message control ID (MSH-10)")
    if len(control_id) > 64:
        raise MessageError("message control ID (MSH-10) longer than 64 characters")
    event = m.get("MSH", 9, 1, 2) or m.get("EVN", 1)
    if not event:
        raise MessageError("no trigger event (MSH-9.2)")
    has_pv1 = m.has("PV1")
    return AdtMessage(
        number=number,
        control_id=control_id,
        event=event.upper(),
        event_at=_time(m, "EVN", 6) or _time(m, "EVN", 2) or _time(m, "MSH", 7),
        nhs_number=_nhs_number(m) if m.has("PID") else None,
        family_name=m.get("PID", 5, 1, 1),
        given_name=m.get("PID", 5, 1, 2),
        date_of_birth=_date(m, "PID", 7),
        sex=m.get("PID", 8).upper(),
        postcode=m.get("PID", 11, 1, 5) or None,
        location=_location(m) if has_pv1 else None,
        admitted_at=_time(m, "PV1", 44) if has_pv1 else None,
        discharged_at=_time(m, "PV1", 45) if has_pv1 else None,
        disposition=m.get("PV1", 36) if has_pv1 else "",
        destination=m.get("PV1", 37) if has_pv1 else "",
    )


def _nhs_number(m: _Fields) -> str | None:
    """The PID-3 repetition assigned by NHS (CX.4), or typed NH (CX.5)."""
    for n in range(1, m.repetitions("PID", 3) + 1):
        authority = m.get("PID", 3, n, 4, 1).upper()
        kind = m.get("PID", 3, n, 5).upper()
        if authority == NHS_AUTHORITY or kind == "NH":
            return m.get("PID", 3, n, 1) or None
    return None


def _location(m: _Fields) -> Location | None:
    code = m.get("PV1", 3, 1, 1)
    if not code:
        return None
    return Location(
        code=code,
        room=m.get("PV1", 3, 1, 2),
        bed=m.get("PV1", 3, 1, 3),
        facility=m.get("PV1", 3, 1, 4, 1),
    )


def _date(m: _Fields, name: str, f: int) -> date | None:
    value = m.get(name, f)
    if not value:
        return None
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError as exc:
        # Not the value: a date of birth (PID-7) names the patient; reasons reach stderr.
        raise MessageError(f"{name}-{f} is not a date (YYYYMMDD)") from exc


def _time(m: _Fields, name: str, f: int) -> datetime | None:
    """An HL7 date/time: to the minute at least; without an offset it is UK time."""
    value = m.get(name, f)
    if not value:
        return None
    shown = f"{name}-{f}"
    match = _DTM.fullmatch(value)
    if match is None or match.group(3) is None:
        raise MessageError(f"{shown} {value!r} is not a date and time (YYYYMMDDHHMM[SS])")
    day, hour, minute, second, offset = match.groups()
    try:
        wall = datetime.strptime(day, "%Y%m%d").replace(
            hour=int(hour), minute=int(minute), second=int(second or 0)
        )
    except ValueError as exc:
        raise MessageError(f"{shown} {value!r} is not a date and time") from exc
    if offset:
        sign = 1 if offset[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
        return clock.as_utc(wall.replace(tzinfo=zone))
    return wall  # naive: UK wall-clock time, checked where it is used
