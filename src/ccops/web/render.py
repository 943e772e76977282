"""Server-rendered pages: one Jinja2 environment per language, the layout's context, flashes.

Templates live beside their domain (``ccops/<domain>/templates``) and are named with the domain
as prefix: ``web/base.html``, ``metrics/kpi.html``. Every page gets the signed-in user, the
navigation of their role, the CSRF token for its forms, the flash messages, the language switch
and locale-aware formatters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import (
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup
from sqlalchemy.orm import Session

from ccops import __version__
from ccops.db import attempt
from ccops.enums import Language, Role, ScopeKind
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.metrics import cache as kpi_cache
from ccops.web import permissions, security
from ccops.web.auth import Principal, signer
from ccops.web.i18n import HTML_LANG, N_, NAMES, Formats, request_language, translations

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DOMAINS = (
    "web",
    "jobs",
    "org",
    "metrics",
    "wfm",
    "contacts",
    "notifications",
    "performance",
    "quality",
    "cases",
    "knowledge",
    "audit",
    "value",
    "voice",
)
STATIC_DIR = Path(__file__).resolve().parent / "static"

T = TypeVar("T")


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar."""

    href: str
    label: str
    key: str


NAV: tuple[tuple[str, str, str, frozenset[Role]], ...] = (
    ("home", "/", N_("Home"), permissions.SIGNED_IN),
    ("kpi", "/kpi", N_("Queue KPIs"), permissions.KPI_QUEUES),
    ("staffing", "/staffing", N_("Staffing"), permissions.STAFFING),
    ("forecasts", "/forecasts", N_("Forecasts"), permissions.FORECASTS),
    ("import", "/import", N_("Import"), permissions.IMPORT),
    ("schedules", "/schedules", N_("Schedules"), permissions.SCHEDULE_READ),
    ("intraday", "/intraday", N_("Intraday"), permissions.INTRADAY_READ),
    ("performance", "/performance", N_("Performance"), permissions.SIGNED_IN),
    ("quality", "/quality", N_("Quality"), permissions.QA_PAGES),
    ("kb", "/kb", N_("Standard answers"), permissions.KB_READ),
    ("changes", "/changes", N_("Changes"), permissions.CHANGES_ACK),
    ("training", "/training", N_("Training"), permissions.TRAINING_READ),
    ("improvements", "/improvements", N_("Improvements"), permissions.IMPROVE_READ),
    ("cases", "/cases", N_("Cases"), permissions.CASES_READ),
    ("surveys", "/surveys", N_("Surveys"), permissions.STAFF_SURVEYS_ANSWER),
    ("huddles", "/huddles", N_("Huddles"), permissions.HUDDLES_READ),
    ("suggestions", "/suggestions", N_("Suggestions"), permissions.SUGGESTIONS_READ),
    ("value", "/value", N_("Value"), permissions.VALUE_READ),
    ("my-week", "/schedules/my", N_("My week"), permissions.MY_SCHEDULE),
    ("timeoff", "/timeoff", N_("Time off"), permissions.SCHEDULE_REQUEST),
    ("swaps", "/swaps", N_("Swap board"), permissions.SCHEDULE_REQUEST),
    ("overtime", "/overtime", N_("Overtime"), permissions.SCHEDULE_REQUEST),
    ("frontline", "/frontline", N_("Front line"), permissions.SCHEDULE_READ),
    ("notifications", "/notifications", N_("Notifications"), permissions.SIGNED_IN),
    ("audit", "/admin/audit", N_("Audit trail"), permissions.AUDIT),
)
PERSONAL = frozenset({"my-week"})
"""Entries about the user's own person: shown only to users linked to a person."""
ADMIN_LABELS = {
    "sites": N_("Sites"),
    "channels": N_("Channels"),
    "queues": N_("Queues"),
    "teams": N_("Teams"),
    "people": N_("People"),
    "users": N_("Users"),
}
SCOPE_LABELS = {
    ScopeKind.own: N_("own record"),
    ScopeKind.teams: N_("teams"),
    ScopeKind.sites: N_("sites"),
    ScopeKind.all: N_("everything"),
}
ROLE_LABELS = {
    Role.agent: N_("Agent"),
    Role.supervisor: N_("Team leader"),
    Role.qa_analyst: N_("QA analyst"),
    Role.planner: N_("Workforce planner"),
    Role.manager: N_("Centre manager"),
    Role.executive: N_("Executive"),
    Role.admin: N_("Administrator"),
}


def admin_pages(role: Role) -> list[str]:
    """The organisation pages ``role`` may see, in navigation order."""
    return [page for page, (read, _) in permissions.ADMIN_PAGES.items() if role in read]


def navigation(principal: Principal | None) -> list[NavItem]:
    """The navigation bar of the user's role (untranslated labels)."""
    if principal is None:
        return []
    items = [
        NavItem(href, label, key)
        for key, href, label, roles in NAV
        if principal.role in roles and (key not in PERSONAL or principal.person_id is not None)
    ]
    pages = admin_pages(principal.role)
    if pages:
        items.append(NavItem(f"/admin/{pages[0]}", N_("Organisation"), "admin"))
    return items


def _direct_gettext(catalog: Any) -> Callable[..., str]:
    """Jinja's new-style ``gettext`` in one call instead of three (a page makes a hundred).

    Same result as the i18n extension's: the message marked safe when autoescaping, then always
    %-formatted with the (escaped) keyword arguments.
    """
    lookup = catalog.gettext

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        text: str = lookup(message)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


