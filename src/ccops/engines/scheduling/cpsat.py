"""Stage 2's CP-SAT model: the roster's rules and goals, and the search for conflicting rules."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from ccops.engines.scheduling.errors import (
    ScheduleInfeasibleError,
)
from ccops.engines.scheduling.grid import (
    _SCALE,
    DAY_MIN,
    IntArray,
    _fmt,
)
from ccops.engines.scheduling.inputs import (
    Activity,
    RosterOptions,
)
from ccops.engines.scheduling.problem import (
    SchedulingProblem,
    _allowed_templates,
    _Compiled,
)
from ccops.engines.scheduling.shift_plan import (
    PlannedShift,
    ShiftPlan,
    _group_of,
)


@dataclass(frozen=True)
class _Slot:
    shift: PlannedShift
    group: int
    template: int
    day: int
    weekend: bool
    night: bool
    late: bool
    paid_min: int


@dataclass
class Stage2:
    model: cp_model.CpModel
    slots: list[_Slot]
    z: dict[tuple[int, int], cp_model.IntVar]
    under: list[cp_model.IntVar]
    extra: list[cp_model.IntVar]
    rules: list[tuple[cp_model.IntVar, str]]


def _slots_of(c: _Compiled, plan: ShiftPlan) -> list[_Slot]:
    out = []
    for s in plan.shifts:
        if s.count <= 0:
            continue
        ti = c.tindex[s.template]
        t = c.templates[ti]
        day = s.start_min // DAY_MIN
        out.append(
            _Slot(
                shift=s,
                group=_group_of(c, s.queues),
                template=ti,
                day=day,
                weekend=bool(c.weekend[day % c.n_days]),
                night=t.is_night,
                late=t.is_late,
                paid_min=t.paid_min,
            )
        )
    return out


def _maximal_cliques(starts: IntArray, ends: IntArray) -> list[IntArray]:
    """Maximal sets of intervals ``[start, end)`` sharing a point (at least two members)."""
    points = np.unique(starts)
    members = [np.flatnonzero((starts <= p) & (p < ends)) for p in points]
    out: list[IntArray] = []
    for k, m in enumerate(members):
        if m.size < 2:
            continue
        if k + 1 < len(members) and np.isin(m, members[k + 1]).all():
            continue  # contained in the clique at the next point
        out.append(m)
    return out


def _covers_activity(slot: _Slot, a: Activity) -> bool:
    s = slot.shift
    if not (s.start_min <= a.start_min and a.end_min <= s.end_min):
        return False
    return not any(b.start_min < a.end_min and a.start_min < b.end_min for b in s.breaks)


def build_stage2(
    problem: SchedulingProblem, plan: ShiftPlan, opts: RosterOptions, *, explain: bool
) -> Stage2:
    c = problem.compiled
    rw = problem.roster_weights
    model = cp_model.CpModel()
    slots = _slots_of(c, plan)
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    rules: list[tuple[cp_model.IntVar, str]] = []
    objective: list[Any] = []

    def rule(text: str) -> list[cp_model.IntVar]:
        if not explain:
            return []
        lit = model.new_bool_var(f"rule{len(rules)}")
        rules.append((lit, text))
        return [lit]

    def add(constraint: Any, enforce: list[cp_model.IntVar]) -> None:
        if enforce:
            constraint.only_enforce_if(enforce)

    slot_start = np.array([s.shift.start_min for s in slots], dtype=np.int64)
    slot_end = np.array([s.shift.end_min for s in slots], dtype=np.int64)
    for pi, p in enumerate(c.people):
        contract = p.contract
        pid, cname = p.id, contract.name
        allowed = set(_allowed_templates(contract, c.templates))
        mine = [
            k
            for k, s in enumerate(slots)
            if s.template in allowed and set(c.groups[s.group]) <= c.person_queues[pi]
        ]
        blocked: dict[int, list[list[cp_model.IntVar]]] = defaultdict(list)
        for off in p.time_off:
            hit = [k for k in mine if off.start_min < slot_end[k] and slot_start[k] < off.end_min]
            if hit:
                lit = rule(
                    f"{pid}: approved {off.reason} {c.span_label(off.start_min, off.end_min)}"
                )
                for k in hit:
                    blocked[k].append(lit)
        if p.availability is not None:
            outside = [
                k
                for k in mine
                if not any(a.contains(int(slot_start[k]), int(slot_end[k])) for a in p.availability)
            ]
            if outside:
                spans = ", ".join(c.span_label(a.start_min, a.end_min) for a in p.availability)
                lit = rule(f"{pid}: available only {spans or 'never'}")
                for k in outside:
                    blocked[k].append(lit)
        rest_min = round(contract.min_rest_h * 60)
        if p.last_shift_end_min is not None:
            early = [k for k in mine if slot_start[k] < p.last_shift_end_min + rest_min]
            if early:
                lit = rule(
                    f"{pid}: contract {cname!r} min_rest_h {_fmt(contract.min_rest_h)} after "
                    f"last week's shift ending {c.when(p.last_shift_end_min)}"
                )
                for k in early:
                    blocked[k].append(lit)
        for k in mine:
            if k in blocked and not explain:
                continue
            var = model.new_bool_var(f"z_{pi}_{k}")
            z[(pi, k)] = var
            for lit in blocked.get(k, []):
                model.add_implication(lit[0], var.Not())
        ks = [k for k in mine if (pi, k) in z]
        if not ks:
            ks_arr = np.zeros(0, dtype=np.int64)
        else:
            ks_arr = np.array(ks, dtype=np.int64)
        zs = [z[(pi, k)] for k in ks]
        # structural: one shift per calendar day, shifts never overlap
        by_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for k in ks:
            by_day[slots[k].day].append(z[(pi, k)])
        for vars_ in by_day.values():
            if len(vars_) > 1:
                model.add_at_most_one(vars_)
        if ks:
            for clique in _maximal_cliques(slot_start[ks_arr], slot_end[ks_arr]):
                model.add_at_most_one([zs[j] for j in clique])
            if rest_min > 0:
                lit = rule(
                    f"{pid}: contract {cname!r} min_rest_h {_fmt(contract.min_rest_h)} between "
                    "shifts"
                )
                for clique in _maximal_cliques(slot_start[ks_arr], slot_end[ks_arr] + rest_min):
                    add(model.add(_lsum([zs[j] for j in clique]) <= 1), lit)
        credit_h = sum(o.credit_h for o in p.time_off)
        credit_d = sum(o.credit_days for o in p.time_off)
        paid = cp_model.LinearExpr.weighted_sum(
            [z[(pi, k)] for k in ks], [slots[k].paid_min for k in ks]
        )
        lo_min = math.ceil(max(contract.weekly_min_h - credit_h, 0.0) * 60 - 1e-6)
        hi_min = math.floor(max(contract.weekly_max_h - credit_h, 0.0) * 60 + 1e-6)
        credit = f" less {_fmt(credit_h)} h credited time off" if credit_h else ""
        if lo_min > 0:
            lit = rule(
                f"{pid}: contract {cname!r} weekly_min_h {_fmt(contract.weekly_min_h)}{credit}"
            )
            add(model.add(paid >= lo_min), lit)
        lit = rule(f"{pid}: contract {cname!r} weekly_max_h {_fmt(contract.weekly_max_h)}{credit}")
        add(model.add(paid <= hi_min), lit)
        work = {d: _lsum(v) for d, v in by_day.items()}
        days_total = _lsum(list(work.values()))
        credit = f" less {credit_d} credited days of time off" if credit_d else ""
        d_lo = max(contract.days_min - credit_d, 0)
        d_hi = max(contract.days_max - credit_d, 0)
        if d_lo > 0:
            lit = rule(f"{pid}: contract {cname!r} days_min {contract.days_min}{credit}")
            add(model.add(days_total >= d_lo), lit)
        if d_hi < c.n_days:
            lit = rule(f"{pid}: contract {cname!r} days_max {contract.days_max}{credit}")
            add(model.add(days_total <= d_hi), lit)
        m = contract.max_consecutive_days
        before = p.consecutive_days_before
        if m < c.n_days + before:
            text = f"{pid}: contract {cname!r} max_consecutive_days {m}"
            if before:
                text += f" ({before} days worked just before the week)"
            lit = rule(text)
            for d0 in range(-min(before, m), c.n_days - m):
                days = range(max(d0, 0), d0 + m + 1)
                cap = m - max(-d0, 0)
                terms = [work[d] for d in days if d in work]
                if terms and (len(terms) > cap):
                    add(model.add(_lsum(terms) <= cap), lit)
        nights = [z[(pi, k)] for k in ks if slots[k].night]
        if len(nights) > contract.max_nights:
            lit = rule(f"{pid}: contract {cname!r} max_nights {contract.max_nights}")
            add(model.add(_lsum(nights) <= contract.max_nights), lit)
        weekend = [z[(pi, k)] for k in ks if slots[k].weekend]
        if len(weekend) > contract.max_weekend_days:
            lit = rule(f"{pid}: contract {cname!r} max_weekend_days {contract.max_weekend_days}")
            add(model.add(_lsum(weekend) <= contract.max_weekend_days), lit)
        for a in p.fixed_activities:
            covering = [z[(pi, k)] for k in ks if _covers_activity(slots[k], a)]
            lit = rule(
                f"{pid}: {a.kind} {a.name!r} {c.span_label(a.start_min, a.end_min)} must fall "
                f"inside a shift {pid} works, outside its breaks"
            )
            add(model.add(_lsum(covering) >= 1), lit)
        if explain:
            continue
        # soft goals
        for flag, hist, scale in (
            ("weekend", p.recent_weekend_days, rw.weekend_fairness),
            ("late", p.recent_late_shifts, rw.late_fairness),
        ):
            chosen = [k for k in ks if getattr(slots[k], flag)]
            n_days = len({slots[k].day for k in chosen})
            if not chosen or scale == 0 or n_days == 0:
                continue
            steps = [model.new_bool_var(f"{flag}_{pi}_{j}") for j in range(n_days)]
            model.add(_lsum(steps) == _lsum([z[(pi, k)] for k in chosen]))
            for j in range(n_days - 1):
                model.add_implication(steps[j + 1], steps[j])
            for j, b in enumerate(steps):
                objective.append(round(scale * _SCALE * (hist + j + 1)) * b)
        for k in ks:
            s = slots[k]
            coef = 0.0
            for pref in p.preferences:
                if pref.matches(s.shift.template, s.shift.start_min, s.shift.end_min):
                    coef -= pref.weight * rw.preference
            level = sum(p.skills[c.queues[q]] - 1 for q in c.groups[s.group])
            coef += rw.secondary_skill * level
            if round(coef * _SCALE):
                objective.append(round(coef * _SCALE) * z[(pi, k)])

    under: list[cp_model.IntVar] = []
    extra: list[cp_model.IntVar] = []
    takers_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (_pi, k), var in z.items():
        takers_of[k].append(var)
    for k, s in enumerate(slots):
        takers = takers_of[k]
        n = s.shift.count
        u = model.new_int_var(0, n, f"under_{k}")
        e_max = len(takers) if opts.allow_extra_shifts else 0
        e = model.new_int_var(0, e_max, f"extra_{k}")
        model.add(_lsum(takers) + u - e == n)
        under.append(u)
        extra.append(e)
        if not explain:
            objective.append(round(rw.unassigned_per_h * s.paid_min / 60 * _SCALE) * u)
            objective.append(round(rw.extra_per_h * s.paid_min / 60 * _SCALE) * e)
    if not explain and objective:
        model.minimize(_lsum(objective))
    return Stage2(model=model, slots=slots, z=z, under=under, extra=extra, rules=rules)


def _lsum(terms: Sequence[Any]) -> Any:
    """A CP-SAT linear sum (also of an empty list)."""
    return cp_model.LinearExpr.sum(list(terms))


def new_solver(opts: RosterOptions, time_limit_s: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = opts.seed
    solver.parameters.linearization_level = 2  # a stronger LP: faster on these assignments
    if opts.max_deterministic_time is not None:
        solver.parameters.max_deterministic_time = opts.max_deterministic_time
    return solver


def explain_stage2(
    problem: SchedulingProblem, plan: ShiftPlan, opts: RosterOptions
) -> ScheduleInfeasibleError:
    """Find a set of rules that conflict, each one needed (assumptions, then deletion)."""
    built = build_stage2(problem, plan, opts, explain=True)
    model = built.model
    text = {lit.index: t for lit, t in built.rules}
    order = [lit.index for lit, _ in built.rules]
    by_index = {lit.index: lit for lit, _ in built.rules}

    def solve(assumed: list[int]) -> tuple[Any, list[int]]:
        model.clear_assumptions()
        model.add_assumptions([by_index[i] for i in assumed])
        solver = new_solver(opts, opts.explain_time_limit_s, 1)
        status = solver.solve(model)
        core = (
            list(solver.sufficient_assumptions_for_infeasibility())
            if (status == cp_model.INFEASIBLE)
            else []
        )
        return status, core

    status, core = solve(order)
    headline = "the week cannot be rostered"
    if not opts.allow_extra_shifts:
        headline += " with exactly the planned shifts"
    if status != cp_model.INFEASIBLE:
        return ScheduleInfeasibleError(
            headline + " (the conflicting rules could not be isolated in time)", []
        )
    current = [i for i in order if i in set(core)] or order
    for i in list(current):
        if i not in current:
            continue
        trial = [j for j in current if j != i]
        status, smaller = solve(trial)
        if status == cp_model.INFEASIBLE:
            keep = set(smaller) if smaller else set(trial)
            current = [j for j in trial if j in keep]
    if not current:
        return ScheduleInfeasibleError(
            headline + " under the fixed rules (one shift per person per day, no overlapping "
            "shifts, skills and contract templates)",
            [],
        )
    return ScheduleInfeasibleError(headline, [text[i] for i in current])
