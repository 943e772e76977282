"""The front-line shifts page at /frontline: planners put an executive (or a manager) on a queue
for a full shift and say whether it counts as coverage; executives see their own shifts and the
contacts they handled on each (/frontline/{id})."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.enums import Role
from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import attempt_or_redirect, gettext_for, redirect, render
from ccops.wfm.frontline import schemas, service
from ccops.wfm.frontline.routes import own_only

frontline_pages = APIRouter(prefix="/frontline", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_READ))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]

FIELDS = ("login", "queue", "start", "end", "note")


def _zones(session: Session) -> dict[str, str]:
    return {s.name: s.timezone for s in org_service.list_sites(session=session)}


def _page(
    request: Request,
    session: Session,
    user: Principal,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    planner = user.role in permissions.SCHEDULE_WRITE
    mine = own_only(user)
    shifts = (
        []
        if user.role == Role.executive and mine is None
        else service.shifts(session=session, scope=user.scope, person_id=mine)
    )
    queues = (
        [
            (q.name, f"{q.name} ({q.site})")
            for q in org_service.list_queues(session=session, scope=user.scope)
        ]
        if planner
        else []
    )
    people = service.candidates(session=session, scope=user.scope) if planner else []
    if state is None:
        state = forms.FormState(
            values={
                "login": (people or [("", "")])[0][0],
                "queue": (queues or [("", "")])[0][0],
                "start": "",
                "end": "",
                "counts_as_coverage": False,
                "note": "",
            }
        )
    return render(
        request,
        "wfm/frontline.html",
        {
            "shifts": shifts,
            "zones": _zones(session),
            "planner": planner,
            "people": people,
            "queues": queues,
            "form": state,
        },
        principal=user,
        active="frontline",
        status_code=status_code,
    )


@frontline_pages.get("", response_class=HTMLResponse)
def frontline(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """The front-line shifts (an executive's own) and, for planners, the form to add one."""
    return _page(request, session, user)


def _shift_in(
    session: Session, values: dict[str, Any], state: forms.FormState, _: Any
) -> schemas.FrontlineIn | None:
    """The form's shift, its local start and end read in the queue's site's time zone."""
    queue = next(
        (q for q in org_service.list_queues(session=session) if q.name == values["queue"]), None
    )
    if queue is None:
        state.add("queue", _("Unknown: create it first."))
        return None
    zone = ZoneInfo(org_service.get_site(session=session, name=queue.site).timezone)
    data = forms.local_datetimes(values, ("start", "end"), zone, state, _)
    if not state.ok:
        return None
    return forms.validate(schemas.FrontlineIn, data, state, _)


@frontline_pages.post("", response_model=None)
def add_shift(
    request: Request, session: SessionDep, user: Planner, form: forms.PostedForm
) -> Response:
    """Schedule the form's front-line shift."""
    _ = gettext_for(request, user)
    state = forms.FormState(values=forms.text_values(form, FIELDS))
    state.values["counts_as_coverage"] = form.get("counts_as_coverage") == "on"
    data = _shift_in(session, state.values, state, _)
    if data is None:
        return _page(request, session, user, state, status_code=400)
    try:
        with attempt(session):
            out = service.schedule(session=session, data=data, by=user.login, scope=user.scope)
    except CcopsError as exc:
        forms.domain_problems(exc, state, _)
        return _page(request, session, user, state, status_code=400)
    return redirect(
        request,
        f"/frontline#shift-{out.id}",
        flash=("success", _("%(name)s is on %(queue)s.") % {"name": out.name, "queue": out.queue}),
    )


@frontline_pages.get("/{shift_id:int}", response_class=HTMLResponse)
def shift_page(
    request: Request, shift_id: RowId, session: SessionDep, user: Reader
) -> HTMLResponse:
    """One shift and the contacts handled on it (an executive: their own only)."""
    if user.role == Role.executive:
        out = service.get(session=session, shift_id=shift_id, scope=None, person_id=user.person_id)
    else:
        out = service.get(session=session, shift_id=shift_id, scope=user.scope)
    return render(
        request,
        "wfm/frontline_shift.html",
        {"s": out, "zone": _zones(session).get(out.site)},
        principal=user,
        active="frontline",
    )


@frontline_pages.post("/{shift_id:int}/remove", response_model=None)
def remove_shift(request: Request, shift_id: RowId, session: SessionDep, user: Planner) -> Response:
    """Cancel a shift that has not begun."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        "/frontline",
        lambda: service.remove(session=session, shift_id=shift_id, scope=user.scope),
    )
    if out is not None:
        return out
    return redirect(request, "/frontline", flash=("success", _("Front-line shift cancelled.")))


routers: tuple[APIRouter, ...] = (frontline_pages,)
