"""/api/v1/schedules and the schedule pages: build in the background, publish, edits, person
weeks, time off; bad input answered 422/409 with messages; roles and scope."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ccops.db import make_engine, make_session_factory
from ccops.settings import Settings
from tests.wfm.schedule_factories import WEEK, make_small_site

OPTIONS = {"plan_time_limit_s": 20, "roster_time_limit_s": 20, "threads": 1, "workers": 1}


def _site(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        make_small_site(s)
        s.commit()
    engine.dispose()


def _build(client: TestClient) -> dict[str, object]:
    started = client.post(
        "/api/v1/schedules", json={"site": "Main", "week": WEEK, "options": OPTIONS}
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "building"
    done = client.get(f"/api/v1/schedules/{started.json()['id']}")
    assert done.status_code == 200
    body: dict[str, object] = done.json()
    return body


def test_build_publish_and_bad_input(settings: Settings, admin_client: TestClient) -> None:
    _site(settings)
    body = _build(admin_client)
    assert body["status"] == "draft", body
    assert isinstance(body["gap"], float) and body["gap"] <= 0.01
    intervals = body["intervals"]
    assert isinstance(intervals, list) and len(intervals) == 7 * 96
    sid = body["id"]
    bad = admin_client.post("/api/v1/schedules", json={"site": "Main", "week": "2026-W60"})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "week"
    assert "2026-W60" in bad.json()["problems"][0]["message"]
    edit = admin_client.post(f"/api/v1/schedules/{sid}/edits", json={"kind": "swap"})
    assert edit.status_code == 422 and "a swap needs day" in edit.text
    first = admin_client.post(f"/api/v1/schedules/{sid}/publish")
    assert first.status_code == 200 and first.json()["status"] == "published"
    second = admin_client.post(f"/api/v1/schedules/{sid}/publish")
    assert second.status_code == 409
    assert "only a complete draft can be published" in second.json()["message"]
    assert admin_client.get("/api/v1/schedules/424242").status_code == 404
    week = admin_client.get(f"/api/v1/schedules/people/alice/week?week={WEEK}").json()
    assert week["schedule_id"] == sid and week["paid_h"] > 0
    shift = week["shifts"][0]
    off = admin_client.post(
        "/api/v1/schedules/time-off",
        json={"login": "alice", "start": shift["start"], "end": shift["end"], "reason": "ill"},
    )
    assert off.status_code == 201 and off.json()["status"] == "pending"
    grant = admin_client.post(
        f"/api/v1/schedules/{sid}/edits", json={"kind": "time_off", "time_off_id": off.json()["id"]}
    )
    assert grant.status_code == 201 and grant.json()["version"] == 2
    assert grant.json()["status"] == "draft"
    page = admin_client.get(f"/schedules/{sid}")
    assert page.status_code == 200 and 'data-measure="gap"' in page.text


def test_failed_build_names_the_problem(settings: Settings, admin_client: TestClient) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        from tests.factories import make_org

        make_org(s)
        s.commit()
    engine.dispose()
    body = _build(admin_client)
    assert body["status"] == "failed"
    assert body["error"] == "queue 'Sales' has no contacts or interval reports to forecast from"
