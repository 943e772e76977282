"""A table page's "Download Excel" in Chromium: the file follows the page's current choice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.plugins.browser import Browse

pytestmark = pytest.mark.browser

LAUNCH_MONDAY = "2026-11-16"


def test_the_kpi_table_downloads_what_the_page_shows(browse: Browse, tmp_path: Path) -> None:
    page = browse.page()
    browse.sign_in(page, "supervisor")
    page.goto(browse.server.url + f"/kpi?queue=Billing&date={LAUNCH_MONDAY}&interval=30")
    page.get_by_label("Interval").select_option("60")
    hourly = browse.api(
        page,
        "/api/v1/kpi/intervals",
        **{"from": LAUNCH_MONDAY, "to": LAUNCH_MONDAY, "queue": "Billing", "interval": 60},
    )
    expect(page.locator("#kpi-table tbody tr")).to_have_count(len(hourly))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Excel").click()
    download = info.value
    # the UTF-8 name (filename*) is the one a browser keeps
    assert download.suggested_filename.startswith(f"kpi Billing {LAUNCH_MONDAY} 60min ")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(io.BytesIO(target.read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(hourly)
    by_offered = [r[1] for r in rows if r[1]]
    assert by_offered == [h["offered"] for h in hourly if h["offered"]]
    # a workbook keeps 15 significant digits (Excel's precision): equal to that, not to the bit
    assert [r[4] for r in rows if r[1]] == pytest.approx(
        [h["service_level"] for h in hourly if h["offered"]], rel=1e-13
    )
