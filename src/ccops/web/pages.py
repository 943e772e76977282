"""Pages of the web edge: sign-in, sign-out, language, account (password, API tokens), home."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Protocol
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ccops import bounds
from ccops.contacts import queries as contacts_queries
from ccops.enums import Role, TokenScope
from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.metrics import schemas as kpi_schemas
from ccops.metrics import service as kpi_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org import throttle
from ccops.performance import attrition as perf_attrition
from ccops.performance import follow_ups as perf_follow_ups
from ccops.settings import Settings
from ccops.voice import huddles as voice_huddles
from ccops.web import forms, permissions, security
from ccops.web.auth import (
    AccessDenied,
    OptionalPrincipal,
    Principal,
    require,
    require_session,
    signer,
)
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.i18n import parse_language
from ccops.web.render import SCOPE_LABELS, gettext_for, pre_csrf_token, redirect, render

router = APIRouter(include_in_schema=False)
SignedIn = Annotated[Principal, Depends(require(*permissions.SIGNED_IN))]
LANGUAGE_COOKIE_MAX_AGE_S = 365 * 86400


def _form(form: FormData) -> dict[str, Any]:
    return forms.text_values(form, ("login", "password", "csrf_token", "next", "lang"))


# --- sign-in, sign-out, language ---------------------------------------------------------------


class SessionOwner(Protocol):
    """What a new session needs of its user (a signed-in ``User``)."""

    @property
    def id(self) -> int: ...
    @property
    def session_version(self) -> int: ...
    @property
    def locale(self) -> str | None: ...


def throttle_policy(settings: Settings) -> throttle.Policy:
    """The sign-in throttle's limits, from the settings."""
    return throttle.Policy(
        pair=throttle.Limit(settings.lockout_failures, settings.lockout_minutes * 60.0),
        client=throttle.Limit(settings.throttle_client_failures, settings.lockout_minutes * 60.0),
        login=throttle.Limit(settings.throttle_login_failures, settings.throttle_login_max_delay_s),
        window_s=settings.throttle_window_minutes * 60.0,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    principal: OptionalPrincipal,
    settings: SettingsDep,
    next: str = "/",
    expired: str = "",
) -> Response:
    """Show the sign-in form (or go on when already signed in)."""
    if principal is not None:
        return RedirectResponse(security.safe_next(next), status_code=303)
    _ = gettext_for(request, None)
    notice = _("Your session has ended: sign in again.") if expired else None
    form = forms.FormState(values={"login": "", "next": security.safe_next(next)})
    return render_login(request, settings, form, notice=notice)


