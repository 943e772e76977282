"""Pages of capacity (hiring) plans: the list at /capacity-plans, one plan week by week, and a
site's plan over all its queues with its hiring waves at /capacity-plans/site."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt
from ccops.errors import CcopsError, NotFound, Problem
from ccops.ids import RowId
from ccops.org import service as org_service
from ccops.relative_days import monday_of
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render
from ccops.wfm.capacity import saved as capacity_saved
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import service as capacity_service
from ccops.wfm.capacity import site as capacity_site

capacity_pages = APIRouter(prefix="/capacity-plans", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]
Writer = Annotated[Principal, Depends(require(*permissions.FORECASTS_WRITE, write=True))]

STAGES = {
    "applied": N_("applied"),
    "screened": N_("screened"),
    "interviewed": N_("interviewed"),
    "offered": N_("offered"),
    "hired": N_("hired"),
}
"""The candidate stages a wave counts (a funnel, not a recruiting system), with their labels."""
WAVE_STATES = {
    "recruiting": N_("recruiting"),
    "in training": N_("in training"),
    "nesting": N_("nesting"),
    "live": N_("live"),
}
"""Where a stored wave stands today (``site.wave_state``)."""
PROMOTION_STATES = {"pending": N_("Pending"), "accepted": N_("Accepted")}
"""The recommendations that count someone out of the agent pool."""
WAVE_FIELDS = (
    "name", "hires", "queue", "class_start", "class_end", "go_live", "trainers", "curriculum",
    *(f"candidates_{s}" for s in STAGES),
)  # fmt: skip


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


# --- the site plan (#25) -----------------------------------------------------------------------


def _this_monday() -> date:
    return monday_of(date.today())


def site_chart(plan: schemas.SitePlanOut, names: dict[str, str]) -> dict[str, Any]:
    """The chart's series: total required FTE, the total gap without and with the waves, and
    the productive FTE each wave adds (stacked bars), week by week."""
    weeks = plan.weeks
    return {
        "labels": [w.week_start.isoformat() for w in weeks],
        "required": [_r(sum(w.required_fte.values()), 1) for w in weeks],
        "without": [_r(sum(w.gap_without_waves.values()), 1) for w in weeks],
        "with": [_r(sum(w.gap_with_waves.values()), 1) for w in weeks],
        "waves": [
            {"name": wave.name, "fte": [_r(w.wave_fte.get(wave.name, 0.0), 1) for w in weeks]}
            for wave in plan.waves
        ],
        "names": names,
    }


def _plan_for(
    session: SessionDep, user: Principal, site: str, first_week: date, weeks: int
) -> schemas.SitePlanOut:
    return capacity_site.site_plan(
        session=session,
        data=schemas.SitePlanIn(site=site, first_week=first_week, weeks=weeks),
        scope=user.scope,
    )


def _site_page(
    request: Request,
    session: SessionDep,
    user: Principal,
    *,
    site: str | None,
    first_week: date | None,
    weeks: int,
    state: forms.FormState | None = None,
    editing: schemas.StoredWaveOut | None = None,
    save_state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    sites = [s.name for s in org_service.list_sites(session=session, scope=user.scope)]
    chosen = site or (sites[0] if sites else None)
    if chosen is not None and chosen not in sites:
        raise NotFound(f"no site {chosen!r} in your scope", [Problem("outside scope", "site")])
    monday = first_week or _this_monday()
    monday = monday_of(monday)
    context: dict[str, Any] = {
        "sites": sites,
        "site": chosen,
        "first_week": monday,
        "weeks": weeks,
        "plan": None,
        "writes": user.role in permissions.FORECASTS_WRITE,
        "state": state,
        "stages": STAGES,
        "wave_states": WAVE_STATES,
        "editing": editing,
        "promotion_states": PROMOTION_STATES,
        "save_state": save_state or forms.FormState(values={"name": ""}),
        "promotion_weeks": schemas.SitePlanIn.model_fields["promotion_weeks"].default,
    }
    if chosen is not None:
        plan = _plan_for(session, user, chosen, monday, weeks)
        stored = {
            w.name: w
            for w in capacity_site.list_waves(session=session, site=chosen, scope=user.scope)
        }
        totals_without = [sum(w.gap_without_waves.values()) for w in plan.weeks]
        totals_with = [sum(w.gap_with_waves.values()) for w in plan.weeks]
        short_with = [w for w, gap in enumerate(totals_with) if gap > 0.05]
        queue_names = sorted({q for w in plan.weeks for q in w.required_fte})
        context |= {
            "plan": plan,
            "saved_plans": capacity_saved.list_site_plans(
                session=session, scope=user.scope, site=chosen
            ),
            "stored": stored,
            "queue_options": [(q, q) for q in queue_names],
            "people": sum(plan.staff.values()),
            "peak_without": max(totals_without, default=0.0),
            "peak_with": max(totals_with, default=0.0),
            "first_short": plan.weeks[short_with[0]].week_start if short_with else None,
            "chart": site_chart(
                plan,
                {
                    "required": _("Required FTE, all queues"),
                    "without": _("Short without the waves"),
                    "with": _("Short with every wave"),
                    "fte": _("FTE"),
                },
            ),
            "chart_title": _("Site %(site)s: requirement and gap week by week") % {"site": chosen},
        }
        if state is None:
            context["state"] = forms.FormState(
                values=_form_of(editing)
                if editing is not None
                else dict.fromkeys(WAVE_FIELDS, "") | {"skills": [], "queue": ""}
            )
    return render(
        request,
        "wfm/site_plan.html",
        context,
        principal=user,
        active="forecasts",
        status_code=status_code,
    )


@capacity_pages.get("/site", response_class=HTMLResponse)
def site_plan_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    site: Annotated[str | None, Query(max_length=200)] = None,
    first_week: Annotated[date | None, Query()] = None,
    weeks: Annotated[int, Query(ge=1, le=104)] = 26,
) -> HTMLResponse:
    """A site's capacity over all its queues (skills shared): the gap week by week without the
    hiring waves, with each alone and with all; the waves with their candidates and classes."""
    return _site_page(request, session, user, site=site, first_week=first_week, weeks=weeks)


def _wave_from_form(values: dict[str, Any], site: str) -> dict[str, Any]:
    def items(text: str) -> list[str]:
        return [t.strip() for t in re.split(r"[,\n]", text) if t.strip()]

    candidates = {
        s: values[f"candidates_{s}"] for s in STAGES if values.get(f"candidates_{s}", "") != ""
    }
    return {
        "site": site,
        "name": values["name"],
        "hires": values["hires"] or None,
        "skills": values["skills"],
        "queue": values["queue"],
        "candidates": candidates,
        "class_start": values["class_start"] or None,
        "class_end": values["class_end"] or None,
        "go_live": values["go_live"] or None,
        "trainers": items(values["trainers"]),
        "curriculum": items(values["curriculum"]),
    }


def _form_of(wave: schemas.StoredWaveOut) -> dict[str, Any]:
    """A stored wave as the values of the wave form, to change it."""
    return {
        "name": wave.name,
        "hires": str(wave.hires),
        "skills": list(wave.skills),
        "queue": wave.queue,
        "class_start": wave.class_start.isoformat(),
        "class_end": wave.class_end.isoformat(),
        "go_live": wave.go_live.isoformat(),
        "trainers": ", ".join(wave.trainers),
        "curriculum": ", ".join(wave.curriculum),
        **{f"candidates_{s}": str(wave.candidates.get(s, "")) for s in STAGES},
    }


def _site_url(site: str) -> str:
    return f"/capacity-plans/site?{urlencode({'site': site})}"


@capacity_pages.post("/site/waves", response_class=HTMLResponse)
def add_site_wave(
    request: Request, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Keep a hiring wave of the site; a bad wave comes back with every problem beside its field
    and nothing stored."""
    return _save_wave(request, session, user, form, editing=None)


