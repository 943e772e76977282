"""The executive's value page in Chromium: the launch Monday's cost and a what-if, with the
same numbers as the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import Browse

pytestmark = pytest.mark.browser


def test_executive_sees_the_launch_monday_cost_and_a_whatif(browse: Browse) -> None:
    page = browse.page()
    page.set_default_timeout(90_000)
    browse.sign_in(page, "executive")
    page.goto(browse.server.url + "/value")
    expect(page.get_by_role("heading", name="What service is worth")).to_be_visible()
    api = browse.api(page, "/api/v1/value/summary")
    assert api["day"] == "2026-11-16"  # the demo's launch Monday
    for cost in api["day_costs"]:
        row = page.locator(f'#day-costs tr[data-queue="{cost["queue"]}"]')
        expect(row).to_have_count(1)
        if cost["cost"] is not None:
            shown = row.locator(".figure")
            assert float(shown.get_attribute("data-value") or "nan") == pytest.approx(
                cost["cost"]["value"]
            )
            assert float(shown.get_attribute("data-low") or "nan") == pytest.approx(
                cost["cost"]["low"]
            )
    billing = next(c for c in api["day_costs"] if c["queue"] == "Billing")
    assert billing["excess_abandoned"] > 50 and billing["cost"]["value"] > 0
    cny = page.locator('#day-cost [data-currency="CNY"] .figure')
    assert float(cny.get_attribute("data-value") or "nan") == pytest.approx(
        api["totals"]["CNY"]["day_cost"]["value"]
    )
    # assumptions beside the figures, with their source and owner
    details = page.locator('details[data-queue="Billing"]')  # the first: open
    expect(details.locator('tr[data-key="patience_s"]')).to_be_visible()
    expect(details.locator('tr[data-key="patience_s"]')).to_contain_text("demo")
    browse.shot(page, "summary", full_page=True)

    page.select_option("#wi-queue", "Billing")
    page.fill("#wi-add_agents", "2")
    page.fill("#wi-upfront", "20000")
    page.get_by_role("button", name="Compute").click()
    out = page.locator("#whatif-out")
    expect(out).to_have_attribute("data-queue", "Billing")
    whatif = browse.api(page, "/api/v1/value/whatif", queue="Billing", add_agents=2, upfront=20000)
    assert float(out.get_attribute("data-roi") or "nan") == pytest.approx(whatif["roi"])
    assert float(out.get_attribute("data-npv") or "nan") == pytest.approx(whatif["npv"])
    rows = page.locator("#whatif-sensitivity tbody tr")
    assert [rows.nth(i).get_attribute("data-name") for i in range(rows.count())] == [
        s["name"] for s in whatif["sensitivity"]
    ]
    browse.shot(page, "whatif", full_page=True)
