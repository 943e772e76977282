"""The service edge: health, OpenAPI, JSON errors with fields, KPIs through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.enums import Outcome
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories import make_org
from tests.factories.metrics import add_contact


@pytest.fixture
def client(admin_client: TestClient) -> TestClient:
    return admin_client


def test_health_and_openapi(settings: Settings) -> None:
    anonymous = TestClient(create_app(settings))
    assert anonymous.get("/health").json()["status"] == "ok"
    docs = anonymous.get("/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn." not in docs
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/api/v1/queues" in paths and "/api/v1/kpi/intervals" in paths


def test_bad_input_gets_422_with_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/sites", json={"name": "X", "timezone": "Mars/Base"})
    assert response.status_code == 422
    body = response.json()
    assert body["problems"][0]["field"] == "timezone"
    assert "unknown time zone" in body["problems"][0]["message"]


def test_conflict_and_not_found_are_4xx_json(client: TestClient) -> None:
    assert client.post("/api/v1/sites", json={"name": "A", "timezone": "UTC"}).status_code == 201
    dup = client.post("/api/v1/sites", json={"name": "A", "timezone": "UTC"})
    assert dup.status_code == 409 and dup.json()["error"] == "Conflict"
    missing = client.post("/api/v1/queues", json={"name": "Q", "channel": "nope", "site": "A"})
    assert missing.status_code == 404 and "channel 'nope'" in missing.json()["message"]


def test_kpis_through_the_api_equal_the_service(client: TestClient, session: Session) -> None:
    make_org(session)
    t = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    add_contact(
        session, ext="1", queue="Sales", arrival=t, outcome=Outcome.answered, wait_s=5, talk_s=100
    )
    add_contact(session, ext="2", queue="Sales", arrival=t, outcome=Outcome.abandoned, wait_s=50)
    session.commit()
    rows = client.get("/api/v1/kpi/intervals", params={"from": "2024-01-15", "to": "2024-01-15"})
    assert rows.status_code == 200
    (row,) = rows.json()
    assert row["offered"] == 2 and row["service_level"] == 0.5 and row["aht_s"] == 100.0
    assert row["interval_start"] == "2024-01-15T09:00:00Z" or row["interval_start"].startswith(
        "2024-01-15T09:00:00+00:00"
    )
    bad = client.get("/api/v1/kpi/intervals", params={"from": "2024-01-15", "to": "x"})
    assert bad.status_code == 422


def test_unmigrated_database_is_a_clear_409(tmp_path: object) -> None:
    settings = Settings(database_url="sqlite://", data_dir=tmp_path, secret_key="k")
    response = TestClient(create_app(settings)).get("/api/v1/sites")
    assert response.status_code == 409
    assert "ccops db upgrade" in response.json()["message"]


def test_nul_in_a_query_is_refused_on_every_database(client: TestClient) -> None:
    """PostgreSQL cannot compare text with NUL; the edge refuses it before any query runs."""
    for url in (
        "/api/v1/kpi/intervals?from=2024-01-15&to=2024-01-15&queue=%00",
        "/api/v1/contacts?queue=a%00b",
        "/kpi/panel?queue=%00",
    ):
        response = client.get(url)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["message"] == "the request contains a NUL character"


def test_nul_in_a_json_or_form_body_is_a_422_naming_the_field(client: TestClient) -> None:
    """A JSON ``\\u0000`` escape (or a form's %00) never reaches the database (PostgreSQL: 500)."""
    cases = (
        ("/api/v1/sites", {"name": "A\x00B", "timezone": "UTC"}, "name"),
        ("/api/v1/sites", {"name": "A", "timezone": "UTC\x00"}, "timezone"),
        (
            "/api/v1/people",
            {"name": "N", "login": "n", "site": "A", "skills": [{"queue": "Q\x00"}]},
            "skills.0.queue",
        ),
    )
    for path, body, field in cases:
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["problems"][0]["field"] == field
        assert response.json()["message"] == f"the request contains a NUL character in {field}"
    assert client.get("/api/v1/sites").json() == []
    # the same bodies without NUL still reach the route whole (the body is replayed to it)
    assert client.post("/api/v1/sites", json={"name": "A", "timezone": "UTC"}).status_code == 201
    assert [s["name"] for s in client.get("/api/v1/sites").json()] == ["A"]
    form = client.post("/login", data={"login": "root\x00", "password": "x", "csrf_token": "t"})
    assert form.status_code == 422
    assert form.json()["problems"][0]["field"] == "login"


def test_every_response_says_the_apps_own_time(client: TestClient) -> None:
    """Server-Timing carries the app's time (read by browsers' tools and the web benchmark)."""
    from ccops.web.timing import server_ms

    for path, code in (("/health", 200), ("/login", 200), ("/no-such-page", 404)):
        response = client.get(path)
        assert response.status_code == code
        ms = server_ms(response.headers.get("server-timing"))
        assert ms is not None and 0.0 <= ms < 60_000, response.headers.get("server-timing")
    assert server_ms("db;dur=3, app;desc=x;dur=12.5") == 12.5
    assert server_ms("app;dur=abc") is None
    assert server_ms("db;dur=3") is None
    assert server_ms(None) is None


def test_a_write_is_committed_before_its_response_is_sent(settings: Settings) -> None:
    """What a request stored is in the database when its response starts: a page opened right
    after a form's redirect sees it (it did not always: the commit ran after the response)."""
    from sqlalchemy import text
    from starlette.types import Message, Receive, Scope, Send

    from ccops.runtime import engine_for
    from tests.factories.web import signed_in_client

    client = signed_in_client(settings)
    app = client.app
    seen: list[int] = []
    probe = engine_for(settings.resolved_database_url(), purpose="test-probe")

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        async def on_send(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                with probe.connect() as conn:
                    query = text("SELECT count(*) FROM site WHERE name = 'Probe'")
                    seen.append(conn.execute(query).one()[0])
            await send(message)

        await app(scope, receive, on_send)

    watched = TestClient(watching, headers=dict(client.headers))
    response = watched.post("/api/v1/sites", json={"name": "Probe", "timezone": "UTC"})
    assert response.status_code == 201, response.text
    assert seen == [1]
