"""Cases: the JSON API under /api/v1/cases (the pages are in ``pages``).

Agents open cases from their own contacts and follow them; team leaders, QA analysts, managers
and admins work cases in scope; managers and admins set calendars, targets and routing rules
and run the breach sweep; compliance and survey results for leaders, managers and executives.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ccops.bounds import Day
from ccops.cases import chains, from_contact, schemas, workflow
from ccops.cases import report as cases_report
from ccops.cases import service as cases_service
from ccops.cases import voc as cases_voc
from ccops.db import utcnow
from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

Reader = Annotated[Principal, Depends(require(*permissions.CASES_READ))]
Opener = Annotated[Principal, Depends(require(*permissions.CASES_OPEN, write=True))]
Worker = Annotated[Principal, Depends(require(*permissions.CASES_WORK, write=True))]
SetupReader = Annotated[Principal, Depends(require(*permissions.CASES_SETUP))]
Setup = Annotated[Principal, Depends(require(*permissions.CASES_SETUP, write=True))]
Compliance = Annotated[Principal, Depends(require(*permissions.CASES_COMPLIANCE))]
SurveyWriter = Annotated[Principal, Depends(require(*permissions.SURVEYS_WRITE, write=True))]


def _period(first_day: date | None, last_day: date | None) -> tuple[date, date]:
    last = last_day or utcnow().date()
    return first_day or last - timedelta(days=27), last


@router.get("", response_model=list[schemas.CaseOut])
def list_cases(
    session: SessionDep,
    user: Reader,
    status: str | None = None,
    case_type: str | None = None,
    severity: str | None = None,
    team: str | None = None,
    open_only: bool = False,
) -> list[schemas.CaseOut]:
    """Cases in scope, newest first, with their clocks."""
    return cases_service.list_cases(
        session=session,
        scope=user.scope,
        status=status,
        case_type=case_type,
        severity=severity,
        team=team,
        open_only=open_only,
    )


@router.post("", response_model=schemas.CaseOut, status_code=status.HTTP_201_CREATED)
def open_case(data: schemas.CaseIn, session: SessionDep, user: Opener) -> schemas.CaseOut:
    """Open a case; it is routed and its due times set on its target's business calendar."""
    return cases_service.open_case(
        session=session, data=data, by=user.login, by_person_id=user.person_id, scope=user.scope
    )


@router.post(
    "/from-contact/{contact_id:int}",
    response_model=schemas.CaseOut,
    status_code=status.HTTP_201_CREATED,
)
def open_case_from_contact(
    contact_id: RowId, data: schemas.CaseFromContactIn, session: SessionDep, user: Opener
) -> schemas.CaseOut:
    """Raise a case linked to a contact in scope (out of scope: 404); its queue, site, agent
    and customer key are the contact's."""
    return from_contact.open_from_contact(
        session=session,
        contact_id=contact_id,
        data=data,
        by=user.login,
        by_person_id=user.person_id,
        scope=user.scope,
    )


@router.get("/compliance", response_model=schemas.ComplianceOut)
def compliance(
    session: SessionDep,
    user: Compliance,
    first_day: Day | None = None,
    last_day: Day | None = None,
    by: str = "type",
) -> schemas.ComplianceOut:
    """Resolution targets met and breached per type, team or owner (default: last 28 days)."""
    first, last = _period(first_day, last_day)
    return cases_service.compliance(
        session=session, first_day=first, last_day=last, by=by, scope=user.scope
    )


@router.get("/calendars", response_model=list[schemas.CalendarOut])
def list_calendars(session: SessionDep, _user: SetupReader) -> list[schemas.CalendarOut]:
    """Every business calendar."""
    return cases_service.list_calendars(session=session)


@router.post("/calendars", response_model=schemas.CalendarOut, status_code=201)
def create_calendar(
    data: schemas.CalendarIn, session: SessionDep, _user: Setup
) -> schemas.CalendarOut:
    """Store a business calendar (overlapping spans or no hours: 422)."""
    return cases_service.create_calendar(session=session, data=data)


