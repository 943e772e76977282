"""Staffing: JSON API under /api/v1/staffing, the what-if staffing calculator at /staffing, and
forecasts, staffing requirements and capacity plans under /api/v1/forecasts and
/api/v1/capacity-plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse

from ccops.db import RowId
from ccops.enums import Role
from ccops.errors import CcopsError
from ccops.jobs.schemas import JobOut
from ccops.web import forms, permissions
from ccops.web import jobs as web_jobs
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, render
from ccops.wfm import jobs as wfm_jobs
from ccops.wfm import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.staffing import service as wfm_service

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])
pages = APIRouter(prefix="/staffing", include_in_schema=False)

Staffer = Annotated[Principal, Depends(require(*permissions.STAFFING))]
Simulator = Annotated[Principal, Depends(require(*permissions.SIMULATE))]


@router.post("/intervals", response_model=schemas.StaffingSeriesOut)
def staffing_intervals(data: schemas.StaffingSeriesIn, _user: Staffer) -> schemas.StaffingSeriesOut:
    """Compute the agents every interval of a series needs."""
    return wfm_service.staffing_intervals(data=data)


@router.post("/simulate", response_model=schemas.SimulationOut)
def simulate(scenario: dict[str, Any], _user: Simulator) -> schemas.SimulationOut:
    """Simulate a scenario (the JSON form of a scenario TOML file) with confidence intervals."""
    return wfm_service.simulate_document(doc=scenario, name="request body")


@router.post("", response_model=schemas.StaffingOut)
def staffing(data: schemas.StaffingIn, _user: Staffer) -> schemas.StaffingOut:
    """Compute the agents one interval needs to meet its goals."""
    return wfm_service.staffing(data=data)


# --- the staffing calculator -------------------------------------------------------------------

FIELDS = ("calls", "interval_min", "aht_s", "target_s", "goal_pct", "patience_s", "shrinkage_pct")
DEFAULTS = {
    "calls": "100",
    "interval_min": "30",
    "aht_s": "180",
    "target_s": "20",
    "goal_pct": "80",
    "patience_s": "",
    "shrinkage_pct": "30",
}
FIELD_LABELS = {
    "calls": N_("Contacts offered in the interval"),
    "interval_min": N_("Interval"),
    "aht_s": N_("Average handle time, seconds"),
    "target_s": N_("Service-level threshold T, seconds"),
    "goal_pct": N_("Service-level goal, % answered within T"),
    "patience_s": N_("Mean patience, seconds"),
    "shrinkage_pct": N_("Shrinkage, % of paid time off the queue"),
}
SCHEMA_FIELD = {
    "calls": "calls",
    "interval_s": "interval_min",
    "aht_s": "aht_s",
    "target_s": "target_s",
    "service_level": "goal_pct",
    "patience_s": "patience_s",
    "shrinkage": "shrinkage_pct",
}


def calculator_input(
    values: dict[str, Any], gettext: forms.Gettext
) -> tuple[schemas.StaffingIn | None, forms.FormState]:
    """Turn the calculator's form (percentages, minutes) into a staffing request, or problems."""
    _ = gettext
    state = forms.FormState(values=dict(values))
    numbers: dict[str, float | None] = {}
    for name in FIELDS:
        raw = str(values.get(name, "")).strip().replace(",", ".")
        if raw == "":
            if name != "patience_s":
                state.add(name, _("Required."))
            numbers[name] = None
            continue
        try:
            numbers[name] = float(raw)
        except ValueError:
            state.add(name, _("Enter a number."))
            numbers[name] = None
    interval = numbers["interval_min"]
    if interval is not None and interval not in (15, 30, 60):
        state.add("interval_min", _("Choose 15, 30 or 60 minutes."))
    goal = numbers["goal_pct"]
    if goal is not None and not 0 < goal < 100:
        state.add("goal_pct", _("Enter a percentage between 0 and 100."))
    shrinkage = numbers["shrinkage_pct"]
    if shrinkage is not None and not 0 <= shrinkage < 100:
        state.add("shrinkage_pct", _("Enter a percentage from 0 to below 100."))
    if not state.ok:
        return None, state
    data = {
        "calls": numbers["calls"],
        "interval_s": (interval or 30) * 60,
        "aht_s": numbers["aht_s"],
        "target_s": numbers["target_s"],
        "service_level": (goal or 0) / 100,
        "patience_s": numbers["patience_s"],
        "shrinkage": (shrinkage or 0) / 100,
    }
    schema_state = forms.FormState(values=dict.fromkeys(SCHEMA_FIELD, ""))
    model = forms.validate(schemas.StaffingIn, data, schema_state, _)
    for name, message in schema_state.errors.items():
        state.add(SCHEMA_FIELD.get(name), message)
    for message in schema_state.general:
        state.add(None, message)
    return model, state