@capacity_pages.get("/site/waves/{wave_id}", response_class=HTMLResponse)
def edit_site_wave(
    request: Request, session: SessionDep, user: Writer, wave_id: RowId
) -> HTMLResponse:
    """The site page with the wave form filled in with a stored wave, to change it."""
    wave = capacity_site.get_wave(session=session, wave_id=wave_id, scope=user.scope)
    return _site_page(
        request, session, user, site=wave.site, first_week=None, weeks=26, editing=wave
    )


@capacity_pages.post("/site/waves/{wave_id}", response_class=HTMLResponse)
def change_site_wave(
    request: Request, session: SessionDep, user: Writer, wave_id: RowId, form: forms.PostedForm
) -> Response:
    """Change a stored wave (the fields the form shows; its nesting ramp kept); a refused change
    comes back beside its fields and leaves the wave as it was."""
    wave = capacity_site.get_wave(session=session, wave_id=wave_id, scope=user.scope)
    return _save_wave(request, session, user, form, editing=wave)


@capacity_pages.post("/site/waves/{wave_id}/remove", response_class=HTMLResponse)
def remove_site_wave(
    request: Request, session: SessionDep, user: Writer, wave_id: RowId, form: forms.PostedForm
) -> Response:
    """Remove a stored wave (a cancelled requisition) and go back to its site's plan."""
    _ = gettext_for(request, user)
    with attempt(session):
        gone = capacity_site.remove_wave(session=session, wave_id=wave_id, scope=user.scope)
    return redirect(
        request,
        _site_url(gone.site),
        flash=("success", _("Wave %(name)s removed.") % {"name": gone.name}),
    )


