"""Schedules: build a site's week from the stored staffing requirement with
``engines.scheduling`` (HiGHS shift plan, CP-SAT roster), store it as a versioned record,
publish it, edit it (each edit a new draft version with an audit entry), and read what is
published (coverage per interval, each person's activities, an iCalendar feed).

Time: the week is the ISO week in the site's local time. The engine works on the local
wall-clock grid of 7 x 96 quarter hours; shifts and coverage are stored in UTC. In a
daylight-saving week the stored coverage has 668 or 676 UTC intervals: a spring-forward hour
does not occur, and both occurrences of a fall-back hour get the values of their local
quarter hour (the requirement there is the larger of the two occurrences).

Numbers reported: ``objective``, ``bound`` and ``gap`` are stage 1's (the shift plan against
its LP bound: ``gap = (objective - bound) / |objective|``); paid hours, cost and under- and
over-coverage are those of the roster of named people actually stored (stage 2), computed from
the stored coverage rows (agent-hours, 15-minute intervals).
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.engines import queueing
from ccops.engines import scheduling as sch
from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.metrics import cache as kpi_cache
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site, User
from ccops.wfm.forecasts import schemas as forecast_schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.schedules import schemas
from ccops.wfm.schedules.models import (
    Availability,
    CalendarFeed,
    ChangeRequest,
    CoverageInterval,
    FixedActivity,
    PersonContract,
    Schedule,
    ScheduleAudit,
    ScheduledActivity,
    ScheduledShift,
    ShiftPreference,
    ShiftTemplate,
    TimeOff,
    WorkContract,
)
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas
from ccops.wfm.staffing.models import StaffingRequirement

STEP_MIN = 15
WEEK_MIN = 7 * 1440
N_INT = WEEK_MIN // STEP_MIN
FORECAST_HORIZON_DAYS = 28
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
Progress = Callable[[float, str], None]


def _none(_share: float, _message: str) -> None:
    return None


def _invalid(message: str, field: str | None = None, rules: Sequence[str] = ()) -> Invalid:
    problems = [Problem(message, field=field)] + [Problem(r, field=field) for r in rules]
    return Invalid(message, problems)


# --- the week on the local clock ------------------------------------------------------------


class Week:
    """An ISO week of a site: local wall-clock minutes from Monday 00:00 <-> UTC instants."""

    def __init__(self, site: Site, label: str) -> None:
        try:
            self.monday = schemas.parse_week(label)
        except ValueError as exc:
            raise _invalid(str(exc), "week") from None
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


def _site(session: Session, name: str, scope: org_service.Scope) -> Site:
    site = org_service.get_site(session=session, name=name)
    if not scope.allows_site(site.id):
        raise Forbidden(f"site {name!r} is outside your scope", [Problem("scope", field="site")])
    return site


# --- templates, contracts, time off, activities ---------------------------------------------


def _hhmm(text: str, field: str) -> int:
    h, _, m = text.partition(":")
    value = int(h) * 60 + int(m)
    if not 0 <= value < 1440 or int(m) >= 60:
        raise _invalid(f"{field} {text!r} is not a time of day", field)
    return value


def _template_out(t: ShiftTemplate, site: str) -> schemas.ShiftTemplateOut:
    starts = {int(k): v for k, v in json.loads(t.starts_json).items()}
    return schemas.ShiftTemplateOut(
        id=t.id,
        site=site,
        name=t.name,
        starts={d: [f"{m // 60:02d}:{m % 60:02d}" for m in ms] for d, ms in sorted(starts.items())},
        length_min=t.length_min,
        breaks=[schemas.BreakIn(**b) for b in json.loads(t.breaks_json)],
        cost_per_hour=t.cost_per_hour,
        is_night=t.is_night,
        is_late=t.is_late,
    )


def _engine_template(t: ShiftTemplate) -> sch.ShiftTemplate:
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


def create_template(
    *,
    session: Session,
    data: schemas.ShiftTemplateIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ShiftTemplateOut:
    """Store a shift template of a site (checked by the engine's own rules first)."""
    site = _site(session, data.site, scope)
    first, last = _hhmm(data.first_start, "first_start"), _hhmm(data.last_start, "last_start")
    if first % STEP_MIN or last % STEP_MIN:
        raise _invalid("start times must be on the 15-minute grid", "first_start")
    if last < first:
        raise _invalid(f"last_start {data.last_start} is before first_start", "last_start")
    grid = list(range(first, last + 1, data.step_min))
    record = ShiftTemplate(
        site_id=site.id,
        name=data.name,
        starts_json=json.dumps({str(d): grid for d in sorted(set(data.weekdays))}),
        length_min=data.length_min,
        breaks_json=json.dumps([b.model_dump() for b in data.breaks]),
        cost_per_hour=data.cost_per_hour,
        is_night=data.is_night,
        is_late=data.is_late,
    )
    try:
        _engine_template(record)
    except sch.SchedulingInputError as exc:
        raise _invalid(f"template {data.name!r}: {exc}", "breaks", exc.problems) from None
    exists = session.scalars(
        select(ShiftTemplate).where(
            ShiftTemplate.site_id == site.id, ShiftTemplate.name == data.name
        )
    ).first()
    if exists is not None:
        raise Conflict(
            f"template {data.name!r} already exists at {site.name}",
            [Problem("duplicate", field="name")],
        )
    session.add(record)
    session.flush()
    return _template_out(record, site.name)


def list_templates(
    *, session: Session, site: str, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.ShiftTemplateOut]:
    """List a site's shift templates."""
    found = _site(session, site, scope)
    rows = session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.site_id == found.id).order_by(ShiftTemplate.name)
    )
    return [_template_out(t, found.name) for t in rows]


def _contract_out(c: WorkContract) -> schemas.ContractOut:
    return schemas.ContractOut(
        id=c.id,
        name=c.name,
        weekly_min_h=c.weekly_min_h,
        weekly_max_h=c.weekly_max_h,
        days_min=c.days_min,
        days_max=c.days_max,
        max_consecutive_days=c.max_consecutive_days,
        min_rest_h=c.min_rest_h,
        max_nights=c.max_nights,
        max_weekend_days=c.max_weekend_days,
        templates=None if c.templates_json is None else json.loads(c.templates_json),
    )


def _engine_contract(c: WorkContract) -> sch.Contract:
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


def create_contract(*, session: Session, data: schemas.ContractIn) -> schemas.ContractOut:
    """Store a contract; one that contradicts itself is refused with every contradiction."""
    record = WorkContract(
        name=data.name,
        weekly_min_h=data.weekly_min_h,
        weekly_max_h=data.weekly_max_h,
        days_min=data.days_min,
        days_max=data.days_max,
        max_consecutive_days=data.max_consecutive_days,
        min_rest_h=data.min_rest_h,
        max_nights=data.max_nights,
        max_weekend_days=data.max_weekend_days,
        templates_json=None if data.templates is None else json.dumps(data.templates),
    )
    try:
        _engine_contract(record)
    except sch.SchedulingInputError as exc:
        raise _invalid(
            f"contract {data.name!r} contradicts itself", "contract", exc.problems
        ) from None
    if session.scalars(select(WorkContract).where(WorkContract.name == data.name)).first():
        raise Conflict(
            f"contract {data.name!r} already exists", [Problem("duplicate", field="name")]
        )
    session.add(record)
    session.flush()
    return _contract_out(record)


def list_contracts(*, session: Session) -> list[schemas.ContractOut]:
    """List the contracts."""
    return [
        _contract_out(c) for c in session.scalars(select(WorkContract).order_by(WorkContract.name))
    ]


def _person(session: Session, login: str, scope: org_service.Scope) -> Person:
    person = org_service.get_person(session=session, login=login)
    allowed = session.scalars(
        select(Person.id).where(Person.id == person.id, scope.people_clause())
    ).first()
    if allowed is None:
        raise Forbidden(
            f"person {login!r} is outside your scope", [Problem("scope", field="login")]
        )
    return person


