"""Files people open in a spreadsheet: formula-safe cells and names that never overwrite.

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, after a leading tab or carriage return, or their full-width forms) as a formula, so a
person named ``=HYPERLINK(...)`` in an import file or the database would become a live link or
command in whoever opens the export. Following the OWASP guidance on CSV injection, such text
gets a leading apostrophe, which spreadsheets show as plain text; numbers stay numbers (a
negative amount is a number, not a formula). Every CSV (and any XLSX) writer goes through
`spreadsheet_cell` / `SafeCsvWriter`.

A page's table downloads as a `TableExport` (columns of a `Kind`, rows of values): `table_csv`
writes UTF-8 with a byte-order mark (Excel then reads Chinese right), `table_xlsx` a workbook
with numbers as numbers, dates as dates, times as the zone's local time (named in the heading),
rates as fractions with a % format, and a bold frozen heading row.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import IO, Any
from zoneinfo import ZoneInfo

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


class Kind(StrEnum):
    """How a column's values are written: text, numbers, percentages, dates or times."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    PERCENT = "percent"
    """A fraction (0.85): a number with a % format in Excel, ``85%`` in a CSV."""
    DATE = "date"
    DATETIME = "datetime"
    """An aware datetime, written as the naive local time of the table's zone."""


@dataclass(frozen=True)
class Column:
    """One column of a table export: its heading, kind and (for numbers) decimals shown."""

    title: str
    kind: Kind = Kind.TEXT
    decimals: int | None = None


@dataclass(frozen=True)
class Cell:
    """A value whose kind differs from its column's (a scorecard mixes rates and seconds)."""

    value: object
    kind: Kind
    decimals: int | None = None


@dataclass(frozen=True)
class TableExport:
    """A table a page shows, ready to download: the same rows, one value per column.

    ``zone`` names the time zone of DATETIME columns; their headings say it, since a
    spreadsheet cell has no zone. ``notes`` (what the table is: filters, day, source) go to
    an "About" sheet of the workbook; the CSV keeps only the table.
    """

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]
    file_stem: str = ""
    zone: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)

    def _offset_columns(self) -> set[int]:
        """DATETIME columns whose local times span two UTC offsets (a daylight-saving day):
        each gets a UTC-offset column beside it, since 01:30 then names two moments."""
        zone = ZoneInfo(self.zone) if self.zone else None
        found: set[int] = set()
        for index, column in enumerate(self.columns):
            if column.kind is not Kind.DATETIME or zone is None:
                continue
            moments = [row[index] for row in self.rows]
            offsets = {
                m.astimezone(zone).utcoffset()
                for m in moments
                if isinstance(m, datetime) and m.tzinfo is not None
            }
            if len(offsets) > 1:
                found.add(index)
        return found

    def layout(self) -> tuple[list[str], list[list[Cell]]]:
        """Headings, columns and rows as written: dates naive local (the heading names the
        zone), numbers as numbers, a UTC-offset text column after an ambiguous time column."""
        zone = ZoneInfo(self.zone) if self.zone else None
        offsets = self._offset_columns()
        headings: list[str] = []
        for index, column in enumerate(self.columns):
            dated = column.kind is Kind.DATETIME and self.zone
            headings.append(f"{column.title} ({self.zone})" if dated else column.title)
            if index in offsets:
                headings.append(f"{column.title} (UTC offset)")
        rows: list[list[Cell]] = []
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row has {len(row)} values for {len(self.columns)} columns")
            out: list[Cell] = []
            for index, (value, column) in enumerate(zip(row, self.columns, strict=True)):
                given = (
                    value if isinstance(value, Cell) else Cell(value, column.kind, column.decimals)
                )
                out.append(Cell(_typed(given.value, given.kind, zone), given.kind, given.decimals))
                if index in offsets:
                    out.append(Cell(_offset_text(given.value, zone), Kind.TEXT))
            rows.append(out)
        return headings, rows


def _offset_text(value: object, zone: ZoneInfo | None) -> str | None:
    if not isinstance(value, datetime) or value.tzinfo is None or zone is None:
        return None
    text = value.astimezone(zone).strftime("%z")
    return f"UTC{text[:3]}:{text[3:]}"


def _typed(value: object, kind: Kind, zone: ZoneInfo | None) -> object:
    if value is None or value == "":
        return None
    if kind is Kind.DATETIME and isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None) if zone else value
        return value.replace(tzinfo=None)
    if kind is Kind.DATE and isinstance(value, datetime):
        return value.date()
    if kind is Kind.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return str(value.value)
    return value


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def _csv_text(value: object, kind: Kind) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind is Kind.PERCENT and isinstance(value, int | float):
        # the exact decimal of the fraction times 100: 0.852 -> 85.2% (Excel reads it as 0.852)
        return f"{Decimal(repr(float(value))) * 100:f}".rstrip("0").rstrip(".") + "%"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_csv(table: TableExport) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese right), CRLF."""
    handle = io.StringIO()
    writer = SafeCsvWriter(handle)
    headings, rows = table.layout()
    writer.writerow(headings)
    for row in rows:
        writer.writerow(_csv_text(cell.value, cell.kind) for cell in row)
    return ("\ufeff" + handle.getvalue()).encode("utf-8")


_SHEET_NAME_RESERVED = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet_name(title: str) -> str:
    name = _SHEET_NAME_RESERVED.sub("_", title).strip("'")[:31]
    return name or "Table"


def _xlsx_text(value: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", value)


def _number_format(cell: Cell) -> str | None:
    decimals = cell.decimals
    if cell.kind is Kind.PERCENT:
        return "0%" if decimals == 0 else "0." + "0" * (decimals or 1) + "%"
    if cell.kind is Kind.DATE:
        return "yyyy-mm-dd"
    if cell.kind is Kind.DATETIME:
        return "yyyy-mm-dd hh:mm"
    if cell.kind is Kind.INTEGER:
        return "0"
    if cell.kind is Kind.NUMBER and decimals is not None:
        return "0" if decimals == 0 else "0." + "0" * decimals
    return None


def _shown_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    # CJK characters take about two columns
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def table_xlsx(table: TableExport) -> bytes:
    """The table as an Excel workbook: numbers as numbers, dates as dates, percentages with a
    % format, a bold frozen header row, column widths that fit (within reason)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(table.title)
    book.properties.title = _xlsx_text(table.title)
    raw_headings, rows = table.layout()
    headings = [_xlsx_text(str(spreadsheet_cell(h))) for h in raw_headings]
    sheet.append(headings)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    widths = [_shown_width(h) for h in headings]
    for row_number, row in enumerate(rows, start=2):
        for index, given in enumerate(row):
            value = spreadsheet_cell(given.value)
            number_format = _number_format(given)
            if isinstance(value, str):
                value = _xlsx_text(value)
            elif value is not None and not isinstance(value, int | float | date | datetime):
                value = _xlsx_text(str(spreadsheet_cell(str(value))))
            cell = sheet.cell(row=row_number, column=index + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif value is not None and number_format:
                cell.number_format = number_format
            widths[index] = max(widths[index], _shown_width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    if table.notes:
        about = book.create_sheet("About")
        for note in (n for n in table.notes if n):
            about.append([_xlsx_text(str(spreadsheet_cell(note)))])
        about.column_dimensions["A"].width = 80
    handle = io.BytesIO()
    book.save(handle)
    return handle.getvalue()


def table_bytes(table: TableExport, file_format: str) -> bytes:
    """The table in ``file_format`` (``csv`` or ``xlsx``)."""
    return table_xlsx(table) if file_format == "xlsx" else table_csv(table)
