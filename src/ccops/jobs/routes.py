"""Jobs over the JSON API: a user reads the jobs they submitted (admins: every job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.enums import Role
from ccops.ids import RowId
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

Reader = Annotated[Principal, Depends(require(*permissions.SIGNED_IN))]


def owner_filter(user: Principal) -> str | None:
    """The login whose jobs ``user`` may read (None: every job, for admins)."""
    return None if user.role == Role.admin else user.login


@router.get("/{job_id}", response_model=JobOut)
def show_job(job_id: RowId, session: SessionDep, user: Reader) -> JobOut:
    """Return a job you submitted (admins: any job): status, progress, result or error."""
    return jobs_service.get(session=session, job_id=job_id, login=owner_filter(user))


@router.get("", response_model=list[JobOut])
def list_jobs(session: SessionDep, user: Reader) -> list[JobOut]:
    """List the newest 50 jobs you submitted (admins: everyone's)."""
    return jobs_service.list_own(session=session, login=owner_filter(user))


routers: tuple[APIRouter, ...] = (router,)
