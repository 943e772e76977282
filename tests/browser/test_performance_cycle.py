"""The performance cycle in Chromium: the team leader records a coaching session and a review,
the agent agrees to the plan and signs the review on a phone, the team leader signs and records
the outcome at follow-up."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ccops.db import make_engine, make_session_factory
from ccops.org.models import Person, User
from tests.plugins.browser import PHONE, Browse, submit

pytestmark = pytest.mark.browser

PLAN = "Confirm the refund date on every refund call (browser cycle)."
STRENGTHS = "Calm with upset customers (browser cycle)."


def _agent_login(browse: Browse) -> str:
    """The login of the person the demo user 'agent' is linked to."""
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        login = s.scalar(
            select(Person.login)
            .join(User, User.person_id == Person.id)
            .where(User.login == "agent")
        )
    engine.dispose()
    assert login is not None
    return login


def test_coaching_agreed_on_a_phone_and_a_review_signed_by_both_sides(
    browse: Browse, chromium: Any
) -> None:
    login = _agent_login(browse)
    lead = browse.page()
    browse.sign_in(lead, "supervisor")
    person_url = browse.server.url + f"/performance/people/{login}"
    lead.goto(person_url)

    # the team leader records a coaching session linked to the KPI that prompted it
    lead.get_by_text("Record a coaching session").click()
    form = lead.locator("#coaching-form")
    form.get_by_label("KPI that prompted it (optional)").select_option("repeat_contact_rate")
    form.get_by_label("Monitoring points").fill("Listened to five refund calls.")
    form.get_by_label("Gap between target and actual").fill("Customers call back on refunds.")
    form.get_by_label("Analysis of causes").fill("The refund date was not confirmed.")
    form.get_by_label("Action plan agreed with the person").fill(PLAN)
    submit(lead, form.get_by_role("button", name="Save"))
    expect(lead.get_by_role("status").first).to_contain_text("Coaching session recorded.")
    session = lead.locator("article[data-coaching]").filter(has_text=PLAN)
    expect(session.locator("[data-agreed]")).to_have_attribute("data-agreed", "false")
    expect(session.get_by_role("link", name="repeat_contact_rate")).to_have_attribute(
        "href", "/kpi/definitions#repeat_contact_rate"
    )

    # ... and a formal review, which they sign as the reviewer
    lead.get_by_text("Write a formal review").click()
    review_form = lead.locator("#review-form")
    review_form.get_by_label("Strengths").fill(STRENGTHS)
    review_form.get_by_label("Weaknesses").fill("Wrap-up notes are short.")
    review_form.get_by_label("Agreed improvement plan").fill("Notes to the template.")
    review_form.get_by_label("Commitments of the person").fill("Use the template.")
    review_form.get_by_label("Support from the centre").fill("Weekly side-by-side.")
    review_form.get_by_label("Criteria of the next review").fill("Notes complete.")
    submit(lead, review_form.get_by_role("button", name="Save the review"))
    review = lead.locator("article[data-review]").filter(has_text=STRENGTHS)
    submit(lead, review.get_by_role("button", name="Sign as the reviewer"))
    review = lead.locator("article[data-review]").filter(has_text=STRENGTHS)
    expect(review.locator('[data-signed="reviewer"]')).to_contain_text("✓ supervisor on ")
    expect(review.locator('[data-signed="person"]')).to_contain_text("✗")

    # the agent, on a phone, agrees to the plan and signs the review
    phone_context = chromium.new_context(viewport=PHONE, locale="en-GB")
    agent = Browse(browse.server, phone_context, browse.name + "-agent")
    try:
        mobile = agent.page()
        agent.sign_in(mobile, "agent")
        mobile.goto(browse.server.url + "/performance")
        mine = mobile.locator("article[data-coaching]").filter(has_text=PLAN)
        submit(mobile, mine.get_by_role("button", name="I agree to this action plan"))
        expect(mobile.get_by_role("status").first).to_contain_text("You agreed")
        mine = mobile.locator("article[data-coaching]").filter(has_text=PLAN)
        expect(mine.locator("[data-agreed]")).to_have_attribute("data-agreed", "true")
        expect(mine.get_by_role("button", name="I agree to this action plan")).to_have_count(0)
        own_review = mobile.locator("article[data-review]").filter(has_text=STRENGTHS)
        submit(mobile, own_review.get_by_role("button", name="Sign as the person reviewed"))
        own_review = mobile.locator("article[data-review]").filter(has_text=STRENGTHS)
        expect(own_review.locator('[data-signed="person"]')).to_contain_text(" on ")
        expect(own_review.locator('[data-signed="reviewer"]')).to_contain_text("✓ supervisor")
        overflow = mobile.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow} px wider than the phone"
        agent.shot(mobile, "agreed-and-signed", full_page=True)
    finally:
        phone_context.close()
    assert not agent.errors, "\n".join(agent.errors)

    # at follow-up the team leader records the outcome
    lead.goto(person_url)
    session = lead.locator("article[data-coaching]").filter(has_text=PLAN)
    expect(session.locator("[data-agreed]")).to_have_attribute("data-agreed", "true")
    session.get_by_text("Record the outcome at follow-up").click()
    session.get_by_label("Outcome of the plan").fill("Refund callbacks halved in two weeks.")
    submit(lead, session.get_by_role("button", name="Save the outcome"))
    session = lead.locator("article[data-coaching]").filter(has_text=PLAN)
    expect(session.locator("[data-outcome]")).to_have_text("Refund callbacks halved in two weeks.")
    browse.shot(lead, "cycle-done", full_page=True)
