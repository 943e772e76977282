"""Read the audit trail (filtered, paged, in the reader's scope) and write operation entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.audit import capture
from ccops.audit.models import AuditEntry
from ccops.audit.schemas import AuditEntryOut, AuditPage
from ccops.db import utcnow
from ccops.errors import Invalid, Problem

MAX_PER_PAGE = 200
OPERATION_KINDS = frozenset({"retention", "privacy"})
"""Entity kinds of entries that record an operation rather than a record's change."""


def entity_kinds() -> list[str]:
    """Every entity kind the trail files entries under, sorted (for filters and messages)."""
    return sorted(set(capture.AUDITED.values()) | OPERATION_KINDS)


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    """An audit entry as the API and pages show it."""
    try:
        changes: dict[str, Any] = json.loads(entry.changes_json or "{}")
    except ValueError:
        changes = {"unreadable": entry.changes_json}
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        origin=entry.origin,
        entity_kind=entry.entity_kind,
        entity_id=entry.entity_id,
        action=entry.action,
        site_id=entry.site_id,
        changes=changes,
    )


def _aware(moment: datetime | None) -> datetime | None:
    """A filter bound given without an offset is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def list_entries(
    *,
    session: Session,
    entity: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    site_ids: frozenset[int] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """One page of the trail, newest first.

    Args:
        entity: only entries of this entity kind (see :func:`entity_kinds`).
        entity_id: only entries of this record (with ``entity``).
        actor: only changes by this actor (exact: a login, ``cli:<user>``, ``system``).
        since, until: only entries at or after ``since`` and before ``until`` (aware, UTC).
        site_ids: the reader's sites (None: every entry; else only entries of these sites).
    """
    since, until = _aware(since), _aware(until)
    problems = []
    if entity and entity not in entity_kinds():
        problems.append(
            Problem(f"unknown entity kind; known: {', '.join(entity_kinds())}", field="entity")
        )
    if page < 1:
        problems.append(Problem("must be 1 or more", field="page"))
    if not 1 <= per_page <= MAX_PER_PAGE:
        problems.append(Problem(f"must be 1 to {MAX_PER_PAGE}", field="per_page"))
    if since is not None and until is not None and since >= until:
        problems.append(Problem("must be before 'until'", field="since"))
    if problems:
        raise Invalid(
            "audit filter: " + "; ".join(f"{p.field}: {p.message}" for p in problems), problems
        )
    stmt = select(AuditEntry)
    if entity:
        stmt = stmt.where(AuditEntry.entity_kind == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    if site_ids is not None:
        stmt = stmt.where(AuditEntry.site_id.in_(sorted(site_ids)))
    stmt = stmt.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
    found = list(session.scalars(stmt))
    return AuditPage(
        entries=[entry_out(e) for e in found[:per_page]],
        page=page,
        per_page=per_page,
        has_more=len(found) > per_page,
    )


def record_operation(
    *,
    session: Session,
    entity_kind: str,
    action: str,
    detail: dict[str, Any],
    entity_id: int | None = None,
    site_id: int | None = None,
) -> AuditEntryOut:
    """Write the entry of an operation (an erasure, a purge) by the session's actor."""
    actor = str(session.info.get(capture.ACTOR) or "system")
    origin = str(session.info.get(capture.ORIGIN) or ("system" if actor == "system" else "cli"))
    entry = AuditEntry(
        at=utcnow(),
        actor=actor[:200],
        origin=origin[:100],
        entity_kind=entity_kind,
        entity_id=entity_id,
        action=action,
        site_id=site_id,
        changes_json=json.dumps(detail, sort_keys=True, ensure_ascii=False),
    )
    session.add(entry)
    session.flush()
    return entry_out(entry)
