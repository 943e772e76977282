"""Cases: the pages under /cases (the JSON API is in ``routes``).

The list (filters, the form to raise a case, and the list as a CSV or Excel download), a case
with its clock and events (and the form to work it), a contact with its cases (and the form to
raise one from it), and the compliance page (targets met with intervals, ageing, survey results).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.cases import chains, from_contact, schemas, workflow
from ccops.cases import report as cases_report
from ccops.cases import service as cases_service
from ccops.cases import voc as cases_voc
from ccops.contacts import context as contacts_context
from ccops.db import attempt, utcnow
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.exports import Column, Kind, TableExport
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/cases", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.CASES_READ))]
Opener = Annotated[Principal, Depends(require(*permissions.CASES_OPEN, write=True))]
Worker = Annotated[Principal, Depends(require(*permissions.CASES_WORK, write=True))]
Compliance = Annotated[Principal, Depends(require(*permissions.CASES_COMPLIANCE))]
SetupReader = Annotated[Principal, Depends(require(*permissions.CASES_SETUP))]
Setup = Annotated[Principal, Depends(require(*permissions.CASES_SETUP, write=True))]
Recorder = Annotated[Principal, Depends(require(*permissions.CONTACTS_CONTEXT, write=True))]

TYPE_LABELS = {
    "escalation": N_("escalation"),
    "complaint": N_("complaint"),
    "feedback": N_("feedback"),
}
SEVERITY_LABELS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
}
STATUS_LABELS = {
    "new": N_("new"),
    "in_progress": N_("in progress"),
    "waiting_customer": N_("waiting for customer"),
    "waiting_third_party": N_("waiting for third party"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
CHAIN_ROLE_LABELS = {
    "team_leader": N_("the owning team's leader"),
    "manager": N_("the managers of the site"),
    "executive": N_("the executives of the site"),
}
TREND_LABELS = {
    "up": N_("up"),
    "down": N_("down"),
    "no clear change": N_("no clear change"),
}
CLOCK_LABELS = {
    "paused": N_("paused"),
    "on_time": N_("on time"),
    "at_risk": N_("at risk"),
    "breached": N_("breached"),
    "met": N_("met"),
}
OUTCOME_LABELS = {
    "answered": N_("answered"),
    "transferred": N_("transferred"),
    "abandoned": N_("abandoned"),
    "timed_out": N_("timed out"),
    "exited_empty": N_("left: queue empty"),
    "exited_key": N_("left: key pressed"),
    "other": N_("other"),
}
FROM_CONTACT_FIELDS = ("case_type", "severity", "category", "subject", "description")
OPEN_FIELDS = ("case_type", "severity", "subject", "category", "description", "contact_id", "queue")
FILTERS = ("status", "case_type", "severity", "open_only")


def status_labels(session: SessionDep) -> dict[str, str]:
    """The label of each status of the centre's workflow, in workflow order: its own label,
    else the built-in one (translated), else its name."""
    flow = workflow.get(session)
    return {s: flow.labels.get(s) or STATUS_LABELS.get(s, s) for s in flow.order}


def _labels(session: SessionDep) -> dict[str, Any]:
    return {
        "type_labels": TYPE_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "status_labels": status_labels(session),
        "clock_labels": CLOCK_LABELS,
    }


def cases_export(
    cases: list[schemas.CaseOut],
    filters: dict[str, str],
    zone: str,
    _: forms.Gettext,
    statuses: dict[str, str] | None = None,
) -> TableExport:
    """The list page's cases as a table to download: one row per case, the same filters; due
    and done times in ``zone`` (the one zone of the cases' sites, else UTC), named in the
    headings."""
    statuses = statuses or STATUS_LABELS
    columns = [
        Column(_("Case"), Kind.INTEGER),
        Column(_("Type")),
        Column(_("Category")),
        Column(_("Severity")),
        Column(_("Subject")),
        Column(_("Description")),
        Column(_("Status")),
        Column(_("Clock")),
        Column(_("Site")),
        Column(_("Queue")),
        Column(_("Contact"), Kind.INTEGER),
        Column(_("Agent")),
        Column(_("Team")),
        Column(_("Owner")),
        Column(_("Raised by")),
        Column(_("Opened"), Kind.DATETIME),
        Column(_("First response due"), Kind.DATETIME),
        Column(_("Resolution due"), Kind.DATETIME),
        Column(_("Resolved"), Kind.DATETIME),
        Column(_("Business hours elapsed"), Kind.NUMBER, 2),
        Column(_("Escalation level"), Kind.INTEGER),
    ]
    rows = [
        [
            c.id,
            _(TYPE_LABELS[c.case_type]),
            c.category,
            _(SEVERITY_LABELS[c.severity]),
            c.subject,
            c.description,
            _(statuses.get(c.status, c.status)),
            _(CLOCK_LABELS[c.clock]),
            c.site,
            c.queue,
            c.contact_id,
            c.agent,
            c.team,
            c.owner,
            c.raised_by,
            c.opened_at,
            c.due_first_response_at,
            c.due_resolution_at,
            c.resolved_at,
            c.business_elapsed_s / 3600,
            c.escalation_level,
        ]
        for c in cases
    ]
    labels = {
        "status": statuses,
        "case_type": TYPE_LABELS,
        "severity": SEVERITY_LABELS,
    }
    shown = [
        f"{name}={_(labels[name].get(value, value))}"
        for name, value in filters.items()
        if value and name in labels
    ]
    if filters.get("open_only") == "1":
        shown.append(_("open only"))
    about = _("Cases") + (" · " + ", ".join(shown) if shown else "")
    return TableExport(
        title=_("Cases"),
        columns=columns,
        rows=rows,
        file_stem="cases",
        zone=zone,
        notes=[about, _("Times in %(zone)s.") % {"zone": zone}],
    )


def _list_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
    file_format: str | None = None,
) -> Response:
    _ = gettext_for(request, user)
    filters = {k: request.query_params.get(k, "") for k in FILTERS}
    problem = None
    try:
        cases = cases_service.list_cases(
            session=session,
            scope=user.scope,
            status=filters["status"] or None,
            case_type=filters["case_type"] or None,
            severity=filters["severity"] or None,
            open_only=filters["open_only"] == "1",
        )
    except CcopsError as exc:
        cases, problem, status_code = [], exc.message, 422
    if file_format and problem is None:
        zone = cases_service.cases_zone(session=session, cases=cases)
        return download(cases_export(cases, filters, zone, _, status_labels(session)), file_format)
    return render(
        request,
        "cases/list.html",
        {
            "cases": cases,
            "filters": filters,
            "problem": problem,
            "can_open": user.role in permissions.CASES_OPEN,
            "can_see_compliance": user.role in permissions.CASES_COMPLIANCE,
            "can_set_up": user.role in permissions.CASES_SETUP,
            "form": state or forms.FormState(values=dict.fromkeys(OPEN_FIELDS, "")),
            "download_params": {k: v for k, v in filters.items() if v},
            "type_options": [(k, _(v)) for k, v in TYPE_LABELS.items()],
            "severity_options": [(k, _(v)) for k, v in SEVERITY_LABELS.items()],
            **_labels(session),
        },
        principal=user,
        status_code=status_code,
        active="cases",
    )


@pages.get("", response_class=HTMLResponse)
def cases_page(
    request: Request, user: Reader, session: SessionDep, file_format: FormatQ = ""
) -> Response:
    """List cases in scope with their clocks, filtered; the form to raise a case;
    ``?format=csv`` or ``xlsx`` answers the filtered list as a file."""
    return _list_page(request, user, session, file_format=wanted_format(file_format))


@pages.post("", response_class=HTMLResponse)
def open_case_page(
    request: Request, user: Opener, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Raise a case (agents: from one of their own contacts)."""
    values = forms.text_values(form, OPEN_FIELDS)
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    data = {k: v for k, v in values.items() if v != ""}
    model = forms.validate(schemas.CaseIn, data, state, _)
    if model is not None:
        try:
            with attempt(session):
                out = cases_service.open_case(
                    session=session,
                    data=model,
                    by=user.login,
                    by_person_id=user.person_id,
                    scope=user.scope,
                )
                return redirect(
                    request,
                    f"/cases/{out.id}",
                    flash=("success", _("Case %(id)s is open.") % {"id": out.id}),
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _list_page(request, user, session, state=state, status_code=422)


ANSWER_FIELDS = ("topic", "kb_article")


def _answer_form(
    user: Principal, session: SessionDep, contact: schemas.ContactFactsOut
) -> dict[str, Any]:
    """The topics and published answers the agent chooses from (None when they may not record)."""
    if user.role not in permissions.CONTACTS_CONTEXT:
        return {"answers": None}
    answers = contacts_context.answer_choices(session=session, scope=user.scope)
    current = ""
    recorded = None
    if contact.kb_article_id is not None:
        current = f"{contact.kb_article_id}:{contact.kb_article_version or ''}"
        listed = {f"{a}:{v}" for entries in answers.values() for a, v, _t in entries}
        if current not in listed:  # an older version: it stays chosen unless changed
            recorded = (current, contact.kb_article_title or str(contact.kb_article_id))
    return {
        "answers": answers,
        "topic_options": [(t, t) for t in answers],
        "recorded_answer": recorded,
        "answer_form": forms.FormState(
            values={"topic": contact.topic or "", "kb_article": current}
        ),
    }


def _contact_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    contact_id: int,
    state: forms.FormState | None = None,
    status_code: int = 200,
    answer_state: forms.FormState | None = None,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    contact = from_contact.contact_facts(session=session, contact_id=contact_id, scope=user.scope)
    answer_form = _answer_form(user, session, contact)
    if answer_state is not None:
        answer_form["answer_form"] = answer_state
    cases = from_contact.cases_of_contact(session=session, contact_id=contact_id, scope=user.scope)
    return render(
        request,
        "cases/contact.html",
        {
            "contact": contact,
            "cases": cases,
            "outcome_labels": OUTCOME_LABELS,
            "can_open": user.role in permissions.CASES_OPEN,
            "form": state
            or forms.FormState(
                values={**dict.fromkeys(FROM_CONTACT_FIELDS, ""), "severity": "medium"}
            ),
            "type_options": [(k, _(v)) for k, v in TYPE_LABELS.items()],
            "severity_options": [(k, _(v)) for k, v in SEVERITY_LABELS.items()],
            **answer_form,
            **_labels(session),
        },
        principal=user,
        status_code=status_code,
        active="cases",
    )


@pages.get("/contacts/{contact_id:int}", response_class=HTMLResponse)
def contact_page(
    contact_id: RowId, request: Request, user: Reader, session: SessionDep
) -> HTMLResponse:
    """A contact in scope with what a case handler needs (queue, times, outcome, business
    context), the cases linked to it, and the form to raise a case from it."""
    return _contact_page(request, user, session, contact_id)


@pages.post("/contacts/{contact_id:int}", response_class=HTMLResponse)
def raise_from_contact_page(
    contact_id: RowId, request: Request, user: Opener, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Raise a case linked to the contact; a problem comes back marked on the form."""
    from_contact.contact_facts(session=session, contact_id=contact_id, scope=user.scope)
    values = forms.text_values(form, FROM_CONTACT_FIELDS)
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    data = {k: v for k, v in values.items() if v != ""}
    model = forms.validate(schemas.CaseFromContactIn, data, state, _)
    if model is not None:
        try:
            with attempt(session):
                out = from_contact.open_from_contact(
                    session=session,
                    contact_id=contact_id,
                    data=model,
                    by=user.login,
                    by_person_id=user.person_id,
                    scope=user.scope,
                )
                return redirect(
                    request,
                    f"/cases/{out.id}",
                    flash=("success", _("Case %(id)s is open.") % {"id": out.id}),
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _contact_page(request, user, session, contact_id, state=state, status_code=422)


def _answer_choice(
    raw: str, state: forms.FormState, _: forms.Gettext
) -> tuple[int, int | None] | None:
    """``ARTICLE:VERSION`` of the answer chosen (``ARTICLE:``: a stored answer without its
    version); None when none is chosen. A value that is not of this form marks the field."""
    if raw == "":
        return None
    article, _sep, version = raw.partition(":")
    if re.fullmatch(r"[1-9][0-9]{0,8}", article) and re.fullmatch(r"([1-9][0-9]{0,8})?", version):
        return int(article), int(version) if version else None
    state.add("kb_article", _("Choose one of the published answers."))
    return None


@pages.post("/contacts/{contact_id:int}/context", response_class=HTMLResponse)
def record_answer_page(
    contact_id: RowId, request: Request, user: Recorder, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Record after a contact its topic and the standard answer (with the version read); agents
    reach only their own contacts. A problem comes back beside its field and nothing is stored."""
    from_contact.contact_facts(session=session, contact_id=contact_id, scope=user.scope)
    _ = gettext_for(request, user)
    values = forms.text_values(form, ANSWER_FIELDS)
    state = forms.FormState(values=values)
    if not values["topic"]:
        state.add("topic", _("Choose the topic of the contact."))
    choice = _answer_choice(values["kb_article"], state, _)
    if state.ok:
        try:
            with attempt(session):
                contacts_context.record_answer_used(
                    session=session,
                    contact_id=contact_id,
                    scope=user.scope,
                    topic=values["topic"],
                    article_id=choice[0] if choice else None,
                    version=choice[1] if choice else None,
                )
                return redirect(
                    request,
                    f"/cases/contacts/{contact_id}",
                    flash=("success", _("The topic and the answer used are recorded.")),
                )
        except CcopsError as exc:
            messages = {
                "unknown topic": _("Choose one of the topics of the published answers."),
                "unknown article": _("Choose one of the published answers."),
                "answer of another topic": _(
                    "This answer is about another topic: choose one of this topic's answers."
                ),
                "unknown version": _("This answer has no such published version."),
            }
            for problem in exc.problems:
                name = "topic" if problem.field == "topic" else "kb_article"
                state.add(name, messages.get(problem.message, exc.message))
            if not exc.problems:
                state.add(None, exc.message)
    return _contact_page(request, user, session, contact_id, status_code=422, answer_state=state)


def _case_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    case_id: int,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    case = cases_service.get_case(session=session, case_id=case_id, scope=user.scope)
    flow = workflow.get(session)
    labels = status_labels(session)
    nexts = flow.allowed(case.status)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "can_work": user.role in permissions.CASES_WORK
            and case.closed_at is None
            and not flow.is_final(case.status),
            "status_options": [("", _("(unchanged)"))] + [(s, _(labels.get(s, s))) for s in nexts],
            "form": state
            or forms.FormState(
                values={
                    "status": "",
                    "owner": "",
                    "answer": case.answer,
                    "note": "",
                    "to_customer": "",
                }
            ),
            **_labels(session),
        },
        principal=user,
        status_code=status_code,
        active="cases",
    )


@pages.get("/{case_id:int}", response_class=HTMLResponse)
def case_page(case_id: RowId, request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """A case with its clock, due times, events, and the form to work it."""
    return _case_page(request, user, session, case_id)


@pages.post("/{case_id:int}", response_class=HTMLResponse)
def update_case_page(
    case_id: RowId, request: Request, user: Worker, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Change the status, owner or answer of a case."""
    values = forms.text_values(form, ("status", "owner", "answer", "note", "to_customer"))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    current = cases_service.get_case(session=session, case_id=case_id, scope=user.scope)
    data: dict[str, Any] = {"note": values["note"], "to_customer": values["to_customer"] == "1"}
    if values["status"]:
        data["status"] = values["status"]
    if values["owner"]:
        data["owner"] = values["owner"]
    if values["answer"] != current.answer:
        data["answer"] = values["answer"]
    model = forms.validate(schemas.CaseUpdate, data, state, _)
    if model is not None:
        try:
            with attempt(session):
                cases_service.update_case(
                    session=session, case_id=case_id, data=model, by=user.login, scope=user.scope
                )
                return redirect(
                    request, f"/cases/{case_id}", flash=("success", _("The case is updated."))
                )
        except CcopsError as exc:
            if isinstance(exc, Forbidden | NotFound) and any(
                p.field == "case_id" for p in exc.problems
            ):
                raise
            forms.domain_problems(exc, state, _)
    return _case_page(request, user, session, case_id, state=state, status_code=422)


@pages.get("/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, user: Compliance, session: SessionDep) -> HTMLResponse:
    """Targets met per type, team or owner with intervals; ageing; survey results."""
    _ = gettext_for(request, user)
    last = utcnow().date()
    first = last - timedelta(days=27)
    by = request.query_params.get("by") or "type"
    voc_by = request.query_params.get("voc_by") or "queue"
    problem = None
    try:
        first = date.fromisoformat(request.query_params.get("first_day") or first.isoformat())
        last = date.fromisoformat(request.query_params.get("last_day") or last.isoformat())
        summary = cases_service.compliance(
            session=session, first_day=first, last_day=last, by=by, scope=user.scope
        )
        results = cases_voc.voc(
            session=session, first_day=first, last_day=last, by=voc_by, scope=user.scope
        )
        categories = cases_voc.categories(
            session=session, first_day=first, last_day=last, scope=user.scope
        )
    except (ValueError, CcopsError) as exc:
        problem = exc.message if isinstance(exc, CcopsError) else _("Enter a date (YYYY-MM-DD).")
        summary, results, categories = None, None, []
    return render(
        request,
        "cases/compliance.html",
        {
            "summary": summary,
            "voc": results,
            "categories": categories,
            "churn_recorded": any(r.churned is not None for r in categories),
            "first_day": first,
            "last_day": last,
            "by": by,
            "voc_by": voc_by,
            "problem": problem,
            **_labels(session),
        },
        principal=user,
        status_code=422 if problem else 200,
        active="cases",
    )


def _voc_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    *,
    month: str | None = None,
    days: str | None = None,
    churn_file: dict[str, Any] | None = None,
    link_form: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    today = utcnow().date()
    month = month or request.query_params.get("month") or cases_report.default_month(today)
    days = days or request.query_params.get("days") or str(cases_report.REPEAT_DAYS)
    problem = None
    report = None
    try:
        report = cases_report.voc_report(
            session=session, month=month, days=int(days), scope=user.scope, today=today
        )
    except ValueError:
        problem = _("Enter a whole number of days.")
    except CcopsError as exc:
        problem = exc.message
    can_setup = user.role in permissions.CASES_SETUP
    return render(
        request,
        "cases/voc.html",
        {
            "report": report,
            "month": month,
            "days": days,
            "problem": problem,
            "can_setup": can_setup,
            "churn_file": churn_file or {},
            "trend_labels": TREND_LABELS,
            "change_options": [("", _("(choose a change)"))]
            + [(str(i), f"#{i} {t}") for i, t in cases_report.change_choices(session=session)]
            if can_setup
            else [],
            "links": cases_report.list_links(session=session),
            "link_form": link_form or forms.FormState(values={"category": "", "change_id": ""}),
            **_labels(session),
        },
        principal=user,
        status_code=422 if problem and status_code == 200 else status_code,
        active="cases",
    )


@pages.get("/voc", response_class=HTMLResponse)
def voc_page(request: Request, user: Compliance, session: SessionDep) -> HTMLResponse:
    """The monthly voice-of-the-customer report: case categories by volume and trend,
    dissatisfaction, repeat contact and churn with intervals, and the changes made in response;
    the forms to import churn flags and to link a change to a category."""
    return _voc_page(request, user, session)


@pages.post("/voc/churn", response_class=HTMLResponse)
def voc_churn_page(
    request: Request, user: Setup, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Import churn flags from an uploaded CSV (customer_key, churned_on): all of them, or none
    with every bad row listed (row, field, problem)."""
    _ = gettext_for(request, user)
    upload = forms.upload(form, "file")
    month = forms.text_values(form, ("month",))["month"] or None
    if upload is None:
        return _voc_page(
            request,
            user,
            session,
            month=month,
            churn_file={
                "message": _("Choose a file to import."),
                "problems": [],
            },
            status_code=422,
        )
    name = upload.filename or "churn.csv"
    try:
        with attempt(session):
            out = cases_voc.import_churn_file(
                session=session,
                file_name=name,
                content=upload.file.read(cases_voc.MAX_CHURN_BYTES + 1),
            )
    except CcopsError as exc:
        return _voc_page(
            request,
            user,
            session,
            month=month,
            churn_file={"message": exc.message, "problems": exc.problems},
            status_code=422,
        )
    message = _(
        "%(file)s: %(flagged)s customers flagged as churned, %(cleared)s cleared; "
        "%(recorded)s churned customers recorded."
    ) % {"file": name, "flagged": out.flagged, "cleared": out.cleared, "recorded": out.recorded}
    target = "/cases/voc" + (
        f"?month={month}" if month and re.fullmatch(r"\d{4}-\d{2}", month) else ""
    )
    return redirect(request, target, flash=("success", message))


@pages.post("/voc/links", response_class=HTMLResponse)
def voc_link_page(
    request: Request, user: Setup, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Link a process change to a case category (``unlink=1``: remove the link)."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("category", "change_id", "unlink", "month"))
    state = forms.FormState(values={k: values[k] for k in ("category", "change_id")})
    month = values["month"] if re.fullmatch(r"\d{4}-\d{2}", values["month"]) else None
    model = forms.validate(schemas.VocLinkIn, dict(state.values), state, _)
    if model is not None:
        try:
            with attempt(session):
                if values["unlink"] == "1":
                    cases_report.unlink_change(
                        session=session, category=model.category, change_id=model.change_id
                    )
                    message = _("The link is removed.")
                else:
                    cases_report.link_change(session=session, data=model)
                    message = _("The change is linked to the category.")
                return redirect(
                    request,
                    "/cases/voc" + (f"?month={month}" if month else ""),
                    flash=("success", message),
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _voc_page(request, user, session, month=month, link_form=state, status_code=422)


def _statuses_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    text: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
    senior_text: str | None = None,
    chain_form: dict[str, str] | None = None,
    chain_problems: list[str] | None = None,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    flow = workflow.get(session)
    senior = workflow.senior_rules(session)
    return render(
        request,
        "cases/statuses.html",
        {
            "workflow": flow.out(),
            "senior": senior,
            "senior_text": workflow.senior_lines(senior) if senior_text is None else senior_text,
            "text": workflow.to_lines(flow) if text is None else text,
            "problem": problem,
            "chains": chains.list_chains(session=session),
            "chain_form": chain_form
            or {"case_type": "complaint", "severity": "", "levels": "team_leader 4\nmanager 8"},
            "chain_problems": chain_problems or [],
            "chain_role_labels": CHAIN_ROLE_LABELS,
            "type_options": [(k, _(v)) for k, v in TYPE_LABELS.items()],
            "severity_options": [("", _("any"))] + [(k, _(v)) for k, v in SEVERITY_LABELS.items()],
            **_labels(session),
        },
        principal=user,
        status_code=status_code,
        active="cases",
    )


@pages.get("/statuses", response_class=HTMLResponse)
def statuses_page(request: Request, user: SetupReader, session: SessionDep) -> HTMLResponse:
    """The centre's case statuses (which pause the clock, which close, the moves allowed) and
    the form to replace them."""
    return _statuses_page(request, user, session)


@pages.post("/statuses", response_class=HTMLResponse)
def set_statuses_page(
    request: Request, user: Setup, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Replace the centre's case statuses (``reset=1``: back to the built-in ones) or, with
    ``senior``, its serious-case rules; a problem comes back on the page with the text as
    typed, nothing stored."""
    values = forms.text_values(
        form, ("workflow", "reset", "senior", "what", "case_type", "severity", "levels")
    )
    _ = gettext_for(request, user)
    if values["what"] in ("chain", "chain_remove"):
        return _chain_post(request, user, session, values)
    try:
        with attempt(session):
            if values["what"] == "senior":
                workflow.set_senior_rules(
                    session=session, data=workflow.parse_senior(values["senior"].splitlines())
                )
            elif values["reset"] == "1":
                workflow.reset_workflow(session=session)
            else:
                workflow.set_workflow(
                    session=session, data=workflow.parse_lines(values["workflow"])
                )
            return redirect(
                request, "/cases/statuses", flash=("success", _("The case statuses are saved."))
            )
    except CcopsError as exc:
        senior = values["what"] == "senior"
        return _statuses_page(
            request,
            user,
            session,
            text=None if senior else values["workflow"],
            problem=exc.message,
            status_code=422,
            senior_text=values["senior"] if senior else None,
        )


def _chain_post(
    request: Request, user: Principal, session: SessionDep, values: dict[str, str]
) -> Response:
    """Set (``what=chain``) or remove (``what=chain_remove``) an escalation chain; the problems
    come back listed above the form with the text as typed, nothing stored."""
    _ = gettext_for(request, user)
    chain_form = {k: values[k] for k in ("case_type", "severity", "levels")}
    try:
        with attempt(session):
            if values["what"] == "chain_remove":
                chains.remove_chain(
                    session=session,
                    case_type=values["case_type"],
                    severity=values["severity"] or None,
                )
                message = _("The escalation chain is removed.")
            else:
                chains.set_chain(
                    session=session,
                    data=chains.chain_input(
                        values["case_type"], values["severity"], values["levels"].splitlines()
                    ),
                    scope=user.scope,
                )
                message = _("The escalation chain is saved.")
            return redirect(request, "/cases/statuses", flash=("success", message))
    except CcopsError as exc:
        listed = [p.message for p in exc.problems if p.message not in ("unknown",)]
        return _statuses_page(
            request,
            user,
            session,
            status_code=422,
            chain_form=chain_form,
            chain_problems=listed or [exc.message],
        )


routers: tuple[APIRouter, ...] = (pages,)
