"""The PAS extract as a file: reading it (:func:`read_extract`: a regular file, its size,
its encoding, valid CSV, the header) and writing the rejects file (:func:`rejects_csv`).
"""

from __future__ import annotations

import csv
import difflib
import io
import stat
from collections.abc import Sequence
from pathlib import Path

from discharge_hub.csv_safety import csv_bytes, unquote_cell
from discharge_hub.importer.extract import (
    COLUMNS,
    REASON,
    REQUIRED,
    Extract,
    ImportFileError,
)
from discharge_hub.outputs import write_atomically

# A PAS extract of every inpatient in LLR is a few MB; a file this big is not one.
MAX_BYTES = 200 * 1024 * 1024


def read_extract(
    path: Path, *, columns: Sequence[str] = COLUMNS, required: Sequence[str] = REQUIRED
) -> Extract:
    """Read a CSV extract; raise ImportFileError for a file that cannot be used at all.
    ``columns``/``required``: the header a kind of file must have (default: PAS)."""
    source = str(path)
    raw = _read_bytes(path)
    text = _decode(source, raw)
    if not text.strip():
        raise ImportFileError(f"{source} is empty: expected a header row and data rows.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(
            f"{source} is not valid CSV (line {reader.line_num}: {exc}). Check the quotes "
            "around that line: a value with a comma, a quote or a line break must be in "
            'double quotes, and a quote inside it doubled ("").'
        ) from exc
    header = tuple(records[0])
    names = _check_header(source, header, columns, required)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(header):
            cells = dict.fromkeys(names, "")
            cells["_fields"] = str(len(record))
        else:
            cells = {n: unquote_cell(c.strip()) for n, c in zip(names, record, strict=True)}
        rows.append((number, cells, tuple(record)))
    if not rows:
        raise ImportFileError(f"{source} has a header but no data rows.")
    return Extract(source, header, tuple(rows))


def _read_bytes(path: Path) -> bytes:
    source = str(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ImportFileError(f"Cannot read {source}: it is a folder, not a CSV file.")
        if not stat.S_ISREG(mode):  # a pipe or a device would block or never end
            raise ImportFileError(
                f"Cannot read {source}: it is not a regular file (a pipe or a device). "
                "Save the extract to a file and import that."
            )
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(
                f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MB: "
                "not a PAS extract of inpatients."
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {source}: {exc.strerror or exc}") from exc


def _decode(source: str, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            f"{source} is UTF-16 text (Excel's 'Unicode text'). Save it as 'CSV UTF-8' "
            "and try again."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{source} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}). "
            "Save it as 'CSV UTF-8' and try again."
        ) from exc


def _check_header(
    source: str, header: tuple[str, ...], columns: Sequence[str], required: Sequence[str]
) -> list[str]:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise ImportFileError(
            f"{source}: the columns are separated by {sep}, not commas. Save it as "
            "'CSV UTF-8 (comma delimited)' and try again."
        )
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    known = (*columns, REASON)
    unknown = [(i, h) for i, (h, n) in enumerate(zip(header, names, strict=True), 1)
               if n not in known]  # fmt: skip
    repeated = sorted({n for n in names if n in known and names.count(n) > 1})
    problems = []
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if unknown:
        problems.append(_unknown_columns(unknown, columns, header_missing=bool(missing)))
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise ImportFileError(
            f"{source}: wrong header row: {'; '.join(problems)}. "
            f"Expected the columns: {', '.join(columns)}."
        )
    return names


def _unknown_columns(
    unknown: list[tuple[int, str]], columns: Sequence[str], *, header_missing: bool
) -> str:
    """Name unknown columns without echoing a cell: when the header row is missing, the
    first row is a patient's (issue 13). A name is shown only when it is a near miss of a
    real column (a typo); any other by its position."""
    shown = []
    for position, name in unknown:
        near = difflib.get_close_matches(name.strip().lower(), columns, n=1, cutoff=0.8)
        typo = f"{name.strip()!r} (did you mean {near[0]}?)" if near else None
        shown.append(typo or f"column {position}")
    text = f"unknown column(s): {', '.join(shown)}"
    if header_missing:
        text += " (is the header row missing? The first row must name the columns)"
    return text


def rejects_csv(extract: Extract, rejected: Sequence[tuple[tuple[str, ...], str]]) -> bytes:
    """The rejected rows as read, under the file's own header, with a ``reason`` column
    (a short row is padded so the reason stays in its column; a rejects file imported
    again keeps its one ``reason`` column, with the new reason). UTF-8 with a BOM so
    spreadsheet programs read the accents right; every cell is neutralised against CSV
    injection (:mod:`discharge_hub.csv_safety`), and :func:`read_extract` reads the
    neutralised cells back as they were, so the file can be corrected and imported."""
    header = list(extract.header)
    names = [h.strip().lower() for h in header]
    width, has_reason = len(header), REASON in names
    if not has_reason:
        header.append(REASON)
    at = names.index(REASON) if has_reason else width
    rows = []
    for record, reason in rejected:
        cells = [*record, *[""] * (width - len(record))]  # a longer row keeps its extra cells
        if has_reason:
            cells[at] = reason
        else:
            cells.insert(at, reason)
        rows.append(cells)
    return csv_bytes(header, rows, bom=True)


def write_rejects(
    path: Path, extract: Extract, rejected: Sequence[tuple[tuple[str, ...], str]]
) -> None:
    """:func:`rejects_csv` written whole or not at all (check the path first with
    :func:`discharge_hub.outputs.check_output`; ``import csv`` writes it inside its
    transaction instead, so that a failure leaves the database untouched)."""
    write_atomically(path, rejects_csv(extract, rejected))
