"""Huddles and meetings: the agenda built for a team, notes with attendance and actions, the
owners' open actions, and the rhythm (hourly floor check, daily huddle, weekly meeting) with what
was missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.knowledge import service as knowledge_service
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.performance import measures as perf_measures
from ccops.performance import models as perf_models
from ccops.performance import schemas as perf_schemas
from ccops.performance import subjects as perf_subjects
from ccops.relative_days import monday_of
from ccops.voice import models as m
from ccops.voice import schemas as s
from ccops.wfm.intraday import exceptions as intraday_exceptions
from ccops.wfm.intraday import schemas as intraday_schemas
from ccops.wfm.schedules.models import FixedActivity, Schedule, ScheduledShift

AGENDA_KPIS = ("aht_s", "repeat_contact_rate", "occupancy")
"""The team KPIs a huddle looks at (yesterday and today, each with its interval)."""
FLOOR_CHECKS_PER_DAY = 8
"""Floor checks expected on a working day (one an hour over an 8-hour day)."""


class Agenda(BaseModel):
    """What a huddle covers for a team on a day."""

    team: str
    day: date
    kpis_yesterday: list[perf_schemas.KpiValue]
    kpis_today: list[perf_schemas.KpiValue]
    exceptions: list[intraday_schemas.ExceptionOut]
    changes: list[str]
    recognition: list[str]
    open_actions: list[s.ActionOut]
    scheduled: list[s.ScheduledGathering] = []


def _team(session: Session, name: str, scope: org_service.Scope) -> Team:
    return perf_subjects.team_in_scope(session=session, name=name, scope=scope)


def _action_out(session: Session, a: m.HuddleAction, today: date) -> s.ActionOut:
    huddle = session.get_one(m.Huddle, a.huddle_id)
    return s.ActionOut(
        id=a.id,
        huddle_id=a.huddle_id,
        team=session.get_one(Team, huddle.team_id).name,
        text=a.text,
        owner=session.get_one(Person, a.owner_id).login,
        due_on=a.due_on,
        done_on=a.done_on,
        overdue=a.done_on is None and a.due_on < today,
    )


def _open_actions(session: Session, team_id: int, today: date) -> list[s.ActionOut]:
    rows = session.scalars(
        select(m.HuddleAction)
        .join(m.Huddle, m.Huddle.id == m.HuddleAction.huddle_id)
        .where(m.Huddle.team_id == team_id, m.HuddleAction.done_on.is_(None))
        .order_by(m.HuddleAction.due_on, m.HuddleAction.id)
    )
    return [_action_out(session, a, today) for a in rows]


def agenda(
    *, session: Session, team: str, day: date, scope: org_service.Scope = org_service.EVERYTHING
) -> Agenda:
    """Build the agenda of a team's huddle: KPIs of yesterday and today with their intervals,
    open exceptions, process changes to acknowledge, recent recognition, open actions."""
    t = _team(session, team, scope)
    subject = perf_subjects.team_subject(t)

    def kpis(on: date) -> list[perf_schemas.KpiValue]:
        return [
            perf_measures.kpi_value(session=session, subject=subject, kpi=k, first=on, last=on)
            for k in AGENDA_KPIS
        ]

    exceptions = [
        e
        for e in intraday_exceptions.list_exceptions(session=session, scope=scope, day=day)
        if e.status in ("open", "acknowledged")
    ]
    members = list(session.scalars(select(Person).where(Person.team_id == t.id)))
    changes = [
        c.title
        for c in knowledge_service.list_changes(
            session=session, user_id=0, scope=org_service.EVERYTHING, manage=True
        )
        if t.name in c.teams and c.published_at.date() >= day - timedelta(days=14)
    ]
    recognition = [
        f"{p.name}: {r.text}"
        for p in members
        for r in session.scalars(
            select(perf_models.Recognition).where(
                perf_models.Recognition.person_id == p.id,
                perf_models.Recognition.given_on >= day - timedelta(days=7),
            )
        )
    ]
    return Agenda(
        team=t.name,
        day=day,
        kpis_yesterday=kpis(day - timedelta(days=1)),
        kpis_today=kpis(day),
        exceptions=exceptions,
        changes=changes,
        recognition=recognition,
        open_actions=_open_actions(session, t.id, day),
        scheduled=scheduled(session=session, team=t, day=day),
    )


GATHERINGS = ("huddle", "meeting")
"""The kinds of scheduled (fixed) activity that are a team's huddle or meeting."""


