"""Demo scheduling data: shift templates of both sites, contracts for every demo person (team
leaders too: they take contacts on their team's primary queue a day or two a week), a
vacation, a team meeting, a coaching session, a few preferences, and the team leaders' planning
and reports time (about a quarter of their scheduled days, the 75/25 split of source 004)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.demo import Roster
from ccops.org.models import Person, PersonSkill, Queue, Site, Team
from ccops.wfm.schedules import schemas
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.schedules.models import FixedActivity, ShiftPreference, TimeOff

LUNCH = schemas.BreakIn(
    length_min=30,
    earliest_after_start_min=180,
    latest_after_start_min=300,
    min_gap_min=60,
    paid=False,
)
TEA = schemas.BreakIn(length_min=15, earliest_after_start_min=90, latest_after_start_min=150)
TEA2 = schemas.BreakIn(
    length_min=15, earliest_after_start_min=360, latest_after_start_min=420, min_gap_min=45
)
LEADER_BREAKS = (
    schemas.BreakIn(length_min=15, earliest_after_start_min=120, latest_after_start_min=120),
    schemas.BreakIn(
        length_min=30, earliest_after_start_min=210, latest_after_start_min=210, paid=False
    ),
    schemas.BreakIn(length_min=15, earliest_after_start_min=390, latest_after_start_min=390),
)
"""The team leader's day 09:00-17:30 has fixed breaks (11:00, 12:30 lunch, 15:30), so the
huddle, planning and reports fixed around them always fit the shift the planner builds."""
TEMPLATES = (
    ("early", "06:00", "09:00", 510, (TEA, LUNCH, TEA2), 20.0, False, False),
    ("late", "11:00", "13:30", 510, (TEA, LUNCH, TEA2), 22.0, False, True),
    ("part", "08:00", "16:00", 240, (TEA,), 20.0, False, False),
    ("night", "22:00", "23:00", 480, (TEA, LUNCH), 26.0, True, False),
    ("leader day", "09:00", "09:00", 510, LEADER_BREAKS, 24.0, False, False),
)
CONTRACTS = (
    schemas.ContractIn(
        name="full-time 40h",
        weekly_min_h=32,
        weekly_max_h=40,
        days_min=4,
        days_max=5,
        max_consecutive_days=5,
        min_rest_h=11,
        max_nights=3,
        max_weekend_days=2,
        templates=["early", "late", "night"],
    ),
    schemas.ContractIn(
        name="part-time 24h",
        weekly_min_h=12,
        weekly_max_h=28,
        days_min=3,
        days_max=5,
        max_consecutive_days=5,
        min_rest_h=11,
        max_nights=0,
        max_weekend_days=2,
        templates=["part"],
    ),
    schemas.ContractIn(
        name="team leader on the floor",
        weekly_min_h=0,
        weekly_max_h=16,
        days_min=0,
        days_max=2,
        max_consecutive_days=2,
        min_rest_h=11,
        max_nights=0,
        max_weekend_days=0,
        templates=["leader day"],
    ),
)


LEADER_DAYS = (
    # a huddle opens the day on the floor; planning and reports are the leader's off-floor
    # quarter. The solver puts a leader shift around them (its breaks outside them).
    [
        ("huddle", "Team huddle", "09:00", "09:15"),
        ("planning", "Week planning: coaching and monitoring", "09:15", "10:15"),
        ("reports", "Daily team report", "14:00", "15:00"),
    ],
    [
        ("huddle", "Team huddle", "09:00", "09:15"),
        ("planning", "Analysis of the week's results", "09:15", "{planning_end}"),
        ("reports", "Weekly team report", "14:00", "15:00"),
    ],
)
"""Each leader's scheduled day is 450 working minutes (510 less 60 of breaks); 225 of 900
off the floor is 25%. ``planning_end`` varies by leader (09:45-10:15) so the figures differ."""
LEADER_WEEKDAYS = ((1, 3), (2, 4))
"""The two days of the even and of the odd leaders (Tuesday and Thursday, Wednesday and Friday),
so the two leaders of a queue group are not off the floor on the same days."""


def _leader_activities(session: Session, leader: Person, zone: str, monday: date, k: int) -> None:
    """Fixed huddles, planning and reports of the ``k``-th demo team leader in the demo week."""
    planning_end = ("10:00", "10:15", "09:45")[k % 3]
    for weekday, items in zip(LEADER_WEEKDAYS[k % 2], LEADER_DAYS, strict=True):
        day = monday + timedelta(days=weekday)
        for kind, name, start, end in items:
            session.add(
                FixedActivity(
                    person_id=leader.id,
                    kind=kind,
                    name=name,
                    start_at=_at(zone, day, start),
                    end_at=_at(zone, day, end.format(planning_end=planning_end)),
                )
            )


def _at(zone: str, day: date, clock: str) -> datetime:
    h, m = (int(x) for x in clock.split(":"))
    return datetime.combine(day, time(h, m)).replace(tzinfo=ZoneInfo(zone))


def seed_demo(session: Session, *, rosters: dict[str, Roster], week_start: date) -> dict[str, int]:
    """Templates, contracts (the rosters' full- and part-time agents, leaders), and the time
    off and activities of the week from ``week_start`` (the week the planner builds next)."""
    sites = list(session.scalars(select(Site).order_by(Site.id)))
    for site in sites:
        for name, first, last, length, breaks, cost, night, late in TEMPLATES:
            schedule_setup.create_template(
                session=session,
                data=schemas.ShiftTemplateIn(
                    site=site.name,
                    name=name,
                    first_start=first,
                    last_start=last,
                    length_min=length,
                    breaks=list(breaks),
                    cost_per_hour=cost,
                    is_night=night,
                    is_late=late,
                ),
            )
    for terms in CONTRACTS:
        schedule_setup.create_contract(session=session, data=terms)
    people = list(session.scalars(select(Person).order_by(Person.id)))
    agents = [p for p in people if p.role == Role.agent]
    part_time = {pid for r in rosters.values() for pid in r.part}
    for person in agents:
        contract = "part-time 24h" if person.id in part_time else "full-time 40h"
        schedule_setup.assign_contract(session=session, login=person.login, contract=contract)
    monday = week_start
    zone_of = {s.id: s.timezone for s in sites}
    leaders = 0
    for team in session.scalars(select(Team).where(Team.leader_id.is_not(None))):
        leader = session.get(Person, team.leader_id)
        member = session.scalars(
            select(PersonSkill)
            .join(Person)
            .where(Person.team_id == team.id)
            .order_by(PersonSkill.level.desc(), PersonSkill.id)
        ).first()
        if leader is None or member is None:
            continue
        queue = session.get(Queue, member.queue_id)
        assert queue is not None
        if not any(s.queue_id == queue.id for s in leader.skills):
            leader.skills.append(PersonSkill(queue_id=queue.id, level=7))
        schedule_setup.assign_contract(
            session=session, login=leader.login, contract="team leader on the floor"
        )
        if leader.site_id is not None:
            _leader_activities(session, leader, zone_of[leader.site_id], monday, leaders)
        leaders += 1
    anchor = agents[0]
    zone = zone_of[anchor.site_id]
    session.add(
        TimeOff(
            person_id=agents[4].id,
            start_at=_at(zone_of[agents[4].site_id], monday + timedelta(days=2), "00:00"),
            end_at=_at(zone_of[agents[4].site_id], monday + timedelta(days=4), "00:00"),
            reason="vacation",
            credit_h_per_day=8.0,
            status="approved",
            created_by="demo",
        )
    )
    team_mates = [p for p in agents if p.team_id == anchor.team_id][:4]
    for p in team_mates:
        session.add(
            FixedActivity(
                person_id=p.id,
                kind="meeting",
                name="Team meeting",
                start_at=_at(zone, monday + timedelta(days=1), "10:00"),
                end_at=_at(zone, monday + timedelta(days=1), "10:30"),
            )
        )
    session.add(
        FixedActivity(
            # not agents[1]: the allowances demo grants them that week off
            person_id=agents[6].id,
            kind="coaching",
            name="Call review with team leader",
            start_at=_at(zone, monday + timedelta(days=3), "14:00"),
            end_at=_at(zone, monday + timedelta(days=3), "14:30"),
        )
    )
    session.add(ShiftPreference(person_id=agents[2].id, weight=2.0, template="early"))
    session.add(ShiftPreference(person_id=agents[5].id, weight=-3.0, weekday=6))
    session.flush()
    return {"templates": len(TEMPLATES) * len(sites), "people": len(agents) + leaders}
