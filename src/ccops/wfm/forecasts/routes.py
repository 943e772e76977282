"""Forecasts and special days: JSON API under /api/v1/forecasts.

Building and adjusting are for planners, managers and admins of the sites in scope; executives
read. A forecast id is typed (``{forecast_id:int}``), so no id path shadows a literal one such
as ``/api/v1/forecasts/special-days``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from ccops.ids import RowId
from ccops.jobs.schemas import JobOut
from ccops.web import jobs as web_jobs
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.forecasts import jobs as forecast_jobs
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts import special_days as special_day_service

forecasts = APIRouter(prefix="/api/v1/forecasts", tags=["forecasts"])
special_days = APIRouter(prefix="/api/v1/forecasts/special-days", tags=["forecasts"])

PlanReader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]
PlanWriter = Annotated[Principal, Depends(require(*permissions.FORECASTS_WRITE, write=True))]


@forecasts.post("", response_model=schemas.ForecastDetailOut, status_code=201)
def build_forecast(
    data: schemas.ForecastBuildIn, session: SessionDep, user: PlanWriter
) -> schemas.ForecastDetailOut:
    """Backtest the methods on a queue's history and store a forecast with the best one.

    This call waits for the build (seconds to a minute on long histories), for scripts. To
    build in the background instead, POST the same body to /api/v1/forecasts/jobs: it answers
    202 with a job at once; poll GET /api/v1/jobs/{job_id} for its progress, and its result
    holds the forecast_id when it is done.
    """
    return forecast_service.build_forecast(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@forecasts.post("/jobs", response_model=JobOut, status_code=202)
def submit_forecast_build(
    data: schemas.ForecastBuildIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: PlanWriter,
) -> JobOut:
    """Queue a forecast build as a background job; poll GET /api/v1/jobs/{job_id}."""
    job = forecast_jobs.submit_forecast_build(
        session=session, data=data, created_by=user.login, scope=user.scope
    )
    web_jobs.dispatch(request, background, job)
    return job


@forecasts.post("/backtest", response_model=list[schemas.BacktestRowOut])
def backtest(
    data: schemas.BacktestIn, session: SessionDep, user: PlanWriter
) -> list[schemas.BacktestRowOut]:
    """Measure every method's accuracy on a queue's history (stores nothing)."""
    return forecast_service.backtest_queue(session=session, data=data, scope=user.scope)


@forecasts.get("", response_model=list[schemas.ForecastOut])
def list_forecasts(
    session: SessionDep, user: PlanReader, queue: str | None = None
) -> list[schemas.ForecastOut]:
    """List stored forecasts, newest first."""
    return forecast_service.list_forecasts(session=session, queue=queue, scope=user.scope)


@forecasts.get("/{forecast_id:int}", response_model=schemas.ForecastDetailOut)
def show_forecast(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.ForecastDetailOut:
    """Return a forecast with its intervals and adjusted volumes."""
    return forecast_service.get_forecast(session=session, forecast_id=forecast_id, scope=user.scope)


@forecasts.post("/{forecast_id:int}/adjustments", response_model=schemas.ForecastDetailOut)
def adjust_forecast(
    forecast_id: RowId, data: schemas.AdjustmentIn, session: SessionDep, user: PlanWriter
) -> schemas.ForecastDetailOut:
    """Add an adjustment layer (a factor on a day or interval range)."""
    return forecast_service.adjust_forecast(
        session=session,
        forecast_id=forecast_id,
        data=data,
        created_by=user.login,
        scope=user.scope,
    )


@forecasts.get("/{forecast_id:int}/accuracy", response_model=schemas.AccuracyOut)
def forecast_accuracy(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.AccuracyOut:
    """Compare a forecast with what arrived, per interval and overall."""
    return forecast_service.forecast_vs_actual(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@special_days.post("", response_model=schemas.SpecialDayOut, status_code=201)
def add_special_day(
    data: schemas.SpecialDayIn, session: SessionDep, user: PlanWriter
) -> schemas.SpecialDayOut:
    """Store a special day of a site or queue for future forecasts."""
    return special_day_service.add_special_day(session=session, data=data, scope=user.scope)


@special_days.get("", response_model=list[schemas.SpecialDayOut])
def list_special_days(
    session: SessionDep, user: PlanReader, site: str | None = None
) -> list[schemas.SpecialDayOut]:
    """List stored special days."""
    return special_day_service.list_special_days(session=session, site=site, scope=user.scope)


routers: tuple[APIRouter, ...] = (forecasts, special_days)
