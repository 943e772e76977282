"""The queue KPI page downloads its interval table as CSV and Excel with the API's numbers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from ccops.enums import Role
from tests.factories.web import World
from tests.plugins.data import ROOT

TEST_DATA = ROOT / "tests" / "data"
DAY = {"queue": "Sales", "date": "2024-10-27", "interval": "30"}


def _import_dst_day(world: World) -> None:
    path = TEST_DATA / "contacts_dst_london.csv"
    imported = world.client(Role.admin).post(
        "/api/v1/imports/contacts",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        data={"format": "csv"},
    )
    assert imported.status_code == 200, imported.text


def test_kpi_workbook_carries_the_api_numbers_as_numbers(world: World) -> None:
    _import_dst_day(world)
    admin = world.client(Role.admin)
    page = admin.get("/kpi", params=DAY)
    assert 'data-download="xlsx"' in page.text and "format=csv" in page.text
    api = admin.get(
        "/api/v1/kpi/intervals",
        params={"from": DAY["date"], "to": DAY["date"], "queue": "Sales", "interval": 30},
    ).json()
    got = admin.get("/kpi", params={**DAY, "format": "xlsx"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="kpi_Sales_2024-10-27_30min_')
    assert disposition.endswith(".xlsx")
    book = load_workbook(io.BytesIO(got.content))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    rows = list(sheet.iter_rows(values_only=True))
    heading = rows[0]
    assert heading[0] == "Interval start (Europe/London)"
    # a daylight-saving day: 01:30 names two moments, so the offset is written beside it
    assert heading[1] == "Interval start (UTC offset)"
    assert heading[2:] == (
        "Offered",
        "Answered",
        "Abandoned",
        "Service level",
        "Abandonment rate",
        "ASA, s",
        "AHT, s",
        "Longest wait, s",
    )
    zone = ZoneInfo("Europe/London")
    by_start = {}
    for row in rows[1:]:
        start, offset = row[0], row[1]
        assert isinstance(start, datetime) and start.tzinfo is None
        assert isinstance(offset, str)
        hours = int(offset[3:6])
        by_start[(start, hours)] = row
    assert len(by_start) == len(rows) - 1 == 6
    assert api
    for kpi in api:
        local = datetime.fromisoformat(kpi["interval_start"]).astimezone(zone)
        hours = int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
        row = by_start[(local.replace(tzinfo=None), hours)]
        assert row[2:] == (
            kpi["offered"],
            kpi["answered"],
            kpi["abandoned"],
            kpi["service_level"],
            kpi["abandon_rate"],
            kpi["asa_s"],
            kpi["aht_s"],
            kpi["max_wait_s"],
        )
        assert type(row[2]) is int
    cells = {c.column_letter: c for c in sheet[2]}
    assert cells["F"].number_format == "0.0%"
    assert cells["A"].is_date


def test_kpi_csv_has_a_bom_and_the_same_rows(world: World) -> None:
    _import_dst_day(world)
    got = world.client(Role.admin).get("/kpi", params={**DAY, "format": "csv"})
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:3] == [
        "Interval start (Europe/London)",
        "Interval start (UTC offset)",
        "Offered",
    ]
    assert [r[0] for r in rows[1:3]] == ["2024-10-27 00:30", "2024-10-27 01:00"]
    assert len(rows) == 7


def test_an_unknown_format_is_refused_with_the_choices(world: World) -> None:
    admin = world.client(Role.admin)
    got = admin.get("/kpi", params={**DAY, "format": "pdf"})
    assert got.status_code == 422
    assert "choose csv or xlsx" in got.text
    api_style = admin.get(
        "/kpi", params={**DAY, "format": "pdf"}, headers={"Accept": "application/json"}
    )
    assert api_style.status_code == 422


def test_the_download_keeps_the_page_scope(world: World) -> None:
    # the planner's scope is the Main site; Support is a queue of the Other site
    asked = {**DAY, "queue": "Support", "format": "csv"}
    refused = world.client(Role.planner).get("/kpi", params=asked)
    assert refused.status_code == 422
    assert "outside your scope" in refused.text
    assert "text/csv" not in refused.headers["content-type"]
