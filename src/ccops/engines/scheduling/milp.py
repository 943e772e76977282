"""Stage 1's mixed-integer programme: its columns and rows, and HiGHS runs (imports highspy)."""

from __future__ import annotations

import ctypes
import math
import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import highspy
import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from ccops.engines import queueing
from ccops.engines.scheduling.errors import (
    SchedulingInputError,
)
from ccops.engines.scheduling.grid import (
    _INF,
    DAY_MIN,
    BoolArray,
    FloatArray,
    IntArray,
    _fmt,
)
from ccops.engines.scheduling.inputs import (
    BreakRule,
    PlanOptions,
    PlanWeights,
    Requirement,
)
from ccops.engines.scheduling.problem import (
    SchedulingProblem,
    _allowed_templates,
    _Compiled,
    _Crew,
    _span_fraction,
)

# ---------------------------------------------------------------------------------------------
# stage 1: the MILP
# ---------------------------------------------------------------------------------------------


class _LpBuilder:
    """Columns, rows and coefficients collected in numpy arrays, then one HighsLp."""

    def __init__(self) -> None:
        self.cost: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.integer: list[BoolArray] = []
        self.row_lo: list[FloatArray] = []
        self.row_hi: list[FloatArray] = []
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.n_cols = 0
        self.n_rows = 0

    def cols(self, cost: ArrayLike, upper: ArrayLike, *, integer: bool) -> IntArray:
        cost_arr = np.atleast_1d(np.asarray(cost, dtype=np.float64))
        n = cost_arr.size
        self.cost.append(cost_arr)
        self.lower.append(np.zeros(n))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self.integer.append(np.full(n, integer))
        idx = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        self.n_cols += n
        return idx

    def rows(self, lo: ArrayLike, hi: ArrayLike, n: int | None = None) -> IntArray:
        lo_arr = np.atleast_1d(np.asarray(lo, dtype=np.float64))
        hi_arr = np.atleast_1d(np.asarray(hi, dtype=np.float64))
        size = n if n is not None else max(lo_arr.size, hi_arr.size)
        self.row_lo.append(np.broadcast_to(lo_arr, (size,)).copy())
        self.row_hi.append(np.broadcast_to(hi_arr, (size,)).copy())
        idx = np.arange(self.n_rows, self.n_rows + size, dtype=np.int64)
        self.n_rows += size
        return idx

    def add(self, rows: ArrayLike, cols: ArrayLike, vals: ArrayLike) -> None:
        r = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        c = np.atleast_1d(np.asarray(cols, dtype=np.int64))
        v = np.broadcast_to(np.asarray(vals, dtype=np.float64), np.broadcast(r, c).shape)
        r, c = np.broadcast_arrays(r, c)
        self.r.append(r.ravel())
        self.c.append(c.ravel())
        self.v.append(np.asarray(v, dtype=np.float64).ravel())

    def build(self) -> tuple[highspy.HighsLp, BoolArray, sparse.csc_matrix]:
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        cat = np.concatenate
        lp.col_cost_ = cat(self.cost) if self.cost else np.zeros(0)
        lp.col_lower_ = cat(self.lower) if self.lower else np.zeros(0)
        upper = cat(self.upper) if self.upper else np.zeros(0)
        lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        lo = cat(self.row_lo) if self.row_lo else np.zeros(0)
        hi = cat(self.row_hi) if self.row_hi else np.zeros(0)
        lp.row_lower_ = np.where(np.isinf(lo), -highspy.kHighsInf, lo)
        lp.row_upper_ = np.where(np.isinf(hi), highspy.kHighsInf, hi)
        r = cat(self.r) if self.r else np.zeros(0, dtype=np.int64)
        c = cat(self.c) if self.c else np.zeros(0, dtype=np.int64)
        v = cat(self.v) if self.v else np.zeros(0)
        mat = sparse.csc_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols))
        mat.sum_duplicates()
        mat.eliminate_zeros()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = self.n_rows
        lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
        lp.a_matrix_.index_ = mat.indices.astype(np.int32)
        lp.a_matrix_.value_ = mat.data.astype(np.float64)
        integer = cat(self.integer) if self.integer else np.zeros(0, dtype=bool)
        return lp, integer, mat


