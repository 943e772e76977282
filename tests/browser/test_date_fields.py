"""Date fields read in the user's language, not the browser's: ISO text, spelled out beside it."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, fill_moment, submit

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


def test_a_date_and_time_field_reads_the_same_in_every_language(browse: Browse) -> None:
    """A datetime-local field would show 12/03/2026, 02:30 PM in an en-US Chromium and 下午 in a
    Chinese one whatever the user chose; it becomes an ISO date field with its calendar button and
    a 24-hour HH:MM field, the moment spelled in the page's language under them, and a hidden field
    that sends the server the ISO value (2026-12-03T14:30)."""
    page = browse.page()
    browse.sign_in(page, "planner")
    try:
        page.get_by_label("Language").select_option("zh_Hans")
        submit(page, page.get_by_role("button", name="Apply"))
        page.wait_for_selector('html[lang="zh-Hans"]')
        page.goto(browse.server.url + "/overtime")
        day = page.locator("#f-start")
        clock = page.locator("#f-start-time")
        sent = page.locator('#offer-form input[type="hidden"][name="start"]')
        assert day.get_attribute("type") == "text" and clock.get_attribute("type") == "text"
        assert day.get_attribute("name") is None
        assert clock.get_attribute("placeholder") == "HH:MM"
        assert page.locator("#f-start-spelled").inner_text() == ""
        day.fill("2026-12-03")
        assert sent.input_value() == "2026-12-03T"  # the server says a time is missing
        clock.fill("14:30")
        assert sent.input_value() == "2026-12-03T14:30"
        assert page.locator("#f-start-spelled").inner_text() == "2026年12月3日周四"
        assert "f-start-spelled" in (day.get_attribute("aria-describedby") or "")
        # a time that does not exist is marked in the browser; the server refuses it by name
        # and the page comes back with both halves as typed
        clock.fill("24:10")
        assert not clock.evaluate("el => el.checkValidity()")
        assert "14:30" in clock.evaluate("el => el.validationMessage")
        assert sent.input_value() == "2026-12-03T24:10"
        submit(page, page.get_by_role("button", name="查看影响"))
        assert page.locator("#f-start").input_value() == "2026-12-03"
        assert page.locator("#f-start-time").input_value() == "24:10"
        assert page.locator("#e-start").inner_text() != ""
        clock.fill("09:05")
        assert sent.input_value() == "2026-12-03T09:05"
        fill_moment(page, "f-end", "2026-12-04T17:45")
        assert page.locator('#offer-form input[type="hidden"][name="end"]').input_value() == (
            "2026-12-04T17:45"
        )
        # a time-only field is the same 24-hour text field
        page.goto(browse.server.url + "/intraday?queue=Billing")
        moved = page.locator("#move-break-at")
        assert moved.get_attribute("type") == "text"
        moved.fill("21:15")
        assert moved.evaluate("el => el.checkValidity()")
        moved.fill("9:15")
        assert not moved.evaluate("el => el.checkValidity()")
    finally:
        page.get_by_label("语言").select_option("en")
        submit(page, page.get_by_role("button", name="应用"))
        page.wait_for_selector('html[lang="en"]')
    page.goto(browse.server.url + "/overtime")
    fill_moment(page, "f-start", "2026-12-03T14:30")
    assert page.locator("#f-start-spelled").inner_text() == "Thu, 3 Dec 2026"
    assert page.locator("#f-start-time").get_attribute("aria-label") == "Time (24-hour, HH:MM)"
