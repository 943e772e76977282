"""Sign-in, sessions, CSRF, lock-out, log-out, password change, API tokens, security headers."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from ccops.cli import app as cli_app
from ccops.db import make_engine, make_session_factory, utcnow
from ccops.enums import Role
from ccops.org import throttle
from ccops.org.models import ApiToken, SignInThrottle, User
from ccops.settings import get_settings
from ccops.web import pages, security
from tests.factories.web import PASSWORD, World, csrf_of, sign_in


def _user(world: World, login: str) -> User:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        user = s.scalars(select(User).where(User.login == login)).one()
        s.expunge(user)
    engine.dispose()
    return user


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_lands_on_next(world: World) -> None:
    client = world.client()
    page = client.get("/login", params={"next": "/kpi"})
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert "httponly" in page.headers["set-cookie"].lower()
    response = client.post(
        "/login",
        data={
            "login": "u-planner",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/kpi",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/kpi"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("ccops_session=")
    )
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Max-Age=43200" in cookie
    home = client.get("/")
    assert home.status_code == 200 and "u-planner" in home.text


def _message(page: str) -> str:
    """The form's problem (the page without the login echoed back and the CSRF token)."""
    start = page.index('role="alert"')
    return page[start : page.index("</div>", start)]


def _try(client: TestClient, login: str, password: str) -> Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


