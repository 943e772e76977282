"""Pages of forecasts (server-rendered, htmx): the list and build form, one forecast with its
chart, and the forms on it that adjust it and build a staffing requirement or a capacity plan
from it (the requirement and the plan have their own pages in ``staffing`` and ``capacity``).

Planners, managers and admins of the sites in scope build and adjust; executives read. A
forecast build runs as a background job: the form queues it and the page polls its progress.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.errors import CcopsError, Invalid
from ccops.ids import RowId
from ccops.jobs import service as jobs_service
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web import jobs as web_jobs
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.capacity import schemas as capacity_schemas
from ccops.wfm.capacity import service as capacity_service
from ccops.wfm.forecasts import jobs as forecast_jobs
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas

pages = APIRouter(prefix="/forecasts", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]
Writer = Annotated[Principal, Depends(require(*permissions.FORECASTS_WRITE, write=True))]

HISTORY_DAYS = 14
"""Days of history drawn before a forecast's first day."""
METHOD_LABELS = {
    "SeasonalNaive": N_("Seasonal naive (same interval last week)"),
    "HistoricalAverage": N_("Historical average of the weekday and interval"),
    "TopDown": N_("Top-down (daily total × intraday profile)"),
    "AutoETSDaily": N_("AutoETS on daily totals"),
    "MSTL": N_("MSTL (daily and weekly seasonality)"),
    "TopDownShrunk": N_("Top-down, weekday shapes shrunk towards the pooled shape"),
    "Combination": N_("Mean of historical average, shrunk top-down and MSTL"),
    "MeanOfBest2": N_("Mean of the backtest's best two methods"),
    "MeanOfBest3": N_("Mean of the backtest's best three methods"),
    "WeightedBest3": N_("Best three methods weighted by their inverse error"),
}


@dataclass(frozen=True)
class Spec:
    """A form field and the schema field it fills (``scale`` 0.01 turns a percentage into a
    fraction)."""

    name: str
    schema: str
    scale: float = 1.0
    optional: bool = False


BUILD_FIELDS = ("queue", "horizon_days", "interval_min", "backtest_weeks")
ADJUST_FIELDS = ("day", "start", "end", "factor", "reason")
REQUIREMENT_SPECS = (
    Spec("breaks_pct", "breaks", 0.01),
    Spec("training_pct", "training", 0.01),
    Spec("coaching_pct", "coaching", 0.01),
    Spec("meetings_pct", "meetings", 0.01),
    Spec("absence_pct", "absence", 0.01),
    Spec("patience_s", "patience_s", 1.0, optional=True),
    Spec("volume_percentile", "volume_percentile", 1.0, optional=True),
)
CAPACITY_SPECS = (
    Spec("current_fte", "current_fte"),
    Spec("hours_per_fte_week", "hours_per_fte_week"),
    Spec("occupancy_pct", "occupancy", 0.01),
    Spec("shrinkage_pct", "shrinkage", 0.01),
    Spec("attrition_pct", "attrition_weekly", 0.01),
    Spec("lead_time_weeks", "lead_time_weeks"),
    Spec("training_weeks", "training_weeks"),
    Spec("weeks", "weeks"),
)
BUILD_DEFAULTS = {"horizon_days": "28", "interval_min": "15", "backtest_weeks": "3"}
REQUIREMENT_DEFAULTS = {
    "breaks_pct": "8",
    "training_pct": "3",
    "coaching_pct": "3",
    "meetings_pct": "2",
    "absence_pct": "6",
    "patience_s": "",
    "volume_percentile": "",
}
CAPACITY_DEFAULTS = {
    "current_fte": "",
    "hours_per_fte_week": "40",
    "occupancy_pct": "85",
    "shrinkage_pct": "30",
    "attrition_pct": "0.5",
    "lead_time_weeks": "4",
    "training_weeks": "4",
    "weeks": "26",
    "ramp": "0.5, 0.75, 0.9",
}


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _may_edit(user: Principal) -> bool:
    return user.role in permissions.FORECASTS_WRITE


def _numbers(
    values: dict[str, Any], specs: tuple[Spec, ...], state: forms.FormState, _: forms.Gettext
) -> dict[str, Any]:
    """Parse the form's numbers (percentages into fractions); mark what is not a number."""
    data: dict[str, Any] = {}
    for spec in specs:
        raw = str(values.get(spec.name, "")).strip().replace(",", ".")
        if raw == "":
            if not spec.optional:
                state.add(spec.name, _("Required."))
            continue
        try:
            number = float(raw)
        except ValueError:
            state.add(spec.name, _("Enter a number."))
            continue
        if not math.isfinite(number):
            state.add(spec.name, _("Enter a number."))
            continue
        if spec.scale != 1.0 and not 0 <= number < 100:
            state.add(spec.name, _("Enter a percentage from 0 to below 100."))
            continue
        data[spec.schema] = number * spec.scale
    return data


