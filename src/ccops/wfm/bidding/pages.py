"""The shift bids page at /bids (reads on a phone): each bid of one's site with its rule, the
lines open to one, one's ranking (a form until the close) and, once awarded, one's line and why.
Planners see every bid of their sites with all awards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.bidding import schemas, service

bid_pages = APIRouter(prefix="/bids", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Ranker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]


@bid_pages.get("", response_class=HTMLResponse)
def bids(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """List the bids of one's site (planners: of the sites in scope) with lines and awards."""
    planner = user.role in permissions.SCHEDULE_WRITE
    out = service.list_bids(
        session=session, scope=user.scope, person_id=user.person_id, planner=planner
    )
    return render(
        request,
        "wfm/bids.html",
        {"bids": out, "planner": planner, "has_person": user.person_id is not None},
        principal=user,
        active="timeoff",
    )


@bid_pages.post("/{bid_id:int}/ranking", response_model=None)
def rank_page(
    request: Request, bid_id: RowId, session: SessionDep, user: Ranker, form: forms.PostedForm
) -> Response:
    """Store one's ranking from the form's choices (first, second, third...)."""
    _ = gettext_for(request, user)
    picks: list[int] = []
    for key in sorted(k for k in form if k.startswith("choice-")):
        raw = str(form.get(key) or "").strip()
        if raw.isdigit() and int(raw) not in picks:
            picks.append(int(raw))
    try:
        with attempt(session):
            service.rank(
                session=session,
                bid_id=bid_id,
                person_id=user.person_id,
                data=schemas.RankingIn(lines=picks),
                scope=user.scope,
            )
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        return redirect(request, f"/bids#bid-{bid_id}", flash=("error", exc.message))
    return redirect(request, f"/bids#bid-{bid_id}", flash=("success", _("Your ranking is saved.")))


routers: tuple[APIRouter, ...] = (bid_pages,)
