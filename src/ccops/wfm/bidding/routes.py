"""Shift bidding: the JSON API under /api/v1/bids (planners open and award bids; agents rank
the lines open to them and see their own award with its reason)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import schemas as schedule_schemas

router = APIRouter(prefix="/api/v1/bids", tags=["schedules"])

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Ranker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
PlannerReader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]


def _planner(user: Principal) -> bool:
    return user.role in permissions.SCHEDULE_WRITE


@router.get("", response_model=list[schemas.BidOut])
def list_bids(session: SessionDep, user: Reader) -> list[schemas.BidOut]:
    """Bids of the sites in scope (agents: of their own site), newest first."""
    return service.list_bids(
        session=session, scope=user.scope, person_id=user.person_id, planner=_planner(user)
    )


@router.post("", response_model=schemas.BidOut, status_code=201)
def open_bid(data: schemas.BidIn, session: SessionDep, user: Planner) -> schemas.BidOut:
    """Open a bid on shift lines (from a built schedule's shifts or from templates)."""
    return service.open_bid(session=session, data=data, created_by=user.login, scope=user.scope)


@router.get("/{bid_id:int}", response_model=schemas.BidOut)
def get_bid(bid_id: RowId, session: SessionDep, user: Reader) -> schemas.BidOut:
    """A bid: its lines and rule; an agent also sees their eligible lines, ranking and award."""
    return service.get_bid(
        session=session,
        bid_id=bid_id,
        scope=user.scope,
        person_id=user.person_id,
        planner=_planner(user),
    )


@router.post("/{bid_id:int}/ranking", response_model=schemas.BidOut)
def rank_lines(
    bid_id: RowId, data: schemas.RankingIn, session: SessionDep, user: Ranker
) -> schemas.BidOut:
    """Rank the lines one wants, best first (until the bid closes)."""
    return service.rank(
        session=session, bid_id=bid_id, person_id=user.person_id, data=data, scope=user.scope
    )


@router.post("/{bid_id:int}/award", response_model=schemas.BidOut)
def award_bid(bid_id: RowId, session: SessionDep, user: Planner) -> schemas.BidOut:
    """Award a closed bid by its published rule; every agent is told why."""
    return service.award(session=session, bid_id=bid_id, scope=user.scope)


@router.get("/{bid_id:int}/rankings", response_model=list[schemas.RankingOut])
def list_rankings(
    bid_id: RowId, session: SessionDep, user: PlannerReader
) -> list[schemas.RankingOut]:
    """Every bidder's ranking (best first) and the lines open to them."""
    return service.rankings(session=session, bid_id=bid_id, scope=user.scope)


@router.post(
    "/{bid_id:int}/apply", response_model=schedule_schemas.LinesAppliedOut, status_code=201
)
def apply_bid(
    bid_id: RowId, data: schemas.ApplyIn, session: SessionDep, user: Planner
) -> schedule_schemas.LinesAppliedOut:
    """Apply an awarded bid's lines to a schedule version: a new draft version to publish."""
    return service.apply_awards(
        session=session,
        bid_id=bid_id,
        schedule_id=data.schedule_id,
        applied_by=user.login,
        scope=user.scope,
    )


routers: tuple[APIRouter, ...] = (router,)
