"""Team leaders' floor time: recorded activity, published schedules and the share on the floor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.errors import Forbidden, Invalid, NotFound, Problem
from ccops.metrics import registry
from ccops.org import service as org_service
from ccops.org.models import Person, Site, Team
from ccops.performance import estimates as perf_estimates
from ccops.performance import models as m
from ccops.performance import periods as perf_periods
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.wfm.schedules.models import Schedule, ScheduledActivity


def _leaders_of(session: Session, subject: perf_subjects.Subject) -> list[Person]:
    if subject.kind == "person":
        person = session.get(Person, subject.person_id)
        return [person] if person is not None else []
    if subject.kind == "team":
        team = session.get(Team, subject.team_id)
        leader = session.get(Person, team.leader_id) if team and team.leader_id else None
        return [leader] if leader is not None else []
    query = select(Person).where(Person.role == Role.supervisor)
    if subject.site_ids is not None:
        query = query.where(Person.site_id.in_(sorted(subject.site_ids)))
    return list(session.scalars(query))


def floor_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """The scorecard's floor time share: the recorded log when there is one (what happened),
    else the published schedules (what was planned); the note and ``source`` say which."""
    leaders = _leaders_of(session, subject)
    recorded = _recorded_time(session, [p.id for p in leaders], first, last)
    floor, off, days = _sum_basis(recorded.values(), RECORDED_FLOOR_KINDS, RECORDED_PAUSE_KINDS)
    if floor + off > 0:
        return perf_estimates.Measure(
            floor / (floor + off),
            days,
            None,
            None,
            "none",
            True,
            f"from {round(floor + off)} recorded minutes on {days} days",
            source="recorded",
        )
    scheduled = scheduled_leader_time(session, leaders, first, last)
    floor, off, days = _sum_basis(scheduled.values(), SCHEDULED_FLOOR_KINDS, SCHEDULED_PAUSE_KINDS)
    if floor + off > 0:
        return perf_estimates.Measure(
            floor / (floor + off),
            days,
            None,
            None,
            "none",
            True,
            f"nothing recorded: from {round(floor + off)} scheduled minutes on {days} days of "
            "published schedules",
            source="scheduled",
        )
    return perf_estimates.Measure(
        None, 0, None, None, "none", False, "nothing recorded and no schedule published"
    )


# --- team leaders' time -----------------------------------------------------------------------


def check_recorder(*, session: Session, role: Role, person_id: int | None, person: str) -> None:
    """Refuse a team leader recording another person's activities (others record anyone's)."""
    if role == Role.supervisor:
        own = perf_subjects.person_login(session=session, person_id=person_id)
        if own is None or own != person:
            raise Forbidden(
                "team leaders record their own activities only", [Problem("not you", "person")]
            )


def record_activity(
    *, session: Session, data: s.ActivityIn, scope: org_service.Scope
) -> s.ActivityOut:
    """Record minutes a team leader in scope spent on floor, planning, reports or other work."""
    person = perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
    total = session.scalar(
        select(func.coalesce(func.sum(m.LeaderActivity.minutes), 0)).where(
            m.LeaderActivity.person_id == person.id, m.LeaderActivity.day == data.day
        )
    )
    if int(total or 0) + data.minutes > 1440:
        raise Invalid(
            f"{data.person} would have more than 24 hours recorded on {data.day}",
            [Problem("more than 1440 minutes in the day", "minutes")],
        )
    a = m.LeaderActivity(
        person_id=person.id, day=data.day, kind=data.kind.value, minutes=data.minutes
    )
    session.add(a)
    session.flush()
    return s.ActivityOut(id=a.id, **data.model_dump())


SCHEDULED_FLOOR_KINDS = frozenset({"work", "floor_support", "coaching", "huddle"})
"""Scheduled segments on the floor: taking contacts among the team, floor support (walking the
floor, helping agents), coaching and huddles with agents (source 004's "doing")."""
SCHEDULED_PAUSE_KINDS = frozenset({"break", "lunch"})
"""Scheduled segments that are no working time: left out of both sides."""
SCHEDULED_OFF_FLOOR_KINDS = frozenset({"meeting", "training", "planning", "reports"})
"""Scheduled segments off the floor (any other kind a schedule holds counts here too)."""
RECORDED_FLOOR_KINDS = frozenset({s.ActivityKind.floor.value})
RECORDED_PAUSE_KINDS: frozenset[str] = frozenset()


@dataclass
class LeaderTime:
    """Minutes per kind of one team leader over a period, and the days they fall on."""

    days: set[date] = field(default_factory=set)
    minutes: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def _sum_basis(
    times: Iterable[LeaderTime], floor_kinds: frozenset[str], pauses: frozenset[str]
) -> tuple[float, float, int]:
    floor = off = 0.0
    days = 0
    for lt in times:
        days += len(lt.days)
        for kind, minutes in lt.minutes.items():
            if kind in floor_kinds:
                floor += minutes
            elif kind not in pauses:
                off += minutes
    return floor, off, days


def _recorded_time(
    session: Session, person_ids: Sequence[int], first: date, last: date
) -> dict[int, LeaderTime]:
    out: dict[int, LeaderTime] = defaultdict(LeaderTime)
    rows = session.execute(
        select(
            m.LeaderActivity.person_id,
            m.LeaderActivity.day,
            m.LeaderActivity.kind,
            m.LeaderActivity.minutes,
        ).where(
            m.LeaderActivity.person_id.in_(sorted(set(person_ids))),
            m.LeaderActivity.day >= first,
            m.LeaderActivity.day <= last,
        )
    )
    for person_id, day, kind, minutes in rows:
        lt = out[person_id]
        lt.days.add(day)
        lt.minutes[kind] += minutes
    return out


def scheduled_leader_time(
    session: Session, people: Sequence[Person], first: date, last: date
) -> dict[int, LeaderTime]:
    """Published schedule segments of ``people`` per kind over their sites' local dates
    [first, last]; a segment across local midnight is split between the two days."""
    if not people:
        return {}
    site_ids = sorted({p.site_id for p in people if p.site_id is not None})
    zones = {
        site.id: ZoneInfo(site.timezone)
        for site in session.scalars(select(Site).where(Site.id.in_(site_ids)))
    }
    zone_of = {p.id: zones.get(p.site_id, UTC) if p.site_id else UTC for p in people}
    window_start = datetime.combine(first, time(), UTC) - timedelta(days=1)
    window_end = datetime.combine(last + timedelta(days=1), time(), UTC) + timedelta(days=1)
    rows = session.execute(
        select(
            ScheduledActivity.person_id,
            ScheduledActivity.kind,
            ScheduledActivity.start_at,
            ScheduledActivity.end_at,
        )
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id.in_(sorted(zone_of)),
            ScheduledActivity.start_at < window_end,
            ScheduledActivity.end_at > window_start,
        )
    )
    out: dict[int, LeaderTime] = defaultdict(LeaderTime)
    for person_id, kind, start, end in rows:
        zone = zone_of[person_id]
        at = start.astimezone(zone)
        stop = end.astimezone(zone)
        while at < stop:
            day = at.date()
            midnight = datetime.combine(day + timedelta(days=1), time(), zone)
            upto = min(stop, midnight)
            if first <= day <= last:
                minutes = (upto.astimezone(UTC) - at.astimezone(UTC)).total_seconds() / 60
                lt = out[person_id]
                lt.minutes[kind] += minutes
                if kind not in SCHEDULED_PAUSE_KINDS:
                    lt.days.add(day)
            at = upto
    return out


