"""Suggestions and huddles in Chromium: an agent submits a suggestion, the centre manager decides
it with a reason and a reward, the agent sees the decision; a team leader records a huddle with
one action, and its owner marks it done from their home page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import DESKTOP, Browse, submit

pytestmark = pytest.mark.browser


def _other(browse: Browse, chromium: Any, suffix: str) -> tuple[Any, Browse]:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    return context, Browse(browse.server, context, browse.name + suffix)


def test_an_agent_suggests_the_manager_decides_and_the_agent_sees_why(
    browse: Browse, chromium: Any
) -> None:
    page = browse.page()
    browse.sign_in(page, "agent")
    submit(page, page.get_by_role("link", name="Suggestions").first)
    assert page.url == browse.server.url + "/suggestions"
    form = page.locator("#suggestion-form")
    form.get_by_label("Title").fill("Zebra callback slots")
    form.get_by_label("Your idea").fill("Offer callbacks at the 09:00 peak")
    submit(page, form.get_by_role("button", name="Send the suggestion"))
    [mine] = [
        x for x in browse.api(page, "/api/v1/suggestions") if x["title"] == "Zebra callback slots"
    ]
    item = page.locator(f"#suggestion-{mine['id']}")
    expect(item).to_have_attribute("data-status", "submitted")
    expect(item.locator(".decide")).to_have_count(0)
    browse.shot(page, "submitted")

    context, manager = _other(browse, chromium, "-manager")
    try:
        desk = manager.page()
        manager.sign_in(desk, "manager")
        desk.goto(manager.server.url + "/suggestions?status=submitted")
        card = desk.locator(f"#suggestion-{mine['id']}")
        expect(card).to_contain_text("Offer callbacks at the 09:00 peak")
        card.get_by_label("Decision").select_option("adopted")
        card.get_by_label("Reason", exact=True).fill("Fewer abandoned calls at the peak")
        card.get_by_label("Reward (when adopted)").fill("Two cinema tickets")
        submit(desk, card.get_by_role("button", name=f"Decide on suggestion {mine['id']}"))
        expect(desk.get_by_role("status").first).to_contain_text(
            f"Suggestion {mine['id']}: adopted."
        )
        manager.shot(desk, "decided")
    finally:
        context.close()
    assert not manager.errors, "\n".join(manager.errors)

    page.goto(browse.server.url + "/suggestions")
    item = page.locator(f"#suggestion-{mine['id']}")
    expect(item).to_have_attribute("data-status", "adopted")
    expect(item.locator(".reason")).to_contain_text("Fewer abandoned calls at the peak")
    expect(item.locator(".reward")).to_contain_text("Two cinema tickets")
    browse.shot(page, "seen", full_page=True)


def test_a_team_leader_records_a_huddle_with_one_action(browse: Browse, chromium: Any) -> None:
    due = datetime.now(UTC).date() + timedelta(days=3)
    page = browse.page()
    browse.sign_in(page, "supervisor")
    page.goto(browse.server.url + "/huddles")
    submit(page, page.get_by_role("link", name="Record a huddle"))
    form = page.locator("#record-form")
    team = page.locator("#c-team").input_value()
    people = browse.api(page, "/api/v1/people", team=team)
    owner = next(p for p in people if p["role"] == "agent")
    form.get_by_label("Kind").select_option("huddle")
    form.get_by_label(owner["name"] + " (" + owner["login"] + ")").check()
    form.get_by_label("Notes").fill("Zebra release: expect 30% more calls at 09:00")
    form.get_by_label("Action 1", exact=True).fill("Read the zebra release article")
    form.get_by_label("Owner of action 1").select_option(owner["login"])
    form.get_by_label("Due day of action 1").fill(due.isoformat())
    browse.shot(page, "form", full_page=True)
    submit(page, form.get_by_role("button", name="Record the huddle"))
    expect(page.get_by_role("status").first).to_contain_text("Huddle recorded. Actions: 1.")
    assert "/huddles/" in page.url
    expect(page.locator("#attendees")).to_contain_text(owner["login"])
    expect(page.locator("#notes")).to_have_text("Zebra release: expect 30% more calls at 09:00")
    row = page.locator("#actions-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Read the zebra release article")
    expect(row).to_contain_text(owner["login"])
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "open")
    browse.shot(page, "recorded", full_page=True)
