"""Intraday management's pages: the intraday board at ``/intraday`` (interval table, chart and
exceptions, refreshed by htmx; steps on exceptions and moving a break from it) and the adherence
of the floor at ``/intraday/adherence``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt
from ccops.errors import CcopsError, Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.exports import Column, Kind, TableExport
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.schedules.labels import ACTIVITY_LABELS

pages = APIRouter(prefix="/intraday", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.INTRADAY_READ))]
Actor = Annotated[Principal, Depends(require(*permissions.INTRADAY_ACT, write=True))]
People = Annotated[Principal, Depends(require(*permissions.ADHERENCE_READ))]

REFRESH_S = 30


def _day(value: str | None) -> date | None:
    return intraday_service.parse_day(value)


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


def _board(
    request: Request, session: SessionDep, user: Principal, queue: str, day: str
) -> dict[str, Any]:
    _ = gettext_for(request, user)
    queues = intraday_service.queues_in_scope(session=session, scope=user.scope)
    chosen = queue or (queues[0].name if queues else "")
    problems: dict[str, str] = {}
    view = None
    last_day: date | None = None
    nothing_today = False
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
            nothing_today = parsed is None and not any(iv.offered for iv in view.intervals)
            if nothing_today:
                last_day = intraday_service.last_day_with_contacts(
                    session=session, queue=chosen, scope=user.scope
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
        "last_day": last_day,
        "nothing_today": nothing_today,
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
def step_page(
    request: Request,
    exception_id: RowId,
    step: str,
    session: SessionDep,
    user: Actor,
    form: forms.PostedForm,
    queue: str = "",
    date: str = "",
) -> Response:
    """Take a step on an exception from the board (acknowledge, action with a note saying what
    was done, close with an optional note) and go back to the board; a refused step comes back
    on the board with the note kept and the problem beside it."""
    note = str(form.get("note") or "").strip()
    return _step_page(request, session, user, exception_id, step, note, queue, date)


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
        # a savepoint: a refused step leaves the rest of the request's transaction as it was
        with attempt(session):
            out = exception_service.step(
                session=session,
                exception_id=exception_id,
                action=step,
                actor=user.login,
                note=note,
                scope=user.scope,
            )
    except CcopsError as exc:
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
    target = f"/intraday?queue={quote(out.queue)}" + (f"&date={quote(day)}" if day else "")
    return redirect(request, target, flash=("success", _(STEP_DONE[step]) % {"id": out.id}))


@pages.post("/breaks/move", response_model=None)
def move_break(
    request: Request,
    session: SessionDep,
    user: Actor,
    form: forms.PostedForm,
    queue: str = "",
    date: str = "",
) -> Response:
    """Move a person's published break within its window from the board (a new, published
    schedule version with an audit entry); go back to the board."""
    fields = {k: str(form.get(k) or "").strip() for k in ("person", "break_at", "new_at")}
    return _move_break(request, session, user, queue, date, fields)


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
        # a savepoint: a refused move leaves the rest of the request's transaction as it was
        with attempt(session):
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
    sites = adherence_service.sites_with_people(session=session, scope=user.scope)
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


def adherence_export(context: dict[str, Any], _: forms.Gettext) -> TableExport:
    """The day's adherence table as a download: a row per person in name order, minutes and
    shares as numbers, the out-of-adherence spans beyond grace as local times."""
    zone: ZoneInfo = context["zone"]
    labels: dict[str, str] = context["state_labels"]

    def label(value: str) -> str:
        return _(labels[value]) if value in labels else value

    columns = [
        Column(_("Person")),
        Column(_("Login")),
        Column(_("Team")),
        Column(_("Scheduled, min"), Kind.NUMBER, 0),
        Column(_("In adherence, min"), Kind.NUMBER, 0),
        Column(_("Adherence"), Kind.PERCENT, 1),
        Column(_("Planned work, min"), Kind.NUMBER, 0),
        Column(_("Worked, min"), Kind.NUMBER, 0),
        Column(_("Conformance"), Kind.PERCENT, 1),
        Column(_("Adherence goal met")),
        Column(_("Out of adherence beyond grace, min"), Kind.NUMBER, 0),
        Column(_("Out of adherence")),
        Column(_("Open alerts"), Kind.INTEGER),
    ]
    rows: list[list[object]] = []
    for r in context["rows"]:
        spans = [sp for sp in r.day.spans if sp.beyond_grace]
        met = r.day.meets_threshold
        rows.append(
            [
                r.name,
                r.login,
                r.team,
                r.day.scheduled_min,
                r.day.in_adherence_min,
                r.day.adherence,
                r.day.planned_work_min,
                r.day.worked_min,
                r.day.conformance,
                None if met is None else (_("yes") if met else _("no")),
                sum(sp.minutes for sp in spans),
                "; ".join(
                    f"{sp.start.astimezone(zone):%H:%M}-{sp.end.astimezone(zone):%H:%M} "
                    + _("planned %(planned)s, actual %(actual)s")
                    % {"planned": label(sp.planned), "actual": label(sp.actual)}
                    for sp in spans
                ),
                len(r.alerts),
            ]
        )
    day = context["local_day"].isoformat()
    return TableExport(
        title=_("Adherence"),
        columns=columns,
        rows=rows,
        file_stem=f"adherence {context['site']} {day}",
        zone=str(zone),
        notes=[f"{context['site']} · {day} ({zone})"],
    )


@pages.get("/adherence", response_class=HTMLResponse)
def adherence_page(
    request: Request,
    session: SessionDep,
    user: People,
    site: str = "",
    date: str = "",
    file_format: FormatQ = "",
) -> Response:
    """Show adherence of the people in scope at a site: planned and actual now, the day's
    adherence and conformance, out-of-adherence spans and open alerts (refreshed by htmx);
    ``?format=csv`` or ``xlsx`` answers the day's figures per person as a file."""
    chosen = wanted_format(file_format)
    context = _adherence(request, session, user, site, date)
    if chosen and not context["problems"]:
        return download(adherence_export(context, gettext_for(request, user)), chosen)
    return render(request, "wfm/adherence.html", context, principal=user, active="intraday")


@pages.get("/adherence/panel", response_class=HTMLResponse)
def adherence_panel(
    request: Request, session: SessionDep, user: People, site: str = "", date: str = ""
) -> HTMLResponse:
    """Return the adherence table (what htmx refreshes)."""
    context = _adherence(request, session, user, site, date)
    return render(request, "wfm/adherence_panel.html", context, principal=user, active="intraday")


routers: tuple[APIRouter, ...] = (pages,)
