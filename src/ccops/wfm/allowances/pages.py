"""The time-off page at /timeoff: one's own balance (reads on a phone) and, for supervisors and
planners, a team's week in the vacation planner with the open slots of each day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ccops.errors import CcopsError
from ccops.org import service as org_service
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import render
from ccops.wfm.allowances import schemas, service

timeoff_pages = APIRouter(prefix="/timeoff", include_in_schema=False)

Asker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]


@timeoff_pages.get("", response_class=HTMLResponse)
def timeoff(
    request: Request,
    session: SessionDep,
    user: Asker,
    team: Annotated[str | None, Query(max_length=100)] = None,
    week: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """Show one's time-off balance and (supervisors, planners) a team's vacation planner."""
    own: schemas.BalanceOut | None = None
    if user.person_id is not None:
        own = service.own_balance(session=session, person_id=user.person_id)
    staff = user.role in permissions.TIME_OFF
    teams = (
        [t.name for t in org_service.list_teams(session=session, scope=user.scope)] if staff else []
    )
    year, number, _ = datetime.now(UTC).date().isocalendar()
    week = (week or "").strip() or f"{year}-W{number:02d}"
    plan: schemas.PlannerOut | None = None
    error: str | None = None
    if staff and (team or teams):
        try:
            plan = service.planner(
                session=session, team=team or teams[0], week=week, scope=user.scope
            )
        except CcopsError as exc:
            error = exc.message
    return render(
        request,
        "wfm/timeoff.html",
        {
            "own": own,
            "staff": staff,
            "teams": teams,
            "team": team or (teams[0] if teams else ""),
            "week": week,
            "plan": plan,
            "error": error,
        },
        principal=user,
        active="timeoff",
        status_code=400 if error else 200,
    )


routers: tuple[APIRouter, ...] = (timeoff_pages,)
