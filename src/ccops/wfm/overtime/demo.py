"""The demo's overtime offers. On the launch Monday: once tier 1 had opened on Billing, the
planner offered overtime for the early afternoon peak and the first eligible agents took it (each
acceptance a new published version of the launch week). In the coming days: an open offer the
demo agent (the ``agent`` sign-in) may accept, on a queue of theirs at a time they are free."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.errors import CcopsError
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.overtime import schemas, service
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.schedules.models import ShiftTemplate
from ccops.wfm.swapboard.demo import coming_days, demo_person

SLOTS = 4
TAKEN = 2


def seed_demo(session: Session, *, launch: date) -> int:
    """Offer 4 overtime slots on Billing 13:00-15:00 at 09:40 Shanghai time; the first two
    eligible Billing agents (not team leaders) accept by 10:00. Returns the slots taken."""
    site = session.scalars(select(Site).where(Site.name == "Shanghai")).one()
    zone = ZoneInfo(site.timezone)
    sent = datetime.combine(launch, time(9, 40), zone)
    offer = service.create(
        session=session,
        data=schemas.OfferIn(
            site="Shanghai",
            queue="Billing",
            start=datetime.combine(launch, time(13, 0), zone),
            end=datetime.combine(launch, time(15, 0), zone),
            slots=SLOTS,
            template="late",
            premium=1.5,
            note="Launch surge: tier 1 on Billing",
        ),
        created_by="planner",
        now=sent,
    )
    record = session.get(OvertimeOffer, offer.id)
    assert record is not None
    billing = session.scalars(select(Queue.id).where(Queue.name == "Billing")).one()
    people = session.scalars(
        select(Person)
        .join(PersonSkill, PersonSkill.person_id == Person.id)
        .where(
            PersonSkill.queue_id == billing,
            Person.site_id == site.id,
            Person.role == Role.agent,  # team leaders' time on the floor is planned apart
        )
        .order_by(Person.id)
    ).all()
    taken = 0
    for person in people:
        if taken == TAKEN:
            break
        at = sent + timedelta(minutes=5 * (taken + 1))
        if service.why_not(session, record, person, at) is None:
            service.accept(session=session, offer_id=offer.id, person_id=person.id, now=at)
            taken += 1
    return taken


SPANS = ((18, 20), (16, 18), (7, 9), (13, 15))
"""Local hours tried for the demo agent's offer, evening first."""


class _NotForTheAgent(Exception):
    """The offer is not one the demo agent may accept: undo it and try the next."""


def seed_future_offer(session: Session, *, today: date) -> int | None:
    """Offer 3 overtime slots on a queue of the demo agent, on the first coming day and span the
    agent may accept (free then, rest and weekly hours kept); returns the offer's id."""
    agent = demo_person(session)
    if agent is None:
        return None
    site = session.get(Site, agent.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    sent = datetime.combine(today, time(8), zone)
    queues = session.scalars(
        select(Queue.name)
        .join(PersonSkill, PersonSkill.queue_id == Queue.id)
        .where(PersonSkill.person_id == agent.id)
        .order_by(Queue.name)
    ).all()
    template = session.scalars(
        select(ShiftTemplate.name)
        .where(ShiftTemplate.site_id == site.id)
        .order_by(ShiftTemplate.name)
    ).first()
    if not queues or template is None:
        return None
    for day in coming_days(today):
        for lo, hi in SPANS:
            record: OvertimeOffer | None = None
            try:
                with session.begin_nested():
                    offer = service.create(
                        session=session,
                        data=schemas.OfferIn(
                            site=site.name,
                            queue=queues[0],
                            start=datetime.combine(day, time(lo), zone),
                            end=datetime.combine(day, time(hi), zone),
                            slots=3,
                            template=template,
                            premium=1.5,
                            note="Forecast peak: evening cover",
                        ),
                        created_by="planner",
                        now=sent,
                    )
                    record = session.get(OvertimeOffer, offer.id)
                    assert record is not None
                    if service.why_not(session, record, agent, sent) is not None:
                        raise _NotForTheAgent
            except (CcopsError, _NotForTheAgent):
                if record is not None and record in session:
                    session.expunge(record)  # undone: its id is free for the next try
                continue
            return offer.id
    return None
