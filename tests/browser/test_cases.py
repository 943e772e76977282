"""Cases in Chromium: a team leader opens a breached launch-day complaint, is refused a
resolution without an answer, then resolves it."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def test_team_leader_works_a_breached_complaint(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "supervisor")
    submit(page, page.get_by_role("link", name="Cases", exact=True))
    row = page.locator("#cases-table tr", has_text="Waited 40 minutes on hold")
    assert "breached" in row.inner_text()
    submit(page, row.get_by_role("link"))
    assert "breached" in page.locator("#case-clock").inner_text()
    page.locator("#f-status").select_option("resolved")
    submit(page, page.get_by_role("button", name="Save"))
    assert page.locator(".has-error #f-answer").count() == 1
    page.locator("#f-status").select_option("resolved")
    page.locator("#f-answer").fill("We added staff on the Billing line and called back.")
    submit(page, page.get_by_role("button", name="Save"))
    assert page.locator("#case-status").inner_text() == "resolved"
    assert "called back" in page.locator("#case-answer").inner_text()
    browse.shot(page, "case-resolved", full_page=True)
