"""CSV files the program writes are safe to open in a spreadsheet (CSV injection).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is
read by Excel, LibreOffice and Google Sheets as a formula, which can run commands or
send data away (a patient named ``=HYPERLINK(...)``). Every CSV writer of the program
goes through :func:`csv_bytes` / :func:`safe_cell`, which follow OWASP's CSV injection
guidance: such a cell is written with a single quote in front (``'=SUM(A1)``), which
spreadsheets show as text. A plain number (``-5``, ``+3.2``) is a value, not a
formula, and is left as it is.

The PAS import reads that quote back off (:func:`unquote_cell`), so a rejects file can
be corrected and imported again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading ``'`` if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unquote_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back from a file this program wrote."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def safe_row(cells: Iterable[object]) -> list[str]:
    return [safe_cell(c) for c in cells]


def csv_bytes(
    header: Sequence[str], rows: Iterable[Iterable[object]], *, bom: bool = False
) -> bytes:
    """A whole CSV file (RFC 4180: comma, ``"`` quoting, CRLF) as UTF-8 bytes, every
    cell neutralised; ``bom`` adds a UTF-8 byte-order mark, which spreadsheet programs
    need to read accented names right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(r) for r in rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")
