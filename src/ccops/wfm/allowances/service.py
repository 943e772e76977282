"""Time-off allowances: a leave policy per work contract, each person's balance, the vacation
planner's open slots, and the check a time-off request passes before it is stored.

A request books the hours of the days it covers: on a day of a published schedule week, the
paid hours of the person's shifts that day (0 on a day they were not to work); on any other
day, the policy's ``hours_per_day`` from Monday to Friday and nothing at the weekend. A request
beyond the bookable balance is refused naming the rule and nothing is stored. Open slots come
from the published schedule's coverage: the net agents scheduled against the requirement the
staffing engine computed (``ccops.engines.leave.open_slots``), never a fixed count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.engines import leave as leave_engine
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site, Team
from ccops.wfm.allowances import schemas
from ccops.wfm.allowances.models import LeaveBooking, LeavePolicy
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules.models import (
    CoverageInterval,
    PersonContract,
    Schedule,
    ScheduledShift,
    WorkContract,
)

COUNTING = ("awaiting_colleague", "pending", "granted")
"""Request statuses whose hours count against the balance."""


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _policy_out(policy: LeavePolicy, contract: WorkContract) -> schemas.PolicyOut:
    return schemas.PolicyOut(
        contract=contract.name,
        annual_h=policy.annual_h,
        accrual="monthly" if policy.accrual == "monthly" else "upfront",
        hours_per_day=policy.hours_per_day,
        auto_grant=policy.auto_grant,
        updated_by=policy.updated_by,
    )


def set_policy(*, session: Session, data: schemas.PolicyIn, updated_by: str) -> schemas.PolicyOut:
    """Create or replace the time-off allowance of a work contract."""
    contract = session.scalars(
        select(WorkContract).where(WorkContract.name == data.contract.strip())
    ).first()
    if contract is None:
        raise NotFound(
            f"no work contract {data.contract!r}",
            [Problem("unknown contract", field="contract")],
        )
    policy = session.scalars(
        select(LeavePolicy).where(LeavePolicy.contract_id == contract.id)
    ).first()
    if policy is None:
        policy = LeavePolicy(contract_id=contract.id)
        session.add(policy)
    policy.annual_h = data.annual_h
    policy.accrual = data.accrual
    policy.hours_per_day = data.hours_per_day
    policy.auto_grant = data.auto_grant
    policy.updated_by = updated_by
    policy.updated_at = utcnow()
    session.flush()
    return _policy_out(policy, contract)


def list_policies(*, session: Session) -> list[schemas.PolicyOut]:
    """Every contract's time-off allowance, by contract name."""
    rows = session.execute(
        select(LeavePolicy, WorkContract)
        .join(WorkContract, WorkContract.id == LeavePolicy.contract_id)
        .order_by(WorkContract.name)
    ).all()
    return [_policy_out(p, c) for p, c in rows]


def _policy_of(session: Session, person_id: int) -> tuple[LeavePolicy | None, WorkContract | None]:
    row = session.execute(
        select(WorkContract, LeavePolicy)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .outerjoin(LeavePolicy, LeavePolicy.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person_id)
    ).first()
    if row is None:
        return None, None
    return row[1], row[0]


def credit_h_per_day(*, session: Session, person_id: int) -> float:
    """Paid hours one granted day off counts towards the person's contract (their leave
    policy's hours per day; 0 without a policy), so a week of annual leave does not make the
    contract's weekly minimum impossible to schedule."""
    policy, _contract = _policy_of(session, person_id)
    return float(policy.hours_per_day) if policy is not None else 0.0


def _zone(session: Session, site_id: int) -> ZoneInfo:
    site = session.get(Site, site_id)
    assert site is not None
    return ZoneInfo(site.timezone)


def _published_weeks(session: Session, site_id: int, first: date, last: date) -> set[date]:
    """Mondays of the site's weeks with a published schedule between two days."""
    lo = first - timedelta(days=first.weekday())
    return set(
        session.scalars(
            select(Schedule.week_start).where(
                Schedule.site_id == site_id,
                Schedule.status == "published",
                Schedule.week_start >= lo,
                Schedule.week_start <= last,
            )
        )
    )


