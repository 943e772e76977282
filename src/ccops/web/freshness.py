"""Pages accept KPI figures up to ``Settings.page_max_stale_s`` old; the JSON API never does.

A pure ASGI middleware marks each page request (GET, not under ``/api/``) for
``ccops.metrics.cache``, which may then answer it from the last result of the same question
while the current one is computed in the background; the page shows "figures as of". A browser
that has just changed something (any successful POST, PUT, PATCH or DELETE) gets a short-lived
cookie, and its pages wait for the newest figures until it expires: people see their own
imports and edits at once, while a telephony feed's writes never make anyone wait.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccops.metrics import cache

FRESH_COOKIE = "ccops_fresh"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _has_fresh_cookie(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"cookie" and f"{FRESH_COOKIE}=1".encode() in value:
            return True
    return False


class PageFreshnessMiddleware:
    """Let page requests accept recent KPI results while newer data is being computed."""

    def __init__(self, app: ASGIApp, max_stale_s: float) -> None:
        self.app = app
        self.max_stale_s = max_stale_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_stale_s <= 0:
            await self.app(scope, receive, send)
            return
        method = scope.get("method")
        if method in WRITES:
            await self.app(scope, receive, self._marking(scope, send))
            return
        path: str = scope.get("path", "")
        if method != "GET" or path.startswith("/api/") or _has_fresh_cookie(scope):
            await self.app(scope, receive, send)
            return
        token = cache.accept_stale(self.max_stale_s)
        try:
            await self.app(scope, receive, send)
        finally:
            cache.reset_stale(token)

    def _marking(self, scope: Scope, send: Send) -> Send:
        """``send`` that sets the fresh-figures cookie on a successful write's response."""
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (
            f"{FRESH_COOKIE}=1; Max-Age={int(self.max_stale_s) + 1}; Path=/; HttpOnly; "
            f"SameSite=Lax{secure}"
        ).encode()

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status", 500) < 400:
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        return send_marked
