"""Demo time-off allowances: a leave policy per demo contract and a few balances that show
each state (time off taken, granted ahead, and a request waiting for the planner)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.models import Person, Site
from ccops.wfm.allowances import schemas, service
from ccops.wfm.allowances.models import LeaveBooking
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules.models import TimeOff

POLICIES = (
    schemas.PolicyIn(contract="full-time 40h", annual_h=200.0, hours_per_day=8.0),
    schemas.PolicyIn(
        contract="part-time 24h", annual_h=120.0, accrual="monthly", hours_per_day=8.0
    ),
)


def _record(
    session: Session, person: Person, first: date, days: int, status: str, note: str
) -> None:
    site = session.get(Site, person.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), time(0), zone).astimezone(UTC)
    request = ScheduleRequest(
        kind="time_off",
        person_id=person.id,
        site_id=person.site_id,
        status=status,
        start_at=start,
        end_at=end,
        reason="annual leave",
        created_by=person.login,
        decision_note="",
        created_at=start - timedelta(days=30),
    )
    if status == "granted":
        request.decided_by, request.decided_at = "planner", start - timedelta(days=28)
        off = TimeOff(
            person_id=person.id,
            start_at=start,
            end_at=end,
            reason="annual leave",
            credit_h_per_day=service.credit_h_per_day(session=session, person_id=person.id),
            status="approved",
            created_by="planner",
        )
        session.add(off)
        session.flush()
        request.time_off_id = off.id
    session.add(request)
    session.flush()
    workdays = sum(1 for k in range(days) if (first + timedelta(days=k)).weekday() < 5)
    session.add(
        LeaveBooking(
            request_id=request.id,
            person_id=person.id,
            year=first.year,
            hours=8.0 * workdays,
            slot_note=note,
        )
    )


def seed_demo(session: Session, *, end: date) -> int:
    """Policies for the demo contracts and requests of three agents; returns the bookings."""
    for policy in POLICIES:
        service.set_policy(session=session, data=policy, updated_by="planner")
    agents = list(
        session.scalars(select(Person).where(Person.role == Role.agent).order_by(Person.id))
    )[:3]
    monday = end - timedelta(days=end.weekday())
    plan = (
        (monday - timedelta(days=28), 2, "granted", ""),
        (monday + timedelta(days=14), 5, "granted", ""),
        (
            monday + timedelta(days=21),
            3,
            "pending",
            "no published schedule for the week of that day: the planner decides",
        ),
    )
    for person, (first, days, status, note) in zip(agents, plan, strict=False):
        _record(session, person, first, days, status, note)
    session.flush()
    return len(agents)
