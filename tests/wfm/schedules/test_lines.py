"""Shift lines and fixed activities: when a person's shifts are replaced by a line's, their
meetings, training and huddles inside a new shift are carried onto it (breaks placed around
them) and the ones no longer inside any shift are returned to the planner, in the version's
notes and audit, never dropped silently."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ccops.org.models import Person, Site
from ccops.wfm.bidding import schemas, service
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import common, lines
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.schedules.models import ShiftTemplate
from tests.factories.schedules import FAST, make_small_site

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 23)


def _at(day: int, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 11, 23 + day, h, m, tzinfo=UTC)


def _activity(session: Session, kind: str, name: str, day: int, lo: str, hi: str) -> None:
    data = {"login": "bob", "kind": kind, "name": name, "start": _at(day, lo), "end": _at(day, hi)}
    schedule_setup.add_activity(session=session, data=ss.ActivityIn.model_validate(data))


def test_fixed_activities_inside_the_line_are_kept_and_the_others_reported(
    session: Session,
) -> None:
    make_small_site(session, timezone="UTC")
    _activity(session, "meeting", "Team meeting", 0, "11:30", "12:00")  # Monday, inside
    _activity(session, "huddle", "Launch huddle", 1, "12:00", "12:15")  # Tuesday, on the lunch
    _activity(session, "training", "Product training", 3, "09:00", "10:00")  # Thursday: off-line
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    held = {
        (a.kind, f"{a.start:%a %H:%M}")
        for s in built.shift_rows
        if s.login == "bob"
        for a in s.activities
    }
    assert {("meeting", "Mon 11:30"), ("huddle", "Tue 12:00"), ("training", "Thu 09:00")} <= held
    session.execute(update(Person).where(Person.login == "bob").values(hire_date=date(2020, 1, 1)))
    bid = service.open_bid(
        session=session,
        data=schemas.BidIn(
            site="Main",
            name="Bob's line",
            first_day=MON,
            last_day=date(2027, 2, 28),
            rule="seniority",
            closes_at=NOW + timedelta(hours=1),
            lines=[
                schemas.LineIn(template="day", start="08:00", weekdays=[0, 1, 2], queues=["Sales"])
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
    service.award(session=session, bid_id=bid.id, now=NOW + timedelta(hours=2))
    out = service.apply_awards(
        session=session, bid_id=bid.id, schedule_id=built.id, applied_by="planner"
    )
    assert [(a.login, a.kind, a.name, a.start, a.end) for a in out.activities_kept] == [
        ("bob", "meeting", "Team meeting", _at(0, "11:30"), _at(0, "12:00")),
        ("bob", "huddle", "Launch huddle", _at(1, "12:00"), _at(1, "12:15")),
    ]
    assert [(a.kind, a.name, a.start, a.end, a.reason) for a in out.activities_left_out] == [
        ("training", "Product training", _at(3, "09:00"), _at(3, "10:00"), lines.OUTSIDE)
    ]
    new = schedule_queries.get_schedule(session=session, schedule_id=out.id)
    days = {
        f"{s.local_start:%a}": [
            (a.kind, f"{a.start:%H:%M}", f"{a.end:%H:%M}") for a in s.activities
        ]
        for s in new.shift_rows
        if s.login == "bob"
    }
    assert days == {
        "Mon": [
            ("work", "08:00", "11:30"),
            ("meeting", "11:30", "12:00"),
            ("lunch", "12:00", "12:30"),  # the middle of its window, free
            ("work", "12:30", "16:00"),
        ],
        "Tue": [
            ("work", "08:00", "12:00"),
            ("huddle", "12:00", "12:15"),
            ("lunch", "12:15", "12:45"),  # moved a quarter hour off the huddle, inside 11-13
            ("work", "12:45", "16:00"),
        ],
        "Wed": [
            ("work", "08:00", "12:00"),
            ("lunch", "12:00", "12:30"),
            ("work", "12:30", "16:00"),
        ],
    }
    # Bob is off the queue during his meeting: the 11:30 and 11:45 intervals count him out.
    working = {
        (row.interval_start, row.scheduled) for row in new.intervals if row.interval_start.day == 23
    }
    at_work = sum(
        1
        for s in new.shift_rows
        if s.local_start.day == 23
        for a in s.activities
        if a.kind == "work" and a.start <= _at(0, "11:30") < a.end
    )
    assert (_at(0, "11:30"), float(at_work)) in working
    assert new.notes[0] == (
        "fixed activities not kept by the lines (plan them again): bob's training "
        "'Product training' Thu 2026-11-26 09:00-10:00 (outside the new shifts)"
    )
    assert "Product training" in new.audit[-1].detail
    assert "2 fixed activities kept" in new.audit[-1].detail


def test_an_activity_no_break_place_can_avoid_is_reported_on_the_break() -> None:
    site = Site(name="Main", timezone="UTC")
    week = common.Week(site, "2026-W48")
    fixed_lunch = ShiftTemplate(
        name="day",
        length_min=480,
        cost_per_hour=20.0,
        breaks_json=json.dumps(
            [
                {
                    "length_min": 30,
                    "earliest_after_start_min": 240,
                    "latest_after_start_min": 240,
                    "paid": False,
                }
            ]
        ),
    )
    line = lines.LineWeek(
        person_id=1,
        template="day",
        queues=("Sales",),
        weekdays=(0, 1),
        start_min=8 * 60,
        first_day=MON,
        last_day=MON + timedelta(days=6),
        label="day 08:00 Mon Tue",
    )
    clash = lines.Held("meeting", "One-to-one", _at(0, "12:15"), _at(0, "12:45"))
    fits = lines.Held("coaching", "Call review", _at(1, "14:00"), _at(1, "14:30"))
    gone = lines.Held("training", "Course", _at(2, "09:00"), _at(2, "11:00"))
    vacation = [(_at(1, "00:00"), _at(2, "00:00"))]  # Tuesday off: the coaching has no shift
    shifts, left = lines.line_shifts(
        week=week, line=line, template=fixed_lunch, queues=["Sales"], time_off=[], held=[clash]
    )
    assert left == [(clash, lines.ON_BREAK)]
    assert shifts[0].segments == [
        ("work", _at(0, "08:00"), _at(0, "12:00")),
        ("lunch", _at(0, "12:00"), _at(0, "12:30")),
        ("work", _at(0, "12:30"), _at(0, "16:00")),
    ]
    assert (shifts[0].paid_h, shifts[0].cost) == (7.5, 150.0)
    shifts, left = lines.line_shifts(
        week=week,
        line=line,
        template=fixed_lunch,
        queues=["Sales"],
        time_off=vacation,
        held=[fits, gone],
    )
    assert [s.start_at for s in shifts] == [_at(0, "08:00")]  # Tuesday is time off
    assert left == [(fits, lines.OUTSIDE), (gone, lines.OUTSIDE)]
    shifts, left = lines.line_shifts(
        week=week, line=line, template=fixed_lunch, queues=["Sales"], time_off=[], held=[fits]
    )
    assert left == [] and shifts[1].kept == [fits]
    assert ("coaching", _at(1, "14:00"), _at(1, "14:30")) in shifts[1].segments