def _shift_hours(
    session: Session, person_id: int, lo: datetime, hi: datetime
) -> list[tuple[datetime, float]]:
    return [
        (r[0], float(r[1]))
        for r in session.execute(
            select(ScheduledShift.start_at, ScheduledShift.paid_h)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(
                Schedule.status == "published",
                ScheduledShift.person_id == person_id,
                ScheduledShift.start_at >= lo,
                ScheduledShift.start_at < hi,
            )
        )
    ]


def charge_h(
    *, session: Session, person: Person, policy: LeavePolicy, first: date, last: date
) -> float:
    """Hours that time off from ``first`` to ``last`` (local days, both included) books."""
    zone = _zone(session, person.site_id)
    weeks = _published_weeks(session, person.site_id, first, last)
    shifts = _shift_hours(
        session, person.id, _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
    )
    per_day: dict[date, float] = {}
    for start, hours in shifts:
        day = start.astimezone(zone).date()
        per_day[day] = per_day.get(day, 0.0) + hours
    total = 0.0
    day = first
    while day <= last:
        if day - timedelta(days=day.weekday()) in weeks:
            total += per_day.get(day, 0.0)
        elif day.weekday() < 5:
            total += policy.hours_per_day
        day += timedelta(days=1)
    return round(total, 2)


def _person(session: Session, login: str, scope: org_service.Scope) -> Person:
    person = session.scalars(select(Person).where(Person.login == login.strip())).first()
    if person is None:
        raise NotFound(f"no person {login!r}", [Problem("unknown", field="login")])
    allowed = session.scalars(
        select(Person.id).where(Person.id == person.id, scope.people_clause())
    ).first()
    if allowed is None or not scope.allows_site(person.site_id):
        raise Forbidden(f"person {login!r} is outside your scope", [Problem("scope", "login")])
    return person


def _balance(
    session: Session, person: Person, year: int, today: date, exclude: int | None = None
) -> schemas.BalanceOut:
    policy, contract = _policy_of(session, person.id)
    zone = _zone(session, person.site_id)
    start_today = _midnight(today, zone)
    rows = session.execute(
        select(LeaveBooking.hours, ScheduleRequest.status, ScheduleRequest.start_at)
        .join(ScheduleRequest, ScheduleRequest.id == LeaveBooking.request_id)
        .where(
            LeaveBooking.person_id == person.id,
            LeaveBooking.year == year,
            ScheduleRequest.status.in_(COUNTING),
            ScheduleRequest.id != (exclude or 0),
        )
    ).all()
    taken = planned = pending = 0.0
    for hours, status, start_at in rows:
        if status != "granted":
            planned += hours
            pending += hours
        elif start_at is not None and start_at < start_today:
            taken += hours
        else:
            planned += hours
    allowance = policy.annual_h if policy else 0.0
    accrual: schemas.Accrual | None = None
    accrued = 0.0
    if policy is not None:
        accrual = "monthly" if policy.accrual == "monthly" else "upfront"
        on = today if today.year == year else (date(year, 12, 31) if today.year > year else None)
        accrued = (
            leave_engine.accrued_h(annual_h=allowance, accrual=accrual, on=on)
            if on is not None
            else 0.0
        )
        if accrual == "upfront":
            accrued = allowance
    return schemas.BalanceOut(
        login=person.login,
        name=person.name or person.login,
        year=year,
        contract=contract.name if contract else None,
        accrual=accrual,
        allowance_h=round(allowance, 2),
        accrued_h=round(accrued, 2),
        taken_h=round(taken, 2),
        planned_h=round(planned, 2),
        pending_h=round(pending, 2),
        remaining_h=round(allowance - taken - planned, 2),
        bookable_h=round(accrued - taken - planned, 2),
    )


