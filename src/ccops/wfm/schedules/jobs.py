"""Schedule builds as background jobs with their progress (kind ``schedule.build``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.errors import NotFound
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.web import permissions
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import schemas as schedule_schemas

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


# How the job-progress page shows this kind: planners, managers and admins who may build see it
# while what it builds for is in their scope; a finished build links to its result.


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
    SCHEDULE_BUILD,
    registry.JobView(
        roles=permissions.SCHEDULE_WRITE,
        title=_schedule_title,
        result=_schedule_result,
        in_scope=_schedule_in_scope,
    ),
)
