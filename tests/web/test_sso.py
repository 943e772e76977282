"""Single sign-on with OpenID Connect against a provider running in the test (both databases):
users created, linked and refused; role and sites from claims; every ID-token check tried."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from ccops.cli import app as cli_app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role, ScopeKind
from ccops.org import schemas, sso
from ccops.org.changes import update_user
from ccops.org.models import Site, User
from ccops.org.sso_claims import ClaimRules, SsoRefused
from ccops.web import security
from tests.factories.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.factories.web import PASSWORD, World, csrf_of, sign_in


@pytest.fixture
def provider() -> Iterator[Provider]:
    """A provider whose next sign-in is Dana, a planner at the Main site."""
    with running_provider() as found:
        found.claims = {
            "sub": "idp-dana",
            "preferred_username": "dana",
            "ccops_role": "planner",
            "ccops_sites": ["Main"],
        }
        yield found


def _sso_world(world: World, provider: Provider, **settings: Any) -> World:
    configured = world.settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Test IdP",
        }
        | settings
    )
    return dataclasses.replace(world, settings=configured)


def _sso(client: TestClient, next_path: str = "/", state: str | None = None) -> httpx.Response:
    """Go through the provider and back: start, the provider's authorize, the callback."""
    start = client.get("/auth/oidc/start", params={"next": next_path})
    assert start.status_code == 303, start.text
    authorize = httpx.get(start.headers["location"], follow_redirects=False)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["location"])
    assert back.path == "/auth/oidc/callback"
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if state is not None:
        query["state"] = state
    return client.get(f"{back.path}?{urlencode(query)}")


def _user(world: World, login: str) -> User | None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        user = s.scalars(select(User).where(User.login == login)).one_or_none()
        if user is not None:
            ids = [i.site_id for i in user.scope_items if i.site_id]
            sites = sorted(s.scalars(select(Site.name).where(Site.id.in_(ids))))
            s.expunge(user)
            user.__dict__["site_names"] = sites
    engine.dispose()
    return user


def _count_users(world: World) -> int:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        count = s.scalar(select(func.count()).select_from(User)) or 0
    engine.dispose()
    return count


