"""Performance management: the pages under /performance and their forms (the JSON API is in
``routes``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from ccops.db import attempt
from ccops.enums import Role
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.exports import Cell, Column, Kind, TableExport
from ccops.ids import RowId
from ccops.performance import attrition as perf_attrition
from ccops.performance import charts as perf_charts
from ccops.performance import coaching as perf_coaching
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import measures as perf_measures
from ccops.performance import periods as perf_periods
from ccops.performance import recognition as perf_recognition
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums
from ccops.performance.labels import VALUE_LABELS
from ccops.quality import evaluations as qa_evaluations
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/performance", include_in_schema=False)

P = permissions
CascadeReader = Annotated[Principal, Depends(require(*P.PERF_CASCADE))]
PersonReader = Annotated[Principal, Depends(require(*P.PERF_PERSON))]
Comparer = Annotated[Principal, Depends(require(*P.PERF_COMPARE))]
Coach = Annotated[Principal, Depends(require(*P.PERF_COACH, write=True))]
PartyWriter = Annotated[Principal, Depends(require(*P.PERF_PARTY, write=True))]
Reviewer = Annotated[Principal, Depends(require(*P.PERF_REVIEW, write=True))]
AttritionReader = Annotated[Principal, Depends(require(*P.PERF_ATTRITION))]
PageReader = Annotated[Principal, Depends(require(*P.SIGNED_IN))]
EVALUATION_DAYS = 90
"""The person page offers the evaluations of this many days as what prompted a coaching."""


ATTRITION_NOTE = N_(
    "Monthly rate = leavers / average headcount ((start + end) / 2); the interval is a "
    "Wilson interval with n = the average headcount (an approximation). Survival is "
    "Kaplan-Meier over tenure, people still employed counted as censored."
)
"""The service's note on the attrition figures, marked here so the template can translate it."""

STATUS_TEXT = {
    "better": N_("better than target"),
    "worse": N_("worse than target"),
    "within_noise": N_("within noise of the target"),
    "too_few": N_("too few observations"),
    "no_data": N_("no data"),
    "no_target": N_("no target set"),
}


def _page_period(request: Request) -> tuple[date, date, dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, date | None] = {}
    for name in ("first", "last"):
        raw = request.query_params.get(name, "")
        try:
            values[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = raw
            values[name] = None
    a, b = perf_periods.page_period(first=values["first"], last=values["last"])
    return a, b, errors


def _own_floor(
    session: SessionDep, user: Principal, first: date, last: date
) -> list[s.FloorShareOut]:
    """The signed-in team leader's floor time, or nothing for other roles."""
    if user.role != Role.supervisor or user.person_id is None:
        return []
    own = perf_subjects.supervisor_login(session=session, person_id=user.person_id)
    if own is None:
        return []
    return perf_floor_time.floor_time(
        session=session, first=first, last=last, scope=user.scope, person=own
    )


@pages.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: PageReader) -> Response:
    """Show the performance start page of the user's role."""
    if user.role == Role.agent and user.person_id:
        login = perf_subjects.person_login(session=session, person_id=user.person_id)
        if login is not None:
            return person_page(request, login, session, user)
    first, last, _e = _page_period(request)
    floor_first, floor_last = perf_periods.floor_period()
    centre = None
    if user.role in P.PERF_CENTRE:
        centre = perf_scorecards.centre_scorecard(
            session=session, first=first, last=last, scope=user.scope
        )
    teams = (
        perf_subjects.teams_in_scope(session=session, scope=user.scope)
        if user.role in P.PERF_COMPARE
        else []
    )
    context = {
        "first": first,
        "last": last,
        "centre": centre,
        "teams": teams,
        "status_text": STATUS_TEXT,
        "can_attrition": user.role in P.PERF_ATTRITION,
        "can_cascade": user.role in P.PERF_CASCADE,
        "can_recommend": user.role in P.PERF_REVIEW,
        "can_forecast_skill": user.role == Role.planner,
        "own_floor": _own_floor(session, user, floor_first, floor_last),
        "floor_first": floor_first,
        "floor_last": floor_last,
    }
    context["vl"] = VALUE_LABELS
    return render(request, "performance/home.html", context, principal=user, active="performance")


