"""Follow-ups of delivered reports: when a result crossed its publication rule's threshold, an
improvement cycle (``ccops.knowledge.improvements``: plan, do, check, act) is opened with one
action for the rule's owner: find the cause and agree what to do. The action is the owner's task
on their home page until they mark it done; one per rule and period, never reopened."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import NotFound, Problem
from ccops.knowledge import improvements as kb_improvements
from ccops.knowledge import schemas as kb_schemas
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import schemas as s

DUE_DAYS = 7
"""Days the owner has for a follow-up (its action's due date after the delivery)."""


def report_link(audience: str, first: date, last: date) -> str:
    """The path of a level's report page for a period (the page each email links to)."""
    query = urlencode({"first": first.isoformat(), "last": last.isoformat()})
    return f"/performance/reports/{audience}?{query}"


def open_follow_up(
    *,
    session: Session,
    publication: m.Publication,
    first: date,
    last: date,
    crossed: list[str],
    today: date,
) -> int:
    """Open the improvement cycle of a crossed threshold with the owner's action; its id."""
    assert publication.owner is not None and publication.threshold is not None
    label = perf_measures.metric(publication.kpi).label
    direction = publication.threshold_direction or "below"
    title = (
        f"{label} {direction} {publication.threshold:g} ({first.isoformat()} – {last.isoformat()})"
    )
    problem = (
        f"The {publication.audience} report of {label} for {first.isoformat()} – "
        f"{last.isoformat()} lies wholly {direction} the threshold {publication.threshold:g} "
        "(the whole 95% interval, not only the value) for:\n" + "\n".join(crossed)
    )
    record = kb_improvements.create(
        session=session,
        data=kb_schemas.ImprovementIn(
            title=title[:200],
            kpi=publication.kpi,
            problem_first=first,
            problem_last=last,
            problem=problem[:4000],
        ),
        by="ccops",
    )
    kb_improvements.add_action(
        session=session,
        record_id=record.id,
        data=kb_schemas.ActionIn(
            text=f"Find the cause of {label} {direction} {publication.threshold:g} and agree "
            "what follows",
            owner=publication.owner,
            due=today + timedelta(days=DUE_DAYS),
        ),
    )
    return record.id


def follow_ups(
    *,
    session: Session,
    publication_ids: list[int] | None = None,
    owner: str | None = None,
    open_only: bool = True,
) -> list[s.FollowUpTask]:
    """The follow-ups of these rules (None: all), or of one owner, oldest period first."""
    query = (
        select(m.ReportDelivery, m.Publication)
        .join(m.Publication, m.Publication.id == m.ReportDelivery.publication_id)
        .where(m.ReportDelivery.improvement_id.is_not(None))
        .order_by(m.ReportDelivery.period_first, m.ReportDelivery.id)
    )
    if publication_ids is not None:
        query = query.where(m.ReportDelivery.publication_id.in_(publication_ids))
    out = []
    for delivery, pub in session.execute(query):
        assert delivery.improvement_id is not None
        record = kb_improvements.get(session=session, record_id=delivery.improvement_id)
        for action in record.actions:
            if owner is not None and action.owner != owner:
                continue
            if open_only and action.done_at is not None:
                continue
            out.append(
                s.FollowUpTask(
                    action_id=action.id,
                    improvement_id=record.id,
                    publication_id=pub.id,
                    kpi=pub.kpi,
                    label=perf_measures.metric(pub.kpi).label,
                    audience=s.Audience(pub.audience),
                    first=delivery.period_first,
                    last=delivery.period_last,
                    text=action.text,
                    owner=action.owner,
                    due=action.due,
                    done_at=action.done_at,
                    report_link=report_link(
                        pub.audience, delivery.period_first, delivery.period_last
                    ),
                )
            )
    return out


def complete(*, session: Session, action_id: int, by: str) -> s.FollowUpTask:
    """Mark one's own follow-up done (the improvement cycle stays open for its check).

    Raises:
        NotFound: no report follow-up with this action id.
        Forbidden: ``by`` does not own it.
        Conflict: it is done already.
    """
    found = [f for f in follow_ups(session=session, open_only=False) if f.action_id == action_id]
    if not found:
        raise NotFound(
            f"follow-up {action_id} does not exist",
            [Problem("unknown follow-up", field="action_id")],
        )
    kb_improvements.complete_own_action(session=session, action_id=action_id, by=by)
    return next(f for f in follow_ups(session=session, open_only=False) if f.action_id == action_id)
