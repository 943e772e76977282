"""Improvement records (PDCA) on pages under /improvements, for managers and those who run them.

The list shows the records in scope; a record's page shows the problem (the KPI in its period
with its interval, or the control-chart signal that opened it), the root causes (5 whys and
fishbone categories), the actions with owners and due dates (add, mark done), the check (the
KPI before vs after with intervals and the plain verdict, measured from the stored contacts by a
button) and the standard (the article that now carries the better way). The forms that open and
change a record mark each field's problem. A control chart's special-cause point opens the new
record's form pre-filled (``/improvements/new?kpi=...&first=...&last=...&signal=...``).

Roles are the JSON API's (``/api/v1/improvements``): team leaders, QA analysts, planners,
managers and admins write; executives read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt, utcnow
from ccops.errors import CcopsError, Invalid, Problem
from ccops.knowledge import improvements as pdca
from ccops.knowledge import schemas
from ccops.metrics import registry
from ccops.org.scoped import queue_choices
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/improvements", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.IMPROVE_READ))]
WriterReader = Annotated[Principal, Depends(require(*permissions.IMPROVE_WRITE))]
Writer = Annotated[Principal, Depends(require(*permissions.IMPROVE_WRITE, write=True))]

TOPIC = "topic"
"""The KPI choice of a topic's repeat rate (stored as ``repeat_rate:TOPIC``)."""
OTHER = "other"
"""The KPI choice of a KPI outside the registry (checked from typed counts)."""
PLAN_FIELDS = (
    "title",
    "kpi",
    "topic",
    "kpi_other",
    "queue",
    "problem_first",
    "problem_last",
    "problem",
    "whys",
    *(f"fishbone_{c}" for c in schemas.FISHBONE),
)
CHECK_FIELDS = (
    "before_first",
    "before_last",
    "after_first",
    "after_last",
    "direction",
    "days",
    "before_successes",
    "before_trials",
    "after_successes",
    "after_trials",
)
ACTION_FIELDS = ("text", "owner", "due")
STAGE_LABELS = {
    "plan": N_("plan"),
    "do": N_("do"),
    "check": N_("check"),
    "act": N_("act"),
    "standardised": N_("standardised"),
}
VERDICT_LABELS = {
    "improved": N_("improved"),
    "no detectable change": N_("no detectable change"),
    "worse": N_("worse"),
}
FISHBONE_LABELS = {
    "people": N_("People"),
    "process": N_("Process"),
    "technology": N_("Technology"),
    "materials": N_("Materials"),
    "measurement": N_("Measurement"),
    "environment": N_("Environment"),
}


def kpi_text(kpi: str, _: Any) -> str:
    """The KPI as a reader sees it: the registry's label, or a topic's repeat rate."""
    if kpi.startswith(schemas.TOPIC_REPEAT_KPI):
        return str(
            _("Repeat rate of the topic %(topic)s")
            % {"topic": kpi.removeprefix(schemas.TOPIC_REPEAT_KPI)}
        )
    metric = registry.METRICS.get(kpi)
    return str(_(metric.label)) if metric is not None else kpi


