"""The executive's value page in Chromium: the launch Monday's cost and a what-if, with the
same numbers as the API."""

from __future__ import annotations

import re
from pathlib import Path

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
    # Billing's agents also serve Tech Support: the simulation's figures beside Erlang A's
    assert whatif["engine"] == "simulation"
    expect(out).to_have_attribute("data-engine", "simulation")
    engines = page.locator("#whatif-engines tbody tr")
    expect(engines).to_have_count(4)
    for side in ("baseline", "scenario"):
        for engine in ("erlang_a", "simulation"):
            row = page.locator(f'#whatif-engines tr[data-side="{side}"][data-engine="{engine}"]')
            assert float(row.get_attribute("data-sl") or "nan") == pytest.approx(
                whatif[engine][side]["service_level"]
            )
    rows = page.locator("#whatif-sensitivity tbody tr")
    assert [rows.nth(i).get_attribute("data-name") for i in range(rows.count())] == [
        s["name"] for s in whatif["sensitivity"]
    ]
    browse.shot(page, "whatif", full_page=True)


def test_monthly_trend_and_the_printable_report(browse: Browse, tmp_path: Path) -> None:
    page = browse.page()
    page.set_default_timeout(120_000)
    browse.sign_in(page, "executive")
    page.goto(browse.server.url + "/value")
    monthly = browse.api(page, "/api/v1/value/monthly")
    months = monthly["months"]
    assert months, monthly
    # one chart per currency, drawn, and one table row per month and queue with the API's money
    # the demo's two sites; another browser test of this worker may have added a site without a
    # currency (shown as "no currency set"), so only the demo's are required here
    currencies = ["CNY", "GBP"]
    assert set(currencies) <= {c for m in months for c in m["totals"]}
    for cur in currencies:
        expect(page.locator(f'[data-value-chart][data-currency="{cur}"]')).to_have_attribute(
            "data-drawn", "true"
        )
    rows = page.locator("#value-months tbody tr")
    expect(rows).to_have_count(sum(len(m["queues"]) for m in months))
    for m in months:
        for q in m["queues"]:
            row = page.locator(
                f'#value-months tr[data-month="{m["month"]}"][data-queue="{q["queue"]}"]'
            )
            expect(row).to_have_count(1)
            assert (row.get_attribute("data-partial") == "true") == m["partial"]
            if q["money"]:
                shown = row.locator('td[data-key="staff_cost"] .figure')
                assert float(shown.get_attribute("data-value") or "nan") == pytest.approx(
                    q["money"]["staff_cost"]["value"]
                )
            if q["service_level"] is not None:
                expect(row).to_contain_text(q["service_level_variant"])
    assert months[-1]["partial"] or months[0]["partial"]  # the demo's history is not whole months
    expect(page.locator("#value-months [data-partial] .badge").first).to_contain_text("partial")
    browse.shot(page, "monthly", full_page=True)

    # the printable report of the last complete month: the API's numbers, then a PDF of 1-2 pages
    page.click("#value-report-link")
    page.wait_for_url("**/value/report**")
    headline = page.locator("#report-headline")
    month = headline.get_attribute("data-month") or ""
    shown_month = next(m for m in months if m["month"] == month)
    assert not shown_month["partial"]  # default: the last complete month
    for cur in currencies:
        figure = headline.locator(f'[data-currency="{cur}"] .figure').first
        assert float(figure.get_attribute("data-value") or "nan") == pytest.approx(
            shown_month["totals"][cur]["staff_cost"]["value"]
        )
    expect(page.locator("#report-months tbody tr").first).to_be_visible()
    expect(
        page.locator('#report-assumptions tr[data-key="cost_per_agent_hour"]').first
    ).to_be_visible()
    expect(page.locator("#report-scenarios")).to_be_visible()
    assert page.locator("svg.bars rect").count() > 0
    # one site's report fits on one or two A4 pages (the all-sites one grows with the sites
    # other tests of this worker may add)
    page.goto(browse.server.url + f"/value/report?month={month}&site=Shanghai")
    expect(page.locator("#report-headline")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 2, pages
    # controls do not print: the month form is screen-only
    page.emulate_media(media="print")
    expect(page.locator("#report-form")).to_be_hidden()
    expect(page.locator("#report-headline")).to_be_visible()
