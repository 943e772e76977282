"""TableExport to CSV and XLSX: types kept, formulas never live, names safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from ccops.errors import Invalid
from ccops.exports import Cell, Column, Kind, TableExport, table_csv, table_xlsx
from ccops.web.downloads import content_disposition, download, wanted_format

EVIL = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
]

TABLE = TableExport(
    title="People: [test]/?*",
    columns=[
        Column("名字"),
        Column("Count", Kind.INTEGER),
        Column("Rate", Kind.PERCENT, 1),
        Column("Seconds", Kind.NUMBER, 1),
        Column("Day", Kind.DATE),
        Column("At", Kind.DATETIME),
        Column("Mixed"),
    ],
    rows=[
        [
            "张伟",
            3,
            0.852,
            -12.5,
            date(2026, 3, 1),
            datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
            Cell(0.25, Kind.PERCENT, 0),
        ],
        ["Ann", None, None, None, None, None, None],
    ],
    zone="Asia/Shanghai",
    notes=["=cmd|' /C calc'!A0"],
)


def _book(table: TableExport) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_workbook_keeps_numbers_dates_and_percentages() -> None:
    book = load_workbook(io.BytesIO(table_xlsx(TABLE)))
    sheet = book.worksheets[0]
    assert sheet.title == "People_ _test____"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert [c.value for c in sheet[1]] == [
        "名字",
        "Count",
        "Rate",
        "Seconds",
        "Day",
        "At (Asia/Shanghai)",
        "Mixed",
    ]
    row = [c.value for c in sheet[2]]
    assert row[:4] == ["张伟", 3, 0.852, -12.5]
    assert type(row[1]) is int and type(row[3]) is float
    assert row[4] == datetime(2026, 3, 1)  # a date cell (openpyxl reads it back as midnight)
    assert row[5] == datetime(2026, 3, 1, 16, 30)  # naive Shanghai time
    assert row[6] == 0.25
    formats = [c.number_format for c in sheet[2]]
    assert formats[1:7] == ["0", "0.0%", "0.0", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0%"]
    assert [c.value for c in sheet[3]] == ["Ann", None, None, None, None, None, None]
    assert sheet.column_dimensions["F"].width >= 18
    assert book["About"]["A1"].value == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", EVIL)
def test_formula_text_is_escaped_in_both_files(text: str) -> None:
    table = TableExport("t", [Column(text), Column("n", Kind.NUMBER)], [[text, -3]])
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).worksheets[0]
    for cell in (sheet["A1"], sheet["A2"]):
        # text, never a formula; XML reads a carriage return back as a line feed
        assert cell.data_type == "s" and cell.value == "'" + text.replace("\r", "\n")
    assert sheet["B2"].value == -3 and sheet["B2"].data_type == "n"
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"), newline="")))
    assert rows == [["'" + text, "n"], ["'" + text, "-3"]]


def test_csv_has_a_bom_chinese_and_excel_percentages() -> None:
    data = table_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][5] == "At (Asia/Shanghai)"
    assert rows[1] == ["张伟", "3", "85.2%", "-12.5", "2026-03-01", "2026-03-01 16:30", "25%"]
    assert rows[2] == ["Ann", "", "", "", "", "", ""]


def test_control_characters_do_not_break_the_workbook() -> None:
    table = TableExport("t", [Column("a")], [["bell\x07 and nul\x00"]])
    assert _book(table)[1] == ("bell\ufffd and nul\ufffd",)


def test_a_daylight_saving_day_writes_the_offset_beside_the_time() -> None:
    moments = [datetime(2024, 10, 27, 0, 30, tzinfo=UTC), datetime(2024, 10, 27, 1, 30, tzinfo=UTC)]
    table = TableExport(
        "t", [Column("At", Kind.DATETIME)], [[m] for m in moments], zone="Europe/London"
    )
    rows = _book(table)
    assert rows[0] == ("At (Europe/London)", "At (UTC offset)")
    assert rows[1:] == [
        (datetime(2024, 10, 27, 1, 30), "UTC+01:00"),
        (datetime(2024, 10, 27, 1, 30), "UTC+00:00"),
    ]


def test_format_parameter_and_file_name() -> None:
    assert wanted_format("") is None and wanted_format("html") is None
    assert wanted_format("XLSX") == "xlsx" and wanted_format(" csv ") == "csv"
    with pytest.raises(Invalid) as refused:
        wanted_format("pdf")
    assert refused.value.status_code == 422
    assert refused.value.problems[0].field == "format"
    header = content_disposition('队列 "Sales"/../x;y', "csv")
    assert header.startswith("attachment; filename=\"Sales_.._x_y.csv\"; filename*=UTF-8''")
    assert "%E9%98%9F%E5%88%97" in header and "/" not in header.split("filename*=")[1]
    response = download(TABLE, "xlsx", now=datetime(2026, 1, 2, tzinfo=UTC))
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="People_test_20260102.xlsx"'
    )
    assert response.headers["cache-control"] == "no-store"
