"""Helpers of the performance tests: a small centre and contacts with known repeat counts."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import ChannelKind, Outcome, Role
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue

DAY = date(2026, 1, 5)
"""A Monday in winter: the site's zone (UTC) makes local and UTC minutes equal."""
_ids = itertools.count(1)


def make_centre(
    session: Session, *, teams: dict[str, list[str]] | None = None, site: str = "Main"
) -> None:
    """One UTC site, a voice queue, and the teams with their agents (login = name lowercased)."""
    teams = teams or {"Team A": ["Alice", "Bob"], "Team B": ["Carol"]}
    org_service.create_site(session=session, data=schemas.SiteIn(name=site, timezone="UTC"))
    org_service.create_channel(
        session=session, data=schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    org_service.create_queue(
        session=session, data=schemas.QueueIn(name="Sales", channel="voice", site=site)
    )
    for team, people in teams.items():
        org_service.create_team(session=session, data=schemas.TeamIn(name=team, site=site))
        for name in people:
            org_service.create_person(
                session=session,
                data=schemas.PersonIn(
                    name=name,
                    login=name.lower().replace(" ", "."),
                    site=site,
                    team=team,
                    role=Role.agent,
                    hire_date=date(2024, 1, 1),
                ),
            )
    session.flush()


def add_contacts(
    session: Session,
    *,
    login: str | None,
    day: date,
    answered: int,
    repeats: int,
    handle_s: list[float] | None = None,
) -> None:
    """Add ``answered`` answered contacts of ``login`` on ``day``, ``repeats`` of them followed
    by the same customer's next contact a day later (an abandon, handled by nobody)."""
    queue = session.scalars(select(Queue)).first()
    assert queue is not None
    person_id = None
    if login is not None:
        person_id = session.scalars(select(Person.id).where(Person.login == login)).one()
    base = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    rows = []
    for i in range(answered):
        at = base + timedelta(seconds=30 * i)
        customer = f"c{next(_ids)}"
        rows.append(_row(queue, person_id, at, Outcome.answered, customer, handle_s, i))
        if i < repeats:
            rows.append(_row(queue, None, at + timedelta(days=1), Outcome.abandoned, customer))
    session.execute(insert(Contact), rows)
    session.flush()


def add_horizon(session: Session, day: date) -> None:
    """One late contact, so every earlier contact's 7-day repeat window is inside the data."""
    queue = session.scalars(select(Queue)).first()
    assert queue is not None
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    session.execute(insert(Contact), [_row(queue, None, at, Outcome.abandoned, None)])
    session.flush()


def _row(
    queue: Queue,
    person_id: int | None,
    at: datetime,
    outcome: Outcome,
    customer: str | None,
    handle_s: list[float] | None = None,
    i: int = 0,
) -> dict[str, object]:
    n = next(_ids)
    epoch = int(at.timestamp())
    talk = handle_s[i] if handle_s else 200.0
    return {
        "source": "test",
        "external_id": f"x{n}",
        "queue_id": queue.id,
        "channel_id": queue.channel_id,
        "person_id": person_id,
        "arrival_at": at,
        "answered_at": at if outcome == Outcome.answered else None,
        "ended_at": at,
        "outcome": outcome,
        "wait_s": 5.0 if outcome == Outcome.answered else 30.0,
        "talk_s": talk,
        "hold_s": 0.0,
        "wrap_s": 0.0,
        "customer_hash": customer,
        "arrival_epoch_s": epoch,
        "arrival_local_min": epoch // 60,
        "utc_offset_min": 0,
        "content_hash": f"h{n}",
    }