def render_login(
    request: Request,
    settings: Settings,
    form: forms.FormState,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The sign-in page: the password form and, when SSO is configured, its button."""
    sso = None
    if settings.oidc_enabled:
        _ = gettext_for(request, None)
        name = settings.oidc_provider_name or _("single sign-on")
        sso = {
            "label": _("Sign in with %(name)s") % {"name": name},
            "url": "/auth/oidc/start?" + urlencode({"next": form.values.get("next", "/")}),
            "only": settings.oidc_only,
        }
    return render(
        request,
        "web/login.html",
        {
            "form": form,
            "notice": notice,
            "sso": sso,
            "free_tries": settings.lockout_failures,
            "max_wait_min": settings.lockout_minutes,
        },
        principal=None,
        status_code=status_code,
    )


def signed_in_response(
    request: Request, settings: Settings, user: SessionOwner, target: str
) -> Response:
    """Redirect to ``target`` with a new session cookie for ``user`` (password or SSO alike)."""
    response = RedirectResponse(target, status_code=303)
    cookie = signer(request).dump_session(
        security.SessionData(user.id, user.session_version, security.new_csrf_token())
    )
    security.set_cookie(
        response, request, security.SESSION_COOKIE, cookie, settings.session_max_age_s
    )
    security.clear_cookie(response, request, security.PRE_CSRF_COOKIE)
    if user.locale:
        security.set_cookie(
            response, request, security.LANGUAGE_COOKIE, user.locale, LANGUAGE_COOKIE_MAX_AGE_S
        )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, session: SessionDep, settings: SettingsDep, form: forms.PostedForm
) -> Response:
    """Sign in with login and password; repeated failures make the next attempts wait."""
    data = _form(form)
    _ = gettext_for(request, None)
    target = security.safe_next(data["next"])
    state = forms.FormState(values={"login": data["login"], "next": target})
    expected = signer(request).load_pre_csrf(request.cookies.get(security.PRE_CSRF_COOKIE))
    if not security.tokens_match(expected, data["csrf_token"]):
        state.add(None, _("The form had expired: please sign in again."))
        return render_login(request, settings, state, status_code=403)
    if not data["login"] or not data["password"]:
        if not data["login"]:
            state.add("login", _("Required."))
        state.values["password"] = ""
        if not data["password"]:
            state.add("password", _("Required."))
        return render_login(request, settings, state, status_code=422)
    if settings.oidc_only and data["login"] not in settings.break_glass_logins():
        state.values["password"] = ""
        state.add(
            None,
            _(
                "This installation signs in through %(name)s: local passwords are kept for "
                "break-glass accounts only."
            )
            % {"name": settings.oidc_provider_name or _("single sign-on")},
        )
        return render_login(request, settings, state, status_code=403)
    result = org_service.sign_in(
        session=session,
        login=data["login"],
        password=data["password"],
        client=request.client.host if request.client else "",
        policy=throttle_policy(settings),
    )
    if result.user is None:
        if result.wait_until is not None:
            wait = result.wait_s
            state.add(
                None,
                _("Wrong login or password, or too many failed sign-ins: try again in %(s)s s.")
                % {"s": max(1, math.ceil(wait))},
            )
        elif result.disabled:
            state.add(None, _("This account is disabled: ask an administrator."))
        else:
            state.add(None, _("Wrong login or password."))
        if result.code_for is not None:
            return _code_page(request, session, result.code_for, target)
        return render_login(request, settings, state, status_code=401)
    return signed_in_response(request, settings, result.user, target)


def _code_page(request: Request, session: SessionDep, user_id: int, target: str) -> Response:
    """The password was right: ask for the second factor's code (the user is not signed in
    until a short-lived signed cookie and a right code come back to POST /login/code)."""
    user = org_service.get_user(session=session, user_id=user_id)
    version = user.session_version if user is not None else 0
    response = render_code(request, forms.FormState(values={"code": "", "next": target}))
    security.set_cookie(
        response,
        request,
        security.SECOND_FACTOR_COOKIE,
        signer(request).dump_second_factor(user_id, version),
        security.SECOND_FACTOR_MAX_AGE_S,
    )
    return response


def render_code(request: Request, form: forms.FormState, *, status_code: int = 200) -> HTMLResponse:
    """The second step of signing in: the code of the authenticator app."""
    return render(
        request, "web/login_code.html", {"form": form}, principal=None, status_code=status_code
    )


@router.post("/login/code", response_class=HTMLResponse)
def login_code(
    request: Request, session: SessionDep, settings: SettingsDep, form: forms.PostedForm
) -> Response:
    """Second step of signing in: the code of the user's authenticator app.

    A wrong code or a code used before is counted in the sign-in throttle like a wrong
    password; after a few, the answer is to wait, as for passwords.
    """
    data = forms.text_values(form, ("code", "csrf_token", "next"))
    _ = gettext_for(request, None)
    target = security.safe_next(data["next"])
    state = forms.FormState(values={"code": "", "next": target})
    expected = signer(request).load_pre_csrf(request.cookies.get(security.PRE_CSRF_COOKIE))
    if not security.tokens_match(expected, data["csrf_token"]):
        state.add(None, _("The form had expired: please sign in again."))
        return render_code(request, state, status_code=403)
    pending = signer(request).load_second_factor(request.cookies.get(security.SECOND_FACTOR_COOKIE))
    if pending is None:
        login_state = forms.FormState(values={"login": "", "next": target})
        login_state.add(None, _("The time to type the code ran out: sign in again."))
        return render_login(request, settings, login_state, status_code=401)
    if not data["code"]:
        state.add("code", _("Required."))
        return render_code(request, state, status_code=422)
    user_id, version = pending
    result = org_service.sign_in_code(
        session=session,
        user_id=user_id,
        code=data["code"],
        client=request.client.host if request.client else "",
        policy=throttle_policy(settings),
    )
    if result.user is None or result.user.session_version != version:
        if result.wait_until is not None:
            state.add(
                None,
                _("Wrong code, or too many failed sign-ins: try again in %(s)s s.")
                % {"s": max(1, math.ceil(result.wait_s))},
            )
        elif result.disabled:
            state.add(None, _("This account is disabled: ask an administrator."))
        else:
            state.add(
                "code",
                _("Wrong code, or a code used already: type the code the app shows now."),
            )
        return render_code(request, state, status_code=401)
    response = signed_in_response(request, settings, result.user, target)
    security.clear_cookie(response, request, security.SECOND_FACTOR_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, principal: SignedIn, session: SessionDep) -> Response:
    """Sign out: this and every other session of the user ends."""
    user = org_service.get_user(session=session, user_id=principal.user_id)
    if user is not None:
        org_service.end_sessions(session=session, user=user)
    _ = gettext_for(request, principal)
    response = redirect(request, "/login", flash=("success", _("You are signed out.")))
    security.clear_cookie(response, request, security.SESSION_COOKIE)
    return response


@router.post("/language")
def choose_language(
    request: Request, principal: OptionalPrincipal, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Choose the language of the pages (saved on the user when signed in, and in a cookie)."""
    data = _form(form)
    if principal is not None and principal.via == "cookie":
        expected: str | None = principal.csrf_token
    else:
        expected = signer(request).load_pre_csrf(request.cookies.get(security.PRE_CSRF_COOKIE))
    needs_token = principal is None or principal.via == "cookie"
    if needs_token and not security.tokens_match(expected, data["csrf_token"]):
        raise AccessDenied(
            "the form's security token is missing or out of date: reload the page and try again",
            csrf=True,
        )
    language = parse_language(data["lang"])
    target = security.safe_next(data["next"])
    response = RedirectResponse(target, status_code=303)
    if language is None:
        return response
    if principal is not None:
        user = org_service.get_user(session=session, user_id=principal.user_id)
        if user is not None:
            org_service.set_language(session=session, user=user, language=language)
    security.set_cookie(
        response, request, security.LANGUAGE_COOKIE, language.value, LANGUAGE_COOKIE_MAX_AGE_S
    )
    return response


