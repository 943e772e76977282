"""The demo's shift bid in Chromium on a phone: the planner opens the bid's page, sees who ranked
which lines, awards it by seniority after the close, and reads each agent's position, line and
why, the page no wider than the phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import Browse, submit

pytestmark = [pytest.mark.browser, pytest.mark.phone]

DEMO_BID = "London lines, next quarter"


def test_a_planner_awards_the_demo_bid_on_a_phone(browse: Browse) -> None:
    mobile = browse.page()
    browse.sign_in(mobile, "planner")
    # the demo's bid (another test may have opened one on the same server)
    [bid] = [b for b in browse.api(mobile, "/api/v1/bids") if b["name"] == DEMO_BID]
    mobile.goto(browse.server.url + "/bids")
    mobile.get_by_role("link", name=bid["name"]).click()
    expect(mobile).to_have_url(re.compile(rf"/bids/{bid['id']}$"))
    expect(mobile.locator("[data-ranking]")).to_have_count(bid["bidders"])
    submit(mobile, mobile.get_by_role("button", name="Award by the rule"))
    expect(mobile.get_by_role("status").first).to_contain_text("Bid awarded:")
    awarded = browse.api(mobile, f"/api/v1/bids/{bid['id']}")["awards"]
    assert [a["position"] for a in awarded] == list(range(1, len(awarded) + 1))
    first = awarded[0]
    row = mobile.locator(f'[data-award="{first["login"]}"]')
    expect(row).to_have_attribute("data-position", "1")
    expect(row).to_contain_text(first["reason"])
    overflow = mobile.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(mobile, "awarded", full_page=True)
