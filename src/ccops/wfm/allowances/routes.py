"""Time-off allowances: the JSON API under /api/v1/timeoff (balances, the vacation planner and
the leave policy of each work contract)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.allowances import schemas, service

router = APIRouter(prefix="/api/v1/timeoff", tags=["schedules"])

Own = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Staff = Annotated[Principal, Depends(require(*permissions.TIME_OFF))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE))]
PlannerWrite = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]


@router.get("/balance", response_model=schemas.BalanceOut)
def own_balance(session: SessionDep, user: Own) -> schemas.BalanceOut:
    """One's own time-off balance this year, in hours."""
    return service.own_balance(session=session, person_id=user.person_id)


@router.get("/balance/{login}", response_model=schemas.BalanceOut)
def person_balance(
    login: str,
    session: SessionDep,
    user: Staff,
    year: Annotated[int | None, Query(ge=2000, le=2099)] = None,
) -> schemas.BalanceOut:
    """A person's time-off balance for a year (people in scope)."""
    return service.balance(session=session, login=login, year=year, scope=user.scope)


@router.get("/planner", response_model=schemas.PlannerOut)
def vacation_planner(
    session: SessionDep,
    user: Staff,
    team: Annotated[str, Query(min_length=1, max_length=100)],
    week: Annotated[str, Query(min_length=1, max_length=10)],
) -> schemas.PlannerOut:
    """A team's week: open time-off slots per day (coverage against the requirement)."""
    return service.planner(session=session, team=team, week=week, scope=user.scope)


@router.get("/policies", response_model=list[schemas.PolicyOut])
def list_policies(session: SessionDep, user: Planner) -> list[schemas.PolicyOut]:
    """Every work contract's time-off allowance."""
    return service.list_policies(session=session)


@router.post("/policies", response_model=schemas.PolicyOut)
def set_policy(
    data: schemas.PolicyIn, session: SessionDep, user: PlannerWrite
) -> schemas.PolicyOut:
    """Create or replace a work contract's time-off allowance."""
    return service.set_policy(session=session, data=data, updated_by=user.login)


routers: tuple[APIRouter, ...] = (router,)
