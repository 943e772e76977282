"""Schedules: JSON API under /api/v1/schedules, the pages under /schedules (week grid, coverage
chart, build as a job with progress, publish, one's own week) and the public iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import RowId
from ccops.enums import Role
from ccops.errors import CcopsError, Invalid, NotFound, Problem
from ccops.jobs import routes as jobs_routes
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut, JobStatus
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Site
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.requests import service as request_service
from ccops.wfm.schedules import jobs as schedule_jobs
from ccops.wfm.schedules import schemas, service
from ccops.wfm.schedules.labels import REQUEST_LABELS

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])
pages = APIRouter(prefix="/schedules", include_in_schema=False)
calendar = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]
TimeOffWriter = Annotated[Principal, Depends(require(*permissions.TIME_OFF, write=True))]
Anyone = Annotated[Principal, Depends(require(*permissions.MY_SCHEDULE))]
Builder = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE))]


@router.post("", response_model=schemas.ScheduleDetailOut, status_code=201)
def build(data: schemas.BuildIn, session: SessionDep, user: Writer) -> schemas.ScheduleDetailOut:
    """Build a site's week into a new draft version and return it (waits for the solve).

    To build in the background instead, POST the same body to /api/v1/schedules/jobs: it
    answers 202 with a job; poll GET /api/v1/jobs/{job_id}, whose result names the schedule.
    """
    return service.build_schedule(
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
    jobs_routes.dispatch(request, background, session, job)
    return job


@router.get("", response_model=list[schemas.ScheduleOut])
def list_schedules(
    session: SessionDep, user: Reader, site: str | None = None, week: str | None = None
) -> list[schemas.ScheduleOut]:
    """List schedule versions of the sites in scope, newest first."""
    return service.list_schedules(session=session, site=site, week=week, scope=user.scope)


@router.get("/people/{login}/week", response_model=schemas.PersonWeekOut)
def person_week(login: str, week: str, session: SessionDep, user: Anyone) -> schemas.PersonWeekOut:
    """Return a person's published week (agents: their own; supervisors: their teams)."""
    _check_week(week)
    return service.person_week(session=session, login=login, week=week, scope=user.scope)


@router.get("/people/{login}/availability", response_model=schemas.AvailabilityOut)
def get_availability(login: str, session: SessionDep, user: Reader) -> schemas.AvailabilityOut:
    """Return when a person in scope can work (no spans: any time)."""
    return service.list_availability(session=session, login=login, scope=user.scope)


@router.post("/people/{login}/availability", response_model=schemas.AvailabilityOut)
def put_availability(
    login: str, data: schemas.AvailabilityIn, session: SessionDep, user: TimeOffWriter
) -> schemas.AvailabilityOut:
    """Replace a person's availability (the next build respects it; published weeks stay)."""
    return service.set_availability(session=session, login=login, data=data, scope=user.scope)


@router.get("/people/{login}/preferences", response_model=schemas.PreferencesOut)
def get_preferences(login: str, session: SessionDep, user: Reader) -> schemas.PreferencesOut:
    """Return a person's shift preferences (soft goals of the next build)."""
    return service.list_preferences(session=session, login=login, scope=user.scope)


@router.post("/people/{login}/preferences", response_model=schemas.PreferencesOut)
def put_preferences(
    login: str, data: schemas.PreferencesIn, session: SessionDep, user: TimeOffWriter
) -> schemas.PreferencesOut:
    """Replace a person's shift preferences (the next build weighs them)."""
    return service.set_preferences(session=session, login=login, data=data, scope=user.scope)


@router.get("/{schedule_id}", response_model=schemas.ScheduleDetailOut)
def get_schedule(
    schedule_id: RowId, session: SessionDep, user: Reader
) -> schemas.ScheduleDetailOut:
    """Return a schedule version: measures, coverage, shifts in scope, audit trail."""
    return service.get_schedule(session=session, schedule_id=schedule_id, scope=user.scope)