def _validate(
    model: type[Any],
    data: dict[str, Any],
    specs: tuple[Spec, ...],
    state: forms.FormState,
    _: forms.Gettext,
) -> Any:
    """Validate ``data`` with ``model``, putting each problem on the form field it came from."""
    names = {s.schema: s.name for s in specs}
    inner = forms.FormState(values=dict.fromkeys(names, ""))
    found = forms.validate(model, data, inner, _)
    for name, message in inner.errors.items():
        state.add(names.get(name, name), message)
    for message in inner.general:
        state.add(None, message)
    return found if state.ok else None


def _queues(session: Session, user: Principal) -> list[Any]:
    return org_service.list_queues(session=session, scope=user.scope)


def _methods(_: forms.Gettext) -> list[tuple[str, str]]:
    return [(name, _(METHOD_LABELS.get(name, name))) for name in forecast_service.method_names()]


# --- the forecast list and build form ---------------------------------------------------------


def _index(
    request: Request,
    session: Session,
    user: Principal,
    *,
    state: forms.FormState | None = None,
    queue: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    queues = _queues(session, user)
    names = [q.name for q in queues]
    chosen = queue if queue in names else (names[0] if names else None)
    if state is None:
        state = forms.FormState(values={**BUILD_DEFAULTS, "queue": chosen or "", "methods": []})
    versions = (
        forecast_service.list_forecasts(session=session, queue=chosen, scope=user.scope)
        if chosen
        else []
    )
    return render(
        request,
        "wfm/forecasts.html",
        {
            "form": state,
            "queues": queues,
            "queue_options": [(q.name, f"{q.name} · {q.site}") for q in queues],
            "queue": chosen,
            "versions": versions,
            "job_cards": jobs_service.own_cards(
                session=session,
                login=user.login,
                kind=forecast_jobs.FORECAST_BUILD,
                gettext=gettext_for(request, user),
            )
            if _may_edit(user)
            else [],
            "may_edit": _may_edit(user),
            "method_options": _methods(_),
        },
        principal=user,
        status_code=status_code,
        active="forecasts",
    )


@pages.get("", response_class=HTMLResponse)
def forecasts(
    request: Request, session: SessionDep, user: Reader, queue: str | None = None
) -> HTMLResponse:
    """List a queue's forecast versions and (for planners) the form that builds a new one."""
    return _index(request, session, user, queue=queue)


@pages.post("", response_class=HTMLResponse)
def build(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: Writer,
    form: forms.PostedForm,
) -> Response:
    """Queue a forecast build from the form; the page then shows the job's progress."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, BUILD_FIELDS, ["methods"])
    state = forms.FormState(values=values)
    data = {
        "queue": values["queue"],
        "horizon_days": values["horizon_days"],
        "interval_min": int(values["interval_min"])
        if values["interval_min"].isdigit()
        else values["interval_min"],
        "backtest_weeks": values["backtest_weeks"],
        "methods": values["methods"] or None,
    }
    model = forms.validate(schemas.ForecastBuildIn, data, state, _)
    if model is not None:
        try:
            with attempt(session):
                job = forecast_jobs.submit_forecast_build(
                    session=session, data=model, created_by=user.login, scope=user.scope
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
        else:
            web_jobs.dispatch(request, background, job)
            return redirect(request, f"/forecasts?queue={model.queue}#job-{job.id}")
    return _index(request, session, user, state=state, queue=values["queue"], status_code=422)


# --- one forecast ---------------------------------------------------------------------------


def _chart(
    session: Session, detail: schemas.ForecastDetailOut, user: Principal, _: forms.Gettext
) -> dict[str, Any]:
    """History before the forecast, point forecast, adjusted forecast and 80%/95% bands."""
    queue = forecast_service.queue_in_scope(session=session, name=detail.queue, scope=user.scope)
    first = (detail.first_day - date(1970, 1, 1)).days * 1440
    labels: list[str] = []
    actual: list[float | None] = []
    try:
        labels, volumes = forecast_service.recent_history(
            session=session,
            queue_id=queue.id,
            interval_min=detail.interval_min,
            end_local_min=first,
            days=HISTORY_DAYS,
        )
        labels, actual = list(labels), [_r(v) for v in volumes]
    except Invalid:
        pass
    n_hist = len(labels)
    ivs = detail.intervals
    labels += [iv.local_start.strftime("%Y-%m-%d %H:%M") for iv in ivs]
    pad: list[float | None] = [None] * n_hist
    adjusted = any(iv.factor != 1.0 for iv in ivs)
    pi95, pi80 = _("95% prediction interval"), _("80% prediction interval")
    held = _band_coverage(detail)
    if held is not None:
        horizon, c80, c95 = held
        text = _("%(band)s, held %(pct)s of the actuals in the backtest (days 1 to %(h)s)")
        pi80 = text % {"band": pi80, "pct": f"{100 * c80:.0f}%", "h": horizon}
        pi95 = text % {"band": pi95, "pct": f"{100 * c95:.0f}%", "h": horizon}
    return {
        "labels": labels,
        "actual": actual + [None] * len(ivs),
        "forecast": pad + [_r(iv.volume) for iv in ivs],
        "adjusted": (pad + [_r(iv.adjusted_volume) for iv in ivs]) if adjusted else None,
        "lo95": pad + [_r(iv.lo95) for iv in ivs],
        "band95": pad + [_r(iv.hi95 - iv.lo95) for iv in ivs],
        "lo80": pad + [_r(iv.lo80) for iv in ivs],
        "band80": pad + [_r(iv.hi80 - iv.lo80) for iv in ivs],
        "names": {
            "actual": _("Actual (history)"),
            "forecast": _("Forecast"),
            "adjusted": _("Adjusted forecast"),
            "pi95": pi95,
            "pi80": pi80,
            "contacts": _("Contacts per interval"),
        },
        "title": _("%(queue)s: contacts per %(n)s-minute interval, history and forecast")
        % {"queue": detail.queue, "n": detail.interval_min},
    }


def _band_coverage(detail: schemas.ForecastDetailOut) -> tuple[int, float, float] | None:
    """(horizon, 80% and 95% coverage) of the chosen method's recalibrated bands in the
    backtest, at 7 days (the deciding horizon) or the longest horizon under it; None when not
    measured."""
    rows = [
        r
        for r in detail.accuracy
        if r.chosen
        and r.horizon_days <= forecast_service.DECIDING_HORIZON
        and r.calibrated_coverage80 is not None
        and r.calibrated_coverage95 is not None
    ]
    if not rows:
        return None
    row = max(rows, key=lambda r: r.horizon_days)
    assert row.calibrated_coverage80 is not None and row.calibrated_coverage95 is not None
    return row.horizon_days, row.calibrated_coverage80, row.calibrated_coverage95


def _daily(detail: schemas.ForecastDetailOut) -> list[dict[str, Any]]:
    days: dict[date, dict[str, Any]] = {}
    for iv in detail.intervals:
        d = days.setdefault(
            iv.local_start.date(),
            {"forecast": 0.0, "adjusted": 0.0, "work": 0.0, "factors": set()},
        )
        d["forecast"] += iv.volume
        d["adjusted"] += iv.adjusted_volume
        d["work"] += iv.adjusted_volume * iv.aht_s
        d["factors"].add(round(iv.factor, 6))
    return [
        {
            "day": k,
            "forecast": v["forecast"],
            "adjusted": v["adjusted"],
            "aht_s": v["work"] / v["adjusted"] if v["adjusted"] > 0 else None,
            "adjusted_here": v["factors"] != {1.0},
        }
        for k, v in days.items()
    ]


def _detail_page(
    request: Request,
    session: Session,
    user: Principal,
    forecast_id: int,
    *,
    adjust_state: forms.FormState | None = None,
    requirement_state: forms.FormState | None = None,
    capacity_state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    detail = forecast_service.get_forecast(
        session=session, forecast_id=forecast_id, scope=user.scope
    )
    accuracy = forecast_service.forecast_vs_actual(
        session=session, forecast_id=forecast_id, scope=user.scope
    )
    first_day = detail.first_day.isoformat()
    return render(
        request,
        "wfm/forecast.html",
        {
            "f": detail,
            "chart": _chart(session, detail, user, _),
            "daily": _daily(detail),
            "accuracy": accuracy,
            "versions": forecast_service.list_forecasts(
                session=session, queue=detail.queue, scope=user.scope
            ),
            "requirements": requirement_service.list_requirements(
                session=session, forecast_id=forecast_id, scope=user.scope
            ),
            "plans": capacity_service.list_capacity_plans(
                session=session, forecast_id=forecast_id, scope=user.scope
            ),
            "may_edit": _may_edit(user),
            "method_labels": {k: _(v) for k, v in METHOD_LABELS.items()},
            "adjust_form": adjust_state
            or forms.FormState(
                values={"day": first_day, "start": "", "end": "", "factor": "", "reason": ""}
            ),
            "requirement_form": requirement_state
            or forms.FormState(values=dict(REQUIREMENT_DEFAULTS)),
            "capacity_form": capacity_state or forms.FormState(values=dict(CAPACITY_DEFAULTS)),
        },
        principal=user,
        status_code=status_code,
        active="forecasts",
    )


@pages.get("/{forecast_id:int}", response_class=HTMLResponse)
def show(request: Request, forecast_id: RowId, session: SessionDep, user: Reader) -> HTMLResponse:
    """Show a forecast: chart with prediction intervals, backtests, versions, adjustments."""
    return _detail_page(request, session, user, forecast_id)


@pages.post("/{forecast_id:int}/adjustments", response_class=HTMLResponse)
def adjust(
    request: Request, forecast_id: RowId, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Add an adjustment layer (a factor on a day or a range of intervals) from the form."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ADJUST_FIELDS)
    state = forms.FormState(values=values)
    data: dict[str, Any] = {"factor": values["factor"], "reason": values["reason"]}
    if values["start"] or values["end"]:
        data["start"] = values["start"] or None
        data["end"] = values["end"] or None
        if not values["start"]:
            state.add("start", _("Required."))
        if not values["end"]:
            state.add("end", _("Required."))
    elif values["day"]:
        data["day"] = values["day"]
    else:
        state.add("day", _("Give a day, or a start and an end."))
    model = forms.validate(schemas.AdjustmentIn, data, state, _) if state.ok else None
    if model is not None:
        try:
            with attempt(session):
                forecast_service.adjust_forecast(
                    session=session,
                    forecast_id=forecast_id,
                    data=model,
                    created_by=user.login,
                    scope=user.scope,
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
        else:
            return redirect(
                request,
                f"/forecasts/{forecast_id}#adjustments",
                flash=("success", _("Adjustment added; the forecast itself is kept.")),
            )
    return _detail_page(request, session, user, forecast_id, adjust_state=state, status_code=422)


@pages.post("/{forecast_id:int}/requirements", response_class=HTMLResponse)
def build_requirement(
    request: Request, forecast_id: RowId, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Store the agents each interval needs and the people to schedule, from the form."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, [s.name for s in REQUIREMENT_SPECS])
    state = forms.FormState(values=values)
    data = _numbers(values, REQUIREMENT_SPECS, state, _)
    model = _validate(staffing_schemas.RequirementIn, data, REQUIREMENT_SPECS, state, _)
    if model is not None:
        try:
            with attempt(session):
                out = requirement_service.build_requirement(
                    session=session,
                    forecast_id=forecast_id,
                    data=model,
                    created_by=user.login,
                    scope=user.scope,
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
        else:
            return redirect(request, f"/forecasts/requirements/{out.id}")
    return _detail_page(
        request, session, user, forecast_id, requirement_state=state, status_code=422
    )


@pages.post("/{forecast_id:int}/capacity-plans", response_class=HTMLResponse)
def build_capacity_plan(
    request: Request, forecast_id: RowId, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Plan hires week by week from the forecast's workload, from the form."""
    _ = gettext_for(request, user)
    names = [s.name for s in CAPACITY_SPECS] + ["ramp"]
    values = forms.text_values(form, names)
    state = forms.FormState(values=values)
    data = _numbers(values, CAPACITY_SPECS, state, _)
    data["forecast_id"] = forecast_id
    try:
        data["ramp"] = [float(x) for x in values["ramp"].replace(";", ",").split(",") if x.strip()]
    except ValueError:
        state.add("ramp", _("Enter numbers separated by commas, such as 0.5, 0.75, 0.9."))
    specs = (*CAPACITY_SPECS, Spec("ramp", "ramp"))
    model = _validate(capacity_schemas.CapacityPlanIn, data, specs, state, _) if state.ok else None
    if model is not None:
        try:
            with attempt(session):
                out = capacity_service.capacity_plan(
                    session=session, data=model, created_by=user.login, scope=user.scope
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
        else:
            return redirect(request, f"/capacity-plans/{out.id}")
    return _detail_page(request, session, user, forecast_id, capacity_state=state, status_code=422)


routers: tuple[APIRouter, ...] = (pages,)
