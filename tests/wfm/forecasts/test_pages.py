"""The forecast pages: build as a job with progress, adjust, requirement and capacity plan
forms (errors marked, input kept), executives read only; and the jobs API."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.jobs.models import Job
from ccops.web.app import create_app
from ccops.wfm.forecasts.models import Forecast
from tests.factories.history import add_history
from tests.factories.web import World, sign_in

FIRST = date(2026, 5, 11)


@pytest.fixture
def world_jobs(world: World) -> World:
    """The two-site world with 21 days of Sales history; jobs run right after their request."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        add_history(s, queue="Sales", first_day=FIRST, days=21)
        s.commit()
    engine.dispose()
    settings = world.settings.model_copy(update={"jobs_in_app": "after_response"})
    return World(settings, world.tokens)


def _count(world: World, model: type) -> int:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def _planner(world: World) -> tuple[TestClient, str]:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    return client, sign_in(client, "u-planner")


BUILD = {
    "queue": "Sales",
    "horizon_days": "7",
    "interval_min": "30",
    "methods": ["SeasonalNaive", "HistoricalAverage"],
    "backtest_weeks": "1",
}


def test_a_planner_builds_a_forecast_as_a_job_and_reads_it(world_jobs: World) -> None:
    client, csrf = _planner(world_jobs)
    page = client.get("/forecasts")
    assert page.status_code == 200 and 'id="build-form"' in page.text
    built = client.post("/forecasts", data={**BUILD, "csrf_token": csrf})
    assert built.status_code == 303, built.text
    job_id = int(built.headers["location"].rsplit("#job-", 1)[1])
    progress = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
    api_job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert api_job["status"] == "done" and api_job["progress"] == 1.0
    forecast_id = api_job["result"]["forecast_id"]
    assert progress.headers["HX-Redirect"] == f"/forecasts/{forecast_id}"
    assert 'data-status="done"' in progress.text

    shown = client.get(f"/forecasts/{forecast_id}")
    assert shown.status_code == 200
    api = client.get(f"/api/v1/forecasts/{forecast_id}").json()
    rows = re.findall(r'<tr data-method="(\w+)" data-horizon="(\d+)"', shown.text)
    assert rows == [(r["method"], str(r["horizon_days"])) for r in api["accuracy"]]
    assert {m for m, _h in rows} == {"SeasonalNaive", "HistoricalAverage"}
    assert shown.text.count("✓ chosen") == sum(r["chosen"] for r in api["accuracy"]) > 0
    assert 'data-forecast-chart="forecast-chart-data"' in shown.text
    assert '"band95":' in shown.text and '"lo80":' in shown.text
    # beside each band, how often it held the actuals in the backtest: over the horizon and on
    # its last day alone (per-lead-day calibration), and in the chart's legend at 7 days
    chosen7 = next(r for r in api["accuracy"] if r["chosen"] and r["horizon_days"] == 7)
    cells = re.search(
        r'<tr data-horizon="7"><th scope="row">7</th>\s*<td data-col="cov80">([^<]+)</td>\s*'
        r'<td data-col="lead80">([^<]+)</td>',
        shown.text,
    )
    assert cells is not None
    assert cells.group(1).startswith(f"{100 * chosen7['calibrated_coverage80']:.1f}%")
    assert cells.group(2) == f"{100 * chosen7['lead_coverage80'][-1]:.1f}%"
    held = f"held {100 * chosen7['calibrated_coverage80']:.0f}% of the actuals in the backtest"
    assert f"80% prediction interval, {held} (days 1 to 7)" in shown.text
    day = api["first_day"]
    total = sum(iv["volume"] for iv in api["intervals"] if iv["local_start"].startswith(day))
    daily = re.search(rf'<tr data-day="{day}">.*?data-col="forecast">([^<]+)<', shown.text, re.S)
    assert daily and daily.group(1) == f"{total:,.1f}"


def test_the_build_form_marks_bad_fields_keeps_input_and_queues_nothing(
    world_jobs: World,
) -> None:
    client, csrf = _planner(world_jobs)
    bad = client.post("/forecasts", data={**BUILD, "horizon_days": "many", "csrf_token": csrf})
    assert bad.status_code == 422
    assert 'id="f-horizon_days" name="horizon_days" type="number" value="many"' in bad.text
    assert 'aria-invalid="true" aria-describedby="e-horizon_days"' in bad.text
    assert "Enter a whole number." in bad.text
    outside = client.post("/forecasts", data={**BUILD, "queue": "Support", "csrf_token": csrf})
    assert outside.status_code == 422 and "Outside your scope." in outside.text
    assert _count(world_jobs, Job) == 0


