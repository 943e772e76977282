"""Retention: delete what is older than each kind's retention, in batches, or count it first.

Kinds: contact records (by arrival; contacts a QA evaluation, calibration session or sample
refers to are kept, since evaluations are pay-relevant), agent-state spans (by start), the live
intake log (by receipt) and the audit trail (by time, the one deletion it allows). A retention
of 0 days keeps a kind forever. The purge writes an audit entry of its own with the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ccops.audit import guard, service
from ccops.audit.models import AuditEntry
from ccops.audit.schemas import PurgeKindOut, PurgeOut
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import utcnow
from ccops.quality.models import CalibrationContact, Evaluation, QaSampleContact
from ccops.settings import Settings
from ccops.wfm.intraday.models import IntakeEvent


@dataclass(frozen=True)
class Kind:
    """One kind of data the purge handles: its table's id, its age column, what it keeps."""

    name: str
    setting: str
    id_column: InstrumentedAttribute[int]
    age_column: InstrumentedAttribute[datetime]
    keep: tuple[ColumnElement[bool], ...] = ()


def _referenced_contacts() -> tuple[ColumnElement[bool], ...]:
    return tuple(
        ~exists().where(column == Contact.id)
        for column in (
            Evaluation.contact_id,
            CalibrationContact.contact_id,
            QaSampleContact.contact_id,
        )
    )


KINDS: tuple[Kind, ...] = (
    Kind("contacts", "retention_contacts_days", Contact.id, Contact.arrival_at),
    Kind(
        "agent_states",
        "retention_agent_states_days",
        AgentStateEvent.id,
        AgentStateEvent.start_at,
    ),
    Kind("intake_log", "retention_intake_log_days", IntakeEvent.id, IntakeEvent.received_at),
    Kind("audit", "retention_audit_days", AuditEntry.id, AuditEntry.at),
)
"""Every kind the purge handles, in the order it purges them."""


def _where(kind: Kind, cutoff: datetime) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [kind.age_column < cutoff]
    if kind.name == "contacts":
        clauses.extend(_referenced_contacts())
    return clauses


def _delete_in_batches(session: Session, kind: Kind, cutoff: datetime, batch: int) -> int:
    table: Any = kind.id_column.class_
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(kind.id_column)
                .where(*_where(kind, cutoff))
                .order_by(kind.id_column)
                .limit(batch)
            )
        )
        if not ids:
            return deleted
        session.execute(
            delete(table)
            .where(kind.id_column.in_(ids))
            .execution_options(synchronize_session=False)
        )
        deleted += len(ids)


def purge(
    *, session: Session, settings: Settings, dry_run: bool = False, now: datetime | None = None
) -> PurgeOut:
    """Delete (or with ``dry_run`` only count) the rows older than each kind's retention."""
    now = now or utcnow()
    results: list[PurgeKindOut] = []
    for kind in KINDS:
        days = int(getattr(settings, kind.setting))
        if days == 0:
            results.append(PurgeKindOut(kind=kind.name, retention_days=0, cutoff=None, rows=0))
            continue
        cutoff = now - timedelta(days=days)
        if dry_run:
            rows = int(
                session.scalar(
                    select(func.count())
                    .select_from(kind.id_column.class_)
                    .where(*_where(kind, cutoff))
                )
                or 0
            )
        elif kind.name == "audit":
            with guard.opened(session, "retention"):
                rows = _delete_in_batches(session, kind, cutoff, settings.retention_batch_size)
        else:
            rows = _delete_in_batches(session, kind, cutoff, settings.retention_batch_size)
        results.append(PurgeKindOut(kind=kind.name, retention_days=days, cutoff=cutoff, rows=rows))
    out = PurgeOut(dry_run=dry_run, kinds=results)
    if not dry_run:
        service.record_operation(
            session=session,
            entity_kind="retention",
            action="purge",
            detail={r.kind: {"days": r.retention_days, "rows": r.rows} for r in results},
        )
    return out