def balance(
    *,
    session: Session,
    login: str,
    year: int | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.BalanceOut:
    """A person's time-off balance for a calendar year (this year by default)."""
    person = _person(session, login, scope)
    today = (now or utcnow()).astimezone(_zone(session, person.site_id)).date()
    if year is not None and not 2000 <= year <= 2099:
        raise Invalid(f"year {year} is out of range 2000-2099", [Problem("range", "year")])
    return _balance(session, person, year or today.year, today)


def own_balance(
    *, session: Session, person_id: int | None, now: datetime | None = None
) -> schemas.BalanceOut:
    """The signed-in person's balance this year."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise Invalid(
            "your account is not linked to a person, so you have no balance",
            [Problem("no person", None)],
        )
    today = (now or utcnow()).astimezone(_zone(session, person.site_id)).date()
    return _balance(session, person, today.year, today)


def _skill_queues(session: Session, person_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(Queue.id, Queue.name)
        .join(PersonSkill, PersonSkill.queue_id == Queue.id)
        .where(PersonSkill.person_id.in_(person_ids))
        .distinct()
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}


def _day_slots(
    session: Session,
    site_id: int,
    queue_ids: list[int],
    day: date,
    zone: ZoneInfo,
    exclude: int | None = None,
) -> tuple[int | None, str]:
    """Open slots of a day on some queues, or None with the reason when no plan says."""
    lo, hi = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    schedule_id = session.scalars(
        select(Schedule.id).where(
            Schedule.site_id == site_id,
            Schedule.status == "published",
            Schedule.week_start == day - timedelta(days=day.weekday()),
        )
    ).first()
    if schedule_id is None:
        return None, f"no published schedule for the week of {day}: the planner decides"
    rows = session.execute(
        select(CoverageInterval.scheduled, CoverageInterval.required).where(
            CoverageInterval.schedule_id == schedule_id,
            CoverageInterval.queue_id.in_(queue_ids),
            CoverageInterval.interval_start >= lo,
            CoverageInterval.interval_start < hi,
            CoverageInterval.required > 0,
        )
    ).all()
    if not rows:
        return None, f"no staffing requirement on {day} for these queues: the planner decides"
    waiting = session.scalar(
        select(func.count(ScheduleRequest.id))
        .join(Person, Person.id == ScheduleRequest.person_id)
        .where(
            Person.site_id == site_id,
            ScheduleRequest.kind == "time_off",
            ScheduleRequest.status == "pending",
            ScheduleRequest.start_at < hi,
            ScheduleRequest.end_at > lo,
            ScheduleRequest.id != (exclude or 0),
        )
    )
    slots = leave_engine.open_slots(
        scheduled=[float(r[0]) for r in rows],
        required=[float(r[1]) for r in rows],
        waiting=int(waiting or 0),
    )
    return slots, ""


@dataclass(frozen=True)
class Booking:
    """What a time-off request books, and whether it may be granted without the planner."""

    hours: float
    year: int
    auto: bool
    note: str


def check_request(
    *, session: Session, person: Person, first: date, last: date, now: datetime | None = None
) -> Booking | None:
    """Check a time-off request before it is stored; None when the person's contract has no
    leave policy (the planner decides as before).

    Raises:
        Conflict: the request books more than the bookable balance (rule: time-off allowance).
    """
    policy, _contract = _policy_of(session, person.id)
    if policy is None:
        return None
    zone = _zone(session, person.site_id)
    today = (now or utcnow()).astimezone(zone).date()
    hours = charge_h(session=session, person=person, policy=policy, first=first, last=last)
    bal = _balance(session, person, first.year, today)
    # what may be booked: the hours accrued by the request's last day (the whole year under
    # upfront accrual), less what the year's granted and waiting requests already book
    accrual: schemas.Accrual = "monthly" if policy.accrual == "monthly" else "upfront"
    accrued = leave_engine.accrued_h(annual_h=policy.annual_h, accrual=accrual, on=last)
    if last.year > first.year:
        accrued = policy.annual_h
    bookable = round(accrued - bal.taken_h - bal.planned_h, 2)
    if hours > bookable + 1e-9:
        message = (
            f"time off beyond the balance: {first} to {last} books {hours:g} h and "
            f"{max(bookable, 0.0):g} h of your {first.year} allowance remain "
            "(rule: time-off allowance)"
        )
        raise Conflict(message, [Problem(message, field="end_day")])
    notes: list[str] = []
    queues = list(_skill_queues(session, [person.id]))
    worked = {
        s.astimezone(zone).date()
        for s, _h in _shift_hours(
            session, person.id, _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
        )
    }
    weeks = _published_weeks(session, person.site_id, first, last)
    day = first
    while day <= last:
        planned = day - timedelta(days=day.weekday()) in weeks
        if not planned and day.weekday() < 5:
            notes.append(f"no published schedule for the week of {day}: the planner decides")
            break
        if day in worked:
            slots, why = _day_slots(session, person.site_id, queues, day, zone)
            if slots is None:
                notes.append(why)
                break
            if slots < 1:
                notes.append(
                    f"no open slot on {day}: coverage would fall below the staffing requirement"
                )
                break
        day += timedelta(days=1)
    note = "; ".join(notes)
    if not note and not policy.auto_grant:
        note = "automatic grants are off for this contract: the planner decides"
    return Booking(hours=hours, year=first.year, auto=not note, note=note)


def book(*, session: Session, request_id: int, person_id: int, booking: Booking) -> None:
    """Record the hours a stored time-off request books."""
    session.add(
        LeaveBooking(
            request_id=request_id,
            person_id=person_id,
            year=booking.year,
            hours=booking.hours,
            slot_note=booking.note[:500],
        )
    )
    session.flush()


def planner(
    *,
    session: Session,
    team: str,
    week: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PlannerOut:
    """A team's week: per day the open slots, who is off and whose request waits."""
    record = session.scalars(select(Team).where(Team.name == team.strip())).first()
    if record is None:
        raise NotFound(f"no team {team!r}", [Problem("unknown", field="team")])
    if (
        not scope.allows_site(record.site_id)
        or not session.scalars(
            select(Team.id).where(Team.id == record.id, scope.teams_clause())
        ).first()
    ):
        raise Forbidden(f"team {team!r} is outside your scope", [Problem("scope", "team")])
    schedule_common.check_week(week)
    monday = schedule_schemas.parse_week(week)
    site = session.get(Site, record.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    members = list(
        session.scalars(select(Person).where(Person.team_id == record.id).order_by(Person.login))
    )
    queues = _skill_queues(session, [p.id for p in members])
    lo, hi = _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)
    requests = session.execute(
        select(ScheduleRequest, Person.login)
        .join(Person, Person.id == ScheduleRequest.person_id)
        .where(
            Person.team_id == record.id,
            ScheduleRequest.kind == "time_off",
            ScheduleRequest.status.in_(("pending", "granted")),
            ScheduleRequest.start_at < hi,
            ScheduleRequest.end_at > lo,
        )
        .order_by(Person.login)
    ).all()
    days: list[schemas.PlannerDayOut] = []
    for i in range(7):
        day = monday + timedelta(days=i)
        d_lo, d_hi = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        covering = [
            (r, login)
            for r, login in requests
            if r.start_at is not None
            and r.end_at is not None
            and r.start_at < d_hi
            and r.end_at > d_lo
        ]
        slots, note = (
            _day_slots(session, site.id, list(queues), day, zone) if queues else (None, "")
        )
        if not queues:
            note = "nobody in the team has a skill"
        days.append(
            schemas.PlannerDayOut(
                day=day,
                slots_open=slots or 0,
                off=[login for r, login in covering if r.status == "granted"],
                waiting=[login for r, login in covering if r.status == "pending"],
                note=note,
            )
        )
    return schemas.PlannerOut(
        team=record.name,
        site=site.name,
        week=week,
        queues=sorted(queues.values()),
        days=days,
    )


def booking_note(*, session: Session, request_id: int) -> str | None:
    """Why a time-off request went to the planner (None: it books nothing)."""
    row = session.scalars(
        select(LeaveBooking.slot_note).where(LeaveBooking.request_id == request_id)
    ).first()
    return row
