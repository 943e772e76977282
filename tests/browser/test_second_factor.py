"""The second factor in Chromium: turn TOTP on from the account page, then sign in with a code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser

LOGIN = "totp-analyst"
PASSWORD = "quiet-lantern-river-7"


def _make_user(browse: Browse) -> None:
    """A user of its own: the demo users' sign-ins stay password-only for the other tests."""
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(
                login=LOGIN, password=PASSWORD, role=Role.qa_analyst, scope=ScopeKind.all
            ),
        )
        s.commit()
    engine.dispose()


def test_turn_the_second_factor_on_and_sign_in_with_a_code(browse: Browse) -> None:
    _make_user(browse)
    page = browse.page()
    browse.sign_in(page, LOGIN, PASSWORD)
    page.goto(browse.server.url + "/account")
    submit(page, page.get_by_role("button", name="Set up a second factor"))
    expect(page.locator("svg.qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    # a code of the previous step: the sign-in below uses the current one, never the same
    page.get_by_label("Code").fill(totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    browse.shot(page, "second-factor-setup")
    submit(page, page.get_by_role("button", name="Turn the second factor on"))
    expect(page.get_by_role("status")).to_contain_text("The second factor is on")
    submit(page, page.get_by_role("button", name="Sign out"))

    page.goto(browse.server.url + "/login")
    page.get_by_label("Login").fill(LOGIN)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", name="Sign-in code")).to_be_visible()
    page.get_by_label("Code").fill("000000" if totp.now() != "000000" else "111111")
    submit(page, page.get_by_role("button", name="Sign in"))
    expect(page.locator("#e-code")).to_contain_text("Wrong code")
    page.get_by_label("Code").fill(totp.now())
    submit(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url(browse.server.url + "/")
    page.goto(browse.server.url + "/account")
    expect(page.locator("#second-factor")).to_contain_text("Signing in asks for a code")
    browse.shot(page, "second-factor-on")