COACHING_FIELDS = (
    "held_on",
    "kpi",
    "evaluation",
    "monitoring_points",
    "gap",
    "analysis",
    "action_plan",
    "follow_up_on",
)
REVIEW_FIELDS = (
    "period_first",
    "period_last",
    "strengths",
    "weaknesses",
    "improvement_plan",
    "person_commitments",
    "support_commitments",
    "next_review_on",
    "next_review_criteria",
)
RECOGNITION_FIELDS = ("given_on", "kpi", "text")
NOTE_FIELDS = ("kind", "text", "written_on")
PERSON_KPIS = (
    "repeat_contact_rate",
    "qa_pass_rate",
    "aht_s",
    "occupancy",
    "utilisation",
)
"""KPIs a coaching session or a recognition may name on the person page's forms."""


@dataclass
class PersonForms:
    """The forms of the person page; a failed one comes back marked, the others empty."""

    coaching: forms.FormState | None = None
    review: forms.FormState | None = None
    recognition: forms.FormState | None = None
    note: forms.FormState | None = None
    outcome: dict[int, forms.FormState] = field(default_factory=dict)


def _unit_cell(value: float | None, unit: str) -> Cell:
    """A KPI value as the page shows it: a rate as a percentage, seconds whole, else 2 places."""
    if unit == "fraction":
        return Cell(value, Kind.PERCENT, 1)
    return Cell(value, Kind.NUMBER, 0 if unit == "seconds" else 2)


def scorecard_export(card: s.ScorecardReportOut, _: forms.Gettext) -> TableExport:
    """A filled-in scorecard as a download: each KPI's actual with its interval, target, gap,
    status, previous value and weight, the unrounded numbers of the API."""
    columns = [
        Column(_("KPI")),
        Column(_("Unit")),
        Column(_("Actual")),
        Column(_("Interval low (95%)")),
        Column(_("Interval high (95%)")),
        Column("n", Kind.INTEGER),
        Column(_("Target")),
        Column(_("Benchmark")),
        Column(_("Gap")),
        Column(_("Against target")),
        Column(_("Previous period")),
        Column(_("Trend")),
        Column(_("Weight"), Kind.PERCENT, 0),
        Column(_("Objective")),
    ]
    rows = [
        [
            _(v.label),
            v.unit,
            _unit_cell(v.actual, v.unit),
            _unit_cell(v.low, v.unit),
            _unit_cell(v.high, v.unit),
            v.n,
            _unit_cell(v.target, v.unit),
            _unit_cell(v.benchmark, v.unit),
            _unit_cell(v.gap, v.unit),
            _(STATUS_TEXT.get(v.status, v.status)),
            _unit_cell(v.previous, v.unit),
            _(VALUE_LABELS.get(v.trend, v.trend)),
            None if v.weight_pct is None else v.weight_pct / 100,
            v.objective,
        ]
        for v in card.values
    ]
    period = f"{card.first.isoformat()} – {card.last.isoformat()}"
    return TableExport(
        title=_("Scorecard"),
        columns=columns,
        rows=rows,
        file_stem=f"scorecard {card.subject} {card.first.isoformat()} {card.last.isoformat()}",
        notes=[f"{card.subject_name} · {period}", card.scorecard or ""],
    )


def _blank(names: tuple[str, ...], **defaults: str) -> forms.FormState:
    return forms.FormState(values={n: defaults.get(n, "") for n in names})