def _refused(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert text in response.text
    assert security.SESSION_COOKIE not in response.cookies


def test_first_sign_in_creates_the_user_with_role_and_sites_then_claims_update_them(
    world: World, provider: Provider
) -> None:
    app = _sso_world(world, provider, oidc_create_users=True)
    client = app.client()
    login_page = client.get("/login")
    assert "Sign in with Test IdP" in login_page.text
    assert 'href="/auth/oidc/start?next=%2F"' in login_page.text
    start = client.get("/auth/oidc/start", params={"next": "/kpi"})
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"][0]
    assert asked["redirect_uri"] == ["http://testserver/auth/oidc/callback"]
    done = _sso(client, "/kpi")
    assert done.status_code == 303 and done.headers["location"] == "/kpi"
    assert "dana" in client.get("/account").text
    dana = _user(app, "dana")
    assert dana is not None and dana.oidc_subject == "idp-dana"
    assert (dana.role, dana.scope, dana.__dict__["site_names"]) == (
        Role.planner,
        ScopeKind.sites,
        ["Main"],
    )
    local = app.client()
    page = local.get("/login")
    for guess in ("", "dana", PASSWORD):
        tried = local.post(
            "/login", data={"login": "dana", "password": guess, "csrf_token": csrf_of(page.text)}
        )
        assert tried.status_code in (401, 422)  # no password works for a user SSO created
    # the next sign-in takes role and sites from the claims again; the same user, no new one
    provider.claims |= {"ccops_role": "manager", "ccops_sites": ["Main", "Other"]}
    users = _count_users(app)
    assert _sso(app.client()).status_code == 303
    again = _user(app, "dana")
    assert again is not None and again.id == dana.id and _count_users(app) == users
    assert (again.role, again.__dict__["site_names"]) == (Role.manager, ["Main", "Other"])
    provider.claims |= {"ccops_sites": "*"}
    assert _sso(app.client()).status_code == 303
    everything = _user(app, "dana")
    assert everything is not None and everything.scope == ScopeKind.all


def test_a_session_from_sso_needs_its_csrf_token_like_a_password_session(
    world: World, provider: Provider
) -> None:
    client = _sso_world(world, provider, oidc_create_users=True).client()
    assert _sso(client).status_code == 303
    csrf = csrf_of(client.get("/account").text)
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/account").status_code == 303


def test_without_a_link_or_provisioning_the_sign_in_is_refused_and_nothing_is_created(
    world: World, provider: Provider
) -> None:
    app = _sso_world(world, provider)
    users = _count_users(app)
    response = _sso(app.client())
    _refused(response, 403, "No ccops account is linked to this sign-in")
    assert "idp-dana" in response.text
    assert _count_users(app) == users


def test_first_sign_in_links_the_local_user_by_login_only_when_allowed(
    world: World, provider: Provider
) -> None:
    provider.claims |= {"sub": "idp-planner", "preferred_username": "u-planner"}
    _refused(_sso(_sso_world(world, provider).client()), 403, "No ccops account is linked")
    created = _sso_world(world, provider, oidc_create_users=True)
    _refused(_sso(created.client()), 403, "A local account u-planner already exists")
    app = _sso_world(world, provider, oidc_link_by_login=True)
    assert _sso(app.client()).status_code == 303
    linked = _user(app, "u-planner")
    assert linked is not None and linked.oidc_subject == "idp-planner"
    # another identity with the same login cannot take the linked user over
    provider.claims |= {"sub": "idp-impostor"}
    _refused(_sso(app.client()), 403, "is linked to another single sign-on identity")


def test_cli_links_a_user_to_a_subject_and_refuses_a_subject_linked_elsewhere(
    world: World, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccops.settings import get_settings

    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        done = runner.invoke(cli_app, ["users", "link-oidc", "u-manager", "idp-dana"])
        assert done.exit_code == 0, done.output
        taken = runner.invoke(cli_app, ["users", "link-oidc", "u-agent", "idp-dana"])
        assert taken.exit_code != 0 and "already linked to the user 'u-manager'" in taken.output
        unknown = runner.invoke(cli_app, ["users", "link-oidc", "nobody", "idp-x"])
        assert unknown.exit_code != 0 and "user 'nobody' does not exist" in unknown.output
    finally:
        get_settings.cache_clear()
    app = _sso_world(world, provider)
    assert _sso(app.client()).status_code == 303
    manager = _user(app, "u-manager")
    assert manager is not None and manager.role == Role.planner  # the claims decide


def test_a_disabled_user_is_refused(world: World, provider: Provider) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        sso.link_subject(session=s, login="u-planner", subject="idp-dana")
        update_user(session=s, login="u-planner", data=schemas.UserPatch(disabled=True))
        s.commit()
    engine.dispose()
    _refused(_sso(_sso_world(world, provider).client()), 403, "This account is disabled")


@pytest.mark.parametrize(
    ("tamper", "status", "message"),
    [
        ({"nonce": "not-the-nonce"}, 401, "failed its checks"),
        ({"nonce": None}, 401, "failed its checks"),
        ({"aud": "another-client"}, 401, "failed its checks"),
        ({"iss": "http://evil.example"}, 401, "failed its checks"),
        ({"exp": int(time.time()) - 3600}, 401, "had expired"),
    ],
)
def test_an_id_token_failing_a_check_is_refused(
    world: World, provider: Provider, tamper: dict[str, Any], status: int, message: str
) -> None:
    provider.tamper = tamper
    app = _sso_world(world, provider, oidc_create_users=True)
    _refused(_sso(app.client()), status, message)
    assert _user(app, "dana") is None


def test_an_id_token_signed_with_another_key_is_refused(world: World, provider: Provider) -> None:
    provider.sign_with_stranger = True
    app = _sso_world(world, provider, oidc_create_users=True)
    _refused(_sso(app.client()), 401, "not signed with its keys")
    assert _user(app, "dana") is None


def test_a_callback_without_this_browsers_state_is_refused(
    world: World, provider: Provider
) -> None:
    app = _sso_world(world, provider, oidc_create_users=True)
    _refused(_sso(app.client(), state="forged"), 400, "does not belong to this browser")
    # a callback with no sign-in started in this browser (no pending cookie)
    other = app.client()
    _refused(other.get("/auth/oidc/callback?code=x&state=y"), 400, "was not started here")
    _refused(
        _sso_world(world, provider).client().get("/auth/oidc/callback?error=access_denied"),
        400,
        "was not started here",
    )
    assert provider.token_requests == 0
    assert _user(app, "dana") is None


def test_the_providers_refusal_is_shown(world: World, provider: Provider) -> None:
    client = _sso_world(world, provider).client()
    client.get("/auth/oidc/start")
    response = client.get("/auth/oidc/callback?error=access_denied&state=whatever")
    _refused(response, 401, "refused the sign-in (access_denied)")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"ccops_role": None}, "has no ccops role (claim ccops_role)"),
        ({"ccops_role": "boss"}, "(boss in claim ccops_role) is not one ccops knows"),
        ({"ccops_role": ["planner", "manager"]}, "several ccops roles (manager, planner)"),
        ({"ccops_sites": ["Main", "Atlantis"]}, "sites ccops does not know: Atlantis"),
        ({"preferred_username": None}, "sent no login name (claim preferred_username)"),
    ],
)
def test_claims_without_a_usable_role_site_or_login_are_refused_with_the_reason(
    world: World, provider: Provider, claims: dict[str, Any], message: str
) -> None:
    provider.claims = {k: v for k, v in (provider.claims | claims).items() if v is not None}
    app = _sso_world(world, provider, oidc_create_users=True)
    users = _count_users(app)
    _refused(_sso(app.client()), 403, message)
    assert _count_users(app) == users