def test_wrong_password_is_refused_and_counted(world: World) -> None:
    client = world.client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"login": "u-planner", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong login or password." in response.text
    assert 'value="u-planner"' in response.text  # the login is kept, the password is not
    assert _user(world, "u-planner").failed_logins == 1
    unknown = client.post(
        "/login",
        data={"login": "nobody", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert unknown.status_code == 401 and "Wrong login or password." in unknown.text


class Clock:
    """The sign-in service's clock, standing still unless a test moves it (no test races a wait)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr("ccops.org.service.utcnow", frozen)
    return frozen


def test_repeated_failures_slow_one_client_down_and_never_lock_the_owner_out(
    world: World, clock: Clock
) -> None:
    attacker = world.client(address="203.0.113.7")
    for attempt in range(5):  # five free tries
        response = _try(attacker, "u-qa", f"bad{attempt}")
        assert response.status_code == 401 and "too many" not in response.text
    sixth = _try(attacker, "u-qa", "bad5")
    assert sixth.status_code == 401 and "too many failed sign-ins: try again in 1 s" in sixth.text
    # while it waits, even the right password from that client is refused, with the same words
    right = _try(attacker, "u-qa", PASSWORD)
    assert right.status_code == 401 and "too many failed sign-ins" in right.text
    assert _user(world, "u-qa").failed_logins == 6
    assert _user(world, "u-qa").locked_until is not None
    # the owner, from their own desk, is not locked out by the stranger's failures
    owner = world.client(address="198.51.100.20")
    assert _try(owner, "u-qa", PASSWORD).status_code == 303
    # waits double with each further failure: 1, 2, 4, 8 s … capped at lockout_minutes
    clock.advance(0.5)
    assert "try again in 1 s" in _try(attacker, "u-qa", PASSWORD).text  # half a second left
    clock.advance(0.6)
    third = _try(attacker, "u-qa", "bad6")
    assert "try again in 2 s" in third.text
    clock.advance(2.1)
    # once the wait is over the right password signs in and clears that client's count
    assert _try(attacker, "u-qa", PASSWORD).status_code == 303
    assert _user(world, "u-qa").failed_logins == 0


def test_unknown_and_known_logins_get_the_same_answers(world: World, clock: Clock) -> None:
    known, unknown = world.client(address="192.0.2.1"), world.client(address="192.0.2.2")
    for attempt in range(7):
        a = _try(known, "u-planner", f"bad{attempt}")
        b = _try(unknown, "no-such-login", f"bad{attempt}")
        assert a.status_code == b.status_code == 401
        assert _message(a.text) == _message(b.text), attempt
    assert "too many failed sign-ins" in _message(a.text)


def test_many_clients_can_only_slow_a_login_down(world: World, clock: Clock) -> None:
    """Twenty strangers' failures make the login wait, and never more than a minute."""
    answers = [
        _try(world.client(address=f"203.0.113.{n + 1}"), "u-admin", "guess") for n in range(21)
    ]
    assert all("<li>Wrong login or password.</li>" in a.text for a in answers[:20])
    assert answers[20].status_code == 401 and "try again in 1 s" in answers[20].text
    # however long the siege, each further failure (after its wait) waits 2, 4 … 60 s at most
    engine = make_engine(world.settings.resolved_database_url())
    policy = pages.throttle_policy(world.settings)
    now, waits = utcnow(), []
    for n in range(30):
        attempt = throttle.keys("u-admin", f"198.18.0.{n}", policy)
        until = throttle.record_failure(engine, attempt, "u-admin", policy, now)
        assert until is not None
        waits.append((until - now).total_seconds())
        now = until + timedelta(seconds=1)
    engine.dispose()
    assert waits[:6] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0] and max(waits) == 60.0


def test_an_administrator_unlock_clears_every_count_of_the_login(
    world: World, clock: Clock
) -> None:
    attacker = world.client(address="203.0.113.50")
    for attempt in range(8):
        _try(attacker, "u-qa", f"bad{attempt}")
    assert "too many failed sign-ins" in _try(attacker, "u-qa", PASSWORD).text
    unlock = world.client(Role.admin).patch("/api/v1/users/u-qa", json={"unlock": True})
    assert unlock.status_code == 200, unlock.text
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        left = s.scalars(select(SignInThrottle.login_digest)).all()
    engine.dispose()
    assert left == [""]  # only the client's own count stays: it is not the login's
    assert _try(attacker, "u-qa", PASSWORD).status_code == 303


def test_sign_in_without_csrf_token_is_refused(world: World) -> None:
    client = world.client()
    client.get("/login")
    response = client.post("/login", data={"login": "u-planner", "password": PASSWORD})
    assert response.status_code == 403 and "The form had expired" in response.text
    other = world.client()  # a token from another browser's cookie does not count
    stolen = csrf_of(other.get("/login").text)
    fresh = world.client()
    fresh.get("/login")
    response = fresh.post(
        "/login", data={"login": "u-planner", "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 403


def test_unsafe_requests_from_a_session_need_its_csrf_token(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    refused = client.post("/admin/sites", data={"name": "X", "timezone": "UTC"})
    assert refused.status_code == 403 and "security token" in refused.text
    api_refused = client.post("/api/v1/sites", json={"name": "X", "timezone": "UTC"})
    assert api_refused.status_code == 403
    assert "security token" in api_refused.json()["message"]
    made = client.post("/admin/sites", data={"name": "X", "timezone": "UTC", "csrf_token": csrf})
    assert made.status_code == 303
    api_made = client.post(
        "/api/v1/sites",
        json={"name": "Y", "timezone": "UTC"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api_made.status_code == 201


def test_anonymous_pages_redirect_to_sign_in_and_api_answers_401(world: World) -> None:
    client = world.client()
    page = client.get("/kpi", params={"queue": "Sales"})
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fkpi%3Fqueue%3DSales"
    api = client.get("/api/v1/queues")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert api.json()["error"] == "NotAuthenticated"
    partial = client.get("/staffing/result", headers={"HX-Request": "true"})
    assert partial.status_code == 401 and partial.headers["hx-redirect"].startswith("/login")


def test_next_never_leaves_the_site(world: World) -> None:
    client = world.client()
    token = csrf_of(client.get("/login").text)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        response = client.post(
            "/login",
            data={"login": "u-qa", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.headers["location"] == "/"
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)


def test_log_out_ends_every_session_of_the_user(world: World) -> None:
    first, second = world.client(), world.client()
    csrf = sign_in(first, "u-manager")
    sign_in(second, "u-manager")
    old_cookie = first.cookies.get(security.SESSION_COOKIE)
    out = first.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert first.get("/").status_code == 303
    replay = world.client()
    replay.cookies.set(security.SESSION_COOKIE, old_cookie or "")
    response = replay.get("/")
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert second.get("/").status_code == 303  # the other browser is signed out too
    login_page = replay.get(response.headers["location"])
    assert "Your session has ended" in login_page.text


def test_expired_and_forged_sessions_count_as_signed_out(world: World) -> None:
    client = world.client()
    sign_in(client, "u-planner")
    signer = security.CookieSigner(
        world.settings.resolved_secret_key(), world.settings.session_max_age_s
    )
    user = _user(world, "u-planner")
    long_ago = time.time() - world.settings.session_max_age_s - 60
    with mock.patch("itsdangerous.timed.time.time", return_value=long_ago):
        stale = signer.dump_session(security.SessionData(user.id, user.session_version, "c"))
    client.cookies.set(security.SESSION_COOKIE, stale)
    response = client.get("/kpi")
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    forged = security.CookieSigner("another-key", 3600).dump_session(
        security.SessionData(user.id, user.session_version, "c")
    )
    client.cookies.set(security.SESSION_COOKIE, forged)
    response = client.get("/kpi")
    assert response.status_code == 303 and "expired" not in response.headers["location"]


def test_password_change_checks_the_current_one_and_ends_other_sessions(world: World) -> None:
    first, second = world.client(), world.client()
    csrf = sign_in(first, "u-agent")
    sign_in(second, "u-agent")
    wrong = first.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": "not-it",
            "new_password": "a-new-secret",
            "repeat_password": "a-new-secret",
        },
    )
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.text
    assert 'id="f-current_password"' in wrong.text and 'aria-invalid="true"' in wrong.text
    short = first.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "short",
            "repeat_password": "short",
        },
    )
    assert short.status_code == 422 and "At least 8 characters." in short.text
    done = first.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "a-new-secret",
            "repeat_password": "a-new-secret",
        },
    )
    assert done.status_code == 303
    assert first.get("/account").status_code == 200  # this browser stays signed in
    assert second.get("/account").status_code == 303  # the other one is signed out
    fresh = world.client()
    sign_in(fresh, "u-agent", "a-new-secret")


def test_api_token_from_the_cli_works_until_revoked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(
            cli_app, ["users", "token", "create", "u-planner", "--name", "acd-export", "--json"]
        )
        assert created.exit_code == 0, created.output
        body = json.loads(created.stdout)
        token = body["token"]
        assert token.startswith("ccops_") and body["name"] == "acd-export"
        plain = runner.invoke(cli_app, ["users", "token", "create", "u-planner", "--name", "x"])
        assert plain.exit_code == 0 and "shown only this once" in plain.stdout
        client = TestClient(world.client().app, headers={"Authorization": f"Bearer {token}"})
        assert client.get("/api/v1/queues").status_code == 200
        engine = make_engine(world.settings.resolved_database_url())
        with make_session_factory(engine)() as s:
            stored = s.scalars(select(ApiToken).where(ApiToken.name == "acd-export")).one()
            assert stored.token_hash != token and len(stored.token_hash) == 64
            assert stored.last_used_at is not None
        engine.dispose()
        listed = runner.invoke(cli_app, ["users", "token", "list", "--json"])
        assert token not in listed.stdout and "acd-export" in listed.stdout
        revoked = runner.invoke(cli_app, ["users", "token", "revoke", str(body["id"])])
        assert revoked.exit_code == 0
        gone = client.get("/api/v1/queues")
        assert gone.status_code == 401 and "revoked" in gone.json()["message"]
        missing = runner.invoke(cli_app, ["users", "token", "create", "nobody", "--name", "n"])
        assert missing.exit_code == 3 and "does not exist" in missing.stderr
    finally:
        get_settings.cache_clear()


def test_bad_authorization_headers_are_401(world: World) -> None:
    client = world.client()
    for header in ("Basic abc", "Bearer", "Bearer ccops_unknown", "Bearer not-a-token"):
        response = client.get("/api/v1/queues", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_tokens_on_the_account_page_are_shown_once_and_revocable(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-supervisor")
    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "wallboard"})
    assert made.status_code == 200
    secret = made.text.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("ccops_")
    assert secret not in client.get("/account").text
    api = TestClient(client.app, headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/people").status_code == 200
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        token_id = s.scalars(select(ApiToken.id).where(ApiToken.name == "wallboard")).one()
    engine.dispose()
    other = world.client()
    other_csrf = sign_in(other, "u-qa")
    foreign = other.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": other_csrf})
    assert foreign.status_code == 404  # one cannot revoke another user's token
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert api.get("/api/v1/people").status_code == 401
    empty = client.post("/account/tokens", data={"csrf_token": csrf, "name": ""})
    assert empty.status_code == 422 and "Required." in empty.text


def test_every_response_carries_the_security_headers(world: World) -> None:
    client = world.client(Role.admin)
    for path in ("/", "/login", "/api/v1/sites", "/health"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in headers["content-security-policy"]
    assert "content-security-policy" not in client.get("/docs").headers
