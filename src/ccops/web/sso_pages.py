"""Single sign-on pages: /auth/oidc/start sends the browser to the identity provider, and
/auth/oidc/callback checks what comes back and starts the same session a password sign-in does.

Each refusal re-shows the sign-in page saying what was wrong, and changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ccops.errors import NotFound
from ccops.org import sso
from ccops.org.sso_claims import ClaimRules, SsoRefused, parse_role_map
from ccops.settings import Settings
from ccops.web import forms, oidc, security
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.pages import render_login, signed_in_response
from ccops.web.render import gettext_for

router = APIRouter(include_in_schema=False)


def claim_rules(settings: Settings) -> ClaimRules:
    """Which claims give login, role and sites, from the settings."""
    return ClaimRules(
        login_claim=settings.oidc_login_claim,
        role_claim=settings.oidc_role_claim,
        role_map=parse_role_map(settings.oidc_role_map),
        sites_claim=settings.oidc_sites_claim,
    )


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _client(request: Request, settings: Settings) -> oidc.Client:
    if not settings.oidc_enabled:
        raise NotFound("single sign-on is not configured on this installation")
    return oidc.client_for(request.app.state, settings)


def _failure_text(_: Callable[[str], str], failure: oidc.OidcFailure) -> str:
    texts = {
        "unreachable": _("The identity provider could not be reached: try again later."),
        "token_refused": _("The identity provider refused to complete the sign-in."),
        "id_token_expired": _("The identity provider's answer had expired: sign in again."),
        "id_token_signature": _(
            "The identity provider's answer is not signed with its keys: the sign-in is refused."
        ),
    }
    return texts.get(
        failure.reason,
        _("The identity provider's answer failed its checks: the sign-in is refused."),
    )


def _refusal_text(_: Callable[[str], str], refused: SsoRefused) -> str:
    p = refused.params
    texts = {
        "role_missing": _(
            "Your identity provider account has no ccops role (claim %(claim)s): ask an "
            "administrator to give you one."
        ),
        "role_unknown": _(
            "Your identity provider account's role (%(values)s in claim %(claim)s) is not one "
            "ccops knows: ask an administrator to map it."
        ),
        "role_ambiguous": _(
            "Your identity provider account has several ccops roles (%(values)s): ask an "
            "administrator to map which one wins."
        ),
        "admin_not_mapped": _(
            "The administrator role is given only through the role map of the SSO settings."
        ),
        "site_unknown": _(
            "Your identity provider account names sites ccops does not know: %(values)s."
        ),
        "disabled": _("This account is disabled: ask an administrator."),
        "not_linked": _(
            "No ccops account is linked to this sign-in: ask an administrator to link it "
            "(subject %(subject)s)."
        ),
        "login_missing": _("The identity provider sent no login name (claim %(claim)s)."),
        "login_taken": _(
            "A local account %(login)s already exists: ask an administrator to link it "
            "(subject %(subject)s)."
        ),
        "last_admin": _(
            "This sign-in would take the administrator role from %(login)s, the last active "
            "administrator: the role map must grant admin, or another administrator be made first."
        ),
        "login_linked_elsewhere": _(
            "The account %(login)s is linked to another single sign-on identity."
        ),
    }
    text = texts.get(refused.reason)
    if text is None:
        return refused.message
    values = {"claim": "", "values": "", "subject": "", "login": ""} | p
    return text % values


def _refuse(request: Request, settings: Settings, message: str, status_code: int) -> Response:
    form = forms.FormState(values={"login": "", "next": "/"})
    form.add(None, message)
    response = render_login(request, settings, form, status_code=status_code)
    security.clear_cookie(response, request, oidc.PENDING_COOKIE)
    return response


@router.get("/auth/oidc/start")
def oidc_start(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    """Send the browser to the identity provider (state, nonce and PKCE kept in a cookie)."""
    client = _client(request, settings)
    try:
        url, cookie = client.begin(_redirect_uri(request, settings), security.safe_next(next))
    except oidc.OidcFailure as failure:
        _ = gettext_for(request, None)
        return _refuse(request, settings, _failure_text(_, failure), 502)
    response = RedirectResponse(url, status_code=303)
    security.set_cookie(response, request, oidc.PENDING_COOKIE, cookie, oidc.PENDING_MAX_AGE_S)
    return response


@router.get("/auth/oidc/callback", response_class=HTMLResponse, name="oidc_callback")
def oidc_callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Check the provider's answer, find or create the user, and start a session."""
    client = _client(request, settings)
    _ = gettext_for(request, None)
    pending = client.pending(request.cookies.get(oidc.PENDING_COOKIE))
    if pending is None:
        message = _("The sign-in took too long or was not started here: sign in again.")
        return _refuse(request, settings, message, 400)
    if error:
        message = _("The identity provider refused the sign-in (%(error)s).") % {"error": error}
        return _refuse(request, settings, message, 401)
    if not code or not security.tokens_match(pending.state, state):
        message = _("The sign-in answer does not belong to this browser's sign-in: sign in again.")
        return _refuse(request, settings, message, 400)
    try:
        verified = client.finish(code, _redirect_uri(request, settings), pending)
        user = sso.sign_in_identity(
            session=session,
            identity=sso.Identity(verified.subject, verified.claims),
            rules=claim_rules(settings),
            provisioning=sso.Provisioning(
                link_by_login=settings.oidc_link_by_login,
                create_users=settings.oidc_create_users,
            ),
        )
    except oidc.OidcFailure as failure:
        status = 502 if failure.reason == "unreachable" else 401
        return _refuse(request, settings, _failure_text(_, failure), status)
    except SsoRefused as refused:
        return _refuse(request, settings, _refusal_text(_, refused), 403)
    response = signed_in_response(request, settings, user, pending.next)
    security.clear_cookie(response, request, oidc.PENDING_COOKIE)
    return response


routers: tuple[APIRouter, ...] = (router,)
