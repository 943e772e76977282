"""Agents' schedule requests: the JSON API under /api/v1/schedules/requests (the forms of "My week"
and the planner's decision are in ``pages``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.requests import schemas, service

router = APIRouter(prefix="/api/v1/schedules/requests", tags=["schedules"])

Requester = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Asker = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]
Decider = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]


@router.get("", response_model=list[schemas.RequestOut])
def list_requests(
    session: SessionDep, user: Requester, status: str | None = None
) -> list[schemas.RequestOut]:
    """Planners, managers and admins: the requests of the people in scope (``status`` filters);
    everyone else: their own requests and the swaps proposed to them."""
    if user.role in permissions.SCHEDULE_WRITE:
        return service.list_for_planner(session=session, scope=user.scope, status=status)
    return service.list_own(session=session, person_id=user.person_id)


@router.post("", response_model=schemas.RequestOut, status_code=201)
def create_request(data: schemas.RequestIn, session: SessionDep, user: Asker) -> schemas.RequestOut:
    """Ask for time off (whole local days) or propose a swap of one's shift with a colleague."""
    return service.create(
        session=session, person_id=user.person_id, data=data, created_by=user.login
    )


@router.post("/{request_id:int}/answer", response_model=schemas.RequestOut)
def answer_request(
    request_id: RowId, data: schemas.AnswerIn, session: SessionDep, user: Asker
) -> schemas.RequestOut:
    """The colleague accepts or declines a swap proposed to them."""
    return service.answer(
        session=session, request_id=request_id, person_id=user.person_id, accept=data.accept
    )


@router.post("/{request_id:int}/withdraw", response_model=schemas.RequestOut)
def withdraw_request(request_id: RowId, session: SessionDep, user: Asker) -> schemas.RequestOut:
    """Take back one's own request while it is open, or cancel one's granted time off that has
    not begun (its hours return to the balance)."""
    return service.withdraw(session=session, request_id=request_id, person_id=user.person_id)


@router.post("/{request_id:int}/decision", response_model=schemas.RequestOut)
def decide_request(
    request_id: RowId, data: schemas.DecisionIn, session: SessionDep, user: Decider
) -> schemas.RequestOut:
    """Grant (a new published schedule version) or refuse (with a note) a pending request."""
    return service.decide(
        session=session,
        request_id=request_id,
        grant=data.grant,
        note=data.note,
        decided_by=user.login,
        scope=user.scope,
        decider_person_id=user.person_id,
    )


routers: tuple[APIRouter, ...] = (router,)