def test_admin_is_granted_only_through_an_explicit_map_entry(
    world: World, provider: Provider
) -> None:
    provider.claims |= {"ccops_role": "admin"}
    plain = _sso_world(world, provider, oidc_create_users=True)
    _refused(_sso(plain.client()), 403, "given only through the role map")
    assert _user(plain, "dana") is None
    # groups from Keycloak's realm_access.roles, mapped; the first entry the user matches wins
    provider.claims = {
        "sub": "idp-dana",
        "preferred_username": "dana",
        "realm_access": {"roles": ["offline_access", "ccops-planners", "ccops-admins"]},
    }
    mapped = _sso_world(
        world,
        provider,
        oidc_create_users=True,
        oidc_role_claim="realm_access.roles",
        oidc_role_map="ccops-admins=admin,ccops-planners=planner",
    )
    assert _sso(mapped.client()).status_code == 303
    dana = _user(mapped, "dana")
    assert dana is not None and (dana.role, dana.scope) == (Role.admin, ScopeKind.own)
    # a map without an admin entry never grants admin, whatever the claim holds
    provider.claims["realm_access"] = {"roles": ["admin", "ccops-planners"]}
    no_admin = _sso_world(
        world,
        provider,
        oidc_role_claim="realm_access.roles",
        oidc_role_map="ccops-planners=planner",
    )
    assert _sso(no_admin.client()).status_code == 303
    demoted = _user(no_admin, "dana")
    assert demoted is not None and demoted.role == Role.planner


def test_local_passwords_still_work_with_sso_and_only_for_break_glass_when_sso_only(
    world: World, provider: Provider
) -> None:
    both = _sso_world(world, provider)
    assert sign_in(both.client(), "u-planner")
    only = _sso_world(world, provider, oidc_only=True, oidc_break_glass_logins="u-admin")
    client = only.client()
    page = client.get("/login")
    assert "Sign in with Test IdP" in page.text and "Local administrator sign-in" in page.text
    refused = client.post(
        "/login",
        data={"login": "u-planner", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    _refused(refused, 403, "local passwords are kept for break-glass accounts only")
    assert sign_in(only.client(), "u-admin")


def test_sso_routes_answer_not_found_when_sso_is_not_configured(world: World) -> None:
    client = world.client()
    assert client.get("/auth/oidc/start").status_code == 404
    assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/login").text


def test_an_unreachable_provider_is_reported_and_nothing_changes(world: World) -> None:
    settings = world.settings.model_copy(
        update={"oidc_issuer": "http://127.0.0.1:9", "oidc_client_id": CLIENT_ID}
    )
    response = dataclasses.replace(world, settings=settings).client().get("/auth/oidc/start")
    _refused(response, 502, "could not be reached")


def test_refusals_change_nothing_stored(world: World, provider: Provider) -> None:
    """A refused link by login leaves the local user unlinked (the request rolls back nothing
    because nothing was written before the refusal)."""
    provider.claims |= {"sub": "idp-planner", "preferred_username": "u-planner", "ccops_role": "x"}
    app = _sso_world(world, provider, oidc_link_by_login=True)
    _refused(_sso(app.client()), 403, "is not one ccops knows")
    planner = _user(app, "u-planner")
    assert planner is not None and planner.oidc_subject is None and planner.role == Role.planner


def test_service_refuses_with_a_reason_the_pages_translate(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        with pytest.raises(SsoRefused) as refused:
            sso.sign_in_identity(
                session=s,
                identity=sso.Identity("idp-x", {"ccops_role": "planner"}),
                rules=ClaimRules(),
            )
        assert refused.value.reason == "not_linked" and refused.value.params["subject"] == "idp-x"
    engine.dispose()


def test_claims_cannot_take_the_role_of_the_last_active_administrator(
    world: World, provider: Provider
) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        sso.link_subject(session=s, login="u-admin", subject="idp-dana")
        s.commit()
    engine.dispose()
    app = _sso_world(world, provider)
    _refused(_sso(app.client()), 403, "the last active administrator")
    admin = _user(app, "u-admin")
    assert admin is not None and admin.role == Role.admin


def test_a_callback_cannot_be_replayed_after_the_sign_in(world: World, provider: Provider) -> None:
    client = _sso_world(world, provider, oidc_create_users=True).client()
    start = client.get("/auth/oidc/start")
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    callback = urlsplit(back)
    assert client.get(f"{callback.path}?{callback.query}").status_code == 303
    client.cookies.delete(security.SESSION_COOKIE)
    _refused(client.get(f"{callback.path}?{callback.query}"), 400, "was not started here")
