"""The shift bids pages (read on a phone): /bids lists each bid of one's site with its rule, the
lines open to one, one's ranking (a form until the close) and, once awarded, one's line and why.
Planners see every bid of their sites with all awards.

/bids/new is the planners' form that opens a bid: the period, the lines (a built schedule
version's shifts, each person's week a line, or rows of template, start and weekdays), the
published rule (seniority, rotating priority, or a lottery with its seed) and the close; each
refusal is shown beside its field and nothing is stored.

/bids/{id} is one bid: for a planner every bidder's ranking, the award in the rule's order (each
agent's position, line, which choice it was and why), the award button after the close and the
form that applies the awarded lines to a schedule version; for an agent their ranking, their
line and their position in the rule's order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
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
from ccops.web.i18n import N_
from ccops.web.render import attempt_or_redirect, gettext_for, redirect, render
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import setup as schedule_setup

DAYS = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)

bid_pages = APIRouter(prefix="/bids", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Ranker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]
PlannerReader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE))]

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


LINE_ROWS = 4
"""Line rows of the open-a-bid form (empty rows are ignored)."""
FIELDS = (
    "site",
    "name",
    "first_day",
    "last_day",
    "rule",
    "seed",
    "round_no",
    "closes_at",
    "source",
    "schedule_id",
    *(f"line{k}_{part}" for k in range(LINE_ROWS) for part in ("template", "start")),
)
LISTS = tuple(f"line{k}_{part}" for k in range(LINE_ROWS) for part in ("days", "queues"))
LINE_PROBLEM = re.compile(r"^lines\.(\d+)\.(template|start|weekdays|queues)$")


def _choices(session: Session, user: Principal) -> dict[str, Any]:
    """The sites, templates, queues and schedule versions of the planner's scope."""
    sites = org_service.list_sites(session=session, scope=user.scope)
    templates = [
        (t.name, f"{t.name} ({t.site})")
        for s in sites
        for t in schedule_setup.list_templates(session=session, site=s.name, scope=user.scope)
    ]
    return {
        "sites": [s.name for s in sites],
        "templates": templates,
        "queues": [
            (q.name, f"{q.name} ({q.site})")
            for q in org_service.list_queues(session=session, scope=user.scope)
        ],
        "schedules": [
            (str(v.id), f"{v.site} {v.week} v{v.version} ({v.status}, {v.people})")
            for v in service.line_sources(session=session, scope=user.scope)
        ],
    }


def _defaults(choices: dict[str, Any]) -> forms.FormState:
    today = datetime.now(UTC).date()
    first = today + timedelta(days=14 - today.weekday())  # the Monday after next
    closes = datetime.combine(today + timedelta(days=7), time(17, 0))
    values: dict[str, Any] = {
        "site": (choices["sites"] or [""])[0],
        "name": "",
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(weeks=12, days=-1)).isoformat(),
        "rule": "seniority",
        "seed": "",
        "round_no": "0",
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        "source": "templates",
        "schedule_id": (choices["schedules"] or [("", "")])[0][0],
        "lines": "",
    }
    for k in range(LINE_ROWS):
        values |= {
            f"line{k}_template": "",
            f"line{k}_start": "",
            f"line{k}_days": [],
            f"line{k}_queues": [],
        }
    return forms.FormState(values=values)