def assign_contract(
    *,
    session: Session,
    login: str,
    contract: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> None:
    """Give a person a contract (replacing the one they had)."""
    person = _person(session, login, scope)
    found = session.scalars(select(WorkContract).where(WorkContract.name == contract)).first()
    if found is None:
        raise NotFound(
            f"contract {contract!r} does not exist", [Problem("unknown", field="contract")]
        )
    link = session.scalars(
        select(PersonContract).where(PersonContract.person_id == person.id)
    ).first()
    if link is None:
        session.add(PersonContract(person_id=person.id, contract_id=found.id))
    else:
        link.contract_id = found.id
    session.flush()


def add_activity(
    *,
    session: Session,
    data: schemas.ActivityIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> int:
    """Store a fixed activity (meeting, training, coaching, huddle) of a person; return its id."""
    person = _person(session, data.login, scope)
    record = FixedActivity(
        person_id=person.id,
        kind=data.kind,
        name=data.name,
        start_at=data.start.astimezone(UTC),
        end_at=data.end.astimezone(UTC),
    )
    session.add(record)
    session.flush()
    return record.id


def _published_shifts(
    session: Session, person_ids: Iterable[int], start: datetime, end: datetime
) -> list[tuple[ScheduledShift, Schedule]]:
    rows = session.execute(
        select(ScheduledShift, Schedule)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledShift.person_id.in_(sorted(set(person_ids))),
            ScheduledShift.start_at < end,
            ScheduledShift.end_at > start,
        )
        .order_by(ScheduledShift.start_at)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _planner_users(session: Session, site_id: int) -> list[int]:
    users = session.scalars(
        select(User).where(User.role.in_([Role.planner, Role.manager, Role.admin]))
    ).all()
    out = []
    for u in users:
        scope = org_service.scope_of(session=session, user=u)
        if scope.allows_site(site_id) and u.scope in (ScopeKind.all, ScopeKind.sites):
            out.append(u.id)
    return out


def _users_of(session: Session, person_ids: Iterable[int]) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.person_id.in_(sorted(set(person_ids)))).order_by(User.id)
        )
    )


