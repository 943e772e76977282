"""Recording the topic and the answer used in Chromium, on a phone: the agent opens their
latest contact from the standard answers page, chooses the log-in topic (the answer list narrows
to its answers) and the known-issue answer, records it, and sees it on the contact and the list."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = [pytest.mark.browser, pytest.mark.phone]

KNOWN_ISSUE = "新品上线后 App 无法登录（已知问题）"


def test_an_agent_records_the_topic_and_answer_of_their_latest_contact(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "agent")
    page.goto(browse.server.url + "/kb")
    latest = page.locator("#kb-recent [data-contact]").first
    contact_id = latest.get_attribute("data-contact")
    submit(page, latest)
    assert page.locator("h1").inner_text() == f"Contact {contact_id}"
    form = page.locator("#contact-answer-form")
    form.get_by_label("Topic").select_option("登录")
    # the answers of the other topics are out of the list once the topic is chosen
    assert page.locator('#f-kb_article optgroup[data-topic="退款"]').evaluate("g => g.disabled")
    assert not page.locator('#f-kb_article optgroup[data-topic="登录"]').evaluate("g => g.disabled")
    form.get_by_label("Standard answer used").select_option(label=f"{KNOWN_ISSUE} · version 2")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(page, "form", full_page=True)
    submit(page, form.get_by_role("button", name="Record"))
    assert (
        "The topic and the answer used are recorded."
        in page.get_by_role("status").first.inner_text()
    )
    assert page.locator("#contact-topic").inner_text() == "登录"
    assert page.locator("#contact-article").inner_text() == f"{KNOWN_ISSUE} · version 2"
    page.goto(browse.server.url + "/kb")
    entry = page.locator(f'#kb-recent [data-contact="{contact_id}"]').inner_text()
    assert "登录 · answer" in entry and "version 2" in entry
    browse.shot(page, "recent", full_page=True)
