"""The shift bids pages (read on a phone): /bids lists each bid of one's site with its rule, the
lines open to one, one's ranking (a form until the close) and, once awarded, one's line and why.
Planners see every bid of their sites with all awards.

/bids/{id} is one bid: for a planner every bidder's ranking, the award in the rule's order (each
agent's position, line, which choice it was and why), the award button after the close and the
form that applies the awarded lines to a schedule version; for an agent their ranking, their
line and their position in the rule's order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import attempt_or_redirect, gettext_for, redirect, render
from ccops.wfm.bidding import schemas, service

bid_pages = APIRouter(prefix="/bids", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Ranker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]

RULES = {
    "seniority": N_("seniority (earlier hire date first, then login)"),
    "rotating": N_("rotating priority (the seniority order turned each round)"),
    "lottery": N_("a lottery with a published seed"),
}


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
    out = attempt_or_redirect(
        request,
        session,
        f"/bids#bid-{bid_id}",
        lambda: service.rank(
            session=session,
            bid_id=bid_id,
            person_id=user.person_id,
            data=schemas.RankingIn(lines=picks),
            scope=user.scope,
        ),
    )
    if isinstance(out, RedirectResponse):
        return out
    return redirect(request, f"/bids#bid-{bid_id}", flash=("success", _("Your ranking is saved.")))


@bid_pages.get("/{bid_id:int}", response_class=HTMLResponse)
def bid_page(request: Request, bid_id: RowId, session: SessionDep, user: Reader) -> HTMLResponse:
    """One bid: planners see the rankings and the whole award; agents their own line and place."""
    planner = user.role in permissions.SCHEDULE_WRITE
    bid = service.get_bid(
        session=session,
        bid_id=bid_id,
        scope=user.scope,
        person_id=user.person_id,
        planner=planner,
    )
    labels = {line.id: line.label for line in bid.lines}
    rows = service.rankings(session=session, bid_id=bid_id, scope=user.scope) if planner else []
    by_login = {r.login: r for r in rows}
    awarded = {a.login for a in bid.awards}
    return render(
        request,
        "wfm/bid.html",
        {
            "bid": bid,
            "planner": planner,
            "rule_label": RULES[bid.rule],
            "labels": labels,
            "awards": [(a, by_login.get(a.login)) for a in bid.awards],
            "waiting": [r for r in rows if r.login not in awarded],
            "closed": datetime.now(UTC) >= bid.closes_at,
            "targets": service.target_schedules(session=session, bid_id=bid_id, scope=user.scope)
            if planner and bid.status == "awarded"
            else [],
            "has_person": user.person_id is not None,
        },
        principal=user,
        active="timeoff",
    )


@bid_pages.post("/{bid_id:int}/award", response_model=None)
def award_page(request: Request, bid_id: RowId, session: SessionDep, user: Planner) -> Response:
    """Award a closed bid by its published rule; the page then shows who got which line."""
    _ = gettext_for(request, user)
    out = attempt_or_redirect(
        request,
        session,
        f"/bids/{bid_id}",
        lambda: service.award(session=session, bid_id=bid_id, scope=user.scope),
    )
    if isinstance(out, RedirectResponse):
        return out
    given = sum(1 for a in out.awards if a.line_id is not None)
    return redirect(
        request,
        f"/bids/{bid_id}#award",
        flash=(
            "success",
            _("Bid awarded: %(given)s line(s) to %(n)s agent(s).")
            % {"given": given, "n": len(out.awards)},
        ),
    )


@bid_pages.post("/{bid_id:int}/apply", response_model=None)
def apply_page(
    request: Request, bid_id: RowId, session: SessionDep, user: Planner, form: forms.PostedForm
) -> Response:
    """Apply the awarded lines to the chosen schedule version: a new draft version to publish."""
    _ = gettext_for(request, user)
    service.get_bid(session=session, bid_id=bid_id, scope=user.scope)  # 404 outside the scope
    raw = str(form.get("schedule_id") or "").strip()
    if not raw.isdigit():
        return redirect(
            request, f"/bids/{bid_id}#apply", flash=("error", _("Choose a schedule version."))
        )
    out = attempt_or_redirect(
        request,
        session,
        f"/bids/{bid_id}#apply",
        lambda: service.apply_awards(
            session=session,
            bid_id=bid_id,
            schedule_id=int(raw),
            applied_by=user.login,
            scope=user.scope,
        ),
    )
    if isinstance(out, RedirectResponse):
        return out
    message = _("The awarded lines are in draft version %(version)s of %(week)s: publish it.") % {
        "version": out.version,
        "week": out.week,
    }
    if out.activities_kept:
        message += " " + _(
            "%(n)s fixed activity(ies) (meetings, training, huddles) kept on the new shifts."
        ) % {"n": len(out.activities_kept)}
    if out.activities_left_out:
        message += " " + _("Not kept, no longer inside a shift (plan them again): %(list)s.") % {
            "list": "; ".join(
                f"{a.login} {a.kind} “{a.name}” {a.start:%a %d %b %H:%M} UTC"
                for a in out.activities_left_out
            )
        }
    return redirect(
        request,
        f"/schedules/{out.id}",
        flash=("info" if out.activities_left_out else "success", message),
    )


routers: tuple[APIRouter, ...] = (bid_pages,)
