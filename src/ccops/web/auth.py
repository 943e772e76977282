"""Who is asking: the signed-in user of a request (session cookie or API token), role checks.

Every route but the health check, the API docs, the static files and the sign-in page depends on
`require`, which answers 401 (API) or a redirect to /login (pages) without a valid sign-in, 403
for a role that may not use the route, and 403 for an unsafe request from a session cookie
without the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
API tokens (``Authorization: Bearer TOKEN``) need no CSRF token: browsers never send them on
their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ccops.audit import capture
from ccops.enums import Language, Role, TokenScope
from ccops.errors import Forbidden, NotAuthenticated, Problem
from ccops.org import service as org_service
from ccops.org.models import User
from ccops.web import security
from ccops.web.deps import SessionDep


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request, with role and scope."""

    user_id: int
    login: str
    role: Role
    scope: org_service.Scope
    via: Literal["cookie", "token"]
    csrf_token: str
    language: Language | None
    person_id: int | None
    token_scope: TokenScope | None = None
    """What the bearer token may do (None: a browser session)."""


READ_METHODS = frozenset({"GET", "HEAD"})
"""What a read-only API token may send."""


def require_session(principal: Principal, what: str) -> None:
    """Refuse (403) a request signed in with an API token: ``what`` needs a browser session.

    Tokens never manage tokens or the account's sign-in: a leaked token must not mint
    tokens that outlive its revocation, nor lock its user out.
    """
    if principal.via != "cookie":
        raise Forbidden(
            f"{what} needs a browser session: an API token cannot do it "
            "(sign in on the web page, or use the ccops command line)",
            [Problem("an API token cannot do this", field="authorization")],
        )


class AccessDenied(Forbidden):
    """The user's role may not use this route (or a form came without its CSRF token)."""

    def __init__(
        self, message: str, *, csrf: bool = False, principal: Principal | None = None
    ) -> None:
        super().__init__(message, [Problem(message)])
        self.csrf = csrf
        self.principal = principal


def signer(request: Request) -> security.CookieSigner:
    """Return the app's cookie signer."""
    found: security.CookieSigner = request.app.state.signer
    return found


def _principal(
    user: User,
    session: Session,
    via: Literal["cookie", "token"],
    csrf: str,
    token_scope: TokenScope | None = None,
) -> Principal:
    language = None
    if user.locale:
        try:
            language = Language(user.locale)
        except ValueError:
            language = None
    return Principal(
        user_id=user.id,
        login=user.login,
        role=user.role,
        scope=org_service.scope_of(session=session, user=user),
        via=via,
        csrf_token=csrf,
        language=language,
        person_id=user.person_id,
        token_scope=token_scope,
    )


def resolve_principal(request: Request, session: SessionDep) -> Principal | None:
    """Return the signed-in user of the request, or None (noting an expired session)."""
    header = request.headers.get("authorization", "")
    if header:
        kind, _, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("the Authorization header must be 'Bearer TOKEN'")
        found = org_service.authenticate_token(session=session, token=token.strip())
        if found.scope == TokenScope.read and request.method not in READ_METHODS:
            raise Forbidden(org_service.TOKEN_READ_ONLY, [Problem("read-only token")])
        capture.set_actor(session, found.user.login, "api")
        return _principal(found.user, session, "token", "", found.scope)
    cookie = request.cookies.get(security.SESSION_COOKIE)
    if not cookie:
        return None
    data, expired = signer(request).load_session(cookie)
    if data is None:
        request.state.session_expired = expired
        return None
    user = org_service.get_user(session=session, user_id=data.user_id)
    if user is None or user.session_version != data.version or user.disabled_at is not None:
        request.state.session_expired = True
        return None
    capture.set_actor(session, user.login, "web")
    return _principal(user, session, "cookie", data.csrf)


OptionalPrincipal = Annotated[Principal | None, Depends(resolve_principal)]


async def submitted_csrf(request: Request) -> AsyncIterator[str | None]:
    """Yield the CSRF token an unsafe request carries (header, or form field), if any.

    A form read here is closed when the request ends (its uploads are temporary files).
    """
    if request.method in security.SAFE_METHODS:
        yield None
        return
    header = request.headers.get(security.CSRF_HEADER)
    if header:
        yield header
        return
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        yield None
        return
    form = await request.form()
    try:
        value = form.get(security.CSRF_FIELD)
        yield value if isinstance(value, str) else None
    finally:
        await form.close()


SubmittedCsrf = Annotated[str | None, Depends(submitted_csrf)]


def check_csrf(request: Request, principal: Principal, submitted: str | None) -> None:
    """Refuse an unsafe request from a session cookie that lacks the session's CSRF token."""
    if principal.via != "cookie" or request.method in security.SAFE_METHODS:
        return
    if not security.tokens_match(principal.csrf_token, submitted):
        raise AccessDenied(
            "the form's security token is missing or out of date: reload the page and try again",
            csrf=True,
            principal=principal,
        )


def require(*roles: Role, write: bool = False) -> Callable[..., Awaitable[Principal]]:
    """Return a dependency admitting a signed-in user of one of ``roles``.

    Args:
        roles: the roles that may use the route.
        write: the route changes data; executives (read-only) are never admitted.

    Returns:
        A FastAPI dependency that returns the `Principal` or raises NotAuthenticated/Forbidden.
    """
    allowed = frozenset(roles)
    if write and Role.executive in allowed:
        raise ValueError("executives are read-only: they cannot be given a route that writes")

    async def dependency(
        request: Request, principal: OptionalPrincipal, submitted: SubmittedCsrf
    ) -> Principal:
        # async: these checks do no I/O, so they need no trip to a worker thread
        if principal is None:
            raise NotAuthenticated("sign in first, or send 'Authorization: Bearer TOKEN'")
        check_csrf(request, principal, submitted)
        if principal.role not in allowed:
            raise AccessDenied(
                f"the role {principal.role.value} may not use this page or route",
                principal=principal,
            )
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency
