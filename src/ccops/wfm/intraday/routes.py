"""Intraday management on the web: the event intake (``POST /api/v1/events``), the intraday view,
exceptions and their plans, the explanation of a missed service level and adherence under
``/api/v1/intraday``, and the intraday board at ``/intraday`` (refreshed by htmx)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ccops.db import RowId
from ccops.errors import CcopsError, Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org.models import Person, Queue, Site
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import events as events_service
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.schedules.labels import ACTIVITY_LABELS

events = APIRouter(prefix="/api/v1/events", tags=["intraday"])
router = APIRouter(prefix="/api/v1/intraday", tags=["intraday"])
pages = APIRouter(prefix="/intraday", include_in_schema=False)

Intake = Annotated[Principal, Depends(require(*permissions.EVENT_INTAKE, write=True))]
Reader = Annotated[Principal, Depends(require(*permissions.INTRADAY_READ))]
Actor = Annotated[Principal, Depends(require(*permissions.INTRADAY_ACT, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.INTRADAY_PLAN, write=True))]
People = Annotated[Principal, Depends(require(*permissions.ADHERENCE_READ))]

REFRESH_S = 30


def _lines(body: bytes) -> list[str | dict[str, Any]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(
            "the body is not UTF-8 text (send JSON lines)", [Problem("not UTF-8", field="body")]
        ) from None
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise Invalid(
                f"the body is a malformed JSON array: {exc.msg} at line {exc.lineno}",
                [Problem("malformed JSON", field="body")],
            ) from None
        return list(items)
    return list(text.splitlines())


@events.post("", response_model=schemas.IntakeOut)
async def post_events(
    request: Request, session: SessionDep, settings: SettingsDep, user: Intake
) -> schemas.IntakeOut:
    """Take a batch of contact and agent-state events (JSON lines); answer per event."""
    items = _lines(await request.body())
    # The write is synchronous database work: run it off the event loop.
    return await run_in_threadpool(
        events_service.ingest,
        session=session,
        events=items,
        secret_key=settings.resolved_secret_key(),
        allowed_site_ids=user.scope.site_ids,
    )


def _day(value: str | None) -> date | None:
    return intraday_service.parse_day(value)


@router.get("/status", response_model=schemas.IntradayOut)
def status(
    queue: str,
    session: SessionDep,
    user: Reader,
    date: str | None = None,
    as_of: datetime | None = None,
) -> schemas.IntradayOut:
    """Return a queue's intraday view for a local day: forecast, actuals, reforecast, required."""
    return intraday_service.status(
        session=session, queue=queue, day=_day(date), as_of=as_of, scope=user.scope
    )


@router.get("/explain", response_model=list[schemas.ExplainOut])
def explain(
    date: str, session: SessionDep, user: Reader, queue: str | None = None
) -> list[schemas.ExplainOut]:
    """Split each queue's service-level shortfall of a day into its causes."""
    day = _day(date)
    assert day is not None
    return intraday_service.explain(session=session, day=day, queue=queue, scope=user.scope)


@router.get("/exceptions", response_model=list[schemas.ExceptionOut])
def list_exceptions(
    session: SessionDep,
    user: Reader,
    status: str | None = None,
    queue: str | None = None,
    date: str | None = None,
) -> list[schemas.ExceptionOut]:
    """List exceptions of the queues in scope, newest first."""
    return exception_service.list_exceptions(
        session=session, scope=user.scope, status=status, queue=queue, day=_day(date)
    )


@router.get("/exceptions/{exception_id}", response_model=schemas.ExceptionOut)
def show_exception(exception_id: RowId, session: SessionDep, user: Reader) -> schemas.ExceptionOut:
    """Return one exception with its notifications and audit trail."""
    return exception_service.get_exception(
        session=session, exception_id=exception_id, scope=user.scope
    )


@router.post("/exceptions/{exception_id}/{step}", response_model=schemas.ExceptionOut)
def step_exception(
    exception_id: RowId,
    step: str,
    session: SessionDep,
    user: Actor,
    data: schemas.ExceptionStepIn | None = None,
) -> schemas.ExceptionOut:
    """Acknowledge, action or close an exception (the step is recorded in its trail)."""
    return exception_service.step(
        session=session,
        exception_id=exception_id,
        action=step,
        actor=user.login,
        note=data.note if data else "",
        scope=user.scope,
    )


@router.get("/plans", response_model=list[schemas.PlanOut])
def list_plans(session: SessionDep, user: Reader) -> list[schemas.PlanOut]:
    """List the exception plans of the queues and sites in scope."""
    return exception_service.list_plans(session=session, scope=user.scope)


@router.post("/plans", response_model=schemas.PlanOut, status_code=201)
def create_plan(data: schemas.PlanIn, session: SessionDep, user: Planner) -> schemas.PlanOut:
    """Store an exception plan (tiers, backup resources, owners) for a queue or a site."""
    return exception_service.create_plan(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@router.get("/adherence/alerts", response_model=list[schemas.AlertOut])
def adherence_alerts(session: SessionDep, user: People) -> list[schemas.AlertOut]:
    """List out-of-adherence alerts of the people in scope (team leaders: their teams)."""
    return adherence_service.list_alerts(session=session, scope=user.scope)


@router.get("/adherence", response_model=list[schemas.AdherenceOut])
def adherence(
    date: str, session: SessionDep, user: People, person: str | None = None
) -> list[schemas.AdherenceOut]:
    """Adherence and conformance per person of a day (against the published schedule)."""
    day = _day(date)
    assert day is not None
    return adherence_service.day_adherence(
        session=session, day=day, person=person, scope=user.scope, activities=None, published=True
    )


# --- the board ---------------------------------------------------------------------------------

COLUMNS = (
    ("forecast", N_("Forecast")),
    ("offered", N_("Offered")),
    ("reforecast", N_("Reforecast")),
    ("required", N_("Required")),
    ("scheduled", N_("Scheduled")),
    ("staffed", N_("Staffed")),
    ("service_level", N_("Service level")),
    ("abandon_rate", N_("Abandonment")),
    ("asa_s", N_("ASA")),
    ("occupancy", N_("Occupancy")),
)


STATUS_LABELS = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "actioned": N_("actioned"),
    "closed": N_("closed"),
}

ACTION_LABELS = {
    "opened": N_("opened"),
    "acknowledged": N_("acknowledged"),
    "actioned": N_("actioned"),
    "closed": N_("closed"),
}
"""The steps of an exception's trail as the board names them."""

STATE_LABELS = {
    "available": N_("available"),
    "on_contact": N_("on a contact"),
    "wrap_up": N_("wrap-up"),
    "break": N_("break"),
    "lunch": N_("lunch"),
    "training": N_("training"),
    "meeting": N_("meeting"),
    "coaching": N_("coaching"),
    "other_work": N_("other work"),
    "not_ready": N_("not ready"),
    "offline": N_("offline"),
}
"""Agent states (and the planned kinds spans name) as the adherence page says them."""


def _queues(session: SessionDep, user: Principal) -> list[Queue]:
    return [
        q
        for q in session.scalars(select(Queue).order_by(Queue.name))
        if intraday_service.queue_allowed(session, user.scope, q)
    ]


def _board(
    request: Request, session: SessionDep, user: Principal, queue: str, day: str
) -> dict[str, Any]:
    _ = gettext_for(request, user)
    queues = _queues(session, user)
    chosen = queue or (queues[0].name if queues else "")
    problems: dict[str, str] = {}
    view = None
    exceptions: list[schemas.ExceptionOut] = []
    closed: list[schemas.ExceptionOut] = []
    try:
        parsed = _day(day) if day else None
        if chosen:
            view = intraday_service.status(
                session=session, queue=chosen, day=parsed, scope=user.scope
            )
            exceptions = exception_service.list_exceptions(
                session=session, scope=user.scope, status="active", queue=chosen
            )
            closed = exception_service.list_exceptions(
                session=session, scope=user.scope, status="closed", queue=chosen, day=view.date
            )
    except CcopsError as exc:
        for p in exc.problems or [Problem(exc.message)]:
            problems[p.field or "queue"] = p.message
    chart = None
    if view is not None:
        rows = [iv for iv in view.intervals if iv.forecast or iv.offered or iv.staffed]
        chart = {
            "kind": "intraday",
            "labels": [iv.local_start.strftime("%H:%M") for iv in rows],
            "forecast": [iv.forecast for iv in rows],
            "reforecast": [iv.reforecast for iv in rows],
            "offered": [iv.offered if iv.state != "future" else None for iv in rows],
            "service_level": [
                None if iv.service_level is None else round(iv.service_level * 100, 1)
                for iv in rows
            ],
            "names": {
                "forecast": _("Forecast"),
                "reforecast": _("Reforecast"),
                "offered": _("Offered"),
                "service_level": _("Service level"),
                "contacts": _("contacts"),
                "percent": "%",
            },
            "title": _("%(queue)s on %(day)s: forecast, reforecast and offered contacts")
            % {"queue": view.queue, "day": view.date.isoformat()},
        }
    return {
        "queues": queues,
        "queue": chosen,
        "day": day,
        "view": view,
        "exceptions": exceptions,
        "closed": closed,
        "zone": next((ZoneInfo(q.site.timezone) for q in queues if q.name == chosen), UTC),
        "step_error": None,
        "action_labels": ACTION_LABELS,
        "problems": problems,
        "columns": COLUMNS,
        "status_labels": STATUS_LABELS,
        "chart": chart,
        "refresh_s": REFRESH_S,
        "can_act": user.role in permissions.INTRADAY_ACT,
        "can_adherence": user.role in permissions.ADHERENCE_READ,
    }


@pages.get("", response_class=HTMLResponse)
def board(
    request: Request, session: SessionDep, user: Reader, queue: str = "", date: str = ""
) -> HTMLResponse:
    """Show the intraday board of a queue: interval table, chart and open exceptions."""
    context = _board(request, session, user, queue, date)
    return render(request, "wfm/intraday_board.html", context, principal=user, active="intraday")


@pages.get("/panel", response_class=HTMLResponse)
def panel(
    request: Request, session: SessionDep, user: Reader, queue: str = "", date: str = ""
) -> HTMLResponse:
    """Return the board's panel (what htmx refreshes every few seconds)."""
    context = _board(request, session, user, queue, date)
    return render(request, "wfm/intraday_panel.html", context, principal=user, active="intraday")


STEP_DONE = {
    "acknowledge": N_("Exception %(id)s acknowledged."),
    "action": N_("Exception %(id)s marked as actioned."),
    "close": N_("Exception %(id)s closed."),
}


@pages.post("/exceptions/{exception_id}/{step}", response_model=None)
async def step_page(
    request: Request,
    exception_id: RowId,
    step: str,
    session: SessionDep,
    user: Actor,
    queue: str = "",
    date: str = "",
) -> Response:
    """Take a step on an exception from the board (acknowledge, action with a note saying what
    was done, close with an optional note) and go back to the board; a refused step comes back
    on the board with the note kept and the problem beside it."""
    async with request.form() as form:
        note = str(form.get("note") or "").strip()
    return await run_in_threadpool(
        _step_page, request, session, user, exception_id, step, note, queue, date
    )


def _step_page(
    request: Request,
    session: SessionDep,
    user: Principal,
    exception_id: int,
    step: str,
    note: str,
    queue: str,
    day: str,
) -> Response:
    _ = gettext_for(request, user)
    try:
        out = exception_service.step(
            session=session,
            exception_id=exception_id,
            action=step,
            actor=user.login,
            note=note,
            scope=user.scope,
        )
    except CcopsError as exc:
        session.rollback()
        if isinstance(exc, NotFound | Forbidden):
            raise
        context = _board(request, session, user, queue, day)
        field = (exc.problems[0].field if exc.problems else None) or "status"
        context["step_error"] = {
            "id": exception_id,
            "step": step,
            "field": field,
            "message": exc.message,
            "note": note,
        }
        return render(
            request,
            "wfm/intraday_board.html",
            context,
            principal=user,
            active="intraday",
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    session.commit()  # before the redirect: the request's own commit runs after the response
    target = f"/intraday?queue={quote(out.queue)}" + (f"&date={quote(day)}" if day else "")
    return redirect(request, target, flash=("success", _(STEP_DONE[step]) % {"id": out.id}))


@pages.post("/breaks/move", response_model=None)
async def move_break(
    request: Request, session: SessionDep, user: Actor, queue: str = "", date: str = ""
) -> Response:
    """Move a person's published break within its window from the board (a new, published
    schedule version with an audit entry); go back to the board."""
    async with request.form() as form:
        fields = {k: str(form.get(k) or "").strip() for k in ("person", "break_at", "new_at")}
    return await run_in_threadpool(_move_break, request, session, user, queue, date, fields)


def _local_moment(day: date, text: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        hh, mm = (int(x) for x in text.split(":"))
        return datetime.combine(day, time(hh, mm), zone).astimezone(UTC)
    except ValueError:
        raise Invalid(
            f"{field}: {text!r} is not a time of day (HH:MM)", [Problem("HH:MM", field=field)]
        ) from None


def _move_break(
    request: Request,
    session: SessionDep,
    user: Principal,
    queue: str,
    day: str,
    fields: dict[str, str],
) -> Response:
    _ = gettext_for(request, user)
    target = f"/intraday?queue={quote(queue)}" + (f"&date={quote(day)}" if day else "")
    try:
        q = intraday_service.get_queue(session, queue, user.scope)
        zone = ZoneInfo(q.site.timezone)
        local_day = _day(day) or datetime.now(UTC).astimezone(zone).date()
        out = adherence_service.move_published_break(
            session=session,
            login=fields["person"],
            break_start=_local_moment(local_day, fields["break_at"], zone, "break_at"),
            new_start=_local_moment(local_day, fields["new_at"], zone, "new_at"),
            moved_by=user.login,
            scope=user.scope,
            reason=str(_("moved from the intraday board")),
        )
    except CcopsError as exc:
        session.rollback()
        return redirect(request, target, flash=("error", exc.message))
    return redirect(
        request,
        target,
        flash=(
            "success",
            _("Break of %(person)s moved to %(time)s; schedule version %(version)s published.")
            % {"person": fields["person"], "time": fields["new_at"], "version": out.version},
        ),
    )


# --- adherence of the floor ----------------------------------------------------------------------


def _now() -> datetime:
    """The moment the adherence page is "now" (a function so tests can set the clock)."""
    return datetime.now(UTC)


def _adherence(
    request: Request, session: SessionDep, user: Principal, site: str, day: str
) -> dict[str, Any]:
    sites = [
        s
        for s in session.scalars(select(Site).order_by(Site.name))
        if user.scope.allows_site(s.id)
        and session.scalar(
            select(Person.id).where(user.scope.people_clause(), Person.site_id == s.id).limit(1)
        )
    ]
    chosen = next((s for s in sites if s.name == site), sites[0] if sites else None)
    problems: dict[str, str] = {}
    rows: list[adherence_service.FloorRow] = []
    zone = ZoneInfo(chosen.timezone) if chosen else ZoneInfo("UTC")
    now = _now()
    local_day = now.astimezone(zone).date()
    try:
        parsed = _day(day) if day else None
        if parsed is not None:
            local_day = parsed
        if chosen is not None:
            rows = adherence_service.floor(
                session=session, site_id=chosen.id, day=local_day, scope=user.scope, now=now
            )
    except CcopsError as exc:
        for p in exc.problems or [Problem(exc.message)]:
            problems[p.field or "site"] = p.message
    return {
        "sites": sites,
        "site": chosen.name if chosen else "",
        "day": day,
        "local_day": local_day,
        "is_today": local_day == now.astimezone(zone).date(),
        "now": now.astimezone(zone),
        "zone": zone,
        "rows": rows,
        "problems": problems,
        "threshold": adherence_service.DEFAULT_THRESHOLD,
        "grace_min": round(adherence_service.DEFAULT_GRACE_S / 60),
        "refresh_s": REFRESH_S,
        "state_labels": STATE_LABELS | ACTIVITY_LABELS,
    }


@pages.get("/adherence", response_class=HTMLResponse)
def adherence_page(
    request: Request, session: SessionDep, user: People, site: str = "", date: str = ""
) -> HTMLResponse:
    """Show adherence of the people in scope at a site: planned and actual now, the day's
    adherence and conformance, out-of-adherence spans and open alerts (refreshed by htmx)."""
    context = _adherence(request, session, user, site, date)
    return render(request, "wfm/adherence.html", context, principal=user, active="intraday")


@pages.get("/adherence/panel", response_class=HTMLResponse)
def adherence_panel(
    request: Request, session: SessionDep, user: People, site: str = "", date: str = ""
) -> HTMLResponse:
    """Return the adherence table (what htmx refreshes)."""
    context = _adherence(request, session, user, site, date)
    return render(request, "wfm/adherence_panel.html", context, principal=user, active="intraday")
