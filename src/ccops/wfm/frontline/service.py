"""Front-line shifts: scheduling one (the person, the queue in scope, a real shift, no overlap),
the contacts handled on it, and its share of a queue's coverage when the planner counts it."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site
from ccops.wfm.frontline import schemas as s
from ccops.wfm.frontline.models import FrontlineShift

INTERVAL = timedelta(minutes=15)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _handled(
    session: Session, shift: FrontlineShift, queues: dict[int, str]
) -> list[s.HandledContact]:
    rows = session.scalars(
        select(Contact)
        .where(
            Contact.person_id == shift.person_id,
            Contact.answered_at >= shift.start_at,
            Contact.answered_at < shift.end_at,
        )
        .order_by(Contact.answered_at, Contact.id)
    )
    return [
        s.HandledContact(
            id=c.id,
            queue=queues.get(c.queue_id, str(c.queue_id)),
            answered_at=_utc(c.answered_at) if c.answered_at else _utc(c.arrival_at),
            handle_s=c.talk_s + c.hold_s + c.wrap_s,
            outcome=c.outcome.value,
        )
        for c in rows
    ]


def _queue_names(session: Session) -> dict[int, str]:
    """Queue names by id, for naming the queue of each contact handled."""
    names: dict[int, str] = {}
    for qid, name in session.execute(select(Queue.id, Queue.name)):
        names[qid] = name
    return names


def _out(
    session: Session,
    shift: FrontlineShift,
    *,
    contacts: bool,
    queues: dict[int, str] | None = None,
) -> s.FrontlineOut:
    person = session.get_one(Person, shift.person_id)
    queue = session.get_one(Queue, shift.queue_id)
    site = session.get_one(Site, queue.site_id)
    handled = _handled(session, shift, queues or _queue_names(session))
    return s.FrontlineOut(
        id=shift.id,
        login=person.login,
        name=person.name,
        queue=queue.name,
        site=site.name,
        start=_utc(shift.start_at),
        end=_utc(shift.end_at),
        counts_as_coverage=shift.counts_as_coverage,
        note=shift.note,
        created_by=shift.created_by,
        handled=len(handled),
        mean_handle_s=sum(c.handle_s for c in handled) / len(handled) if handled else None,
        contacts=handled if contacts else [],
    )


def candidates(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING
) -> list[tuple[str, str]]:
    """Who may work a front-line shift: the executives and managers in ``scope``, as (login,
    "Name (login)")."""
    rows = session.scalars(
        select(Person)
        .where(Person.role.in_([Role.executive, Role.manager]), scope.people_clause())
        .order_by(Person.name, Person.login)
    )
    return [(p.login, f"{p.name} ({p.login})") for p in rows]


def schedule(
    *,
    session: Session,
    data: s.FrontlineIn,
    by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.FrontlineOut:
    """Put a person who does not normally take contacts on a queue for a shift."""
    queue = session.scalars(select(Queue).where(Queue.name == data.queue)).first()
    if queue is None or not scope.allows_site(queue.site_id):
        raise NotFound(f"queue {data.queue!r} does not exist", [Problem("unknown", field="queue")])
    person = session.scalars(select(Person).where(Person.login == data.login)).first()
    if person is None or not scope.allows_site(person.site_id):
        raise NotFound(f"no person {data.login!r}", [Problem("unknown", field="login")])
    if person.role == Role.agent:
        raise Invalid(
            f"{data.login} is an agent: agents work the shifts of the schedule; a front-line "
            "shift is for executives and managers",
            [Problem("an agent", field="login")],
        )
    start, end = _utc(data.start).astimezone(UTC), _utc(data.end).astimezone(UTC)
    clash = session.scalars(
        select(FrontlineShift).where(
            FrontlineShift.person_id == person.id,
            FrontlineShift.start_at < end,
            FrontlineShift.end_at > start,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"{data.login} already has a front-line shift from "
            f"{_utc(clash.start_at):%Y-%m-%d %H:%M} to {_utc(clash.end_at):%H:%M} UTC",
            [Problem("overlaps another", field="start")],
        )
    shift = FrontlineShift(
        person_id=person.id,
        queue_id=queue.id,
        start_at=start,
        end_at=end,
        counts_as_coverage=data.counts_as_coverage,
        note=data.note.strip(),
        created_by=by,
    )
    session.add(shift)
    session.flush()
    return _out(session, shift, contacts=False)


def shifts(
    *,
    session: Session,
    scope: org_service.Scope = org_service.EVERYTHING,
    person_id: int | None = None,
    contacts: bool = False,
) -> list[s.FrontlineOut]:
    """Front-line shifts, newest first: of the queues in scope, or only ``person_id``'s."""
    query = select(FrontlineShift).order_by(FrontlineShift.start_at.desc(), FrontlineShift.id)
    if person_id is not None:
        query = query.where(FrontlineShift.person_id == person_id)
    queues = _queue_names(session)
    out = []
    for shift in session.scalars(query):
        site_id = session.get_one(Queue, shift.queue_id).site_id
        if person_id is None and not scope.allows_site(site_id):
            continue
        out.append(_out(session, shift, contacts=contacts, queues=queues))
    return out


def get(
    *,
    session: Session,
    shift_id: int,
    scope: org_service.Scope | None = org_service.EVERYTHING,
    person_id: int | None = None,
) -> s.FrontlineOut:
    """One shift with its contacts: in ``scope``, or the viewer's own (``person_id``; with no
    scope, only that)."""
    shift = session.get(FrontlineShift, shift_id)
    if shift is None or not (
        (person_id is not None and shift.person_id == person_id)
        or (scope is not None and scope.allows_site(session.get_one(Queue, shift.queue_id).site_id))
    ):
        raise NotFound(f"front-line shift {shift_id} does not exist", [Problem("unknown")])
    return _out(session, shift, contacts=True)


def remove(
    *,
    session: Session,
    shift_id: int,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> None:
    """Cancel a shift that has not begun (one that has is kept with what was handled on it)."""
    shift = session.get(FrontlineShift, shift_id)
    if shift is None or not scope.allows_site(session.get_one(Queue, shift.queue_id).site_id):
        raise NotFound(f"front-line shift {shift_id} does not exist", [Problem("unknown")])
    if _utc(shift.start_at) <= (now or utcnow()):
        raise Conflict(
            f"front-line shift {shift_id} has begun: it stays on record with its contacts",
            [Problem("begun")],
        )
    session.delete(shift)
    session.flush()


def coverage(
    *, session: Session, queue_id: int, start: datetime, end: datetime
) -> dict[datetime, float]:
    """The agents the counted front-line shifts add to ``queue_id`` per 15-minute interval (UTC
    start): the share of the interval each shift covers."""
    out: dict[datetime, float] = defaultdict(float)
    for shift in session.scalars(
        select(FrontlineShift).where(
            FrontlineShift.queue_id == queue_id,
            FrontlineShift.counts_as_coverage.is_(True),
            FrontlineShift.start_at < end,
            FrontlineShift.end_at > start,
        )
    ):
        a, b = max(_utc(shift.start_at), start), min(_utc(shift.end_at), end)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        at = epoch + ((a - epoch) // INTERVAL) * INTERVAL
        while at < b:
            share = (min(b, at + INTERVAL) - max(a, at)) / INTERVAL
            if share > 0:
                out[at] += share
            at += INTERVAL
    return dict(out)
