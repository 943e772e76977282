"""JSON API of the organisation under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, status

from ccops.org import schemas
from ccops.org import service as org_service
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/sites", response_model=list[schemas.SiteOut])
def list_sites(session: SessionDep) -> list[schemas.SiteOut]:
    """List sites."""
    return org_service.list_sites(session=session)


@router.post("/sites", response_model=schemas.SiteOut, status_code=status.HTTP_201_CREATED)
def create_site(data: schemas.SiteIn, session: SessionDep) -> schemas.SiteOut:
    """Create a site."""
    return org_service.create_site(session=session, data=data)


@router.get("/channels", response_model=list[schemas.ChannelOut])
def list_channels(session: SessionDep) -> list[schemas.ChannelOut]:
    """List channels."""
    return org_service.list_channels(session=session)


@router.post("/channels", response_model=schemas.ChannelOut, status_code=status.HTTP_201_CREATED)
def create_channel(data: schemas.ChannelIn, session: SessionDep) -> schemas.ChannelOut:
    """Create a channel."""
    return org_service.create_channel(session=session, data=data)


@router.get("/queues", response_model=list[schemas.QueueOut])
def list_queues(session: SessionDep) -> list[schemas.QueueOut]:
    """List queues."""
    return org_service.list_queues(session=session)


@router.post("/queues", response_model=schemas.QueueOut, status_code=status.HTTP_201_CREATED)
def create_queue(data: schemas.QueueIn, session: SessionDep) -> schemas.QueueOut:
    """Create a queue."""
    return org_service.create_queue(session=session, data=data)


@router.get("/teams", response_model=list[schemas.TeamOut])
def list_teams(session: SessionDep) -> list[schemas.TeamOut]:
    """List teams."""
    return org_service.list_teams(session=session)


@router.post("/teams", response_model=schemas.TeamOut, status_code=status.HTTP_201_CREATED)
def create_team(data: schemas.TeamIn, session: SessionDep) -> schemas.TeamOut:
    """Create a team."""
    return org_service.create_team(session=session, data=data)


@router.get("/people", response_model=list[schemas.PersonOut])
def list_people(session: SessionDep, team: str | None = None) -> list[schemas.PersonOut]:
    """List people, optionally of one team."""
    return org_service.list_people(session=session, team=team)


@router.post("/people", response_model=schemas.PersonOut, status_code=status.HTTP_201_CREATED)
def create_person(data: schemas.PersonIn, session: SessionDep) -> schemas.PersonOut:
    """Create a person with skills."""
    return org_service.create_person(session=session, data=data)


@router.get("/users", response_model=list[schemas.UserOut])
def list_users(session: SessionDep) -> list[schemas.UserOut]:
    """List users."""
    return org_service.list_users(session=session)


@router.post("/users", response_model=schemas.UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: schemas.UserIn, session: SessionDep) -> schemas.UserOut:
    """Create a user with a role and scope."""
    return org_service.create_user(session=session, data=data)
