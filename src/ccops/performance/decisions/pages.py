"""The pages of results into decisions: recommending from a review with evidence, the pending
recommendations of a scope with the manager's decision, and a planner's forecast skill."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ccops.bounds import Day
from ccops.db import attempt
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.performance import periods as perf_periods
from ccops.performance import positions as perf_positions
from ccops.performance import recommendations as perf_recommendations
from ccops.performance import schemas as s
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/performance", include_in_schema=False)

P = permissions
Reviewer = Annotated[Principal, Depends(require(*P.PERF_REVIEW))]
ReviewWriter = Annotated[Principal, Depends(require(*P.PERF_REVIEW, write=True))]
Decider = Annotated[Principal, Depends(require(*P.PERF_DECIDE, write=True))]
PlannerKpiReader = Annotated[Principal, Depends(require(*P.PERF_PLANNER_KPIS))]

KIND_LABELS = {
    "training": N_("Training"),
    "pay_step": N_("Pay step"),
    "transfer": N_("Transfer"),
    "promotion_readiness": N_("Promotion readiness"),
}
STATUS_LABELS = {
    "pending": N_("Pending"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
}
FIELDS = ("kind", "detail", "rationale")


def _recommend_page(
    request: Request,
    review_id: int,
    session: SessionDep,
    user: Principal,
    state: forms.FormState | None = None,
    chosen: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    options = perf_recommendations.evidence_options(
        session=session, review_id=review_id, scope=user.scope
    )
    _ = gettext_for(request, user)
    return render(
        request,
        "performance/recommend.html",
        {
            "options": options,
            "form": state or forms.FormState(values={"kind": "training"}),
            "chosen": chosen or {"kpis": [], "evaluation_ids": [], "recognition_ids": []},
            "kinds": [(k, _(v)) for k, v in KIND_LABELS.items()],
        },
        principal=user,
        status_code=status_code,
        active="performance",
    )


@pages.get("/reviews/{review_id}/recommend", response_class=HTMLResponse)
def recommend_form(
    request: Request, review_id: RowId, session: SessionDep, user: Reviewer
) -> HTMLResponse:
    """Show a review with the evidence a recommendation may attach (scorecard values with their
    intervals, QA evaluations of the period, recognitions)."""
    return _recommend_page(request, review_id, session, user)


@pages.post("/reviews/{review_id}/recommend", response_class=HTMLResponse)
def recommend(
    request: Request,
    review_id: RowId,
    session: SessionDep,
    user: ReviewWriter,
    form: forms.PostedForm,
) -> Response:
    """Record a recommendation of a review; without evidence it is refused, nothing stored."""
    _ = gettext_for(request, user)
    lists = ("kpis", "evaluation_ids", "recognition_ids")
    values = forms.text_values(form, FIELDS, lists)
    chosen = {k: values.pop(k) for k in lists}
    state = forms.FormState(values=values)
    data: dict[str, Any] = {k: v for k, v in values.items() if v} | chosen
    model = forms.validate(s.RecommendationIn, data, state, _)
    if model is not None:
        try:
            with attempt(session):
                perf_recommendations.recommend(
                    session=session,
                    review_id=review_id,
                    data=model,
                    by=user.login,
                    scope=user.scope,
                )
                return redirect(
                    request,
                    "/performance/recommendations",
                    flash=("success", _("Recommendation recorded: it waits for a decision.")),
                )
        except CcopsError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            forms.domain_problems(exc, state, _)
    return _recommend_page(request, review_id, session, user, state, chosen, status_code=422)


@pages.get("/recommendations", response_class=HTMLResponse)
def recommendations(
    request: Request,
    session: SessionDep,
    user: Reviewer,
    rec_status: Annotated[str, Query(alias="status")] = "pending",
) -> HTMLResponse:
    """List the recommendations of the people in scope (pending first), in name order, with
    their evidence and, for managers, the decision."""
    if rec_status not in STATUS_LABELS:
        rec_status = "pending"
    rows = perf_recommendations.list_recommendations(
        session=session, scope=user.scope, status=rec_status
    )
    return render(
        request,
        "performance/recommendations.html",
        {
            "rows": rows,
            "status": rec_status,
            "statuses": STATUS_LABELS,
            "kinds": KIND_LABELS,
            "can_decide": user.role in P.PERF_DECIDE,
        },
        principal=user,
        active="performance",
    )


@pages.post("/recommendations/{recommendation_id}/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    recommendation_id: RowId,
    session: SessionDep,
    user: Decider,
    form: forms.PostedForm,
) -> Response:
    """Accept or decline a pending recommendation of a person in scope."""
    _ = gettext_for(request, user)
    perf_recommendations.get_recommendation(
        session=session, recommendation_id=recommendation_id, scope=user.scope
    )
    values = forms.text_values(form, ("decision", "note"))
    state = forms.FormState(values=values)
    model = forms.validate(s.DecisionIn, values, state, _)
    if model is None:
        return redirect(
            request,
            "/performance/recommendations",
            flash=("error", _("Choose to accept or to decline the recommendation.")),
        )
    try:
        with attempt(session):
            perf_recommendations.decide(
                session=session,
                recommendation_id=recommendation_id,
                data=model,
                by=user.login,
                scope=user.scope,
            )
    except CcopsError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        return redirect(request, "/performance/recommendations", flash=("error", exc.message))
    return redirect(
        request,
        "/performance/recommendations",
        flash=("success", _("Decision recorded.")),
    )


@pages.get("/people/{login}/forecast-skill", response_class=HTMLResponse)
def forecast_skill(
    request: Request,
    login: str,
    session: SessionDep,
    user: PlannerKpiReader,
    first: Day | None = None,
    last: Day | None = None,
) -> HTMLResponse:
    """Show a planner's forecast skill against seasonal naive by queue and horizon."""
    a, b = perf_periods.page_period(first=first, last=last)
    rows = perf_positions.forecast_breakdown(
        session=session, login=login, first=a, last=b, scope=user.scope
    )
    return render(
        request,
        "performance/forecast_skill.html",
        {"login": login, "rows": rows, "first": a, "last": b},
        principal=user,
        active="performance",
    )


routers: tuple[APIRouter, ...] = (pages,)
