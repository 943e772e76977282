"""/api/v1/schedules and the schedule pages: build (at once or as a job), publish, edits, person
weeks, time off; bad input answered 422/409 with messages; roles and scope."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ccops.db import make_engine, make_session_factory
from ccops.settings import Settings
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.schedules.models import Schedule, ScheduledShift
from tests.factories.schedules import WEEK, make_small_site
from tests.factories.web import signed_in_client

OPTIONS = {"plan_time_limit_s": 20, "roster_time_limit_s": 20, "threads": 1, "workers": 1}


def _site(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        make_small_site(s)
        s.commit()
    engine.dispose()


def _count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def _job_client(settings: Settings) -> TestClient:
    """An admin client whose app runs each job right after the request that queued it."""
    return signed_in_client(settings.model_copy(update={"jobs_in_app": "after_response"}))


def test_build_publish_and_bad_input(settings: Settings, admin_client: TestClient) -> None:
    _site(settings)
    built = admin_client.post(
        "/api/v1/schedules", json={"site": "Main", "week": WEEK, "options": OPTIONS}
    )
    assert built.status_code == 201, built.text
    body = built.json()
    assert body["status"] == "draft" and body["version"] == 1, body
    assert "progress" not in body and "error" not in body
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


def test_build_as_a_job_reports_progress_and_the_schedule(settings: Settings) -> None:
    _site(settings)
    client = _job_client(settings)
    queued = client.post(
        "/api/v1/schedules/jobs", json={"site": "Main", "week": WEEK, "options": OPTIONS}
    )
    assert queued.status_code == 202, queued.text
    job = client.get(f"/api/v1/jobs/{queued.json()['id']}").json()
    assert job["kind"] == "schedule.build" and job["status"] == "done", job
    assert job["progress"] == 1.0 and job["error"] is None
    schedule = client.get(f"/api/v1/schedules/{job['result']['schedule_id']}").json()
    assert schedule["status"] == "draft" and schedule["version"] == 1
    assert job["result"]["gap"] == schedule["gap"]
    assert job["result"]["paid_hours"] == schedule["paid_hours"] > 0
    again = client.post("/api/v1/schedules/jobs", json={"site": "Main", "week": WEEK})
    assert client.get(f"/api/v1/jobs/{again.json()['id']}").json()["result"]["version"] == 2
    bad = client.post("/api/v1/schedules/jobs", json={"site": "Main", "week": "2026-W60"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "week"
    missing = client.post("/api/v1/schedules/jobs", json={"site": "Nowhere", "week": WEEK})
    assert missing.status_code == 404 and "Nowhere" in missing.json()["message"]
    assert _count(settings, Schedule) == 2


def test_failed_job_says_why_and_stores_nothing(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        from tests.factories import make_org

        make_org(s)
        s.commit()
    engine.dispose()
    client = _job_client(settings)
    queued = client.post("/api/v1/schedules/jobs", json={"site": "Main", "week": WEEK})
    assert queued.status_code == 202, queued.text
    job = client.get(f"/api/v1/jobs/{queued.json()['id']}").json()
    assert job["status"] == "failed" and job["result"] is None
    assert job["error"] == "queue 'Sales' has no contacts or interval reports to forecast from"
    assert _count(settings, Schedule) == 0
    assert _count(settings, ScheduledShift) == 0
    assert _count(settings, Forecast) == 0
    direct = client.post("/api/v1/schedules", json={"site": "Main", "week": WEEK})
    assert direct.status_code == 422 and "no contacts" in direct.json()["message"]
    assert _count(settings, Schedule) == 0


def test_a_version_left_building_by_the_old_mechanism_says_so(
    settings: Settings, admin_client: TestClient
) -> None:
    from ccops.org.models import Site
    from ccops.wfm.schedules import common as schedule_common

    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        make_small_site(s)
        site = s.query(Site).filter_by(name="Main").one()
        old = schedule_common.new_record(
            session=s, site=site, week=WEEK, created_by="x", status="building"
        )
        s.commit()
        old_id = old.id
    engine.dispose()
    page = admin_client.get(f"/schedules/{old_id}")
    assert page.status_code == 200 and 'id="legacy-build"' in page.text
    assert 'id="publish-form"' not in page.text
    refused = admin_client.post(f"/api/v1/schedules/{old_id}/publish")
    assert refused.status_code == 409 and "schedule" in refused.json()["message"]
