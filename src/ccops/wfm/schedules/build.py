"""Building a schedule: build a site's week from the stored staffing requirement with
``engines.scheduling`` (HiGHS shift plan, CP-SAT roster) and store it as a new draft version.

Numbers reported: ``objective``, ``bound`` and ``gap`` are stage 1's (the shift plan against
its LP bound: ``gap = (objective - bound) / |objective|``); paid hours, cost and under- and
over-coverage are those of the roster of named people actually stored (stage 2), computed from
the stored coverage rows (agent-hours, 15-minute intervals).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.engines import scheduling as sch
from ccops.errors import Conflict, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site
from ccops.wfm.forecasts import schemas as forecast_schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.schedules import awarded as awarded_lines
from ccops.wfm.schedules import common, lines, queries, schemas
from ccops.wfm.schedules.models import (
    Availability,
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

FORECAST_HORIZON_DAYS = 28


def _covering_requirement(
    session: Session, queue: Queue, week: common.Week
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
    week: common.Week,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    progress: common.Progress = common.no_progress,
) -> tuple[list[tuple[Queue, StaffingRequirement, Forecast]], list[str]]:
    """The latest requirement covering the week per queue of the site; build the missing ones.

    A queue without one gets a forecast with its chosen method (backtested) and a requirement
    without shrinkage (the schedule places breaks and activities itself); the notes say so.
    """
    queues = list(session.scalars(select(Queue).where(Queue.site_id == site.id).order_by(Queue.id)))
    if not queues:
        raise common.invalid(f"site {site.name!r} has no queues to schedule", "site")
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
                raise common.invalid(
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
    week: common.Week, reqs: Sequence[tuple[Queue, StaffingRequirement, Forecast]]
) -> sch.Requirement:
    n_q = len(reqs)
    agents = np.zeros((n_q, common.N_INT))
    rate = np.zeros((n_q, common.N_INT))
    aht = np.zeros((n_q, common.N_INT))
    target = np.zeros(n_q)
    patience = np.full(n_q, np.inf)
    base = forecast_service._local_min(week.start_local)  # noqa: SLF001 - same domain
    for qi, (_queue, req, fc) in enumerate(reqs):
        target[qi] = req.target_s
        if req.patience_s:
            patience[qi] = req.patience_s
        width = max(fc.interval_min // common.STEP_MIN, 1)
        for iv in req.intervals:
            first = (iv.interval_local_min - base) // common.STEP_MIN
            for idx in range(first, first + width):
                if 0 <= idx < common.N_INT and iv.required_agents >= agents[qi, idx]:
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
            interval_min=common.STEP_MIN,
            week_start=week.monday,
            rate_per_s=rate,
            aht_s=aht,
            target_s=target,
            patience_s=patience,
        )
    except sch.SchedulingInputError as exc:
        raise common.invalid(f"requirement of {week.label}: {exc}", "requirement") from None


def _people(
    session: Session, site: Site, week: common.Week, queue_names: Sequence[str]
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
                contracts[contract.id] = common.engine_contract(contract)
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
            span = common.clip(week, o.start_at, o.end_at)
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
            span = common.clip(week, a.start_at, a.end_at)
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
        raise common.invalid(f"the people of {site.name} cannot be scheduled", "people", problems)
    if not people:
        raise common.invalid(
            f"no one at {site.name} has a contract: give people contracts before building",
            "people",
        )
    return people, records, notes


def _rename(text: str, records: dict[str, Person]) -> str:
    """Engine messages name people by id; show their logins."""
    for pid, person in records.items():
        text = text.replace(f"person {pid!r}", f"person {person.login!r}")
    return text


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
            out.append((common.WORK, queue, at, lo))
        if hi > lo:
            out.append((kind, None, lo, hi))
            at = hi
    if at < shift.end_min:
        out.append((common.WORK, queue, at, shift.end_min))
    return out


def check_build(
    *, session: Session, data: schemas.BuildIn, scope: org_service.Scope = org_service.EVERYTHING
) -> None:
    """Refuse a build of a site outside ``scope`` or of a week the site's calendar lacks."""
    common.Week(common.site_in_scope(session, data.site, scope), data.week)


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
    week: common.Week
    plan: sch.ShiftPlan
    roster: sch.Roster
    requirement: sch.Requirement
    queue_ids: dict[str, int]
    person_ids: dict[str, int]
    notes: list[str]
    seconds: float
    fixed: awarded_lines.FixedWeek = field(default_factory=awarded_lines.FixedWeek)
    """Agents kept on their awarded bid lines (not optimised), with their presence."""