@router.get("/targets", response_model=list[schemas.TargetOut])
def list_targets(session: SessionDep, _user: SetupReader) -> list[schemas.TargetOut]:
    """Every case target."""
    return cases_service.list_targets(session=session)


@router.post("/targets", response_model=schemas.TargetOut)
def set_target(data: schemas.TargetIn, session: SessionDep, _user: Setup) -> schemas.TargetOut:
    """Set the targets of a type and severity."""
    return cases_service.set_target(session=session, data=data)


@router.get("/statuses", response_model=schemas.WorkflowOut)
def get_statuses(session: SessionDep, _user: Reader) -> schemas.WorkflowOut:
    """The case statuses in use (built-in unless the centre set its own), the moves allowed."""
    return workflow.get(session).out()


@router.put("/statuses", response_model=schemas.WorkflowOut)
def set_statuses(
    data: schemas.WorkflowIn, session: SessionDep, _user: Setup
) -> schemas.WorkflowOut:
    """Replace the centre's case statuses (unworkable: 422; dropping a status in use: 409)."""
    return workflow.set_workflow(session=session, data=data)


@router.delete("/statuses", response_model=schemas.WorkflowOut)
def reset_statuses(session: SessionDep, _user: Setup) -> schemas.WorkflowOut:
    """Go back to the built-in case statuses."""
    return workflow.reset_workflow(session=session)


@router.get("/senior-rules", response_model=schemas.SeniorRulesOut)
def get_senior_rules(session: SessionDep, _user: SetupReader) -> schemas.SeniorRulesOut:
    """The rules that send a case to senior management at once (by type, severity, category)."""
    return workflow.senior_rules(session)


@router.put("/senior-rules", response_model=schemas.SeniorRulesOut)
def set_senior_rules(
    data: schemas.SeniorRulesIn, session: SessionDep, _user: Setup
) -> schemas.SeniorRulesOut:
    """Replace the serious-case rules (a rule naming nothing: 422, nothing stored)."""
    return workflow.set_senior_rules(session=session, data=data)


@router.get("/chains", response_model=schemas.ChainsOut)
def list_chains(session: SessionDep, _user: SetupReader) -> schemas.ChainsOut:
    """The escalation chains: the built-in one and the centre's per type and severity."""
    return chains.list_chains(session=session)


@router.put("/chains", response_model=schemas.ChainOut)
def set_chain(data: schemas.ChainIn, session: SessionDep, user: Setup) -> schemas.ChainOut:
    """Set the escalation chain of a type and severity (an empty level, an unknown person or
    hours that do not increase: 422 listing every problem, nothing stored)."""
    return chains.set_chain(session=session, data=data, scope=user.scope)


@router.delete("/chains", response_model=schemas.ChainsOut)
def remove_chain(
    session: SessionDep,
    _user: Setup,
    case_type: schemas.CaseType,
    severity: schemas.Severity | None = None,
) -> schemas.ChainsOut:
    """Remove the escalation chain of a type and severity (none: 404)."""
    return chains.remove_chain(session=session, case_type=case_type, severity=severity)


@router.get("/routes", response_model=list[schemas.RouteOut])
def list_routes(session: SessionDep, _user: SetupReader) -> list[schemas.RouteOut]:
    """Every routing rule."""
    return cases_service.list_routes(session=session)


@router.post("/routes", response_model=schemas.RouteOut, status_code=201)
def add_route(data: schemas.RouteIn, session: SessionDep, user: Setup) -> schemas.RouteOut:
    """Add a routing rule (its team, queue, site and owner in scope)."""
    return cases_service.add_route(session=session, data=data, scope=user.scope)


@router.post("/sweep", response_model=schemas.SweepOut)
def sweep(session: SessionDep, _user: Setup) -> schemas.SweepOut:
    """Mark warnings and breaches of open cases now, escalate and notify."""
    return cases_service.sweep(session=session)


