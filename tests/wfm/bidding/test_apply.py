"""Awarded bid lines applied to a schedule: a new draft version in which each agent who got a
line works it that week (template length, breaks in their windows, coverage counted again), the
others keep their shifts; before the award, or on a week outside the bid, nothing is stored."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Invalid
from ccops.org.models import Person
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules.models import Schedule
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CLOSE = NOW + timedelta(hours=1)
AFTER = CLOSE + timedelta(minutes=1)
HIRED = {"alice": date(2023, 1, 1), "bob": date(2020, 6, 1), "carol": date(2021, 3, 1)}


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _bid(session: Session, first_day: date = date(2026, 11, 23)) -> schemas.BidOut:
    for login, hired in HIRED.items():
        session.execute(update(Person).where(Person.login == login).values(hire_date=hired))
    bid = service.open_bid(
        session=session,
        data=schemas.BidIn(
            site="Main",
            name="Late autumn lines",
            first_day=first_day,
            last_day=date(2027, 2, 28),
            rule="seniority",
            closes_at=CLOSE,
            lines=[
                schemas.LineIn(template="day", start="08:00", weekdays=[0, 1, 2], queues=["Sales"]),
                schemas.LineIn(template="day", start="10:00", weekdays=[2, 3, 4], queues=["Sales"]),
            ],
        ),
        created_by="planner",
        now=NOW,
    )
    l0, l1 = bid.lines[0].id, bid.lines[1].id
    for login, picks in (("bob", [l0]), ("carol", [l0, l1]), ("alice", [l0])):
        service.rank(
            session=session,
            bid_id=bid.id,
            person_id=_pid(session, login),
            data=schemas.RankingIn(lines=picks),
            now=NOW,
        )
    return bid


def _shifts(detail: ss.ScheduleDetailOut, login: str) -> list[tuple[str, str, str]]:
    return sorted(
        (f"{s.local_start:%a}", f"{s.local_start:%H:%M}", f"{s.local_end:%H:%M}")
        for s in detail.shift_rows
        if s.login == login
    )


def test_the_awarded_lines_become_the_agents_shifts_in_a_new_draft(
    session: Session,
    published: ss.ScheduleDetailOut,  # noqa: F811
) -> None:
    bid = _bid(session)
    awarded = service.award(session=session, bid_id=bid.id, now=AFTER)
    got = {a.login: (a.line_id, a.position, a.choice) for a in awarded.awards}
    assert got == {
        "bob": (bid.lines[0].id, 1, 1),  # hired 2020: first in seniority, first choice
        "carol": (bid.lines[1].id, 2, 2),  # her first choice went to bob
        "alice": (None, 3, None),  # her only choice went before her
    }
    out = service.apply_awards(
        session=session, bid_id=bid.id, schedule_id=published.id, applied_by="planner"
    )
    assert (out.week, out.version, out.status, out.parent_id) == ("2026-W48", 2, "draft", 1)
    new = schedule_queries.get_schedule(session=session, schedule_id=out.id)
    assert _shifts(new, "bob") == [
        ("Mon", "08:00", "16:00"),
        ("Tue", "08:00", "16:00"),
        ("Wed", "08:00", "16:00"),
    ]
    assert _shifts(new, "carol") == [
        ("Fri", "10:00", "18:00"),
        ("Thu", "10:00", "18:00"),
        ("Wed", "10:00", "18:00"),
    ]
    assert _shifts(new, "alice") == _shifts(published, "alice")  # no line: her shifts stay
    bob_monday = next(s for s in new.shift_rows if s.login == "bob" and s.local_start.day == 23)
    assert bob_monday.paid_h == 7.5 and bob_monday.queues == ["Sales"]
    assert [(a.kind, f"{a.start:%H:%M}", f"{a.end:%H:%M}") for a in bob_monday.activities] == [
        ("work", "08:00", "12:00"),
        ("lunch", "12:00", "12:30"),  # the middle of the 3-5 h window after the start
        ("work", "12:30", "16:00"),
    ]
    # Coverage counts the work of the new version: every interval holds the agents at work.
    working: Counter[datetime] = Counter()
    for s in new.shift_rows:
        for a in s.activities:
            at = a.start
            while at < a.end:
                if a.kind == "work":
                    working[at] += 1
                at += timedelta(minutes=15)
    assert {
        row.interval_start: row.scheduled for row in new.intervals if row.scheduled > 0
    } == pytest.approx({k: float(v) for k, v in working.items()})
    assert new.audit[-1].action == "bid_lines"
    assert "applied the lines of bid" in new.audit[-1].detail
    assert out.paid_hours == pytest.approx(sum(s.paid_h for s in new.shift_rows))
    base = schedule_queries.get_schedule(session=session, schedule_id=published.id)
    assert base.status == "published" and _shifts(base, "bob") == _shifts(published, "bob")


def test_lines_are_applied_only_once_awarded_and_to_a_week_of_the_bid(
    session: Session,
    published: ss.ScheduleDetailOut,  # noqa: F811
) -> None:
    bid = _bid(session, first_day=date(2026, 12, 7))
    versions = session.scalar(select(func.count(Schedule.id)))
    with pytest.raises(Conflict, match=r"not awarded yet \(rule: lines apply once awarded\)"):
        service.apply_awards(
            session=session, bid_id=bid.id, schedule_id=published.id, applied_by="planner"
        )
    service.award(session=session, bid_id=bid.id, now=AFTER)
    with pytest.raises(Invalid, match="does not cover the schedule's week") as caught:
        service.apply_awards(
            session=session, bid_id=bid.id, schedule_id=published.id, applied_by="planner"
        )
    assert caught.value.problems[0].field == "schedule_id"
    assert session.scalar(select(func.count(Schedule.id))) == versions
    assert service.target_schedules(session=session, bid_id=bid.id) == []


def test_the_planner_sees_every_bidders_ranking(
    session: Session,
    published: ss.ScheduleDetailOut,  # noqa: F811
) -> None:
    bid = _bid(session)
    rows = {r.login: r for r in service.rankings(session=session, bid_id=bid.id)}
    l0, l1 = bid.lines[0].id, bid.lines[1].id
    assert {k: v.ranking for k, v in rows.items()} == {
        "alice": [l0],
        "bob": [l0],
        "carol": [l0, l1],
    }
    assert rows["bob"].eligible == [l0, l1] and rows["bob"].hire_date == date(2020, 6, 1)
    assert [t.id for t in service.target_schedules(session=session, bid_id=bid.id)] == [
        published.id
    ]