def _basis(
    lt: LeaderTime | None,
    source: Literal["scheduled", "recorded"],
    floor_kinds: frozenset[str],
    pauses: frozenset[str],
) -> s.FloorBasis:
    lt = lt or LeaderTime()
    floor, off, days = _sum_basis([lt], floor_kinds, pauses)
    minutes = {k: round(v) for k, v in sorted(lt.minutes.items()) if round(v)}
    worked = round(floor) + round(off)
    if worked == 0:
        state: Literal["measured", "no_schedule", "nothing_recorded"] = (
            "no_schedule" if source == "scheduled" else "nothing_recorded"
        )
        note = (
            "no schedule published for these days"
            if source == "scheduled"
            else "nothing recorded in the period"
        )
        return s.FloorBasis(
            source=source,
            days=0,
            floor_min=0,
            off_floor_min=0,
            minutes=minutes,
            share=None,
            state=state,
            note=note,
        )
    what = "scheduled minutes (breaks left out)" if source == "scheduled" else "recorded minutes"
    return s.FloorBasis(
        source=source,
        days=days,
        floor_min=round(floor),
        off_floor_min=round(off),
        minutes=minutes,
        share=round(floor) / worked,
        state="measured",
        note=f"{round(floor)} of {worked} {what} on the floor, on {days} days",
    )


def floor_time(
    *,
    session: Session,
    first: date,
    last: date,
    scope: org_service.Scope,
    person: str | None = None,
) -> list[s.FloorShareOut]:
    """Each team leader in scope (or the one named): the share of time on the floor from the
    published schedules and from the recorded log, side by side, against 75%; name order."""
    perf_periods.day_span(first, last)
    query = select(Person).where(scope.people_clause(), Person.role == Role.supervisor)
    if person is not None:
        query = query.where(Person.login == person)
    leaders = list(session.scalars(query.order_by(Person.name, Person.login)))
    if person is not None and not leaders:
        raise NotFound(f"no team leader {person!r} in your scope", [Problem("unknown", "person")])
    recorded = _recorded_time(session, [p.id for p in leaders], first, last)
    scheduled = scheduled_leader_time(session, leaders, first, last)
    teams = dict(
        session.execute(
            select(Team.leader_id, Team.name)
            .where(Team.leader_id.in_([p.id for p in leaders]))
            .order_by(Team.name)
        ).all()
    )
    return [
        s.FloorShareOut(
            person=p.login,
            name=p.name,
            team=teams.get(p.id),
            first=first,
            last=last,
            target_share=registry.FLOOR_TARGET,
            scheduled=_basis(
                scheduled.get(p.id), "scheduled", SCHEDULED_FLOOR_KINDS, SCHEDULED_PAUSE_KINDS
            ),
            recorded=_basis(
                recorded.get(p.id), "recorded", RECORDED_FLOOR_KINDS, RECORDED_PAUSE_KINDS
            ),
        )
        for p in leaders
    ]
