"""Cases' test set-up: an office calendar (London, Mon-Fri 09:00-17:00), targets, a routing
rule, and contacts for the web world's people (build_world: alice, bob at Main, carol at Other).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.contacts.models import Contact
from ccops.enums import Outcome
from ccops.org.models import Person, Queue

_SERIAL = count(1)
OFFICE = {
    "name": "Office",
    "timezone": "Europe/London",
    "hours": {str(d): [["09:00", "17:00"]] for d in range(5)},
    "holidays": ["2026-12-25"],
}


def set_up_cases(session: Session) -> None:
    """The Office calendar; targets 2 h / 16 h for every type at medium and high, 1 h / 8 h
    at critical; complaints from Sales go to Team A owned by ``lead``."""
    cases_service.create_calendar(session=session, data=schemas.CalendarIn.model_validate(OFFICE))
    for case_type in schemas.CASE_TYPES:
        for severity, fr, res in (("medium", 2, 16), ("high", 2, 16), ("critical", 1, 8)):
            cases_service.set_target(
                session=session,
                data=schemas.TargetIn(
                    case_type=case_type,
                    severity=severity,
                    calendar="Office",
                    first_response_h=fr,
                    resolution_h=res,
                ),
            )
    cases_service.add_route(
        session=session,
        data=schemas.RouteIn(case_type="complaint", team="Team A", queue="Sales", owner="lead"),
    )
    cases_service.add_route(
        session=session, data=schemas.RouteIn(case_type="complaint", team="Team B")
    )


def add_contact(session: Session, login: str, at: datetime, n: int = 0) -> int:
    """A handled contact of ``login`` on a queue of their site; its id."""
    person = session.scalars(select(Person).where(Person.login == login)).one()
    queue = session.scalars(select(Queue).where(Queue.site_id == person.site_id)).first()
    assert queue is not None
    contact = Contact(
        source="t",
        external_id=f"{login}-{n}-{next(_SERIAL)}",
        queue_id=queue.id,
        channel_id=queue.channel_id,
        person_id=person.id,
        arrival_at=at,
        answered_at=at + timedelta(seconds=5),
        outcome=Outcome.answered,
        arrival_epoch_s=int(at.timestamp()),
        arrival_local_min=int(at.timestamp() // 60),
        utc_offset_min=0,
        content_hash="x",
        customer_hash=f"cust-{n}",
    )
    session.add(contact)
    session.flush()
    return contact.id
