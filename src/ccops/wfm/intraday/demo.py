"""The demo's intraday history: interval totals of every queue-day, the exception plan each site
agreed in advance, and the exceptions that plan opened on the launch Monday.

Totals are counted once over the whole history, as an import of the same contacts would have
left them, so the board and ``intraday explain`` replay past days from stored interval data.
The launch Monday is then evaluated interval by interval against each site's plan, as the live
intake would have done, so the exceptions page shows what fired, when, and what was done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org import demo as org_demo
from ccops.org.models import Queue
from ccops.wfm.intraday import exceptions, schemas, totals
from ccops.wfm.intraday.constants import INTERVAL_S
from ccops.wfm.intraday.models import ExceptionAction, ExceptionRecord


def seed_demo(session: Session, *, first: date, end: date) -> int:
    """Rebuild the interval totals of every queue from ``first`` to ``end``; return how many."""
    return sum(
        totals.rebuild_days(session=session, queue_id=queue_id, first=first, last=end)
        for queue_id in session.scalars(select(Queue.id).order_by(Queue.id))
    )


def _plan(site: str, backup_group: str, offline_queue: str | None) -> schemas.PlanIn:
    """A site's agreed plan: who is called on at each tier, and when."""
    tier1: list[schemas.ResourceIn] = [
        schemas.ResourceIn(kind="cross_skilled", name=f"{backup_group} (cross-skilled)", agents=4)
    ]
    if offline_queue:
        tier1.append(schemas.ResourceIn(kind="defer_offline_work", name=f"{offline_queue} backlog"))
    return schemas.PlanIn(
        name=f"{site} surge plan",
        site=site,
        rules=[
            schemas.RuleIn(
                name="Tier 1: volume 20% over forecast",
                tier=1,
                measure="volume_over",
                threshold=0.2,
                consecutive=2,
                resources=tier1,
                owners=["planner", "supervisor"],
            ),
            schemas.RuleIn(
                name="Tier 2: service level under 70%",
                tier=2,
                measure="service_level_below",
                threshold=0.7,
                consecutive=2,
                resources=[
                    schemas.ResourceIn(kind="overtime", name="Overtime for the evening", agents=3),
                    schemas.ResourceIn(kind="callbacks", name="Offer callbacks in the queue"),
                ],
                owners=["manager", "planner"],
            ),
            schemas.RuleIn(
                name="Tier 3: a quarter of callers abandon",
                tier=3,
                measure="abandon_rate_above",
                threshold=0.25,
                consecutive=2,
                resources=[schemas.ResourceIn(kind="release", name="Cancel training and meetings")],
                owners=["manager"],
            ),
        ],
    )


BACKUP = {"Shanghai": ("Tech", "Email"), "London": ("Chat", None)}
"""Each site's first backup: the cross-skilled group and the offline work that can wait."""

STEPS = (
    (5, "supervisor", "acknowledge", ""),
    (12, "planner", "action", "Moved four cross-skilled agents onto the queue; email deferred"),
)
"""What the owners did after each exception opened (minutes after, who, step, note)."""


def seed_exceptions(session: Session, *, launch: date) -> int:
    """Agree each site's exception plan, then replay ``launch`` interval by interval through it
    (as of each interval's end, as the live intake would have); return the exceptions opened.

    Owners acknowledge and action each exception within minutes and close it at the end of the
    day, with the trail timed as it happened."""
    for site, _zone, _country in org_demo.SITES:
        backup, offline = BACKUP[site]
        exceptions.create_plan(
            session=session, data=_plan(site, backup, offline), created_by="planner"
        )
    opened: list[int] = []
    for q in org_demo.QUEUES:
        if q.channel != "voice":
            continue
        queue = session.scalars(select(Queue).where(Queue.name == q.name)).one()
        zone = ZoneInfo({s: z for s, z, _ in org_demo.SITES}[q.site])
        start = datetime.combine(launch, datetime.min.time(), zone)
        for k in range(1, 24 * 3600 // INTERVAL_S + 1):
            as_of = start + timedelta(seconds=k * INTERVAL_S)
            for record_id in exceptions.evaluate_queue(
                session=session, queue_id=queue.id, day=launch, as_of=as_of
            ):
                _follow_up(session, record_id, as_of, start + timedelta(hours=20))
                opened.append(record_id)
    return len(opened)


def _follow_up(session: Session, record_id: int, opened: datetime, close: datetime) -> None:
    record = session.get(ExceptionRecord, record_id)
    assert record is not None
    record.opened_at = opened
    for action in session.scalars(
        select(ExceptionAction).where(ExceptionAction.exception_id == record_id)
    ):
        action.at = opened
    for minutes, actor, step, note in STEPS:
        exceptions.step(
            session=session, exception_id=record_id, action=step, actor=actor, note=note
        )
        _time_last_step(session, record_id, opened + timedelta(minutes=minutes))
    exceptions.step(
        session=session,
        exception_id=record_id,
        action="close",
        actor="planner",
        note="Volume back within plan at the end of the day",
    )
    _time_last_step(session, record_id, close)
    record.closed_at = close
    session.flush()


def _time_last_step(session: Session, record_id: int, at: datetime) -> None:
    last = session.scalars(
        select(ExceptionAction)
        .where(ExceptionAction.exception_id == record_id)
        .order_by(ExceptionAction.id.desc())
        .limit(1)
    ).one()
    last.at = at