def scheduled(*, session: Session, team: Team, day: date) -> list[s.ScheduledGathering]:
    """The huddles and meetings the schedule holds for ``team`` on its local ``day``: fixed
    activities of its leader and members, one gathering per kind, name and time."""
    zone = ZoneInfo(team.site.timezone)
    lo = datetime.combine(day, time(0), zone).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    people = select(Person.id).where(
        or_(Person.team_id == team.id, Person.id == team.leader_id)
        if team.leader_id is not None
        else Person.team_id == team.id
    )
    rows = session.execute(
        select(FixedActivity, Person.login)
        .join(Person, Person.id == FixedActivity.person_id)
        .where(
            FixedActivity.kind.in_(GATHERINGS),
            FixedActivity.person_id.in_(people),
            FixedActivity.start_at >= lo,
            FixedActivity.start_at < hi,
        )
    ).all()
    found: dict[tuple[str, str, time, time], list[str]] = {}
    for a, login in rows:
        starts = _utc(a.start_at).astimezone(zone).time()
        ends = _utc(a.end_at).astimezone(zone).time()
        found.setdefault((a.kind, a.name, starts, ends), []).append(login)
    return [
        s.ScheduledGathering(kind=k, name=n, starts=a, ends=b, invited=sorted(set(who)))
        for (k, n, a, b), who in sorted(found.items(), key=lambda kv: (kv[0][2], kv[0][0]))
    ]


def agenda_schedule(
    *, session: Session, team: str, day: date, scope: org_service.Scope = org_service.EVERYTHING
) -> list[s.ScheduledGathering]:
    """The huddles and meetings scheduled for a team in scope on a day (the agenda's part)."""
    return scheduled(session=session, team=_team(session, team, scope), day=day)


def _utc(at: datetime) -> datetime:
    """A stored instant as an aware UTC time (SQLite hands back naive UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _person(session: Session, login: str, team: Team, what: str) -> Person:
    """The person ``login``, who must be a member of ``team`` or its leader."""
    p = session.scalars(select(Person).where(Person.login == login)).first()
    if p is None:
        raise NotFound(f"{what}: no person {login!r}", [Problem("not found", field=what)])
    if p.team_id != team.id and p.id != team.leader_id:
        raise Invalid(
            f"{what}: {login} is not of the team {team.name}",
            [Problem("not of the team", field=what)],
        )
    return p


def team_people(
    *, session: Session, team: str, scope: org_service.Scope = org_service.EVERYTHING
) -> list[tuple[str, str]]:
    """Who can attend or own an action of ``team``'s huddle: its leader and members, as
    (login, name), the leader first."""
    t = _team(session, team, scope)
    members = session.scalars(
        select(Person).where(Person.team_id == t.id).order_by(Person.name, Person.login)
    ).all()
    leader = session.get(Person, t.leader_id) if t.leader_id is not None else None
    people = ([leader] if leader is not None else []) + [p for p in members if p is not leader]
    return [(p.login, p.name) for p in people]


def record(
    *,
    session: Session,
    data: s.HuddleIn,
    by: str,
    today: date,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.HuddleOut:
    """Record a huddle's notes, attendance and actions."""
    t = _team(session, data.team, scope)
    if data.held_on > today:
        raise Conflict(
            "a huddle is recorded on or after the day it is held",
            [Problem("in the future", field="held_on")],
        )
    attendees = [_person(session, a, t, "attendees") for a in dict.fromkeys(data.attendees)]
    owners = [_person(session, a.owner, t, "actions.owner") for a in data.actions]
    held_at = data.held_at
    if held_at is None:  # the time of its scheduled activity, when the schedule holds one
        planned = {
            g.starts
            for g in scheduled(session=session, team=t, day=data.held_on)
            if g.kind == data.kind
        }
        held_at = planned.pop() if len(planned) == 1 else None
    h = m.Huddle(
        team_id=t.id,
        kind=data.kind,
        held_on=data.held_on,
        held_at=held_at,
        led_by=by,
        notes=data.notes,
    )
    session.add(h)
    session.flush()
    for p in attendees:
        session.add(m.HuddleAttendance(huddle_id=h.id, person_id=p.id))
    for a, owner in zip(data.actions, owners, strict=True):
        session.add(m.HuddleAction(huddle_id=h.id, text=a.text, owner_id=owner.id, due_on=a.due_on))
    session.flush()
    return get(session=session, huddle_id=h.id, today=today, scope=scope)


