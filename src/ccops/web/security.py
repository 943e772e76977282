"""Signed cookies (session, CSRF before sign-in, flash messages), CSRF checks, security headers.

Cookies are signed with itsdangerous under the installation's secret key, each kind with its own
salt, and are ``HttpOnly`` and ``SameSite=Lax`` (``Secure`` when the request came over HTTPS).
The session cookie carries the user id, the user's session version (raised by log-out and
password change, which ends every older session) and the session's CSRF token; it expires after
``Settings.session_max_age_s``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "ccops_session"
PRE_CSRF_COOKIE = "ccops_csrf"
FLASH_COOKIE = "ccops_flash"
LANGUAGE_COOKIE = "ccops_lang"
SECOND_FACTOR_COOKIE = "ccops_2fa"
SECOND_FACTOR_MAX_AGE_S = 300
"""How long the code form waits after a right password (then the password is asked again)."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRE_CSRF_MAX_AGE_S = 24 * 3600
FLASH_MAX_AGE_S = 300


@dataclass(frozen=True)
class SessionData:
    """What a session cookie says: whose session, which session version, which CSRF token."""

    user_id: int
    version: int
    csrf: str


class CookieSigner:
    """Signs and checks the app's cookies with the installation's secret key."""

    def __init__(self, secret_key: str, session_max_age_s: int) -> None:
        self.session_max_age_s = session_max_age_s
        self._session = URLSafeTimedSerializer(secret_key, salt="ccops.session")
        self._csrf = URLSafeTimedSerializer(secret_key, salt="ccops.csrf")
        self._flash = URLSafeTimedSerializer(secret_key, salt="ccops.flash")
        self._second = URLSafeTimedSerializer(secret_key, salt="ccops.second-factor")

    def dump_session(self, data: SessionData) -> str:
        """Return the cookie value of a session."""
        return self._session.dumps({"u": data.user_id, "v": data.version, "c": data.csrf})

    def load_session(self, value: str) -> tuple[SessionData | None, bool]:
        """Return (the session, whether it had expired); (None, False) for a forged cookie."""
        try:
            raw: Any = self._session.loads(value, max_age=self.session_max_age_s)
        except SignatureExpired:
            return None, True
        except BadSignature:
            return None, False
        try:
            return SessionData(int(raw["u"]), int(raw["v"]), str(raw["c"])), False
        except (KeyError, TypeError, ValueError):
            return None, False

    def dump_second_factor(self, user_id: int, version: int) -> str:
        """Return the cookie of a user whose password was right and who owes a code."""
        return self._second.dumps({"u": user_id, "v": version})

    def load_second_factor(self, value: str | None) -> tuple[int, int] | None:
        """Return (user id, session version) of a pending second factor; None when absent,
        forged or older than `SECOND_FACTOR_MAX_AGE_S`."""
        if not value:
            return None
        try:
            raw: Any = self._second.loads(value, max_age=SECOND_FACTOR_MAX_AGE_S)
            return int(raw["u"]), int(raw["v"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def dump_pre_csrf(self, token: str) -> str:
        """Return the cookie value carrying the CSRF token of a visitor not yet signed in."""
        return self._csrf.dumps(token)

    def load_pre_csrf(self, value: str | None) -> str | None:
        """Return the CSRF token of a visitor not yet signed in, or None."""
        if not value:
            return None
        try:
            token: Any = self._csrf.loads(value, max_age=PRE_CSRF_MAX_AGE_S)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    def dump_flash(self, messages: list[tuple[str, str]]) -> str:
        """Return the cookie value of messages to show on the next page."""
        return self._flash.dumps(messages)

    def load_flash(self, value: str | None) -> list[tuple[str, str]]:
        """Return the messages of a flash cookie (kind, text); [] when absent or forged."""
        if not value:
            return []
        try:
            raw: Any = self._flash.loads(value, max_age=FLASH_MAX_AGE_S)
        except BadSignature:
            return []
        if not isinstance(raw, list):
            return []
        return [(str(kind), str(text)) for kind, text in raw if kind and text][:5]


def new_csrf_token() -> str:
    """Return a fresh random CSRF token."""
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, submitted: str | None) -> bool:
    """Compare a CSRF token in constant time; a missing token never matches."""
    if not expected or not submitted:
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    """Set an HttpOnly, SameSite=Lax cookie (Secure over HTTPS) for the whole site."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    """Remove a cookie set by `set_cookie`."""
    response.delete_cookie(
        name, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    return target


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
"""Headers on every response; pages (not the API docs, which load their own scripts) also get
the Content-Security-Policy, which allows scripts, styles and data only from this site."""


def _nul_field(value: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """The dotted path (``skills.0.queue``) of the first key or string holding NUL, or None."""
    if isinstance(value, str):
        return (".".join(str(p) for p in path) or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return ".".join(str(p) for p in (*path, key))
            found = _nul_field(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_field(item, (*path, index))
            if found is not None:
                return found
    return None


def _body_nul_field(content_type: str, body: bytes) -> str | None:
    """The field of a JSON or form body that holds a NUL character, or None.

    JSON can carry NUL only as the escape ``\\u0000``, so the body is decoded to find which
    field; a body that does not parse is left for the route to refuse in its own words.
    """
    if content_type.startswith("application/json"):
        try:
            return _nul_field(json.loads(body))
        except ValueError:
            return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        for key, item in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in item:
                return key.replace("\x00", "") or "body"
    return None


def _nul_problem(field: str) -> bytes:
    return json.dumps(
        {
            "error": "Invalid",
            "message": "the request contains a NUL character"
            + ("" if field == "query" else f" in {field}"),
            "problems": [{"message": "NUL character", "field": field, "row": None, "file": None}],
        }
    ).encode()


class RejectNulMiddleware:
    """Refuse a NUL character in the path, query string or a JSON or form body with 422 (ASGI).

    No text a user means contains NUL, and PostgreSQL cannot store or compare it: without this
    check such a request would end as a server error deep in a query. The answer names the field
    (``query`` for the path and query string, else the body field's dotted path).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def _refuse(self, send: Send, field: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": _nul_problem(field)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = unquote_to_bytes(scope.get("query_string", b""))
        if b"\x00" in query or "\x00" in scope.get("path", ""):
            await self._refuse(send, "query")
            return
        content_type = ""
        for key, value in scope.get("headers", []):
            if key == b"content-type":
                content_type = value.decode("latin-1").lower()
        if scope.get("method") in SAFE_METHODS or not content_type.startswith(
            ("application/json", "application/x-www-form-urlencoded")
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        first: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        field = _body_nul_field(content_type, body)
        if field is not None:
            await self._refuse(send, field)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if first is not None:
                    return first
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (pure ASGI, streams untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        with_csp = not (path.startswith("/docs") or path.startswith("/redoc"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key not in present:
                        headers.append((key, value))
                if with_csp and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def json_script(data: object) -> str:
    """Serialise ``data`` for a ``<script type="application/json">`` block (no ``</`` inside)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
