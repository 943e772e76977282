"""Shift bids for tests: a day template and an open bid on two lines at a site."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Person
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.swapboard.models import SwapPost


def day_template(session: Session, site: str) -> None:
    """An 8-hour day template (09:00 or 10:00 starts, Monday to Friday) with an unpaid lunch."""
    schedule_setup.create_template(
        session=session,
        data=ss.ShiftTemplateIn(
            site=site,
            name="day",
            first_start="09:00",
            last_start="10:00",
            step_min=60,
            weekdays=[0, 1, 2, 3, 4],
            length_min=480,
            breaks=[
                ss.BreakIn(
                    length_min=30,
                    earliest_after_start_min=180,
                    latest_after_start_min=300,
                    paid=False,
                )
            ],
            cost_per_hour=20.0,
        ),
    )


def open_bid(
    session: Session, site: str, *, queues: list[str], closes_in: timedelta = timedelta(days=30)
) -> int:
    """An open seniority bid of ``site`` on two lines of its day template; returns its id."""
    return service.open_bid(
        session=session,
        data=schemas.BidIn(
            site=site,
            name=f"{site} spring lines",
            first_day=date(2027, 3, 1),
            last_day=date(2027, 5, 30),
            rule="seniority",
            closes_at=datetime.now(UTC) + closes_in,
            lines=[
                schemas.LineIn(template="day", start="09:00", weekdays=[0, 1, 2, 3], queues=queues),
                schemas.LineIn(template="day", start="10:00", weekdays=[1, 2, 3, 4], queues=queues),
            ],
        ),
        created_by="planner",
    ).id


def seed_scope_bids(session: Session, ids: dict[str, int]) -> None:
    """A bid and a swap-board post at each site of the scope world: ``bid_in`` and ``post_in``
    (Main, bob's), ``bid_out`` and ``post_out`` (Other, carol's)."""
    for side, site, queue, login in (
        ("in", "Main", "Sales", "bob"),
        ("out", "Other", "Support", "carol"),
    ):
        day_template(session, site)
        ids[f"bid_{side}"] = open_bid(session, site, queues=[queue])
        person = session.scalars(select(Person).where(Person.login == login)).one()
        post = SwapPost(
            site_id=person.site_id,
            person_id=person.id,
            day=date.today() + timedelta(days=10),
            kind="give",
            status="open",
            outcome="",
        )
        session.add(post)
        session.flush()
        ids[f"post_{side}"] = post.id