def get(
    *,
    session: Session,
    huddle_id: int,
    today: date,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.HuddleOut:
    """A recorded huddle with its attendance and actions."""
    h = session.get(m.Huddle, huddle_id)
    if h is None:
        raise NotFound(f"no huddle {huddle_id}", [Problem("not found", field="id")])
    t = session.get_one(Team, h.team_id)
    if not session.scalars(select(Team.id).where(Team.id == t.id, scope.teams_clause())).first():
        raise Forbidden("this huddle is of a team outside your scope", [Problem("scope")])
    attendees = session.scalars(
        select(Person.login)
        .join(m.HuddleAttendance, m.HuddleAttendance.person_id == Person.id)
        .where(m.HuddleAttendance.huddle_id == h.id)
        .order_by(Person.login)
    ).all()
    actions = session.scalars(
        select(m.HuddleAction).where(m.HuddleAction.huddle_id == h.id).order_by(m.HuddleAction.id)
    )
    return s.HuddleOut(
        id=h.id,
        team=t.name,
        kind=h.kind,
        held_on=h.held_on,
        held_at=h.held_at,
        led_by=h.led_by,
        notes=h.notes,
        attendees=list(attendees),
        actions=[_action_out(session, a, today) for a in actions],
    )


def list_huddles(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    today: date,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[s.HuddleOut]:
    """A team's huddles between two days, newest first."""
    t = _team(session, team, scope)
    ids = session.scalars(
        select(m.Huddle.id)
        .where(m.Huddle.team_id == t.id, m.Huddle.held_on >= first, m.Huddle.held_on <= last)
        .order_by(m.Huddle.held_on.desc(), m.Huddle.id.desc())
    )
    return [get(session=session, huddle_id=i, today=today, scope=scope) for i in ids]


def my_actions(*, session: Session, person_id: int, today: date) -> list[s.ActionOut]:
    """The open actions a person owns (shown on their home page until done)."""
    rows = session.scalars(
        select(m.HuddleAction)
        .where(m.HuddleAction.owner_id == person_id, m.HuddleAction.done_on.is_(None))
        .order_by(m.HuddleAction.due_on, m.HuddleAction.id)
    )
    return [_action_out(session, a, today) for a in rows]


def complete(
    *,
    session: Session,
    action_id: int,
    by_person_id: int | None,
    by: str,
    today: date,
    scope: org_service.Scope | None = None,
) -> s.ActionOut:
    """Mark an action done: its owner, or someone whose ``scope`` reaches the huddle's team
    (``scope`` None: the owner only)."""
    a = session.get(m.HuddleAction, action_id)
    if a is None:
        raise NotFound(f"no action {action_id}", [Problem("not found", field="id")])
    if a.owner_id != by_person_id:
        team_id = session.get_one(m.Huddle, a.huddle_id).team_id
        reaches = (
            scope is not None
            and session.scalars(
                select(Team.id).where(Team.id == team_id, scope.teams_clause())
            ).first()
        )
        if not reaches:
            raise Forbidden(
                "only the action's owner or their team's leaders mark it done",
                [Problem("not owner")],
            )
    if a.done_on is not None:
        raise Conflict("this action is already done", [Problem("done", field="id")])
    a.done_on = today
    a.done_by = by
    session.flush()
    return _action_out(session, a, today)


def team_today(
    *,
    session: Session,
    team: str,
    now: datetime,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> date:
    """Today at ``team``'s site: a Shanghai team's day begins at 16:00 UTC, not at midnight UTC."""
    t = _team(session, team, scope)
    return _utc(now).astimezone(ZoneInfo(t.site.timezone)).date()


def _floor_hours(shifts: list[tuple[datetime, datetime]], day: date, zone: ZoneInfo) -> int:
    """Local clock hours of ``day`` whose middle falls in someone's shift: the hours a team is on
    the floor, one floor check each (08:00-16:30 gives 8; DST days count their real hours)."""
    lo = datetime.combine(day, time(0), zone).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    hours = 0
    at = lo
    while at < hi:
        middle = at + timedelta(minutes=30)
        if any(a <= middle < b for a, b in shifts):
            hours += 1
        at += timedelta(hours=1)
    return hours


def _published_shifts(
    session: Session, team: Team, first: date, last: date, zone: ZoneInfo
) -> tuple[set[date], dict[date, list[tuple[datetime, datetime]]]]:
    """The week starts the site has a published schedule for, and the team members' published
    shifts by local start day, over ``first``..``last``."""
    weeks = set(
        session.scalars(
            select(Schedule.week_start).where(
                Schedule.site_id == team.site_id,
                Schedule.status == "published",
                Schedule.week_start <= last,
                Schedule.week_start > first - timedelta(days=7),
            )
        )
    )
    lo = datetime.combine(first - timedelta(days=1), time(0), zone).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), zone).astimezone(UTC)
    by_day: dict[date, list[tuple[datetime, datetime]]] = {}
    for start, end in session.execute(
        select(ScheduledShift.start_at, ScheduledShift.end_at)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .join(Person, Person.id == ScheduledShift.person_id)
        .where(
            Schedule.status == "published",
            Person.team_id == team.id,
            ScheduledShift.start_at < hi,
            ScheduledShift.end_at > lo,
        )
    ):
        a, b = _utc(start), _utc(end)
        for d in {a.astimezone(zone).date(), (b - timedelta(seconds=1)).astimezone(zone).date()}:
            by_day.setdefault(d, []).append((a, b))
    return weeks, by_day


def _take(expected: list[str], held: list[str]) -> tuple[list[str], list[str]]:
    """What of ``expected`` was held (each held event meets one expected of its kind), and what
    was missed."""
    missed = list(expected)
    got = []
    for k in held:
        if k in missed:
            missed.remove(k)
            got.append(k)
    return got, missed


def rhythm(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[s.RhythmDay]:
    """Per day: the floor checks, huddles and meetings expected and held, and what was missed.

    Where the site has a published schedule for the week, the schedule says what is expected: a
    floor check for each hour the team's members are on shift, the huddles and meetings it holds
    for the team (a working day with none scheduled still expects its daily huddle), and a week
    with no meeting scheduled expects one on its last working day. Without a published schedule
    the rule is Monday to Friday: eight floor checks and a huddle each day, the meeting on Friday.
    A meeting held on any day of its week counts for the week's expected meeting.
    """
    t = _team(session, team, scope)
    zone = ZoneInfo(t.site.timezone)
    held: dict[date, list[str]] = {}
    for h in session.scalars(
        select(m.Huddle).where(
            m.Huddle.team_id == t.id,
            m.Huddle.held_on >= monday_of(first),
            m.Huddle.held_on <= monday_of(last) + timedelta(days=6),
        )
    ):
        held.setdefault(h.held_on, []).append(h.kind)
    weeks, shifts = _published_shifts(session, t, monday_of(first), last, zone)

    def plan(day: date) -> tuple[str, list[str]]:
        """The basis and the expected events of ``day``, meetings excluded."""
        if monday_of(day) not in weeks:
            if day.weekday() >= 5:
                return "rule", []
            return "rule", ["floor_check"] * FLOOR_CHECKS_PER_DAY + ["huddle"]
        hours = _floor_hours(shifts.get(day, []), day, zone)
        gatherings = scheduled(session=session, team=t, day=day)
        huddles_due = [g.kind for g in gatherings if g.kind == "huddle"]
        if hours and not huddles_due:
            huddles_due = ["huddle"]
        return "schedule", ["floor_check"] * hours + huddles_due

    def meetings(monday: date) -> dict[date, int]:
        """Which days of the week starting ``monday`` expect a meeting (and how many)."""
        days = [monday + timedelta(days=i) for i in range(7)]
        if monday not in weeks:
            return {monday + timedelta(days=4): 1}
        found: dict[date, int] = {}
        for d in days:
            n = sum(g.kind == "meeting" for g in scheduled(session=session, team=t, day=d))
            if n:
                found[d] = n
        if found:
            return found
        working = [d for d in days if _floor_hours(shifts.get(d, []), d, zone)]
        return {working[-1]: 1} if working else {}

    week_meetings: dict[date, dict[date, int]] = {}
    out = []
    day = first
    while day <= last:
        basis, expected = plan(day)
        monday = monday_of(day)
        if monday not in week_meetings:
            week_meetings[monday] = meetings(monday)
        due = week_meetings[monday].get(day, 0)
        if expected or due:
            got, missed = _take(expected, sorted(k for k in held.get(day, []) if k != "meeting"))
            if due:
                earlier = sum(n for d, n in week_meetings[monday].items() if d < day)
                in_week = sum(
                    k == "meeting"
                    for i in range(7)
                    for k in held.get(monday + timedelta(days=i), [])
                )
                met = max(0, min(due, in_week - earlier))
                expected = expected + ["meeting"] * due
                got = got + ["meeting"] * met
                missed = missed + ["meeting"] * (due - met)
            out.append(
                s.RhythmDay(day=day, expected=expected, held=got, missed=missed, basis=basis)
            )
        day += timedelta(days=1)
    return out