def add_time_off(
    *,
    session: Session,
    data: schemas.TimeOffIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.TimeOffOut:
    """Record time off; if it overlaps a published shift it becomes a change request.

    Published cover never changes silently: the time off waits (status ``pending``) until the
    planner grants it as an edit (a new version) and publishes that version.
    """
    person = _person(session, data.login, scope)
    start, end = data.start.astimezone(UTC), data.end.astimezone(UTC)
    record = TimeOff(
        person_id=person.id,
        start_at=start,
        end_at=end,
        reason=data.reason,
        credit_h_per_day=data.credit_h_per_day,
        status="approved",
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    clashes = _published_shifts(session, [person.id], start, end)
    out = schemas.TimeOffOut(
        id=record.id,
        person_id=person.id,
        login=person.login,
        start=start,
        end=end,
        reason=data.reason,
        status="approved",
    )
    if not clashes:
        return out
    record.status = "pending"
    shift, schedule = clashes[0]
    when = ", ".join(
        f"{s.start_at:%Y-%m-%d %H:%M}-{s.end_at:%H:%M} UTC (schedule {sc.id} v{sc.version})"
        for s, sc in clashes
    )
    message = (
        f"time off of {person.login} ({data.reason}) overlaps published shifts: {when}; it "
        "waits for the planner to grant it in a new schedule version"
    )
    request = ChangeRequest(
        schedule_id=schedule.id,
        person_id=person.id,
        time_off_id=record.id,
        message=message,
        status="open",
        created_by=created_by,
    )
    session.add(request)
    session.flush()
    notify_service.notify(
        session=session,
        user_ids=_planner_users(session, schedule.site_id),
        kind="schedule_change_request",
        subject=f"Change request: time off of {person.login}",
        body=message,
        link=f"/schedules/{schedule.id}",
    )
    out.status = "pending"
    out.change_request_id = request.id
    out.message = message
    return out


# --- requirement for the week ---------------------------------------------------------------


def _covering_requirement(
    session: Session, queue: Queue, week: Week
) -> tuple[StaffingRequirement, Forecast] | None:
    sunday = week.monday + timedelta(days=6)
    row = session.execute(
        select(StaffingRequirement, Forecast)
        .join(Forecast, Forecast.id == StaffingRequirement.forecast_id)
        .where(
            Forecast.queue_id == queue.id,
            Forecast.first_day <= week.monday,
            Forecast.last_day >= sunday,
        )
        .order_by(StaffingRequirement.created_at.desc(), StaffingRequirement.id.desc())
    ).first()
    return None if row is None else (row[0], row[1])


def ensure_requirements(
    *,
    session: Session,
    site: Site,
    week: Week,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    progress: Progress = _none,
) -> tuple[list[tuple[Queue, StaffingRequirement, Forecast]], list[str]]:
    """The latest requirement covering the week per queue of the site; build the missing ones.

    A queue without one gets a forecast with its chosen method (backtested) and a requirement
    without shrinkage (the schedule places breaks and activities itself); the notes say so.
    """
    queues = list(session.scalars(select(Queue).where(Queue.site_id == site.id).order_by(Queue.id)))
    if not queues:
        raise _invalid(f"site {site.name!r} has no queues to schedule", "site")
    out: list[tuple[Queue, StaffingRequirement, Forecast]] = []
    notes: list[str] = []
    for k, queue in enumerate(queues):
        found = _covering_requirement(session, queue, week)
        if found is None:
            progress(0.05 + 0.25 * k / len(queues), f"forecasting {queue.name}")
            forecast = forecast_service.build_forecast(
                session=session,
                data=forecast_schemas.ForecastBuildIn(
                    queue=queue.name, horizon_days=FORECAST_HORIZON_DAYS
                ),
                created_by=created_by,
                scope=scope,
            )
            req = requirement_service.build_requirement(
                session=session,
                forecast_id=forecast.id,
                data=staffing_schemas.RequirementIn(),
                created_by=created_by,
                scope=scope,
            )
            found = _covering_requirement(session, queue, week)
            if found is None:
                raise _invalid(
                    f"queue {queue.name!r}: no staffing requirement covers {week.label}, and the "
                    f"forecast built now covers {forecast.first_day} to {forecast.last_day} only",
                    "week",
                )
            notes.append(
                f"{queue.name}: no requirement covered {week.label}; built forecast "
                f"{forecast.id} ({forecast.method}, the queue's chosen method) and requirement "
                f"{req.id}"
            )
        else:
            notes.append(
                f"{queue.name}: requirement {found[0].id} of forecast {found[1].id} "
                f"({found[1].method})"
            )
        out.append((queue, found[0], found[1]))
    return out, notes


def _requirement_arrays(
    week: Week, reqs: Sequence[tuple[Queue, StaffingRequirement, Forecast]]
) -> sch.Requirement:
    n_q = len(reqs)
    agents = np.zeros((n_q, N_INT))
    rate = np.zeros((n_q, N_INT))
    aht = np.zeros((n_q, N_INT))
    target = np.zeros(n_q)
    patience = np.full(n_q, np.inf)
    base = forecast_service._local_min(week.start_local)  # noqa: SLF001 - same domain
    for qi, (_queue, req, fc) in enumerate(reqs):
        target[qi] = req.target_s
        if req.patience_s:
            patience[qi] = req.patience_s
        width = max(fc.interval_min // STEP_MIN, 1)
        for iv in req.intervals:
            first = (iv.interval_local_min - base) // STEP_MIN
            for idx in range(first, first + width):
                if 0 <= idx < N_INT and iv.required_agents >= agents[qi, idx]:
                    agents[qi, idx] = iv.required_agents
                    rate[qi, idx] = iv.volume / (fc.interval_min * 60.0)
                    aht[qi, idx] = iv.aht_s
        good = aht[qi] > 0
        fill = float(np.average(aht[qi][good], weights=rate[qi][good] + 1e-9)) if good.any() else 1
        aht[qi][~good] = fill
    try:
        return sch.Requirement(
            queues=[q.name for q, _, _ in reqs],
            agents=agents,
            interval_min=STEP_MIN,
            week_start=week.monday,
            rate_per_s=rate,
            aht_s=aht,
            target_s=target,
            patience_s=patience,
        )
    except sch.SchedulingInputError as exc:
        raise _invalid(f"requirement of {week.label}: {exc}", "requirement") from None


# --- people -----------------------------------------------------------------------------------


def _clip(week: Week, start: datetime, end: datetime) -> tuple[int, int] | None:
    lo = max(week.local_min(start), 0)
    hi = min(week.local_min(end), WEEK_MIN)
    return (lo, hi) if hi > lo else None


def _people(
    session: Session, site: Site, week: Week, queue_names: Sequence[str]
) -> tuple[list[sch.Person], dict[str, Person], list[str]]:
    sunday = week.monday + timedelta(days=6)
    rows = session.execute(
        select(Person, WorkContract)
        .join(PersonContract, PersonContract.person_id == Person.id)
        .join(WorkContract, WorkContract.id == PersonContract.contract_id)
        .where(
            Person.site_id == site.id,
            or_(Person.termination_date.is_(None), Person.termination_date >= week.monday),
            or_(Person.hire_date.is_(None), Person.hire_date <= sunday),
        )
        .order_by(Person.id)
    ).all()
    notes: list[str] = []
    unscheduled = session.scalar(
        select(func.count())
        .select_from(Person)
        .where(
            Person.site_id == site.id,
            Person.termination_date.is_(None),
            ~Person.id.in_(select(PersonContract.person_id)),
        )
    )
    if unscheduled:
        notes.append(f"{unscheduled} people of {site.name} have no contract and are not scheduled")
    ids = [p.id for p, _ in rows]
    off_rows = session.scalars(
        select(TimeOff).where(
            TimeOff.person_id.in_(ids),
            TimeOff.status == "approved",
            TimeOff.start_at < week.end_utc,
            TimeOff.end_at > week.start_utc,
        )
    ).all()
    acts = session.scalars(
        select(FixedActivity).where(
            FixedActivity.person_id.in_(ids),
            FixedActivity.start_at < week.end_utc,
            FixedActivity.end_at > week.start_utc,
        )
    ).all()
    avail = session.scalars(select(Availability).where(Availability.person_id.in_(ids))).all()
    prefs = session.scalars(select(ShiftPreference).where(ShiftPreference.person_id.in_(ids))).all()
    last_end = dict(
        session.execute(
            select(ScheduledShift.person_id, func.max(ScheduledShift.end_at))
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(
                Schedule.status == "published",
                ScheduledShift.person_id.in_(ids),
                ScheduledShift.end_at <= week.start_utc,
                ScheduledShift.end_at > week.start_utc - timedelta(days=2),
            )
            .group_by(ScheduledShift.person_id)
        ).all()
    )
    offs: dict[int, list[TimeOff]] = defaultdict(list)
    acts_of: dict[int, list[FixedActivity]] = defaultdict(list)
    avail_of: dict[int, list[Availability]] = defaultdict(list)
    prefs_of: dict[int, list[ShiftPreference]] = defaultdict(list)
    for o in off_rows:
        offs[o.person_id].append(o)
    for fa in acts:
        acts_of[fa.person_id].append(fa)
    for v in avail:
        avail_of[v.person_id].append(v)
    for f in prefs:
        prefs_of[f.person_id].append(f)
    contracts: dict[int, sch.Contract] = {}
    people: list[sch.Person] = []
    records: dict[str, Person] = {}
    problems: list[str] = []
    for person, contract in rows:
        if contract.id not in contracts:
            try:
                contracts[contract.id] = _engine_contract(contract)
            except sch.SchedulingInputError as exc:
                problems.extend(exc.problems)
                continue
        levels = {
            s.queue.name: s.level
            for s in person.skills
            if s.queue.name in queue_names and s.queue.site_id == site.id
        }
        best = max(levels.values(), default=0)
        skills = {q: 1 if lvl == best else 2 for q, lvl in levels.items()}
        time_off: list[sch.TimeOff] = []
        for o in offs.get(person.id, []):
            span = _clip(week, o.start_at, o.end_at)
            if span:
                days = math.ceil((span[1] - span[0]) / 1440)
                time_off.append(
                    sch.TimeOff(
                        span[0],
                        span[1],
                        credit_h=o.credit_h_per_day * days,
                        credit_days=days if o.credit_h_per_day > 0 else 0,
                        reason=o.reason,
                    )
                )
        activities: list[sch.Activity] = []
        for a in acts_of.get(person.id, []):
            span = _clip(week, a.start_at, a.end_at)
            if span:
                activities.append(sch.Activity(a.name, span[0], span[1], a.kind))
        spans: list[sch.Span] | None = None
        if avail_of.get(person.id):
            spans = []
            for v in avail_of[person.id]:
                spans.append(sch.Span(v.weekday * 1440 + v.start_min, v.weekday * 1440 + v.end_min))
        preferences: list[sch.Preference] = []
        for f in prefs_of.get(person.id, []):
            if f.start_min is not None and f.end_min is not None:
                days_of = range(7) if f.weekday is None else [f.weekday]
                for d in days_of:
                    preferences.append(
                        sch.Preference(
                            f.weight, d * 1440 + f.start_min, d * 1440 + f.end_min, f.template
                        )
                    )
            elif f.weekday is not None:
                preferences.append(
                    sch.Preference(f.weight, f.weekday * 1440, (f.weekday + 1) * 1440, f.template)
                )
            else:
                preferences.append(sch.Preference(f.weight, template=f.template))
        ended = last_end.get(person.id)
        try:
            people.append(
                sch.Person(
                    id=str(person.id),
                    contract=contracts[contract.id],
                    skills=skills,
                    time_off=time_off,
                    availability=spans,
                    preferences=preferences,
                    fixed_activities=activities,
                    last_shift_end_min=None
                    if ended is None
                    else min(int((ended - week.start_utc).total_seconds() // 60), 0),
                )
            )
        except sch.SchedulingInputError as exc:
            problems.extend(f"{person.login}: {p}" for p in exc.problems)
        records[str(person.id)] = person
    if problems:
        raise _invalid(f"the people of {site.name} cannot be scheduled", "people", problems)
    if not people:
        raise _invalid(
            f"no one at {site.name} has a contract: give people contracts before building",
            "people",
        )
    return people, records, notes


def _rename(text: str, records: dict[str, Person]) -> str:
    """Engine messages name people by id; show their logins."""
    for pid, person in records.items():
        text = text.replace(f"person {pid!r}", f"person {person.login!r}")
    return text


# --- build ------------------------------------------------------------------------------------


def _segments(
    shift: sch.AssignedShift, queue_ids: dict[str, int]
) -> list[tuple[str, int | None, int, int]]:
    """(kind, queue_id, start_min, end_min) partitioning the shift: work, breaks, activities."""
    events: list[tuple[int, int, str]] = [
        (b.start_min, b.end_min, "break" if b.paid else "lunch") for b in shift.breaks
    ]
    events += [(a.start_min, a.end_min, a.kind) for a in shift.activities]
    events.sort()
    queue = queue_ids[shift.queues[0]] if len(shift.queues) == 1 else None
    out: list[tuple[str, int | None, int, int]] = []
    at = shift.start_min
    for lo, hi, kind in events:
        lo, hi = max(lo, at), min(hi, shift.end_min)
        if lo > at:
            out.append((WORK, queue, at, lo))
        if hi > lo:
            out.append((kind, None, lo, hi))
            at = hi
    if at < shift.end_min:
        out.append((WORK, queue, at, shift.end_min))
    return out


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


def check_build(
    *, session: Session, data: schemas.BuildIn, scope: org_service.Scope = org_service.EVERYTHING
) -> None:
    """Refuse a build of a site outside ``scope`` or of a week the site's calendar lacks."""
    Week(_site(session, data.site, scope), data.week)


def _solve_options(
    options: schemas.SolveOptionsIn,
) -> tuple[sch.PlanOptions, sch.RosterOptions]:
    return (
        sch.PlanOptions(
            time_limit_s=options.plan_time_limit_s,
            mip_rel_gap=options.mip_rel_gap,
            threads=options.threads,
            seed=options.seed,
        ),
        sch.RosterOptions(
            time_limit_s=options.roster_time_limit_s,
            workers=options.workers,
            seed=options.seed,
            explain_time_limit_s=min(10.0, options.roster_time_limit_s),
        ),
    )


@dataclass
class Solved:
    """What a build computed, before anything is stored."""

    site_id: int
    week: Week
    plan: sch.ShiftPlan
    roster: sch.Roster
    requirement: sch.Requirement
    queue_ids: dict[str, int]
    person_ids: dict[str, int]
    notes: list[str]
    seconds: float


def solve(
    *,
    session: Session,
    site: str,
    week: str,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    options: schemas.SolveOptionsIn | None = None,
    progress: Progress = _none,
) -> Solved:
    """Read the week's inputs and run both stages; store nothing but missing requirements.

    Raises Invalid naming the problem (no shift templates, no contracts, a contract that
    contradicts itself, a person with no skill for any queue) or, when no schedule satisfies
    the rules, Conflict listing the rules that conflict.
    """
    found = _site(session, site, scope)
    the_week = Week(found, week)
    opts = options or schemas.SolveOptionsIn()
    started = time.perf_counter()
    progress(0.02, "reading the requirement")
    reqs, notes = ensure_requirements(
        session=session,
        site=found,
        week=the_week,
        created_by=created_by,
        scope=scope,
        progress=progress,
    )
    requirement = _requirement_arrays(the_week, reqs)
    templates = list(
        session.scalars(
            select(ShiftTemplate)
            .where(ShiftTemplate.site_id == found.id)
            .order_by(ShiftTemplate.name)
        )
    )
    if not templates:
        raise _invalid(f"site {found.name!r} has no shift templates", "templates")
    people, records, people_notes = _people(session, found, the_week, [q.name for q, _, _ in reqs])
    notes += people_notes
    wage = max(t.cost_per_hour for t in templates) or 1.0
    try:
        problem = sch.SchedulingProblem(
            requirement=requirement,
            templates=[_engine_template(t) for t in templates],
            people=people,
            plan_weights=sch.PlanWeights(under_cost_per_h=6.0 * wage, over_cost_per_h=0.05 * wage),
        )
    except sch.SchedulingInputError as exc:
        rules = [_rename(p, records) for p in exc.problems]
        raise _invalid(f"the week of {found.name} cannot be scheduled", "people", rules) from None
    plan_opts, roster_opts = _solve_options(opts)
    progress(0.35, f"planning shifts and breaks for {len(people)} people (HiGHS)")
    try:
        plan = sch.plan_shifts(problem, plan_opts)
        progress(0.65, "giving shifts to people (CP-SAT)")
        roster = sch.assign_shifts(problem, plan, roster_opts)
    except sch.ScheduleInfeasibleError as exc:
        rules = [_rename(r, records) for r in exc.rules]
        headline = _rename(exc.headline, records)
        raise Conflict(
            f"no schedule of {found.name} {week} satisfies the rules: {headline}",
            [Problem(r, field="rules") for r in rules],
        ) from None
    except sch.SchedulingInputError as exc:
        rules = [_rename(p, records) for p in exc.problems]
        raise _invalid(f"the week of {found.name} cannot be scheduled", "people", rules) from None
    except sch.ScheduleNotFoundError as exc:
        raise Conflict(f"no schedule found within the time limit: {exc}") from None
    notes.append(
        f"stage 1: {plan.status}; LP bound {plan.lp_bound:.2f}, plan under-coverage "
        f"{plan.under_coverage_h:.2f} agent-h; stage 2: {roster.status}"
    )
    unassigned = sum(s.count for s in roster.unassigned)
    if unassigned:
        notes.append(f"{unassigned} planned shifts could not be given to anyone")
    notes += [_rename(n, records) for n in plan.notes]
    return Solved(
        site_id=found.id,
        week=the_week,
        plan=plan,
        roster=roster,
        requirement=requirement,
        queue_ids={q.name: q.id for q, _, _ in reqs},
        person_ids={k: p.id for k, p in records.items()},
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def store(*, session: Session, solved: Solved, created_by: str) -> Schedule:
    """Store a computed week as a new draft version."""
    site = session.get(Site, solved.site_id)
    assert site is not None
    record = new_record(session=session, site=site, week=solved.week.label, created_by=created_by)
    plan, roster = solved.plan, solved.roster
    record.objective = float(plan.objective)
    record.bound = float(plan.bound)
    record.gap = float(plan.gap)
    record.solve_s = round(float(plan.solve_s + roster.solve_s), 3)
    record.notes = "\n".join(solved.notes)
    _store_roster(session, record, solved)
    _totals(session, record)
    session.add(
        ScheduleAudit(
            schedule_id=record.id,
            action="build",
            detail=f"built in {solved.seconds:.1f} s by {created_by}",
            created_by=created_by,
        )
    )
    session.flush()
    return record


def build_schedule(
    *,
    session: Session,
    site: str,
    week: str,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    options: schemas.SolveOptionsIn | None = None,
    progress: Progress = _none,
) -> schemas.ScheduleDetailOut:
    """Build the site's week into a new draft version (see :func:`solve` for the errors)."""
    solved = solve(
        session=session,
        site=site,
        week=week,
        created_by=created_by,
        scope=scope,
        options=options,
        progress=progress,
    )
    progress(0.9, "storing the schedule")
    record = store(session=session, solved=solved, created_by=created_by)
    progress(1.0, "done")
    return get_schedule(session=session, schedule_id=record.id, scope=scope)


def _store_roster(session: Session, record: Schedule, solved: Solved) -> None:
    week, roster = solved.week, solved.roster
    for pw in roster.people:
        person_id = solved.person_ids[pw.person_id]
        for s in pw.shifts:
            shift = ScheduledShift(
                schedule_id=record.id,
                person_id=person_id,
                template=s.template,
                queues=",".join(s.queues),
                start_at=week.utc(s.start_min),
                end_at=week.utc(s.end_min),
                paid_h=float(s.paid_h),
                cost=float(s.cost),
            )
            session.add(shift)
            session.flush()
            for kind, queue_id, lo, hi in _segments(s, solved.queue_ids):
                session.add(
                    ScheduledActivity(
                        schedule_id=record.id,
                        shift_id=shift.id,
                        person_id=person_id,
                        kind=kind,
                        queue_id=queue_id,
                        start_at=week.utc(lo),
                        end_at=week.utc(hi),
                    )
                )
    cov = roster.coverage
    load = solved.requirement._load  # noqa: SLF001 - the engine's validated load arrays
    zeros = np.zeros(cov.required.shape)
    rate, aht = (load[0], load[1]) if load is not None else (zeros, zeros)
    queue_ids = [solved.queue_ids[q] for q in cov.queues]
    rows = []
    for at, idx in week.utc_intervals():
        for qi, queue_id in enumerate(queue_ids):
            sl = float(cov.predicted_service_level[qi, idx])
            rows.append(
                CoverageInterval(
                    schedule_id=record.id,
                    queue_id=queue_id,
                    interval_start=at,
                    required=float(cov.required[qi, idx]),
                    scheduled=round(float(cov.scheduled[qi, idx]), 6),
                    predicted_service_level=sl if math.isfinite(sl) else None,
                    rate_per_s=float(rate[qi, idx]),
                    aht_s=float(aht[qi, idx]),
                )
            )
    session.add_all(rows)
    session.flush()


def _totals(session: Session, record: Schedule) -> None:
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


def run_build(
    *,
    session: Session,
    data: schemas.BuildIn,
    created_by: str,
    progress: Progress = _none,
) -> schemas.ScheduleOut:
    """Build a site's week in one transaction (a job's): a failure stores nothing of it.

    SQLite lets one writer in at a time, so once this transaction has written (a missing
    forecast built) progress goes quiet there until the end rather than wait on the lock.
    """
    wrote = [False]

    def mark(*_args: object) -> None:
        wrote[0] = True

    def guarded(share: float, message: str) -> None:
        if not (wrote[0] and session.get_bind().dialect.name == "sqlite"):
            progress(share, message)

    event.listen(session, "after_flush", mark)
    try:
        solved = solve(
            session=session,
            site=data.site,
            week=data.week,
            created_by=created_by,
            options=data.options,
            progress=guarded,
        )
        guarded(0.9, "storing the schedule")
        record = store(session=session, solved=solved, created_by=created_by)
    finally:
        event.remove(session, "after_flush", mark)
    return _summary(session, record)


# --- reading ----------------------------------------------------------------------------------


def _get(session: Session, schedule_id: int, scope: org_service.Scope) -> Schedule:
    record = session.get(Schedule, schedule_id)
    if record is None or not scope.allows_site(record.site_id):
        raise NotFound(
            f"schedule {schedule_id} does not exist",
            [Problem("unknown schedule", field="schedule_id")],
        )
    return record


def _by_id(session: Session, schedule_id: int) -> Schedule:
    found = session.get(Schedule, schedule_id)
    assert found is not None
    return found


def _summary(session: Session, record: Schedule) -> schemas.ScheduleOut:
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


def _shift_rows(
    session: Session, record: Schedule, person_filter: object | None = None
) -> list[schemas.ShiftOut]:
    site = session.get(Site, record.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    query = (
        select(ScheduledShift, Person)
        .join(Person, Person.id == ScheduledShift.person_id)
        .where(ScheduledShift.schedule_id == record.id)
        .order_by(Person.login, ScheduledShift.start_at)
    )
    if person_filter is not None:
        query = query.where(person_filter)  # type: ignore[arg-type]
    rows = session.execute(query).all()
    acts: dict[int, list[schemas.ScheduledActivityOut]] = defaultdict(list)
    for a in session.scalars(
        select(ScheduledActivity)
        .where(ScheduledActivity.schedule_id == record.id)
        .order_by(ScheduledActivity.start_at)
    ):
        acts[a.shift_id].append(
            schemas.ScheduledActivityOut(
                person_id=a.person_id,
                kind=a.kind,
                queue_id=a.queue_id,
                start=a.start_at,
                end=a.end_at,
            )
        )
    return [
        schemas.ShiftOut(
            id=s.id,
            person_id=p.id,
            login=p.login,
            name=p.name,
            template=s.template,
            queues=s.queues.split(","),
            start=s.start_at,
            end=s.end_at,
            local_start=s.start_at.astimezone(zone).replace(tzinfo=None),
            local_end=s.end_at.astimezone(zone).replace(tzinfo=None),
            paid_h=s.paid_h,
            activities=acts.get(s.id, []),
        )
        for s, p in rows
    ]


def coverage_rows(*, session: Session, schedule_id: int) -> list[schemas.CoverageRowOut]:
    """The stored coverage of a schedule, by queue then interval."""
    rows = session.execute(
        select(CoverageInterval, Queue.name)
        .join(Queue, Queue.id == CoverageInterval.queue_id)
        .where(CoverageInterval.schedule_id == schedule_id)
        .order_by(Queue.name, CoverageInterval.interval_start)
    ).all()
    return [
        schemas.CoverageRowOut(
            queue=name,
            interval_start=c.interval_start,
            required=c.required,
            scheduled=c.scheduled,
            predicted_service_level=c.predicted_service_level,
        )
        for c, name in rows
    ]


def get_schedule(
    *, session: Session, schedule_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ScheduleDetailOut:
    """Return a schedule version with coverage, the shifts in scope and its audit trail."""
    record = _get(session, schedule_id, scope)
    summary = _summary(session, record)
    person_filter = (
        None if scope.kind in (ScopeKind.all, ScopeKind.sites) else (scope.people_clause())
    )
    audit = session.scalars(
        select(ScheduleAudit)
        .where(ScheduleAudit.schedule_id == record.id)
        .order_by(ScheduleAudit.id)
    )
    intervals: list[schemas.CoverageRowOut]
    shifts: list[schemas.ShiftOut]
    if record.status == "draft":  # a draft's rows may still change in its own transaction
        intervals = coverage_rows(session=session, schedule_id=record.id)
        shifts = _shift_rows(session, record, person_filter)
    else:  # a published (or superseded) version's rows never change: shared by the process
        schedule_id = record.id
        version = (schedule_id, record.created_at)
        intervals = kpi_cache.session_cached(
            session,
            ("schedule_coverage", *version),
            lambda own: coverage_rows(session=own, schedule_id=schedule_id),
            versioned=False,
            rows=len,
        )
        shifts = kpi_cache.session_cached(  # versioned: people's names may change
            session,
            ("schedule_shifts", *version, scope),
            lambda own: _shift_rows(own, _by_id(own, schedule_id), person_filter),
            rows=len,
        )
    return schemas.ScheduleDetailOut(
        **summary.model_dump(),
        intervals=intervals,
        shift_rows=shifts,
        audit=[
            schemas.AuditOut(
                action=a.action, detail=a.detail, created_by=a.created_by, created_at=a.created_at
            )
            for a in audit
        ],
    )


def get_summary(
    *, session: Session, schedule_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ScheduleOut:
    """Return a schedule version's measures and status (what a page polls)."""
    return _summary(session, _get(session, schedule_id, scope))


def list_schedules(
    *,
    session: Session,
    site: str | None = None,
    week: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.ScheduleOut]:
    """List schedule versions of the sites in scope, newest first."""
    query = select(Schedule).order_by(Schedule.id.desc())
    if site:
        query = query.where(Schedule.site_id == _site(session, site, scope).id)
    if week:
        query = query.where(Schedule.week == week)
    return [_summary(session, r) for r in session.scalars(query) if scope.allows_site(r.site_id)]


def person_week(
    *,
    session: Session,
    login: str,
    week: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PersonWeekOut:
    """Return one person's published week (agents see only their own)."""
    person = _person(session, login, scope)
    site = session.get(Site, person.site_id)
    assert site is not None
    Week(site, week)
    record = session.scalars(
        select(Schedule).where(
            Schedule.site_id == site.id, Schedule.week == week, Schedule.status == "published"
        )
    ).first()
    shifts = _shift_rows(session, record, ScheduledShift.person_id == person.id) if record else []
    return schemas.PersonWeekOut(
        person_id=person.id,
        login=person.login,
        name=person.name,
        schedule_id=record.id if record else None,
        week=week,
        status=record.status if record else None,
        paid_h=round(sum(s.paid_h for s in shifts), 4),
        shifts=shifts,
    )


# --- publish, edits ---------------------------------------------------------------------------


def publish(
    *,
    session: Session,
    schedule_id: int,
    published_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ScheduleOut:
    """Publish a complete draft; the week's previous published version becomes superseded.

    Notifies the users of the people whose shifts are in the new or the superseded version.
    """
    record = _get(session, schedule_id, scope)
    if record.status != "draft":
        raise Conflict(
            f"schedule {schedule_id} is {record.status}: only a complete draft can be published",
            [Problem(f"status {record.status}", field="status")],
        )
    complete = session.scalar(
        select(func.count())
        .select_from(CoverageInterval)
        .where(CoverageInterval.schedule_id == record.id)
    )
    if not complete:
        raise Conflict(
            f"schedule {schedule_id} has no coverage rows: it is not complete",
            [Problem("incomplete", field="status")],
        )
    previous = session.scalars(
        select(Schedule).where(
            Schedule.site_id == record.site_id,
            Schedule.week == record.week,
            Schedule.status == "published",
        )
    ).all()
    affected = set(
        session.scalars(
            select(ScheduledShift.person_id).where(
                ScheduledShift.schedule_id.in_([record.id, *(p.id for p in previous)])
            )
        )
    )
    for old in previous:
        old.status = "superseded"
        session.add(
            ScheduleAudit(
                schedule_id=old.id,
                action="superseded",
                detail=f"superseded by version {record.version}",
                created_by=published_by,
            )
        )
    record.status = "published"
    record.published_by = published_by
    record.published_at = utcnow()
    session.add(
        ScheduleAudit(
            schedule_id=record.id,
            action="publish",
            detail=f"version {record.version} published",
            created_by=published_by,
        )
    )
    session.flush()
    site = session.get(Site, record.site_id)
    assert site is not None
    notify_service.notify(
        session=session,
        user_ids=_users_of(session, affected),
        kind="schedule_published",
        subject=f"Your schedule for {record.week} is published",
        body=f"{site.name}, week {record.week}, version {record.version}.",
        link=f"/schedules/my?week={record.week}",
    )
    return _summary(session, record)


def _copy(session: Session, base: Schedule, by: str) -> Schedule:
    site = session.get(Site, base.site_id)
    assert site is not None
    new = new_record(session=session, site=site, week=base.week, created_by=by, status="draft")
    new.parent_id = base.id
    new.notes = base.notes
    new.solve_s = base.solve_s
    shift_map: dict[int, int] = {}
    for s in session.scalars(select(ScheduledShift).where(ScheduledShift.schedule_id == base.id)):
        copy = ScheduledShift(
            schedule_id=new.id,
            person_id=s.person_id,
            template=s.template,
            queues=s.queues,
            start_at=s.start_at,
            end_at=s.end_at,
            paid_h=s.paid_h,
            cost=s.cost,
        )
        session.add(copy)
        session.flush()
        shift_map[s.id] = copy.id
    for a in session.scalars(
        select(ScheduledActivity).where(ScheduledActivity.schedule_id == base.id)
    ):
        session.add(
            ScheduledActivity(
                schedule_id=new.id,
                shift_id=shift_map[a.shift_id],
                person_id=a.person_id,
                kind=a.kind,
                queue_id=a.queue_id,
                start_at=a.start_at,
                end_at=a.end_at,
            )
        )
    for c in session.scalars(
        select(CoverageInterval).where(CoverageInterval.schedule_id == base.id)
    ):
        session.add(
            CoverageInterval(
                schedule_id=new.id,
                queue_id=c.queue_id,
                interval_start=c.interval_start,
                required=c.required,
                scheduled=c.scheduled,
                predicted_service_level=c.predicted_service_level,
                rate_per_s=c.rate_per_s,
                aht_s=c.aht_s,
            )
        )
    for entry in session.scalars(
        select(ScheduleAudit).where(ScheduleAudit.schedule_id == base.id).order_by(ScheduleAudit.id)
    ):
        session.add(
            ScheduleAudit(
                schedule_id=new.id,
                action=entry.action,
                detail=f"(version {base.version}) {entry.detail}",
                created_by=entry.created_by,
                created_at=entry.created_at,
            )
        )
    session.flush()
    return new


def _person_skills(session: Session, person_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person_id)
        )
    )


def _check_rest(session: Session, schedule_id: int, person: Person) -> None:
    contract = session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()
    rest_h = contract.min_rest_h if contract else 0.0
    shifts = session.scalars(
        select(ScheduledShift)
        .where(ScheduledShift.schedule_id == schedule_id, ScheduledShift.person_id == person.id)
        .order_by(ScheduledShift.start_at)
    ).all()
    for a, b in zip(shifts, shifts[1:], strict=False):
        gap_h = (b.start_at - a.end_at).total_seconds() / 3600
        if gap_h < rest_h:
            raise Conflict(
                f"the swap leaves {person.login} {gap_h:.1f} h between shifts ending "
                f"{a.end_at:%Y-%m-%d %H:%M} UTC and starting {b.start_at:%Y-%m-%d %H:%M} UTC; "
                f"their contract needs {rest_h:g} h",
                [Problem(f"min_rest_h {rest_h:g}", field="login_b")],
            )


def _contract_of(session: Session, person: Person) -> WorkContract | None:
    return session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()


def _week_totals(session: Session, record: Schedule, person: Person) -> tuple[float, int]:
    """A person's paid hours and working days in a schedule version, credited time off
    included the way the build counts them."""
    site = session.get(Site, record.site_id)
    assert site is not None
    week = Week(site, record.week)
    shifts = session.scalars(
        select(ScheduledShift).where(
            ScheduledShift.schedule_id == record.id, ScheduledShift.person_id == person.id
        )
    ).all()
    hours = sum(s.paid_h for s in shifts)
    days = len({week.local(s.start_at).date() for s in shifts})
    for off in session.scalars(
        select(TimeOff).where(
            TimeOff.person_id == person.id,
            TimeOff.status == "approved",
            TimeOff.start_at < week.end_utc,
            TimeOff.end_at > week.start_utc,
        )
    ):
        span = _clip(week, off.start_at, off.end_at)
        if span and off.credit_h_per_day > 0:
            n = math.ceil((span[1] - span[0]) / 1440)
            hours += off.credit_h_per_day * n
            days += n
    return hours, days


def _check_contract_week(
    session: Session, record: Schedule, person: Person, before: tuple[float, int], day: date
) -> None:
    """Refuse a swap that takes a person's week past a contract limit (or further past it)."""
    contract = _contract_of(session, person)
    if contract is None:
        return
    hours, days = _week_totals(session, record, person)
    broken: list[tuple[str, str]] = []
    if hours > contract.weekly_max_h + 1e-6 and hours > before[0] + 1e-6:
        broken.append(
            ("weekly_max_h", f"{hours:g} paid hours, above the most, {contract.weekly_max_h:g}")
        )
    if hours < contract.weekly_min_h - 1e-6 and hours < before[0] - 1e-6:
        broken.append(
            ("weekly_min_h", f"{hours:g} paid hours, below the least, {contract.weekly_min_h:g}")
        )
    if days > contract.days_max and days > before[1]:
        broken.append(("days_max", f"{days} working days, above the most, {contract.days_max}"))
    if days < contract.days_min and days < before[1]:
        broken.append(("days_min", f"{days} working days, below the least, {contract.days_min}"))
    if broken:
        rules = "; ".join(f"{text} ({rule})" for rule, text in broken)
        raise Conflict(
            f"the swap on {day} leaves {person.login} {rules} in {record.week}, against their "
            f"contract {contract.name!r}",
            [Problem(f"{rule}: {text}", field="login_b") for rule, text in broken],
        )


def _swap(session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope) -> str:
    assert data.login_a and data.login_b and data.day
    a, b = _person(session, data.login_a, scope), _person(session, data.login_b, scope)
    site = session.get(Site, new.site_id)
    assert site is not None
    if a.site_id != new.site_id or b.site_id != new.site_id or a.id == b.id:
        raise _invalid("a swap needs two different people of the schedule's site", "login_b")
    zone = ZoneInfo(site.timezone)
    lo = datetime.combine(data.day, dtime(0)).replace(tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(data.day + timedelta(days=1), dtime(0)).replace(tzinfo=zone)
    hi = hi.astimezone(UTC)

    def day_shifts(person: Person) -> list[ScheduledShift]:
        return list(
            session.scalars(
                select(ScheduledShift).where(
                    ScheduledShift.schedule_id == new.id,
                    ScheduledShift.person_id == person.id,
                    ScheduledShift.start_at >= lo,
                    ScheduledShift.start_at < hi,
                )
            )
        )

    shifts_a, shifts_b = day_shifts(a), day_shifts(b)
    before = {p.id: _week_totals(session, new, p) for p in (a, b)}
    if not shifts_a and not shifts_b:
        raise _invalid(f"neither {a.login} nor {b.login} has a shift on {data.day}", "day")
    for giver, taker, shifts in ((a, b, shifts_a), (b, a, shifts_b)):
        skills = _person_skills(session, taker.id)
        for s in shifts:
            missing = [q for q in s.queues.split(",") if q not in skills]
            if missing:
                raise Conflict(
                    f"{taker.login} has no skill for {', '.join(missing)}, the queues of "
                    f"{giver.login}'s shift on {data.day}",
                    [Problem("skill", field="login_b")],
                )
            fixed = session.scalars(
                select(ScheduledActivity).where(
                    ScheduledActivity.shift_id == s.id, ScheduledActivity.kind.in_(FIXED_KINDS)
                )
            ).first()
            if fixed is not None:
                raise Conflict(
                    f"{giver.login}'s shift on {data.day} holds their {fixed.kind} at "
                    f"{fixed.start_at:%H:%M} UTC: it cannot go to someone else",
                    [Problem(fixed.kind, field="login_a")],
                )
    for s in shifts_a:
        s.person_id = b.id
    for s in shifts_b:
        s.person_id = a.id
    session.flush()
    moved = [s.id for s in shifts_a + shifts_b]
    for act in session.scalars(
        select(ScheduledActivity).where(ScheduledActivity.shift_id.in_(moved))
    ):
        act.person_id = a.id if act.person_id == b.id else b.id
    session.flush()
    _check_rest(session, new.id, a)
    _check_rest(session, new.id, b)
    for p in (a, b):
        _check_contract_week(session, new, p, before[p.id], data.day)
    return f"swapped the shifts of {a.login} and {b.login} on {data.day}"


def _grant_time_off(
    session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope
) -> str:
    off = session.get(TimeOff, data.time_off_id)
    if off is None:
        raise NotFound(
            f"time off {data.time_off_id} does not exist", [Problem("unknown", "time_off_id")]
        )
    person = session.get(Person, off.person_id)
    assert person is not None
    _person(session, person.login, scope)
    if person.site_id != new.site_id:
        raise _invalid(f"time off {off.id} is of a person of another site", "time_off_id")
    removed = list(
        session.scalars(
            select(ScheduledShift).where(
                ScheduledShift.schedule_id == new.id,
                ScheduledShift.person_id == person.id,
                ScheduledShift.start_at < off.end_at,
                ScheduledShift.end_at > off.start_at,
            )
        )
    )
    queue_ids = dict(session.execute(select(Queue.name, Queue.id)).all())
    cover = {
        (c.queue_id, c.interval_start): c
        for c in session.scalars(
            select(CoverageInterval).where(CoverageInterval.schedule_id == new.id)
        )
    }
    touched: set[tuple[int, datetime]] = set()
    for s in removed:
        queues = [queue_ids[q] for q in s.queues.split(",") if q in queue_ids]
        for seg in session.scalars(
            select(ScheduledActivity).where(
                ScheduledActivity.shift_id == s.id, ScheduledActivity.kind == WORK
            )
        ):
            at = seg.start_at.replace(minute=seg.start_at.minute // 15 * 15, second=0)
            while at < seg.end_at:
                nxt = at + timedelta(minutes=STEP_MIN)
                share = (min(nxt, seg.end_at) - max(at, seg.start_at)).total_seconds() / 900
                targets = [seg.queue_id] if seg.queue_id is not None else queues
                rows = [cover.get((q, at)) for q in targets]
                need = [r.required if r else 0.0 for r in rows]
                total = sum(need)
                for r, n in zip(rows, need, strict=True):
                    if r is None:
                        continue
                    part = n / total if total > 0 else 1.0 / len(rows)
                    r.scheduled = max(round(r.scheduled - share * part, 6), 0.0)
                    touched.add((r.queue_id, r.interval_start))
                at = nxt
        session.delete(s)
    session.flush()
    queues_by_id = {q.id: q for q in session.scalars(select(Queue))}
    for key in touched:
        row = cover[key]
        queue = queues_by_id[row.queue_id]
        if row.rate_per_s > 0:
            sl = queueing.service_level(
                np.array([row.scheduled]), row.rate_per_s, row.aht_s, queue.target_s
            )
            row.predicted_service_level = float(sl[0])
    off.status = "approved"
    for req in session.scalars(
        select(ChangeRequest).where(
            ChangeRequest.time_off_id == off.id, ChangeRequest.status == "open"
        )
    ):
        req.status = "applied"
    session.flush()
    return (
        f"granted time off {off.id} of {person.login} ({off.reason}); removed {len(removed)} "
        "shift(s)"
    )


BREAK_KINDS = ("break", "lunch")
"""Segments a template places (paid ``break``, unpaid ``lunch``): the ones that can be moved."""


def _break_window(
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


def published_break(
    *, session: Session, person_id: int, start: datetime
) -> schemas.BreakWindowOut | None:
    """The person's published break (or lunch) starting at ``start``, with its allowed window."""
    act = session.scalars(
        select(ScheduledActivity)
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id == person_id,
            ScheduledActivity.start_at == start,
            ScheduledActivity.kind.in_(BREAK_KINDS),
        )
    ).first()
    if act is None:
        return None
    shift = session.get(ScheduledShift, act.shift_id)
    assert shift is not None
    window = _break_window(session, shift, act)
    return schemas.BreakWindowOut(
        schedule_id=act.schedule_id,
        person_id=person_id,
        kind=act.kind,
        start=act.start_at,
        end=act.end_at,
        earliest_start=window[0] if window else None,
        latest_start=window[1] if window else None,
    )


def _work_shares(
    segments: Iterable[ScheduledActivity],
) -> dict[tuple[int | None, datetime], float]:
    """Share of each 15-minute interval the work segments cover, by queue (None: the shift's)."""
    out: dict[tuple[int | None, datetime], float] = defaultdict(float)
    for seg in segments:
        at = seg.start_at.replace(minute=seg.start_at.minute // 15 * 15, second=0, microsecond=0)
        while at < seg.end_at:
            nxt = at + timedelta(minutes=STEP_MIN)
            out[(seg.queue_id, at)] += (
                min(nxt, seg.end_at) - max(at, seg.start_at)
            ).total_seconds() / 900
            at = nxt
    return out


def _move_break(
    session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope
) -> str:
    assert data.login_a and data.break_start and data.new_start
    person = _person(session, data.login_a, scope)
    old_at, new_at = data.break_start.astimezone(UTC), data.new_start.astimezone(UTC)
    act = session.scalars(
        select(ScheduledActivity).where(
            ScheduledActivity.schedule_id == new.id,
            ScheduledActivity.person_id == person.id,
            ScheduledActivity.start_at == old_at,
            ScheduledActivity.kind.in_(BREAK_KINDS),
        )
    ).first()
    if act is None:
        raise _invalid(
            f"{person.login} has no break starting at {old_at:%Y-%m-%d %H:%M} UTC in this schedule",
            "break_start",
        )
    shift = session.get(ScheduledShift, act.shift_id)
    assert shift is not None
    window = _break_window(session, shift, act)
    if window is None:
        raise _invalid(
            f"{person.login}'s {act.kind} at {old_at:%H:%M} UTC has no allowed window in template "
            f"{shift.template!r}: it cannot be moved",
            "break_start",
        )
    if not window[0] <= new_at <= window[1]:
        raise _invalid(
            f"{new_at:%H:%M} UTC is outside the allowed window {window[0]:%H:%M}–"
            f"{window[1]:%H:%M} UTC of {person.login}'s {act.kind}",
            "new_start",
        )
    new_end = new_at + (act.end_at - act.start_at)
    segments = list(
        session.scalars(
            select(ScheduledActivity)
            .where(ScheduledActivity.shift_id == shift.id)
            .order_by(ScheduledActivity.start_at)
        )
    )
    work = [a for a in segments if a.kind == WORK]
    others = [a for a in segments if a.kind != WORK and a.id != act.id]
    clash = next((o for o in others if o.start_at < new_end and o.end_at > new_at), None)
    if clash is not None or new_end > shift.end_at:
        what = f"their {clash.kind} at {clash.start_at:%H:%M} UTC" if clash else "the shift's end"
        raise Conflict(
            f"{person.login}'s {act.kind} moved to {new_at:%H:%M} UTC would overlap {what}",
            [Problem("overlap", field="new_start")],
        )
    before = _work_shares(work)
    queue_id = work[0].queue_id if work else None
    for w in work:
        session.delete(w)
    act.start_at, act.end_at = new_at, new_end
    made: list[ScheduledActivity] = []
    at = shift.start_at
    for lo, hi in sorted([(o.start_at, o.end_at) for o in others] + [(new_at, new_end)]):
        if lo > at:
            made.append(
                ScheduledActivity(
                    schedule_id=new.id,
                    shift_id=shift.id,
                    person_id=person.id,
                    kind=WORK,
                    queue_id=queue_id,
                    start_at=at,
                    end_at=lo,
                )
            )
        at = max(at, hi)
    if at < shift.end_at:
        made.append(
            ScheduledActivity(
                schedule_id=new.id,
                shift_id=shift.id,
                person_id=person.id,
                kind=WORK,
                queue_id=queue_id,
                start_at=at,
                end_at=shift.end_at,
            )
        )
    session.add_all(made)
    session.flush()
    after = _work_shares(made)
    queue_ids = dict(session.execute(select(Queue.name, Queue.id)).all())
    shift_queues = [queue_ids[q] for q in shift.queues.split(",") if q in queue_ids]
    cover = {
        (c.queue_id, c.interval_start): c
        for c in session.scalars(
            select(CoverageInterval).where(CoverageInterval.schedule_id == new.id)
        )
    }
    touched: set[tuple[int, datetime]] = set()
    for key in set(before) | set(after):
        change = after.get(key, 0.0) - before.get(key, 0.0)
        if abs(change) < 1e-12:
            continue
        qid, at_ = key
        rows = [cover.get((q, at_)) for q in ([qid] if qid is not None else shift_queues)]
        need = [r.required if r else 0.0 for r in rows]
        total = sum(need)
        for r, n in zip(rows, need, strict=True):
            if r is None:
                continue
            part = n / total if total > 0 else 1.0 / len(rows)
            r.scheduled = max(round(r.scheduled + change * part, 6), 0.0)
            touched.add((r.queue_id, r.interval_start))
    queues_by_id = {q.id: q for q in session.scalars(select(Queue))}
    for key in touched:
        row = cover[key]
        if row.rate_per_s > 0:
            sl = queueing.service_level(
                np.array([row.scheduled]),
                row.rate_per_s,
                row.aht_s,
                queues_by_id[row.queue_id].target_s,
            )
            row.predicted_service_level = float(sl[0])
    session.flush()
    return (
        f"moved {person.login}'s {act.kind} from {old_at:%Y-%m-%d %H:%M} to {new_at:%H:%M} UTC "
        f"(window {window[0]:%H:%M}–{window[1]:%H:%M})"
    )


def edit(
    *,
    session: Session,
    schedule_id: int,
    data: schemas.EditIn,
    edited_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ScheduleOut:
    """Make a new draft version from ``schedule_id`` with the edit applied and audited.

    The base version (published or not) is left as it is; publishing the new version is a
    separate step.
    """
    base = _get(session, schedule_id, scope)
    if base.status not in ("draft", "published"):
        raise Conflict(
            f"schedule {schedule_id} is {base.status}: edit a draft or the published version",
            [Problem(f"status {base.status}", field="status")],
        )
    new = _copy(session, base, edited_by)
    apply = {"swap": _swap, "time_off": _grant_time_off, "move_break": _move_break}[data.kind]
    detail = apply(session, new, data, scope)
    if data.reason:
        detail += f": {data.reason}"
    new.objective = new.bound = new.gap = None
    new.notes = (
        f"edited from version {base.version}: objective, bound and gap belong to the optimised "
        "build and no longer apply\n" + base.notes
    )
    _totals(session, new)
    session.add(
        ScheduleAudit(
            schedule_id=new.id,
            action=data.kind,
            detail=detail,
            created_by=edited_by,
        )
    )
    session.flush()
    return _summary(session, new)


# --- for intraday ------------------------------------------------------------------------------


def published_coverage(
    *, session: Session, queue_id: int, start: datetime, end: datetime
) -> dict[datetime, float]:
    """Scheduled net agents per 15-minute interval start (UTC) of the published schedules."""
    rows = session.execute(
        select(CoverageInterval.interval_start, CoverageInterval.scheduled)
        .join(Schedule, Schedule.id == CoverageInterval.schedule_id)
        .where(
            Schedule.status == "published",
            CoverageInterval.queue_id == queue_id,
            CoverageInterval.interval_start >= start,
            CoverageInterval.interval_start < end,
        )
        .order_by(CoverageInterval.interval_start)
    ).all()
    out: dict[datetime, float] = defaultdict(float)
    for at, value in rows:
        out[at] += float(value)
    return dict(out)


def published_activities(
    *, session: Session, person_ids: Sequence[int], start: datetime, end: datetime
) -> list[schemas.ScheduledActivityOut]:
    """Published segments (work, breaks, activities) of the people overlapping [start, end)."""
    rows = session.scalars(
        select(ScheduledActivity)
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id.in_(sorted(set(person_ids))),
            ScheduledActivity.start_at < end,
            ScheduledActivity.end_at > start,
        )
        .order_by(ScheduledActivity.person_id, ScheduledActivity.start_at)
    )
    return [
        schemas.ScheduledActivityOut(
            person_id=a.person_id, kind=a.kind, queue_id=a.queue_id, start=a.start_at, end=a.end_at
        )
        for a in rows
    ]


# --- iCalendar feed ----------------------------------------------------------------------------


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_feed(*, session: Session, person_id: int) -> str:
    """Create the person's secret feed token (revoking any earlier one); return the token."""
    revoke_feed(session=session, person_id=person_id)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(person_id=person_id, token_hash=_feed_hash(token)))
    session.flush()
    return token


def revoke_feed(*, session: Session, person_id: int) -> int:
    """Revoke the person's feed tokens; return how many were active."""
    active = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    for feed in active:
        feed.revoked_at = utcnow()
    session.flush()
    return len(active)


def has_feed(*, session: Session, person_id: int) -> bool:
    """Whether the person has an active feed."""
    return (
        session.scalars(
            select(CalendarFeed.id).where(
                CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
            )
        ).first()
        is not None
    )


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    while data:
        limit = 75 if not parts else 74
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    return "\r\n ".join(parts)


def _ics_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_for_token(*, session: Session, token: str, now: datetime | None = None) -> str:
    """The RFC 5545 calendar of the feed's person: published shifts and activities only."""
    feed = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _feed_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        raise NotFound("this calendar feed does not exist or was revoked")
    stamp = _ics_time(now or utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ccops//schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:ccops schedule",
    ]
    shifts = session.execute(
        select(ScheduledShift, Schedule)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .where(Schedule.status == "published", ScheduledShift.person_id == feed.person_id)
        .order_by(ScheduledShift.start_at)
    ).all()
    for shift, schedule in shifts:
        acts = session.scalars(
            select(ScheduledActivity)
            .where(ScheduledActivity.shift_id == shift.id)
            .order_by(ScheduledActivity.start_at)
        ).all()
        parts = [
            f"{a.kind} {a.start_at:%H:%M}-{a.end_at:%H:%M} UTC" for a in acts if a.kind != WORK
        ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{feed.person_id}-{_ics_time(shift.start_at)}@ccops",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(shift.start_at)}",
            f"DTEND:{_ics_time(shift.end_at)}",
            "SUMMARY:" + _ics_text(f"Shift {shift.template} ({shift.queues})"),
            "DESCRIPTION:"
            + _ics_text(f"week {schedule.week}, version {schedule.version}; " + "; ".join(parts)),
            "END:VEVENT",
        ]
        for a in acts:
            if a.kind in FIXED_KINDS:
                lines += [
                    "BEGIN:VEVENT",
                    f"UID:{a.kind}-{feed.person_id}-{_ics_time(a.start_at)}@ccops",
                    f"DTSTAMP:{stamp}",
                    f"DTSTART:{_ics_time(a.start_at)}",
                    f"DTEND:{_ics_time(a.end_at)}",
                    "SUMMARY:" + _ics_text(a.kind.title()),
                    "END:VEVENT",
                ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# --- availability and preferences ---------------------------------------------------------


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def list_availability(
    *, session: Session, login: str, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.AvailabilityOut:
    """Return when a person can work (no spans: any time)."""
    person = _person(session, login, scope)
    rows = session.scalars(
        select(Availability)
        .where(Availability.person_id == person.id)
        .order_by(Availability.weekday, Availability.start_min)
    ).all()
    return schemas.AvailabilityOut(
        login=person.login,
        any_time=not rows,
        spans=[
            schemas.AvailabilitySpanIn(
                weekday=r.weekday, start=_hm(r.start_min), end=_hm(r.end_min)
            )
            for r in rows
        ],
    )


def set_availability(
    *,
    session: Session,
    login: str,
    data: schemas.AvailabilityIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.AvailabilityOut:
    """Replace a person's availability; overlapping spans of a weekday are refused by name."""
    person = _person(session, login, scope)
    spans = sorted(
        (s.weekday, schemas.minutes_of(s.start), schemas.minutes_of(s.end), i)
        for i, s in enumerate(data.spans)
    )
    problems = [
        Problem(
            f"{schemas.WEEKDAYS[a[0]]} {_hm(a[1])}-{_hm(a[2])} overlaps {_hm(b[1])}-{_hm(b[2])}",
            field=f"spans.{b[3]}",
        )
        for a, b in zip(spans, spans[1:], strict=False)
        if a[0] == b[0] and b[1] < a[2]
    ]
    if problems:
        raise Invalid(f"availability of {login!r}: spans overlap", problems)
    for old in session.scalars(select(Availability).where(Availability.person_id == person.id)):
        session.delete(old)
    session.flush()
    for weekday, start, end, _ in spans:
        session.add(
            Availability(person_id=person.id, weekday=weekday, start_min=start, end_min=end)
        )
    session.flush()
    return list_availability(session=session, login=login, scope=scope)


def list_preferences(
    *, session: Session, login: str, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.PreferencesOut:
    """Return a person's shift preferences."""
    person = _person(session, login, scope)
    rows = session.scalars(
        select(ShiftPreference)
        .where(ShiftPreference.person_id == person.id)
        .order_by(ShiftPreference.id)
    ).all()
    return schemas.PreferencesOut(
        login=person.login,
        preferences=[
            schemas.PreferenceIn(
                weight=r.weight,
                template=r.template,
                weekday=r.weekday,
                start=None if r.start_min is None else _hm(r.start_min),
                end=None if r.end_min is None else _hm(r.end_min),
            )
            for r in rows
        ],
    )


def set_preferences(
    *,
    session: Session,
    login: str,
    data: schemas.PreferencesIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PreferencesOut:
    """Replace a person's preferences; a template no site has is refused by name."""
    person = _person(session, login, scope)
    known = set(session.scalars(select(ShiftTemplate.name)))
    problems = [
        Problem(
            f"template {p.template!r} does not exist; known: {', '.join(sorted(known)) or 'none'}",
            field=f"preferences.{i}.template",
        )
        for i, p in enumerate(data.preferences)
        if p.template is not None and p.template not in known
    ]
    if problems:
        raise Invalid(f"preferences of {login!r}: unknown shift template", problems)
    for old in session.scalars(
        select(ShiftPreference).where(ShiftPreference.person_id == person.id)
    ):
        session.delete(old)
    session.flush()
    for p in data.preferences:
        session.add(
            ShiftPreference(
                person_id=person.id,
                weight=p.weight,
                template=p.template,
                weekday=p.weekday,
                start_min=None if p.start is None else schemas.minutes_of(p.start),
                end_min=None if p.end is None else schemas.minutes_of(p.end),
            )
        )
    session.flush()
    return list_preferences(session=session, login=login, scope=scope)
