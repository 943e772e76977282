"""Stage 1: how many shifts of each template start when, with breaks placed (HiGHS MILP).

The formulation is in :mod:`ccops.engines.scheduling`. HiGHS is imported only when a plan
is solved (:mod:`ccops.engines.scheduling.milp`).
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ccops.engines.scheduling.errors import (
    ScheduleInfeasibleError,
    ScheduleNotFoundError,
)
from ccops.engines.scheduling.explain import _cover_notes, _shortfall_runs
from ccops.engines.scheduling.grid import (
    _INF,
    FloatArray,
    IntArray,
)
from ccops.engines.scheduling.inputs import (
    PlanOptions,
)
from ccops.engines.scheduling.problem import (
    SchedulingProblem,
    _Compiled,
    _span_fraction,
)

if TYPE_CHECKING:
    from ccops.engines.scheduling import milp


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacedBreak:
    """A break placed in a shift, minutes from the week start."""

    start_min: int
    end_min: int
    paid: bool


@dataclass(frozen=True)
class PlannedShift:
    """Shifts of one template, skill group, start and break placement (stage 1).

    Args:
        template: template name.
        queues: the skill group working it (its queues).
        start_min: start, minutes from the week start.
        end_min: end, minutes from the week start.
        breaks: the breaks, in order.
        count: how many such shifts.
        paid_h: paid hours of one shift.
        cost: cost of one shift.
    """

    template: str
    queues: tuple[str, ...]
    start_min: int
    end_min: int
    breaks: tuple[PlacedBreak, ...]
    count: int
    paid_h: float
    cost: float


@dataclass(frozen=True, eq=False)
class Coverage:
    """Required versus scheduled net agents per queue and interval.

    Args:
        queues: queue names (rows).
        interval_min: interval length, minutes.
        required: required net agents, shape (queues, intervals).
        scheduled: scheduled net agents on the queue (on shift, not on break or in an
            activity; multi-skilled people's time split by the plan), same shape.
        predicted_service_level: service level at the scheduled agents from the staffing
            engine (NaN where the requirement has no load data).
    """

    queues: tuple[str, ...]
    interval_min: int
    required: FloatArray
    scheduled: FloatArray
    predicted_service_level: FloatArray

    @property
    def under(self) -> FloatArray:
        """Missing net agents per queue and interval (>= 0)."""
        result: FloatArray = np.maximum(self.required - self.scheduled, 0.0)
        return result

    @property
    def over(self) -> FloatArray:
        """Net agents above the requirement per queue and interval (>= 0)."""
        result: FloatArray = np.maximum(self.scheduled - self.required, 0.0)
        return result

    @property
    def under_h(self) -> float:
        """Under-coverage in agent-hours."""
        return float(self.under.sum() * self.interval_min / 60.0)

    @property
    def over_h(self) -> float:
        """Over-coverage in agent-hours."""
        return float(self.over.sum() * self.interval_min / 60.0)


@dataclass(frozen=True, eq=False)
class ShiftPlan:
    """Stage 1: shifts and breaks, how good they are and how close to optimal.

    Args:
        status: ``"Within mip_rel_gap of the LP bound"`` when a RENS plan was close enough,
            else the full MILP's HiGHS status (``"Optimal"``, ``"Time limit reached"``, ...).
        objective: objective value of the plan (cost units).
        bound: the MILP dual bound from HiGHS (no plan can cost less).
        lp_bound: the value of the LP relaxation (NaN if not solved).
        gap: (objective - bound) / |objective|.
        lp_gap: (objective - lp_bound) / |objective|.
        solve_s: wall-clock seconds of the solves (LP relaxation and MILP).
        lp_s: seconds of the LP relaxation.
        paid_hours: paid hours of all planned shifts.
        cost: wage cost of all planned shifts.
        under_coverage_h: agent-hours below the requirement.
        over_coverage_h: agent-hours above the requirement.
        coverage: per queue and interval.
        shifts: the planned shifts with their breaks.
        allocation: skill group (queue names) -> shares of the group's net agents given to
            each of its queues, shape (len(group), intervals).
        notes: what the plan could not do (intervals the requirement cannot be covered in).
        model_size: columns, integer columns, rows and nonzeros of the MILP.
    """

    status: str
    objective: float
    bound: float
    lp_bound: float
    gap: float
    lp_gap: float
    solve_s: float
    lp_s: float
    paid_hours: float
    cost: float
    under_coverage_h: float
    over_coverage_h: float
    coverage: Coverage
    shifts: tuple[PlannedShift, ...]
    allocation: Mapping[tuple[str, ...], FloatArray]
    notes: tuple[str, ...]
    model_size: Mapping[str, int]

    @property
    def shift_count(self) -> int:
        """Number of planned shifts."""
        return sum(s.count for s in self.shifts)

    def counts(self) -> dict[tuple[str, int], int]:
        """Shifts per (template, start minute), over skill groups and break placements."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for s in self.shifts:
            out[(s.template, s.start_min)] += s.count
        return dict(out)


def plan_shifts(
    problem: SchedulingProblem,
    options: PlanOptions | None = None,
    *,
    fixed_counts: Mapping[tuple[str, int], int] | None = None,
) -> ShiftPlan:
    """Stage 1: how many shifts of each template start when, with breaks placed (HiGHS MILP).

    The formulation is in the package docstring. The LP relaxation is solved first (its value
    is ``lp_bound``), then the MILP within what is left of ``options.time_limit_s``.

    Args:
        problem: the validated problem.
        options: HiGHS settings (default :class:`PlanOptions`).
        fixed_counts: optional complete plan to evaluate instead of optimise: (template name,
            start minute from the week start) -> number of shifts; every other option is 0.
            Only the break placement and the split of multi-skilled time are then optimised.

    Returns:
        The plan with its bounds, gap, hours, cost and coverage.

    Raises:
        ScheduleInfeasibleError: no plan satisfies the rules (``full_cover`` with a
            requirement that cannot be met, contract minima the budget cannot pay, ...); the
            error names the intervals or the conflicting rules.
        ScheduleNotFoundError: HiGHS found no plan within the time limit.
        SchedulingInputError: ``fixed_counts`` names a start that does not exist.
    """
    from ccops.engines.scheduling import milp  # imports highspy: only when a plan is solved

    opts = options or PlanOptions()
    c = problem.compiled
    notes = tuple(_cover_notes(c))
    if problem.full_cover and notes:
        raise ScheduleInfeasibleError("the requirement cannot be covered in full", notes)
    model = milp.build_stage1(problem, fixed_counts)
    started = time.perf_counter()

    def left() -> float:
        return opts.time_limit_s - (time.perf_counter() - started)

    # 1. the LP relaxation: the bound, and the point the rounding heuristic starts from
    h = milp.run(model, opts, left(), integer=False)
    lp_s = time.perf_counter() - started
    if milp.infeasible(h):
        _explain_stage1(problem, model, opts, fixed_counts)
    lp_value = math.nan
    best: FloatArray | None = None
    best_obj = _INF
    if milp.optimal(h):
        lp_value = float(h.getInfo().objective_function_value)
        lp_point = np.asarray(h.getSolution().col_value, dtype=np.float64)
        # 2. RENS: the MILP restricted to the roundings of the LP point, first with every
        # integer column boxed, then with only the shift counts boxed and the breaks
        # continuous (the polish makes them integral again)
        if opts.rens and model.integer.any():
            for mask in (model.integer, milp.column_mask(model.lp.num_col_, model.x_col)):
                if best is not None and milp.within(best_obj, lp_value, opts.mip_rel_gap):
                    break
                lower = np.array(model.lp.col_lower_, dtype=np.float64)
                upper = np.array(model.lp.col_upper_, dtype=np.float64)
                lower[mask] = np.floor(lp_point[mask] + 1e-6)
                upper[mask] = np.ceil(lp_point[mask] - 1e-6)
                h = milp.run(
                    model,
                    opts,
                    left() * opts.rens_share,
                    integer=True,
                    bounds=(lower, upper),
                    integer_mask=mask,
                )
                found = milp.solution(model, h, integral=mask is model.integer)
                if found is None:
                    continue
                point, value = found
                if mask is not model.integer:
                    value = _INF  # breaks may be fractional: only the polish gives a plan
                point, value = milp.polish(model, opts, point, value, left())
                if value < best_obj:
                    best, best_obj = point, value
    status = "Within mip_rel_gap of the LP bound"
    bound = lp_value
    done = best is not None and milp.within(best_obj, lp_value, opts.mip_rel_gap)
    if not done:
        # 3. the full MILP, started from the RENS plan
        h = milp.run(model, opts, left(), integer=True, start=best)
        info = h.getInfo()
        found = milp.solution(model, h)
        if found is not None and found[1] < best_obj:
            best, best_obj = milp.polish(model, opts, found[0], found[1], left())
        if best is None:
            if milp.infeasible(h):
                _explain_stage1(problem, model, opts, fixed_counts)
            raise ScheduleNotFoundError(
                f"HiGHS found no plan in {opts.time_limit_s:g} s "
                f"(status: {h.modelStatusToString(h.getModelStatus())})"
            )
        status = h.modelStatusToString(h.getModelStatus())
        mip_bound = float(info.mip_dual_bound)
        bound = max(mip_bound, lp_value) if not math.isnan(lp_value) else mip_bound
    solve_s = time.perf_counter() - started
    assert best is not None
    values = best
    objective = best_obj
    scale = max(abs(objective), 1e-9)
    size = {
        "columns": int(model.lp.num_col_),
        "integer_columns": int(model.integer.sum()),
        "rows": int(model.lp.num_row_),
        "nonzeros": len(model.lp.a_matrix_.value_),
    }
    return _plan_from_solution(
        problem,
        model,
        values,
        status=status,
        objective=objective,
        bound=bound,
        lp_bound=lp_value,
        gap=max(objective - bound, 0.0) / scale,
        lp_gap=max(objective - lp_value, 0.0) / scale if not math.isnan(lp_value) else math.nan,
        solve_s=solve_s,
        lp_s=lp_s,
        notes=notes,
        size=size,
    )


def _explain_stage1(
    problem: SchedulingProblem,
    model: milp.Stage1,
    opts: PlanOptions,
    fixed_counts: Mapping[tuple[str, int], int] | None,
) -> None:
    """Raise :class:`ScheduleInfeasibleError` naming why no plan exists."""
    from ccops.engines.scheduling import milp

    c = problem.compiled
    limit = max(opts.time_limit_s / 4, 2.0)
    if problem.full_cover:
        soft = SchedulingProblem(
            requirement=problem.requirement,
            templates=problem.templates,
            people=problem.people,
            pools=problem.pools,
            plan_weights=problem.plan_weights,
            roster_weights=problem.roster_weights,
            cyclic=problem.cyclic,
            full_cover=False,
            budget_paid_h=problem.budget_paid_h,
            max_per_start=problem.max_per_start,
        )
        try:
            plan = plan_shifts(soft, opts, fixed_counts=fixed_counts)
        except ScheduleInfeasibleError as exc:
            raise ScheduleInfeasibleError(
                "the requirement cannot be covered in full", exc.rules
            ) from None
        rules = _shortfall_runs(c, plan.coverage.scheduled, "the best plan under the rules")
        raise ScheduleInfeasibleError(
            "the requirement cannot be covered in full under the contracts and rules", rules
        )
    names = sorted(model.families)
    integer = not milp.infeasible(
        milp.run(model, opts, limit, integer=False)
    )  # only the MILP fails
    if milp.infeasible(
        milp.run(model, opts, limit, integer=integer, relax=model.families.values())
    ):
        raise ScheduleInfeasibleError(
            "no plan exists even without the people's rules (check the shift templates)", []
        )
    needed: list[str] = []
    dropped: list[str] = []
    for name in names:  # deletion filter: drop a rule for good if the rest stays infeasible
        relax = [model.families[n] for n in [*dropped, name]]
        if milp.infeasible(milp.run(model, opts, limit, integer=integer, relax=relax)):
            dropped.append(name)
        else:
            needed.append(name)
    raise ScheduleInfeasibleError(
        "no shift plan satisfies these rules together",
        [model.family_text[n] for n in needed],
    )


def _net_by_group(
    c: _Compiled, items: Iterable[tuple[int, int, int, Sequence[PlacedBreak], int]]
) -> FloatArray:
    """Net agents on shift per group and interval: (group, template, start, breaks, count)."""
    net = np.zeros((len(c.groups), c.n_int))
    step, n_int = c.step, c.n_int
    for g, ti, start, breaks, count in items:
        if count == 0:
            continue
        idx = start // step + np.arange(c.templates[ti].length_min // step)
        idx = idx % n_int if c.cyclic else idx[idx < n_int]
        np.add.at(net[g], idx, count)
        for b in breaks:
            for i, frac in _span_fraction(b.start_min, b.end_min, step, n_int, c.cyclic).items():
                net[g, i] -= count * frac
    return net


def _plan_from_solution(
    problem: SchedulingProblem,
    model: milp.Stage1,
    values: FloatArray,
    *,
    status: str,
    objective: float,
    bound: float,
    lp_bound: float,
    gap: float,
    lp_gap: float,
    solve_s: float,
    lp_s: float,
    notes: tuple[str, ...],
    size: dict[str, int],
) -> ShiftPlan:
    c = problem.compiled
    x = np.rint(values[model.x_col]).astype(np.int64)
    per_go: dict[tuple[int, int], int] = defaultdict(int)
    for k in range(x.size):
        if x[k]:
            per_go[(c.crews[int(model.x_crew[k])].group, int(model.x_opt[k]))] += int(x[k])
    offsets: dict[tuple[int, int], list[IntArray]] = defaultdict(list)
    for g, o, _k, offs, cols in model.y:
        counts = np.rint(values[cols]).astype(np.int64)
        offsets[(g, o)].append(np.repeat(offs, np.maximum(counts, 0)))
    shifts: list[PlannedShift] = []
    for (g, o), n in sorted(per_go.items(), key=lambda kv: (int(c.opt_start[kv[0][1]]), kv[0])):
        ti = int(c.opt_tmpl[o])
        t = c.templates[ti]
        start = int(c.opt_start[o])
        lists = offsets.get((g, o), [])
        for k, arr in enumerate(lists):
            if arr.size != n:
                raise RuntimeError(f"break counts do not add up ({arr.size} != {n}, break {k})")
        patterns: Counter[tuple[int, ...]] = Counter(
            tuple(int(lists[k][r]) for k in range(len(lists))) for r in range(n)
        )
        for pattern, count in sorted(patterns.items()):
            placed = tuple(
                PlacedBreak(start + b, start + b + rule.length_min, paid)
                for b, (rule, paid) in zip(pattern, t.breaks, strict=True)
            )
            for k in range(1, len(placed)):
                if placed[k].start_min < placed[k - 1].end_min + t.breaks[k][0].min_gap_min:
                    raise RuntimeError("break order violated in the decomposition")
            shifts.append(
                PlannedShift(
                    template=t.name,
                    queues=tuple(c.queues[q] for q in c.groups[g]),
                    start_min=start,
                    end_min=start + t.length_min,
                    breaks=placed,
                    count=count,
                    paid_h=t.paid_h,
                    cost=t.paid_h * t.cost_per_hour,
                )
            )
    net = _net_by_group(
        c,
        (
            (_group_of(c, s.queues), c.tindex[s.template], s.start_min, s.breaks, s.count)
            for s in shifts
        ),
    )
    net -= model.act
    allocation: dict[tuple[str, ...], FloatArray] = {}
    scheduled = np.zeros((len(c.queues), c.n_int))
    for g, queues in enumerate(c.groups):
        key = tuple(c.queues[q] for q in queues)
        if len(queues) == 1:
            scheduled[queues[0]] += np.maximum(net[g], 0.0)
            allocation[key] = np.ones((1, c.n_int))
            continue
        alloc = np.stack([np.maximum(values[model.a[(g, q)]], 0.0) for q in queues])
        scheduled[list(queues)] += alloc
        allocation[key] = _shares(alloc, c.required[list(queues)])
    paid = sum(s.count * s.paid_h for s in shifts)
    cost = sum(s.count * s.cost for s in shifts)
    coverage = Coverage(
        queues=c.queues,
        interval_min=c.step,
        required=c.required.copy(),
        scheduled=scheduled,
        predicted_service_level=problem.requirement.service_level(scheduled),
    )
    return ShiftPlan(
        status=status,
        objective=objective,
        bound=bound,
        lp_bound=lp_bound,
        gap=gap,
        lp_gap=lp_gap,
        solve_s=solve_s,
        lp_s=lp_s,
        paid_hours=float(paid),
        cost=float(cost),
        under_coverage_h=coverage.under_h,
        over_coverage_h=coverage.over_h,
        coverage=coverage,
        shifts=tuple(shifts),
        allocation=allocation,
        notes=notes,
        model_size=size,
    )


def _group_of(c: _Compiled, queues: Sequence[str]) -> int:
    key = tuple(sorted(c.queues.index(q) for q in queues))
    return c.groups.index(key)


def _shares(alloc: FloatArray, required: FloatArray) -> FloatArray:
    """Row shares of ``alloc`` per column; where a column is empty, shares of ``required``."""
    total = alloc.sum(axis=0)
    req_total = required.sum(axis=0)
    fallback = np.where(
        req_total > 0, required / np.where(req_total > 0, req_total, 1.0), 1.0 / alloc.shape[0]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 1e-9, alloc / np.where(total > 1e-9, total, 1.0), fallback)
    result: FloatArray = share
    return result
