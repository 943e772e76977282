"""A planner opens a shift bid from the form in Chromium: a lottery without its seed is refused
beside the seed field (nothing stored), then with the seed the bid opens on two template lines
and is listed on the bids page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import Browse, submit

pytestmark = [pytest.mark.browser]

NAME = "Browser-opened lines"


def test_a_planner_opens_a_bid_and_sees_it_listed(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "planner")
    before = len(browse.api(page, "/api/v1/bids"))
    page.goto(browse.server.url + "/bids")
    submit(page, page.get_by_role("link", name="Open a bid"))
    expect(page).to_have_url(re.compile(r"/bids/new$"))
    page.locator("#f-site").select_option("London")
    page.locator("#f-name").fill(NAME)
    page.get_by_label("Award rule").select_option("lottery")
    row = page.locator('[data-line-row="0"]')
    page.locator("#f-line0_template").select_option("early")
    page.locator("#f-line0_start").fill("07:00")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        row.get_by_label(day, exact=True).check()
    second = page.locator('[data-line-row="1"]')
    page.locator("#f-line1_template").select_option("late")
    page.locator("#f-line1_start").fill("12:00")
    for day in ("Wed", "Thu", "Fri", "Sat", "Sun"):
        second.get_by_label(day, exact=True).check()
    submit(page, page.get_by_role("button", name="Open the bid"))
    expect(page.locator("#e-seed")).to_contain_text("A lottery needs its seed")
    expect(page.locator("#f-name")).to_have_value(NAME)
    assert len(browse.api(page, "/api/v1/bids")) == before  # nothing stored
    page.locator("#f-seed").fill("4242")
    submit(page, page.get_by_role("button", name="Open the bid"))
    expect(page).to_have_url(re.compile(r"/bids#bid-\d+$"))
    expect(page.get_by_role("status").first).to_contain_text(f"Bid {NAME} is open with 2 line(s)")
    bids = browse.api(page, "/api/v1/bids")
    assert len(bids) == before + 1
    mine = next(b for b in bids if b["name"] == NAME)
    assert (mine["rule"], mine["seed"], mine["site"]) == ("lottery", 4242, "London")
    section = page.locator(f"#bid-{mine['id']}")
    expect(section.get_by_role("link", name=NAME)).to_be_visible()
    expect(section.locator("[data-rule]")).to_contain_text("seed 4242")
    expect(section.locator("tr[data-line]")).to_have_count(2)
    expect(section).to_contain_text("early 07:00 Mon Tue Wed Thu Fri")
    browse.shot(page, "opened", full_page=True)