@router.post("/{schedule_id}/publish", response_model=schemas.ScheduleOut)
def publish(schedule_id: RowId, session: SessionDep, user: Writer) -> schemas.ScheduleOut:
    """Publish a complete draft; the previous published version becomes superseded."""
    return service.publish(
        session=session, schedule_id=schedule_id, published_by=user.login, scope=user.scope
    )


@router.post("/{schedule_id}/edits", response_model=schemas.ScheduleOut, status_code=201)
def edit(
    schedule_id: RowId, data: schemas.EditIn, session: SessionDep, user: Writer
) -> schemas.ScheduleOut:
    """Apply an edit (swap, time off granted) as a new draft version with an audit entry."""
    return service.edit(
        session=session, schedule_id=schedule_id, data=data, edited_by=user.login, scope=user.scope
    )


@router.post("/time-off", response_model=schemas.TimeOffOut, status_code=201)
def add_time_off(
    data: schemas.TimeOffIn, session: SessionDep, user: TimeOffWriter
) -> schemas.TimeOffOut:
    """Record time off; against published cover it becomes a change request (pending)."""
    return service.add_time_off(session=session, data=data, created_by=user.login, scope=user.scope)


def _check_week(week: str) -> None:
    try:
        schemas.parse_week(week)
    except ValueError as exc:
        raise Invalid(str(exc), [Problem(str(exc), field="week")]) from None


# --- pages -----------------------------------------------------------------------------------


def _current_week() -> str:
    year, week, _ = (datetime.now(UTC).date() + timedelta(days=0)).isocalendar()
    return f"{year}-W{week:02d}"


def _sites(session: Session, user: Principal) -> list[str]:
    return [
        s.name
        for s in session.scalars(select(Site).order_by(Site.name))
        if user.scope.allows_site(s.id)
    ]


def _schedule_jobs(session: Session, user: Principal) -> list[JobOut]:
    jobs = jobs_service.list_own(session=session, login=user.login, limit=20)
    return [j for j in jobs if j.kind == schedule_jobs.SCHEDULE_BUILD][:5]


