"""Forecast builds as background jobs with their progress (kind ``forecast.build``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.errors import NotFound
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.web import permissions
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


# How the job-progress page shows this kind: planners, managers and admins who may build see it
# while what it builds for is in their scope; a finished build links to its result.


def _forecast_title(job: JobOut, _: registry.Gettext) -> str:
    return _("Forecast of %(queue)s") % {"queue": job.params["data"]["queue"]}


def _forecast_result(job: JobOut, _: registry.Gettext) -> tuple[str, str] | None:
    if not job.result:
        return None
    forecast_id = job.result["forecast_id"]
    return f"/forecasts/{forecast_id}", _("Open forecast %(id)s") % {"id": forecast_id}


def _forecast_in_scope(session: Session, job: JobOut, scope: org_service.Scope) -> bool:
    try:
        queue = org_service.get_queue(session=session, name=job.params["data"]["queue"])
    except NotFound:
        return False
    return scope.allows_site(queue.site_id)


registry.describe(
    FORECAST_BUILD,
    registry.JobView(
        roles=permissions.FORECASTS_WRITE,
        title=_forecast_title,
        result=_forecast_result,
        in_scope=_forecast_in_scope,
    ),
)