def _save_wave(
    request: Request,
    session: SessionDep,
    user: Principal,
    form: forms.PostedForm,
    *,
    editing: schemas.StoredWaveOut | None,
) -> Response:
    _ = gettext_for(request, user)
    site = editing.site if editing is not None else str(form.get("site") or "")
    values = forms.text_values(form, WAVE_FIELDS, lists=("skills",))
    state = forms.FormState(values=values)
    raw = _wave_from_form(values, site)
    if editing is not None:  # what the form does not show (nesting) stays as it was
        kept = editing.model_dump(mode="json", exclude={"id", "site", "created_by", "state"})
        raw = kept | raw
    data = forms.validate(schemas.StoredWaveIn, raw, state, _)
    if data is not None:
        try:
            with attempt(session):
                if editing is None:
                    capacity_site.add_wave(
                        session=session, data=data, by=user.login, scope=user.scope
                    )
                    done = _("Wave %(name)s kept.")
                else:
                    capacity_site.update_wave(
                        session=session, wave_id=editing.id, data=data, scope=user.scope
                    )
                    done = _("Wave %(name)s changed.")
            return redirect(request, _site_url(site), flash=("success", done % {"name": data.name}))
        except CcopsError as exc:
            # a wave's problems name their field (waves.0.class_end): shown beside it; a terse
            # one ("duplicate") also brings the whole message to the top of the form
            for problem in exc.problems:
                field = (problem.field or "").rsplit(".", 1)[-1]
                state.add(field if field in values else None, problem.message)
                if problem.message not in exc.message:
                    state.add(None, exc.message)
            if not exc.problems:
                state.add(None, exc.message)
    return _site_page(
        request,
        session,
        user,
        site=site or None,
        first_week=None,
        weeks=26,
        state=state,
        editing=editing,
        status_code=422,
    )


@capacity_pages.post("/site/saved", response_class=HTMLResponse)
def save_site_plan(
    request: Request, session: SessionDep, user: Writer, form: forms.PostedForm
) -> Response:
    """Keep the site plan shown (site, first week, weeks) under a name and open it; a plan
    without a name comes back with the problem beside the field, nothing kept."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("site", "first_week", "weeks", "name"))
    state = forms.FormState(values=values)
    raw = {
        "site": values["site"],
        "first_week": values["first_week"] or None,
        "weeks": values["weeks"] or 26,
        "name": values["name"],
    }
    data = forms.validate(schemas.SavedSitePlanIn, raw, state, _)
    if data is not None:
        try:
            with attempt(session):
                kept = capacity_saved.save_site_plan(
                    session=session,
                    data=data.model_copy(update={"first_week": monday_of(data.first_week)}),
                    by=user.login,
                    scope=user.scope,
                )
            return redirect(
                request,
                f"/capacity-plans/site/saved/{kept.id}",
                flash=("success", _("Plan %(name)s kept.") % {"name": kept.name}),
            )
        except CcopsError as exc:
            state.add(None, exc.message)
    try:
        first = date.fromisoformat(values["first_week"]) if values["first_week"] else None
    except ValueError:
        first = None
    weeks = int(values["weeks"]) if values["weeks"].isdigit() else 26
    return _site_page(
        request,
        session,
        user,
        site=values["site"] or None,
        first_week=first,
        weeks=min(max(weeks, 1), 104),
        save_state=state,
        status_code=422,
    )


@capacity_pages.get("/site/saved/{saved_id}", response_class=HTMLResponse)
def saved_site_plan(
    request: Request, saved_id: RowId, session: SessionDep, user: Reader
) -> HTMLResponse:
    """A kept site plan as it was computed, beside the same inputs computed again today."""
    comparison = capacity_saved.compare_site_plan(
        session=session, saved_id=saved_id, scope=user.scope
    )
    saved = capacity_saved.get_site_plan(session=session, saved_id=saved_id, scope=user.scope)
    return render(
        request,
        "wfm/site_plan_saved.html",
        {"saved": saved, "cmp": comparison},
        principal=user,
        active="forecasts",
    )


routers: tuple[APIRouter, ...] = (capacity_pages,)