def _person_page(
    request: Request,
    login: str,
    session: SessionDep,
    user: Principal,
    *,
    state: PersonForms | None = None,
    status_code: int = 200,
) -> Response:
    """Render the person page; ``state`` brings back a failed form marked with its input."""
    first, last, _e = _page_period(request)
    person = perf_subjects.person_in_scope(session=session, login=login, scope=user.scope)
    card = perf_scorecards.person_scorecard(
        session=session, login=login, first=first, last=last, scope=user.scope
    )
    state = state or PersonForms()
    today = datetime.now(UTC).date()
    reviews_allowed = user.role in P.PERF_REVIEW_READ
    can_coach = user.role in P.PERF_COACH
    can_review = user.role in P.PERF_REVIEW
    evaluations = []
    if can_coach and user.role in P.QA_READ:
        evaluations = qa_evaluations.list_evaluations(
            session=session,
            scope=user.scope,
            person=login,
            first_day=today - timedelta(days=EVALUATION_DAYS),
            last_day=today,
        )
    _ = gettext_for(request, user)
    coaching = perf_coaching.list_coaching(session=session, login=login, scope=user.scope)
    evaluation_options = [("", _("None"))] + [
        (
            str(e.id),
            " · ".join(
                (
                    _("Evaluation %(id)s") % {"id": e.id},
                    e.contact_at.date().isoformat(),
                    f"{e.score_pct:.1f}%",
                    _("passed") if e.passed else _("not passed"),
                )
            ),
        )
        for e in evaluations
    ]
    context: dict[str, Any] = {
        "first": first,
        "last": last,
        "card": card,
        "status_text": STATUS_TEXT,
        "coaching": coaching,
        "reviews": perf_reviews.list_reviews(session=session, login=login, scope=user.scope)
        if reviews_allowed
        else [],
        "notes": perf_coaching.list_notes(session=session, login=login, scope=user.scope)
        if reviews_allowed
        else [],
        "reviews_allowed": reviews_allowed,
        "training": perf_coaching.person_training_needs(
            session=session,
            login=login,
            first=perf_periods.training_period(last=last)[0],
            last=last,
            scope=user.scope,
        ),
        "recognitions": perf_recognition.list_recognitions(
            session=session, login=login, scope=user.scope
        ),
        "person_name": person.name,
        "own": user.person_id is not None and user.person_id == person.id,
        "can_coach": can_coach,
        "can_review": can_review,
        "can_agree": user.role in P.PERF_PARTY,
        "evaluation_options": evaluation_options,
        "evaluation_days": EVALUATION_DAYS,
        "kpi_options": [("", _("None"))]
        + [(k, _(perf_measures.metric(k).label)) for k in PERSON_KPIS],
        "note_options": [(k.value, _(VALUE_LABELS[k.value])) for k in s.NoteKind],
        "form": state.coaching or _blank(COACHING_FIELDS, held_on=today.isoformat()),
        "review_form": state.review
        or _blank(
            REVIEW_FIELDS,
            period_first=(today - timedelta(days=90)).isoformat(),
            period_last=(today - timedelta(days=1)).isoformat(),
            next_review_on=(today + timedelta(days=90)).isoformat(),
        ),
        "recognition_form": state.recognition
        or _blank(RECOGNITION_FIELDS, given_on=today.isoformat()),
        "note_form": state.note
        or _blank(NOTE_FIELDS, kind="training_need", written_on=today.isoformat()),
        "outcome_forms": {
            c.id: state.outcome.get(c.id) or forms.FormState(values={"outcome": c.outcome or ""})
            for c in coaching
        },
        "today": today,
    }
    floor_first, floor_last = (first, last) if request.query_params else perf_periods.floor_period()
    context["floor"] = (
        perf_floor_time.floor_time(
            session=session, first=floor_first, last=floor_last, scope=user.scope, person=login
        )
        if perf_subjects.is_supervisor(session=session, login=login)
        else []
    )
    context.update(floor_first=floor_first, floor_last=floor_last)
    context["vl"] = VALUE_LABELS
    return render(
        request,
        "performance/person.html",
        context,
        principal=user,
        active="performance",
        status_code=status_code,
    )


@pages.get("/people/{login}", response_class=HTMLResponse)
def person_page(
    request: Request,
    login: str,
    session: SessionDep,
    user: PersonReader,
    file_format: FormatQ = "",
) -> Response:
    """Show a person's scorecard, coaching, reviews, recognition and development notes;
    ``?format=csv`` or ``xlsx`` answers the scorecard as a file."""
    chosen = wanted_format(file_format)
    if chosen:
        first, last, _e = _page_period(request)
        card = perf_scorecards.person_scorecard(
            session=session, login=login, first=first, last=last, scope=user.scope
        )
        return download(scorecard_export(card, gettext_for(request, user)), chosen)
    return _person_page(request, login, session, user)


