"""Schedule requests in Chromium: an agent on a phone asks for time off on "My week", the planner
grants it from the schedules page, and the agent sees it granted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import DESKTOP, Browse, submit

pytestmark = pytest.mark.browser


@pytest.mark.phone
def test_an_agent_asks_for_time_off_on_a_phone_and_the_planner_grants_it(
    browse: Browse, chromium: Any
) -> None:
    # a Monday and Tuesday about six weeks ahead: weekdays of a week with no published schedule,
    # so the planner decides (weekend days off no shift would be granted automatically)
    first = datetime.now(UTC).date() + timedelta(days=40)
    first += timedelta(days=(7 - first.weekday()) % 7)
    last = first + timedelta(days=1)
    mobile = browse.page()
    browse.sign_in(mobile, "agent")
    mobile.goto(browse.server.url + "/schedules/my")
    form = mobile.locator("#time-off-form")
    # the last day before the first comes back marked, with the input kept
    form.get_by_label("First day off").fill(last.isoformat())
    form.get_by_label("Last day off").fill(first.isoformat())
    form.get_by_label("Reason").fill("Sister's wedding")
    submit(mobile, form.get_by_role("button", name="Request time off"))
    form = mobile.locator("#time-off-form")
    expect(form.locator(".has-error")).to_contain_text("end_day must be on or after start_day")
    expect(form.get_by_label("Reason")).to_have_value("Sister's wedding")
    form.get_by_label("First day off").fill(first.isoformat())
    form.get_by_label("Last day off").fill(last.isoformat())
    submit(mobile, form.get_by_role("button", name="Request time off"))
    [mine] = [
        r for r in browse.api(mobile, "/api/v1/schedules/requests") if r["status"] == "pending"
    ]
    assert (mine["start_day"], mine["end_day"], mine["reason"]) == (
        first.isoformat(),
        last.isoformat(),
        "Sister's wedding",
    )
    item = mobile.locator(f"#request-{mine['id']}")
    expect(item.locator("[data-status]")).to_have_text("waiting for the planner")
    overflow = mobile.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(mobile, "requested", full_page=True)

    desk_context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    planner = Browse(browse.server, desk_context, browse.name + "-planner")
    try:
        desk = planner.page()
        planner.sign_in(desk, "planner")
        desk.goto(planner.server.url + "/schedules")
        row = desk.locator(f"#request-{mine['id']}")
        expect(row).to_contain_text("Sister's wedding")
        planner.shot(desk, "pending")
        submit(desk, row.get_by_role("button", name=f"Grant request {mine['id']}"))
        expect(desk.get_by_role("status").first).to_contain_text(f"Request {mine['id']} granted")
        expect(desk.locator(f"#request-{mine['id']}")).to_have_count(0)
    finally:
        desk_context.close()
    assert not planner.errors, "\n".join(planner.errors)

    mobile.goto(browse.server.url + "/schedules/my")
    item = mobile.locator(f"#request-{mine['id']}")
    expect(item.locator("[data-status]")).to_have_text("✓ granted")
    notes = browse.api(mobile, "/api/v1/notifications")
    assert any(f"Request {mine['id']} is granted" in n["subject"] for n in notes)
    browse.shot(mobile, "granted", full_page=True)
