"""Front-line shifts: the JSON API under /api/v1/frontline-shifts (planners schedule and cancel
them; executives see their own, the others who read schedules those of their scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from ccops.enums import Role
from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.frontline import schemas, service

router = APIRouter(prefix="/api/v1/frontline-shifts", tags=["schedules"])

Reader = Annotated[Principal, Depends(require(*permissions.SCHEDULE_READ))]
Planner = Annotated[Principal, Depends(require(*permissions.SCHEDULE_WRITE, write=True))]


def own_only(user: Principal) -> int | None:
    """An executive sees their own shifts (their scope is for figures, not for people)."""
    return user.person_id if user.role == Role.executive else None


@router.get("", response_model=list[schemas.FrontlineOut])
def list_shifts(session: SessionDep, user: Reader) -> list[schemas.FrontlineOut]:
    """Front-line shifts, newest first, each with the number of contacts handled."""
    mine = own_only(user)
    if user.role == Role.executive and mine is None:
        return []  # a sign-in with no person has no shifts of its own
    return service.shifts(session=session, scope=user.scope, person_id=mine)


@router.get("/{shift_id:int}", response_model=schemas.FrontlineOut)
def get_shift(shift_id: RowId, session: SessionDep, user: Reader) -> schemas.FrontlineOut:
    """One shift with the contacts handled on it."""
    if user.role == Role.executive:
        return service.get(session=session, shift_id=shift_id, scope=None, person_id=user.person_id)
    return service.get(session=session, shift_id=shift_id, scope=user.scope)


@router.post("", response_model=schemas.FrontlineOut, status_code=201)
def create_shift(
    data: schemas.FrontlineIn, session: SessionDep, user: Planner
) -> schemas.FrontlineOut:
    """Schedule a person on a queue for a shift (outside coverage unless counted)."""
    return service.schedule(session=session, data=data, by=user.login, scope=user.scope)


@router.delete("/{shift_id:int}", status_code=204)
def delete_shift(shift_id: RowId, session: SessionDep, user: Planner) -> Response:
    """Cancel a shift that has not begun."""
    service.remove(session=session, shift_id=shift_id, scope=user.scope)
    return Response(status_code=204)


routers: tuple[APIRouter, ...] = (router,)
