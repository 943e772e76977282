"""The pages of publication: the cascade with the publication rules (their threshold, last
delivery and open follow-ups) and the form that sets a rule, a level's report for a period
(the page each delivered email links to), and marking one's follow-up done."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.bounds import Day
from ccops.db import attempt
from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.metrics import registry as metrics_registry
from ccops.performance import follow_ups as perf_follow_ups
from ccops.performance import measures as perf_measures
from ccops.performance import periods as perf_periods
from ccops.performance import reports as perf_reports
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards
from ccops.performance.labels import VALUE_LABELS
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/performance", include_in_schema=False)

P = permissions
CascadeReader = Annotated[Principal, Depends(require(*P.PERF_CASCADE))]
Manager = Annotated[Principal, Depends(require(*P.PERF_MANAGE, write=True))]
ReportReader = Annotated[Principal, Depends(require(*P.PERF_REPORTS))]
FollowUpOwner = Annotated[Principal, Depends(require(*P.PERF_FOLLOW_UP_DONE, write=True))]

FIELDS = (
    "kpi",
    "audience",
    "rhythm",
    "target",
    "higher_is_better",
    "on_good",
    "on_bad",
    "owner",
    "threshold_direction",
    "threshold",
)
DIRECTION_LABELS = {"below": N_("below"), "above": N_("above")}
RESULT_LABELS = {
    "good": N_("better than target"),
    "bad": N_("worse than target"),
    "no_signal": N_("no clear signal"),
}


def _cascade(
    request: Request,
    session: SessionDep,
    user: Principal,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> Response:
    _ = gettext_for(request, user)
    vl = VALUE_LABELS
    state = state or forms.FormState(
        values={"rhythm": "weekly", "higher_is_better": "true", "on_good": "recognition"}
        | {"on_bad": "coaching", "audience": "team"}
    )
    kpis = sorted(perf_measures.MEASURABLE)
    context: dict[str, Any] = {
        "trees": perf_scorecards.cascade(session=session),
        "publications": perf_reports.list_publications(session=session),
        "vl": vl,
        "direction_labels": DIRECTION_LABELS,
        "can_manage": user.role in P.PERF_MANAGE,
        "form": state,
        "options": {
            "kpi": [(k, _(perf_measures.metric(k).label)) for k in kpis],
            "audience": [(a.value, _(vl[a.value])) for a in s.Audience],
            "rhythm": [(r.value, _(vl[r.value])) for r in s.Rhythm],
            "higher_is_better": [("true", _("Higher is better")), ("false", _("Lower is better"))],
            "follow_up": [(f.value, _(vl[f.value])) for f in s.FollowUp],
            "direction": [("", _("No threshold"))]
            + [(d.value, _(DIRECTION_LABELS[d.value])) for d in s.ThresholdDirection],
        },
    }
    return render(
        request,
        "performance/cascade.html",
        context,
        principal=user,
        active="performance",
        status_code=status_code,
    )


@pages.get("/cascade", response_class=HTMLResponse)
def cascade_page(request: Request, session: SessionDep, user: CascadeReader) -> Response:
    """Show the scorecard cascade with each KPI's formula, source, target, benchmark, weight,
    and the publication rules with their threshold, last delivery and open follow-ups."""
    return _cascade(request, session, user)


def _number(state: forms.FormState, name: str, _: forms.Gettext) -> float | None:
    raw = state.values[name]
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        state.add(name, _("Enter a number."))
        return None
    if not math.isfinite(value):
        state.add(name, _("Enter a number."))
        return None
    return value


@pages.post("/publications", response_class=HTMLResponse)
def publication_form(
    request: Request, session: SessionDep, user: Manager, form: forms.PostedForm
) -> Response:
    """Set a publication rule from the cascade page's form (field errors beside the fields)."""
    _ = gettext_for(request, user)
    state = forms.FormState(values=forms.text_values(form, FIELDS))
    v = state.values
    target = _number(state, "target", _)
    threshold = _number(state, "threshold", _)
    if v["threshold"] and not v["threshold_direction"]:
        state.add("threshold_direction", _("Choose below or above: where the whole interval lies."))
    if v["threshold_direction"] and not v["threshold"]:
        state.add("threshold", _("Give the threshold's value."))
    if (v["threshold"] or v["threshold_direction"]) and not v["owner"]:
        state.add("owner", _("A threshold needs an owner: the follow-up is theirs."))
    kpi = v["kpi"]
    if (
        threshold is not None
        and kpi in metrics_registry.METRICS
        and perf_measures.metric(kpi).unit == "fraction"
        and not 0 <= threshold <= 1
    ):
        state.add("threshold", _("A rate's threshold is a fraction from 0 to 1 (0.8 for 80%)."))
    if state.ok:
        data = {
            "kpi": kpi,
            "audience": v["audience"],
            "rhythm": v["rhythm"],
            "target": target,
            "higher_is_better": v["higher_is_better"] != "false",
            "on_good": v["on_good"],
            "on_bad": v["on_bad"],
            "owner": v["owner"] or None,
            "threshold": threshold,
            "threshold_direction": v["threshold_direction"] or None,
        }
        model = forms.validate(s.PublicationIn, data, state, _)
        if model is not None and state.ok:
            try:
                with attempt(session):
                    perf_reports.set_publication(session=session, data=model)
                    return redirect(
                        request,
                        "/performance/cascade#publications",
                        flash=("success", _("Publication rule saved.")),
                    )
            except CcopsError as exc:
                for problem in exc.problems:
                    if problem.field == "owner":
                        state.add(
                            "owner",
                            _("No active user signs in with this login (executives read only)."),
                        )
                    elif problem.field == "threshold":
                        state.add(
                            "threshold",
                            _("A rate's threshold is a fraction from 0 to 1 (0.8 for 80%)."),
                        )
                    elif problem.field == "kpi":
                        state.add("kpi", _("Choose one of the options."))
                forms.domain_problems(exc, state, _)
    return _cascade(request, session, user, state, status_code=422)


@pages.get("/reports/{audience}", response_class=HTMLResponse)
def report_page(
    request: Request,
    audience: s.Audience,
    session: SessionDep,
    user: ReportReader,
    first: Day | None = None,
    last: Day | None = None,
) -> Response:
    """Show the report one level receives for a period: each published KPI per subject in
    your scope with its interval, and what follows."""
    perf_reports.check_audience(role=user.role, audience=audience)
    a, b = perf_periods.default_period(first=first, last=last)
    report = perf_reports.level_report(
        session=session, audience=audience, first=a, last=b, scope=user.scope
    )
    context = {
        "report": report,
        "vl": VALUE_LABELS,
        "result_labels": RESULT_LABELS,
        "mine": perf_follow_ups.follow_ups(session=session, owner=user.login),
    }
    return render(request, "performance/report.html", context, principal=user, active="performance")


@pages.post("/follow-ups/{action_id}/done", response_class=HTMLResponse)
def follow_up_done(
    request: Request, action_id: RowId, session: SessionDep, user: FollowUpOwner
) -> Response:
    """Mark one of your follow-ups done (from your home page)."""
    _ = gettext_for(request, user)
    perf_follow_ups.complete(session=session, action_id=action_id, by=user.login)
    return redirect(request, "/", flash=("success", _("Follow-up marked done.")))


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
