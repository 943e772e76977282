"""The swap board page at /swaps (reads on a phone): the open posts of one's site that one may
take (the service filters by skills and contract), one's own posts with what became of them, and
a form to post one of one's published shifts. Takes, posts and withdrawals go through the
swap board's service; a refusal comes back naming its rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import attempt_or_redirect, gettext_for, redirect, render
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.swapboard import schemas, service

swap_pages = APIRouter(prefix="/swaps", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Writer = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]

WEEKS_AHEAD = 4
"""How many weeks of one's published shifts the post form offers."""


def _week(at: date) -> str:
    year, number, _ = at.isocalendar()
    return f"{year}-W{number:02d}"


def _person_login(session: Session, person_id: int | None) -> str | None:
    """The login of the signed-in user's person, or None when no person is linked."""
    week = schedule_queries.own_week(
        session=session, person_id=person_id, week=_week(datetime.now(UTC).date())
    )
    return week.login if week is not None else None


def _postable_days(session: Session, person_id: int | None) -> list[tuple[date, str]]:
    """One's published shift days from today (site time) over the coming weeks, each with its
    local times and queues, for the post form."""
    now = datetime.now(UTC)
    days: dict[date, list[str]] = {}
    for k in range(WEEKS_AHEAD + 1):
        week = schedule_queries.own_week(
            session=session, person_id=person_id, week=_week(now.date() + timedelta(days=7 * k))
        )
        for s in week.shifts if week is not None else []:
            if s.local_start.date() >= now.astimezone(s.local_start.tzinfo).date():
                days.setdefault(s.local_start.date(), []).append(
                    f"{s.local_start:%H:%M}-{s.local_end:%H:%M} ({', '.join(s.queues)})"
                )
    return [(d, "; ".join(shifts)) for d, shifts in sorted(days.items())]


@swap_pages.get("", response_class=HTMLResponse)
def swaps(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """Show the posts one may take, one's own posts and the form to post a shift."""
    board = service.board(session=session, person_id=user.person_id)
    login = _person_login(session, user.person_id)
    mine = [p for p in board if login is not None and p.person == login]
    return render(
        request,
        "wfm/swaps.html",
        {
            "open_posts": [p for p in board if p not in mine],
            "mine": mine,
            "days": _postable_days(session, user.person_id),
            "has_person": login is not None,
        },
        principal=user,
        active="swaps",
    )


@swap_pages.post("", response_model=None)
def post_page(
    request: Request, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Post one of one's published shifts to give away or to trade."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("day", "kind", "note"))
    try:
        data = schemas.PostIn.model_validate(values)
    except ValidationError:
        return redirect(
            request, "/swaps#post-form", flash=("error", _("Choose a day of yours and a kind."))
        )
    out = attempt_or_redirect(
        request,
        session,
        "/swaps#post-form",
        lambda: service.create(session=session, person_id=user.person_id, data=data),
    )
    if isinstance(out, RedirectResponse):
        return out
    return redirect(
        request,
        f"/swaps#post-{out.id}",
        flash=("success", _("Your shift on %(day)s is on the board.") % {"day": out.day}),
    )


@swap_pages.post("/{post_id:int}/take", response_model=None)
def take_page(request: Request, post_id: RowId, session: SessionDep, user: Writer) -> Response:
    """Take a post; show what the rules decided (approved, to the planner) or why not."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        f"/swaps#post-{post_id}",
        lambda: service.take(
            session=session, post_id=post_id, person_id=user.person_id, scope=user.scope
        ),
    )
    if isinstance(out, RedirectResponse):
        return out
    if out.status == "approved":
        text = _("You took the shift of %(name)s on %(day)s: approved and published.")
    else:
        text = _("You took the shift of %(name)s on %(day)s: it waits for the planner.")
    return redirect(
        request,
        "/swaps",
        flash=("success", text % {"name": out.person_name, "day": out.day}),
    )


@swap_pages.post("/{post_id:int}/withdraw", response_model=None)
def withdraw_page(request: Request, post_id: RowId, session: SessionDep, user: Writer) -> Response:
    """Take one's own open post off the board."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        f"/swaps#post-{post_id}",
        lambda: service.withdraw(
            session=session, post_id=post_id, person_id=user.person_id, scope=user.scope
        ),
    )
    if isinstance(out, RedirectResponse):
        return out
    return redirect(
        request,
        f"/swaps#post-{out.id}",
        flash=("success", _("Your post for %(day)s is withdrawn.") % {"day": out.day}),
    )


routers: tuple[APIRouter, ...] = (swap_pages,)
