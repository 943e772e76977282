"""`ccops jobs work/list/show`, `ccops capacity list/show` and the build's progress bar."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.wfm.forecasts import jobs as forecast_jobs
from ccops.wfm.forecasts import schemas
from ccops.wfm.schedules import jobs as schedule_jobs
from tests.factories import make_org
from tests.factories.history import add_history


@pytest.fixture
def history(session: Session) -> None:
    make_org(session, timezone="Asia/Shanghai", queues=("Sales",))
    add_history(session, queue="Sales", first_day=date(2026, 5, 11), days=14)
    session.commit()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.usefixtures("history")
def test_the_worker_runs_a_queued_forecast_build(cli: CliRunner, session: Session) -> None:
    data = schemas.ForecastBuildIn(
        queue="Sales", horizon_days=3, interval_min=30, methods=["SeasonalNaive"]
    )
    job = forecast_jobs.submit_forecast_build(session=session, data=data, created_by="pat")
    session.commit()
    out = _ok(cli, "jobs", "work", "--once")
    assert f"job {job.id} forecast.build: done" in out
    shown = json.loads(_ok(cli, "jobs", "show", str(job.id), "--json"))
    assert shown["status"] == "done" and shown["progress"] == 1.0
    forecast = json.loads(
        _ok(cli, "forecast", "show", str(shown["result"]["forecast_id"]), "--json")
    )
    assert forecast["created_by"] == "pat" and len(forecast["intervals"]) == 3 * 48
    listed = json.loads(_ok(cli, "jobs", "list", "--json"))
    assert [j["id"] for j in listed] == [job.id]
    missing = cli.invoke(app, ["jobs", "show", "999"])
    assert missing.exit_code != 0 and "job 999 does not exist" in missing.output


@pytest.mark.usefixtures("history")
def test_build_prints_a_table_and_capacity_plans_list_and_show(cli: CliRunner) -> None:
    out = _ok(
        cli,
        "forecast",
        "build",
        "--queue",
        "Sales",
        "--horizon-days",
        "7",
        "--interval",
        "30",
        "--method",
        "SeasonalNaive",
        "--backtest-weeks",
        "1",
    )
    assert "Daily totals" in out and "built in" in out
    fid = json.loads(_ok(cli, "forecast", "list", "--json"))[0]["id"]
    plan = json.loads(
        _ok(
            cli,
            "capacity",
            "plan",
            "--forecast",
            str(fid),
            "--current-fte",
            "3",
            "--weeks",
            "4",
            "--json",
        )
    )
    listed = json.loads(_ok(cli, "capacity", "list", "--json"))
    assert [(p["id"], p["forecast_id"]) for p in listed] == [(plan["id"], fid)]
    assert "weeks" not in listed[0]
    shown = json.loads(_ok(cli, "capacity", "show", str(plan["id"]), "--json"))
    assert shown == plan
    assert "Capacity plan" in _ok(cli, "capacity", "show", str(plan["id"]))
    bad = cli.invoke(app, ["capacity", "show", "999"])
    assert bad.exit_code != 0 and "capacity plan 999 does not exist" in bad.output


def test_the_worker_retries_jobs_a_dead_worker_left_running_then_fails_them(
    cli: CliRunner, session: Session
) -> None:
    """Was: the worker failed such a job at once. Now it is queued again while it has attempts
    left (tests/jobs/test_workers.py), and a job on its last attempt (of 3) fails with a message
    that counts them."""
    from sqlalchemy import update

    from ccops.db import utcnow
    from ccops.jobs import service as jobs_service
    from ccops.jobs.models import Job

    job = jobs_service.submit(
        session=session, kind=schedule_jobs.SCHEDULE_BUILD, params={}, created_by="pat"
    )
    assert jobs_service.claim(session=session, job_id=job.id) == job.id
    heard = utcnow() - timedelta(minutes=4)
    session.execute(
        update(Job).where(Job.id == job.id).values(attempts=3, started_at=heard, heartbeat_at=heard)
    )
    session.commit()
    young = cli.invoke(app, ["jobs", "work", "--once"])  # the default limit is 5 min
    assert young.exit_code == 0 and "failed" not in young.output
    out = " ".join(_ok(cli, "jobs", "work", "--once", "--stale-after-s", "60").split())
    assert (
        f"job {job.id} schedule.build: failed the worker running this job stopped without "
        "finishing it, 3 times (3 of 3 attempts)"
    ) in out
    shown = json.loads(_ok(cli, "jobs", "show", str(job.id), "--json"))
    assert shown["status"] == "failed" and shown["attempts"] == 3
    assert "not heard from for 4 min since" in shown["error"]
    assert "(the limit is 1 min)" in shown["error"]
