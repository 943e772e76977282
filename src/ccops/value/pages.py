"""The executive's value page at /value: what service cost and earned, what the launch day
cost, every assumption beside the figures, and a what-if with its return (/value/whatif)."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ccops.errors import CcopsError, Invalid
from ccops.metrics import service as kpi_service
from ccops.org import service as org_service
from ccops.text import N_
from ccops.value import schemas
from ccops.value import service as value_service
from ccops.web import forms, permissions
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
    "attrition_change",
    "deflection",
    "system_name",
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


TREND_KEYS = {
    "staff_cost": N_("Staff cost"),
    "revenue": N_("Revenue"),
    "money_lost": N_("Money lost"),
}
"""The money figures of the monthly trend's chart, by key, with their label."""


def trend_chart(trend: schemas.MonthlyOut, _: Any) -> dict[str, Any]:
    """The chart data of the trend: per currency (one axis each, zero-based), per month the
    staff cost, revenue and money lost at their point values (``null`` when not costed)."""
    currencies = sorted({c for m in trend.months for c in m.totals})
    labels = [
        _("%(month)s (%(days)s of %(all)s days)")
        % {"month": m.month, "days": m.days, "all": calendar_days(m.first)}
        if m.partial
        else m.month
        for m in trend.months
    ]
    charts = []
    for cur in currencies:
        series = []
        for key, label in TREND_KEYS.items():
            values = [
                m.totals[cur][key].value if key in m.totals.get(cur, {}) else None
                for m in trend.months
            ]
            if any(v for v in values):
                series.append({"key": key, "name": _(label), "data": values})
        charts.append(
            {
                "currency": cur,
                "axis": _("Money (%(currency)s)") % {"currency": cur or _("no currency set")},
                "labels": labels,
                "partial": [m.partial for m in trend.months],
                "series": series,
            }
        )
    return {
        "charts": charts,
        "title": _("Value of service per month"),
        "partial_note": _("Pale bars: partial months, their days only; not comparable in height."),
    }


def calendar_days(day: date) -> int:
    """The number of days of ``day``'s calendar month."""
    return calendar.monthrange(day.year, day.month)[1]


def bar_chart(
    months: list[schemas.MonthOut], currency: str, width: int = 640, height: int = 170
) -> dict[str, Any]:
    """An SVG bar chart of staff cost and money lost per month for the printed report (no
    script: the report prints as rendered); the axis starts at zero."""
    keys = ("staff_cost", "money_lost")
    empty = schemas.Figure(value=0.0, low=0.0, high=0.0, formula="")
    values = [[m.totals.get(currency, {}).get(k, empty).value for k in keys] for m in months]
    top = max([max(v) for v in values] + [0.0]) or 1.0
    left, bottom, plot_h = 64, 22, height - 32
    slot = (width - left - 8) / max(len(months), 1)
    bar_w = max(slot / 3, 2)
    bars = []
    for i, (m, pair) in enumerate(zip(months, values, strict=True)):
        for j, v in enumerate(pair):
            h = plot_h * max(v, 0.0) / top
            bars.append(
                {
                    "x": round(left + i * slot + slot * 0.15 + j * bar_w, 1),
                    "y": round(height - bottom - h, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "key": keys[j],
                    "value": v,
                    "month": m.month,
                    "partial": m.partial,
                }
            )
    ticks = [{"y": round(height - bottom - plot_h * f, 1), "value": top * f} for f in (0, 0.5, 1)]
    labels = [
        {"x": round(left + i * slot + slot / 2, 1), "text": m.month[2:], "partial": m.partial}
        for i, m in enumerate(months)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "base": height - bottom,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
    }


def _month(text: str | None) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m").date() if text else None
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
    wanted_day = forms.optional_date(day)
    if day and wanted_day is None:
        problems["day"] = _("Enter a date (YYYY-MM-DD).")
    out: schemas.SummaryOut | None = None
    trend: schemas.MonthlyOut | None = None
    try:
        with kpi_service.source_for_database(settings.resolved_database_url()) as source:
            out = value_service.summary(
                session=session, source=source, scope=user.scope, site=site or None, day=wanted_day
            )
            trend = value_service.monthly(
                session=session, source=source, scope=user.scope, site=site or None
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
            "trend": trend,
            "trend_chart": trend_chart(trend, _) if trend else None,
            "trend_keys": TREND_KEYS,
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
                "attrition_change": "0",
                "deflection": "0",
                "system_name": "",
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
            "trend": None,
            "trend_chart": None,
            "problems": {},
            "full": True,
            "week_starts": [],
            "saved": [],
        }
    )
    return render(
        request, "value/value.html", context, principal=user, status_code=status, active="value"
    )


@pages.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
    month: str | None = None,
    site: str | None = None,
) -> HTMLResponse:
    """One month's printable report (default: the last complete month): headline figures, the
    12-month trend, the assumptions behind the money and the saved scenarios' what-if."""
    _ = gettext_for(request, user)
    problems: dict[str, str] = {}
    wanted = _month(month)
    if month and wanted is None:
        problems["month"] = _("Enter a month (YYYY-MM).")
    trend: schemas.MonthlyOut | None = None
    the_month: schemas.MonthOut | None = None
    start = wanted
    if not problems:
        try:
            with kpi_service.source_for_database(settings.resolved_database_url()) as source:
                _queues, _first, data_last = value_service.history_range(
                    session, user.scope, site or None
                )
                start = wanted or value_service.last_complete_month(data_last)
                end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
                back = start
                for _i in range(11):
                    back = (back - timedelta(days=1)).replace(day=1)
                trend = value_service.monthly(
                    session=session,
                    source=source,
                    scope=user.scope,
                    site=site or None,
                    first=back,
                    last=end,
                )
        except Invalid as exc:
            problems["report"] = exc.message
    if trend is not None and start is not None:
        the_month = next((m for m in trend.months if m.month == start.strftime("%Y-%m")), None)
        if the_month is None:
            problems["report"] = _("No contacts in %(month)s.") % {"month": start.strftime("%Y-%m")}
    currencies = sorted({c for m in trend.months for c in m.totals}) if trend else []
    return render(
        request,
        "value/report.html",
        {
            "month": start.strftime("%Y-%m") if start else (month or ""),
            "site": site or "",
            "trend": trend,
            "the_month": the_month,
            "charts": {c: bar_chart(trend.months, c) for c in currencies} if trend else {},
            "assumptions": value_service.list_assumptions(
                session=session, scope=user.scope, site=site or None
            )
            if trend
            else [],
            "formulas": value_service.FORMULAS,
            "saved": value_service.list_scenarios(session=session, scope=user.scope)
            if trend
            else [],
            "problems": problems,
            "approx": approx,
            "generated": datetime.now(UTC),
        },
        principal=user,
        status_code=422 if problems.get("month") else 200,
        active="value",
    )


routers: tuple[APIRouter, ...] = (pages,)