def index_response(
    request: Request,
    session: Session,
    user: Principal,
    state: forms.FormState | None = None,
    status_code: int = 200,
    decide_error: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The schedules page: versions, the build form and builds, and (for planners) the
    requests of people in scope waiting for a decision."""
    can_write = user.role in permissions.SCHEDULE_WRITE
    if state is None:
        state = forms.FormState(
            values={"site": (_sites(session, user) or [""])[0], "week": _current_week()}
        )
    return render(
        request,
        "wfm/schedules.html",
        {
            "rows": service.list_schedules(session=session, scope=user.scope),
            "form": state,
            "sites": _sites(session, user),
            "can_write": can_write,
            "jobs": _schedule_jobs(session, user) if can_write else [],
            "requests": request_service.list_for_planner(session=session, scope=user.scope)
            if can_write
            else [],
            "decide_error": decide_error,
            "request_labels": REQUEST_LABELS,
        },
        principal=user,
        status_code=status_code,
        active="schedules",
    )


@pages.get("", response_class=HTMLResponse)
def schedules_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Show the schedule versions and (for planners) the build form and their builds."""
    return index_response(request, session, user)


@pages.post("/build", response_class=HTMLResponse)
async def build_page(
    request: Request, session: SessionDep, background: BackgroundTasks, user: Writer
) -> Response:
    """Queue a build from the form; the page then shows the job's progress."""
    form = await request.form()
    values = forms.text_values(form, ("site", "week"))
    state = forms.FormState(values=dict(values))
    try:
        data = schemas.BuildIn(site=values["site"], week=values["week"])
        job = schedule_jobs.submit_schedule_build(
            session=session, data=data, created_by=user.login, scope=user.scope
        )
    except ValueError as exc:
        state.add("week", str(exc).splitlines()[-1])
    except CcopsError as exc:
        session.rollback()
        state.add(None, exc.message)
    else:
        jobs_routes.dispatch(request, background, session, job)
        return redirect(request, f"/schedules#job-{job.id}")
    return index_response(request, session, user, state, status_code=422)


@pages.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_progress(request: Request, job_id: RowId, session: SessionDep, user: Builder) -> Response:
    """Show a schedule build's progress (htmx polls it); when done, go to the schedule."""
    job = jobs_service.get(session=session, job_id=job_id, login=user.login)
    if job.kind != schedule_jobs.SCHEDULE_BUILD:
        raise NotFound(
            f"job {job_id} is not a schedule build", [Problem("unknown job", field="job_id")]
        )
    response = render(request, "wfm/schedule_job.html", {"job": job}, principal=user)
    if job.status == JobStatus.done and job.result and request.headers.get("hx-request"):
        response.headers["HX-Redirect"] = f"/schedules/{job.result['schedule_id']}"
    return response


def _chart(detail: schemas.ScheduleDetailOut, zone: ZoneInfo, _: Any) -> dict[str, Any]:
    names = {
        "required": _("Required"),
        "scheduled": _("Scheduled"),
        "sl": _("Predicted service level, %"),
    }
    queues: dict[str, dict[str, Any]] = {}
    for r in detail.intervals:
        q = queues.setdefault(
            r.queue,
            {
                "queue": r.queue,
                "names": names,
                "labels": [],
                "required": [],
                "scheduled": [],
                "sl": [],
            },
        )
        q["labels"].append(r.interval_start.astimezone(zone).strftime("%a %H:%M"))
        q["required"].append(round(r.required, 2))
        q["scheduled"].append(round(r.scheduled, 2))
        sl = r.predicted_service_level
        q["sl"].append(None if sl is None else round(100 * sl, 1))
    return queues


def _person_grid(
    detail: schemas.ScheduleDetailOut,
) -> tuple[list[str], list[dict[str, Any]]]:
    days = [(detail.week_start + timedelta(days=d)) for d in range(7)]
    people: dict[str, dict[str, Any]] = {}
    for s in detail.shift_rows:
        row = people.setdefault(
            s.login, {"login": s.login, "name": s.name, "days": [[] for _ in days], "paid_h": 0.0}
        )
        index = (s.local_start.date() - detail.week_start).days
        if 0 <= index < 7:
            row["days"][index].append(s)
        row["paid_h"] += s.paid_h
    return [d.isoformat() for d in days], sorted(people.values(), key=lambda r: r["login"])


def _zone(session: Session, site: str) -> ZoneInfo:
    found = session.scalars(select(Site).where(Site.name == site)).one()
    return ZoneInfo(found.timezone)


@pages.get("/my", response_class=HTMLResponse)
def my_week_page(
    request: Request, session: SessionDep, user: Anyone, week: str | None = None
) -> HTMLResponse:
    """Show the signed-in person's published week and their calendar feed."""
    return my_week_response(request, session, user, week)


def my_week_response(
    request: Request,
    session: Session,
    user: Principal,
    week: str | None,
    feed_url: str | None = None,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The "My week" page: the published week, the person's requests and the swaps proposed to
    them with their forms (``state``: a request form that came back with problems), the feed."""
    label = week or _current_week()
    try:
        _check_week(label)
    except Invalid:
        label = _current_week()
    out = None
    person = session.get(Person, user.person_id) if user.person_id else None
    if person is not None:
        out = service.person_week(
            session=session, login=person.login, week=label, scope=org_service.EVERYTHING
        )
    monday = schemas.parse_week(label)
    prev_week = (monday - timedelta(days=7)).isocalendar()
    next_week = (monday + timedelta(days=7)).isocalendar()
    return render(
        request,
        "wfm/my_week.html",
        {
            "week": label,
            "out": out,
            "prev_week": f"{prev_week[0]}-W{prev_week[1]:02d}",
            "next_week": f"{next_week[0]}-W{next_week[1]:02d}",
            "has_feed": person is not None
            and service.has_feed(session=session, person_id=person.id),
            "feed_url": feed_url,
            "has_person": person is not None,
            "can_request": person is not None and user.role in permissions.SCHEDULE_REQUEST,
            "requests": request_service.list_own(session=session, person_id=user.person_id),
            "colleagues": _colleagues(session, person),
            "my_login": person.login if person is not None else "",
            "time_off_form": _form_of(state, "time_off"),
            "swap_form": _form_of(state, "swap"),
            "request_labels": REQUEST_LABELS,
            "today": datetime.now(UTC).date().isoformat(),
        },
        principal=user,
        active="my-week",
        status_code=status_code,
    )


def _form_of(state: forms.FormState | None, kind: str) -> forms.FormState:
    """The request form of ``kind`` as it came back, or an empty one."""
    if state is not None and state.values.get("kind") == kind:
        return state
    return forms.FormState(values={})


def _colleagues(session: Session, person: Person | None) -> list[Person]:
    """The people of one's site with at least one's own skills (those a swap can be proposed
    to), in name order; the swap itself checks the queues of the shifts concerned."""
    if person is None:
        return []
    skills: dict[int, set[int]] = {}
    for pid, qid in session.execute(
        select(PersonSkill.person_id, PersonSkill.queue_id)
        .join(Person, Person.id == PersonSkill.person_id)
        .where(Person.site_id == person.site_id)
    ):
        skills.setdefault(pid, set()).add(qid)
    mine = skills.get(person.id, set())
    return [
        p
        for p in session.scalars(
            select(Person)
            .where(Person.site_id == person.site_id, Person.id != person.id)
            .order_by(Person.name, Person.login)
        )
        if mine <= skills.get(p.id, set())
    ]


@pages.post("/my/feed", response_class=HTMLResponse)
def create_feed(request: Request, session: SessionDep, user: Anyone) -> Response:
    """Create a new secret calendar feed address (the old one stops working)."""
    if user.person_id is None:
        _ = gettext_for(request, user)
        message = _("Your account is not linked to a person, so you have no schedule.")
        return redirect(request, "/schedules/my", flash=("error", message))
    token = service.create_feed(session=session, person_id=user.person_id)
    url = str(request.base_url).rstrip("/") + f"/calendar/{token}.ics"
    return my_week_response(request, session, user, None, url)


@pages.post("/my/feed/revoke", response_class=HTMLResponse)
def revoke_feed(request: Request, session: SessionDep, user: Anyone) -> Response:
    """Stop the calendar feed."""
    if user.person_id is not None:
        service.revoke_feed(session=session, person_id=user.person_id)
    _ = gettext_for(request, user)
    return redirect(request, "/schedules/my", flash=("success", _("Calendar feed revoked.")))


@pages.get("/{schedule_id}", response_class=HTMLResponse)
def schedule_page(
    request: Request, schedule_id: RowId, session: SessionDep, user: Reader
) -> HTMLResponse:
    """Show a schedule: measures, coverage versus requirement per queue, each person's week."""
    detail = service.get_schedule(session=session, schedule_id=schedule_id, scope=user.scope)
    zone = _zone(session, detail.site)
    days, people = _person_grid(detail)
    return render(
        request,
        "wfm/schedule.html",
        {
            "s": detail,
            "chart": _chart(detail, zone, gettext_for(request, user)),
            "days": days,
            "people": people,
            "can_write": user.role in permissions.SCHEDULE_WRITE,
        },
        principal=user,
        active="schedules",
    )


@pages.post("/{schedule_id}/publish", response_class=HTMLResponse)
def publish_page(
    request: Request, schedule_id: RowId, session: SessionDep, user: Writer
) -> Response:
    """Publish the draft from its page."""
    _ = gettext_for(request, user)
    try:
        out = service.publish(
            session=session, schedule_id=schedule_id, published_by=user.login, scope=user.scope
        )
    except CcopsError as exc:
        if isinstance(exc, NotFound):
            raise
        return redirect(request, f"/schedules/{schedule_id}", flash=("error", exc.message))
    return redirect(
        request,
        f"/schedules/{out.id}",
        flash=("success", _("Version %(v)s published.") % {"v": out.version}),
    )


@calendar.get("/calendar/{token}.ics")
def calendar_feed(token: str, session: SessionDep) -> Response:
    """Return a person's published shifts as an iCalendar feed (secret address, no sign-in)."""
    text = service.calendar_for_token(session=session, token=token)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={"cache-control": "no-store"},
    )


__all__ = ["Role", "calendar", "pages", "router"]
