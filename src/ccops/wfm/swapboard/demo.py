"""The demo's swap board: a colleague of the demo agent (the ``agent`` sign-in) has posted a
published shift of the coming working days that the demo agent may take (same skills,
contract kept): a trade on a day both work, else a shift given away on a day the agent is free.
Dates follow the seeding day and are always a future Monday to Friday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.errors import CcopsError
from ccops.org.models import Person, Site, User
from ccops.relative_days import monday_of, next_working_day
from ccops.wfm.schedules.models import Schedule, ScheduledShift
from ccops.wfm.swapboard import schemas, service
from ccops.wfm.swapboard.models import SwapPost


class _NotOnTheBoard(Exception):
    """The post is not one the demo agent may take: undo it and try the next."""


def demo_person(session: Session) -> Person | None:
    """The person of the demo's ``agent`` sign-in."""
    return session.scalars(
        select(Person).join(User, User.person_id == Person.id).where(User.login == "agent")
    ).first()


def coming_days(today: date) -> list[date]:
    """The working days (Monday to Friday) after ``today`` to the Friday of the week of the
    first of them: the demo publishes that week (see ``ccops.demo.seed``), so a post or offer
    on one of these days is in the future and on a published working day whatever the
    weekday of seeding (on a Friday, Saturday or Sunday: next week's Monday to Friday)."""
    first = next_working_day(today)
    friday = monday_of(first) + timedelta(days=4)
    return [first + timedelta(days=k) for k in range((friday - first).days + 1)]


def _working(session: Session, site_id: int, day: date, zone: ZoneInfo) -> set[int]:
    lo = datetime.combine(day, time(0), zone).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return set(
        session.scalars(
            select(ScheduledShift.person_id)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(
                Schedule.site_id == site_id,
                Schedule.status == "published",
                ScheduledShift.start_at >= lo,
                ScheduledShift.start_at < hi,
            )
        )
    )


def seed_demo(session: Session, *, today: date) -> int | None:
    """Post the first shift of a colleague that the demo agent may take; returns its id."""
    agent = demo_person(session)
    if agent is None:
        return None
    site = session.get(Site, agent.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    now = datetime.combine(today, time(8), zone)
    colleagues = session.scalars(
        select(Person.id)
        .where(Person.site_id == agent.site_id, Person.role == Role.agent, Person.id != agent.id)
        .order_by(Person.id)
    ).all()
    for day in coming_days(today):
        working = _working(session, site.id, day, zone)
        kind: schemas.PostKind = "trade" if agent.id in working else "give"
        for colleague in (c for c in colleagues if c in working):
            record: SwapPost | None = None
            try:
                with session.begin_nested():
                    post = service.create(
                        session=session,
                        person_id=colleague,
                        data=schemas.PostIn(day=day, kind=kind, note="Family visit"),
                        now=now,
                    )
                    record = session.get(SwapPost, post.id)
                    board = service.board(session=session, person_id=agent.id)
                    if all(p.id != post.id for p in board):
                        raise _NotOnTheBoard
            except (CcopsError, _NotOnTheBoard):
                if record is not None and record in session:
                    session.expunge(record)  # undone: its id is free for the next try
                continue
            return post.id
    return None
