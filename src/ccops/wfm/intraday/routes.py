"""Intraday management's JSON API: the event intake (``POST /api/v1/events``), and the intraday
view, exceptions and their plans, the explanation of a missed service level and adherence under
``/api/v1/intraday``. The pages (board, adherence) are in ``pages``."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ccops import flows
from ccops.bounds import Moment
from ccops.errors import Invalid, Problem
from ccops.ids import RowId
from ccops.notifications import webhook_targets
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday.intake import amazon_connect as ctr_intake
from ccops.wfm.intraday.intake import genesys_cloud as gc_intake

events = APIRouter(prefix="/api/v1/events", tags=["intraday"])
router = APIRouter(prefix="/api/v1/intraday", tags=["intraday"])

Intake = Annotated[Principal, Depends(require(*permissions.EVENT_INTAKE, write=True))]
Reader = Annotated[Principal, Depends(require(*permissions.INTRADAY_READ))]
Actor = Annotated[Principal, Depends(require(*permissions.INTRADAY_ACT, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.INTRADAY_PLAN, write=True))]
People = Annotated[Principal, Depends(require(*permissions.ADHERENCE_READ))]


def _lines(body: bytes) -> list[str | dict[str, Any]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(
            "the body is not UTF-8 text (send JSON lines)", [Problem("not UTF-8", field="body")]
        ) from None
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise Invalid(
                f"the body is a malformed JSON array: {exc.msg} at line {exc.lineno}",
                [Problem("malformed JSON", field="body")],
            ) from None
        return list(items)
    return list(text.splitlines())


@events.post("", response_model=schemas.IntakeOut)
def post_events(
    session: SessionDep,
    settings: SettingsDep,
    user: Intake,
    body: forms.PostedBody,
    site: Annotated[
        str | None,
        Query(
            description="The site the events come from: queue names are this site's, a queue "
            "of another site is refused (default: queues by name alone)"
        ),
    ] = None,
) -> schemas.IntakeOut:
    """Take a batch of contact and agent-state events (JSON lines); answer per event."""
    items = _lines(body)
    site_id = (
        flows.feed_site_id(session=session, name=site, allowed_site_ids=user.scope.site_ids)
        if site is not None
        else None
    )
    return flows.ingest_events(
        session=session,
        events=items,
        secret_key=settings.resolved_secret_key(),
        allowed_site_ids=user.scope.site_ids,
        max_events=settings.events_max_per_request,
        max_webhooks=settings.webhook_max_per_intake,
        site_id=site_id,
    )


@events.post("/amazon-connect", response_model=schemas.IntakeOut)
def post_amazon_connect(
    session: SessionDep, settings: SettingsDep, user: Intake, body: forms.PostedBody
) -> schemas.IntakeOut:
    """Take Amazon Connect contact records (as the contact-record stream delivers them: back to
    back, JSON lines or an array); answer per record (``line`` is the record's number)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the body is not UTF-8 text", [Problem("not UTF-8", field="body")]) from None
    found, results = ctr_intake.record_events(text)
    out = flows.ingest_events(
        session=session,
        events=[event for _, event in found],
        secret_key=settings.resolved_secret_key(),
        allowed_site_ids=user.scope.site_ids,
        max_events=settings.events_max_per_request,
        max_webhooks=settings.webhook_max_per_intake,
    )
    return ctr_intake.merge([number for number, _ in found], out, results)


@events.post("/genesys-cloud", response_model=schemas.IntakeOut)
def post_genesys_cloud(
    session: SessionDep, settings: SettingsDep, user: Intake, body: forms.PostedBody
) -> schemas.IntakeOut:
    """Take Genesys Cloud conversation details (a query response or job page, an array or JSON
    lines); answer per conversation (``line`` is its number; a conversation offered to two
    queues has two results under it)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the body is not UTF-8 text", [Problem("not UTF-8", field="body")]) from None
    found, results = gc_intake.conversation_events(text)
    out = flows.ingest_events(
        session=session,
        events=[event for _, event in found],
        secret_key=settings.resolved_secret_key(),
        allowed_site_ids=user.scope.site_ids,
        max_events=settings.events_max_per_request,
        max_webhooks=settings.webhook_max_per_intake,
    )
    return ctr_intake.merge([number for number, _ in found], out, results)


def _day(value: str | None) -> date | None:
    return intraday_service.parse_day(value)


def _required_day(value: str) -> date:
    """The day a route cannot do without: an empty ``date`` is refused by name, not a 500."""
    day = intraday_service.parse_day(value)
    if day is None:
        raise Invalid("give the date as YYYY-MM-DD", [Problem("missing", field="date")])
    return day


@router.get("/status", response_model=schemas.IntradayOut)
def status(
    queue: str,
    session: SessionDep,
    user: Reader,
    date: str | None = None,
    as_of: Moment | None = None,
) -> schemas.IntradayOut:
    """Return a queue's intraday view for a local day: forecast, actuals, reforecast, required."""
    return intraday_service.status(
        session=session, queue=queue, day=_day(date), as_of=as_of, scope=user.scope
    )


@router.get("/explain", response_model=list[schemas.ExplainOut])
def explain(
    date: str, session: SessionDep, user: Reader, queue: str | None = None
) -> list[schemas.ExplainOut]:
    """Split each queue's service-level shortfall of a day into its causes."""
    day = _required_day(date)
    return intraday_service.explain(session=session, day=day, queue=queue, scope=user.scope)


@router.get("/exceptions", response_model=list[schemas.ExceptionOut])
def list_exceptions(
    session: SessionDep,
    user: Reader,
    status: str | None = None,
    queue: str | None = None,
    date: str | None = None,
) -> list[schemas.ExceptionOut]:
    """List exceptions of the queues in scope, newest first."""
    return exception_service.list_exceptions(
        session=session, scope=user.scope, status=status, queue=queue, day=_day(date)
    )


@router.get("/exceptions/{exception_id}", response_model=schemas.ExceptionOut)
def show_exception(exception_id: RowId, session: SessionDep, user: Reader) -> schemas.ExceptionOut:
    """Return one exception with its notifications and audit trail."""
    return exception_service.get_exception(
        session=session, exception_id=exception_id, scope=user.scope
    )


@router.post("/exceptions/{exception_id}/{step}", response_model=schemas.ExceptionOut)
def step_exception(
    exception_id: RowId,
    step: str,
    session: SessionDep,
    user: Actor,
    data: schemas.ExceptionStepIn | None = None,
) -> schemas.ExceptionOut:
    """Acknowledge, action or close an exception (the step is recorded in its trail)."""
    return exception_service.step(
        session=session,
        exception_id=exception_id,
        action=step,
        actor=user.login,
        note=data.note if data else "",
        scope=user.scope,
    )


@router.get("/plans", response_model=list[schemas.PlanOut])
def list_plans(session: SessionDep, user: Reader) -> list[schemas.PlanOut]:
    """List the exception plans of the queues and sites in scope."""
    return exception_service.list_plans(session=session, scope=user.scope)


@router.post("/plans", response_model=schemas.PlanOut, status_code=201)
def create_plan(
    data: schemas.PlanIn, session: SessionDep, settings: SettingsDep, user: Planner
) -> schemas.PlanOut:
    """Store an exception plan (tiers, backup resources, owners) for a queue or a site; a
    webhook URL must reach a public internet receiver (or one the administrator allows)."""
    return exception_service.create_plan(
        session=session,
        data=data,
        created_by=user.login,
        scope=user.scope,
        allow=webhook_targets.parse_allow_list(settings.webhook_allowed_networks),
    )


@router.get("/adherence/alerts", response_model=list[schemas.AlertOut])
def adherence_alerts(session: SessionDep, user: People) -> list[schemas.AlertOut]:
    """List out-of-adherence alerts of the people in scope (team leaders: their teams)."""
    return adherence_service.list_alerts(session=session, scope=user.scope)


@router.get("/adherence", response_model=list[schemas.AdherenceOut])
def adherence(
    date: str, session: SessionDep, user: People, person: str | None = None
) -> list[schemas.AdherenceOut]:
    """Adherence and conformance per person of a day (against the published schedule)."""
    day = _required_day(date)
    return adherence_service.day_adherence(
        session=session, day=day, person=person, scope=user.scope, activities=None, published=True
    )


routers: tuple[APIRouter, ...] = (events, router)
