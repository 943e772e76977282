"""The overtime and VTO page at /overtime (reads on a phone): the open offers one may accept,
first come, and the ones one took; planners also quote an offer (its cost and the agent hours
it adds or releases) before sending it, see who accepted each and close one. Everything goes
through the overtime service, whose refusals name their rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import attempt_or_redirect, gettext_for, redirect, render
from ccops.wfm.overtime import schemas, service
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import setup as schedule_setup

overtime_pages = APIRouter(prefix="/overtime", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Acceptor = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]

FIELDS = ("site", "queue", "kind", "start", "end", "slots", "template", "premium", "note")


def _choices(session: Session, user: Principal) -> dict[str, Any]:
    """The sites (with time zones), queues and shift templates of the planner's scope."""
    sites = org_service.list_sites(session=session, scope=user.scope)
    templates = sorted(
        {
            t.name
            for s in sites
            for t in schedule_setup.list_templates(session=session, site=s.name, scope=user.scope)
        }
    )
    return {
        "sites": [s.name for s in sites],
        "queues": [
            (q.name, f"{q.name} ({q.site})")
            for q in org_service.list_queues(session=session, scope=user.scope)
        ],
        "templates": templates,
    }


def _page(
    request: Request,
    session: Session,
    user: Principal,
    state: forms.FormState | None = None,
    quote: dict[str, float] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page: offers (all in scope for planners) and, for planners, the offer form."""
    planner = user.role in permissions.SCHEDULE_WRITE
    offers = service.offers(
        session=session, person_id=user.person_id, scope=user.scope, everything=planner
    )
    year, number, _ = datetime.now(UTC).date().isocalendar()
    person = schedule_queries.own_week(
        session=session, person_id=user.person_id, week=f"{year}-W{number:02d}"
    )
    zones = {s.name: s.timezone for s in org_service.list_sites(session=session)}
    choices = _choices(session, user) if planner else {"sites": [], "queues": [], "templates": []}
    if state is None:
        state = forms.FormState(
            values={
                "site": (choices["sites"] or [""])[0],
                "queue": (choices["queues"] or [("", "")])[0][0],
                "kind": "overtime",
                "start": "",
                "end": "",
                "slots": "1",
                "template": (choices["templates"] or [""])[0],
                "premium": "1.5",
                "note": "",
            }
        )
    return render(
        request,
        "wfm/overtime.html",
        {
            "offers": offers,
            "zones": zones,
            "planner": planner,
            "my_login": person.login if person is not None else None,
            "form": state,
            "quote": quote,
            **choices,
        },
        principal=user,
        active="overtime",
        status_code=status_code,
    )


@overtime_pages.get("", response_class=HTMLResponse)
def overtime(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Show the offers one may accept (planners: every offer in scope and the offer form)."""
    return _page(request, session, user)


def _offer_in(
    session: Session, values: dict[str, Any], state: forms.FormState, _: Any
) -> schemas.OfferIn | None:
    """The offer of the form, its local start and end read in the site's time zone."""
    try:
        zone = ZoneInfo(org_service.get_site(session=session, name=values["site"]).timezone)
    except CcopsError:
        state.add("site", _("Unknown: create it first."))
        return None
    data = forms.local_datetimes(values, ("start", "end"), zone, state, _)
    if not state.ok:
        return None
    return forms.validate(schemas.OfferIn, data, state, _)


@overtime_pages.post("", response_model=None)
def offer_page(
    request: Request, session: SessionDep, user: Planner, form: forms.PostedForm
) -> Response:
    """Quote the offer of the form (nothing stored) or send it."""
    _ = gettext_for(request, user)
    state = forms.FormState(values=forms.text_values(form, FIELDS))
    data = _offer_in(session, state.values, state, _)
    sending = form.get("action") == "send"
    if data is None:
        return _page(request, session, user, state, status_code=400)
    try:
        with attempt(session):
            if not sending:
                quoted = service.quote(session=session, data=data, scope=user.scope)
                return _page(request, session, user, state, quote=quoted)
            out = service.create(
                session=session, data=data, created_by=user.login, scope=user.scope
            )
    except CcopsError as exc:
        forms.domain_problems(exc, state, _)
        return _page(request, session, user, state, status_code=400)
    return redirect(
        request,
        f"/overtime#offer-{out.id}",
        flash=("success", _("Offer %(id)s sent: %(n)s slot(s).") % {"id": out.id, "n": out.slots}),
    )


@overtime_pages.post("/{offer_id:int}/accept", response_model=None)
def accept_page(request: Request, offer_id: RowId, session: SessionDep, user: Acceptor) -> Response:
    """Accept a slot of an offer: first come; the page says what happened."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        f"/overtime#offer-{offer_id}",
        lambda: service.accept(
            session=session, offer_id=offer_id, person_id=user.person_id, scope=user.scope
        ),
    )
    if isinstance(out, RedirectResponse):
        return out
    return redirect(
        request,
        f"/overtime#offer-{out.id}",
        flash=(
            "success",
            _(
                "You took slot %(taken)s of %(slots)s of offer %(id)s: your schedule is "
                "published with it."
            )
            % {"taken": out.taken, "slots": out.slots, "id": out.id},
        ),
    )


@overtime_pages.post("/{offer_id:int}/close", response_model=None)
def close_page(request: Request, offer_id: RowId, session: SessionDep, user: Planner) -> Response:
    """Close an open offer: nobody more may accept it."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        f"/overtime#offer-{offer_id}",
        lambda: service.close(session=session, offer_id=offer_id, scope=user.scope),
    )
    if isinstance(out, RedirectResponse):
        return out
    return redirect(
        request,
        f"/overtime#offer-{out.id}",
        flash=("success", _("Offer %(id)s is closed.") % {"id": out.id}),
    )


routers: tuple[APIRouter, ...] = (overtime_pages,)
