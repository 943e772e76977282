"""The supervisor's team scorecard and funnel plot in Chromium: numbers equal the API's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import Browse

pytestmark = pytest.mark.browser

FIRST, LAST = "2026-10-26", "2026-11-22"  # four weeks up to the demo's last day


def test_supervisor_team_scorecard_and_funnel_equal_the_api(browse: Browse) -> None:
    page = browse.page()
    page.set_default_timeout(90_000)
    browse.sign_in(page, "supervisor")
    page.goto(browse.server.url + "/performance")
    link = page.get_by_role("link", name="Billing 1")
    assert link.get_attribute("href") == "/performance/teams/Billing%201"
    page.goto(browse.server.url + f"/performance/teams/Billing%201?first={FIRST}&last={LAST}")
    expect(page.get_by_role("heading", name="Funnel plot: repeat-contact rate")).to_be_visible()
    expect(page.locator("#funnel-chart")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#control-chart")).to_have_attribute("data-drawn", "true")
    api = browse.api(page, "/api/v1/performance/teams/Billing 1/funnel", first=FIRST, last=LAST)
    rows = page.locator("#funnel-table tbody tr")
    assert rows.count() == len(api["points"])
    for i, point in enumerate(api["points"]):
        row = rows.nth(i)
        assert row.get_attribute("data-person") == point["person"]
        cell = row.locator("[data-rate]")
        if point["rate"] is None:
            assert cell.get_attribute("data-rate") == ""
        else:
            assert float(cell.get_attribute("data-rate") or "nan") == pytest.approx(
                point["rate"], abs=1e-6
            )
            assert cell.inner_text() == f"{point['rate'] * 100:.1f}%"
        flagged = "Outside 99.8%" in row.inner_text()
        assert flagged == point["flagged"]
    # The y axis is scaled to the people and the limits at their sample sizes, not 0-100%.
    axis = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('funnel-chart'))"
        ".getOption().yAxis[0]"
    )
    rates = [p["rate"] * 100 for p in api["points"] if p["rate"] is not None]
    assert axis["min"] <= min(rates) and max(rates) <= axis["max"]
    assert axis["max"] - axis["min"] < 100
    assert axis["min"] <= api["team_rate"] * 100 <= axis["max"]
    names = [rows.nth(i).get_attribute("data-name") or "" for i in range(rows.count())]
    assert names == sorted(names)  # name order, never a league table
    card = browse.api(page, "/api/v1/performance/teams/Billing 1/scorecard", first=FIRST, last=LAST)
    for value in card["values"]:
        row = page.locator(f'#team-scorecard tr[data-kpi="{value["kpi"]}"]')
        shown = row.locator("[data-value]").first.get_attribute("data-value")
        if value["actual"] is None:
            assert shown == "none"
        else:
            assert float(shown or "nan") == pytest.approx(value["actual"], abs=1e-6)
    browse.shot(page, "team-scorecard", full_page=True)
