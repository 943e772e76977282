"""A case raised from a contact in Chromium: the agent, on a phone, opens one of their contacts,
reads its facts, raises a complaint from it, finds it on the case list (and in its Excel
download), and sees it linked on the contact."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.org.models import Queue, User
from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser

SUBJECT = "Charged twice after the plan change"


def _agents_contact(browse: Browse) -> tuple[int, str]:
    """The demo agent's latest contact and its queue, read from the served database."""
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        person_id = s.scalars(select(User.person_id).where(User.login == "agent")).one()
        contact = s.scalars(
            select(Contact)
            .where(Contact.person_id == person_id)
            .order_by(Contact.arrival_at.desc(), Contact.id.desc())
        ).first()
        assert contact is not None
        queue = s.get(Queue, contact.queue_id)
        assert queue is not None
        found = contact.id, queue.name
    engine.dispose()
    return found


@pytest.mark.phone
def test_agent_raises_a_case_from_a_contact_and_finds_it_on_the_list(
    browse: Browse, tmp_path: Path
) -> None:
    contact_id, queue = _agents_contact(browse)
    page = browse.page()
    browse.sign_in(page, "agent")
    page.goto(browse.server.url + f"/cases/contacts/{contact_id}")
    assert page.locator("h1").inner_text() == f"Contact {contact_id}"
    assert page.locator("#contact-queue").inner_text().startswith(queue)
    assert "UTC" in page.locator("#contact-arrival").inner_text()  # the site's zone is named
    expect(page.locator("#no-linked-case")).to_be_visible()
    browse.shot(page, "contact", full_page=True)

    page.get_by_label("Type").select_option("complaint")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Category").fill("billing error")
    submit(page, page.get_by_role("button", name="Raise"))
    # no summary: the form comes back marked, nothing raised
    assert page.locator(".has-error #f-subject").count() == 1
    page.get_by_label("Subject").fill(SUBJECT)
    submit(page, page.get_by_role("button", name="Raise"))
    assert SUBJECT in page.locator("h1").inner_text()
    assert page.locator("#case-contact").inner_text() == f"contact {contact_id}"
    case_id = page.url.rsplit("/", 1)[1]
    browse.shot(page, "case", full_page=True)

    submit(page, page.get_by_role("link", name="All cases"))
    row = page.locator(f'#cases-table tr[data-case="{case_id}"]')
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text("complaint")
    expect(row).to_contain_text("high")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Excel").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    sheet = load_workbook(io.BytesIO(target.read_bytes())).worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[int(case_id)][4] == SUBJECT
    assert rows[int(case_id)][10] == contact_id  # the Contact column

    page.goto(browse.server.url + f"/cases/contacts/{contact_id}")
    linked = page.locator(f'#contact-cases tr[data-case="{case_id}"]')
    expect(linked).to_contain_text(SUBJECT)
    browse.shot(page, "contact-with-case", full_page=True)