def _funnel_texts(kpi: str, _: forms.Gettext) -> dict[str, str]:
    """The team page's words for the funnel of one KPI (heading, axes, the count column)."""
    if kpi == "qa_pass_rate":
        return {
            "heading": _("Funnel plot: QA pass rate"),
            "title": _("QA pass rate by number of evaluations"),
            "x": _("Evaluations (calibration scores excluded)"),
            "y": _("QA pass rate, %"),
            "counts": _("Passed / evaluated"),
            "widen": _("The limits widen for fewer evaluations."),
        }
    return {
        "heading": _("Funnel plot: repeat-contact rate"),
        "title": _("Repeat-contact rate by number of contacts"),
        "x": _("Answered contacts with a customer key"),
        "y": _("Repeat-contact rate, %"),
        "counts": _("Repeats / contacts"),
        "widen": _("The limits widen for fewer contacts."),
    }


@pages.get("/teams/{team}", response_class=HTMLResponse)
def team_page(
    request: Request, team: str, session: SessionDep, user: Comparer, file_format: FormatQ = ""
) -> Response:
    """Show a team's scorecard, its people in name order, the funnel plot and a control chart;
    ``?format=csv`` or ``xlsx`` answers the team scorecard as a file."""
    chosen = wanted_format(file_format)
    first, last, _e = _page_period(request)
    _ = gettext_for(request, user)
    if chosen:
        team_card = perf_scorecards.team_scorecard(
            session=session, team=team, first=first, last=last, scope=user.scope, cache={}
        )
        return download(scorecard_export(team_card, _), chosen)
    kpi = request.query_params.get("kpi") or perf_measures.FUNNEL_KPIS[0]
    texts = _funnel_texts(kpi, _)
    cache: perf_sums.ContactCache = {}
    chart_first = perf_periods.chart_first(last=last)
    perf_scorecards.load_team_contacts(
        session=session,
        team=team,
        first=perf_periods.team_page_first(first=first, last=last),
        last=last,
        scope=user.scope,
        cache=cache,
    )
    card = perf_scorecards.team_scorecard(
        session=session, team=team, first=first, last=last, scope=user.scope, cache=cache
    )
    fun = perf_charts.funnel(
        session=session,
        team=team,
        kpi=kpi,
        first=first,
        last=last,
        scope=user.scope,
        cache=cache,
    )
    chart = perf_charts.control_chart(
        session=session,
        team=team,
        kpi="repeat_contact_rate",
        first=chart_first,
        last=last,
        scope=user.scope,
        cache=cache,
    )
    people = perf_scorecards.team_people_values(
        session=session,
        team=team,
        kpi="aht_s",
        first=first,
        last=last,
        scope=user.scope,
        cache=cache,
    )
    funnel_data = {
        "title": texts["title"],
        "x": texts["x"],
        "y": texts["y"],
        "team_rate": fun.team_rate,
        "points": [
            {"name": p.name, "n": p.trials, "rate": p.rate, "flagged": p.flagged}
            for p in fun.points
            if p.rate is not None
        ],
        "curve": [c.model_dump() for c in fun.curve],
        "labels": {
            "team": _("Team rate"),
            "l95": _("95% limits"),
            "l998": _("99.8% limits"),
            "people": _("People"),
            "flagged": _("Outside 99.8%: look at the process"),
        },
    }
    chart_data = {
        "title": _("Team repeat-contact rate per week (p-chart)"),
        "labels": [p.first.isoformat() for p in chart.points],
        "value": [p.value for p in chart.points],
        "lower": [p.lower for p in chart.points],
        "upper": [p.upper for p in chart.points],
        "centre": [p.centre for p in chart.points],
        "special": [p.special_cause for p in chart.points],
        "names": {
            "value": _("Weekly rate"),
            "centre": _("Centre line"),
            "limits": _("Control limits (3 sigma)"),
            "special": _("Special cause"),
        },
    }
    training = perf_coaching.team_training_needs(
        session=session,
        team=team,
        first=perf_periods.training_period(last=last)[0],
        last=last,
        scope=user.scope,
    )
    context = {
        "first": first,
        "last": last,
        "card": card,
        "training": training,
        "funnel": fun,
        "chart": chart,
        "people": people,
        "funnel_data": funnel_data,
        "funnel_kpi": kpi,
        "funnel_texts": texts,
        "funnel_options": [
            (k, _(perf_measures.metric(k).label)) for k in perf_measures.FUNNEL_KPIS
        ],
        "chart_data": chart_data,
        "status_text": STATUS_TEXT,
    }
    context["vl"] = VALUE_LABELS
    context["improve_links"] = (
        signal_links(chart, _) if user.role in permissions.IMPROVE_WRITE else {}
    )
    return render(request, "performance/team.html", context, principal=user, active="performance")


