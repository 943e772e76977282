"""Multi-queue capacity with shared skills and hiring waves: the weekly gap of a site.

Each week, the people of each skill set (a group) can work on any queue of their set. The
requirement is covered as well as it can be: a transportation LP, maximise sum x[g, q] subject
to sum_q x[g, q] <= supply[g] and sum_g x[g, q] <= required[q], x >= 0 and x[g, q] = 0 where
group g lacks queue q (solved with HiGHS through scipy). The gap of a week is required minus
covered; its total is unique (the maximum flow), and a second LP with that total spreads it over
the queues in proportion to their requirement (minimise the largest uncovered share).

A wave of ``hires`` people starts its class in week ``start``, goes live in week ``live`` (no
productivity before: they are in the classroom), then nests: in the k-th week after go-live a
graduate yields ``nesting[k]`` of an FTE (reduced occupancy and longer handle time), then 1.
Everyone, graduates included from the class start, leaves at ``attrition_weekly`` a week.
A departure (a person promoted out of the agent pool) removes that person's FTE from its skill
set from its week on, attrition applied to them as to everyone until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Wave:
    """A hiring wave: ``hires`` graduates with ``skills`` (queue indices) going live in week
    ``live`` after a class from week ``start``; ``nesting`` = FTE yield per week after go-live."""

    hires: int
    skills: frozenset[int]
    start: int
    live: int
    nesting: tuple[float, ...] = ()


def nesting_yield(occupancy_ratio: float, aht_ramp: Sequence[float]) -> tuple[float, ...]:
    """FTE yield of a nesting graduate per week: (nesting occupancy / planned occupancy) /
    (handle time as a multiple of the experienced one), capped at 1."""
    return tuple(min(1.0, occupancy_ratio / max(m, 1e-9)) for m in aht_ramp)


def wave_fte(wave: Wave, weeks: int, attrition_weekly: float) -> FloatArray:
    """The productive FTE a wave adds in each of ``weeks`` weeks."""
    keep = 1.0 - attrition_weekly
    out = np.zeros(weeks)
    for w in range(max(wave.live, 0), weeks):
        k = w - wave.live
        factor = wave.nesting[k] if k < len(wave.nesting) else 1.0
        out[w] = wave.hires * keep ** (w - wave.start) * factor
    return out


def covered(
    required: FloatArray, groups: Sequence[frozenset[int]], supply: FloatArray
) -> FloatArray:
    """The requirement covered per week and queue, shape (weeks, queues).

    Args:
        required: FTE needed, shape (weeks, queues), >= 0.
        groups: The queues each group (skill set) can work.
        supply: FTE of each group per week, shape (weeks, groups), >= 0.
    """
    weeks, queues = required.shape
    pairs = [(g, q) for g, skills in enumerate(groups) for q in sorted(skills) if q < queues]
    out = np.zeros((weeks, queues))
    if not pairs:
        return out
    a_ub = np.zeros((len(groups) + queues, len(pairs)))
    for j, (g, q) in enumerate(pairs):
        a_ub[g, j] = 1.0
        a_ub[len(groups) + q, j] = 1.0
    n = len(pairs)
    for w in range(weeks):
        b_ub = np.concatenate([supply[w], required[w]])
        first = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if first.status != 0:  # pragma: no cover - a bounded feasible LP always solves
            raise RuntimeError(f"coverage LP failed in week {w}: {first.message}")
        total = -float(first.fun)
        # second stage: the same total, the shortfall spread in proportion to the requirement
        # (minimise z with required[q] - covered[q] <= z required[q])
        share = np.zeros((queues, n + 1))
        for j, (_g, q) in enumerate(pairs):
            share[q, j] = -1.0
        share[:, n] = -required[w]
        a2 = np.vstack([np.hstack([a_ub, np.zeros((a_ub.shape[0], 1))]), share])
        b2 = np.concatenate([b_ub, -required[w]])
        eq = np.hstack([np.ones(n), [0.0]])[None, :]
        c2 = np.zeros(n + 1)
        c2[n] = 1.0
        second = linprog(
            c2, A_ub=a2, b_ub=b2, A_eq=eq, b_eq=[total], bounds=(0, None), method="highs"
        )
        x = second.x if second.status == 0 else first.x
        for j, (_g, q) in enumerate(pairs):
            out[w, q] += float(x[j])
    return out


def on_hand(
    weeks: int,
    staff: Sequence[float],
    attrition_weekly: float,
    departures: Sequence[tuple[int, int, float]] = (),
) -> FloatArray:
    """The staff on hand of each group per week, shape (weeks, groups): staff[g] (1 - a)^w,
    less fte (1 - a)^w for each departure (group g, week d, fte) from week d on."""
    keep = 1.0 - attrition_weekly
    out = np.array([[s * keep**w for s in staff] for w in range(weeks)]).reshape(weeks, len(staff))
    for g, week, fte in departures:
        for w in range(max(week, 0), weeks):
            out[w, g] -= fte * keep**w
    np.maximum(out, 0.0, out=out)
    return out


def gap(
    required: FloatArray,
    groups: Sequence[frozenset[int]],
    staff: Sequence[float],
    attrition_weekly: float,
    waves: Sequence[Wave],
    departures: Sequence[tuple[int, int, float]] = (),
) -> FloatArray:
    """The uncovered requirement per week and queue with the staff on hand and ``waves``.

    Staff on hand of group g in week w = staff[g] (1 - a)^w less the departures of the group
    (``on_hand``); each wave joins the group of its skill set (a new group if no one has that
    set yet).
    """
    weeks = required.shape[0]
    sets = list(groups)
    base = on_hand(weeks, staff, attrition_weekly, departures)
    columns = [base[:, g] for g in range(len(staff))]
    for wave in waves:
        if wave.skills not in sets:
            sets.append(wave.skills)
            columns.append(np.zeros(weeks))
        columns[sets.index(wave.skills)] = columns[sets.index(wave.skills)] + wave_fte(
            wave, weeks, attrition_weekly
        )
    supply = np.stack(columns, axis=1) if columns else np.zeros((weeks, 0))
    return np.maximum(required - covered(required, sets, supply), 0.0)
