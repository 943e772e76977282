"""The executive's value page at /value: what service cost and earned, what the launch day
cost, every assumption beside the figures, and a what-if with its return (/value/whatif)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ccops.errors import CcopsError
from ccops.metrics import service as kpi_service
from ccops.org import service as org_service
from ccops.value import schemas
from ccops.value import service as value_service
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.render import gettext_for, render

pages = APIRouter(prefix="/value", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.VALUE_READ))]

WHATIF_FIELDS = (
    "queue",
    "add_agents",
    "aht_change",
    "fcr_change",
    "upfront",
    "monthly_cost",
    "horizon_months",
    "discount_rate",
)


def approx(value: float | None) -> float | None:
    """``value`` to three significant figures: a money estimate claims no more precision."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    digits = 2 - int(math.floor(math.log10(abs(value))))
    return round(value, digits)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@pages.get("", response_class=HTMLResponse)
def value_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
    site: str | None = None,
    day: str | None = None,
) -> HTMLResponse:
    """The executive summary of the sites in scope (or one site)."""
    _ = gettext_for(request, user)
    sites = org_service.list_sites(session=session, scope=user.scope)
    problems: dict[str, str] = {}
    wanted_day = _date(day)
    if day and wanted_day is None:
        problems["day"] = _("Enter a date (YYYY-MM-DD).")
    out: schemas.SummaryOut | None = None
    try:
        with kpi_service.source_for_database(settings.resolved_database_url()) as source:
            out = value_service.summary(
                session=session, source=source, scope=user.scope, site=site or None, day=wanted_day
            )
    except CcopsError as exc:
        problems["summary"] = exc.message
    queues = org_service.list_queues(session=session, scope=user.scope)
    saved = value_service.list_scenarios(session=session, scope=user.scope)
    with_weeks = [q.weeks for q in out.queues if q.weeks] if out else []
    week_starts = [w.week_start for w in with_weeks[0]] if with_weeks else []
    return render(
        request,
        "value/value.html",
        {
            "sites": sites,
            "site": site or "",
            "summary": out,
            "week_starts": week_starts,
            "saved": saved,
            "problems": problems,
            "approx": approx,
            "queues": queues,
            "form": {
                "queue": queues[0].name if queues else "",
                "add_agents": "2",
                "aht_change": "0",
                "fcr_change": "0",
                "upfront": "0",
                "monthly_cost": "0",
                "horizon_months": "12",
                "discount_rate": "0.08",
            },
            "whatif": None,
            "whatif_problems": {},
            "full": False,
        },
        principal=user,
        active="value",
    )


@pages.get("/whatif", response_class=HTMLResponse)
def whatif_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: Reader
) -> HTMLResponse:
    """A what-if on a queue: baseline, scenario, return and sensitivity (an htmx fragment, or
    the whole page without htmx)."""
    form = {k: request.query_params.get(k, "").strip() for k in WHATIF_FIELDS}
    problems: dict[str, str] = {}
    result: schemas.WhatIfOut | None = None
    try:
        data = schemas.WhatIfIn(**{k: v for k, v in form.items() if v != ""})
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "queue"
            problems[field] = err["msg"]
    else:
        try:
            with kpi_service.source_for_database(settings.resolved_database_url()) as source:
                result = value_service.whatif(
                    session=session, source=source, data=data, scope=user.scope
                )
        except CcopsError as exc:
            field = exc.problems[0].field if exc.problems and exc.problems[0].field else "queue"
            problems[field if field in WHATIF_FIELDS else "queue"] = exc.message
    context: dict[str, Any] = {
        "queues": org_service.list_queues(session=session, scope=user.scope),
        "form": form,
        "whatif": result,
        "whatif_problems": problems,
        "approx": approx,
    }
    status = 422 if problems else 200
    if request.headers.get("hx-request"):
        return render(request, "value/whatif.html", context, principal=user, status_code=status)
    context.update(
        {
            "sites": [],
            "site": "",
            "summary": None,
            "problems": {},
            "full": True,
            "week_starts": [],
            "saved": [],
        }
    )
    return render(
        request, "value/value.html", context, principal=user, status_code=status, active="value"
    )


routers: tuple[APIRouter, ...] = (pages,)
