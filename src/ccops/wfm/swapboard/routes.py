"""The open swap board: the JSON API under /api/v1/swaps (post a shift, see the posts one may
take, take one, withdraw one's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.swapboard import schemas, service

router = APIRouter(prefix="/api/v1/swaps", tags=["schedules"])

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST))]
Writer = Annotated[Principal, Depends(require(*permissions.SCHEDULE_REQUEST, write=True))]


@router.get("", response_model=list[schemas.PostOut])
def swap_board(session: SessionDep, user: Reader) -> list[schemas.PostOut]:
    """The open posts one may take (skills and contract), then one's own posts."""
    return service.board(session=session, person_id=user.person_id)


@router.post("", response_model=schemas.PostOut, status_code=201)
def post_shift(data: schemas.PostIn, session: SessionDep, user: Writer) -> schemas.PostOut:
    """Post one's published shift on a day to give away or to trade."""
    return service.create(session=session, person_id=user.person_id, data=data)


@router.post("/{post_id:int}/take", response_model=schemas.PostOut)
def take_post(post_id: RowId, session: SessionDep, user: Writer) -> schemas.PostOut:
    """Take a post: approved at once when the rules allow, otherwise to the planner."""
    return service.take(
        session=session, post_id=post_id, person_id=user.person_id, scope=user.scope
    )


@router.post("/{post_id:int}/withdraw", response_model=schemas.PostOut)
def withdraw_post(post_id: RowId, session: SessionDep, user: Writer) -> schemas.PostOut:
    """Take one's own open post off the board."""
    return service.withdraw(
        session=session, post_id=post_id, person_id=user.person_id, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router,)
