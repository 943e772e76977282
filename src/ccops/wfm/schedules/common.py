"""What the schedule use cases share: the week on the site's local clock, constants, scope
checks, a schedule's summary and totals, and new versions.

Time: the week is the ISO week in the site's local time. The engine works on the local
wall-clock grid of 7 x 96 quarter hours; shifts and coverage are stored in UTC. In a
daylight-saving week the stored coverage has 668 or 676 UTC intervals: a spring-forward hour
does not occur, and both occurrences of a fall-back hour get the values of their local
quarter hour (the requirement there is the larger of the two occurrences).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.engines import scheduling as sch
from ccops.enums import Role, ScopeKind
from ccops.errors import Forbidden, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Site, User
from ccops.wfm.schedules import schemas
from ccops.wfm.schedules.models import (
    CoverageInterval,
    Schedule,
    ScheduledActivity,
    ScheduledShift,
    ShiftTemplate,
    WorkContract,
)

STEP_MIN = 15
WEEK_MIN = 7 * 1440
N_INT = WEEK_MIN // STEP_MIN
WORK = "work"
FIXED_KINDS = (
    "meeting",
    "training",
    "coaching",
    "huddle",
    "floor_support",
    "planning",
    "reports",
)
"""Kinds of fixed activities (a team leader's floor support, planning and reports included)."""
BREAK_KINDS = ("break", "lunch")
"""Segments a template places (paid ``break``, unpaid ``lunch``): the ones that can be moved."""
Progress = Callable[[float, str], None]


def no_progress(_share: float, _message: str) -> None:
    return None


def invalid(message: str, field: str | None = None, rules: Sequence[str] = ()) -> Invalid:
    problems = [Problem(message, field=field)] + [Problem(r, field=field) for r in rules]
    return Invalid(message, problems)


def check_week(label: str) -> None:
    """Refuse a week label that is not an ISO week (``2026-W05``), naming the ``week`` field."""
    try:
        schemas.parse_week(label)
    except ValueError as exc:
        raise Invalid(str(exc), [Problem(str(exc), field="week")]) from None


class Week:
    """An ISO week of a site: local wall-clock minutes from Monday 00:00 <-> UTC instants."""

    def __init__(self, site: Site, label: str) -> None:
        try:
            self.monday = schemas.parse_week(label)
        except ValueError as exc:
            raise invalid(str(exc), "week") from None
        self.label = label
        self.zone = ZoneInfo(site.timezone)
        self.start_local = datetime.combine(self.monday, dtime(0))
        self.start_utc = self.utc(0)
        self.end_utc = self.utc(WEEK_MIN)

    def utc(self, minute: float) -> datetime:
        """The UTC instant of local minute ``minute`` (fold 0 in a repeated hour)."""
        naive = self.start_local + timedelta(minutes=float(minute))
        return naive.replace(tzinfo=self.zone).astimezone(UTC)

    def local_min(self, at: datetime) -> int:
        """Local wall-clock minutes of ``at`` from Monday 00:00."""
        naive = at.astimezone(self.zone).replace(tzinfo=None)
        return int((naive - self.start_local).total_seconds() // 60)

    def local(self, at: datetime) -> datetime:
        """``at`` on the site's clock, naive."""
        return at.astimezone(self.zone).replace(tzinfo=None)

    def utc_intervals(self) -> list[tuple[datetime, int]]:
        """Every real 15-minute UTC interval of the week with its local quarter-hour index."""
        out: list[tuple[datetime, int]] = []
        at = self.start_utc
        while at < self.end_utc:
            idx = self.local_min(at) // STEP_MIN
            if 0 <= idx < N_INT:
                out.append((at, idx))
            at += timedelta(minutes=STEP_MIN)
        return out


def site_in_scope(session: Session, name: str, scope: org_service.Scope) -> Site:
    site = org_service.get_site(session=session, name=name)
    if not scope.allows_site(site.id):
        raise Forbidden(f"site {name!r} is outside your scope", [Problem("scope", field="site")])
    return site


def engine_template(t: ShiftTemplate) -> sch.ShiftTemplate:
    starts = {int(k): tuple(v) for k, v in json.loads(t.starts_json).items()}
    breaks = [schemas.BreakIn(**b) for b in json.loads(t.breaks_json)]

    def rule(b: schemas.BreakIn) -> sch.BreakRule:
        return sch.BreakRule(
            b.length_min, b.earliest_after_start_min, b.latest_after_start_min, b.min_gap_min
        )

    return sch.ShiftTemplate(
        t.name,
        starts,
        t.length_min,
        paid_breaks=[rule(b) for b in breaks if b.paid],
        unpaid_breaks=[rule(b) for b in breaks if not b.paid],
        cost_per_hour=t.cost_per_hour,
        is_night=t.is_night,
        is_late=t.is_late,
    )


def engine_contract(c: WorkContract) -> sch.Contract:
    names = None if c.templates_json is None else tuple(json.loads(c.templates_json))
    return sch.Contract(
        c.name,
        weekly_min_h=c.weekly_min_h,
        weekly_max_h=c.weekly_max_h,
        days_min=c.days_min,
        days_max=c.days_max,
        max_consecutive_days=c.max_consecutive_days,
        min_rest_h=c.min_rest_h,
        max_nights=c.max_nights,
        max_weekend_days=c.max_weekend_days,
        templates=names,
    )


def person_in_scope(session: Session, login: str, scope: org_service.Scope) -> Person:
    person = org_service.get_person(session=session, login=login)
    allowed = session.scalars(
        select(Person.id).where(Person.id == person.id, scope.people_clause())
    ).first()
    if allowed is None:
        raise Forbidden(
            f"person {login!r} is outside your scope", [Problem("scope", field="login")]
        )
    return person


def planner_users(session: Session, site_id: int) -> list[int]:
    users = session.scalars(
        select(User).where(User.role.in_([Role.planner, Role.manager, Role.admin]))
    ).all()
    out = []
    for u in users:
        scope = org_service.scope_of(session=session, user=u)
        if scope.allows_site(site_id) and u.scope in (ScopeKind.all, ScopeKind.sites):
            out.append(u.id)
    return out


def users_of(session: Session, person_ids: Iterable[int]) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.person_id.in_(sorted(set(person_ids)))).order_by(User.id)
        )
    )


