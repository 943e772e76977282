"""The intraday API and board: event intake with a bearer token, per-event results, the view,
exceptions stepped through the API, scope, and the board page."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.settings import Settings
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from tests.factories import make_org
from tests.factories.intraday import OPEN, contacts, flat_forecast, send


def _setup(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        make_org(s, timezone="UTC")
        flat_forecast(s)
        exception_service.create_plan(
            session=s,
            data=schemas.PlanIn(
                name="Sales plan",
                queue="Sales",
                rules=[schemas.RuleIn(name="Tier 1", tier=1, measure="volume_over", threshold=0.3)],
            ),
            created_by="t",
        )
        send(s, contacts(OPEN, 30, prefix="a"), OPEN + timedelta(minutes=15))
        send(
            s, contacts(OPEN + timedelta(minutes=15), 30, prefix="b"), OPEN + timedelta(minutes=30)
        )
        s.commit()
    engine.dispose()


def test_events_api_answers_per_event_and_keeps_the_good_ones(
    admin_client: TestClient, session: Session
) -> None:
    make_org(session, timezone="UTC")
    session.commit()
    body = "\n".join(
        [
            json.dumps(
                {
                    "id": "x1",
                    "type": "contact",
                    "queue": "Sales",
                    "arrival": "2026-11-23T09:01:00+00:00",
                    "outcome": "abandoned",
                    "wait_s": 40,
                }
            ),
            "not json",
            json.dumps(
                {
                    "id": "x2",
                    "type": "agent_state",
                    "person": "ghost",
                    "state": "available",
                    "start": "2026-11-23T09:00:00+00:00",
                }
            ),
        ]
    )
    r = admin_client.post(
        "/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["accepted"], out["duplicate"], out["rejected"]) == (1, 0, 2)
    assert [x["status"] for x in out["results"]] == ["accepted", "rejected", "rejected"]
    assert out["results"][2]["detail"] == "unknown agent 'ghost'"
    again = admin_client.post("/api/v1/events", content=body).json()
    assert again["duplicate"] == 1 and again["accepted"] == 0
    bad = admin_client.post("/api/v1/events", content=b"\xff\xfe{")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "body"


def test_an_event_with_a_known_outcome_and_contradictory_times_is_kept_with_its_timing_unknown(
    admin_client: TestClient, session: Session
) -> None:
    """Issue #15, point 5, as for files: the contact counts, its wait is unknown."""
    make_org(session, timezone="UTC")
    session.commit()
    events = [
        {
            "id": "e1",
            "type": "contact",
            "queue": "Sales",
            "arrival": "2026-11-23T09:01:00+00:00",
            "answered_at": "2026-11-23T09:00:00+00:00",
            "outcome": "answered",
            "talk_s": 100,
        },
        {
            "id": "e2",
            "type": "contact",
            "queue": "Sales",
            "arrival": "2026-11-23T09:02:00+00:00",
            "outcome": "lost",
            "wait_s": 5,
        },
    ]
    body = "\n".join(json.dumps(e) for e in events)
    r = admin_client.post(
        "/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["status"] for x in out["results"]] == ["accepted", "rejected"]
    assert out["results"][1]["field"] == "outcome"
    session.expire_all()
    (contact,) = session.scalars(select(Contact)).all()
    assert (contact.external_id, contact.outcome.value) == ("e1", "answered")
    assert (contact.timing_untrusted, contact.wait_s, contact.answered_at) == (
        "answer_before_arrival",
        None,
        None,
    )
    assert contact.talk_s == 100.0


def test_status_explain_and_exception_steps_over_the_api(
    admin_client: TestClient, settings: Settings
) -> None:
    _setup(settings)
    r = admin_client.get("/api/v1/intraday/status", params={"queue": "Sales", "date": "2026-11-23"})
    assert r.status_code == 200, r.text
    view = r.json()
    nine = next(iv for iv in view["intervals"] if iv["local_start"].endswith("09:00:00"))
    assert (nine["offered"], nine["forecast"], nine["scheduled"]) == (30, 20.0, None)
    bad = admin_client.get("/api/v1/intraday/status", params={"queue": "Sales", "date": "23/11"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "date"
    unknown = admin_client.get("/api/v1/intraday/status", params={"queue": "Nope"})
    assert unknown.status_code == 404
    explained = admin_client.get("/api/v1/intraday/explain", params={"date": "2026-11-23"}).json()
    assert [e["queue"] for e in explained] == ["Sales"]
    assert set(explained[0]["parts"]) == {
        "volume",
        "handle_time",
        "staffing",
        "schedule_loss",
        "other",
    }
    [x] = admin_client.get("/api/v1/intraday/exceptions").json()
    assert x["tier"] == 1 and x["status"] == "open"
    step = admin_client.post(f"/api/v1/intraday/exceptions/{x['id']}/acknowledge", json={})
    assert step.status_code == 200 and step.json()["status"] == "acknowledged"
    again = admin_client.post(f"/api/v1/intraday/exceptions/{x['id']}/acknowledge", json={})
    assert again.status_code == 409
    page = admin_client.get("/intraday", params={"queue": "Sales", "date": "2026-11-23"})
    assert page.status_code == 200 and 'id="intraday-table"' in page.text
    assert 'hx-trigger="every 30s"' in page.text


def test_the_board_steps_an_exception_through_to_closed_and_shows_its_history(
    admin_client: TestClient, settings: Settings
) -> None:
    _setup(settings)

    def post(url: str, data: dict[str, str]) -> Response:
        return admin_client.post(url, data=data, follow_redirects=False)

    [x] = admin_client.get("/api/v1/intraday/exceptions").json()
    board = f"?queue=Sales&date={x['day']}"
    base = f"/intraday/exceptions/{x['id']}"
    page = admin_client.get("/intraday" + board).text
    assert f'formaction="{base}/acknowledge' in page and f'formaction="{base}/action' in page
    ok = post(f"{base}/acknowledge{board}", data={"note": ""})
    assert ok.status_code == 303 and ok.headers["location"] == "/intraday" + board
    # actioning needs a note: the board comes back with the field marked and the input kept
    refused = post(f"{base}/action{board}", data={"note": "   "})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and "say what was done" in refused.text
    assert admin_client.get(f"/api/v1/intraday/exceptions/{x['id']}").json()["status"] == (
        "acknowledged"
    )
    done = post(f"{base}/action{board}", data={"note": "Called in the Tech team"})
    assert done.status_code == 303
    twice = post(f"{base}/acknowledge{board}", data={"note": "late"})
    assert twice.status_code == 409 and "it cannot be acknowledged now" in twice.text
    unknown = post(f"{base}/escalate{board}", data={})
    assert unknown.status_code == 422 and "unknown step" in unknown.text
    closed = post(f"{base}/close{board}", data={"note": "Volume back to forecast"})
    assert closed.status_code == 303
    trail = admin_client.get(f"/api/v1/intraday/exceptions/{x['id']}").json()["trail"]
    assert [(a["action"], a["note"]) for a in trail] == [
        ("opened", x["summary"]),
        ("acknowledged", ""),
        ("actioned", "Called in the Tech team"),
        ("closed", "Volume back to forecast"),
    ]
    page = admin_client.get("/intraday" + board).text
    assert "No open exception for this queue." in page
    history = page[page.index('id="closed-exceptions-h"') :]
    assert f'data-exception="{x["id"]}"' in history
    assert "Called in the Tech team" in history and "Volume back to forecast" in history
    assert post("/intraday/exceptions/999/close", data={}).status_code == 404


def test_routers_are_exported_and_no_path_shadows_another() -> None:
    """Every router of the intraday routes and pages is in their ``routers``, and no literal
    path is matched by another route's pattern (so the order the app registers them in does
    not matter)."""
    from fastapi import APIRouter
    from fastapi.routing import APIRoute

    from ccops.wfm.intraday import pages, routes

    for module in (routes, pages):
        defined = {id(v) for v in vars(module).values() if isinstance(v, APIRouter)}
        assert defined == {id(r) for r in module.routers}, module.__name__
    found = [
        (method, route)
        for module in (routes, pages)
        for router in module.routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    assert found
    for method, route in found:
        if "{" in route.path:
            continue
        for other_method, other in found:
            if other is not route and other_method == method:
                assert not other.path_regex.match(route.path), (route.path, other.path)


def test_a_board_opened_on_a_day_without_contacts_says_so_and_links_the_last_day(
    admin_client: TestClient, settings: Settings
) -> None:
    _setup(settings)  # contacts on 23 November 2026 only; today has none
    page = admin_client.get("/intraday?queue=Sales").text
    assert 'id="nothing-today"' in page
    assert 'href="/intraday?queue=Sales&amp;date=2026-11-23"' in page
    chosen = admin_client.get("/intraday?queue=Sales&date=2026-11-23").text
    assert 'id="nothing-today"' not in chosen  # a day asked for is shown as it is
