"""Forecast builds as background jobs with their progress (kind ``forecast.build``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as forecast_service

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
