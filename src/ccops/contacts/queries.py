"""Read contact data: import batches, contacts, batch coverage, last days and handled counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts import schemas
from ccops.contacts.models import Contact, ImportBatch, IntervalReport
from ccops.enums import ANSWERED_OUTCOMES
from ccops.errors import Invalid, Problem
from ccops.org import service as org_service
from ccops.org.models import Channel, Person, Queue

LIST_LIMIT_MAX = 1000


def list_batches(*, session: Session, limit: int = 100) -> list[schemas.ImportBatchOut]:
    """List import batches, newest first."""
    limit = max(1, min(limit, LIST_LIMIT_MAX))
    rows = session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
    return [schemas.ImportBatchOut.model_validate(b) for b in rows]


def list_contacts(
    *,
    session: Session,
    queue: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    site_ids: frozenset[int] | None = None,
) -> list[schemas.ContactOut]:
    """List contacts by arrival, optionally of one queue and arriving in [start, end).

    ``site_ids`` limits the list to queues of those sites (the caller's scope; None: all).
    """
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise Invalid(
            f"limit must be 1–{LIST_LIMIT_MAX}", [Problem(f"1–{LIST_LIMIT_MAX}", field="limit")]
        )
    query = (
        select(Contact, Queue.name, Channel.name, Person.login)
        .join(Queue, Contact.queue_id == Queue.id)
        .join(Channel, Contact.channel_id == Channel.id)
        .outerjoin(Person, Contact.person_id == Person.id)
        .order_by(Contact.arrival_at, Contact.id)
        .limit(limit)
    )
    if queue is not None:
        query = query.where(
            Contact.queue_id == org_service.get_queue(session=session, name=queue).id
        )
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise Invalid(
                f"{name} needs a UTC offset (e.g. 2024-01-01T09:00:00+00:00)",
                [Problem("timestamp without offset", field=name)],
            )
    if site_ids is not None:
        query = query.where(Queue.site_id.in_(sorted(site_ids)))
    if start is not None:
        query = query.where(Contact.arrival_at >= start)
    if end is not None:
        query = query.where(Contact.arrival_at < end)
    return [
        schemas.ContactOut(
            id=c.id,
            source=c.source,
            external_id=c.external_id,
            queue=queue_name,
            channel=channel_name,
            agent=login,
            arrival_at=c.arrival_at,
            answered_at=c.answered_at,
            ended_at=c.ended_at,
            outcome=c.outcome,
            wait_s=c.wait_s,
            talk_s=c.talk_s,
            hold_s=c.hold_s,
            wrap_s=c.wrap_s,
            timing_untrusted=c.timing_untrusted,
            customer_known=c.customer_hash is not None,
            reason_code=c.reason_code,
            topic=c.topic,
            kb_article_id=c.kb_article_id,
            kb_article_version=c.kb_article_version,
            transferred=c.transferred,
            escalated=c.escalated,
            recording_ref=c.recording_ref,
            transcript_ref=c.transcript_ref,
            csat=c.csat,
            nps=c.nps,
        )
        for c, queue_name, channel_name, login in session.execute(query)
    ]


def batch_coverage(*, session: Session, batch_id: int) -> list[schemas.BatchCoverage]:
    """Return the queues and local dates an import batch wrote contacts or intervals for."""
    found: dict[str, tuple[int, int]] = {}
    for model, column in (
        (Contact, Contact.arrival_local_min),
        (IntervalReport, IntervalReport.interval_local_min),
    ):
        rows = session.execute(
            select(Queue.name, func.min(column), func.max(column))
            .join(Queue, model.queue_id == Queue.id)
            .where(model.batch_id == batch_id)
            .group_by(Queue.name)
        )
        for name, low, high in rows:
            if low is None or high is None:
                continue
            old = found.get(name)
            found[name] = (low, high) if old is None else (min(old[0], low), max(old[1], high))
    epoch = date(1970, 1, 1)
    return [
        schemas.BatchCoverage(
            queue=name,
            first=epoch + timedelta(days=low // 1440),
            last=epoch + timedelta(days=high // 1440),
        )
        for name, (low, high) in sorted(found.items())
    ]


def last_local_date(*, session: Session, queue: str) -> date | None:
    """Return the last local date with contacts or interval reports of ``queue``, or None."""
    queue_id = org_service.get_queue(session=session, name=queue).id
    last = max(
        (
            value
            for value in (
                session.scalar(
                    select(func.max(Contact.arrival_local_min)).where(Contact.queue_id == queue_id)
                ),
                session.scalar(
                    select(func.max(IntervalReport.interval_local_min)).where(
                        IntervalReport.queue_id == queue_id
                    )
                ),
            )
            if value is not None
        ),
        default=None,
    )
    return None if last is None else date(1970, 1, 1) + timedelta(days=int(last) // 1440)


def last_local_dates(*, session: Session, queues: Iterable[str]) -> dict[str, date]:
    """Return the last local date with contacts or interval reports of each queue that has one.

    One query for every queue (an index lookup each), where ``last_local_date`` takes three.
    """
    return _local_dates(session, queues, func.max, max)


def first_local_dates(*, session: Session, queues: Iterable[str]) -> dict[str, date]:
    """Return the first local date with contacts or interval reports of each queue that has one
    (where a month of history starts: the value trend marks a month it starts in as partial)."""
    return _local_dates(session, queues, func.min, min)


def _local_dates(
    session: Session,
    queues: Iterable[str],
    aggregate: Any,
    pick: Callable[[list[int]], int],
) -> dict[str, date]:
    contact_end = (
        select(aggregate(Contact.arrival_local_min))
        .where(Contact.queue_id == Queue.id)
        .scalar_subquery()
    )
    report_end = (
        select(aggregate(IntervalReport.interval_local_min))
        .where(IntervalReport.queue_id == Queue.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Queue.name, contact_end, report_end).where(Queue.name.in_(list(queues)))
    )
    out = {}
    for name, from_contacts, from_reports in rows:
        found = [int(v) for v in (from_contacts, from_reports) if v is not None]
        if found:
            out[name] = date(1970, 1, 1) + timedelta(days=pick(found) // 1440)
    return out


def handled_by(
    *, session: Session, person_id: int, first: date, last: date
) -> schemas.HandledSummary:
    """Count the contacts a person answered on local dates [first, last] and their handle time."""
    day0 = (first - date(1970, 1, 1)).days
    day1 = (last - date(1970, 1, 1)).days
    row = session.execute(
        select(
            func.count(Contact.id),
            func.sum(Contact.talk_s + Contact.hold_s + Contact.wrap_s),
        ).where(
            Contact.person_id == person_id,
            Contact.outcome.in_(list(ANSWERED_OUTCOMES)),
            Contact.arrival_local_min >= day0 * 1440,
            Contact.arrival_local_min < (day1 + 1) * 1440,
        )
    ).one()
    count = int(row[0] or 0)
    handle = float(row[1] or 0.0)
    return schemas.HandledSummary(
        first=first, last=last, answered=count, aht_s=handle / count if count else None
    )