def solve(
    *,
    session: Session,
    site: str,
    week: str,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    options: schemas.SolveOptionsIn | None = None,
    progress: common.Progress = common.no_progress,
) -> Solved:
    """Read the week's inputs and run both stages; store nothing but missing requirements.

    Raises Invalid naming the problem (no shift templates, no contracts, a contract that
    contradicts itself, a person with no skill for any queue) or, when no schedule satisfies
    the rules, Conflict listing the rules that conflict.
    """
    found = common.site_in_scope(session, site, scope)
    the_week = common.Week(found, week)
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
        raise common.invalid(f"site {found.name!r} has no shift templates", "templates")
    people, records, people_notes = _people(session, found, the_week, [q.name for q, _, _ in reqs])
    notes += people_notes
    fixed = awarded_lines.FixedWeek()
    to_plan = requirement
    awarded = [
        a
        for a in awarded_lines.awarded_lines(session, found, the_week)
        if str(a.person_id) in records
    ]
    if awarded:
        skills = {
            a.person_id: {s.queue.name for s in records[str(a.person_id)].skills} for a in awarded
        }
        fixed = awarded_lines.fixed_week(session, found, the_week, awarded, requirement, skills)
        notes += fixed.notes
        people = [p for p in people if int(p.id) not in fixed.shifts]
        if fixed.shifts:
            to_plan = awarded_lines.residual(requirement, fixed.presence)
            notes.append(
                f"{len(fixed.shifts)} agent(s) kept on their awarded lines; the other "
                f"{len(people)} optimised against the requirement net of their work"
            )
        if not people:
            raise common.invalid(
                f"everyone at {found.name} works an awarded line in {week}: nothing is left to "
                "optimise; apply the bid's lines to a built version instead",
                "people",
            )
    wage = max(t.cost_per_hour for t in templates) or 1.0
    try:
        problem = sch.SchedulingProblem(
            requirement=to_plan,
            templates=[common.engine_template(t) for t in templates],
            people=people,
            plan_weights=sch.PlanWeights(under_cost_per_h=6.0 * wage, over_cost_per_h=0.05 * wage),
        )
    except sch.SchedulingInputError as exc:
        rules = [_rename(p, records) for p in exc.problems]
        raise common.invalid(
            f"the week of {found.name} cannot be scheduled", "people", rules
        ) from None
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
        raise common.invalid(
            f"the week of {found.name} cannot be scheduled", "people", rules
        ) from None
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
        fixed=fixed,
    )


def store(*, session: Session, solved: Solved, created_by: str) -> Schedule:
    """Store a computed week as a new draft version."""
    site = session.get(Site, solved.site_id)
    assert site is not None
    record = common.new_record(
        session=session, site=site, week=solved.week.label, created_by=created_by
    )
    plan, roster = solved.plan, solved.roster
    record.objective = float(plan.objective)
    record.bound = float(plan.bound)
    record.gap = float(plan.gap)
    record.solve_s = round(float(plan.solve_s + roster.solve_s), 3)
    record.notes = "\n".join(solved.notes)
    _store_roster(session, record, solved)
    common.totals(session, record)
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
    progress: common.Progress = common.no_progress,
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
    return queries.get_schedule(session=session, schedule_id=record.id, scope=scope)


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
    for person_id, shifts in solved.fixed.shifts.items():
        lines.store_line_shifts(session, record.id, person_id, shifts, solved.queue_ids)
    cov = roster.coverage
    load = solved.requirement._load  # noqa: SLF001 - the engine's validated load arrays
    zeros = np.zeros(cov.required.shape)
    rate, aht = (load[0], load[1]) if load is not None else (zeros, zeros)
    required = solved.requirement._agents  # noqa: SLF001 - the full requirement (fixed agents')
    fixed = solved.fixed.presence if solved.fixed.shifts else zeros
    queue_ids = [solved.queue_ids[q] for q in cov.queues]
    rows = []
    for at, idx in week.utc_intervals():
        for qi, queue_id in enumerate(queue_ids):
            sl = float(cov.predicted_service_level[qi, idx])
            scheduled = float(cov.scheduled[qi, idx]) + float(fixed[qi, idx])
            if fixed[qi, idx] > 0 and load is not None and rate[qi, idx] > 0:
                sl = float(
                    queueing.service_level(
                        np.array([scheduled]), rate[qi, idx], aht[qi, idx], load[2][qi, idx]
                    )[0]
                )
            rows.append(
                CoverageInterval(
                    schedule_id=record.id,
                    queue_id=queue_id,
                    interval_start=at,
                    required=float(required[qi, idx]),
                    scheduled=round(scheduled, 6),
                    predicted_service_level=sl if math.isfinite(sl) else None,
                    rate_per_s=float(rate[qi, idx]),
                    aht_s=float(aht[qi, idx]),
                )
            )
    session.add_all(rows)
    session.flush()


def run_build(
    *,
    session: Session,
    data: schemas.BuildIn,
    created_by: str,
    progress: common.Progress = common.no_progress,
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
    return common.summary(session, record)