def _kpi_options(_: Any) -> list[tuple[str, str]]:
    return [
        *((k, str(_(registry.METRICS[k].label))) for k in pdca.MEASURED),
        (TOPIC, str(_("Repeat rate of one topic"))),
        (OTHER, str(_("Another KPI (counts typed in)"))),
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plan_values(r: schemas.ImprovementOut) -> dict[str, Any]:
    topic = r.kpi.removeprefix(schemas.TOPIC_REPEAT_KPI)
    choice = (
        TOPIC
        if r.kpi.startswith(schemas.TOPIC_REPEAT_KPI)
        else r.kpi
        if r.kpi in pdca.MEASURED
        else OTHER
    )
    return {
        "title": r.title,
        "kpi": choice,
        "topic": topic if choice == TOPIC else "",
        "kpi_other": r.kpi if choice == OTHER else "",
        "queue": r.queue or "",
        "problem_first": r.problem_first.isoformat(),
        "problem_last": r.problem_last.isoformat(),
        "problem": r.problem,
        "whys": "\n".join(r.whys),
        **{f"fishbone_{c}": "\n".join(r.fishbone.get(c, [])) for c in schemas.FISHBONE},
    }


def _plan(values: dict[str, Any], state: forms.FormState, _: Any) -> schemas.ImprovementIn | None:
    """Build the plan from the form, marking the fields in error."""
    choice = values["kpi"]
    if choice == TOPIC:
        kpi = schemas.TOPIC_REPEAT_KPI + values["topic"]
        if not values["topic"]:
            state.add("topic", _("Required."))
    elif choice == OTHER:
        kpi = values["kpi_other"]
        if not kpi:
            state.add("kpi_other", _("Required."))
    else:
        kpi = choice
    whys = _lines(values["whys"])
    if len(whys) > 5:
        state.add("whys", _("At most five answers, one a line."))
    data = forms.validate(
        schemas.ImprovementIn,
        {
            "title": values["title"],
            "kpi": kpi,
            "queue": values["queue"] or None,
            "problem_first": values["problem_first"],
            "problem_last": values["problem_last"],
            "problem": values["problem"],
            "whys": whys[:5],
            "fishbone": {
                c: _lines(values[f"fishbone_{c}"])
                for c in schemas.FISHBONE
                if _lines(values[f"fishbone_{c}"])
            },
        },
        state,
        _,
    )
    if data is None or not state.ok:
        return None
    if data.problem_last < data.problem_first:
        state.add("problem_last", _("Before the first day."))
        return None
    return data


def _form_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState,
    *,
    record: schemas.ImprovementOut | None = None,
    signal: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    return render(
        request,
        "knowledge/improvement_form.html",
        {
            "state": state,
            "record": record,
            "signal": signal,
            "kpi_options": _kpi_options(_),
            "queue_options": [
                ("", _("Every queue in your scope")),
                *queue_choices(session, user.scope),
            ],
            "fishbone": [(c, FISHBONE_LABELS[c]) for c in schemas.FISHBONE],
        },
        principal=user,
        status_code=status_code,
        active="improvements",
    )


@pages.get("", response_class=HTMLResponse)
def list_page(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """The improvement records in scope, newest first, with their stage and verdict."""
    _ = gettext_for(request, user)
    return render(
        request,
        "knowledge/improvements.html",
        {
            "records": pdca.list_records(session=session, scope=user.scope),
            "writes": user.role in permissions.IMPROVE_WRITE,
            "kpi_text": lambda k: kpi_text(k, _),
            "stages": STAGE_LABELS,
            "verdicts": VERDICT_LABELS,
        },
        principal=user,
        active="improvements",
    )


@pages.get("/new", response_class=HTMLResponse)
def new_page(request: Request, user: WriterReader, session: SessionDep) -> HTMLResponse:
    """The form that opens a record; a control chart's signal fills in its KPI, period and
    description (query ``kpi``, ``first``, ``last``, ``queue``, ``title``, ``signal``)."""
    params = request.query_params
    kpi = (params.get("kpi") or "").strip()[:64]
    signal = (params.get("signal") or "").strip()[:2000]
    values: dict[str, Any] = dict.fromkeys(PLAN_FIELDS, "")
    values |= {
        "title": (params.get("title") or "").strip()[:300],
        "kpi": kpi if kpi in pdca.MEASURED else OTHER if kpi else "service_level",
        "kpi_other": kpi if kpi and kpi not in pdca.MEASURED else "",
        "queue": (params.get("queue") or "").strip()[:100],
        "problem_first": _day(params.get("first")),
        "problem_last": _day(params.get("last")),
        "problem": signal,
    }
    if kpi.startswith(schemas.TOPIC_REPEAT_KPI):
        values |= {"kpi": TOPIC, "topic": kpi.removeprefix(schemas.TOPIC_REPEAT_KPI)}
        values["kpi_other"] = ""
    return _form_page(request, user, session, forms.FormState(values=values), signal=signal)


def _day(raw: str | None) -> str:
    try:
        return date.fromisoformat((raw or "").strip()).isoformat()
    except ValueError:
        return ""


@pages.post("", response_class=HTMLResponse)
def create(request: Request, user: Writer, session: SessionDep, form: forms.PostedForm) -> Response:
    """Open an improvement record."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, PLAN_FIELDS)
    state = forms.FormState(values=values)
    data = _plan(values, state, _)
    if data is not None:
        try:
            with attempt(session):
                out = pdca.create(session=session, data=data, by=user.login, scope=user.scope)
            return redirect(
                request,
                f"/improvements/{out.id}",
                flash=("success", _("Improvement record opened: add the actions.")),
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _form_page(request, user, session, state, status_code=422)


@pages.get("/{improvement_id:int}/edit", response_class=HTMLResponse)
def edit_page(
    improvement_id: int, request: Request, user: WriterReader, session: SessionDep
) -> HTMLResponse:
    """The form that changes a record's plan."""
    record = pdca.get(session=session, record_id=improvement_id, scope=user.scope)
    return _form_page(
        request, user, session, forms.FormState(values=_plan_values(record)), record=record
    )


@pages.post("/{improvement_id:int}/edit", response_class=HTMLResponse)
def edit(
    improvement_id: int,
    request: Request,
    user: Writer,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Change a record's plan (a check of another KPI or queue is cleared)."""
    _ = gettext_for(request, user)
    record = pdca.get(session=session, record_id=improvement_id, scope=user.scope)
    values = forms.text_values(form, PLAN_FIELDS)
    state = forms.FormState(values=values)
    data = _plan(values, state, _)
    if data is not None:
        try:
            with attempt(session):
                pdca.update(session=session, record_id=improvement_id, data=data, scope=user.scope)
            return redirect(
                request, f"/improvements/{improvement_id}", flash=("success", _("Saved."))
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _form_page(request, user, session, state, record=record, status_code=422)


def _check_defaults(r: schemas.ImprovementOut) -> dict[str, Any]:
    """Before: the problem's period; after: as many days up to yesterday (when later)."""
    length = (r.problem_last - r.problem_first).days
    after_last = max(utcnow().date() - timedelta(days=1), r.problem_last + timedelta(days=1))
    after_first = max(after_last - timedelta(days=length), r.problem_last + timedelta(days=1))
    c = r.check
    return {
        "before_first": (c.before.first_day if c else r.problem_first).isoformat(),
        "before_last": (c.before.last_day if c else r.problem_last).isoformat(),
        "after_first": (c.after.first_day if c else after_first).isoformat(),
        "after_last": (c.after.last_day if c else after_last).isoformat(),
        "direction": "" if c is None else "higher" if c.higher_is_better else "lower",
        "days": str(c.days if c and c.days else 7),
        "before_successes": "",
        "before_trials": "",
        "after_successes": "",
        "after_trials": "",
    }


def _detail(
    request: Request,
    user: Principal,
    session: SessionDep,
    improvement_id: int,
    *,
    check_state: forms.FormState | None = None,
    action_state: forms.FormState | None = None,
    standard_problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    record = pdca.get(session=session, record_id=improvement_id, scope=user.scope)
    measured = record.kpi in pdca.MEASURED or record.kpi.startswith(schemas.TOPIC_REPEAT_KPI)
    metric = registry.METRICS.get(record.kpi)
    return render(
        request,
        "knowledge/improvement.html",
        {
            "r": record,
            "kpi_label": kpi_text(record.kpi, _),
            "unit": metric.unit if metric is not None else "fraction",
            "estimate": pdca.MEASURED.get(record.kpi, "proportion"),
            "measured": measured,
            "topic": record.kpi.startswith(schemas.TOPIC_REPEAT_KPI),
            "needs_direction": measured and pdca.higher_is_better(record.kpi) is None,
            "problem_ci": pdca.problem_interval(
                session=session, record_id=improvement_id, scope=user.scope
            )
            if measured
            else None,
            "writes": user.role in permissions.IMPROVE_WRITE,
            "check_state": check_state or forms.FormState(values=_check_defaults(record)),
            "action_state": action_state
            or forms.FormState(values={"text": "", "owner": "", "due": ""}),
            "standard_problem": standard_problem,
            "stages": STAGE_LABELS,
            "verdicts": VERDICT_LABELS,
            "fishbone": [(c, FISHBONE_LABELS[c]) for c in schemas.FISHBONE],
            "today": utcnow().date(),
        },
        principal=user,
        status_code=status_code,
        active="improvements",
    )


@pages.get("/{improvement_id:int}", response_class=HTMLResponse)
def record_page(
    improvement_id: int, request: Request, user: Reader, session: SessionDep
) -> HTMLResponse:
    """One record: problem, root causes, actions, check and standard."""
    return _detail(request, user, session, improvement_id)


@pages.post("/{improvement_id:int}/actions", response_class=HTMLResponse)
def add_action(
    improvement_id: int,
    request: Request,
    user: Writer,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Add an action with its owner and due date."""
    _ = gettext_for(request, user)
    pdca.get(session=session, record_id=improvement_id, scope=user.scope)
    values = forms.text_values(form, ACTION_FIELDS)
    state = forms.FormState(values=values)
    data = forms.validate(schemas.ActionIn, values, state, _)
    if data is not None:
        with attempt(session):
            pdca.add_action(session=session, record_id=improvement_id, data=data, scope=user.scope)
        return redirect(
            request,
            f"/improvements/{improvement_id}#actions",
            flash=("success", _("Action added.")),
        )
    return _detail(request, user, session, improvement_id, action_state=state, status_code=422)


@pages.post("/{improvement_id:int}/actions/{action_id:int}/done", response_class=HTMLResponse)
def complete_action(
    improvement_id: int, action_id: int, request: Request, user: Writer, session: SessionDep
) -> Response:
    """Mark an action done."""
    _ = gettext_for(request, user)
    pdca.complete_action(
        session=session, record_id=improvement_id, action_id=action_id, scope=user.scope
    )
    return redirect(
        request, f"/improvements/{improvement_id}#actions", flash=("success", _("Marked done."))
    )


def _int_field(values: dict[str, Any], name: str, state: forms.FormState, _: Any) -> int:
    raw = values[name]
    if not raw.isdigit():
        state.add(name, _("Enter a whole number."))
        return 0
    return int(raw)


@pages.post("/{improvement_id:int}/check", response_class=HTMLResponse)
def run_check(
    improvement_id: int,
    request: Request,
    user: Writer,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Run the check: measured from the stored contacts (or from the counts typed in for a KPI
    outside the registry); the verdict shows on the record."""
    _ = gettext_for(request, user)
    record = pdca.get(session=session, record_id=improvement_id, scope=user.scope)
    values = forms.text_values(form, CHECK_FIELDS)
    state = forms.FormState(values=values)
    measured = record.kpi in pdca.MEASURED or record.kpi.startswith(schemas.TOPIC_REPEAT_KPI)
    direction = {"higher": True, "lower": False}.get(values["direction"])
    periods = {k: values[k] for k in ("before_first", "before_last", "after_first", "after_last")}
    try:
        with attempt(session):
            if measured:
                days = values["days"] or "7"
                data = forms.validate(
                    schemas.ContactCheckIn,
                    periods | {"days": days, "higher_is_better": direction},
                    state,
                    _,
                )
                if data is not None:
                    pdca.check_from_contacts(
                        session=session,
                        record_id=improvement_id,
                        data=data,
                        by=user.login,
                        scope=user.scope,
                    )
            else:
                counts = {
                    k: _int_field(values, k, state, _)
                    for k in (
                        "before_successes",
                        "before_trials",
                        "after_successes",
                        "after_trials",
                    )
                }
                if direction is None:
                    state.add("direction", _("Choose one of the options."))
                typed = forms.validate(
                    schemas.CheckIn,
                    periods | counts | {"higher_is_better": bool(direction)},
                    state,
                    _,
                )
                if typed is not None and state.ok:
                    pdca.check(
                        session=session,
                        record_id=improvement_id,
                        data=typed,
                        by=user.login,
                        scope=user.scope,
                    )
            if not state.ok:
                raise Invalid("the check's fields", [Problem("marked", field=None)])
    except CcopsError as exc:
        if any(p.field == "higher_is_better" for p in exc.problems):
            state.add("direction", _("Say whether higher or lower is better for this KPI."))
        forms.domain_problems(exc, state, _, fallback=not state.errors)
        return _detail(request, user, session, improvement_id, check_state=state, status_code=422)
    return redirect(
        request, f"/improvements/{improvement_id}#check", flash=("success", _("Checked."))
    )


@pages.post("/{improvement_id:int}/standardise", response_class=HTMLResponse)
def standardise(
    improvement_id: int,
    request: Request,
    user: Writer,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Link the article that makes an improvement the standard."""
    _ = gettext_for(request, user)
    raw = forms.text_values(form, ("article_id",))["article_id"]
    try:
        if not raw.isdigit():
            raise Invalid(_("Enter the article's number."))
        with attempt(session):
            pdca.standardise(
                session=session, record_id=improvement_id, article_id=int(raw), scope=user.scope
            )
    except CcopsError as exc:
        return _detail(
            request,
            user,
            session,
            improvement_id,
            standard_problem=exc.message,
            status_code=exc.status_code,
        )
    return redirect(
        request, f"/improvements/{improvement_id}#standard", flash=("success", _("Standardised."))
    )


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