def _result(
    request: Request, user: Principal, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    _ = gettext_for(request, user)
    model, state = calculator_input(values, _)
    result: schemas.StaffingOut | None = None
    if model is not None:
        try:
            result = wfm_service.staffing(data=model)
        except CcopsError as exc:
            state.add(None, exc.message)
    context = {
        "form": state,
        "result": result,
        "inputs": model,
        "field_labels": {name: _(label) for name, label in FIELD_LABELS.items()},
    }
    return context, (200 if result is not None else 422)


def _values(request: Request) -> dict[str, Any]:
    query = request.query_params
    if not any(name in query for name in FIELDS):
        return dict(DEFAULTS)
    return {name: query.get(name, "") for name in FIELDS}


@pages.get("", response_class=HTMLResponse)
def calculator(request: Request, user: Staffer) -> HTMLResponse:
    """Show the staffing calculator: load and goals in, agents and service out."""
    context, status = _result(request, user, _values(request))
    return render(
        request, "wfm/staffing.html", context, principal=user, status_code=status, active="staffing"
    )


@pages.get("/result", response_class=HTMLResponse)
def calculator_result(request: Request, user: Staffer) -> HTMLResponse:
    """Return the calculator's result for the inputs (the part htmx swaps in as they change)."""
    context, _status = _result(request, user, _values(request))
    return render(request, "wfm/staffing_result.html", context, principal=user)


# --- forecasts, staffing requirements, capacity plans (JSON API) -----------------------------

forecasts = APIRouter(prefix="/api/v1/forecasts", tags=["forecasts"])
capacity = APIRouter(prefix="/api/v1/capacity-plans", tags=["capacity plans"])

PLAN_WRITE = frozenset({Role.planner, Role.manager, Role.admin})
"""Building and adjusting forecasts, requirements and capacity plans."""
PLAN_READ = PLAN_WRITE | {Role.executive}
"""Reading them."""

PlanReader = Annotated[Principal, Depends(require(*PLAN_READ))]
PlanWriter = Annotated[Principal, Depends(require(*PLAN_WRITE, write=True))]


@forecasts.post("", response_model=schemas.ForecastDetailOut, status_code=201)
def build_forecast(
    data: schemas.ForecastBuildIn, session: SessionDep, user: PlanWriter
) -> schemas.ForecastDetailOut:
    """Backtest the methods on a queue's history and store a forecast with the best one.

    This call waits for the build (seconds to a minute on long histories), for scripts. To
    build in the background instead, POST the same body to /api/v1/forecasts/jobs: it answers
    202 with a job at once; poll GET /api/v1/jobs/{job_id} for its progress, and its result
    holds the forecast_id when it is done.
    """
    return forecast_service.build_forecast(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@forecasts.post("/jobs", response_model=JobOut, status_code=202)
def submit_forecast_build(
    data: schemas.ForecastBuildIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: PlanWriter,
) -> JobOut:
    """Queue a forecast build as a background job; poll GET /api/v1/jobs/{job_id}."""
    job = wfm_jobs.submit_forecast_build(
        session=session, data=data, created_by=user.login, scope=user.scope
    )
    web_jobs.dispatch(request, background, job)
    return job


@forecasts.post("/backtest", response_model=list[schemas.BacktestRowOut])
def backtest(
    data: schemas.BacktestIn, session: SessionDep, user: PlanWriter
) -> list[schemas.BacktestRowOut]:
    """Measure every method's accuracy on a queue's history (stores nothing)."""
    return forecast_service.backtest_queue(session=session, data=data, scope=user.scope)


@forecasts.get("", response_model=list[schemas.ForecastOut])
def list_forecasts(
    session: SessionDep, user: PlanReader, queue: str | None = None
) -> list[schemas.ForecastOut]:
    """List stored forecasts, newest first."""
    return forecast_service.list_forecasts(session=session, queue=queue, scope=user.scope)


@forecasts.get("/{forecast_id}", response_model=schemas.ForecastDetailOut)
def show_forecast(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.ForecastDetailOut:
    """Return a forecast with its intervals and adjusted volumes."""
    return forecast_service.get_forecast(session=session, forecast_id=forecast_id, scope=user.scope)


@forecasts.post("/{forecast_id}/adjustments", response_model=schemas.ForecastDetailOut)
def adjust_forecast(
    forecast_id: RowId, data: schemas.AdjustmentIn, session: SessionDep, user: PlanWriter
) -> schemas.ForecastDetailOut:
    """Add an adjustment layer (a factor on a day or interval range)."""
    return forecast_service.adjust_forecast(
        session=session,
        forecast_id=forecast_id,
        data=data,
        created_by=user.login,
        scope=user.scope,
    )


@forecasts.get("/{forecast_id}/accuracy", response_model=schemas.AccuracyOut)
def forecast_accuracy(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.AccuracyOut:
    """Compare a forecast with what arrived, per interval and overall."""
    return forecast_service.forecast_vs_actual(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@forecasts.post(
    "/{forecast_id}/requirements", response_model=schemas.RequirementOut, status_code=201
)
def build_requirement(
    forecast_id: RowId, data: schemas.RequirementIn, session: SessionDep, user: PlanWriter
) -> schemas.RequirementOut:
    """Store the agents each forecast interval needs and the people to schedule."""
    return forecast_service.build_requirement(
        session=session,
        forecast_id=forecast_id,
        data=data,
        created_by=user.login,
        scope=user.scope,
    )


@forecasts.get("/{forecast_id}/requirements", response_model=list[schemas.RequirementSummaryOut])
def list_requirements(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> list[schemas.RequirementSummaryOut]:
    """List the staffing requirements built from a forecast, newest first."""
    return forecast_service.list_requirements(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@forecasts.get("/requirements/{requirement_id}", response_model=schemas.RequirementOut)
def show_requirement(
    requirement_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.RequirementOut:
    """Return a stored staffing requirement."""
    return forecast_service.get_requirement(
        session=session, requirement_id=requirement_id, scope=user.scope
    )


@capacity.post("", response_model=schemas.CapacityPlanOut, status_code=201)
def build_capacity_plan(
    data: schemas.CapacityPlanIn, session: SessionDep, user: PlanWriter
) -> schemas.CapacityPlanOut:
    """Plan hires week by week from a forecast's workload."""
    return forecast_service.capacity_plan(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@capacity.get("", response_model=list[schemas.CapacityPlanOut])
def list_capacity_plans(
    session: SessionDep, user: PlanReader, forecast_id: RowId | None = None
) -> list[schemas.CapacityPlanOut]:
    """List stored capacity plans, newest first (optionally of one forecast)."""
    return forecast_service.list_capacity_plans(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@capacity.get("/{plan_id}", response_model=schemas.CapacityPlanOut)
def show_capacity_plan(
    plan_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.CapacityPlanOut:
    """Return a stored capacity plan."""
    return forecast_service.get_capacity_plan(session=session, plan_id=plan_id, scope=user.scope)


events = APIRouter(prefix="/api/v1/calendar-events", tags=["forecasts"])


@events.post("", response_model=schemas.CalendarEventOut, status_code=201)
def add_calendar_event(
    data: schemas.CalendarEventIn, session: SessionDep, user: PlanWriter
) -> schemas.CalendarEventOut:
    """Store a special day of a site or queue for future forecasts."""
    return forecast_service.add_calendar_event(session=session, data=data, scope=user.scope)


@events.get("", response_model=list[schemas.CalendarEventOut])
def list_calendar_events(
    session: SessionDep, user: PlanReader, site: str | None = None
) -> list[schemas.CalendarEventOut]:
    """List stored special days."""
    return forecast_service.list_calendar_events(session=session, site=site, scope=user.scope)
