"""Schedule builds as background jobs with their progress (kind ``schedule.build``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.org import service as org_service
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules import service as schedule_service

SCHEDULE_BUILD = "schedule.build"


@registry.register(SCHEDULE_BUILD)
def run_schedule_build(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Build and store the schedule version a job describes; return its id and measures."""
    data = schedule_schemas.BuildIn.model_validate(params["data"])
    out = schedule_service.run_build(
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
    schedule_service.check_build(session=session, data=data, scope=scope)
    return jobs_service.submit(
        session=session,
        kind=SCHEDULE_BUILD,
        params={"data": data.model_dump(mode="json"), "created_by": created_by},
        created_by=created_by,
    )