def signal_links(chart: s.ControlChartOut, _: Any) -> dict[int, str]:
    """The "start an improvement" link of each special-cause point of a control chart (by the
    point's index): the new improvement record's form with the KPI, the point's period and the
    signal described."""
    links: dict[int, str] = {}
    label = _(perf_measures.metric(chart.kpi).label)
    for i, p in enumerate(chart.points):
        if not p.special_cause or p.value is None or p.lower is None or p.upper is None:
            continue
        fraction = chart.chart == "p"

        def show(x: float, fraction: bool = fraction) -> str:
            return f"{x * 100:.1f}%" if fraction else f"{x:.1f}"

        side = _("above the upper limit") if p.value > p.upper else _("below the lower limit")
        signal = _(
            "Special cause on the control chart of %(team)s: %(kpi)s %(value)s from %(first)s to "
            "%(last)s (n = %(n)s), %(side)s (limits %(lower)s – %(upper)s)."
        ) % {
            "team": chart.team,
            "kpi": label,
            "value": show(p.value),
            "first": p.first.isoformat(),
            "last": p.last.isoformat(),
            "n": p.n,
            "side": side,
            "lower": show(p.lower),
            "upper": show(p.upper),
        }
        title = _("%(kpi)s of %(team)s from %(first)s") % {
            "kpi": label,
            "team": chart.team,
            "first": p.first.isoformat(),
        }
        query = "&".join(
            f"{k}={quote(v, safe='')}"
            for k, v in (
                ("kpi", chart.kpi),
                ("first", p.first.isoformat()),
                ("last", p.last.isoformat()),
                ("title", title),
                ("signal", signal),
            )
        )
        links[i] = f"/improvements/new?{query}"
    return links


@pages.get("/attrition", response_class=HTMLResponse)
def attrition_page(request: Request, session: SessionDep, user: AttritionReader) -> Response:
    """Show leavers, monthly attrition per team and the tenure survival curve."""
    first, last = perf_periods.attrition_period(first=None, last=None)
    data = perf_attrition.attrition(session=session, first=first, last=last, scope=user.scope)
    _ = gettext_for(request, user)
    km = {
        "title": _("Share still employed by tenure (Kaplan-Meier)"),
        "x": _("Tenure, days"),
        "y": _("Still employed, %"),
        "times": [0.0] + [p.tenure_days for p in data.survival],
        "survival": [1.0] + [p.survival for p in data.survival],
        "low": [1.0] + [p.low for p in data.survival],
        "high": [1.0] + [p.high for p in data.survival],
        "names": {"survival": _("Survival"), "band": _("95% band")},
    }
    cost = (
        perf_attrition.attrition_cost(session=session, last=last, scope=user.scope)
        if user.role in P.PERF_ATTRITION_COST
        else None
    )
    floor_first, floor_last = perf_periods.floor_period()
    floor = (
        perf_floor_time.floor_time(
            session=session, first=floor_first, last=floor_last, scope=user.scope
        )
        if user.role in P.PERF_LEADERS
        else None
    )
    month_labels = sorted({m.month for m in data.months})
    by_team: dict[str, dict[str, object]] = {}
    for m in data.months:
        by_team.setdefault(m.team, {})[m.month] = m
    context = {
        "data": data,
        "km": km,
        "month_labels": month_labels,
        "by_team": by_team,
        "floor": floor,
        "cost": cost,
        "floor_first": floor_first,
        "floor_last": floor_last,
    }
    return render(
        request, "performance/attrition.html", context, principal=user, active="performance"
    )


