"""Date fields read in the user's language, not the browser's: ISO text, spelled out beside it."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def test_a_date_field_is_iso_text_spelled_in_the_page_language(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "qa")
    page.goto(browse.server.url + "/quality/team?first_day=2026-11-16&last_day=2026-11-22")
    first = page.get_by_label("From")
    # The browser's date widget would show 11/16/2026 in an en-US Chromium whatever the user chose.
    assert first.get_attribute("type") == "text"
    assert first.input_value() == "2026-11-16"
    assert page.locator("#f-first-spelled").inner_text() == "Mon, 16 Nov 2026"
    assert page.locator("#f-last-spelled").inner_text() == "Sun, 22 Nov 2026"
    # A day that does not exist is refused before the form is sent, with a message saying how.
    first.fill("2026-02-30")
    assert page.locator("#f-first-spelled").inner_text() == ""
    assert not first.evaluate("el => el.checkValidity()")
    assert "2026-12-03" in first.evaluate("el => el.validationMessage")
    first.fill("2026-11-17")
    assert page.locator("#f-first-spelled").inner_text() == "Tue, 17 Nov 2026"
    # The calendar button hands the browser's picker the field's date and copies its choice back.
    native = page.locator("#f-first ~ input.date-native")
    native.evaluate("el => { el.value = '2026-11-18'; el.dispatchEvent(new Event('change')); }")
    assert first.input_value() == "2026-11-18"
    submit(page, page.get_by_role("button", name="Show"))
    assert "first_day=2026-11-18" in page.url
    assert page.get_by_label("From").input_value() == "2026-11-18"
    try:
        page.get_by_label("Language").select_option("zh_Hans")
        submit(page, page.get_by_role("button", name="Apply"))
        page.wait_for_selector('html[lang="zh-Hans"]')
        page.goto(browse.server.url + "/quality/team?first_day=2026-11-16&last_day=2026-11-22")
        assert page.locator("#f-first").input_value() == "2026-11-16"
        assert page.locator("#f-first-spelled").inner_text() == "2026年11月16日周一"
        assert page.locator("button.date-pick").first.get_attribute("aria-label") == "选择日期"
    finally:
        page.get_by_label("语言").select_option("en")
        submit(page, page.get_by_role("button", name="应用"))
        page.wait_for_selector('html[lang="en"]')


def test_a_date_and_time_field_is_spelled_in_the_page_language(browse: Browse) -> None:
    """A datetime-local field keeps the browser's control (and its picker) and the ISO value the
    server reads; the line under it says the moment in the user's language on a 24-hour clock,
    where the control itself would say 12/03/2026, 02:30 PM in an en-US Chromium."""
    page = browse.page()
    browse.sign_in(page, "planner")
    try:
        page.get_by_label("Language").select_option("zh_Hans")
        submit(page, page.get_by_role("button", name="Apply"))
        page.wait_for_selector('html[lang="zh-Hans"]')
        page.goto(browse.server.url + "/overtime")
        start = page.locator("#f-start")
        assert start.get_attribute("type") == "datetime-local"
        assert page.locator("#f-start-spelled").inner_text() == ""
        start.fill("2026-12-03T14:30")
        assert start.input_value() == "2026-12-03T14:30"
        assert page.locator("#f-start-spelled").inner_text() == "2026年12月3日周四 14:30"
        assert "f-start-spelled" in (start.get_attribute("aria-describedby") or "")
        page.locator("#f-end").fill("2026-12-04T09:05")
        assert page.locator("#f-end-spelled").inner_text() == "2026年12月4日周五 09:05"
        # a time-only field says the time alone, on the same 24-hour clock
        page.goto(browse.server.url + "/intraday?queue=Billing")
        page.locator("#move-break-at").fill("21:15")
        assert page.locator("#move-break-at-spelled").inner_text() == "21:15"
    finally:
        page.get_by_label("语言").select_option("en")
        submit(page, page.get_by_role("button", name="应用"))
        page.wait_for_selector('html[lang="en"]')
    page.goto(browse.server.url + "/overtime")
    page.locator("#f-start").fill("2026-12-03T14:30")
    assert page.locator("#f-start-spelled").inner_text() == "Thu, 3 Dec 2026, 14:30"
