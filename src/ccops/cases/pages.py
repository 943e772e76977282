"""Cases: the pages under /cases (the JSON API is in ``routes``).

The list (filters, and the form to raise a case), a case with its clock and events (and the
form to work it), and the compliance page (targets met with intervals, ageing, survey results).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.cases import voc as cases_voc
from ccops.db import attempt, utcnow
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/cases", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.CASES_READ))]
Opener = Annotated[Principal, Depends(require(*permissions.CASES_OPEN, write=True))]
Worker = Annotated[Principal, Depends(require(*permissions.CASES_WORK, write=True))]
Compliance = Annotated[Principal, Depends(require(*permissions.CASES_COMPLIANCE))]

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
CLOCK_LABELS = {
    "paused": N_("paused"),
    "on_time": N_("on time"),
    "at_risk": N_("at risk"),
    "breached": N_("breached"),
    "met": N_("met"),
}
OPEN_FIELDS = ("case_type", "severity", "subject", "category", "description", "contact_id", "queue")
FILTERS = ("status", "case_type", "severity", "open_only")


def _labels() -> dict[str, Any]:
    return {
        "type_labels": TYPE_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "status_labels": STATUS_LABELS,
        "clock_labels": CLOCK_LABELS,
    }


def _list_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
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
    return render(
        request,
        "cases/list.html",
        {
            "cases": cases,
            "filters": filters,
            "problem": problem,
            "can_open": user.role in permissions.CASES_OPEN,
            "can_see_compliance": user.role in permissions.CASES_COMPLIANCE,
            "form": state or forms.FormState(values=dict.fromkeys(OPEN_FIELDS, "")),
            "type_options": [(k, _(v)) for k, v in TYPE_LABELS.items()],
            "severity_options": [(k, _(v)) for k, v in SEVERITY_LABELS.items()],
            **_labels(),
        },
        principal=user,
        status_code=status_code,
        active="cases",
    )


@pages.get("", response_class=HTMLResponse)
def cases_page(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """List cases in scope with their clocks, filtered; the form to raise a case."""
    return _list_page(request, user, session)


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
    nexts = sorted(schemas.NEXT[case.status])
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "can_work": user.role in permissions.CASES_WORK
            and bool(nexts or case.status != "closed"),
            "status_options": [("", _("(unchanged)"))] + [(s, _(STATUS_LABELS[s])) for s in nexts],
            "form": state
            or forms.FormState(
                values={"status": "", "owner": "", "answer": case.answer, "note": ""}
            ),
            **_labels(),
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
    values = forms.text_values(form, ("status", "owner", "answer", "note"))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    current = cases_service.get_case(session=session, case_id=case_id, scope=user.scope)
    data: dict[str, Any] = {"note": values["note"]}
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
            "first_day": first,
            "last_day": last,
            "by": by,
            "voc_by": voc_by,
            "problem": problem,
            **_labels(),
        },
        principal=user,
        status_code=422 if problem else 200,
        active="cases",
    )


routers: tuple[APIRouter, ...] = (pages,)
