"""A planner builds a forecast from the page (a background job with progress), reads the chart
and backtest table, adjusts a day; the numbers shown equal the API's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ccops.jobs import service as jobs_service
from ccops.runtime import session_factory
from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def _one_decimal(value: float) -> str:
    return f"{value:,.1f}"


def test_a_planner_builds_a_forecast_sees_progress_and_adjusts_a_day(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "planner")
    page.get_by_role("link", name="Forecasts").click()
    page.wait_for_url(browse.server.url + "/forecasts")
    page.locator("#q-queue").select_option("Billing")  # the queue is chosen once, at the top
    submit(page, page.locator("#queue-form").get_by_role("button"))
    form = page.locator("#build-form")
    expect(form.locator("#build-queue")).to_contain_text("Billing")
    methods = form.get_by_label("Methods to compare")  # every method visible, none scrolled off
    assert methods.get_attribute("size") == str(methods.locator("option").count())
    form.get_by_label("Days ahead").fill("7")
    form.get_by_label("Interval").select_option("30")
    form.get_by_label("Methods to compare").select_option(["SeasonalNaive", "HistoricalAverage"])
    form.get_by_label("Weeks of backtest origins").fill("1")
    submit(page, form.get_by_role("button", name="Build forecast"))

    # The job waits for a worker (none runs yet): the page shows it, then polls its progress.
    card = page.locator(".job[data-status='queued']").first
    expect(card).to_contain_text("waiting for a worker")
    expect(card.locator("progress")).to_be_visible()
    browse.shot(page, "build-queued")
    runner = jobs_service.Runner(lambda: session_factory(browse.server.settings), poll_s=0.1)
    runner.start()
    try:
        page.wait_for_url(re.compile(r".*/forecasts/\d+$"), timeout=60_000)
    finally:
        runner.stop()
    forecast_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("[data-forecast-chart][data-drawn='true']")).to_be_visible()
    api = browse.api(page, f"/api/v1/forecasts/{forecast_id}")
    assert api["queue"] == "Billing" and api["horizon_days"] == 7
    rows = page.locator("#backtest-table tbody tr")
    assert rows.count() == len(api["accuracy"]) > 0
    for i, r in enumerate(api["accuracy"]):
        row = rows.nth(i)
        assert row.get_attribute("data-method") == r["method"]
        assert row.get_attribute("data-horizon") == str(r["horizon_days"])
        if r["wmape"] is not None:
            assert row.locator('[data-col="wmape"]').inner_text() == f"{r['wmape'] * 100:.1f}%"
        assert ("chosen" in row.locator('[data-col="chosen"]').inner_text()) == r["chosen"]
    browse.shot(page, "forecast", full_page=True)

    day = api["first_day"]
    adjust = page.locator("#adjust-form")
    adjust.get_by_label("Day to adjust").fill(day)
    adjust.get_by_label("Factor (1.2 = 20 percent more contacts)").fill("1.25")
    adjust.get_by_label("Reason").fill("bill run")
    submit(page, adjust.get_by_role("button", name="Add adjustment"))
    expect(page.get_by_role("status").first).to_contain_text("Adjustment added")
    api = browse.api(page, f"/api/v1/forecasts/{forecast_id}")
    assert [a["factor"] for a in api["adjustments"]] == [1.25]
    on_day = [iv for iv in api["intervals"] if iv["local_start"].startswith(day)]
    row = page.locator(f'#daily-table tr[data-day="{day}"]')
    assert row.locator('[data-col="forecast"]').inner_text() == _one_decimal(
        sum(iv["volume"] for iv in on_day)
    )
    adjusted = row.locator('[data-col="adjusted"]').inner_text()
    assert adjusted.startswith(_one_decimal(sum(iv["adjusted_volume"] for iv in on_day)))
    assert "adjusted" in adjusted  # marked by a word, not by colour alone
    assert page.locator("#adjustments-table").inner_text().count("bill run") == 1
    browse.shot(page, "adjusted", full_page=True)
