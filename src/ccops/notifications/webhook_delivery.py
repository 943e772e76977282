"""One webhook POST: signed, to the address that was checked, never following a redirect.

The body is signed with HMAC-SHA256 over ``"{timestamp}.{body}"``; the receiver recomputes it
with the shared secret and compares (see docs/admin.md). The outcome is only "delivered" or not:
what the receiver answered (status, text, the connection error) is logged on the server and
never shown to the user who set the URL, so that a webhook cannot be used to probe what answers
where.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import socket
import ssl
from dataclasses import dataclass

from ccops.notifications.webhook_targets import (
    AllowList,
    RefusedTarget,
    Resolver,
    Target,
    check,
    parse_allow_list,
)
from ccops.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Ccops-Signature"
TIMESTAMP_HEADER = "X-Ccops-Timestamp"
USER_AGENT = "ccops-webhooks"


@dataclass(frozen=True)
class WebhookPolicy:
    """What a delivery may call, how long it waits, and the key it signs with."""

    allow: AllowList = AllowList()
    secret: bytes = b""
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 5.0


def policy_from(settings: Settings) -> WebhookPolicy:
    """The webhook policy of an installation's settings."""
    secret = settings.webhook_secret.encode("utf-8")
    if not secret:
        secret = hmac.new(
            settings.resolved_secret_key().encode("utf-8"), b"ccops-webhooks", hashlib.sha256
        ).digest()
    return WebhookPolicy(
        allow=parse_allow_list(settings.webhook_allowed_networks),
        secret=secret,
        connect_timeout_s=settings.webhook_connect_timeout_s,
        read_timeout_s=settings.webhook_read_timeout_s,
    )


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Ccops-Signature`` value: ``sha256=`` and the HMAC of ``"{timestamp}." + body``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host name as Host."""

    def __init__(self, target: Target, policy: WebhookPolicy) -> None:
        super().__init__(target.parsed.host, target.parsed.port, timeout=policy.read_timeout_s)
        self._address = target.address
        self._connect_timeout_s = policy.connect_timeout_s

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self._connect_timeout_s)
        sock.settimeout(self.timeout)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPS(_PinnedHTTP):
    """An HTTPS connection to a checked address; the certificate must match the host name."""

    default_port = 443

    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open(), server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    *,
    policy: WebhookPolicy,
    timestamp: int,
    resolve: Resolver | None = None,
) -> bool:
    """POST ``body`` (JSON) to ``url``, checked again now; True when the receiver answered 2xx.

    A refused target, a 3xx (redirects are not followed), any other status, a timeout or a
    connection error is False, with the detail in the server's log only."""
    try:
        target = check(url, policy.allow, resolve)
    except RefusedTarget as exc:
        log.warning("webhook to %s refused at delivery: %s", url, exc)
        return False
    kind = _PinnedHTTPS if target.parsed.scheme == "https" else _PinnedHTTP
    connection = kind(target, policy)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(policy.secret, timestamp, body),
    }
    try:
        connection.request("POST", target.parsed.path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        log.warning("webhook to %s (%s) not delivered: %r", url, target.address, exc)
        return False
    except Exception:  # anything else is a failed attempt too, never a crashed job
        log.exception("webhook to %s (%s) not delivered", url, target.address)
        return False
    finally:
        connection.close()
    if 200 <= status < 300:
        return True
    log.warning("webhook to %s (%s) answered HTTP %s", url, target.address, status)
    return False
