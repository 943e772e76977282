"""Administration in Chromium: record a leaver from the people list, unlock a locked-out user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, User
from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def _prepare(browse: Browse) -> str:
    """Create a locked-out user; return a demo agent in a team, still employed, without sign-in."""
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(
                login="locked-qa",
                password="locked-pass-1",
                role=Role.qa_analyst,
                scope=ScopeKind.all,
            ),
        )
        user = org_service.get_user_by_login(session=s, login="locked-qa")
        user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
        linked = select(User.person_id).where(User.person_id.is_not(None))
        login = s.scalars(
            select(Person.login)
            .where(
                Person.team_id.is_not(None),
                Person.termination_date.is_(None),
                Person.role == Role.agent,
                Person.id.not_in(linked),
            )
            .order_by(Person.login)
        ).first()
        s.commit()
    engine.dispose()
    assert login is not None
    return login


def test_admin_records_a_leaver_and_unlocks_a_user(browse: Browse) -> None:
    login = _prepare(browse)
    page = browse.page()
    browse.sign_in(page, "admin")
    page.goto(browse.server.url + "/admin/people")
    submit(page, page.locator("#list-people").get_by_role("link", name=login, exact=True))
    assert page.url.endswith(f"/admin/people/{login}")
    page.get_by_label("Termination date").fill("2026-11-20")
    submit(page, page.get_by_role("button", name="Record the leaver"))
    reason = page.get_by_label("Reason")
    assert reason.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Termination date").input_value() == "2026-11-20"
    browse.shot(page, "leaver-error")
    reason.fill("Moved to another city")
    submit(page, page.get_by_role("button", name="Record the leaver"))
    expect(page.get_by_role("status")).to_contain_text("The leaver is recorded")
    expect(page.locator("#leaver-status")).to_contain_text("Moved to another city")
    people = browse.api(page, "/api/v1/people")
    (person,) = [p for p in people if p["login"] == login]
    assert (person["termination_date"], person["termination_reason"]) == (
        "2026-11-20",
        "Moved to another city",
    )
    browse.shot(page, "leaver-recorded")

    page.goto(browse.server.url + "/admin/users")
    submit(page, page.locator("#list-users").get_by_role("link", name="locked-qa", exact=True))
    expect(page.locator("#user-locked")).not_to_contain_text("not locked")
    submit(page, page.get_by_role("button", name="Unlock"))
    expect(page.get_by_role("status")).to_contain_text("The lock-out is ended.")
    expect(page.locator("#user-locked")).to_have_text("not locked")
    users = browse.api(page, "/api/v1/users")
    (user,) = [u for u in users if u["login"] == "locked-qa"]
    assert user["locked_until"] is None and user["disabled"] is False
    browse.shot(page, "user-unlocked")