@dataclass
class Stage1:
    """The MILP and the meaning of its columns and rows (private)."""

    lp: highspy.HighsLp
    integer: BoolArray
    matrix: sparse.csc_matrix
    x_crew: IntArray
    x_opt: IntArray
    x_col: IntArray
    y: list[tuple[int, int, int, IntArray, IntArray]]  # group, option, break k, offsets, cols
    a: dict[tuple[int, int], IntArray]  # (group, queue) -> columns per interval
    u_q: IntArray
    u_i: IntArray
    u_col: IntArray
    v_col: IntArray  # per queue x interval
    act: FloatArray  # per group x interval: activity minutes / interval
    families: dict[str, IntArray]  # named rule -> rows (for explaining infeasibility)
    family_text: dict[str, str]


def _under_segments(
    c: _Compiled, req: Requirement, w: PlanWeights
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Under-coverage segments (queue, interval, upper bound, cost per agent-interval).

    See the package docstring: unit-width segments of the shortfall, priced by the running
    maximum of the marginal service-level loss, relative to the mean first-agent loss.
    """
    dt_h = c.step / 60.0
    base = dt_h * w.under_cost_per_h
    req_m = c.required
    n_q, n_int = req_m.shape
    qs: list[IntArray] = []
    is_: list[IntArray] = []
    ubs: list[FloatArray] = []
    rel: list[FloatArray] = []
    load = req._load
    if load is None or not w.sl_weighting:
        q_idx, i_idx = np.nonzero(req_m > 0)
        return (
            q_idx.astype(np.int64),
            i_idx.astype(np.int64),
            np.full(q_idx.size, _INF),
            np.full(q_idx.size, base),
        )
    rate, aht, target, patience = load
    max_seg = 64
    first_losses: list[FloatArray] = []
    for q in range(n_q):
        active = np.flatnonzero(req_m[q] > 0)
        if active.size == 0:
            continue
        r = req_m[q, active]
        n_seg = int(min(math.ceil(float(r.max()) - 1e-9), max_seg))
        n_seg = max(n_seg, 1)
        steps = np.arange(n_seg + 1, dtype=np.float64)
        points = np.maximum(r[:, None] - steps[None, :], 0.0)
        points[:, -1] = 0.0  # the last segment takes all the rest of the shortfall
        sl = np.asarray(
            queueing.service_level(
                points,
                rate[q, active][:, None],
                aht[q, active][:, None],
                target[q, active][:, None],
                patience_s=patience[q, active][:, None],
            ),
            dtype=np.float64,
        )
        width = points[:, :-1] - points[:, 1:]
        contacts = rate[q, active] * c.step * 60.0
        with np.errstate(invalid="ignore", divide="ignore"):
            marginal = np.where(
                width > 1e-12, contacts[:, None] * (sl[:, :-1] - sl[:, 1:]) / width, 0.0
            )
        marginal = np.maximum(marginal, 0.0)
        marginal = np.maximum.accumulate(marginal, axis=1)
        first_losses.append(marginal[:, 0])
        valid = width > 1e-12
        last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
        ub = np.where(valid, width, 0.0)
        ub[np.arange(len(active)), last] = _INF
        rows, cols = np.nonzero(valid)
        qs.append(np.full(rows.size, q, dtype=np.int64))
        is_.append(active[rows].astype(np.int64))
        ubs.append(ub[rows, cols])
        rel.append(marginal[rows, cols])
    if not qs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    ref = float(np.mean(np.concatenate(first_losses)))
    ratio = np.concatenate(rel) / ref if ref > 0 else np.ones(sum(len(x) for x in rel))
    cost = base * np.maximum(ratio, w.sl_weight_floor)
    return np.concatenate(qs), np.concatenate(is_), np.concatenate(ubs), cost


def _activity_load(c: _Compiled) -> tuple[FloatArray, dict[int, FloatArray]]:
    """Activity minutes per group and interval (as a share), and headcount per crew."""
    act = np.zeros((len(c.groups), c.n_int))
    heads: dict[int, FloatArray] = {}
    for ci, crew in enumerate(c.crews):
        count = np.zeros(c.n_int)
        for pi in crew.members:
            touched: set[int] = set()
            for a in c.people[pi].fixed_activities:
                for i, frac in _span_fraction(
                    a.start_min, a.end_min, c.step, c.n_int, c.cyclic
                ).items():
                    act[crew.group, i] += frac
                    touched.add(i)
            for i in touched:
                count[i] += 1
        if count.any():
            heads[ci] = count
    return act, heads


def build_stage1(
    problem: SchedulingProblem, fixed_counts: Mapping[tuple[str, int], int] | None
) -> Stage1:
    c = problem.compiled
    req = problem.requirement
    w = problem.plan_weights
    step, n_int = c.step, c.n_int
    n_q = len(c.queues)
    dt_h = step / 60.0
    lp = _LpBuilder()
    families: dict[str, list[IntArray]] = defaultdict(list)
    family_text: dict[str, str] = {}
    paid_h = np.array([t.paid_h for t in c.templates])
    wage = np.array([t.paid_h * t.cost_per_hour for t in c.templates])

    # x: shifts per crew and option
    xs_crew: list[IntArray] = []
    xs_opt: list[IntArray] = []
    xs_ub: list[FloatArray] = []
    for ci, crew in enumerate(c.crews):
        allowed = np.zeros(len(c.templates), dtype=bool)
        allowed[_allowed_templates(crew.contract, c.templates)] = True
        opts = np.flatnonzero((crew.ub > 0) & allowed[c.opt_tmpl]).astype(np.int64)
        xs_crew.append(np.full(opts.size, ci, dtype=np.int64))
        xs_opt.append(opts)
        xs_ub.append(crew.ub[opts])
    x_crew = np.concatenate(xs_crew) if xs_crew else np.zeros(0, dtype=np.int64)
    x_opt = np.concatenate(xs_opt) if xs_opt else np.zeros(0, dtype=np.int64)
    x_ub = np.concatenate(xs_ub) if xs_ub else np.zeros(0)
    x_col = lp.cols(wage[c.opt_tmpl[x_opt]], x_ub, integer=True)

    # coverage rows: one per queue and interval; one per multi-skilled group and interval
    act, heads = _activity_load(c)
    group_single = [g[0] if len(g) == 1 else -1 for g in c.groups]
    rhs = c.required.copy()
    for g, q in enumerate(group_single):
        if q >= 0:
            rhs[q] += act[g]
    q_rows = lp.rows(rhs.ravel(), rhs.ravel()).reshape(n_q, n_int)
    g_rows: dict[int, IntArray] = {}
    for g, q in enumerate(group_single):
        if q < 0:
            g_rows[g] = lp.rows(act[g], act[g])

    def cover_rows(g: int) -> IntArray:
        q = group_single[g]
        return q_rows[q] if q >= 0 else g_rows[g]

    x_group = np.array([c.crews[ci].group for ci in x_crew], dtype=np.int64)
    for k in range(x_col.size):
        cov = c.opt_cov[x_opt[k]]
        lp.add(cover_rows(int(x_group[k]))[cov], x_col[k], 1.0)

    # y: break placements per group, option, break and offset
    y_list: list[tuple[int, int, int, IntArray, IntArray]] = []
    for g in range(len(c.groups)):
        rows_g = cover_rows(g)
        mask = x_group == g
        for o in np.unique(x_opt[mask]):
            o = int(o)
            xcols = x_col[mask & (x_opt == o)]
            ti = int(c.opt_tmpl[o])
            t = c.templates[ti]
            start_idx = int(c.opt_start[o]) // step
            prev: tuple[IntArray, IntArray, BreakRule] | None = None
            for k, (offsets, profiles) in enumerate(c.brk[ti]):
                rule = t.breaks[k][0]
                ub = float(x_ub[mask & (x_opt == o)].sum())
                ycols = lp.cols(np.zeros(offsets.size), ub, integer=True)
                y_list.append((g, o, k, offsets, ycols))
                row = lp.rows(0.0, 0.0)
                lp.add(row, ycols, 1.0)
                lp.add(row, xcols, -1.0)
                for j, (rel, frac) in enumerate(profiles):
                    idx = start_idx + rel
                    if c.cyclic:
                        idx = idx % n_int
                    keep = idx < n_int
                    lp.add(rows_g[idx[keep]], ycols[j], -frac[keep])
                if prev is not None:
                    p_offsets, p_cols, p_rule = prev
                    for j, b in enumerate(offsets):
                        done = p_offsets + p_rule.length_min + rule.min_gap_min <= b
                        if done.all():
                            continue
                        row = lp.rows(-_INF, 0.0)
                        lp.add(row, ycols[: j + 1], 1.0)
                        if done.any():
                            lp.add(row, p_cols[done], -1.0)
                prev = (offsets, ycols, rule)

    # d: activity time no planned shift holds (ten times the price of a missing agent)
    for g in range(len(c.groups)):
        busy = np.flatnonzero(act[g] > 0)
        if busy.size:
            price = 10.0 * dt_h * max(w.under_cost_per_h, 1.0)
            d_cols = lp.cols(np.full(busy.size, price), _INF, integer=False)
            lp.add(cover_rows(g)[busy], d_cols, 1.0)

    # a: the plan's split of multi-skilled groups' time
    a_cols: dict[tuple[int, int], IntArray] = {}
    for g, rows_g in g_rows.items():
        for q in c.groups[g]:
            cols = lp.cols(np.zeros(n_int), _INF, integer=False)
            a_cols[(g, q)] = cols
            lp.add(rows_g, cols, -1.0)
            lp.add(q_rows[q], cols, 1.0)

    # u: under-coverage segments; v: over-coverage
    if problem.full_cover:
        u_q = u_i = np.zeros(0, dtype=np.int64)
        u_col = np.zeros(0, dtype=np.int64)
    else:
        u_q, u_i, u_ub, u_cost = _under_segments(c, req, w)
        u_col = lp.cols(u_cost, u_ub, integer=False)
        lp.add(q_rows[u_q, u_i], u_col, 1.0)
    v_col = lp.cols(np.full(n_q * n_int, dt_h * w.over_cost_per_h), _INF, integer=False)
    lp.add(q_rows.ravel(), v_col, -1.0)

    # people: aggregate rules per crew
    for ci, crew in enumerate(c.crews):
        sel = x_crew == ci
        cols, opts = x_col[sel], x_opt[sel]
        if cols.size == 0:
            continue
        name = _crew_name(c, crew)
        days = c.opt_start[opts] // DAY_MIN
        if ci in heads:
            sub = c.cov_matrix[opts].tocsc()
            need = heads[ci]
            for i in np.flatnonzero(need > 0):
                lo, hi = sub.indptr[i], sub.indptr[i + 1]
                holders = sub.indices[lo:hi]
                most = float(c.crews[ci].ub[opts[holders]].sum())
                if most <= 0:
                    continue  # no shift can hold it: stage 2 names the activity
                row = lp.rows(min(need[i], most), _INF)
                families[f"activities:{ci}"].append(row)
                lp.add(row, cols[holders], 1.0)
            family_text[f"activities:{ci}"] = (
                f"{name}: the fixed activities of its people need them on shift"
            )
        if crew.contract is None:
            if crew.max_per_day is not None:
                for d in np.unique(days):
                    row = lp.rows(-_INF, crew.max_per_day)
                    lp.add(row, cols[days == d], 1.0)
            continue
        _crew_rows(c, crew, ci, cols, opts, paid_h, lp, families, family_text)

    if problem.budget_paid_h is not None and x_col.size:
        row = lp.rows(-_INF, problem.budget_paid_h)
        lp.add(row, x_col, paid_h[c.opt_tmpl[x_opt]])
        families["budget"].append(row)
        family_text["budget"] = f"budget_paid_h {_fmt(problem.budget_paid_h)}"
    if fixed_counts is not None:
        wanted = np.zeros(len(c.opt_tmpl))
        for (tname, start), n in fixed_counts.items():
            hits = np.flatnonzero((c.opt_tmpl == c.tindex.get(tname, -1)) & (c.opt_start == start))
            if hits.size == 0:
                raise SchedulingInputError(
                    f"fixed_counts: template {tname!r} has no start at minute {start}"
                )
            wanted[hits[0]] = n
        for o in range(len(c.opt_tmpl)):
            cols = x_col[x_opt == o]
            if cols.size:
                row = lp.rows(wanted[o], wanted[o])
                lp.add(row, cols, 1.0)
                families["fixed_counts"].append(row)
            elif wanted[o] > 0:
                raise SchedulingInputError(
                    f"fixed_counts: no crew can work {c.templates[c.opt_tmpl[o]].name!r} at "
                    f"{c.when(int(c.opt_start[o]))}"
                )
        family_text["fixed_counts"] = "the fixed shift counts"

    built, integer, matrix = lp.build()
    return Stage1(
        lp=built,
        integer=integer,
        matrix=matrix,
        x_crew=x_crew,
        x_opt=x_opt,
        x_col=x_col,
        y=y_list,
        a=a_cols,
        u_q=u_q,
        u_i=u_i,
        u_col=u_col,
        v_col=v_col.reshape(n_q, n_int),
        act=act,
        families={k: np.concatenate(v) for k, v in families.items()},
        family_text=family_text,
    )


def _crew_name(c: _Compiled, crew: _Crew) -> str:
    queues = " + ".join(c.queues[q] for q in c.groups[crew.group])
    if crew.contract is None:
        return f"pool {queues}"
    ids = [c.people[p].id for p in crew.members]
    who = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f"{who} (skills {queues}, contract {crew.contract.name!r})"


def _crew_rows(
    c: _Compiled,
    crew: _Crew,
    ci: int,
    cols: IntArray,
    opts: IntArray,
    paid_h: FloatArray,
    lp: _LpBuilder,
    families: dict[str, list[IntArray]],
    family_text: dict[str, str],
) -> None:
    """Aggregate contract rules of one crew of named people (necessary for stage 2)."""
    contract = crew.contract
    assert contract is not None
    name = _crew_name(c, crew)
    members = list(crew.members)
    rows = np.asarray(members, dtype=np.int64)
    take = c.can_take[np.ix_(rows, opts)]  # members x the crew's options
    days = c.opt_start[opts] // DAY_MIN
    ub = crew.ub[opts]
    avail_day = np.zeros((len(members), c.n_days), dtype=bool)
    for d in range(c.n_days):
        on = days == d
        if on.any():
            avail_day[:, d] = take[:, on].any(axis=1)
            cap = int(avail_day[:, d].sum())
            if cap < ub[on].sum():
                row = lp.rows(-_INF, cap)
                lp.add(row, cols[on], 1.0)
    # rest between shifts: a window shorter than shift + rest holds one start per person
    lengths = [c.templates[t].length_min for t in np.unique(c.opt_tmpl[opts])]
    window = min(lengths) + round(contract.min_rest_h * 60)
    starts = c.opt_start[opts]
    last_set: tuple[int, ...] = ()
    for anchor in range(0, c.n_days * DAY_MIN, 60):
        inside = (starts >= anchor) & (starts < anchor + window)
        members_in = take[:, inside].any(axis=1)
        key = tuple(int(v) for v in np.flatnonzero(inside))
        if not key or key == last_set:
            continue
        last_set = key
        cap = int(members_in.sum())
        if cap < ub[inside].sum():
            row = lp.rows(-_INF, cap)
            lp.add(row, cols[inside], 1.0)
    # consecutive days
    m = contract.max_consecutive_days
    if m < c.n_days:
        for d0 in range(c.n_days - m):
            span = (days >= d0) & (days <= d0 + m)
            cap = int(np.minimum(avail_day[:, d0 : d0 + m + 1].sum(axis=1), m).sum())
            row = lp.rows(-_INF, cap)
            lp.add(row, cols[span], 1.0)
    # weekly days, hours, nights, weekend days
    n_avail = avail_day.sum(axis=1)
    longest = max(c.templates[t].paid_h for t in np.unique(c.opt_tmpl[opts]))
    day_lo = hour_lo = 0.0
    day_hi = hour_hi = 0.0
    weekend_hi = 0.0
    for k, pi in enumerate(members):
        p = c.people[pi]
        credit_h = sum(o.credit_h for o in p.time_off)
        credit_d = sum(o.credit_days for o in p.time_off)
        dmin = max(contract.days_min - credit_d, 0)
        dmax = max(min(contract.days_max - credit_d, int(n_avail[k])), 0)
        day_lo += min(dmin, dmax)
        day_hi += dmax
        hmin = max(contract.weekly_min_h - credit_h, 0.0)
        hour_lo += min(hmin, dmax * longest)
        hour_hi += max(contract.weekly_max_h - credit_h, 0.0)
        weekend_hi += min(contract.max_weekend_days, int(avail_day[k, c.weekend].sum()))
    row = lp.rows(day_lo, day_hi)
    lp.add(row, cols, 1.0)
    families[f"days:{ci}"].append(row)
    family_text[f"days:{ci}"] = (
        f"{name}: days_min {contract.days_min} / days_max {contract.days_max} per person "
        f"({_fmt(day_lo)}-{_fmt(day_hi)} shifts in all)"
    )
    row = lp.rows(hour_lo, hour_hi)
    lp.add(row, cols, paid_h[c.opt_tmpl[opts]])
    families[f"hours:{ci}"].append(row)
    family_text[f"hours:{ci}"] = (
        f"{name}: weekly_min_h {_fmt(contract.weekly_min_h)} / weekly_max_h "
        f"{_fmt(contract.weekly_max_h)} per person ({_fmt(round(hour_lo, 2))}-"
        f"{_fmt(round(hour_hi, 2))} paid hours in all)"
    )
    night = np.array([c.templates[t].is_night for t in c.opt_tmpl[opts]], dtype=bool)
    if night.any():
        row = lp.rows(-_INF, contract.max_nights * len(members))
        lp.add(row, cols[night], 1.0)
    weekend = c.weekend[days]
    if weekend.any():
        row = lp.rows(-_INF, weekend_hi)
        lp.add(row, cols[weekend], 1.0)


_BANNER_LOCK = threading.Lock()
_banner_shown = False


def _first_highs(factory: Any) -> Any:
    """Make a Highs, sending the banner HiGHS prints on the process's first one to stderr.

    HiGHS writes "Running HiGHS ..." to the C-level stdout before any option can be set, which
    would break ``--json`` output and tables piped into other programs. Only the first instance
    prints it, so only that one is made with file descriptor 1 pointed at stderr.
    """
    global _banner_shown
    with _BANNER_LOCK:
        if _banner_shown:
            return factory()
        libc = ctypes.CDLL(None)
        libc.fflush(None)
        saved = os.dup(1)
        try:
            os.dup2(2, 1)
            h = factory()
            libc.fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
        return h


def _highs(threads: int, seed: int, time_limit_s: float, mip_rel_gap: float) -> Any:
    factory: Any = highspy.Highs  # highspy's stubs are partial
    h = _first_highs(factory)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("time_limit", max(time_limit_s, 0.5))
    h.setOptionValue("mip_rel_gap", mip_rel_gap)
    h.resetGlobalScheduler(True)  # the threads option takes effect only on a fresh scheduler
    return h


_FEASIBLE: Final = 2  # HiGHS solution status: a feasible solution exists


def run(
    model: Stage1,
    opts: PlanOptions,
    time_limit_s: float,
    *,
    integer: bool,
    relax: Iterable[IntArray] = (),
    bounds: tuple[FloatArray, FloatArray] | None = None,
    start: FloatArray | None = None,
    mip_rel_gap: float | None = None,
    integer_mask: BoolArray | None = None,
) -> Any:
    gap = opts.mip_rel_gap if mip_rel_gap is None else mip_rel_gap
    h = _highs(opts.threads, opts.seed, time_limit_s, gap)
    lp = model.lp
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    mask = model.integer if integer_mask is None else integer_mask
    lp.integrality_ = [kinds[int(b)] for b in mask] if integer else []
    if not integer:
        h.setOptionValue("solver", "ipm")  # faster than simplex here; crossover keeps it exact
    if bounds is not None:
        saved = (lp.col_lower_, lp.col_upper_)
        lp.col_lower_, lp.col_upper_ = bounds
        h.passModel(lp)
        lp.col_lower_, lp.col_upper_ = saved
    else:
        h.passModel(lp)
    rows = [r for r in relax if r.size]
    if rows:
        idx = np.concatenate(rows).astype(np.int32)
        h.changeRowsBounds(
            idx.size,
            idx,
            np.full(idx.size, -highspy.kHighsInf),
            np.full(idx.size, highspy.kHighsInf),
        )
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start
        h.setSolution(sol)
    h.run()
    return h


def optimal(h: Any) -> bool:
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def infeasible(h: Any) -> bool:
    return bool(
        h.getModelStatus()
        in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
    )


def solution(model: Stage1, h: Any, *, integral: bool = True) -> tuple[FloatArray, float] | None:
    """HiGHS's plan and its objective, recomputed and checked against every row and bound.

    HiGHS 1.16 can report, after a MILP started from a given plan, an objective that differs
    from the plan it returns; the engine trusts only what it can verify.
    """
    if h.getInfo().primal_solution_status != _FEASIBLE:
        return None
    point = np.asarray(h.getSolution().col_value, dtype=np.float64)
    lp = model.lp
    tol = 1e-6
    lower = np.asarray(lp.col_lower_, dtype=np.float64)
    upper = np.asarray(lp.col_upper_, dtype=np.float64)
    ints = model.integer
    near = np.abs(point[ints] - np.rint(point[ints])) <= tol
    if integral and not near.all():
        return None
    point[ints] = np.where(near, np.rint(point[ints]), point[ints])
    activity = model.matrix @ point
    row_lo = np.asarray(lp.row_lower_, dtype=np.float64)
    row_hi = np.asarray(lp.row_upper_, dtype=np.float64)
    scale = 1.0 + np.abs(activity)
    if (
        (activity < row_lo - tol * scale).any()
        or (activity > row_hi + tol * scale).any()
        or (point < lower - tol).any()
        or (point > upper + tol).any()
    ):
        return None
    return point, float(np.asarray(lp.col_cost_, dtype=np.float64) @ point)


def column_mask(n: int, cols: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[cols] = True
    return out


def within(value: float, bound: float, rel_gap: float) -> bool:
    return bool(value - bound <= rel_gap * max(abs(value), 1e-9))


def polish(
    model: Stage1, opts: PlanOptions, point: FloatArray, value: float, time_left: float
) -> tuple[FloatArray, float]:
    """Keep the shift counts of ``point`` and re-optimise breaks and allocation exactly."""
    if time_left < 1.0:
        return point, value
    lower = np.array(model.lp.col_lower_, dtype=np.float64)
    upper = np.array(model.lp.col_upper_, dtype=np.float64)
    counts = np.rint(point[model.x_col])
    lower[model.x_col] = counts
    upper[model.x_col] = counts
    h = run(
        model,
        opts,
        min(time_left, 10.0),
        integer=True,
        bounds=(lower, upper),
        mip_rel_gap=0.0,
    )
    found = solution(model, h)
    if found is not None and found[1] < value:
        return found
    return point, value
