"""The demo's overtime offer on the launch Monday: once tier 1 had opened on Billing, the planner
offered overtime for the early afternoon peak and the first eligible agents took it (each
acceptance a new published version of the launch week)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.overtime import schemas, service
from ccops.wfm.overtime.models import OvertimeOffer

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
