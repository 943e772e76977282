"""A planner reads the site's capacity plan (every queue, skills shared) with its hiring waves,
adds a wave from the page, and sees the plan count it; the numbers shown equal the API's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def test_a_planner_adds_a_hiring_wave_and_the_site_plan_counts_it(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "planner")
    page.goto(browse.server.url + "/capacity-plans")
    page.get_by_role("link", name="Site capacity plan and hiring waves").click()
    page.get_by_label("Site", exact=True).select_option("Shanghai")
    submit(page, page.get_by_role("button", name="Show plan"))
    expect(page.locator("[data-site-chart][data-drawn='true']")).to_be_visible()
    # the demo's two classes, each in the state the API gives it today
    rows = page.locator("#waves-table tbody tr")
    shown = {
        rows.nth(i).get_attribute("data-wave"): rows.nth(i)
        .locator('[data-col="state"]')
        .inner_text()
        for i in range(rows.count())
    }
    kept = browse.api(page, "/api/v1/capacity-plans/waves", site="Shanghai")
    assert shown == {w["name"]: w["state"] for w in kept}
    assert set(shown) == {"Tech class of October", "Billing class of December"}
    browse.shot(page, "site-plan", full_page=True)

    monday = date.today() - timedelta(days=date.today().weekday())
    form = page.locator("#wave-form")
    form.get_by_label("Name of the wave").fill("Email class of spring")
    form.get_by_label("People to hire").fill("5")
    form.get_by_label("Trained for").select_option(["Email"])
    form.get_by_label("Joins the queue").select_option("Email")
    form.get_by_label("Class starts").fill(str(monday + timedelta(days=14)))
    form.get_by_label("Class ends").fill(str(monday + timedelta(days=11)))  # before it starts
    form.get_by_label("Go-live").fill(str(monday + timedelta(days=35)))
    form.get_by_label("applied").fill("60")
    form.get_by_label("hired").fill("5")
    submit(page, form.get_by_role("button", name="Keep the wave"))
    expect(page.locator("#e-class_end")).to_contain_text("before it starts")
    assert page.locator("#f-name").input_value() == "Email class of spring"  # input kept

    page.locator("#f-class_end").fill(str(monday + timedelta(days=32)))
    submit(page, page.locator("#wave-form").get_by_role("button", name="Keep the wave"))
    expect(page.get_by_role("status").first).to_contain_text("Wave Email class of spring kept.")
    row = page.locator('#waves-table tr[data-wave="Email class of spring"]')
    expect(row.locator('[data-col="state"]')).to_have_text("recruiting")
    expect(row.locator('[data-col="candidates"]')).to_have_text("applied 60 → hired 5")
    waves = browse.api(page, "/api/v1/capacity-plans/waves", site="Shanghai")
    assert [w["name"] for w in waves][-1] == "Email class of spring"
    # the week the class goes live plus its nesting: the table shows the plan's own numbers
    head = page.locator("#site-weeks thead th")
    assert "Short with Email class of spring only" in head.all_inner_texts()
    first = page.locator('#site-weeks tr[data-week="1"] [data-col="required"]').inner_text()
    assert float(first.replace(",", "")) > 0

    # the class slips: Edit fills the form with the wave; the change shows in the table
    row.get_by_role("link", name="Edit").click()
    form = page.locator("#wave-form")
    expect(page.locator("#newwave-h")).to_have_text("Change the wave Email class of spring")
    assert form.get_by_label("People to hire").input_value() == "5"
    form.get_by_label("People to hire").fill("7")
    submit(page, form.get_by_role("button", name="Save the changes"))
    expect(page.get_by_role("status").first).to_contain_text("Wave Email class of spring changed.")
    row = page.locator('#waves-table tr[data-wave="Email class of spring"]')
    expect(row.locator('[data-col="hires"]')).to_have_text("7")
    (stored,) = [
        w
        for w in browse.api(page, "/api/v1/capacity-plans/waves", site="Shanghai")
        if w["name"] == "Email class of spring"
    ]
    assert stored["hires"] == 7 and stored["candidates"] == {"applied": 60, "hired": 5}

    # the requisition is cancelled: Remove asks once more, then the wave is gone
    row.get_by_text("Remove", exact=True).click()
    submit(page, row.get_by_role("button", name="Remove wave Email class of spring"))
    expect(page.get_by_role("status").first).to_contain_text("Wave Email class of spring removed.")
    expect(page.locator('#waves-table tr[data-wave="Email class of spring"]')).to_have_count(0)
    names = [w["name"] for w in browse.api(page, "/api/v1/capacity-plans/waves", site="Shanghai")]
    assert "Email class of spring" not in names and len(names) == 2
