"""Team leaders' floor time from published schedules and the recorded log, and attrition cost
per site (SQLite and PostgreSQL): exact values, honest empty states and bad input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import ChannelKind, Role, ScopeKind
from ccops.errors import Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import attrition as perf_attrition
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import measures as perf_measures
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.schedules.models import Schedule, ScheduledActivity, ScheduledShift
from tests.factories.schedules import FAST, WEEK, make_small_site

ALL = org_service.EVERYTHING
SHANGHAI = ZoneInfo("Asia/Shanghai")
MON = date(2026, 1, 5)
TUE = MON + timedelta(days=1)


def _centre(session: Session) -> None:
    """A Shanghai site with two team leaders (Ann with a team, Bob without) and an agent."""
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="East", timezone="Asia/Shanghai")
    )
    org_service.create_channel(
        session=session, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    org_service.create_queue(
        session=session, data=org_schemas.QueueIn(name="Care", channel="voice", site="East")
    )
    for name, login in (("Bob Lead", "bob"), ("Ann Lead", "ann")):
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(name=name, login=login, site="East", role=Role.supervisor),
        )
    org_service.create_team(
        session=session, data=org_schemas.TeamIn(name="Care 1", site="East", leader="ann")
    )
    session.flush()


def _at(day: date, clock: str) -> datetime:
    h, m = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=SHANGHAI)


def _schedule(
    session: Session, login: str, status: str, version: int, segments: Sequence[tuple[str, ...]]
) -> None:
    """A schedule version of East holding one shift per day of ``segments`` (day, kind, from,
    to; ``to`` may be on the next day as ``+HH:MM``)."""
    person = session.scalars(select(Person).where(Person.login == login)).one()
    record = Schedule(
        site_id=person.site_id,
        week="2026-W02",
        week_start=MON,
        version=version,
        status=status,
        created_by="test",
    )
    session.add(record)
    session.flush()
    for day_text, kind, start, end in segments:
        day = date.fromisoformat(day_text)
        start_at = _at(day, start)
        end_at = _at(day + timedelta(days=1), end[1:]) if end.startswith("+") else _at(day, end)
        shift = ScheduledShift(
            schedule_id=record.id,
            person_id=person.id,
            template="t",
            queues="Care",
            start_at=start_at,
            end_at=end_at,
            paid_h=1.0,
            cost=1.0,
        )
        session.add(shift)
        session.flush()
        session.add(
            ScheduledActivity(
                schedule_id=record.id,
                shift_id=shift.id,
                person_id=person.id,
                kind=kind,
                start_at=start_at,
                end_at=end_at,
            )
        )
    session.flush()


ANN_DAY = [
    ("2026-01-05", "work", "08:00", "09:00"),
    ("2026-01-05", "huddle", "09:00", "09:15"),
    ("2026-01-05", "planning", "09:15", "10:15"),
    ("2026-01-05", "break", "10:15", "10:30"),
    ("2026-01-05", "work", "10:30", "12:00"),
    ("2026-01-05", "lunch", "12:00", "12:30"),
    ("2026-01-05", "reports", "12:30", "13:30"),
    ("2026-01-05", "coaching", "13:30", "14:00"),
    ("2026-01-05", "floor_support", "14:00", "16:30"),
    # Tuesday evening: a meeting, then queue work across local midnight (half on Wednesday)
    ("2026-01-06", "meeting", "20:00", "22:00"),
    ("2026-01-06", "work", "22:00", "+02:00"),
]


def test_scheduled_and_recorded_shares_side_by_side(session: Session) -> None:
    _centre(session)
    _schedule(session, "ann", "published", 2, ANN_DAY)
    # a draft and a superseded version of the same week never count
    _schedule(session, "ann", "draft", 3, [("2026-01-05", "planning", "08:00", "16:00")])
    _schedule(session, "ann", "superseded", 1, [("2026-01-05", "reports", "08:00", "16:00")])
    for kind, minutes in (("floor", 300), ("planning", 60), ("reports", 40)):
        perf_floor_time.record_activity(
            session=session,
            data=s.ActivityIn(person="ann", day=MON, kind=s.ActivityKind(kind), minutes=minutes),
            scope=ALL,
        )
    ann, bob = perf_floor_time.floor_time(session=session, first=MON, last=TUE, scope=ALL)
    assert (ann.name, bob.name) == ("Ann Lead", "Bob Lead")  # name order, never by share
    assert ann.team == "Care 1" and bob.team is None and ann.target_share == 0.75
    # Monday: floor = work 60 + huddle 15 + work 90 + coaching 30 + floor support 150 = 345,
    # off = planning 60 + reports 60 = 120; breaks left out. Tuesday (local): meeting 120 off,
    # work 22:00-24:00 = 120 floor; 00:00-02:00 is Wednesday's, outside the period.
    sch = ann.scheduled
    assert (sch.floor_min, sch.off_floor_min, sch.days) == (465, 240, 2)
    assert sch.share == pytest.approx(465 / 705)
    assert sch.minutes == {
        "break": 15,
        "coaching": 30,
        "floor_support": 150,
        "huddle": 15,
        "lunch": 30,
        "meeting": 120,
        "planning": 60,
        "reports": 60,
        "work": 270,
    }
    assert sch.state == "measured" and sch.note == (
        "465 of 705 scheduled minutes (breaks left out) on the floor, on 2 days"
    )
    rec = ann.recorded
    assert (rec.floor_min, rec.off_floor_min, rec.days, rec.share) == (300, 100, 1, 0.75)
    assert rec.note == "300 of 400 recorded minutes on the floor, on 1 days"
    assert bob.scheduled.share is None and bob.scheduled.state == "no_schedule"
    assert bob.scheduled.note == "no schedule published for these days"
    assert bob.recorded.share is None and bob.recorded.state == "nothing_recorded"
    # Wednesday alone holds the two hours after midnight
    [wed] = perf_floor_time.floor_time(
        session=session,
        first=TUE + timedelta(days=1),
        last=TUE + timedelta(days=1),
        scope=ALL,
        person="ann",
    )
    assert (wed.scheduled.floor_min, wed.scheduled.off_floor_min, wed.scheduled.days) == (
        120,
        0,
        1,
    )


def test_scorecard_says_which_source_it_used(session: Session) -> None:
    _centre(session)
    _schedule(session, "ann", "published", 1, ANN_DAY[:9])
    value = perf_measures.kpi_value(
        session=session,
        subject=perf_subjects.Subject("person", "ann", "Ann Lead", person_id=_id(session, "ann")),
        kpi="floor_time_share",
        first=MON,
        last=MON,
    )
    assert value.source == "scheduled" and value.actual == pytest.approx(345 / 465)
    assert value.note.startswith("nothing recorded: from 465 scheduled minutes on 1 days")
    perf_floor_time.record_activity(
        session=session,
        data=s.ActivityIn(person="ann", day=MON, kind=s.ActivityKind.floor, minutes=240),
        scope=ALL,
    )
    perf_floor_time.record_activity(
        session=session,
        data=s.ActivityIn(person="ann", day=MON, kind=s.ActivityKind.reports, minutes=160),
        scope=ALL,
    )
    value = perf_measures.kpi_value(
        session=session,
        subject=perf_subjects.Subject("team", "Care 1", "Care 1", team_id=_team_id(session)),
        kpi="floor_time_share",
        first=MON,
        last=MON,
    )
    assert value.source == "recorded" and value.actual == pytest.approx(0.6)
    nothing = perf_measures.kpi_value(
        session=session,
        subject=perf_subjects.Subject("person", "bob", "Bob Lead", person_id=_id(session, "bob")),
        kpi="floor_time_share",
        first=MON,
        last=MON,
    )
    assert nothing.actual is None and nothing.source is None
    assert nothing.note == "nothing recorded and no schedule published"


def _id(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _team_id(session: Session) -> int:
    from ccops.org.models import Team

    return session.scalars(select(Team.id).where(Team.name == "Care 1")).one()


def test_floor_time_bad_input(session: Session) -> None:
    _centre(session)
    with pytest.raises(NotFound, match="no team leader 'nobody'"):
        perf_floor_time.floor_time(session=session, first=MON, last=MON, scope=ALL, person="nobody")
    with pytest.raises(Invalid, match="before it starts"):
        perf_floor_time.floor_time(session=session, first=TUE, last=MON, scope=ALL)
    # an agent is no team leader: the leader filter names them unknown
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name="Agent", login="agent", site="East", role=Role.agent),
    )
    with pytest.raises(NotFound):
        perf_floor_time.floor_time(session=session, first=MON, last=MON, scope=ALL, person="agent")


def test_planner_schedules_a_leaders_planning_and_the_build_carries_it(session: Session) -> None:
    make_small_site(session)
    alice = session.scalars(select(Person).where(Person.login == "alice")).one()
    alice.role = Role.supervisor
    monday = ss.parse_week(WEEK)
    tuesday = monday + timedelta(days=1)
    london = ZoneInfo("Europe/London")
    for kind, start, end in (("planning", 10, 11), ("reports", 15, 16)):
        schedule_setup.add_activity(
            session=session,
            data=ss.ActivityIn(
                login="alice",
                kind=kind,
                name=kind,
                start=datetime.combine(tuesday, datetime.min.time(), london).replace(hour=start),
                end=datetime.combine(tuesday, datetime.min.time(), london).replace(hour=end),
            ),
        )
    built = schedule_build.build_schedule(
        session=session, site="Main", week=WEEK, created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    [out] = perf_floor_time.floor_time(session=session, first=tuesday, last=tuesday, scope=ALL)
    # an 8-hour shift with a 30-minute unpaid lunch: 450 working minutes, 120 off the floor
    assert out.scheduled.minutes["planning"] == 60 and out.scheduled.minutes["reports"] == 60
    assert out.scheduled.minutes["lunch"] == 30
    assert (out.scheduled.floor_min, out.scheduled.off_floor_min) == (330, 120)
    assert out.scheduled.share == pytest.approx(330 / 450)
    with pytest.raises(ValidationError):
        ss.ActivityIn(
            login="alice",
            kind="nap",
            name="x",
            start=datetime(2026, 1, 1, 9, tzinfo=london),
            end=datetime(2026, 1, 1, 10, tzinfo=london),
        )


# --- attrition cost ----------------------------------------------------------------------------


def _people(session: Session, site: str, n: int, left: dict[int, date]) -> None:
    for k in range(n):
        login = f"{site.lower()}{k}"
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=f"{site} {k}",
                login=login,
                site=site,
                role=Role.agent,
                hire_date=date(2024, 1, 1),
            ),
        )
        if k in left:
            person = session.scalars(select(Person).where(Person.login == login)).one()
            person.termination_date = left[k]
            person.termination_reason = "moved"
    session.flush()


def test_attrition_cost_per_site_with_interval_and_cost(session: Session) -> None:
    for name in ("Main", "Other"):
        org_service.create_site(
            session=session, data=org_schemas.SiteIn(name=name, timezone="Europe/London")
        )
    # Main: 11 people; one left before the 12 months, two within them
    _people(
        session,
        "Main",
        11,
        {0: date(2025, 1, 1), 1: date(2026, 3, 10), 2: date(2026, 6, 1)},
    )
    _people(session, "Other", 4, {0: date(2026, 11, 22)})
    out = org_service.set_leaver_cost(
        session=session,
        site="Main",
        data=org_schemas.LeaverCostIn(cost_per_leaver=4500, currency="GBP"),
    )
    assert out == org_schemas.LeaverCostOut(site="Main", cost_per_leaver=4500, currency="GBP")
    cost = perf_attrition.attrition_cost(session=session, last=date(2026, 11, 22), scope=ALL)
    assert (cost.first, cost.last) == (date(2025, 11, 23), date(2026, 11, 22))
    main, other = cost.sites
    # start headcount 10 (on 22 Nov 2025), end 8: average 9; 2 leavers -> 2/9
    assert (main.site, main.leavers, main.average_headcount) == ("Main", 2, 9.0)
    assert main.rate == pytest.approx(2 / 9)
    # Wilson, p = 2/9, n = 9, z = 1.959964: 0.063225 to 0.547411
    assert main.low == pytest.approx(0.0632251, abs=1e-6)
    assert main.high == pytest.approx(0.5474110, abs=1e-6)
    assert (main.cost_per_leaver, main.currency, main.cost) == (4500, "GBP", 9000)
    assert main.note == "2 leavers x 4500 GBP per leaver"
    # Other: the leaver of the last day counts; no cost set, said plainly
    assert (other.leavers, other.average_headcount) == (1, 3.5)
    assert other.cost is None and other.cost_per_leaver is None
    assert other.note == "no replacement cost per leaver set for this site"
    # scope: a manager of Other sees Other only
    other_id = org_service.get_site(session=session, name="Other").id
    scoped = perf_attrition.attrition_cost(
        session=session,
        last=date(2026, 11, 22),
        scope=org_service.Scope(kind=ScopeKind.sites, site_ids=frozenset({other_id})),
    )
    assert [r.site for r in scoped.sites] == ["Other"]
    # clearing the cost removes the currency too
    cleared = org_service.set_leaver_cost(
        session=session, site="Main", data=org_schemas.LeaverCostIn(cost_per_leaver=None)
    )
    assert (cleared.cost_per_leaver, cleared.currency) == (None, None)


def test_leaver_cost_bad_input(session: Session) -> None:
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Main", timezone="Europe/London")
    )
    with pytest.raises(ValidationError):
        org_schemas.LeaverCostIn(cost_per_leaver=-1, currency="GBP")
    with pytest.raises(ValidationError, match="give the currency"):
        org_schemas.LeaverCostIn(cost_per_leaver=100)
    with pytest.raises(ValidationError):
        org_schemas.LeaverCostIn(cost_per_leaver=100, currency="gbp")
    with pytest.raises(ValidationError):
        org_schemas.LeaverCostIn.model_validate(
            {"cost_per_leaver": float("inf"), "currency": "GBP"}
        )
    with pytest.raises(NotFound):
        org_service.set_leaver_cost(
            session=session,
            site="Nowhere",
            data=org_schemas.LeaverCostIn(cost_per_leaver=1, currency="GBP"),
        )
    site = org_service.get_site(session=session, name="Main")
    assert site.cost_per_leaver is None and site.currency is None
