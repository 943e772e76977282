"""A request that fails with an unexpected error gets a complete, generic 500 and a request id.

Starlette's outermost error middleware answers an unhandled exception with a 500 and then raises
it again for the server to log; uvicorn, seeing the application raise, closes the connection, so
the client's next request on the same keep-alive connection was reset. This pure ASGI middleware
sits inside that one: it logs the exception with a short request id, sends a whole 500 (an error
page, or JSON for the API; never a stack trace) and returns normally, which keeps the connection
usable. A failure after the response has started cannot be answered any more: it is raised again
so the server ends that connection (the client must not take a cut body for a whole one).
"""

from __future__ import annotations

import html
import json
import logging
import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccops.web.render import gettext_for, render
from ccops.web.security import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

log = logging.getLogger(__name__)
REQUEST_ID_HEADER = b"x-request-id"
API_PREFIXES = ("/api/", "/health", "/openapi.json")


def new_request_id() -> str:
    """A short random id that the 500 answer shows and the log line carries."""
    return secrets.token_hex(6)


def _json_body(request_id: str) -> bytes:
    return json.dumps(
        {
            "error": "ServerError",
            "message": "the server failed to answer this request; it has been logged",
            "request_id": request_id,
        }
    ).encode()


def _fallback_page(request_id: str) -> bytes:
    """A plain page for when the themed error page cannot be drawn either."""
    rid = html.escape(request_id)
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
        "<h1>Something went wrong (500)</h1>"
        f"<p>The server failed to answer this request. Reference: <code>{rid}</code></p>"
        '<p><a href="/">Back to the home page</a></p></html>'
    ).encode()


def _page(scope: Scope, request_id: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The themed error page in the visitor's language (body, extra headers such as cookies)."""
    try:
        request = Request(scope)
        _ = gettext_for(request, None)
        response = render(
            request,
            "web/error.html",
            {
                "status": 500,
                "title": _("Something went wrong"),
                "detail": _(
                    "The server failed to answer this request; it has been logged. "
                    "Reference: %(id)s"
                )
                % {"id": request_id},
            },
            principal=None,
            status_code=500,
        )
    except Exception:
        log.exception("the error page failed too (request %s)", request_id)
        return _fallback_page(request_id), []
    extra = [(k, v) for k, v in response.raw_headers if k == b"set-cookie"]
    return bytes(response.body), extra


class ServerErrorMiddleware:
    """Answer an unhandled exception with a complete generic 500 and keep the connection open."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        finished = False

        async def watched_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            request_id = new_request_id()
            log.exception(
                "unhandled error on %s %s (request %s)",
                scope.get("method"),
                scope.get("path"),
                request_id,
            )
            if finished:
                return
            if started:
                raise
            await self._answer(scope, send, request_id)

    async def _answer(self, scope: Scope, send: Send, request_id: str) -> None:
        path: str = scope.get("path", "")
        extra: list[tuple[bytes, bytes]] = []
        if path.startswith(API_PREFIXES):
            body, content_type = _json_body(request_id), b"application/json"
        else:
            body, extra = _page(scope, request_id)
            content_type = b"text/html; charset=utf-8"
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (REQUEST_ID_HEADER, request_id.encode()),
            *SECURITY_HEADERS.items(),
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})