def _new_page(
    request: Request,
    session: Session,
    user: Principal,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    choices = _choices(session, user)
    return render(
        request,
        "wfm/bid_new.html",
        {
            "form": state or _defaults(choices),
            "rows": range(LINE_ROWS),
            "days": DAYS,
            "rules": RULES,
            **choices,
        },
        principal=user,
        active="timeoff",
        status_code=status_code,
    )


@bid_pages.get("/new", response_class=HTMLResponse)
def new_bid_page(request: Request, session: SessionDep, user: PlannerReader) -> HTMLResponse:
    """The form that opens a bid: period, lines (a schedule's shifts or templates), rule, close."""
    return _new_page(request, session, user)


def _bid_in(
    session: Session, state: forms.FormState, rows: list[int], _: Any
) -> schemas.BidIn | None:
    """The bid of the form, its close read in the site's time zone; marks each problem."""
    values = state.values
    try:
        zone = ZoneInfo(org_service.get_site(session=session, name=values["site"]).timezone)
    except CcopsError:
        state.add("site", _("Unknown: create it first."))
        return None
    closes: datetime | None = None
    try:
        closes = datetime.fromisoformat(values["closes_at"]).replace(tzinfo=zone)
    except ValueError:
        state.add("closes_at", _("Enter a date and time."))
    if closes is not None and closes <= datetime.now(UTC):
        state.add(
            "closes_at",
            _("The close is in the past: agents need time to rank the lines. Choose a later time."),
        )
    if values["rule"] == "lottery" and not values["seed"]:
        state.add(
            "seed",
            _("A lottery needs its seed, published with the bid: enter a whole number."),
        )
    lines: list[dict[str, Any]] = []
    if values["source"] == "schedule":
        if not values["schedule_id"].isdigit():
            state.add("schedule_id", _("Choose a schedule version."))
    else:
        for k in rows:
            start, days = values[f"line{k}_start"], values[f"line{k}_days"]
            if not start:
                state.add(f"line{k}_start", _("Required."))
            if not days:
                state.add(f"line{k}_days", _("Tick at least one day."))
            lines.append(
                {
                    "template": values[f"line{k}_template"],
                    "start": start,
                    "weekdays": [int(d) for d in days if d.isdigit()],
                    "queues": values[f"line{k}_queues"],
                }
            )
        if not rows:
            state.add("lines", _("Add at least one line: its template, start and days."))
    if not state.ok or closes is None:
        return None
    data = {
        "site": values["site"],
        "name": values["name"],
        "first_day": values["first_day"],
        "last_day": values["last_day"],
        "rule": values["rule"],
        "seed": values["seed"] or None,
        "round_no": values["round_no"] or "0",
        "closes_at": closes,
        "schedule_id": values["schedule_id"] if values["source"] == "schedule" else None,
        "lines": lines,
    }
    return forms.validate(schemas.BidIn, data, state, _)


@bid_pages.post("/new", response_model=None)
def open_bid_page(
    request: Request, session: SessionDep, user: Planner, form: forms.PostedForm
) -> Response:
    """Open the bid of the form; a refusal shows the form again with each field's problem and
    stores nothing."""
    _ = gettext_for(request, user)
    state = forms.FormState(values=forms.text_values(form, FIELDS, LISTS) | {"lines": ""})
    if state.values["source"] not in ("schedule", "templates"):
        state.values["source"] = "templates"
    rows = [k for k in range(LINE_ROWS) if state.values[f"line{k}_template"]]
    data = _bid_in(session, state, rows, _)
    if data is None:
        return _new_page(request, session, user, state, status_code=400)
    try:
        with attempt(session):
            out = service.open_bid(
                session=session, data=data, created_by=user.login, scope=user.scope
            )
    except CcopsError as exc:
        for problem in exc.problems:
            found = LINE_PROBLEM.match(problem.field or "")
            name = problem.field
            if found is not None:
                k, part = int(found.group(1)), found.group(2)
                name = f"line{rows[k]}_{'days' if part == 'weekdays' else part}"
            state.add(name if name in state.values else None, exc.message)
        if not exc.problems:
            state.add(None, exc.message)
        return _new_page(request, session, user, state, status_code=400)
    return redirect(
        request,
        f"/bids#bid-{out.id}",
        flash=(
            "success",
            _("Bid %(name)s is open with %(n)s line(s); the agents of %(site)s are told.")
            % {"name": out.name, "n": len(out.lines), "site": out.site},
        ),
    )


routers: tuple[APIRouter, ...] = (bid_pages,)
