"""New-hire training in Chromium: the demo manager opens Training from the navigation bar, sees
the modules' current versions and Billing 1's newest hire with one module out of date, opens
the checklist and marks the launch module's version 2 completed; the same pages on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def _cells(page: Any, selector: str) -> list[list[str]]:
    """The text of each row's header and cells of a table, trimmed."""
    rows = page.locator(f"{selector} tbody tr")
    return [
        [c.strip() for c in rows.nth(k).locator("th, td").all_inner_texts()]
        for k in range(rows.count())
    ]


def _open_training(browse: Browse, page: Any) -> None:
    browse.sign_in(page, "manager")
    nav = page.locator("nav.mainnav")
    link = nav.get_by_role("link", name="Training", exact=True)
    assert link.get_attribute("href") == "/training"
    submit(page, link)
    assert page.url == browse.server.url + "/training"
    assert nav.locator('[aria-current="page"]').inner_text().strip() == "Training"


def test_the_manager_follows_a_new_hire_and_marks_the_current_version(browse: Browse) -> None:
    page = browse.page()
    _open_training(browse, page)
    modules = _cells(page, "#training-modules")
    assert [(r[0], r[1], r[2], r[3]) for r in modules] == [
        ("Launch-day known issues", "Tech Support", "Training department", "2"),
        ("Refund process", "Billing", "Training department", "1"),
    ]
    hires = _cells(page, "#new-hires")
    assert len(hires) == 1
    name, team, _hired, done, old, todo = hires[0]
    assert (team, done, old, todo) == ("Billing 1", "1", "1", "0")
    browse.shot(page, "training")
    submit(page, page.locator("#new-hires tbody th a"))
    assert page.locator("h1").inner_text() == f"Training checklist of {name}"
    assert "1 done, 1 out of date, 0 to do" in page.locator("main").inner_text()
    launch = page.locator('#checklist tr:has(a:text-is("Launch-day known issues"))')
    assert launch.get_attribute("data-state") == "out of date"
    cells = [c.strip() for c in launch.locator("td").all_inner_texts()]
    assert cells[0] == "2" and cells[1].startswith("version 1 on ") and cells[2] == "out of date"
    refund = page.locator('#checklist tr:has(a:text-is("Refund process"))')
    assert refund.get_attribute("data-state") == "done"
    assert refund.get_by_role("button").count() == 0  # done: nothing to mark
    browse.shot(page, "checklist", full_page=True)
    submit(page, launch.get_by_role("button", name="Completed version 2"))
    assert "Marked completed." in page.get_by_role("status").first.inner_text()
    assert "2 done, 0 out of date, 0 to do" in page.locator("main").inner_text()
    assert launch.get_attribute("data-state") == "done"
    cells = [c.strip() for c in launch.locator("td").all_inner_texts()]
    assert cells[1].startswith("version 2 on ") and cells[2] == "done"
    browse.shot(page, "completed", full_page=True)
    submit(page, page.locator("nav.mainnav").get_by_role("link", name="Training", exact=True))
    assert _cells(page, "#new-hires")[0][3:] == ["2", "0", "0"]


@pytest.mark.phone
def test_the_training_pages_fit_a_phone(browse: Browse) -> None:
    page = browse.page()
    _open_training(browse, page)
    for label in ("training", "checklist"):
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the {label} page is {overflow} px wider than the phone"
        browse.shot(page, label, full_page=True)
        if label == "training":
            submit(page, page.locator("#new-hires tbody th a"))
