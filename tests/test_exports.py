"""Formula-safe spreadsheet cells (OWASP CSV injection) and export names that never collide."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from ccops.exports import (
    SafeCsvWriter,
    safe_file_stem,
    spreadsheet_cell,
    spreadsheet_row,
    unique_stamp,
)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\uff1d1+1",
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
    ],
)
def test_text_that_may_start_a_formula_gets_an_apostrophe(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Alice", "", " =x", "'=already", "a=b", "1-2", "中文"])
def test_other_text_is_left_alone(value: str) -> None:
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("value", [-5, -2.5, 0, 3, None, True])
def test_numbers_and_empty_cells_stay_what_they_are(value: object) -> None:
    assert spreadsheet_cell(value) is value


def test_the_csv_writer_escapes_every_cell_of_every_row() -> None:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["name", "amount"])
    writer.writerows([["=1+2", -5], ["Bob", "-5"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["name", "amount"], ["'=1+2", "-5"], ["Bob", "'-5"]]
    assert spreadsheet_row(["@x", 1]) == ["'@x", 1]


def test_stamps_are_utc_and_differ_for_the_same_second() -> None:
    moment = datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC)
    stamps = {unique_stamp(moment) for _ in range(20)}
    assert len(stamps) == 20
    assert all(re.fullmatch(r"20261205T093015Z-[0-9a-f]{6}", s) for s in stamps)


@pytest.mark.parametrize(
    ("stem", "safe"),
    [
        ("calls 2024-01", "calls 2024-01"),
        ("呼叫记录", "呼叫记录"),
        ("a\r\nb", "a__b"),
        ("exe\u202etxt", "exe_txt"),
        ('a:b*c?"<>|', "a_b_c_____"),
        ("..", "file"),
        (".hidden", "hidden"),
        ("", "file"),
        ("x" * 300, "x" * 100),
    ],
)
def test_file_stems_lose_what_a_file_name_must_not_hold(stem: str, safe: str) -> None:
    assert safe_file_stem(stem) == safe