def _refused(exc: CcopsError) -> bool:
    """A refusal the error page answers (unknown or out of scope, forbidden), not a form."""
    return isinstance(exc, NotFound | Forbidden)


def _person_url(login: str) -> str:
    """The person page of ``login`` (quoted: logins may hold characters a path does not)."""
    return f"/performance/people/{quote(login)}"


@pages.post("/coaching", response_class=HTMLResponse)
def coaching_form(
    request: Request, session: SessionDep, user: Coach, form: forms.PostedForm
) -> Response:
    """Record a coaching session from the person page's form (linked to a KPI or evaluation)."""
    values = forms.text_values(form, ("person", *COACHING_FIELDS))
    _ = gettext_for(request, user)
    login = values.pop("person")
    perf_subjects.person_in_scope(session=session, login=login, scope=user.scope)
    state = forms.FormState(values=values)
    data: dict[str, Any] = {k: v for k, v in values.items() if v and k != "evaluation"}
    data["person"] = login
    evaluation = values["evaluation"]
    if evaluation:
        if evaluation.isdigit():
            data["reference"] = perf_coaching.evaluation_reference(int(evaluation))
        else:
            state.add("evaluation", _("Choose one of the options."))
    elif values["kpi"]:
        data["reference"] = f"kpi:{values['kpi']}"
    model = forms.validate(s.CoachingIn, data, state, _)
    if model is not None and state.ok:
        try:
            with attempt(session):
                perf_coaching.create_coaching(
                    session=session, data=model, coach=user.login, scope=user.scope
                )
                return redirect(
                    request, _person_url(login), flash=("success", _("Coaching session recorded."))
                )
        except CcopsError as exc:
            if _refused(exc):
                raise
            if any(p.field == "reference" for p in exc.problems):
                state.add("evaluation", _("Not an evaluation of this person."))
            else:
                forms.domain_problems(exc, state, _)
    _mark_follow_up(state, _)
    return _person_page(
        request, login, session, user, state=PersonForms(coaching=state), status_code=422
    )


def _mark_follow_up(state: forms.FormState, _: forms.Gettext) -> None:
    """Put the model's date-order problems on the date field they concern."""
    for message in list(state.general):
        if message == "the follow-up date is before the session":
            state.general.remove(message)
            state.add("follow_up_on", _("The follow-up date is before the session."))
        elif message == "the review period ends before it starts":
            state.general.remove(message)
            state.add("period_last", _("The period ends before it starts."))
        elif message == "the next review must come after the period reviewed":
            state.general.remove(message)
            state.add("next_review_on", _("The next review must come after the period reviewed."))


@pages.post("/coaching/{coaching_id}/agree", response_class=HTMLResponse)
def coaching_agree(
    request: Request, coaching_id: RowId, session: SessionDep, user: PartyWriter
) -> Response:
    """Agree to the action plan of one's own coaching session (only the coached person)."""
    _ = gettext_for(request, user)
    out = perf_coaching.agree_coaching(
        session=session, coaching_id=coaching_id, person_id=user.person_id, scope=user.scope
    )
    return redirect(
        request,
        _person_url(out.person) + f"#coaching-{out.id}",
        flash=("success", _("You agreed to the action plan.")),
    )


@pages.post("/coaching/{coaching_id}/outcome", response_class=HTMLResponse)
def coaching_outcome_form(
    request: Request, coaching_id: RowId, session: SessionDep, user: Coach, form: forms.PostedForm
) -> Response:
    """Record the outcome of a coaching plan at its follow-up."""
    found = perf_coaching.get_coaching(session=session, coaching_id=coaching_id, scope=user.scope)
    values = forms.text_values(form, ("outcome",))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    model = forms.validate(s.OutcomeIn, values, state, _)
    if model is not None:
        perf_coaching.record_outcome(
            session=session, coaching_id=coaching_id, data=model, scope=user.scope
        )
        return redirect(
            request,
            _person_url(found.person) + f"#coaching-{found.id}",
            flash=("success", _("Outcome recorded.")),
        )
    return _person_page(
        request,
        found.person,
        session,
        user,
        state=PersonForms(outcome={coaching_id: state}),
        status_code=422,
    )


