"""Schedules: the JSON API under /api/v1/schedules (build, list, read, publish, edit; time off,
availability and preferences of people). The pages and the calendar feed are in ``pages``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from ccops.ids import RowId
from ccops.jobs.schemas import JobOut
from ccops.web import jobs as web_jobs
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import jobs as schedule_jobs
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas
from ccops.wfm.schedules import setup as schedule_setup

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]
TimeOffWriter = Annotated[Principal, Depends(require(*permissions.TIME_OFF, write=True))]
Anyone = Annotated[Principal, Depends(require(*permissions.MY_SCHEDULE))]


@router.post("", response_model=schemas.ScheduleDetailOut, status_code=201)
def build(data: schemas.BuildIn, session: SessionDep, user: Writer) -> schemas.ScheduleDetailOut:
    """Build a site's week into a new draft version and return it (waits for the solve).

    To build in the background instead, POST the same body to /api/v1/schedules/jobs: it
    answers 202 with a job; poll GET /api/v1/jobs/{job_id}, whose result names the schedule.
    """
    return schedule_build.build_schedule(
        session=session,
        site=data.site,
        week=data.week,
        created_by=user.login,
        scope=user.scope,
        options=data.options,
    )


@router.post("/jobs", response_model=JobOut, status_code=202)
def build_job(
    data: schemas.BuildIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: Writer,
) -> JobOut:
    """Queue a schedule build as a background job; poll GET /api/v1/jobs/{job_id}."""
    job = schedule_jobs.submit_schedule_build(
        session=session, data=data, created_by=user.login, scope=user.scope
    )
    web_jobs.dispatch(request, background, job)
    return job


@router.get("", response_model=list[schemas.ScheduleOut])
def list_schedules(
    session: SessionDep, user: Reader, site: str | None = None, week: str | None = None
) -> list[schemas.ScheduleOut]:
    """List schedule versions of the sites in scope, newest first."""
    return schedule_queries.list_schedules(session=session, site=site, week=week, scope=user.scope)


@router.get("/people/{login}/week", response_model=schemas.PersonWeekOut)
def person_week(login: str, week: str, session: SessionDep, user: Anyone) -> schemas.PersonWeekOut:
    """Return a person's published week (agents: their own; supervisors: their teams)."""
    schedule_common.check_week(week)
    return schedule_queries.person_week(session=session, login=login, week=week, scope=user.scope)


@router.get("/people/{login}/availability", response_model=schemas.AvailabilityOut)
def get_availability(login: str, session: SessionDep, user: Reader) -> schemas.AvailabilityOut:
    """Return when a person in scope can work (no spans: any time)."""
    return schedule_setup.list_availability(session=session, login=login, scope=user.scope)


@router.post("/people/{login}/availability", response_model=schemas.AvailabilityOut)
def put_availability(
    login: str, data: schemas.AvailabilityIn, session: SessionDep, user: TimeOffWriter
) -> schemas.AvailabilityOut:
    """Replace a person's availability (the next build respects it; published weeks stay)."""
    return schedule_setup.set_availability(
        session=session, login=login, data=data, scope=user.scope
    )


@router.get("/people/{login}/preferences", response_model=schemas.PreferencesOut)
def get_preferences(login: str, session: SessionDep, user: Reader) -> schemas.PreferencesOut:
    """Return a person's shift preferences (soft goals of the next build)."""
    return schedule_setup.list_preferences(session=session, login=login, scope=user.scope)


@router.post("/people/{login}/preferences", response_model=schemas.PreferencesOut)
def put_preferences(
    login: str, data: schemas.PreferencesIn, session: SessionDep, user: TimeOffWriter
) -> schemas.PreferencesOut:
    """Replace a person's shift preferences (the next build weighs them)."""
    return schedule_setup.set_preferences(session=session, login=login, data=data, scope=user.scope)


@router.get("/{schedule_id:int}", response_model=schemas.ScheduleDetailOut)
def get_schedule(
    schedule_id: RowId, session: SessionDep, user: Reader
) -> schemas.ScheduleDetailOut:
    """Return a schedule version: measures, coverage, shifts in scope, audit trail."""
    return schedule_queries.get_schedule(session=session, schedule_id=schedule_id, scope=user.scope)


@router.post("/{schedule_id:int}/publish", response_model=schemas.ScheduleOut)
def publish(schedule_id: RowId, session: SessionDep, user: Writer) -> schemas.ScheduleOut:
    """Publish a complete draft; the previous published version becomes superseded."""
    return schedule_publish.publish(
        session=session, schedule_id=schedule_id, published_by=user.login, scope=user.scope
    )


@router.post("/{schedule_id:int}/edits", response_model=schemas.ScheduleOut, status_code=201)
def edit(
    schedule_id: RowId, data: schemas.EditIn, session: SessionDep, user: Writer
) -> schemas.ScheduleOut:
    """Apply an edit (swap, time off granted) as a new draft version with an audit entry."""
    return schedule_edits.edit(
        session=session, schedule_id=schedule_id, data=data, edited_by=user.login, scope=user.scope
    )


@router.post("/time-off", response_model=schemas.TimeOffOut, status_code=201)
def add_time_off(
    data: schemas.TimeOffIn, session: SessionDep, user: TimeOffWriter
) -> schemas.TimeOffOut:
    """Record time off; against published cover it becomes a change request (pending)."""
    return schedule_setup.add_time_off(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router,)
