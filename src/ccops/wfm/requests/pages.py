"""Agents' schedule requests on the pages: the forms of "My week" (ask for time off, propose a
swap, answer a colleague, withdraw) and the planner's decision from the schedules page.

A form that fails runs its attempt in a savepoint, so the page can still be drawn in the same
request; the request's transaction commits before the redirect is sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ccops.db import attempt
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, redirect
from ccops.wfm.requests import schemas, service
from ccops.wfm.schedules import pages as schedule_pages

pages = APIRouter(prefix="/schedules", include_in_schema=False)

Asker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Decider = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]

FIELDS = ("kind", "start_day", "end_day", "day", "colleague", "reason")


@pages.post("/my/requests", response_model=None)
def create_page(
    request: Request, session: SessionDep, user: Asker, form: forms.PostedForm
) -> Response:
    """Store a request from the "My week" forms; a form with problems comes back marked."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, FIELDS)
    week = str(form.get("week") or "") or None
    state = forms.FormState(values=dict(values))
    raw = {k: (v or None) if k not in ("kind", "reason") else v for k, v in values.items()}
    if values["kind"] == "time_off":
        raw["day"] = raw["colleague"] = None
    else:
        raw["start_day"] = raw["end_day"] = None
    data = forms.validate(schemas.RequestIn, raw, state, _)
    out = None
    if data is not None:
        try:
            with attempt(session):
                out = service.create(
                    session=session, person_id=user.person_id, data=data, created_by=user.login
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    if out is not None:
        message = (
            _("Time off requested; your planner will decide.")
            if out.kind == "time_off"
            else _("Swap proposed to %(name)s; they answer on their My week.")
            % {"name": out.colleague_name}
        )
        target = "/schedules/my" + (f"?week={week}" if week else "")
        return redirect(request, target + f"#request-{out.id}", flash=("success", message))
    return schedule_pages.my_week_response(
        request, session, user, week, state=state, status_code=422
    )


def _back(request: Request, text: str, error: CcopsError | None = None) -> Response:
    if error is not None:
        return redirect(request, "/schedules/my#requests", flash=("error", error.message))
    return redirect(request, "/schedules/my#requests", flash=("success", text))


@pages.post("/my/requests/{request_id:int}/answer", response_model=None)
def answer_page(
    request: Request, request_id: RowId, session: SessionDep, user: Asker, form: forms.PostedForm
) -> Response:
    """Accept or decline a swap proposed to the signed-in person."""
    _ = gettext_for(request, user)
    accept = str(form.get("accept") or "") == "yes"
    try:
        with attempt(session):
            service.answer(
                session=session, request_id=request_id, person_id=user.person_id, accept=accept
            )
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        return _back(request, "", exc)
    return _back(
        request,
        _("Swap accepted; it now waits for the planner.") if accept else _("Swap declined."),
    )


@pages.post("/my/requests/{request_id:int}/withdraw", response_model=None)
def withdraw_page(
    request: Request, request_id: RowId, session: SessionDep, user: Asker
) -> Response:
    """Withdraw one's own open request."""
    _ = gettext_for(request, user)
    try:
        with attempt(session):
            service.withdraw(session=session, request_id=request_id, person_id=user.person_id)
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        return _back(request, "", exc)
    return _back(request, _("Request withdrawn."))


@pages.post("/requests/{request_id:int}/decide", response_model=None)
def decide_page(
    request: Request, request_id: RowId, session: SessionDep, user: Decider, form: forms.PostedForm
) -> Response:
    """Grant or refuse a pending request from the schedules page; refusing without a note comes
    back with the note field marked."""
    _ = gettext_for(request, user)
    grant = str(form.get("decision") or "") == "grant"
    note = str(form.get("note") or "").strip()
    try:
        with attempt(session):
            out = service.decide(
                session=session,
                request_id=request_id,
                grant=grant,
                note=note,
                decided_by=user.login,
                scope=user.scope,
                decider_person_id=user.person_id,
            )
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        field = (exc.problems[0].field if exc.problems else None) or "status"
        decide_error = {"id": request_id, "field": field, "message": exc.message, "note": note}
        return schedule_pages.index_response(
            request, session, user, decide_error=decide_error, status_code=422
        )
    if out.status == "granted":
        flash = (
            "success",
            _("Request %(id)s granted; the new schedule is published.") % {"id": out.id},
        )
    elif grant:
        flash = (
            "error",
            _("Request %(id)s refused: %(why)s") % {"id": out.id, "why": out.decision_note},
        )
    else:
        flash = ("success", _("Request %(id)s refused.") % {"id": out.id})
    return redirect(request, f"/schedules#request-{out.id}", flash=flash)


routers: tuple[APIRouter, ...] = (pages,)
