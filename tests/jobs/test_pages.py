"""One job-progress page for every job kind: /jobs/{id}, polled by htmx while the job runs.

Each kind (forecast and schedule builds) is shown finished, running and failed, to its
submitter; other users, roles the kind does not admit and jobs outside the user's scope are
refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ccops.db import make_engine, utcnow
from ccops.enums import Role
from ccops.jobs.models import Job
from tests.factories.web import World

FORECAST = {
    "kind": "forecast.build",
    "params": {"data": {"queue": "Sales"}, "created_by": "u-planner"},
    "result": {"forecast_id": 7, "method": "SeasonalNaive"},
    "title": "Forecast of Sales",
    "href": "/forecasts/7",
    "link": "Open forecast 7",
}
SCHEDULE = {
    "kind": "schedule.build",
    "params": {"data": {"site": "Main", "week": "2026-W10"}, "created_by": "u-planner"},
    "result": {"schedule_id": 3, "site": "Main", "week": "2026-W10", "version": 2},
    "title": "Schedule of Main, 2026-W10",
    "href": "/schedules/3",
    "link": "Open schedule version 2",
}
HTMX = {"HX-Request": "true"}


def _add_job(
    world: World,
    *,
    kind: str,
    params: dict[str, Any],
    status: str,
    by: str = "u-planner",
    result: dict[str, Any] | None = None,
) -> int:
    engine = make_engine(world.settings.resolved_database_url())
    try:
        with Session(engine) as s, s.begin():
            job = Job(
                kind=kind,
                params_json=json.dumps(params),
                status=status,
                progress={"queued": 0.0, "running": 0.4, "done": 1.0, "failed": 0.4}[status],
                message={"running": "backtesting the methods"}.get(status, status),
                result_json=json.dumps(result) if status == "done" else None,
                error="Invalid: no history before the horizon" if status == "failed" else None,
                created_by=by,
                started_at=None if status == "queued" else utcnow(),
                finished_at=utcnow() if status in ("done", "failed") else None,
            )
            s.add(job)
            s.flush()
            return job.id
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", [FORECAST, SCHEDULE], ids=["forecast", "schedule"])
def test_a_finished_job_links_to_its_result_and_htmx_moves_on(
    world: World, kind: dict[str, Any]
) -> None:
    job_id = _add_job(
        world, kind=kind["kind"], params=kind["params"], status="done", result=kind["result"]
    )
    client = world.client(Role.planner)
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200, page.text
    assert f"<h1>{kind['title']}</h1>" in page.text and "<nav" in page.text
    assert f'<a href="{kind["href"]}" id="job-result-{job_id}" data-job-result>' in page.text
    assert kind["link"] in page.text and 'data-status="done"' in page.text
    assert "hx-trigger" not in page.text and "HX-Redirect" not in page.headers
    polled = client.get(f"/jobs/{job_id}", headers=HTMX)
    assert polled.status_code == 200 and polled.headers["HX-Redirect"] == kind["href"]
    assert "<nav" not in polled.text
    assert f'id="job-{job_id}"' in polled.text


@pytest.mark.parametrize("kind", [FORECAST, SCHEDULE], ids=["forecast", "schedule"])
def test_a_running_job_is_polled_until_it_ends(world: World, kind: dict[str, Any]) -> None:
    job_id = _add_job(world, kind=kind["kind"], params=kind["params"], status="running")
    client = world.client(Role.planner)
    for headers in ({}, HTMX):
        shown = client.get(f"/jobs/{job_id}", headers=headers)
        assert shown.status_code == 200
        assert f'hx-get="/jobs/{job_id}" hx-trigger="every 1s"' in shown.text
        assert 'data-status="running"' in shown.text and "backtesting the methods" in shown.text
        assert "40%" in shown.text and kind["title"] in shown.text
        assert "HX-Redirect" not in shown.headers and "data-job-result" not in shown.text
    queued = _add_job(world, kind=kind["kind"], params=kind["params"], status="queued")
    waiting = client.get(f"/jobs/{queued}", headers=HTMX)
    assert "waiting for a worker" in waiting.text and "hx-trigger" in waiting.text


@pytest.mark.parametrize("kind", [FORECAST, SCHEDULE], ids=["forecast", "schedule"])
def test_a_failed_job_says_why_and_stops_polling(world: World, kind: dict[str, Any]) -> None:
    job_id = _add_job(world, kind=kind["kind"], params=kind["params"], status="failed")
    client = world.client(Role.planner)
    for headers in ({}, HTMX):
        shown = client.get(f"/jobs/{job_id}", headers=headers)
        assert shown.status_code == 200 and 'data-status="failed"' in shown.text
        assert "failed: nothing was stored" in shown.text
        assert "no history before the horizon" in shown.text
        assert "hx-trigger" not in shown.text and "HX-Redirect" not in shown.headers


@pytest.mark.parametrize("kind", [FORECAST, SCHEDULE], ids=["forecast", "schedule"])
def test_who_may_not_see_a_job(world: World, kind: dict[str, Any]) -> None:
    job_id = _add_job(
        world, kind=kind["kind"], params=kind["params"], status="done", result=kind["result"]
    )
    # another planner-like user in the same scope: not theirs, so it looks absent
    assert world.client(Role.manager).get(f"/jobs/{job_id}").status_code == 404
    assert world.client(Role.agent).get(f"/jobs/{job_id}").status_code == 404
    # admins see every job
    assert world.client(Role.admin).get(f"/jobs/{job_id}").status_code == 200
    # a role the kind does not admit, even on a job in its own name
    own = _add_job(world, kind=kind["kind"], params=kind["params"], status="running", by="u-qa")
    assert world.client(Role.qa_analyst).get(f"/jobs/{own}").status_code == 403
    # about a queue or site outside the user's scope (the Other site)
    data = {"queue": "Support"} if kind is FORECAST else {"site": "Other", "week": "2026-W10"}
    outside = _add_job(world, kind=kind["kind"], params={"data": data}, status="running")
    assert world.client(Role.planner).get(f"/jobs/{outside}").status_code == 404
    assert world.client(Role.admin).get(f"/jobs/{outside}").status_code == 200


def test_a_kind_without_a_view_is_for_admins_only(world: World) -> None:
    job_id = _add_job(world, kind="test.unshown", params={}, status="done", result={"n": 1})
    assert world.client(Role.planner).get(f"/jobs/{job_id}").status_code == 403
    shown = world.client(Role.admin).get(f"/jobs/{job_id}")
    assert shown.status_code == 200 and "<h1>job " in shown.text
    assert "data-job-result" not in shown.text


def test_missing_and_malformed_job_ids(world: World) -> None:
    client = world.client(Role.planner)
    assert client.get("/jobs/999").status_code == 404
    assert client.get("/jobs/abc").status_code == 404
    assert world.client().get("/jobs/999").status_code == 303


def test_a_list_page_can_show_the_same_cards() -> None:
    from ccops.jobs import registry
    from ccops.jobs.schemas import JobOut, JobStatus

    job = JobOut(
        id=5,
        kind="schedule.build",
        params=SCHEDULE["params"],
        status=JobStatus.done,
        progress=1.0,
        message="done",
        result=SCHEDULE["result"],
        error=None,
        created_by="u-planner",
        created_at=utcnow(),
        started_at=None,
        finished_at=None,
    )
    card = registry.card(job, lambda message: message)
    assert card.title == SCHEDULE["title"] and card.result == (SCHEDULE["href"], SCHEDULE["link"])
    failed = registry.card(job.model_copy(update={"status": JobStatus.failed}), str)
    assert failed.result is None