@pages.post("/reviews", response_class=HTMLResponse)
def review_form(
    request: Request, session: SessionDep, user: Reviewer, form: forms.PostedForm
) -> Response:
    """Record a formal review from the person page's form (both sides sign it afterwards)."""
    return _person_form(
        form,
        request,
        session,
        user,
        REVIEW_FIELDS,
        s.ReviewIn,
        lambda model: perf_reviews.create_review(
            session=session, data=model, reviewer=user.login, scope=user.scope
        ),
        "review",
        "#reviews",
        N_("Review recorded: it is complete when both sides sign it."),
    )


def _person_form(
    form: FormData,
    request: Request,
    session: SessionDep,
    user: Principal,
    fields: tuple[str, ...],
    schema: type[BaseModel],
    store: Callable[[Any], object],
    slot: str,
    anchor: str,
    done: str,
) -> Response:
    """Store one of the person page's simple forms, or bring it back marked (422) with the
    user's input kept and the page's other forms empty; nothing is stored half."""
    values = forms.text_values(form, ("person", *fields))
    _ = gettext_for(request, user)
    login = values.pop("person")
    perf_subjects.person_in_scope(session=session, login=login, scope=user.scope)
    state = forms.FormState(values=values)
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    model = forms.validate(schema, data | {"person": login}, state, _)
    if model is not None:
        try:
            with attempt(session):
                store(model)
                return redirect(request, _person_url(login) + anchor, flash=("success", _(done)))
        except CcopsError as exc:
            if _refused(exc):
                raise
            forms.domain_problems(exc, state, _)
    _mark_follow_up(state, _)
    marked = PersonForms()
    setattr(marked, slot, state)
    return _person_page(request, login, session, user, state=marked, status_code=422)


@pages.post("/reviews/{review_id}/sign", response_class=HTMLResponse)
def review_sign(
    request: Request, review_id: RowId, session: SessionDep, user: PartyWriter
) -> Response:
    """Sign a review as the reviewed person or as the reviewer; anybody else is refused."""
    _ = gettext_for(request, user)
    found = perf_reviews.get_review(session=session, review_id=review_id, scope=user.scope)
    try:
        with attempt(session):
            perf_reviews.sign_review(
                session=session,
                review_id=review_id,
                login=user.login,
                person_id=user.person_id,
                scope=user.scope,
            )
    except CcopsError as exc:
        if _refused(exc):
            raise
        return redirect(
            request,
            _person_url(found.person) + "#reviews",
            flash=("error", _("Only the reviewed person and the reviewer sign a review.")),
        )
    return redirect(
        request,
        _person_url(found.person) + f"#review-{review_id}",
        flash=("success", _("Review signed.")),
    )


@pages.post("/recognitions", response_class=HTMLResponse)
def recognition_form(
    request: Request, session: SessionDep, user: Coach, form: forms.PostedForm
) -> Response:
    """Record appreciation for a person from the person page's form."""
    return _person_form(
        form,
        request,
        session,
        user,
        RECOGNITION_FIELDS,
        s.RecognitionIn,
        lambda model: perf_recognition.create_recognition(
            session=session, data=model, given_by=user.login, scope=user.scope
        ),
        "recognition",
        "#recognition",
        N_("Recognition recorded."),
    )


@pages.post("/development", response_class=HTMLResponse)
def note_form(
    request: Request, session: SessionDep, user: Reviewer, form: forms.PostedForm
) -> Response:
    """Record a training need or a readiness note from the person page's form."""
    return _person_form(
        form,
        request,
        session,
        user,
        NOTE_FIELDS,
        s.NoteIn,
        lambda model: perf_coaching.create_note(
            session=session, data=model, written_by=user.login, scope=user.scope
        ),
        "note",
        "#reviews",
        N_("Development note recorded."),
    )


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
