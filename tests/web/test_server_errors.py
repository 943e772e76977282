"""An unexpected failure answers a whole generic 500 with a request id, and the keep-alive
connection it came on still answers the next request (it used to be reset)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ccops.enums import Role
from ccops.web.app import create_app
from tests.factories.web import World, served

SECRET = "internal detail 7f3a"


def _failing_app(world: World) -> FastAPI:
    """The real app plus two test-only routes that fail with an unexpected error."""
    app = create_app(world.settings)

    def fail() -> None:
        raise RuntimeError(SECRET)

    app.add_api_route("/api/v1/test-failure", fail, methods=["GET"])
    app.add_api_route("/test-failure", fail, methods=["GET"])
    return app


def _connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


@pytest.mark.parametrize("path", ["/api/v1/test-failure", "/test-failure"])
def test_a_500_leaves_the_keep_alive_connection_usable(
    world: World, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = world.tokens[Role.admin]
    with served(world.settings, _failing_app(world)) as url:
        conn = _connect(url)
        try:
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            failed = conn.getresponse()
            body = failed.read().decode()
            request_id = failed.getheader("x-request-id")
            assert failed.status == 500
            assert request_id and len(request_id) == 12
            assert SECRET not in body and "Traceback" not in body and "RuntimeError" not in body
            assert request_id in body
            assert failed.getheader("x-content-type-options") == "nosniff"
            if path.startswith("/api/"):
                assert failed.getheader("content-type") == "application/json"
                assert json.loads(body)["request_id"] == request_id
            else:
                assert failed.getheader("content-type", "").startswith("text/html")
                assert "Something went wrong" in body
            sock = conn.sock
            conn.request("GET", "/api/v1/sites", headers={"Authorization": f"Bearer {token}"})
            second = conn.getresponse()
            sites = json.loads(second.read())
            assert second.status == 200
            assert conn.sock is sock, "the server closed the connection after the 500"
            assert sorted(site["name"] for site in sites) == ["Main", "Other"]
        finally:
            conn.close()
    logged = [r for r in caplog.records if r.name == "ccops.web.server_errors"]
    assert logged and request_id in logged[0].getMessage()
    assert logged[0].exc_info and str(logged[0].exc_info[1]) == SECRET


def test_the_test_client_gets_the_same_500_instead_of_the_exception(world: World) -> None:
    token = world.tokens[Role.admin]
    client = TestClient(_failing_app(world), headers={"Authorization": f"Bearer {token}"})
    response = client.get("/api/v1/test-failure")
    assert response.status_code == 500
    assert response.json()["error"] == "ServerError"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert SECRET not in response.text
