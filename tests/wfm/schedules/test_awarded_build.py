"""A build after a shift bid has been awarded for the week: each agent who got a line works
exactly the line's shifts (fixed, their meeting carried), and the optimiser plans the others
against the requirement net of the fixed agents' work, within its gap of the LP bound."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ccops.org.models import Person
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from tests.factories.schedules import FAST, make_small_site, office_hours

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def _at(day: int, hh: int, mm: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hh, minutes=mm)


def _award_bob_a_line(session: Session) -> None:
    session.execute(update(Person).where(Person.login == "bob").values(hire_date=date(2019, 1, 1)))
    bid = service.open_bid(
        session=session,
        data=schemas.BidIn(
            site="Main",
            name="Winter lines",
            first_day=date(2026, 11, 23),
            last_day=date(2027, 2, 28),
            rule="seniority",
            closes_at=NOW + timedelta(hours=1),
            lines=[
                schemas.LineIn(
                    template="day", start="09:00", weekdays=[0, 1, 2, 3, 4], queues=["Sales"]
                )
            ],
        ),
        created_by="planner",
        now=NOW,
    )
    bob = session.scalars(select(Person.id).where(Person.login == "bob")).one()
    service.rank(
        session=session,
        bid_id=bid.id,
        person_id=bob,
        data=schemas.RankingIn(lines=[bid.lines[0].id]),
        now=NOW,
    )
    awarded = service.award(session=session, bid_id=bid.id, now=NOW + timedelta(hours=2))
    assert [(a.login, a.line_id) for a in awarded.awards if a.line_id] == [("bob", bid.lines[0].id)]


def test_awarded_agents_keep_their_line_and_the_rest_is_optimised(session: Session) -> None:
    make_small_site(session, timezone="UTC")
    schedule_setup.add_activity(
        session=session,
        data=ss.ActivityIn.model_validate(
            {
                "login": "bob",
                "kind": "meeting",
                "name": "Team meeting",
                "start": _at(1, 10),
                "end": _at(1, 10, 30),
            }
        ),
    )
    free = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    _award_bob_a_line(session)
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    bob = [s for s in built.shift_rows if s.login == "bob"]
    # Exactly the line: day 09:00-17:00 Monday to Friday, lunch in the middle of its window
    # (4 h after the start), the Tuesday meeting carried.
    assert [(s.template, s.start, s.end, s.queues, s.paid_h) for s in bob] == [
        ("day", _at(d, 9), _at(d, 17), ["Sales"], 7.5) for d in range(5)
    ]
    assert [(a.kind, a.start, a.end) for a in bob[1].activities] == [
        ("work", _at(1, 9), _at(1, 10)),
        ("meeting", _at(1, 10), _at(1, 10, 30)),
        ("work", _at(1, 10, 30), _at(1, 13)),
        ("lunch", _at(1, 13), _at(1, 13, 30)),
        ("work", _at(1, 13, 30), _at(1, 17)),
    ]
    assert any("bob works their awarded line day 09:00" in n for n in built.notes)
    assert any("1 agent(s) kept on their awarded lines" in n for n in built.notes)
    # Coverage counts everyone against the full requirement (office hours: 2 then 1).
    working: dict[datetime, float] = defaultdict(float)
    for s in built.shift_rows:
        for a in s.activities:
            at = a.start
            while at < a.end:
                if a.kind == "work":
                    working[at] += 1.0
                at += timedelta(minutes=15)
    rows = {r.interval_start: r for r in built.intervals}
    for at, row in rows.items():
        assert row.required == office_hours(at.replace(tzinfo=None))
        assert row.scheduled == pytest.approx(working.get(at, 0.0))
    # The others are optimised: the plan for the rest is within its gap of the LP bound...
    assert built.gap is not None and built.bound is not None and built.objective is not None
    assert built.objective >= built.bound - 1e-6
    assert built.gap <= FAST.mip_rel_gap + 1e-9
    # ...and covers what bob's line leaves: under-coverage is a small part of what bob alone
    # would leave uncovered, and no optimised build can beat the free optimum.
    bob_alone = (
        sum(
            max(
                r.required
                - sum(
                    1
                    for s in bob
                    for a in s.activities
                    if a.kind == "work" and a.start <= at < a.end
                ),
                0.0,
            )
            for at, r in rows.items()
        )
        * 0.25
    )
    assert built.under_coverage_h is not None and free.under_coverage_h is not None
    assert bob_alone > 20.0
    assert built.under_coverage_h <= 0.1 * bob_alone
    assert built.under_coverage_h >= free.under_coverage_h - 1e-6
    others = {s.login for s in built.shift_rows} - {"bob"}
    assert others  # the rest got shifts from the optimiser
