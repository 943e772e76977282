"""Account security (#21): each attack, and the refusal it gets.

Password policy (zxcvbn), tokens that expire and may be read-only, no token minting with a
bearer, tokens revoked by a password change, and the TOTP second factor (wrong and replayed
codes refused and counted like wrong passwords).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.audit.models import AuditEntry
from ccops.cli import app as cli_app
from ccops.db import make_engine, make_session_factory, utcnow
from ccops.enums import Role, TokenScope
from ccops.org import passwords, totp
from ccops.org import service as org_service
from ccops.org.models import ApiToken, SignInThrottle, User
from ccops.settings import get_settings
from ccops.web import security
from tests.factories.web import PASSWORD, World, csrf_of, sign_in

STRONG = "violet-harbour-engine-42"


@contextmanager
def _db(world: World) -> Iterator[Session]:
    engine = make_engine(world.settings.resolved_database_url())
    try:
        with make_session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def _token(world: World, login: str, *, scope: TokenScope, days: int = 30) -> str:
    with _db(world) as s:
        _out, secret = org_service.create_token(
            session=s, login=login, name=f"t-{scope.value}", scope=scope, days=days
        )
        s.commit()
    return secret


def _bearer(world: World, token: str) -> TestClient:
    client = world.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


# --- 1. password policy ------------------------------------------------------------------------


def test_the_policy_refuses_common_guessable_and_own_name_passwords() -> None:
    assert passwords.problem("password123") == passwords.TOO_COMMON
    assert passwords.problem("P@ssw0rd") == passwords.TOO_COMMON  # l33t: still the same one
    assert passwords.problem("qwertyuiop") == passwords.TOO_COMMON
    assert passwords.problem("short") == passwords.TOO_SHORT
    assert passwords.problem("x" * 201) == passwords.TOO_LONG
    assert passwords.problem("alice2024", ["alice"]) == passwords.HAS_OWN_NAME
    assert passwords.problem("alice2024") is None or passwords.problem("alice2024") != (
        passwords.HAS_OWN_NAME
    )
    assert passwords.problem("2012-01-04") == passwords.GUESSABLE + (
        "Dates are often easy to guess."
    )
    assert passwords.problem(STRONG, ["alice"]) is None
    # no composition rules: lower-case words alone are fine when they are not guessable
    assert passwords.problem("correct horse battery staple") is None


def test_a_common_password_is_refused_naming_the_field_and_a_passphrase_is_taken(
    world: World,
) -> None:
    admin = world.client(Role.admin)
    common = admin.post(
        "/api/v1/users",
        json={"login": "newbie", "password": "password123", "role": "executive", "scope": "all"},
    )
    assert common.status_code == 422
    body = common.json()
    assert body["problems"] == [
        {"message": passwords.TOO_COMMON, "field": "password", "row": None, "file": None}
    ]
    own = admin.post(
        "/api/v1/users",
        json={"login": "newbie", "password": "newbie2024", "role": "executive", "scope": "all"},
    )
    assert own.status_code == 422
    assert own.json()["problems"][0] == {
        "message": passwords.HAS_OWN_NAME,
        "field": "password",
        "row": None,
        "file": None,
    }
    person_name = admin.post(  # the linked person's name counts too: alice is "Alice"
        "/api/v1/users",
        json={"login": "u-other", "password": "Alice1990!", "role": "agent", "person": "alice"},
    )
    assert person_name.status_code == 422
    assert person_name.json()["problems"][0]["field"] == "password"
    made = admin.post(
        "/api/v1/users",
        json={"login": "newbie", "password": STRONG, "role": "executive", "scope": "all"},
    )
    assert made.status_code == 201 and made.json()["login"] == "newbie"
    temporary = admin.patch("/api/v1/users/u-agent", json={"password": "iloveyou2"})
    assert temporary.status_code == 422
    assert temporary.json()["problems"][0]["field"] == "password"


def test_the_change_password_form_marks_a_guessable_password_in_the_page_language(
    world: World,
) -> None:
    client = world.client()
    csrf = sign_in(client, "u-agent")
    refused = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "sunflower",
            "repeat_password": "sunflower",
        },
    )
    assert refused.status_code == 422
    assert "Too common: it is among the most used passwords." in refused.text
    assert 'id="f-new_password"' in refused.text and 'aria-invalid="true"' in refused.text
    client.cookies.set(security.LANGUAGE_COOKIE, "zh_Hans")
    chinese = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "u-agent-2024",
            "repeat_password": "u-agent-2024",
        },
    )
    assert chinese.status_code == 422 and "太容易被猜到：它基于您的登录名或姓名。" in chinese.text


def test_create_admin_and_the_cli_refuse_a_weak_password(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _db(world) as s:
        with pytest.raises(Exception, match="too common"):
            org_service.create_admin(session=s, login="root2", password="12345678")
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_NEW_PASSWORD", "qwerty123")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["users", "create-admin", "--login", "root2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0 and "too common" in result.output


# --- 3. tokens expire and may be read-only ------------------------------------------------------


def test_a_read_token_reads_and_is_refused_any_write(world: World) -> None:
    client = _bearer(world, _token(world, "u-admin", scope=TokenScope.read))
    assert client.get("/api/v1/sites").status_code == 200
    write = client.post("/api/v1/sites", json={"name": "Nowhere", "timezone": "UTC"})
    assert write.status_code == 403
    assert write.json()["message"] == org_service.TOKEN_READ_ONLY
    patch = client.patch("/api/v1/users/u-agent", json={"disabled": True})
    assert patch.status_code == 403
    admin = world.client(Role.admin)
    assert [s["name"] for s in admin.get("/api/v1/sites").json()] == ["Main", "Other"]
    assert admin.get("/api/v1/users").json()[-1]["disabled"] is False


def test_an_expired_token_gets_401_saying_it_expired(world: World) -> None:
    token = _token(world, "u-planner", scope=TokenScope.write, days=1)
    client = _bearer(world, token)
    assert client.get("/api/v1/sites").status_code == 200
    with _db(world) as s:
        stored = s.scalars(select(ApiToken).where(ApiToken.name == "t-write")).one()
        stored.expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    read = client.get("/api/v1/sites")
    assert read.status_code == 401 and "expired" in read.json()["message"]
    write = client.post("/api/v1/sites", json={"name": "X", "timezone": "UTC"})
    assert write.status_code == 401 and "expired" in write.json()["message"]
    with _db(world) as s:
        assert not org_service.token_is_valid(session=s, token=token)
        assert org_service.user_for_token(session=s, token=token) is None


def test_tokens_last_90_days_by_default_and_at_most_a_year(world: World) -> None:
    with _db(world) as s:
        out, _secret = org_service.create_token(session=s, login="u-qa", name="default")
        assert out.expires_at is not None
        assert abs((out.expires_at - out.created_at) - timedelta(days=90)) < timedelta(seconds=1)
        assert out.scope == TokenScope.write
        with pytest.raises(Exception, match="365 days") as refused:
            org_service.create_token(session=s, login="u-qa", name="long", days=366)
        assert [p.field for p in refused.value.problems] == ["days"]  # type: ignore[attr-defined]


def test_the_account_page_creates_a_read_token_for_some_days_and_lists_them(
    world: World,
) -> None:
    client = world.client()
    csrf = sign_in(client, "u-qa")
    made = client.post(
        "/account/tokens", data={"csrf_token": csrf, "name": "bi", "scope": "read", "days": "30"}
    )
    assert made.status_code == 200 and 'id="new-token"' in made.text
    assert "read only" in made.text
    secret = made.text.split('id="new-token">')[1].split("<")[0]
    reader = _bearer(world, secret)
    assert reader.get("/api/v1/sites").status_code == 200
    assert reader.post("/api/v1/sites", json={"name": "Q", "timezone": "UTC"}).status_code == 403
    too_long = client.post(
        "/account/tokens", data={"csrf_token": csrf, "name": "x", "scope": "write", "days": "400"}
    )
    assert too_long.status_code == 422 and "From 1 to 365 days." in too_long.text
    with _db(world) as s:
        stored = org_service.list_tokens(session=s, login="u-qa")
    bi = next(t for t in stored if t.name == "bi")
    assert bi.scope == TokenScope.read and bi.expires_at is not None
    assert timedelta(days=29) < bi.expires_at - bi.created_at <= timedelta(days=30)


def test_the_cli_creates_a_read_token_for_30_days(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app,
            [
                "users",
                "token",
                "create",
                "u-planner",
                "--name",
                "report",
                "--scope",
                "read",
                "--days",
                "30",
                "--json",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["scope"] == "read" and body["expires_at"] is not None
    assert _bearer(world, body["token"]).delete("/api/v1/sites/Main").status_code == 403


# --- 5. a bearer token cannot mint tokens -------------------------------------------------------


def test_a_bearer_token_cannot_mint_or_revoke_tokens(world: World) -> None:
    client = world.client(Role.admin)
    with _db(world) as s:
        before = len(org_service.list_tokens(session=s))
        own = org_service.list_tokens(session=s, login="u-admin")[0]
    minted = client.post("/account/tokens", data={"name": "sneaky", "scope": "write"})
    assert minted.status_code == 403
    assert "needs a browser session" in minted.text and "ccops_" not in minted.text
    revoked = client.post(f"/account/tokens/{own.id}/revoke")
    assert revoked.status_code == 403
    totp_on = client.post("/account/second-factor/start")
    assert totp_on.status_code == 403
    with _db(world) as s:
        assert len(org_service.list_tokens(session=s)) == before
        assert org_service.list_tokens(session=s, login="u-admin")[0].revoked_at is None


# --- 4. tokens do not survive a password change -------------------------------------------------


def test_changing_your_password_revokes_your_tokens(world: World) -> None:
    token = _token(world, "u-agent", scope=TokenScope.write)
    agent = _bearer(world, token)
    assert agent.get("/account").status_code == 200
    client = world.client()
    csrf = sign_in(client, "u-agent")
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": STRONG,
            "repeat_password": STRONG,
        },
    )
    assert done.status_code == 303
    refused = agent.get("/api/v1/kpi/definitions")
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]
    world_token = world.client(Role.agent).get("/api/v1/kpi/definitions")
    assert world_token.status_code == 401
    with _db(world) as s:
        assert all(
            t.revoked_at is not None for t in org_service.list_tokens(session=s, login="u-agent")
        )
    assert client.get("/account").status_code == 200  # this browser stays signed in


def test_a_temporary_password_revokes_the_tokens_and_disabling_blocks_them(world: World) -> None:
    admin = world.client(Role.admin)
    planner = world.client(Role.planner)
    assert planner.get("/api/v1/sites").status_code == 200
    assert admin.patch("/api/v1/users/u-planner", json={"password": STRONG}).status_code == 200
    assert planner.get("/api/v1/sites").status_code == 401
    supervisor = world.client(Role.supervisor)
    assert supervisor.get("/api/v1/teams").status_code == 200
    assert admin.patch("/api/v1/users/u-supervisor", json={"disabled": True}).status_code == 200
    blocked = supervisor.get("/api/v1/teams")
    assert blocked.status_code == 401
    with _db(world) as s:
        trail = s.scalars(select(AuditEntry).where(AuditEntry.entity_kind == "api_token")).all()
    assert any('"revoked_at"' in e.changes_json for e in trail)


# --- 2. TOTP second factor ----------------------------------------------------------------------


def _turn_on(world: World, login: str) -> str:
    secret = totp.new_secret()
    with _db(world) as s:
        user = s.scalars(select(User).where(User.login == login)).one()
        org_service.enable_second_factor(
            session=s,
            user=user,
            secret=secret,
            code=totp.code_at(secret, utcnow() - timedelta(seconds=30)),
        )
        s.commit()
    return secret


def _password_step(client: TestClient, login: str) -> str:
    """Sign in with the password; return the code form's CSRF token (not signed in yet)."""
    page = client.get("/login")
    asked = client.post(
        "/login", data={"login": login, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert asked.status_code == 200 and 'action="/login/code"' in asked.text
    assert security.SESSION_COOKIE not in client.cookies
    assert security.SECOND_FACTOR_COOKIE in client.cookies
    return csrf_of(asked.text)


def _failures(world: World, login: str) -> int:
    with _db(world) as s:
        return s.scalars(select(User.failed_logins).where(User.login == login)).one()


def test_a_second_factor_user_needs_a_right_code_and_a_wrong_one_is_counted(
    world: World,
) -> None:
    secret = _turn_on(world, "u-manager")
    client = world.client()
    csrf = _password_step(client, "u-manager")
    assert client.get("/account").status_code == 303  # not signed in by the password alone
    before = _failures(world, "u-manager")
    now = utcnow()
    wrong = totp.code_at(secret, now + timedelta(minutes=5))
    refused = client.post("/login/code", data={"csrf_token": csrf, "code": wrong})
    assert refused.status_code == 401 and "Wrong code" in refused.text
    assert _failures(world, "u-manager") == before + 1
    with _db(world) as s:
        assert s.scalars(select(SignInThrottle)).all()
    right = client.post(
        "/login/code", data={"csrf_token": csrf, "code": totp.code_at(secret, now), "next": "/kpi"}
    )
    assert right.status_code == 303 and right.headers["location"] == "/kpi"
    assert client.get("/account").status_code == 200
    assert _failures(world, "u-manager") == 0


def test_a_code_cannot_be_used_twice(world: World) -> None:
    secret = _turn_on(world, "u-manager")
    code = totp.code_at(secret, utcnow())
    first = world.client()
    csrf = _password_step(first, "u-manager")
    assert first.post("/login/code", data={"csrf_token": csrf, "code": code}).status_code == 303
    second = world.client()
    csrf = _password_step(second, "u-manager")
    before = _failures(world, "u-manager")
    replay = second.post("/login/code", data={"csrf_token": csrf, "code": code})
    assert replay.status_code == 401 and "a code used already" in replay.text
    assert _failures(world, "u-manager") == before + 1
    assert second.get("/account").status_code == 303


def test_the_code_form_needs_the_password_step_and_waits_after_many_wrong_codes(
    world: World,
) -> None:
    secret = _turn_on(world, "u-manager")
    stranger = world.client()
    csrf = csrf_of(stranger.get("/login").text)
    alone = stranger.post(
        "/login/code", data={"csrf_token": csrf, "code": totp.code_at(secret, utcnow())}
    )
    assert alone.status_code == 401 and "sign in again" in alone.text
    client = world.client()
    csrf = _password_step(client, "u-manager")
    for _ in range(6):
        client.post("/login/code", data={"csrf_token": csrf, "code": "000000"})
    waiting = client.post(
        "/login/code", data={"csrf_token": csrf, "code": totp.code_at(secret, utcnow())}
    )
    assert waiting.status_code == 401 and "try again in" in waiting.text


def test_turning_the_second_factor_off_needs_the_password_and_an_admin_can_reset_it(
    world: World,
) -> None:
    secret = _turn_on(world, "u-manager")
    client = world.client()
    csrf = _password_step(client, "u-manager")
    client.post("/login/code", data={"csrf_token": csrf, "code": totp.code_at(secret, utcnow())})
    csrf = csrf_of(client.get("/account").text)
    wrong = client.post(
        "/account/second-factor/disable", data={"csrf_token": csrf, "password": "nope"}
    )
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.text
    admin = world.client(Role.admin)
    assert admin.get("/api/v1/users").json()[3]["login"] == "u-manager"
    assert admin.get("/api/v1/users").json()[3]["second_factor"] is True
    reset = admin.patch("/api/v1/users/u-manager", json={"reset_second_factor": True})
    assert reset.status_code == 200 and reset.json()["second_factor"] is False
    with _db(world) as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_kind == "user")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and entry.actor == "u-admin"
        assert json.loads(entry.changes_json)["totp_secret"] == ["[redacted]", None]
        assert secret not in entry.changes_json
    fresh = world.client()
    sign_in(fresh, "u-manager")  # the password alone again


def test_the_account_page_turns_the_second_factor_on_with_a_code(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-qa")
    started = client.post("/account/second-factor/start", data={"csrf_token": csrf})
    assert started.status_code == 200 and "<svg" in started.text and 'class="qr"' in started.text
    secret = started.text.split('id="totp-secret">')[1].split("<")[0]
    assert totp.is_secret(secret)
    bad = client.post(
        "/account/second-factor/enable",
        data={"csrf_token": csrf, "secret": secret, "code": "123456"},
    )
    assert bad.status_code == 422 and secret in bad.text  # the same secret, to try again
    ok = client.post(
        "/account/second-factor/enable",
        data={"csrf_token": csrf, "secret": secret, "code": totp.code_at(secret, utcnow())},
    )
    assert ok.status_code == 303
    with _db(world) as s:
        user = s.scalars(select(User).where(User.login == "u-qa")).one()
        assert user.totp_secret == secret and user.totp_last_step is not None
