"""A demo shift bid: London's lines for the quarter after the demo, open for rankings until a
week after the demo's end, awarded by seniority; a few agents have ranked already."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.models import Person, Site
from ccops.wfm.bidding import schemas, service
from ccops.wfm.bidding.models import BidRanking
from ccops.wfm.schedules.models import PersonContract


def seed_demo(session: Session, *, end: date) -> int:
    """Open the bid (lines from the early and late templates) and store three rankings."""
    site = session.scalars(select(Site).where(Site.name == "London")).first()
    if site is None:
        return 0
    monday = end - timedelta(days=end.weekday()) + timedelta(days=14)
    closes = datetime.combine(end + timedelta(days=7), time(17), UTC)
    lines = [
        schemas.LineIn(template=t, start=s, weekdays=d)
        for t, s, d in (
            ("early", "07:00", [0, 1, 2, 3, 4]),
            ("early", "08:00", [0, 1, 2, 3, 4]),
            ("late", "12:00", [0, 1, 2, 3, 4]),
            ("late", "12:00", [2, 3, 4, 5, 6]),
            ("early", "07:00", [1, 2, 3, 4, 5]),
        )
    ]
    bid = service.open_bid(
        session=session,
        data=schemas.BidIn(
            site=site.name,
            name="London lines, next quarter",
            first_day=monday,
            last_day=monday + timedelta(weeks=13, days=-1),
            rule="seniority",
            closes_at=closes,
            lines=lines,
        ),
        created_by="planner",
        now=closes - timedelta(days=14),
    )
    agents = session.scalars(
        select(Person.id)
        .join(PersonContract, PersonContract.person_id == Person.id)
        .where(Person.site_id == site.id, Person.role == Role.agent)
        .order_by(Person.id)
        .limit(3)
    ).all()
    ids = [line.id for line in bid.lines]
    for k, person_id in enumerate(agents):
        session.add(
            BidRanking(
                bid_id=bid.id,
                person_id=person_id,
                ranks_json=json.dumps(ids[k:] + ids[:k]),
                updated_at=closes - timedelta(days=10),
            )
        )
    session.flush()
    return bid.id
