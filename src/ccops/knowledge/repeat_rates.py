"""Repeat contacts by topic and standard-answer version, read from the stored contacts of the
queues in scope (the measure itself is ``ccops.knowledge.repeats``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.errors import Invalid, Problem
from ccops.knowledge import repeats, schemas
from ccops.knowledge.models import KbArticle, KbVersion
from ccops.org.access import Scope
from ccops.org.models import Queue

EPOCH = date(1970, 1, 1)
MAX_DAYS = 90
MAX_RANGE_DAYS = 366


def _local_min(day: date) -> int:
    return (day - EPOCH).days * 1440


def _check(first: date, last: date, days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(
            f"the repeat window must be 1 to {MAX_DAYS} days",
            [Problem(f"1–{MAX_DAYS}", field="days")],
        )
    if first > last:
        raise Invalid("from must not be after to", [Problem("after to", field="from")])
    if (last - first).days >= MAX_RANGE_DAYS:
        raise Invalid(
            f"ask for at most {MAX_RANGE_DAYS} days at a time",
            [Problem(f"at most {MAX_RANGE_DAYS} days", field="to")],
        )


def _titles(
    session: Session, scope: Scope, article_ids: set[int]
) -> dict[tuple[int, int], tuple[str, datetime | None]]:
    """Title and publication of each version of the articles in scope."""
    if not article_ids:
        return {}
    allowed = set(
        session.scalars(
            select(KbArticle.id)
            .outerjoin(Queue, Queue.id == KbArticle.queue_id)
            .where(KbArticle.id.in_(sorted(article_ids)))
            .where(
                KbArticle.queue_id.is_(None) | Queue.site_id.in_(sorted(scope.site_ids))
                if scope.site_ids is not None
                else KbArticle.id.is_not(None)
            )
        )
    )
    rows = session.execute(
        select(
            KbVersion.article_id, KbVersion.version, KbVersion.title, KbVersion.published_at
        ).where(KbVersion.article_id.in_(sorted(allowed)))
    )
    return {(a, v): (t, p) for a, v, t, p in rows}


def _rate(r: repeats.Rate) -> dict[str, float | int | None]:
    return {
        "contacts": r.contacts,
        "repeats": r.repeats,
        "rate": r.rate,
        "low": r.low,
        "high": r.high,
    }


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.site_ids is None:
        return []
    queues = select(Queue.id).where(Queue.site_id.in_(sorted(scope.site_ids)))
    return [Contact.queue_id.in_(queues)]


def data_end(*, session: Session, scope: Scope) -> datetime | None:
    """The last arrival among the contacts of the queues in scope (None: no contacts)."""
    end_s = session.scalar(select(func.max(Contact.arrival_epoch_s)).where(*_in_scope(scope)))
    return datetime.fromtimestamp(end_s, UTC) if end_s is not None else None


def default_range(
    *, session: Session, scope: Scope, first: date | None, last: date | None, weeks: int = 12
) -> tuple[date, date]:
    """The range asked for, completed: ``last`` defaults to the day of the last arrival in
    scope (yesterday without contacts), ``first`` to ``weeks`` weeks before ``last``."""
    if last is None:
        end = data_end(session=session, scope=scope)
        last = end.date() if end else datetime.now(UTC).date() - timedelta(days=1)
    if first is None:
        first = last - timedelta(weeks=weeks) + timedelta(days=1)
    return first, last


def repeat_rates(
    *,
    session: Session,
    scope: Scope,
    first: date,
    last: date,
    days: int = 7,
    topic: str | None = None,
    queue_id: int | None = None,
) -> schemas.RepeatReportOut:
    """Repeat contacts of the queues in scope (or of one queue) whose local arrival day is in
    [first, last].

    Raises:
        Invalid: a window outside 1–90 days, ``first`` after ``last``, more than 366 days.
    """
    _check(first, last, days)
    in_scope = _in_scope(scope)
    if queue_id is not None:
        in_scope.append(Contact.queue_id == queue_id)
    end_s = session.scalar(select(func.max(Contact.arrival_epoch_s)).where(*in_scope))
    lo, hi = _local_min(first), _local_min(last + timedelta(days=1))
    follow = _local_min(last + timedelta(days=days + 2))  # a local day is within 14 h of UTC
    query = select(
        Contact.customer_hash,
        Contact.topic,
        Contact.kb_article_id,
        Contact.kb_article_version,
        Contact.arrival_epoch_s,
        Contact.arrival_local_min,
    ).where(
        *in_scope,
        Contact.topic.is_not(None),
        Contact.arrival_local_min >= lo,
        Contact.arrival_local_min < follow,
    )
    if topic is not None:
        query = query.where(Contact.topic == topic)
    contacts = [
        repeats.TopicContact(
            customer=customer,
            topic=name,
            article_id=article,
            version=version,
            arrival_s=int(arrival_s),
            local_day=EPOCH + timedelta(days=int(local_min) // 1440),
        )
        for customer, name, article, version, arrival_s, local_min in session.execute(query)
    ]
    without_topic = session.scalar(
        select(func.count(Contact.id)).where(
            *in_scope,
            Contact.topic.is_(None),
            Contact.arrival_local_min >= lo,
            Contact.arrival_local_min < hi,
        )
    )
    report = repeats.repeat_report(
        contacts, first=first, last=last, data_end_s=int(end_s or 0), days=days
    )
    titles = _titles(
        session,
        scope,
        {v.article_id for t in report.topics for v in t.versions if v.article_id is not None},
    )
    topics = []
    for t in report.topics:
        versions = []
        for v in t.versions:
            title, published = titles.get((v.article_id or 0, v.version or 0), (None, None))
            versions.append(
                schemas.RepeatVersionOut(
                    article_id=v.article_id,
                    version=v.version,
                    title=title,
                    published_at=published,
                    **_rate(v.rate),
                    incomplete=v.incomplete,
                    compared_with=v.compared_with,
                    comparison=v.comparison,
                    difference_low=v.difference_low,
                    difference_high=v.difference_high,
                    weeks=[schemas.RepeatWeekOut(week=w.week, **_rate(w.rate)) for w in v.weeks],
                )
            )
        topics.append(
            schemas.RepeatTopicOut(
                topic=t.topic,
                **_rate(t.rate),
                incomplete=t.incomplete,
                without_customer=t.without_customer,
                versions=versions,
            )
        )
    return schemas.RepeatReportOut(
        first=first,
        last=last,
        days=days,
        data_end=datetime.fromtimestamp(end_s, UTC) if end_s is not None else None,
        topics=topics,
        incomplete=report.incomplete,
        without_customer=report.without_customer,
        without_topic=int(without_topic or 0) + report.without_topic,
    )
