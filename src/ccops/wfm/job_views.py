"""How the job-progress page shows workforce jobs: forecast and schedule builds.

A build is seen by the planners, managers and admins who may build, and only while the queue
or site it builds for is in their scope; a finished build links to the forecast or schedule.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ccops.errors import NotFound
from ccops.jobs import registry
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.web import permissions
from ccops.wfm import jobs as wfm_jobs


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


def _schedule_title(job: JobOut, _: registry.Gettext) -> str:
    data = job.params["data"]
    return _("Schedule of %(site)s, %(week)s") % {"site": data["site"], "week": data["week"]}


def _schedule_result(job: JobOut, _: registry.Gettext) -> tuple[str, str] | None:
    if not job.result:
        return None
    label = _("Open schedule version %(v)s") % {"v": job.result["version"]}
    return f"/schedules/{job.result['schedule_id']}", label


def _schedule_in_scope(session: Session, job: JobOut, scope: org_service.Scope) -> bool:
    try:
        site = org_service.get_site(session=session, name=job.params["data"]["site"])
    except NotFound:
        return False
    return scope.allows_site(site.id)


registry.describe(
    wfm_jobs.FORECAST_BUILD,
    registry.JobView(
        roles=permissions.FORECASTS_WRITE,
        title=_forecast_title,
        result=_forecast_result,
        in_scope=_forecast_in_scope,
    ),
)
registry.describe(
    wfm_jobs.SCHEDULE_BUILD,
    registry.JobView(
        roles=permissions.SCHEDULE_WRITE,
        title=_schedule_title,
        result=_schedule_result,
        in_scope=_schedule_in_scope,
    ),
)
