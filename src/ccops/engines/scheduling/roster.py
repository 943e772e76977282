"""Stage 2: named people for the planned shifts (OR-Tools CP-SAT), and the roster's coverage.

OR-Tools is imported only when a roster is solved (:mod:`ccops.engines.scheduling.cpsat`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ccops.engines.scheduling.errors import (
    ScheduleNotFoundError,
    SchedulingInputError,
)
from ccops.engines.scheduling.grid import (
    _SCALE,
    DAY_MIN,
)
from ccops.engines.scheduling.inputs import (
    Activity,
    Person,
    PlanOptions,
    RosterOptions,
)
from ccops.engines.scheduling.problem import (
    SchedulingProblem,
    _Compiled,
    _span_fraction,
)
from ccops.engines.scheduling.shift_plan import (
    Coverage,
    PlacedBreak,
    PlannedShift,
    ShiftPlan,
    _group_of,
    _net_by_group,
    _shares,
    plan_shifts,
)

# ---------------------------------------------------------------------------------------------
# stage 2: named people (CP-SAT)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignedShift:
    """One shift of a person's week.

    Args:
        template: template name.
        queues: the skill group the plan counts this shift for.
        start_min: start, minutes from the week start.
        end_min: end, minutes from the week start.
        breaks: the breaks.
        activities: the person's fixed activities during the shift.
        paid_h: paid hours.
        cost: wage cost.
        extra: an extra copy of a planned shift (beyond the plan's count).
        label: ``"Monday 08:00–16:30"``.
    """

    template: str
    queues: tuple[str, ...]
    start_min: int
    end_min: int
    breaks: tuple[PlacedBreak, ...]
    activities: tuple[Activity, ...]
    paid_h: float
    cost: float
    extra: bool
    label: str


@dataclass(frozen=True)
class PersonWeek:
    """A person's week: shifts and the totals their contract limits."""

    person_id: str
    contract: str
    shifts: tuple[AssignedShift, ...]
    paid_h: float
    cost: float
    days: int
    nights: int
    weekend_days: int
    late_shifts: int
    preference_score: float


@dataclass(frozen=True, eq=False)
class Roster:
    """Stage 2: the planned shifts given to named people, and the coverage they give.

    Args:
        status: CP-SAT status (``"OPTIMAL"`` or ``"FEASIBLE"``).
        objective: soft-goal cost of the roster (cost units).
        bound: CP-SAT's lower bound of that cost.
        solve_s: wall-clock seconds.
        people: every person's week, in input order.
        unassigned: planned shifts no one could take (count = how many).
        extra: extra copies of planned shifts given to people who needed hours.
        paid_hours: paid hours of all assigned shifts.
        cost: wage cost of all assigned shifts.
        under_coverage_h: agent-hours below the requirement.
        over_coverage_h: agent-hours above the requirement.
        coverage: per queue and interval, from the assigned shifts.
    """

    status: str
    objective: float
    bound: float
    solve_s: float
    people: tuple[PersonWeek, ...]
    unassigned: tuple[PlannedShift, ...]
    extra: tuple[PlannedShift, ...]
    paid_hours: float
    cost: float
    under_coverage_h: float
    over_coverage_h: float
    coverage: Coverage

    def week_of(self, person_id: str) -> PersonWeek:
        """The week of one person."""
        for week in self.people:
            if week.person_id == person_id:
                return week
        raise KeyError(person_id)


@dataclass(frozen=True, eq=False)
class WeekSchedule:
    """Both stages: the plan and the roster."""

    plan: ShiftPlan
    roster: Roster


def assign_shifts(
    problem: SchedulingProblem, plan: ShiftPlan, options: RosterOptions | None = None
) -> Roster:
    """Stage 2: give the planned shifts to named people (OR-Tools CP-SAT).

    The rules and goals are in the package docstring. With ``workers=1`` and a fixed seed the
    result is deterministic (when the search ends by optimality or deterministic time).

    Args:
        problem: the problem the plan was made for (with people).
        plan: the stage-1 plan.
        options: CP-SAT settings (default :class:`RosterOptions`).

    Returns:
        Every person's week, the unstaffed and extra shifts, and the coverage.

    Raises:
        ScheduleInfeasibleError: the people's rules cannot all hold; names a set of rules
            that conflict (each one needed for the conflict).
        ScheduleNotFoundError: no roster was found within the time limit.
        SchedulingInputError: the problem has no people.
    """
    from ortools.sat.python import cp_model  # only when a roster is solved

    from ccops.engines.scheduling import cpsat

    opts = options or RosterOptions()
    c = problem.compiled
    if not c.people:
        raise SchedulingInputError("assign_shifts needs people (the problem has none)")
    started = time.perf_counter()
    built = cpsat.build_stage2(problem, plan, opts, explain=False)
    solver = cpsat.new_solver(opts, opts.time_limit_s, opts.workers)
    status = solver.solve(built.model)
    solve_s = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        raise cpsat.explain_stage2(problem, plan, opts)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleNotFoundError(
            f"CP-SAT found no roster in {opts.time_limit_s:g} s (status "
            f"{solver.status_name(status)})"
        )
    assignment: dict[int, list[int]] = defaultdict(list)
    for (pi, k), var in built.z.items():
        if solver.boolean_value(var):
            assignment[pi].append(k)
    extra_left = {k: int(solver.value(e)) for k, e in enumerate(built.extra)}
    weeks: list[PersonWeek] = []
    for pi, p in enumerate(c.people):
        shifts = []
        for k in sorted(assignment.get(pi, []), key=lambda k: built.slots[k].shift.start_min):
            s = built.slots[k].shift
            is_extra = extra_left[k] > 0
            if is_extra:
                extra_left[k] -= 1
            shifts.append(
                AssignedShift(
                    template=s.template,
                    queues=s.queues,
                    start_min=s.start_min,
                    end_min=s.end_min,
                    breaks=s.breaks,
                    activities=tuple(
                        a
                        for a in p.fixed_activities
                        if s.start_min <= a.start_min and a.end_min <= s.end_min
                    ),
                    paid_h=s.paid_h,
                    cost=s.cost,
                    extra=is_extra,
                    label=c.span_label(s.start_min, s.end_min),
                )
            )
        weeks.append(_person_week(c, p, tuple(shifts)))
    unassigned = tuple(
        _with_count(built.slots[k].shift, int(solver.value(u)))
        for k, u in enumerate(built.under)
        if solver.value(u) > 0
    )
    extra = tuple(
        _with_count(built.slots[k].shift, int(solver.value(e)))
        for k, e in enumerate(built.extra)
        if solver.value(e) > 0
    )
    coverage = evaluate_roster(problem, plan, weeks)
    return Roster(
        status=solver.status_name(status),
        objective=solver.objective_value / _SCALE,
        bound=solver.best_objective_bound / _SCALE,
        solve_s=solve_s,
        people=tuple(weeks),
        unassigned=unassigned,
        extra=extra,
        paid_hours=float(sum(w.paid_h for w in weeks)),
        cost=float(sum(w.cost for w in weeks)),
        under_coverage_h=coverage.under_h,
        over_coverage_h=coverage.over_h,
        coverage=coverage,
    )


def _with_count(s: PlannedShift, count: int) -> PlannedShift:
    return PlannedShift(
        template=s.template,
        queues=s.queues,
        start_min=s.start_min,
        end_min=s.end_min,
        breaks=s.breaks,
        count=count,
        paid_h=s.paid_h,
        cost=s.cost,
    )


def _person_week(c: _Compiled, p: Person, shifts: tuple[AssignedShift, ...]) -> PersonWeek:
    score = 0.0
    for s in shifts:
        for pref in p.preferences:
            if pref.matches(s.template, s.start_min, s.end_min):
                score += pref.weight
    templates = [c.templates[c.tindex[s.template]] for s in shifts]
    return PersonWeek(
        person_id=p.id,
        contract=p.contract.name,
        shifts=shifts,
        paid_h=float(sum(s.paid_h for s in shifts)),
        cost=float(sum(s.cost for s in shifts)),
        days=len({s.start_min // DAY_MIN for s in shifts}),
        nights=sum(t.is_night for t in templates),
        weekend_days=sum(bool(c.weekend[(s.start_min // DAY_MIN) % c.n_days]) for s in shifts),
        late_shifts=sum(t.is_late for t in templates),
        preference_score=score,
    )


def evaluate_roster(
    problem: SchedulingProblem, plan: ShiftPlan, weeks: Sequence[PersonWeek]
) -> Coverage:
    """Coverage of a roster: people on the queues, net of breaks and activities.

    Each shift counts for the skill group the plan made it for; a multi-skilled group's net
    agents are split across its queues by the plan's allocation (:attr:`ShiftPlan.allocation`).

    Args:
        problem: the problem.
        plan: the plan the roster staffs (for the allocation).
        weeks: the people's weeks.

    Returns:
        Required versus scheduled net agents and the predicted service level.
    """
    c = problem.compiled
    items = []
    act = np.zeros((len(c.groups), c.n_int))
    for week in weeks:
        for s in week.shifts:
            g = _group_of(c, s.queues)
            items.append((g, c.tindex[s.template], s.start_min, s.breaks, 1))
            for a in s.activities:
                for i, frac in _span_fraction(
                    a.start_min, a.end_min, c.step, c.n_int, c.cyclic
                ).items():
                    act[g, i] += frac
    net = _net_by_group(c, items) - act
    scheduled = np.zeros((len(c.queues), c.n_int))
    for g, queues in enumerate(c.groups):
        key = tuple(c.queues[q] for q in queues)
        share = plan.allocation.get(key)
        if share is None:
            share = _shares(np.zeros((len(queues), c.n_int)), c.required[list(queues)])
        scheduled[list(queues)] += share * net[g]
    return Coverage(
        queues=c.queues,
        interval_min=c.step,
        required=c.required.copy(),
        scheduled=scheduled,
        predicted_service_level=problem.requirement.service_level(scheduled),
    )


def schedule_week(
    problem: SchedulingProblem,
    plan_options: PlanOptions | None = None,
    roster_options: RosterOptions | None = None,
) -> WeekSchedule:
    """Both stages: plan shifts and breaks (HiGHS), then give them to people (CP-SAT).

    Args:
        problem: the problem, with people.
        plan_options: stage-1 settings.
        roster_options: stage-2 settings.

    Returns:
        The plan and the roster.

    Raises:
        ScheduleInfeasibleError: either stage is infeasible; the rules are named.
        ScheduleNotFoundError: a solver found nothing within its time limit.
    """
    plan = plan_shifts(problem, plan_options)
    return WeekSchedule(plan=plan, roster=assign_shifts(problem, plan, roster_options))
