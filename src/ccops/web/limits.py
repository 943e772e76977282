"""Request limits checked before a body is read: anonymous writes are refused, and bodies are
capped by size per kind of route (forms and JSON, file imports, the event intake).

An attacker's upload used to be read (and spooled to disk) before the route said 401; now a
write without a valid session cookie or API token is answered at once, and a body larger than
its route's limit gets 413 as soon as its ``Content-Length`` says so, or as soon as the bytes
streamed past the limit. The routes still check who may do what.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccops.web import security
from ccops.web.render import gettext_for

ANONYMOUS_WRITES = frozenset({"/login", "/login/code", "/language"})
"""The only writes a visitor who is not signed in may send (their bodies are small forms)."""
UPLOAD_PREFIXES = ("/api/v1/imports/", "/import")
EVENTS_PREFIXES = ("/api/v1/events",)
API_PREFIXES = ("/api/", "/health", "/openapi.json")

READ_METHODS = frozenset({"GET", "HEAD"})
"""What a read-only API token may send."""


@dataclass(frozen=True)
class TokenVerdict:
    """What the request limits need of an API token: why it is refused (None: valid), and
    whether it may only read."""

    refusal: str | None
    read_only: bool = False
    read_only_message: str = ""


TokenCheck = Callable[[str], TokenVerdict]
"""Check an API token (blocking: run in a worker thread)."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body, in bytes, of each kind of route."""

    default: int
    upload: int
    events: int

    def for_path(self, path: str) -> int:
        """The limit of a request to ``path``."""
        if path.startswith(EVENTS_PREFIXES):
            return self.events
        if path == "/import" or path.startswith(UPLOAD_PREFIXES[0]):
            return self.upload
        return self.default


class BodyTooLarge(HTTPException):
    """The body streamed past its route's limit (raised from ``receive``; an HTTP exception, so
    a route's own body parsing lets it through as the 413 it is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than this route's limit of {_megabytes(limit)}: "
            "send less at a time",
        )


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    path: str = scope.get("path", "")
    if _is_api(path):
        message = (
            f"the request body is larger than this route's limit of {_megabytes(limit)}: "
            "send less at a time"
        )
        body = json.dumps(
            {
                "error": "TooLarge",
                "message": message,
                "problems": [{"message": "too large", "field": "body", "row": None, "file": None}],
            }
        ).encode()
        await _send(send, 413, body, [(b"content-type", b"application/json"), *_close()])
        return
    _ = gettext_for(Request(scope), None)
    text = _("The file or form is larger than the limit of %(size)s: send a smaller one.") % {
        "size": _megabytes(limit)
    }
    await _send(send, 413, text.encode(), [(b"content-type", b"text/plain; charset=utf-8")])


def _close() -> list[tuple[bytes, bytes]]:
    return [(b"connection", b"close")]


async def _anonymous(scope: Scope, send: Send, refusal: str) -> None:
    """401 for the API (or a bad Authorization header), else 303 to sign in and come back."""
    request = Request(scope)
    path = request.url.path
    if _is_api(path) or refusal:
        message = refusal or "sign in first, or send 'Authorization: Bearer TOKEN'"
        body = json.dumps(
            {"error": "NotAuthenticated", "message": message, "problems": [{"message": message}]}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"www-authenticate", b"Bearer"),
            *_close(),
        ]
        await _send(send, 401, body, headers)
        return
    target = "/login?" + urlencode(
        {"next": security.safe_next(path + (f"?{request.url.query}" if request.url.query else ""))}
    )
    if request.headers.get("hx-request"):
        await _send(send, 401, b"", [(b"hx-redirect", target.encode()), *_close()])
        return
    await _send(send, 303, b"", [(b"location", target.encode()), *_close()])


class _ReadOnly(Exception):
    """A read-only token sent a write."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _forbidden(send: Send, message: str) -> None:
    body = json.dumps(
        {"error": "Forbidden", "message": message, "problems": [{"message": message}]}
    ).encode()
    await _send(send, 403, body, [(b"content-type", b"application/json"), *_close()])


class RequestLimitsMiddleware:
    """Refuse anonymous writes (401, or 303 to sign in) and oversized bodies (413) before the
    body is read (pure ASGI: a body within its limits streams through untouched)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: BodyLimits,
        signer: Callable[[], security.CookieSigner],
        token_ok: TokenCheck,
    ) -> None:
        self.app = app
        self.limits = limits
        self.signer = signer
        self.token_ok = token_ok

    async def _refusal(self, request: Request) -> str | None:
        """Why the request is not signed in ("" for a page visitor), or None when it is.

        A read-only token's write is refused here too (403), before its body is read.
        """
        header = request.headers.get("authorization", "")
        if header:
            kind, _, token = header.partition(" ")
            token = token.strip()
            if kind.lower() != "bearer" or not token:
                return "the Authorization header must be 'Bearer TOKEN'"
            verdict = await anyio.to_thread.run_sync(self.token_ok, token)
            if verdict.refusal is None and verdict.read_only:
                if request.method not in READ_METHODS:
                    raise _ReadOnly(verdict.read_only_message)
            return verdict.refusal
        cookie = request.cookies.get(security.SESSION_COOKIE)
        data = self.signer().load_session(cookie)[0] if cookie else None
        return None if data is not None else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in security.SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        if path not in ANONYMOUS_WRITES:
            try:
                refusal = await self._refusal(request)
            except _ReadOnly as exc:
                await _forbidden(send, exc.message)
                return
            if refusal is not None:
                await _anonymous(scope, send, refusal)
                return
        limit = self.limits.for_path(path)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(scope, send, limit)