# --- account: password and API tokens ----------------------------------------------------------


def _account(
    request: Request,
    principal: Principal,
    session: SessionDep,
    *,
    password: forms.FormState | None = None,
    token: forms.FormState | None = None,
    second_factor: forms.FormState | None = None,
    setup: org_schemas.SecondFactorSetup | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    account = org_service.describe_user(session=session, login=principal.login)
    return render(
        request,
        "web/account.html",
        {
            "account": account,
            "scope_label": SCOPE_LABELS[account.scope],
            "password_form": password
            or forms.FormState(
                values={"current_password": "", "new_password": "", "repeat_password": ""}
            ),
            "token_form": token
            or forms.FormState(
                values={
                    "name": "",
                    "scope": TokenScope.read.value,
                    "days": str(org_schemas.TOKEN_DEFAULT_DAYS),
                }
            ),
            "token_max_days": org_schemas.TOKEN_MAX_DAYS,
            "tokens": org_service.list_tokens(session=session, login=principal.login),
            "new_token": new_token,
            "second_factor_form": second_factor
            or forms.FormState(values={"secret": "", "code": "", "password": ""}),
            "setup": setup,
        },
        principal=principal,
        status_code=status_code,
        active="account",
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: SignedIn, session: SessionDep) -> HTMLResponse:
    """Show the user's account: password change, second factor, API tokens."""
    return _account(request, principal, session)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    principal: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
    form: forms.PostedForm,
) -> Response:
    """Change the password; every other session of the user ends and its API tokens are
    revoked."""
    require_session(principal, "changing the password")
    values = forms.text_values(form, ("current_password", "new_password", "repeat_password"))
    raw = {k: str(form.get(k) or "") for k in values}
    _ = gettext_for(request, principal)
    state = forms.FormState(values=dict.fromkeys(values, ""))
    data = forms.validate(org_schemas.PasswordChangeIn, raw, state, _)
    user = org_service.signed_in_user(session=session, user_id=principal.user_id)
    if data is not None:
        try:
            org_service.change_password(session=session, user=user, data=data)
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    if not state.ok:
        return _account(request, principal, session, password=state, status_code=422)
    response = redirect(
        request,
        "/account",
        flash=(
            "success",
            _("Your password is changed; other sessions ended and your API tokens are revoked."),
        ),
    )
    cookie = signer(request).dump_session(
        security.SessionData(user.id, user.session_version, principal.csrf_token)
    )
    security.set_cookie(
        response, request, security.SESSION_COOKIE, cookie, settings.session_max_age_s
    )
    return response


