"""Schedules: the pages under /schedules (week grid, coverage chart, build as a job with progress,
publish, one's own week) and the public iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.errors import CcopsError, Invalid, NotFound, Problem
from ccops.exports import Column, Kind, TableExport
from ccops.ids import RowId
from ccops.jobs import service as jobs_service
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web import jobs as web_jobs
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.requests import service as request_service
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import feeds as schedule_feeds
from ccops.wfm.schedules import jobs as schedule_jobs
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas
from ccops.wfm.schedules.labels import REQUEST_LABELS

pages = APIRouter(prefix="/schedules", include_in_schema=False)
calendar = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]
Anyone = Annotated[Principal, Depends(require(*permissions.MY_SCHEDULE))]


def _current_week(weeks_ahead: int = 0) -> str:
    year, week, _ = (datetime.now(UTC).date() + timedelta(weeks=weeks_ahead)).isocalendar()
    return f"{year}-W{week:02d}"


def _sites(session: Session, user: Principal) -> list[str]:
    return [s.name for s in org_service.list_sites(session=session, scope=user.scope)]


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
            # a planner builds the week to come, not one already under way
            values={"site": (_sites(session, user) or [""])[0], "week": _current_week(1)}
        )
    return render(
        request,
        "wfm/schedules.html",
        {
            "rows": schedule_queries.list_schedules(session=session, scope=user.scope),
            "form": state,
            "sites": _sites(session, user),
            "can_write": can_write,
            "job_cards": jobs_service.own_cards(
                session=session,
                login=user.login,
                kind=schedule_jobs.SCHEDULE_BUILD,
                gettext=gettext_for(request, user),
            )
            if can_write
            else [],
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
def build_page(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    user: Writer,
    form: forms.PostedForm,
) -> Response:
    """Queue a build from the form; the page then shows the job's progress."""
    values = forms.text_values(form, ("site", "week"))
    state = forms.FormState(values=dict(values))
    try:
        data = schemas.BuildIn(site=values["site"], week=values["week"])
        with attempt(session):  # a refused build leaves the request usable for the page
            job = schedule_jobs.submit_schedule_build(
                session=session, data=data, created_by=user.login, scope=user.scope
            )
    except ValueError as exc:
        state.add("week", str(exc).splitlines()[-1])
    except CcopsError as exc:
        state.add(None, exc.message)
    else:
        web_jobs.dispatch(request, background, job)
        return redirect(request, f"/schedules#job-{job.id}")
    return index_response(request, session, user, state, status_code=422)


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
    return ZoneInfo(org_service.get_site(session=session, name=site).timezone)


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
        schedule_common.check_week(label)
    except Invalid:
        label = _current_week()
    out = schedule_queries.own_week(session=session, person_id=user.person_id, week=label)
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
            "has_feed": out is not None
            and schedule_feeds.has_feed(session=session, person_id=out.person_id),
            "feed_url": feed_url,
            "has_person": out is not None,
            "can_request": out is not None and user.role in permissions.SCHEDULE_REQUEST,
            "requests": request_service.list_own(session=session, person_id=user.person_id),
            "colleagues": request_service.swap_colleagues(
                session=session, person_id=out.person_id if out is not None else None
            ),
            "my_login": out.login if out is not None else "",
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


@pages.post("/my/feed", response_class=HTMLResponse)
def create_feed(request: Request, session: SessionDep, user: Anyone) -> Response:
    """Create a new secret calendar feed address (the old one stops working)."""
    if user.person_id is None:
        _ = gettext_for(request, user)
        message = _("Your account is not linked to a person, so you have no schedule.")
        return redirect(request, "/schedules/my", flash=("error", message))
    token = schedule_feeds.create_feed(session=session, person_id=user.person_id)
    url = str(request.base_url).rstrip("/") + f"/calendar/{token}.ics"
    return my_week_response(request, session, user, None, url)


