"""The audit-trail page: ``/admin/audit``, filtered by entity, actor and dates, paged; read-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ccops.audit import service as audit_service
from ccops.audit.schemas import AuditPage
from ccops.errors import CcopsError
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, render

pages = APIRouter(prefix="/admin", include_in_schema=False)

Auditor = Annotated[Principal, Depends(require(*permissions.AUDIT))]

FILTERS = ("entity", "actor", "since", "until")


def _day(raw: str, field: str, errors: list[str], _: Any) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(field)s: enter a date like 2026-12-01.") % {"field": field})
        return None


def _page_number(raw: str, errors: list[str], _: Any) -> int:
    if not raw:
        return 1
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    errors.append(_("page: enter a whole number from 1."))
    return 1


@pages.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, user: Auditor) -> HTMLResponse:
    """The newest changes first (50 a page): who, when, which record, each column before → after."""
    _ = gettext_for(request, user)
    query = {k: request.query_params.get(k, "").strip() for k in (*FILTERS, "page")}
    errors: list[str] = []
    since = _day(query["since"], _("From"), errors, _)
    until = _day(query["until"], _("To"), errors, _)
    page = _page_number(query["page"], errors, _)
    found = AuditPage(entries=[], page=page, per_page=50, has_more=False)
    if not errors:
        try:
            found = audit_service.list_entries(
                session=session,
                entity=query["entity"] or None,
                actor=query["actor"] or None,
                since=datetime.combine(since, time(), UTC) if since else None,
                until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
                site_ids=user.scope.site_ids,
                page=page,
            )
        except CcopsError as exc:
            errors.extend(f"{p.field}: {p.message}" if p.field else p.message for p in exc.problems)
    kept = {k: query[k] for k in FILTERS if query[k]}
    return render(
        request,
        "audit/list.html",
        {
            "found": found,
            "query": query,
            "errors": errors,
            "kinds": audit_service.entity_kinds(),
            "scoped": user.scope.site_ids is not None,
            "newer": urlencode({**kept, "page": page - 1}) if page > 1 else None,
            "older": urlencode({**kept, "page": page + 1}) if found.has_more else None,
        },
        principal=user,
        status_code=422 if errors else 200,
        active="audit",
    )


routers: tuple[APIRouter, ...] = (pages,)
