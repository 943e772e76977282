"""Request limits: anonymous writes are refused before their body is read, and bodies larger than
their route's limit get 413 (declared or streamed), while legitimate writes still go through."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ccops.enums import Role
from tests.factories.web import World, served

MB = 1024 * 1024


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _head(url: str, path: str, length: int, extra: str = "") -> socket.socket:
    """Open a connection and send only the headers of a POST announcing ``length`` bytes."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n"
        ).encode()
    )
    return sock


def _answer(sock: socket.socket) -> bytes:
    """The whole answer (lower case), read until the server closes the connection."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data.lower()
        data += chunk


def test_an_anonymous_200_mb_upload_is_refused_before_its_body_is_sent(world: World) -> None:
    with served(world.settings) as url:
        before = _rss_bytes()
        started = time.monotonic()
        sock = _head(url, "/api/v1/imports/contacts", 200 * MB)
        answer = _answer(sock)  # not one byte of the body was sent
        waited = time.monotonic() - started
        assert answer.startswith(b"http/1.1 401"), answer[:200]
        assert b"www-authenticate: bearer" in answer and b"sign in first" in answer
        # the client goes on sending: the server reads none of it into memory or to disk
        sent = 0
        try:
            chunk = b"a" * MB
            while sent < 50 * MB:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            sock.close()
        grown = _rss_bytes() - before
        assert waited < 5 and grown < 8 * MB, (waited, grown / MB)
        # a page upload of the same size is sent to sign in, a forged token is refused too
        sock = _head(url, "/import", 200 * MB)
        page = _answer(sock)
        sock.close()
        assert page.startswith(b"http/1.1 303") and b"location: /login?next=%2fimport" in page
        sock = _head(url, "/api/v1/events", 200 * MB, "Authorization: Bearer ccops_forged\r\n")
        forged = _answer(sock)
        sock.close()
        assert forged.startswith(b"http/1.1 401") and b"unknown or revoked" in forged


def test_every_write_but_sign_in_and_language_needs_a_sign_in_first(world: World) -> None:
    anonymous = world.client()
    for path in ("/api/v1/events", "/api/v1/sites", "/import", "/logout", "/account/tokens"):
        response = anonymous.post(path, content=b"x" * 1000)
        assert response.status_code in (401, 303), (path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login?next=")
    basic = anonymous.post("/api/v1/events", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert basic.json()["message"] == "the Authorization header must be 'Bearer TOKEN'"
    # the sign-in form itself still reaches its route (which asks for its CSRF token)
    assert anonymous.post("/login", data={"login": "x", "password": "y"}).status_code == 403


def test_an_11_mb_event_body_gets_413(world: World) -> None:
    client = world.client(Role.admin)
    body = b'{"id": "x", "type": "contact"}\n' * (11 * MB // 31 + 1)
    response = client.post(
        "/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 413
    assert "limit of 10 MB" in response.json()["message"]


def test_a_streamed_body_past_the_limit_gets_413(world: World) -> None:
    settings = world.settings.model_copy(update={"max_events_body_bytes": 64 * 1024})
    client = World(settings, world.tokens).client(Role.admin)

    def chunks() -> Iterator[bytes]:
        for n in range(100):
            yield b'{"id": "e%d", "type": "contact"}\n' % n * 100

    response = client.post(
        "/api/v1/events", content=chunks(), headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 413
    assert "limit of 65536 bytes" in response.json()["detail"]


def test_uploads_have_their_own_larger_limit(world: World) -> None:
    settings = world.settings.model_copy(
        update={"max_body_bytes": 4096, "max_upload_bytes": 256 * 1024}
    )
    client = World(settings, world.tokens).client(Role.admin)
    rows = "external_id,queue,arrival,outcome,wait_s,talk_s\n" + "".join(
        f"c{i},Sales,2026-11-20T09:{i % 60:02d}:00+00:00,abandoned,3,0\n" for i in range(400)
    )
    assert 4096 < len(rows) < 256 * 1024
    ok = client.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", rows.encode(), "text/csv")},
        data={"format": "csv"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["inserted"] == 400
    big = client.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", rows.encode() * 80, "text/csv")},
        data={"format": "csv"},
    )
    assert big.status_code == 413
    assert "limit of 262144 bytes" in big.json()["message"]
    # a plain JSON write is held to the smaller default limit
    huge = client.post("/api/v1/sites", json={"name": "x" * 5000, "timezone": "UTC"})
    assert huge.status_code == 413
