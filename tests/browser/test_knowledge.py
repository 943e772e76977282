"""Standard answers in Chromium, on a phone: the agent sees the launch's known issue, finds the
Chinese answer, reads it, and acknowledges the change addressed to them."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = [pytest.mark.browser, pytest.mark.phone]


def test_an_agent_finds_the_chinese_answer_and_acknowledges_the_change_on_a_phone(
    browse: Browse,
) -> None:
    page = browse.page()
    browse.sign_in(page, "agent")
    assert "Known issue on Billing" in page.locator("main").inner_text()  # on the home page
    submit(page, page.get_by_role("link", name="Standard answers", exact=True))
    page.get_by_label("Search the answers").fill("登录")
    submit(page, page.get_by_role("button", name="Search"))
    hit = page.locator("#kb-hits [data-article]").first
    browse.shot(page, "search", full_page=True)
    submit(page, hit)
    article = page.locator("#kb-article")
    assert article.get_attribute("data-version") == "2"
    assert "5.2.1" in article.inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(page, "article", full_page=True)
    submit(page, page.get_by_role("link", name="Changes", exact=True))
    submit(page, page.locator('#changes-mine [data-mine="pending"]').first)
    submit(page, page.get_by_role("button", name="I have read and understood it"))
    assert "Acknowledged." in page.get_by_role("status").first.inner_text()
    assert page.get_by_text("You have acknowledged this change.").count() == 1
    browse.shot(page, "acknowledged", full_page=True)