@router.post("/surveys", response_model=schemas.SurveyImportOut)
def record_surveys(
    data: list[schemas.SurveyIn], session: SessionDep, user: SurveyWriter
) -> schemas.SurveyImportOut:
    """Store post-contact survey answers (all or nothing)."""
    return cases_voc.record_surveys(session=session, rows=data, scope=user.scope)


@router.post("/churn", response_model=schemas.ChurnImportOut)
def record_churn(
    data: list[schemas.ChurnIn], session: SessionDep, _user: Setup
) -> schemas.ChurnImportOut:
    """Store churn flags by customer key from the centre's CRM (all or nothing)."""
    return cases_voc.record_churn(session=session, rows=data)


@router.get("/categories", response_model=list[schemas.CategoryRow])
def categories(
    session: SessionDep,
    user: Compliance,
    first_day: Day | None = None,
    last_day: Day | None = None,
) -> list[schemas.CategoryRow]:
    """Cases by category: volume per month, complaints, dissatisfaction, and churn of their
    customers where the centre records churn (default: last 28 days)."""
    first, last = _period(first_day, last_day)
    return cases_voc.categories(session=session, first_day=first, last_day=last, scope=user.scope)


@router.get("/voc/report", response_model=schemas.VocReportOut)
def voc_report(
    session: SessionDep,
    user: Compliance,
    month: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
    days: Annotated[int, Query(ge=1, le=90)] = cases_report.REPEAT_DAYS,
) -> schemas.VocReportOut:
    """The monthly VoC report (default: the last complete month): per case category the
    volume and its trend from the month before (exact Poisson rate test), dissatisfaction,
    repeat contact and churn with Wilson intervals, and the process changes made in response."""
    today = utcnow().date()
    return cases_report.voc_report(
        session=session,
        month=month or cases_report.default_month(today),
        days=days,
        scope=user.scope,
        today=today,
    )


@router.get("/voc/links", response_model=list[schemas.VocLinkOut])
def voc_links(session: SessionDep, _user: Compliance) -> list[schemas.VocLinkOut]:
    """The process changes linked by hand to case categories."""
    return cases_report.list_links(session=session)


@router.post("/voc/links", response_model=list[schemas.VocLinkOut])
def link_change(
    data: schemas.VocLinkIn, session: SessionDep, _user: Setup
) -> list[schemas.VocLinkOut]:
    """Link a process change to a case category, as made in response to it (unknown: 404)."""
    return cases_report.link_change(session=session, data=data)


@router.delete("/voc/links", response_model=list[schemas.VocLinkOut])
def unlink_change(
    session: SessionDep, _user: Setup, category: str, change_id: RowId
) -> list[schemas.VocLinkOut]:
    """Remove the link of a process change to a case category (none: 404)."""
    return cases_report.unlink_change(session=session, category=category, change_id=change_id)


@router.get("/voc", response_model=schemas.VocOut)
def voc(
    session: SessionDep,
    user: Compliance,
    first_day: Day | None = None,
    last_day: Day | None = None,
    by: str = "queue",
) -> schemas.VocOut:
    """CSAT and NPS with intervals per queue or team (default: last 28 days)."""
    first, last = _period(first_day, last_day)
    return cases_voc.voc(session=session, first_day=first, last_day=last, by=by, scope=user.scope)


@router.get("/{case_id:int}", response_model=schemas.CaseOut)
def get_case(case_id: RowId, session: SessionDep, user: Reader) -> schemas.CaseOut:
    """A case in scope with its clock and events."""
    return cases_service.get_case(session=session, case_id=case_id, scope=user.scope)


@router.patch("/{case_id:int}", response_model=schemas.CaseOut)
def update_case(
    case_id: RowId, data: schemas.CaseUpdate, session: SessionDep, user: Worker
) -> schemas.CaseOut:
    """Change a case's status (as the workflow allows), owner or answer."""
    return cases_service.update_case(
        session=session, case_id=case_id, data=data, by=user.login, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router,)
