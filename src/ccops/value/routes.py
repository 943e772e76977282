"""The value model's JSON API under /api/v1/value: assumptions, the summary, what-if."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ccops.metrics import service as kpi_service
from ccops.value import schemas
from ccops.value import service as value_service
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/value", tags=["value"])

Reader = Annotated[Principal, Depends(require(*permissions.VALUE_READ))]
Saver = Annotated[Principal, Depends(require(*permissions.VALUE_SAVE, write=True))]
Writer = Annotated[Principal, Depends(require(*permissions.VALUE_WRITE, write=True))]


@router.get("/assumptions", response_model=list[schemas.AssumptionOut])
def list_assumptions(
    session: SessionDep, user: Reader, site: str | None = None
) -> list[schemas.AssumptionOut]:
    """Every assumption of the sites in scope, with who set it, when and from what source."""
    return value_service.list_assumptions(session=session, scope=user.scope, site=site)


@router.post("/assumptions", response_model=schemas.AssumptionOut)
def set_assumption(
    data: schemas.AssumptionIn, session: SessionDep, user: Writer
) -> schemas.AssumptionOut:
    """Set one assumption of a site (or of one of its queues), with its range and source."""
    return value_service.set_assumption(
        session=session, data=data, set_by=user.login, scope=user.scope
    )


@router.get("/summary", response_model=schemas.SummaryOut)
def summary(
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
    site: str | None = None,
    last: date | None = None,
    day: Annotated[date | None, Query(description="The day to cost (default: last Monday)")] = None,
    days: Annotated[int, Query(ge=7, le=91)] = 28,
) -> schemas.SummaryOut:
    """Each queue's cost, revenue and money lost over the period, and one day's abandon cost."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return value_service.summary(
            session=session,
            source=source,
            scope=user.scope,
            site=site,
            last=last,
            day=day,
            days=days,
        )


@router.get("/monthly", response_model=schemas.MonthlyOut)
def monthly(
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
    site: str | None = None,
    first: Annotated[
        date | None, Query(alias="from", description="First day (default: 12 months back)")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last day (default: latest with contacts)")
    ] = None,
) -> schemas.MonthlyOut:
    """The summary's figures per calendar month (the trend), partial months marked."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return value_service.monthly(
            session=session, source=source, scope=user.scope, site=site, first=first, last=last
        )


@router.get("/whatif", response_model=schemas.WhatIfOut)
def whatif(
    data: Annotated[schemas.WhatIfIn, Query()],
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
) -> schemas.WhatIfOut:
    """Baseline against a scenario on a queue, per month, and the investment's return (a
    computation: nothing is stored)."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return value_service.whatif(session=session, source=source, data=data, scope=user.scope)


@router.post("/scenarios", response_model=schemas.ScenarioOut, status_code=201)
def save_scenario(
    data: schemas.ScenarioIn, session: SessionDep, settings: SettingsDep, user: Saver
) -> schemas.ScenarioOut:
    """Run a what-if and save it with its result under a name."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return value_service.save_scenario(
            session=session, source=source, data=data, created_by=user.login, scope=user.scope
        )


@router.get("/scenarios", response_model=list[schemas.ScenarioOut])
def list_scenarios(
    session: SessionDep, user: Reader, queue: str | None = None
) -> list[schemas.ScenarioOut]:
    """Saved scenarios (queues in scope), oldest first: compare them side by side."""
    return value_service.list_scenarios(session=session, scope=user.scope, queue=queue)


routers: tuple[APIRouter, ...] = (router,)
