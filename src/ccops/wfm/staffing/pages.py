"""Staffing pages: the what-if staffing calculator at /staffing, and a stored staffing requirement
at /forecasts/requirements/{requirement_id} (server-rendered, htmx)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, render
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas
from ccops.wfm.staffing import service as staffing_service

pages = APIRouter(prefix="/staffing", include_in_schema=False)
requirement_pages = APIRouter(prefix="/forecasts/requirements", include_in_schema=False)

Staffer = Annotated[Principal, Depends(require(*permissions.STAFFING))]
Reader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]

MODEL_LABELS = {
    "erlang_c": N_("Erlang C (voice, nobody abandons)"),
    "erlang_a": N_("Erlang A (voice, with patience)"),
    "chat_concurrency": N_("Chat: Erlang C on session slots at the channel's concurrency"),
    "deferred": N_("Deferred work: every item answered within the target time"),
}


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
            result = staffing_service.staffing(data=model)
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


# --- a stored staffing requirement ---------------------------------------------------------


@requirement_pages.get("/{requirement_id:int}", response_class=HTMLResponse)
def show_requirement(
    request: Request, requirement_id: RowId, session: SessionDep, user: Reader
) -> HTMLResponse:
    """Show a staffing requirement: agents and people to schedule per interval and day."""
    _ = gettext_for(request, user)
    req = requirement_service.get_requirement(
        session=session, requirement_id=requirement_id, scope=user.scope
    )
    days: dict[date, dict[str, Any]] = {}
    for iv in req.intervals:
        d = days.setdefault(
            iv.local_start.date(), {"volume": 0.0, "peak": 0, "peak_scheduled": 0, "hours": 0.0}
        )
        d["volume"] += iv.volume
        d["peak"] = max(d["peak"], iv.required_agents)
        d["peak_scheduled"] = max(d["peak_scheduled"], iv.scheduled)
    step_h = 0.0
    if len(req.intervals) > 1:
        step_h = (
            req.intervals[1].local_start - req.intervals[0].local_start
        ).total_seconds() / 3600
    nesting: dict[date, Any] = {}
    for iv in req.intervals:
        days[iv.local_start.date()]["hours"] += iv.required_agents * step_h
        day = iv.local_start.date()
        # an interval without forecast handle time shows multiple 1: keep the day's highest
        if iv.nesting_heads and (
            day not in nesting or iv.nesting_aht_factor > nesting[day].nesting_aht_factor
        ):
            nesting[day] = iv
    chart = {
        "labels": [iv.local_start.strftime("%Y-%m-%d %H:%M") for iv in req.intervals],
        "required": [iv.required_agents for iv in req.intervals],
        "scheduled": [iv.scheduled for iv in req.intervals],
        "names": {
            "required": _("Agents on the queue"),
            "scheduled": _("People to schedule (with shrinkage)"),
            "agents": _("Agents"),
        },
        "title": _("%(queue)s: agents needed per interval") % {"queue": req.queue},
    }
    return render(
        request,
        "wfm/requirement.html",
        {
            "req": req,
            "days": days,
            "nesting": nesting,
            "chart": chart,
            "model_label": _(MODEL_LABELS.get(req.staffing_model, req.staffing_model)),
        },
        principal=user,
        active="forecasts",
    )


routers: tuple[APIRouter, ...] = (pages, requirement_pages)
