"""The audit trail over the JSON API (administrators; site-scoped ones see their sites' entries)
and a leaver's erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ccops.audit import leavers
from ccops.audit import service as audit_service
from ccops.audit.schemas import AuditPage, LeaverErasureIn, LeaverErasureOut
from ccops.org import service as org_service
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["audit"])

Auditor = Annotated[Principal, Depends(require(*permissions.AUDIT))]
Eraser = Annotated[Principal, Depends(require(*permissions.PRIVACY, write=True))]


@router.get("/audit", response_model=AuditPage)
def list_audit(
    session: SessionDep,
    user: Auditor,
    entity: Annotated[str | None, Query(description="Only this entity kind")] = None,
    entity_id: Annotated[int | None, Query(ge=1, description="Only this record")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Only this actor")] = None,
    since: Annotated[datetime | None, Query(description="From (with offset)")] = None,
    until: Annotated[datetime | None, Query(description="Before (with offset)")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=audit_service.MAX_PER_PAGE)] = 50,
) -> AuditPage:
    """Audit entries, newest first: who changed what, when, and its columns before and after."""
    return audit_service.list_entries(
        session=session,
        entity=entity,
        entity_id=entity_id,
        actor=actor,
        since=since,
        until=until,
        site_ids=user.scope.site_ids,
        page=page,
        per_page=per_page,
    )


@router.post("/privacy/erase-leaver", response_model=LeaverErasureOut)
def erase_leaver(data: LeaverErasureIn, session: SessionDep, user: Eraser) -> LeaverErasureOut:
    """Erase a leaver's personal data; reviews, evaluation scores and statistics are kept."""
    org_service.find_person(session=session, login=data.login, scope=user.scope)
    return leavers.erase_leaver(session=session, login=data.login)


routers: tuple[APIRouter, ...] = (router,)
