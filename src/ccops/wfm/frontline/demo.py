"""The demo's executive on the front line: on the launch Monday the executive works Billing in
Shanghai from 09:00 to 17:00 (not counted as coverage) and answers 55 of the wave's calls; a
second shift is planned for the next working day after the demo's last day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Outcome, Role
from ccops.org.models import Person, Queue, Site, Team, User
from ccops.relative_days import next_working_day
from ccops.wfm.frontline import schemas, service

LOGIN = "exec.lin"
HANDLED = 55
"""Contacts the executive answers in the launch-day shift (seed 003: 50-60 a shift)."""


def seed_demo(session: Session, *, launch: date, end: date) -> int:
    """Give the demo's executive sign-in a person, a past shift with the calls they answered
    and a planned one; return the contacts handled."""
    site = session.scalars(select(Site).where(Site.name == "Shanghai")).one()
    zone = ZoneInfo(site.timezone)
    person = Person(name="Lin Wei (executive)", login=LOGIN, role=Role.executive, site_id=site.id)
    session.add(person)
    session.flush()
    user = session.scalars(select(User).where(User.login == "executive")).one()
    user.person_id = person.id
    start = datetime.combine(launch, time(9, 0), zone)
    shift = service.schedule(
        session=session,
        data=schemas.FrontlineIn(
            login=LOGIN,
            queue="Billing",
            start=start,
            end=start + timedelta(hours=8),
            note="Launch day: hear the customers first hand",
        ),
        by="planner",
    )
    billing = session.scalars(select(Queue.id).where(Queue.name == "Billing")).one()
    leaders = select(Team.leader_id).where(Team.leader_id.is_not(None))
    demo_agent = select(User.person_id).where(User.login == "agent")
    calls = list(
        session.scalars(
            select(Contact)
            .where(
                Contact.queue_id == billing,
                Contact.outcome == Outcome.answered,
                Contact.answered_at >= shift.start,
                Contact.answered_at < shift.end,
                Contact.person_id.not_in(leaders),
                Contact.person_id.not_in(demo_agent.where(User.person_id.is_not(None))),
            )
            .order_by(Contact.answered_at, Contact.id)
        )
    )
    step = max(1, len(calls) // HANDLED)
    taken = calls[::step][:HANDLED]
    for c in taken:
        c.person_id = person.id
    later = datetime.combine(next_working_day(end + timedelta(days=1)), time(13, 0), zone)
    service.schedule(
        session=session,
        data=schemas.FrontlineIn(
            login=LOGIN, queue="Billing", start=later, end=later + timedelta(hours=4)
        ),
        by="planner",
    )
    session.flush()
    return len(taken)
