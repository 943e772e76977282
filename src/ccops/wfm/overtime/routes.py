"""Overtime and VTO offers: the JSON API under /api/v1/overtime (planners quote, send and close
offers; everyone with a schedule sees the offers they may accept and accepts one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.overtime import schemas, service

router = APIRouter(prefix="/api/v1/overtime", tags=["schedules"])

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Acceptor = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]


@router.get("", response_model=list[schemas.OfferOut])
def list_offers(session: SessionDep, user: Reader) -> list[schemas.OfferOut]:
    """Planners: every offer in scope; others: the open offers they may accept and theirs."""
    return service.offers(
        session=session,
        person_id=user.person_id,
        scope=user.scope,
        everything=user.role in permissions.SCHEDULE_WRITE,
    )


@router.post("/quote")
def quote_offer(data: schemas.OfferIn, session: SessionDep, user: Planner) -> dict[str, float]:
    """The cost of an offer before it is sent (nothing is stored)."""
    return service.quote(session=session, data=data, scope=user.scope)


@router.post("", response_model=schemas.OfferOut, status_code=201)
def create_offer(data: schemas.OfferIn, session: SessionDep, user: Planner) -> schemas.OfferOut:
    """Send an overtime or VTO offer; eligible people are told."""
    return service.create(session=session, data=data, created_by=user.login, scope=user.scope)


@router.post("/{offer_id:int}/accept", response_model=schemas.OfferOut)
def accept_offer(offer_id: RowId, session: SessionDep, user: Acceptor) -> schemas.OfferOut:
    """Accept a slot: published at once as a new schedule version, first come."""
    return service.accept(
        session=session, offer_id=offer_id, person_id=user.person_id, scope=user.scope
    )


@router.post("/{offer_id:int}/close", response_model=schemas.OfferOut)
def close_offer(offer_id: RowId, session: SessionDep, user: Planner) -> schemas.OfferOut:
    """Close an open offer."""
    return service.close(session=session, offer_id=offer_id, scope=user.scope)


routers: tuple[APIRouter, ...] = (router,)
