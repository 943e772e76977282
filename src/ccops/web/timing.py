"""``Server-Timing`` on every HTTP response: the app's own time for the request, in ms.

Browsers' developer tools show it, and the web benchmark reads it to report the server's time
apart from the client's. It is measured from the moment the app is called to the moment the
response's headers are sent (the body of a page is rendered before that), so it includes the
time a request waited inside the process for a thread or the database, but not the time it
waited in the operating system before the server accepted it.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTimingMiddleware:
    """Add ``Server-Timing: app;dur=<ms>`` to each HTTP response (pure ASGI, streams untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_timing)


def server_ms(header: str | None) -> float | None:
    """The ``app`` duration in ms of a ``Server-Timing`` header value, or None if absent."""
    if not header:
        return None
    for metric in header.split(","):
        name, _, params = metric.strip().partition(";")
        if name.strip() != "app":
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None
