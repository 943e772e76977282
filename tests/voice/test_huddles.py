"""Huddles: notes with attendance and actions, actions on the owner's list until done, the
rhythm with what was missed, the agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Forbidden, NotFound
from ccops.org.models import Person, Site
from ccops.voice import huddles, schemas
from ccops.voice.models import Huddle
from ccops.wfm.schedules.models import FixedActivity, Schedule, ScheduledShift
from tests.factories.voice import build_org

MONDAY = date(2026, 11, 16)
LONDON = ZoneInfo("Europe/London")


def test_actions_stay_with_their_owner_until_done_and_bad_input_stores_nothing(
    session: Session,
) -> None:
    ids = build_org(session, {"Team A": ("Main", 3)})
    out = huddles.record(
        session=session,
        data=schemas.HuddleIn(
            team="Team A",
            held_on=MONDAY,
            notes="Launch volume +30% at 09:00",
            attendees=["teama-0", "teama-1"],
            actions=[
                schemas.ActionIn(text="Read the login article", owner="teama-1", due_on=MONDAY)
            ],
        ),
        by="lead",
        today=MONDAY,
    )
    assert out.attendees == ["teama-0", "teama-1"] and out.actions[0].owner == "teama-1"
    owner = ids["Team A"][1]
    later = MONDAY + timedelta(days=2)
    mine = huddles.my_actions(session=session, person_id=owner, today=later)
    assert [(a.text, a.overdue) for a in mine] == [("Read the login article", True)]
    with pytest.raises(Forbidden, match="owner or their team"):
        huddles.complete(
            session=session,
            action_id=mine[0].id,
            by_person_id=ids["Team A"][0],
            by="x",
            today=later,
        )
    huddles.complete(session=session, action_id=mine[0].id, by_person_id=owner, by="o", today=later)
    assert huddles.my_actions(session=session, person_id=owner, today=later) == []
    with pytest.raises(Conflict, match="already done"):
        huddles.complete(
            session=session, action_id=mine[0].id, by_person_id=owner, by="m", today=later
        )
    before = session.query(Huddle).count()
    with pytest.raises(NotFound, match="nobody"):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(
                team="Team A",
                held_on=MONDAY,
                actions=[schemas.ActionIn(text="x", owner="nobody", due_on=MONDAY)],
            ),
            by="lead",
            today=MONDAY,
        )
    with pytest.raises(Conflict, match="on or after"):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(team="Team A", held_on=later),
            by="lead",
            today=MONDAY,
        )
    assert session.query(Huddle).count() == before


def test_rhythm_shows_what_was_missed(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    for kind, day in (("huddle", MONDAY), ("meeting", MONDAY + timedelta(days=2))) + tuple(
        ("floor_check", MONDAY) for _ in range(8)
    ):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(team="Team A", kind=kind, held_on=day),
            by="lead",
            today=MONDAY + timedelta(days=7),
        )
    days = huddles.rhythm(
        session=session, team="Team A", first=MONDAY, last=MONDAY + timedelta(days=6)
    )
    assert [d.day.weekday() for d in days] == [0, 1, 2, 3, 4]
    assert days[0].missed == []
    assert days[1].missed == ["floor_check"] * 8 + ["huddle"]
    assert "meeting" not in days[4].missed and "huddle" in days[4].missed


def test_agenda_lists_open_actions_and_kpis_with_intervals(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    huddles.record(
        session=session,
        data=schemas.HuddleIn(
            team="Team A",
            held_on=MONDAY,
            actions=[schemas.ActionIn(text="Call back", owner="teama-0", due_on=MONDAY)],
        ),
        by="lead",
        today=MONDAY,
    )
    a = huddles.agenda(session=session, team="Team A", day=MONDAY + timedelta(days=1))
    assert [k.kpi for k in a.kpis_today] == list(huddles.AGENDA_KPIS)
    assert all(k.n == 0 and k.actual is None for k in a.kpis_today)
    assert [x.text for x in a.open_actions] == ["Call back"]


def _published_week(session: Session, shifts: list[tuple[str, date, str, str]]) -> None:
    """Publish Main's week of MONDAY with shifts (login, day, start, end) in London time."""
    site = session.scalars(select(Site).where(Site.name == "Main")).one()
    week = Schedule(
        site_id=site.id,
        week="2026-W47",
        week_start=MONDAY,
        version=1,
        status="published",
        created_by="planner",
    )
    session.add(week)
    session.flush()
    for login, day, start, end in shifts:
        person = session.scalars(select(Person).where(Person.login == login)).one()
        session.add(
            ScheduledShift(
                schedule_id=week.id,
                person_id=person.id,
                template="t",
                queues="Billing",
                start_at=datetime.combine(day, time.fromisoformat(start), LONDON),
                end_at=datetime.combine(day, time.fromisoformat(end), LONDON),
                paid_h=8.0,
                cost=0.0,
            )
        )
    session.flush()