@pages.post("/my/feed/revoke", response_class=HTMLResponse)
def revoke_feed(request: Request, session: SessionDep, user: Anyone) -> Response:
    """Stop the calendar feed."""
    if user.person_id is not None:
        schedule_feeds.revoke_feed(session=session, person_id=user.person_id)
    _ = gettext_for(request, user)
    return redirect(request, "/schedules/my", flash=("success", _("Calendar feed revoked.")))


SCHEDULE_TABLES = ("coverage", "shifts")
"""The tables of a schedule page that download: coverage per queue and interval, the shifts."""


def coverage_export(detail: schemas.ScheduleDetailOut, zone: ZoneInfo, _: Any) -> TableExport:
    """Coverage versus requirement per queue and 15 minutes, unrounded, local times."""
    return TableExport(
        title=_("Coverage versus requirement"),
        columns=[
            Column(_("Queue")),
            Column(_("Interval start"), Kind.DATETIME),
            Column(_("Required"), Kind.NUMBER, 2),
            Column(_("Scheduled"), Kind.NUMBER, 2),
            Column(_("Predicted service level"), Kind.PERCENT, 1),
        ],
        rows=[
            [r.queue, r.interval_start, r.required, r.scheduled, r.predicted_service_level]
            for r in detail.intervals
        ],
        file_stem=f"coverage {detail.site} {detail.week} v{detail.version}",
        zone=str(zone),
        notes=[f"{detail.site} {detail.week}, {_('version')} {detail.version} ({detail.status})"],
    )


def shifts_export(detail: schemas.ScheduleDetailOut, zone: ZoneInfo, _: Any) -> TableExport:
    """Each person's week as a row per shift, in login then time order, local times."""
    shifts = sorted(detail.shift_rows, key=lambda sh: (sh.login, sh.start))
    return TableExport(
        title=_("Each person's week"),
        columns=[
            Column(_("Person")),
            Column(_("Login")),
            Column(_("Day"), Kind.DATE),
            Column(_("Start"), Kind.DATETIME),
            Column(_("End"), Kind.DATETIME),
            Column(_("Shift")),
            Column(_("Queues")),
            Column(_("Paid hours"), Kind.NUMBER, 2),
        ],
        rows=[
            [
                sh.name,
                sh.login,
                sh.start.astimezone(zone).date(),
                sh.start,
                sh.end,
                sh.template,
                ", ".join(sh.queues),
                sh.paid_h,
            ]
            for sh in shifts
        ],
        file_stem=f"shifts {detail.site} {detail.week} v{detail.version}",
        zone=str(zone),
        notes=[f"{detail.site} {detail.week}, {_('version')} {detail.version} ({detail.status})"],
    )


@pages.get("/{schedule_id:int}", response_class=HTMLResponse)
def schedule_page(
    request: Request,
    schedule_id: RowId,
    session: SessionDep,
    user: Reader,
    file_format: FormatQ = "",
    table: str = "coverage",
) -> Response:
    """Show a schedule: measures, coverage versus requirement per queue, each person's week;
    ``?format=csv`` or ``xlsx`` answers a table as a file (``table=coverage`` or ``shifts``)."""
    chosen = wanted_format(file_format)
    if chosen and table not in SCHEDULE_TABLES:
        raise Invalid(
            f"Unknown table {table[:20]!r}: choose coverage or shifts.",
            [Problem("choose coverage or shifts", field="table")],
        )
    detail = schedule_queries.get_schedule(
        session=session, schedule_id=schedule_id, scope=user.scope
    )
    zone = _zone(session, detail.site)
    if chosen:
        make = coverage_export if table == "coverage" else shifts_export
        return download(make(detail, zone, gettext_for(request, user)), chosen)
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


@pages.post("/{schedule_id:int}/publish", response_class=HTMLResponse)
def publish_page(
    request: Request, schedule_id: RowId, session: SessionDep, user: Writer
) -> Response:
    """Publish the draft from its page."""
    _ = gettext_for(request, user)
    try:
        out = schedule_publish.publish(
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
    text = schedule_feeds.calendar_for_token(session=session, token=token)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={"cache-control": "no-store"},
    )


routers: tuple[APIRouter, ...] = (pages, calendar)
