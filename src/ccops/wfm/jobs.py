"""Workforce jobs: forecast and schedule builds run in the background with their progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.wfm import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import schemas as schedule_schemas

FORECAST_BUILD = "forecast.build"


@registry.register(FORECAST_BUILD)
def run_forecast_build(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Build and store the forecast a job describes; return its id."""
    data = schemas.ForecastBuildIn.model_validate(params["data"])
    out = forecast_service.build_forecast(
        session=session, data=data, created_by=str(params["created_by"]), progress=progress
    )
    return {
        "forecast_id": out.id,
        "method": out.method,
        "intervals": len(out.intervals),
        "build_seconds": out.build_seconds,
    }


def submit_forecast_build(
    *,
    session: Session,
    data: schemas.ForecastBuildIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> JobOut:
    """Queue a forecast build after checking the queue exists and is in the user's scope."""
    forecast_service.queue_in_scope(session=session, name=data.queue, scope=scope)
    return jobs_service.submit(
        session=session,
        kind=FORECAST_BUILD,
        params={"data": data.model_dump(mode="json"), "created_by": created_by},
        created_by=created_by,
    )


SCHEDULE_BUILD = "schedule.build"


@registry.register(SCHEDULE_BUILD)
def run_schedule_build(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Build and store the schedule version a job describes; return its id and measures."""
    data = schedule_schemas.BuildIn.model_validate(params["data"])
    out = schedule_build.run_build(
        session=session, data=data, created_by=str(params["created_by"]), progress=progress
    )
    return {
        "schedule_id": out.id,
        "site": out.site,
        "week": out.week,
        "version": out.version,
        "gap": out.gap,
        "paid_hours": out.paid_hours,
        "under_coverage_h": out.under_coverage_h,
        "solve_s": out.solve_s,
    }


def submit_schedule_build(
    *,
    session: Session,
    data: schedule_schemas.BuildIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> JobOut:
    """Queue a schedule build after checking the site is in scope and the week is valid."""
    schedule_build.check_build(session=session, data=data, scope=scope)
    return jobs_service.submit(
        session=session,
        kind=SCHEDULE_BUILD,
        params={"data": data.model_dump(mode="json"), "created_by": created_by},
        created_by=created_by,
    )