def test_adjust_requirement_and_capacity_forms(world_jobs: World) -> None:
    client, csrf = _planner(world_jobs)
    api = TestClient(
        create_app(world_jobs.settings),
        headers={"Authorization": f"Bearer {world_jobs.tokens[Role.planner]}"},
    )
    body = {**BUILD, "horizon_days": 7, "interval_min": 30, "backtest_weeks": 1}
    forecast_id = api.post("/api/v1/forecasts", json=body).json()["id"]
    first = api.get(f"/api/v1/forecasts/{forecast_id}").json()["first_day"]

    bad = client.post(
        f"/forecasts/{forecast_id}/adjustments",
        data={"day": first, "factor": "-2", "reason": "", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert 'aria-describedby="e-factor"' in bad.text and 'aria-describedby="e-reason"' in bad.text
    assert 'name="factor" type="number" value="-2"' in bad.text
    ok = client.post(
        f"/forecasts/{forecast_id}/adjustments",
        data={"day": first, "factor": "1.5", "reason": "launch", "csrf_token": csrf},
    )
    assert ok.status_code == 303
    adjusted = api.get(f"/api/v1/forecasts/{forecast_id}").json()
    assert [a["factor"] for a in adjusted["adjustments"]] == [1.5]
    page = client.get(f"/forecasts/{forecast_id}").text
    total = sum(
        iv["adjusted_volume"] for iv in adjusted["intervals"] if iv["local_start"].startswith(first)
    )
    cell = re.search(rf'<tr data-day="{first}">.*?data-col="adjusted">([^<]+)<', page, re.S)
    assert cell and cell.group(1).strip() == f"{total:,.1f}"

    bad_req = client.post(
        f"/forecasts/{forecast_id}/requirements",
        data={
            "breaks_pct": "60",
            "training_pct": "50",
            "coaching_pct": "x",
            "meetings_pct": "0",
            "absence_pct": "0",
            "patience_s": "",
            "csrf_token": csrf,
        },
    )
    assert (
        bad_req.status_code == 422 and 'name="coaching_pct" type="number" value="x"' in bad_req.text
    )
    req = client.post(
        f"/forecasts/{forecast_id}/requirements",
        data={
            "breaks_pct": "10",
            "training_pct": "5",
            "coaching_pct": "0",
            "meetings_pct": "0",
            "absence_pct": "5",
            "patience_s": "",
            "csrf_token": csrf,
        },
    )
    assert req.status_code == 303
    req_page = client.get(req.headers["location"])
    assert req_page.status_code == 200 and "Erlang C" in req_page.text

    cap = client.post(
        f"/forecasts/{forecast_id}/capacity-plans",
        data={
            "current_fte": "5",
            "hours_per_fte_week": "40",
            "occupancy_pct": "85",
            "shrinkage_pct": "30",
            "attrition_pct": "0.5",
            "lead_time_weeks": "2",
            "training_weeks": "2",
            "ramp": "0.5, 0.8",
            "weeks": "8",
            "csrf_token": csrf,
        },
    )
    assert cap.status_code == 303, cap.text
    plan_id = int(cap.headers["location"].rsplit("/", 1)[1])
    plan = api.get(f"/api/v1/capacity-plans/{plan_id}").json()
    assert [p["id"] for p in api.get("/api/v1/capacity-plans").json()] == [plan_id]
    shown = client.get(f"/capacity-plans/{plan_id}").text
    assert f'data-out="total_hires">{plan["total_hires"]}<' in shown
    assert client.get("/capacity-plans").status_code == 200
    bad_cap = client.post(
        f"/forecasts/{forecast_id}/capacity-plans",
        data={
            "current_fte": "5",
            "hours_per_fte_week": "40",
            "occupancy_pct": "85",
            "shrinkage_pct": "30",
            "attrition_pct": "0.5",
            "lead_time_weeks": "2",
            "training_weeks": "2",
            "ramp": "half",
            "weeks": "8",
            "csrf_token": csrf,
        },
    )
    assert bad_cap.status_code == 422 and 'value="half"' in bad_cap.text

    executive = TestClient(create_app(world_jobs.settings), follow_redirects=False)
    exec_csrf = sign_in(executive, "u-executive")
    read = executive.get(f"/forecasts/{forecast_id}")
    assert read.status_code == 200 and 'id="adjust-form"' not in read.text
    refused = executive.post(
        f"/forecasts/{forecast_id}/adjustments",
        data={"day": first, "factor": "2", "reason": "x", "csrf_token": exec_csrf},
    )
    assert refused.status_code == 403
    assert _count(world_jobs, Forecast) == 1


def test_the_jobs_api_builds_in_the_background_and_shows_only_your_jobs(
    world_jobs: World,
) -> None:
    planner = world_jobs.client(Role.planner)
    body = {"queue": "Sales", "horizon_days": 3, "interval_min": 30, "methods": ["SeasonalNaive"]}
    queued = planner.post("/api/v1/forecasts/jobs", json=body)
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    job_id = queued.json()["id"]
    done = planner.get(f"/api/v1/jobs/{job_id}").json()
    assert done["status"] == "done" and done["kind"] == "forecast.build"
    forecast = planner.get(f"/api/v1/forecasts/{done['result']['forecast_id']}").json()
    assert len(forecast["intervals"]) == 3 * 48
    assert world_jobs.client(Role.manager).get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert world_jobs.client(Role.admin).get(f"/api/v1/jobs/{job_id}").status_code == 200
    assert [j["id"] for j in planner.get("/api/v1/jobs").json()] == [job_id]

    missing = planner.post("/api/v1/forecasts/jobs", json={**body, "queue": "Nope"})
    assert missing.status_code == 404
    bad = planner.post("/api/v1/forecasts/jobs", json={**body, "horizon_days": 0})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "horizon_days"
    too_far = planner.post("/api/v1/forecasts/jobs", json={**body, "horizon_days": 300})
    failed = planner.get(f"/api/v1/jobs/{too_far.json()['id']}").json()
    assert failed["status"] == "failed" and "horizon_days" in failed["error"]
    assert _count(world_jobs, Forecast) == 1


def test_the_app_runs_jobs_in_its_own_thread_when_the_setting_says_so(world_jobs: World) -> None:
    settings = world_jobs.settings.model_copy(update={"jobs_in_app": "thread", "jobs_poll_s": 0.1})
    headers = {"Authorization": f"Bearer {world_jobs.tokens[Role.planner]}"}
    body = {"queue": "Sales", "horizon_days": 2, "interval_min": 30, "methods": ["SeasonalNaive"]}
    with TestClient(create_app(settings), headers=headers) as client:  # runs the lifespan
        job_id = client.post("/api/v1/forecasts/jobs", json=body).json()["id"]
        deadline = time.monotonic() + 120
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
            job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "done" and job["progress"] == 1.0
    assert _count(world_jobs, Forecast) == 1