def clip(week: Week, start: datetime, end: datetime) -> tuple[int, int] | None:
    lo = max(week.local_min(start), 0)
    hi = min(week.local_min(end), WEEK_MIN)
    return (lo, hi) if hi > lo else None


def _next_version(session: Session, site_id: int, week: str) -> int:
    top = session.scalar(
        select(func.max(Schedule.version)).where(Schedule.site_id == site_id, Schedule.week == week)
    )
    return int(top or 0) + 1


def new_record(
    *, session: Session, site: Site, week: str, created_by: str, status: str = "draft"
) -> Schedule:
    """A new schedule version of the site's week, flushed."""
    record = Schedule(
        site_id=site.id,
        week=week,
        week_start=schemas.parse_week(week),
        version=_next_version(session, site.id, week),
        status=status,
        progress="",
        created_by=created_by,
        notes="",
    )
    session.add(record)
    session.flush()
    return record


def totals(session: Session, record: Schedule) -> None:
    """Paid hours and cost from the stored shifts; under/over coverage from the stored rows."""
    paid, cost = session.execute(
        select(
            func.coalesce(func.sum(ScheduledShift.paid_h), 0.0),
            func.coalesce(func.sum(ScheduledShift.cost), 0.0),
        ).where(ScheduledShift.schedule_id == record.id)
    ).one()
    cov = session.execute(
        select(CoverageInterval.required, CoverageInterval.scheduled).where(
            CoverageInterval.schedule_id == record.id
        )
    ).all()
    req = np.array([c[0] for c in cov])
    got = np.array([c[1] for c in cov])
    record.paid_hours = round(float(paid), 4)
    record.cost = round(float(cost), 4)
    record.under_coverage_h = round(float(np.maximum(req - got, 0).sum() * STEP_MIN / 60), 4)
    record.over_coverage_h = round(float(np.maximum(got - req, 0).sum() * STEP_MIN / 60), 4)


def schedule_in_scope(session: Session, schedule_id: int, scope: org_service.Scope) -> Schedule:
    record = session.get(Schedule, schedule_id)
    if record is None or not scope.allows_site(record.site_id):
        raise NotFound(
            f"schedule {schedule_id} does not exist",
            [Problem("unknown schedule", field="schedule_id")],
        )
    return record


def schedule_by_id(session: Session, schedule_id: int) -> Schedule:
    found = session.get(Schedule, schedule_id)
    assert found is not None
    return found


def summary(session: Session, record: Schedule) -> schemas.ScheduleOut:
    site = session.get(Site, record.site_id)
    assert site is not None
    people, shifts = session.execute(
        select(func.count(func.distinct(ScheduledShift.person_id)), func.count()).where(
            ScheduledShift.schedule_id == record.id
        )
    ).one()
    return schemas.ScheduleOut(
        id=record.id,
        site=site.name,
        week=record.week,
        week_start=record.week_start,
        version=record.version,
        parent_id=record.parent_id,
        status=record.status,
        created_by=record.created_by,
        created_at=record.created_at,
        published_by=record.published_by,
        published_at=record.published_at,
        objective=record.objective,
        bound=record.bound,
        gap=record.gap,
        solve_s=record.solve_s,
        paid_hours=record.paid_hours,
        cost=record.cost,
        under_coverage_h=record.under_coverage_h,
        over_coverage_h=record.over_coverage_h,
        notes=[n for n in record.notes.split("\n") if n],
        people=int(people),
        shifts=int(shifts),
    )


def break_window(
    session: Session, shift: ScheduledShift, act: ScheduledActivity
) -> tuple[datetime, datetime] | None:
    """The window the shift's template allows this break to start in (None: no such rule)."""
    person = session.get(Person, shift.person_id)
    template = session.scalars(
        select(ShiftTemplate).where(
            ShiftTemplate.name == shift.template,
            ShiftTemplate.site_id == (person.site_id if person else -1),
        )
    ).first()
    if template is None:
        return None
    length_s = (act.end_at - act.start_at).total_seconds()
    windows = [
        (
            shift.start_at + timedelta(minutes=b.earliest_after_start_min),
            shift.start_at + timedelta(minutes=b.latest_after_start_min),
        )
        for b in (schemas.BreakIn(**raw) for raw in json.loads(template.breaks_json))
        if b.paid == (act.kind == "break") and abs(b.length_min * 60 - length_s) < 1
    ]
    inside = [w for w in windows if w[0] <= act.start_at <= w[1]]
    if inside:
        return inside[0]
    return windows[0] if windows else None
