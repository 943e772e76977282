"""Files people open in a spreadsheet: formula-safe cells and names that never overwrite.

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, after a leading tab or carriage return, or their full-width forms) as a formula, so a
person named ``=HYPERLINK(...)`` in an import file or the database would become a live link or
command in whoever opens the export. Following the OWASP guidance on CSV injection, such text
gets a leading apostrophe, which spreadsheets show as plain text; numbers stay numbers (a
negative amount is a number, not a formula). Every CSV (and any XLSX) writer goes through
`spreadsheet_cell` / `SafeCsvWriter`.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from ccops.names import unsafe_character

FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
"""First characters a spreadsheet may read as the start of a formula (ASCII and full-width)."""


def spreadsheet_cell(value: object) -> object:
    """``value`` safe for a spreadsheet cell: text that could start a formula gets a ``'``."""
    if isinstance(value, str) and value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[object]) -> list[object]:
    """A row of `spreadsheet_cell` values."""
    return [spreadsheet_cell(value) for value in values]


class SafeCsvWriter:
    """A ``csv.writer`` whose rows are made formula-safe before they are written."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, values: Iterable[object]) -> None:
        """Write one formula-safe row."""
        self._writer.writerow(spreadsheet_row(values))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write formula-safe rows."""
        for values in rows:
            self.writerow(values)


def unique_stamp(now: datetime | None = None) -> str:
    """A file-name part no two exports share: UTC time to the second and 6 random hex digits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


FILE_NAME_RESERVED = frozenset('/\\:*?"<>|')


def safe_file_stem(stem: str, limit: int = 100) -> str:
    """``stem`` (an uploaded file's name) fit for a file name: separators, reserved, control and
    invisible characters become ``_``, at most ``limit`` characters, never empty or hidden."""
    kept = "".join(
        "_" if ch in FILE_NAME_RESERVED or unsafe_character(ch) is not None else ch for ch in stem
    )[:limit]
    kept = kept.lstrip(".")
    return kept or "file"