@router.post("/account/second-factor/start", response_class=HTMLResponse)
def start_second_factor(request: Request, principal: SignedIn, session: SessionDep) -> HTMLResponse:
    """Show a new secret and its QR code to add to an authenticator app (nothing is stored
    until a code of it is confirmed)."""
    require_session(principal, "turning on the second factor")
    setup = org_service.start_second_factor(
        user=org_service.signed_in_user(session=session, user_id=principal.user_id)
    )
    state = forms.FormState(values={"secret": setup.secret, "code": "", "password": ""})
    return _account(request, principal, session, second_factor=state, setup=setup)


@router.post("/account/second-factor/enable", response_class=HTMLResponse)
def enable_second_factor(
    request: Request, principal: SignedIn, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Turn the second factor on once a code shows the app has the secret."""
    require_session(principal, "turning on the second factor")
    values = forms.text_values(form, ("secret", "code"))
    _ = gettext_for(request, principal)
    user = org_service.signed_in_user(session=session, user_id=principal.user_id)
    state = forms.FormState(values={"secret": values["secret"], "code": "", "password": ""})
    if not values["code"]:
        state.add("code", _("Required."))
    else:
        try:
            org_service.enable_second_factor(
                session=session, user=user, secret=values["secret"], code=values["code"]
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    if not state.ok:
        setup = org_service.second_factor_setup(user=user, secret=values["secret"])
        state.values["secret"] = setup.secret
        return _account(
            request, principal, session, second_factor=state, setup=setup, status_code=422
        )
    return redirect(
        request,
        "/account",
        flash=("success", _("The second factor is on: sign-ins now ask for a code.")),
    )


@router.post("/account/second-factor/disable", response_class=HTMLResponse)
def disable_second_factor(
    request: Request, principal: SignedIn, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Turn the second factor off; the current password is asked as proof."""
    require_session(principal, "turning off the second factor")
    password = str(form.get("password") or "")
    _ = gettext_for(request, principal)
    state = forms.FormState(values={"secret": "", "code": "", "password": ""})
    if not password:
        state.add("password", _("Required."))
    else:
        try:
            org_service.disable_second_factor(
                session=session,
                user=org_service.signed_in_user(session=session, user_id=principal.user_id),
                password=password,
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    if not state.ok:
        return _account(request, principal, session, second_factor=state, status_code=422)
    return redirect(request, "/account", flash=("success", _("The second factor is off.")))


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, principal: SignedIn, session: SessionDep, form: forms.PostedForm
) -> HTMLResponse:
    """Create an API token with the user's own role and scope, read-only or not, for a number
    of days; it is shown once. A browser session only: a bearer token cannot mint tokens."""
    require_session(principal, "creating an API token")
    values = forms.text_values(form, ("name", "scope", "days"))
    _ = gettext_for(request, principal)
    state = forms.FormState(values=values)
    if not values["name"]:
        state.add("name", _("Required."))
    scope = None
    try:
        scope = TokenScope(values["scope"] or TokenScope.read.value)
    except ValueError:
        state.add("scope", _("Choose one of the options."))
    days = values["days"] or str(org_schemas.TOKEN_DEFAULT_DAYS)
    if not days.isdigit() or not 1 <= int(days) <= org_schemas.TOKEN_MAX_DAYS:
        state.add("days", _("From 1 to %(n)s days.") % {"n": org_schemas.TOKEN_MAX_DAYS})
    if not state.ok or scope is None:
        return _account(request, principal, session, token=state, status_code=422)
    try:
        _out, secret = org_service.create_token(
            session=session, login=principal.login, name=values["name"], scope=scope, days=int(days)
        )
    except CcopsError as exc:
        forms.domain_problems(exc, state, _)
        return _account(request, principal, session, token=state, status_code=422)
    return _account(request, principal, session, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: RowId, principal: SignedIn, session: SessionDep
) -> Response:
    """Revoke one of the user's own API tokens (a browser session: tokens manage no tokens)."""
    require_session(principal, "revoking an API token")
    out = org_service.revoke_token(session=session, token_id=token_id, login=principal.login)
    _ = gettext_for(request, principal)
    return redirect(
        request, "/account", flash=("success", _("Token %(name)s is revoked.") % {"name": out.name})
    )


# --- home --------------------------------------------------------------------------------------


@dataclass
class QueueLine:
    """One queue of the home page: its settings and its KPIs of the day and the week."""

    queue: org_schemas.QueueOut
    goal: float
    day: kpi_schemas.QueuePeriodKpi | None
    week: kpi_schemas.QueuePeriodKpi | None


@dataclass
class SiteBlock:
    """The queues of one site with the site's totals."""

    site: str
    lines: list[QueueLine]
    day_offered: int
    week_offered: int


def _latest_day(session: SessionDep, queues: list[org_schemas.QueueOut]) -> date:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    found = contacts_queries.last_local_dates(session=session, queues=[q.name for q in queues])
    newest = max(found.values(), default=None)
    return min(yesterday, newest) if newest is not None else yesterday


def _centre(
    session: SessionDep, settings: SettingsDep, principal: Principal, day: date
) -> list[SiteBlock]:
    queues = org_service.list_queues(session=session, scope=principal.scope)
    if not queues:
        return []
    names = [q.name for q in queues]
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        daily = {
            r.queue: r
            for r in kpi_service.queue_period_kpis(source=source, first=day, last=day, queues=names)
        }
        weekly = {
            r.queue: r
            for r in kpi_service.queue_period_kpis(
                source=source, first=day - timedelta(days=6), last=day, queues=names
            )
        }
    blocks: dict[str, SiteBlock] = {}
    for q in queues:
        block = blocks.setdefault(q.site, SiteBlock(q.site, [], 0, 0))
        line = QueueLine(q, q.service_level_goal, daily.get(q.name), weekly.get(q.name))
        block.lines.append(line)
        block.day_offered += line.day.offered if line.day else 0
        block.week_offered += line.week.offered if line.week else 0
    return [blocks[k] for k in sorted(blocks)]


def _team_numbers(
    session: SessionDep, settings: SettingsDep, principal: Principal, day: date
) -> dict[str, Any]:
    logins = org_service.logins_in_scope(session=session, scope=principal.scope)
    people = org_service.list_people(session=session, scope=principal.scope)
    wanted = [p.login for p in people if p.role == Role.agent] if logins is not None else None
    if wanted == []:
        empty = kpi_service.summarise_agent_kpis([])
        return {"people": people, "day": empty, "week": empty}
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        day_rows = kpi_service.agent_interval_kpis(
            source=source, first=day, last=day, interval_min=60, people=wanted
        )
        week_rows = kpi_service.agent_interval_kpis(
            source=source, first=day - timedelta(days=6), last=day, interval_min=60, people=wanted
        )
    return {
        "people": people,
        "day": kpi_service.summarise_agent_kpis(day_rows),
        "week": kpi_service.summarise_agent_kpis(week_rows),
    }


def _own_numbers(
    session: SessionDep, settings: SettingsDep, principal: Principal, day: date
) -> dict[str, Any] | None:
    if principal.person_id is None:
        return None
    person = [
        p
        for p in org_service.list_people(session=session, scope=principal.scope)
        if p.id == principal.person_id
    ]
    if not person:
        return None
    me = person[0]
    week_first = day - timedelta(days=6)
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        day_rows = kpi_service.agent_interval_kpis(
            source=source, first=day, last=day, interval_min=60, people=[me.login]
        )
        week_rows = kpi_service.agent_interval_kpis(
            source=source, first=week_first, last=day, interval_min=60, people=[me.login]
        )
    return {
        "person": me,
        "day": kpi_service.summarise_agent_kpis(day_rows),
        "week": kpi_service.summarise_agent_kpis(week_rows),
        "handled_day": contacts_queries.handled_by(
            session=session, person_id=me.id, first=day, last=day
        ),
        "handled_week": contacts_queries.handled_by(
            session=session, person_id=me.id, first=week_first, last=day
        ),
    }


def _repeats(
    session: SessionDep, settings: SettingsDep, principal: Principal, day: date
) -> list[dict[str, Any]]:
    names = org_service.queue_names_in_scope(session=session, scope=principal.scope)
    if names == []:
        return []
    first = day - timedelta(days=6)
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        rows = kpi_service.repeat_contact_rates(
            source=source,
            first=first,
            last=day,
            window_days=settings.repeat_window_days,
            queues=names,
        )
    totals: dict[str, list[int]] = {}
    for r in rows:
        pair = totals.setdefault(r.queue, [0, 0])
        pair[0] += r.contacts_with_key
        pair[1] += r.repeated
    return [
        {"queue": q, "with_key": n, "repeated": k, "rate": k / n if n else None}
        for q, (n, k) in sorted(totals.items())
    ]


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    principal: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
    day: str = "",
) -> HTMLResponse:
    """Show the home page of the user's role: their key numbers and links to their tasks."""
    queues = org_service.list_queues(session=session, scope=principal.scope)
    chosen: date | None = None
    if day:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            chosen = None
        if chosen is not None and bounds.out_of_range(chosen):
            chosen = None  # shown like a malformed date: the latest day with data
    latest = _latest_day(session, queues)
    shown = chosen or latest
    role = principal.role
    context: dict[str, Any] = {
        "day": shown,
        "week_first": shown - timedelta(days=6),
        "latest": latest,
        "yesterday": datetime.now(UTC).date() - timedelta(days=1),
        "centre": [],
        "team": None,
        "own": None,
        "repeats": [],
        "counts": None,
        "imports": [],
        "attrition_cost": None,
        "can": {
            "kpi": role in permissions.KPI_QUEUES,
            "staffing": role in permissions.STAFFING,
            "import": role in permissions.IMPORT,
            "people": role in permissions.PEOPLE_PAGES,
            "teams": role in permissions.TEAM_PAGES,
            "org": role in permissions.ORG_PAGES,
            "users": role in permissions.ORG_ADMIN,
        },
    }
    if role in (Role.executive, Role.manager, Role.planner, Role.supervisor, Role.admin):
        context["centre"] = _centre(session, settings, principal, shown)
    if role == Role.executive:
        context["attrition_cost"] = perf_attrition.attrition_cost(
            session=session,
            last=datetime.now(UTC).date() - timedelta(days=1),
            scope=principal.scope,
        )
    if role == Role.supervisor:
        context["team"] = _team_numbers(session, settings, principal, shown)
    if role == Role.agent:
        context["own"] = _own_numbers(session, settings, principal, shown)
        context["centre"] = _centre(session, settings, principal, shown)
    context["actions"] = (
        voice_huddles.my_actions(
            session=session, person_id=principal.person_id, today=datetime.now(UTC).date()
        )
        if principal.person_id is not None
        else []
    )
    context["follow_ups"] = perf_follow_ups.follow_ups(session=session, owner=principal.login)
    context["today"] = datetime.now(UTC).date()
    if role == Role.qa_analyst:
        context["repeats"] = _repeats(session, settings, principal, shown)
    if role == Role.admin:
        context["counts"] = {
            **org_service.installation_counts(session=session),
            "queues": len(queues),
        }
        context["imports"] = contacts_queries.list_batches(session=session, limit=5)
    return render(request, "web/home.html", context, principal=principal, active="home")


def login_redirect_target(request: Request) -> str:
    """The /login URL that comes back to this request's page after signing in."""
    path = request.url.path + (("?" + request.url.query) if request.url.query else "")
    from urllib.parse import urlencode

    query = {"next": security.safe_next(path)}
    if getattr(request.state, "session_expired", False):
        query["expired"] = "1"
    return "/login?" + urlencode(query)


routers: tuple[APIRouter, ...] = (router,)

__all__ = ["login_redirect_target", "pre_csrf_token", "router", "routers"]
