"""Quality in Chromium: a QA analyst evaluates a sampled contact; the agent, on a phone, sees
it with its margin and disputes it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.browser import PHONE, Browse, submit

pytestmark = pytest.mark.browser


def test_qa_analyst_evaluates_a_contact_and_the_agent_disputes_it_on_a_phone(
    browse: Browse, chromium: Any
) -> None:
    page = browse.page()
    browse.sign_in(page, "qa")
    submit(page, page.get_by_role("link", name="Quality", exact=True))
    assert page.url.endswith("/quality/worklist")
    link = page.locator("[data-evaluate]").first
    contact_id = link.get_attribute("data-evaluate")
    browse.shot(page, "worklist", full_page=True)
    submit(page, link)
    choices = {
        "greeting": "1",
        "verification": "0",
        "accuracy": "5",
        "ownership": "3",
        "disclosure": "1",
    }
    # a missing answer comes back marked, nothing saved
    for item, value in choices.items():
        if item != "disclosure":
            page.locator(f"#f-{item}").select_option(value)
    submit(page, page.get_by_role("button", name="Save the evaluation"))
    assert "Required." in page.locator(".has-error").inner_text()
    page.locator("#f-disclosure").select_option("1")
    submit(page, page.get_by_role("button", name="Save the evaluation"))
    # v2 weights 15/55/30: 15 * 0.5 + 55 * (0.6 * 1 + 0.4 * 0.5) + 30 * 1 = 81.5
    assert "81.5" in page.locator("#evaluation-score").inner_text()
    evaluation_url = page.url
    browse.shot(page, "evaluated", full_page=True)

    phone_context = chromium.new_context(viewport=PHONE, locale="en-GB")
    agent = Browse(browse.server, phone_context, browse.name + "-agent")
    try:
        mobile = agent.page()
        agent.sign_in(mobile, "agent")
        mobile.goto(browse.server.url + "/quality/mine?first_day=2026-10-26&last_day=2026-11-22")
        assert "n = " in mobile.locator("#my-score").inner_text()
        card = mobile.locator(f'[data-evaluation="{evaluation_url.rsplit("/", 1)[1]}"]')
        assert "81.5" in card.inner_text()
        agent.shot(mobile, "mine", full_page=True)
        submit(mobile, card)
        assert f"{contact_id}" in mobile.locator("#evaluation-facts").inner_text()
        mobile.get_by_label("Why do you dispute this evaluation?").fill(
            "Ownership: I booked the engineer and confirmed the date."
        )
        submit(mobile, mobile.get_by_role("button", name="Dispute this evaluation"))
        assert "second evaluator will decide" in mobile.get_by_role("status").first.inner_text()
        assert mobile.locator('#disputes [data-status="open"]').count() == 1
        overflow = mobile.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow} px wider than the phone"
        agent.shot(mobile, "disputed", full_page=True)
    finally:
        phone_context.close()
    assert not agent.errors, "\n".join(agent.errors)
