"""Improvement cycles in Chromium: the manager finds the launch's PDCA record, opens a new record
for the service level (a missing title is marked on its field), adds an action, runs the
check measured from the stored contacts and reads the verdict with both periods' intervals."""

from __future__ import annotations

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def test_a_manager_opens_a_record_adds_an_action_and_checks_it(browse: Browse) -> None:
    page = browse.page()
    page.set_default_timeout(60_000)  # a check reads the contacts of three weeks
    browse.sign_in(page, "manager")
    submit(page, page.get_by_role("link", name="Improvements", exact=True))
    launch = page.locator("#improvements tr", has_text="Repeat contacts after the launch")
    assert launch.count() == 1  # the demo's launch record
    submit(page, page.get_by_role("link", name="Start an improvement"))
    page.get_by_label("KPI", exact=True).select_option("service_level")
    page.get_by_label("Problem from").fill("2026-11-16")
    page.get_by_label("Problem to").fill("2026-11-22")
    page.get_by_label("What happened").fill("Waits grew in the launch week.")
    page.get_by_label("5 whys").fill("Volume 30% over forecast\nThe launch was not announced")
    # no title: the form comes back with the field marked and the input kept
    page.evaluate("document.getElementById('f-title').removeAttribute('required')")
    submit(page, page.get_by_role("button", name="Open the record"))
    assert page.locator("#e-title").inner_text().strip().endswith("Required.")
    assert page.get_by_label("What happened").input_value() == "Waits grew in the launch week."
    page.locator("#f-title").fill("Service level in the launch week")
    submit(page, page.get_by_role("button", name="Open the record"))
    assert "Improvement record opened" in page.get_by_role("status").first.inner_text()
    record_id = page.locator("#improvement").get_attribute("data-improvement")
    assert "Volume 30% over forecast" in page.locator("#whys").inner_text()
    assert "95% interval" in page.locator("#problem-interval").inner_text()
    # an action with its owner and due date, then marked done
    form = page.locator("#action-form")
    form.locator("#f-text").fill("Announce launches to planning")
    form.locator("#f-owner").fill("planner")
    form.locator("#f-due").fill("2026-11-30")
    submit(page, form.get_by_role("button", name="Add the action"))
    row = page.locator("#actions-table tr", has_text="Announce launches to planning")
    assert "planner" in row.inner_text()
    submit(page, row.get_by_role("button", name="Mark done"))
    assert row.locator("td[data-status]").get_attribute("data-status") == "done"
    # the check: the two weeks before the launch against the launch week, from the contacts
    check = page.locator("#check-form")
    check.get_by_label("Before from").fill("2026-11-02")
    check.get_by_label("Before to").fill("2026-11-08")
    check.get_by_label("After from").fill("2026-11-16")
    check.get_by_label("After to").fill("2026-11-22")
    submit(page, check.get_by_role("button", name="Run the check"))
    stored = browse.api(page, f"/api/v1/improvements/{record_id}")["check"]
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == stored["verdict"]
    assert stored["verdict"] in ("improved", "no detectable change", "worse")
    assert stored["verdict"] in verdict.inner_text()
    table = page.locator("#check-table").inner_text()
    for period in (stored["before"], stored["after"]):
        assert f"{period['rate'] * 100:.1f}%" in table
        assert f"{period['low'] * 100:.1f}%" in table and f"{period['high'] * 100:.1f}%" in table
    browse.shot(page, "checked", full_page=True)
    page.goto(browse.server.url + "/improvements")
    row = page.locator(f'#improvements tr[data-improvement="{record_id}"]')
    assert row.locator("td[data-verdict]").get_attribute("data-verdict") == stored["verdict"]
