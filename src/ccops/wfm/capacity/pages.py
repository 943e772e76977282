"""Pages of capacity (hiring) plans: the list at /capacity-plans and one plan week by week."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, render
from ccops.wfm.capacity import service as capacity_service

capacity_pages = APIRouter(prefix="/capacity-plans", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


@capacity_pages.get("", response_class=HTMLResponse)
def capacity_plans(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    """List stored capacity plans of the queues in scope, newest first."""
    plans = capacity_service.list_capacity_plans(session=session, scope=user.scope)
    return render(
        request, "wfm/capacity_plans.html", {"plans": plans}, principal=user, active="forecasts"
    )


@capacity_pages.get("/{plan_id:int}", response_class=HTMLResponse)
def capacity_plan(
    request: Request, plan_id: RowId, session: SessionDep, user: Reader
) -> HTMLResponse:
    """Show a capacity plan week by week: required and available FTE, hires, gap."""
    _ = gettext_for(request, user)
    plan = capacity_service.get_capacity_plan(session=session, plan_id=plan_id, scope=user.scope)
    chart = {
        "labels": [w.week_start.isoformat() for w in plan.weeks],
        "required": [_r(w.required_fte, 1) for w in plan.weeks],
        "available": [_r(w.available_fte, 1) for w in plan.weeks],
        "hires": [w.hires_start for w in plan.weeks],
        "names": {
            "required": _("Required FTE"),
            "available": _("Available FTE"),
            "hires": _("Hires to start"),
            "fte": _("FTE"),
            "people": _("People"),
        },
        "title": _("Capacity plan %(id)s: FTE week by week") % {"id": plan.id},
    }
    return render(
        request,
        "wfm/capacity_plan.html",
        {"plan": plan, "chart": chart, "first_week_end": plan.first_week + timedelta(days=6)},
        principal=user,
        active="forecasts",
    )


routers: tuple[APIRouter, ...] = (capacity_pages,)