def _gathering(session: Session, login: str, kind: str, day: date, start: str, end: str) -> None:
    person = session.scalars(select(Person).where(Person.login == login)).one()
    session.add(
        FixedActivity(
            person_id=person.id,
            kind=kind,
            name=kind.title(),
            start_at=datetime.combine(day, time.fromisoformat(start), LONDON),
            end_at=datetime.combine(day, time.fromisoformat(end), LONDON),
        )
    )
    session.flush()


def test_a_published_schedule_sets_what_the_rhythm_expects(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    tuesday, saturday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=5)
    _published_week(
        session,
        [
            ("teama-0", MONDAY, "08:00", "16:30"),
            ("teama-1", MONDAY, "12:00", "20:00"),
            ("teama-0", tuesday, "08:00", "16:30"),
            ("teama-1", saturday, "10:00", "14:00"),
        ],
    )
    _gathering(session, "teama-0", "huddle", MONDAY, "09:30", "09:45")
    _gathering(session, "teama-1", "huddle", MONDAY, "09:30", "09:45")  # the same huddle
    _gathering(session, "teama-0", "meeting", tuesday, "14:00", "15:00")
    for kind in ["huddle"] + ["floor_check"] * 12 + ["meeting"]:
        huddles.record(
            session=session,
            data=schemas.HuddleIn(team="Team A", kind=kind, held_on=MONDAY),
            by="lead",
            today=MONDAY + timedelta(days=14),
        )
    days = huddles.rhythm(
        session=session, team="Team A", first=MONDAY, last=MONDAY + timedelta(days=13)
    )
    by_day = {d.day: d for d in days}
    # the scheduled week: Monday 08:00-20:00 on the floor (12 hours), Tuesday 8, Saturday 4;
    # Wednesday to Friday and Sunday nobody works and nothing is expected
    assert sorted(by_day)[:3] == [MONDAY, tuesday, saturday]
    mon, tue, sat = by_day[MONDAY], by_day[tuesday], by_day[saturday]
    assert (mon.basis, mon.expected.count("floor_check"), mon.missed) == ("schedule", 12, [])
    assert mon.expected.count("huddle") == 1
    # Tuesday's scheduled meeting was held on Monday, the same week: it counts
    assert tue.expected.count("meeting") == 1 and tue.held == ["meeting"]
    assert tue.missed == ["floor_check"] * 8 + ["huddle"]
    assert (sat.expected, sat.missed) == (["floor_check"] * 4 + ["huddle"], sat.expected)
    # the next week has no published schedule: Monday to Friday by the rule, Friday's meeting
    rule = [d for d in days if d.day > MONDAY + timedelta(days=6)]
    assert [d.day.weekday() for d in rule] == [0, 1, 2, 3, 4]
    assert {d.basis for d in rule} == {"rule"}
    assert rule[4].expected == ["floor_check"] * 8 + ["huddle", "meeting"]


def test_today_is_the_teams_own_day(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 1), "Team B": ("Other", 1)})
    evening = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
    assert huddles.team_today(session=session, team="Team A", now=evening) == MONDAY
    # 01:00 on Tuesday in Shanghai
    assert huddles.team_today(session=session, team="Team B", now=evening) == MONDAY + timedelta(
        days=1
    )
