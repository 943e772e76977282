"""Insert contacts and agent states directly, computing local-time columns independently."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.enums import AgentState, Outcome
from ccops.org.models import Person, Queue


def _local(at: datetime, zone: str) -> tuple[int, int]:
    local = at.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    offset_min = int(offset.total_seconds() // 60)
    naive = local.replace(tzinfo=None)
    return int((naive - datetime(1970, 1, 1)).total_seconds() // 60), offset_min


def add_contact(
    session: Session,
    *,
    ext: str,
    queue: str,
    arrival: datetime,
    outcome: Outcome,
    wait_s: float | None,
    talk_s: float = 0.0,
    hold_s: float = 0.0,
    wrap_s: float = 0.0,
    customer: str | None = None,
    timing_untrusted: str | None = None,
) -> Contact:
    """Store one contact as an importer would (``wait_s`` None: its timing is untrusted)."""
    q = session.scalars(select(Queue).where(Queue.name == queue)).one()
    local_min, offset_min = _local(arrival, q.site.timezone)
    contact = Contact(
        source="test",
        external_id=ext,
        queue_id=q.id,
        channel_id=q.channel_id,
        arrival_at=arrival,
        outcome=outcome,
        wait_s=wait_s,
        talk_s=talk_s,
        hold_s=hold_s,
        wrap_s=wrap_s,
        customer_hash=hashlib.sha256(customer.encode()).hexdigest() if customer else None,
        timing_untrusted=timing_untrusted or (None if wait_s is not None else "no_answer_time"),
        arrival_epoch_s=int(arrival.timestamp()),
        arrival_local_min=local_min,
        utc_offset_min=offset_min,
        content_hash="x",
    )
    session.add(contact)
    if wait_s is None:
        # the ORM writes the column's default 0 for None; an importer's Core insert writes null
        session.flush()
        session.execute(update(Contact).where(Contact.id == contact.id).values(wait_s=None))
        session.expire(contact, ["wait_s"])
    return contact


def add_state(
    session: Session, *, ext: str, login: str, state: AgentState, start: datetime, end: datetime
) -> None:
    """Store one agent-state span."""
    person = session.scalars(select(Person).where(Person.login == login)).one()
    zone = session.get(Queue, 1)
    assert zone is not None
    _, offset_min = _local(start, zone.site.timezone)
    session.add(
        AgentStateEvent(
            source="test",
            external_id=ext,
            person_id=person.id,
            state=state,
            start_at=start,
            end_at=end,
            start_epoch_s=int(start.timestamp()),
            end_epoch_s=int(end.timestamp()),
            utc_offset_min=offset_min,
            content_hash="x",
        )
    )