class Renderer:
    """Jinja2 environments, one per language, with gettext installed (new-style)."""

    def __init__(self) -> None:
        loader = PrefixLoader(
            {
                domain: FileSystemLoader(PACKAGE_DIR / domain / "templates")
                for domain in TEMPLATE_DOMAINS
            }
        )
        self.envs: dict[Language, Environment] = {}
        for language in Language:
            env = Environment(
                loader=loader,
                autoescape=select_autoescape(["html"]),
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
            env.globals["_"] = env.globals["gettext"] = _direct_gettext(translations(language))
            env.globals["json_script"] = security.json_script
            env.globals["zip"] = zip
            self.envs[language] = env


def language_of(request: Request, principal: Principal | None) -> Language:
    """The language of this request's pages."""
    return request_language(request, principal.language if principal else None)


def gettext_for(request: Request, principal: Principal | None) -> Any:
    """The gettext function of this request's language (for messages made in Python)."""
    return translations(language_of(request, principal)).gettext


def pre_csrf_token(request: Request) -> tuple[str, bool]:
    """The CSRF token of a visitor not yet signed in, and whether the cookie must be (re)set."""
    existing = signer(request).load_pre_csrf(request.cookies.get(security.PRE_CSRF_COOKIE))
    if existing:
        return existing, False
    cached: str | None = getattr(request.state, "pre_csrf", None)
    if cached:
        return cached, True
    token = security.new_csrf_token()
    request.state.pre_csrf = token
    return token, True


def unread_notifications(request: Request, principal: Principal | None) -> int:
    """The signed-in user's unread notifications (the count in the navigation)."""
    if principal is None:
        return 0
    from sqlalchemy.orm import Session

    from ccops.errors import CcopsError
    from ccops.notifications import service as notifications_service
    from ccops.runtime import engine_for

    # A pool of its own: the request's session already holds a connection of the main pool, and
    # twenty pages rendering at once waited on that pool for each other until its 30 s timeout.
    url = request.app.state.settings.resolved_database_url()
    try:
        with Session(engine_for(url, purpose="navigation")) as session:
            return notifications_service.unread_count(session=session, user_id=principal.user_id)
    except CcopsError:  # an unmigrated database: the error page still renders
        return 0


def known_issues(request: Request, principal: Principal | None, active: str) -> list[Any]:
    """The known-issue banners of the agent's queues, on top of every agent's page (the
    knowledge base's pages show them themselves)."""
    if principal is None or principal.role != Role.agent or active == "kb":
        return []
    from sqlalchemy.orm import Session

    from ccops.errors import CcopsError
    from ccops.knowledge import service as knowledge_service
    from ccops.runtime import engine_for

    url = request.app.state.settings.resolved_database_url()
    try:
        with Session(engine_for(url, purpose="navigation")) as session:
            return list(knowledge_service.list_banners(session=session, scope=principal.scope))
    except CcopsError:  # an unmigrated database: the error page still renders
        return []


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None,
    status_code: int = 200,
    active: str = "",
) -> HTMLResponse:
    """Render a page (or an htmx fragment) in the request's language."""
    renderer: Renderer = request.app.state.renderer
    language = language_of(request, principal)
    flashes = signer(request).load_flash(request.cookies.get(security.FLASH_COOKIE))
    set_pre = False
    if principal is not None and principal.via == "cookie":
        csrf = principal.csrf_token
    elif principal is None:
        csrf, set_pre = pre_csrf_token(request)
    else:
        csrf = ""
    base: dict[str, Any] = {
        "request": request,
        "user": principal,
        "role_label": ROLE_LABELS[principal.role] if principal else "",
        "nav": navigation(principal),
        "active": active,
        "csrf_token": csrf,
        "flashes": flashes,
        "lang": language.value,
        "html_lang": HTML_LANG[language],
        "languages": [(lang.value, NAMES[lang]) for lang in Language],
        "fmt": Formats(language),
        "version": __version__,
        "path": request.url.path + (("?" + request.url.query) if request.url.query else ""),
        "unread": unread_notifications(request, principal),
        "known_issues": known_issues(request, principal, active),
        "data_as_of": kpi_cache.served_as_of(),
    }
    base.update(context or {})
    html = renderer.envs[language].get_template(template).render(base)
    response = HTMLResponse(html, status_code=status_code)
    if flashes:
        security.clear_cookie(response, request, security.FLASH_COOKIE)
    if set_pre:
        security.set_cookie(
            response,
            request,
            security.PRE_CSRF_COOKIE,
            signer(request).dump_pre_csrf(csrf),
            security.PRE_CSRF_MAX_AGE_S,
        )
    response.headers["cache-control"] = "no-store"
    return response


def redirect(
    request: Request, url: str, *, flash: tuple[str, str] | None = None
) -> RedirectResponse:
    """Answer 303 See Other to ``url``, optionally with a flash message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        security.set_cookie(
            response,
            request,
            security.FLASH_COOKIE,
            signer(request).dump_flash([flash]),
            security.FLASH_MAX_AGE_S,
        )
    return response


def attempt_or_redirect(
    request: Request, session: Session, url: str, action: Callable[[], T]
) -> T | RedirectResponse:
    """Run ``action`` (a service call) in a savepoint; on a refusal answer a redirect to ``url``
    with the refusal's message as an error flash, nothing of the attempt stored.

    An unknown or out-of-scope object (NotFound, Forbidden) is not a refusal: it propagates, so
    the page answers 404 or 403. The caller tells the two results apart by type::

        out = attempt_or_redirect(request, session, "/swaps", lambda: service.take(...))
        if isinstance(out, RedirectResponse):
            return out
    """
    try:
        with attempt(session):
            return action()
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        return redirect(request, url, flash=("error", exc.message))
