"""Staffing solvers on the Erlang measures: required agents, shrinkage, chat and deferred work."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import overload

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ccops.engines.queueing.erlang import (
    _SQRT_2PI,
    MAX_AGENTS,
    BoolArray,
    FloatArray,
    IntArray,
    QueueingInputError,
    Scalar,
    _array,
    _erlang_c_value,
    _int_out,
    _is_scalar,
    _log_expm1,
    _log_inv_erlang_b,
    _measure,
)

# ---------------------------------------------------------------------------------------------
# staffing solvers
# ---------------------------------------------------------------------------------------------


def _hw_beta(tau: FloatArray, k: float, const: FloatArray) -> FloatArray:
    """Solve log alpha(b) - b tau - k log b = const for b > 0 by Newton's method.

    alpha(b) = 1/(1 + b Phi(b)/phi(b)) is the Halfin-Whitt limit of P(wait) at n = A + b sqrt(A).
    Only a starting guess for the exact integer search.
    """
    b = np.ones_like(tau)
    for _ in range(5):  # quadratic convergence: 4 steps reach 1e-9 for the usual goals
        ratio = _SQRT_2PI * special.ndtr(b) * np.exp(0.5 * b * b)  # Phi(b)/phi(b)
        f = -np.log1p(b * ratio) - b * tau - k * np.log(b) - const
        fp = -(ratio + b + b * b * ratio) / (1.0 + b * ratio) - tau - k / b
        b = np.clip(b - f / fp, 1e-6, 30.0)
    return b


def _search(
    evaluate: Callable[[FloatArray, IntArray], tuple[BoolArray, FloatArray]],
    guess: IntArray,
    lower: IntArray,
    goal: str,
) -> IntArray:
    """Smallest integer n >= lower with meets(n) for each element (meets nondecreasing in n).

    ``evaluate(n, idx)`` returns, for the elements ``idx`` at counts ``n``, whether the goal is
    met and a signed gap (>= 0 where met, roughly linear in n: a log of the measure over the
    goal). Starts at ``guess``; each next count is the secant root of the last two gaps when
    that falls strictly inside the bracket still open (not twice running once both ends are
    known), else a gallop (steps 1, 2, 4, ... up or down) or a bisection. Only unresolved
    elements are evaluated. Raises if an element needs more than MAX_AGENTS.
    """
    size = guess.size
    lo = lower - 1  # largest count known (or taken) to fail
    hi = np.full(size, MAX_AGENTS + 1, dtype=np.int64)  # smallest count known to meet
    lo_known = np.zeros(size, dtype=bool)
    hi_known = np.zeros(size, dtype=bool)
    step = np.ones(size, dtype=np.int64)
    last_n = np.full(size, np.nan)
    last_gap = np.full(size, np.nan)
    secant_used = np.zeros(size, dtype=bool)
    probe = np.clip(guess, lower, MAX_AGENTS)
    idx = np.arange(size)
    first = True
    while idx.size:
        ok, gap = evaluate(probe.astype(np.float64), idx)
        hi[idx] = np.where(ok, probe, hi[idx])
        hi_known[idx] |= ok
        lo[idx] = np.where(ok, lo[idx], probe)
        lo_known[idx] |= ~ok
        if (~ok & (probe >= MAX_AGENTS)).any():
            raise QueueingInputError(
                f"{goal} cannot be met with {MAX_AGENTS:,} agents or fewer; check the goal"
            )
        root = probe - gap * (probe - last_n[idx]) / (gap - last_gap[idx])
        last_n[idx], last_gap[idx] = probe, gap
        if not first:  # gallop steps double while galloping, and start again after a secant
            step[idx] = np.where(secant_used[idx], 1, step[idx] * 2)
        first = False
        open_ = hi[idx] - lo[idx] > 1
        idx, root = idx[open_], root[open_]
        if not idx.size:
            break
        lo_i, hi_i = lo[idx], hi[idx]
        both = hi_known[idx] & lo_known[idx]
        up = ~hi_known[idx]
        down = hi_known[idx] & ~lo_known[idx]
        p = np.empty(idx.size, dtype=np.int64)
        p[up] = np.minimum(lo_i[up] + step[idx][up], MAX_AGENTS)
        p[down] = np.maximum(hi_i[down] - step[idx][down], lo_i[down] + 1)
        p[both] = (lo_i[both] + hi_i[both]) // 2
        candidate = np.ceil(np.clip(root, -1.0, MAX_AGENTS + 1.0) - 1e-9)
        use = (
            np.isfinite(root)
            & (candidate > lo_i)
            & (candidate < np.minimum(hi_i, MAX_AGENTS + 1))
            & ~(both & secant_used[idx])
        )
        p[use] = candidate[use].astype(np.int64)
        secant_used[idx] = use
        probe = p
    return hi


def _solve(
    kind: str,
    goal_value: FloatArray,
    rate: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    target: FloatArray,
    goal: str,
) -> IntArray:
    """Smallest integer agent count meeting one goal, element by element (1-d arrays)."""
    load = rate * aht
    size = load.size
    erlang_c = ~np.isfinite(patience)
    lower = np.zeros(size, dtype=np.int64)
    stable_floor = np.floor(load) + 1.0
    if (erlang_c & (load > 0) & (stable_floor > MAX_AGENTS)).any():
        raise QueueingInputError(f"offered load needs more than {MAX_AGENTS:,} agents")
    lower = np.where(erlang_c & (load > 0), stable_floor, 0.0).astype(np.int64)
    sqrt_a = np.sqrt(load)
    if kind == "sl":
        tau = sqrt_a * np.minimum(target, 1e6) / aht
        beta = _hw_beta(tau, 0.0, np.log1p(-goal_value))
        guess_f = load + beta * sqrt_a
    elif kind == "asa":
        const = np.log(goal_value * np.maximum(sqrt_a, 1e-12) / aht)
        beta = _hw_beta(np.zeros(size), 1.0, const)
        guess_f = load + beta * sqrt_a
    elif kind == "abandon":
        guess_f = load * (1.0 - goal_value)
    else:
        guess_f = load / goal_value
    guess = np.maximum(np.ceil(np.minimum(guess_f, MAX_AGENTS)).astype(np.int64), lower)

    def reached(value: FloatArray, goal_part: FloatArray) -> BoolArray:
        result: BoolArray = value >= goal_part if kind == "sl" else value <= goal_part
        return result

    answer = np.zeros(size, dtype=np.int64)
    todo = np.ones(size, dtype=bool)
    fast = np.flatnonzero(erlang_c & (load > 0)) if kind in ("sl", "asa") else np.arange(0)
    if fast.size:
        # Erlang C fast path: test the guess g exactly, then its neighbour (g - 1 if g meets,
        # g + 1 if not) from the guess's Erlang B by one step of the recursion
        # 1/B(n) = 1 + (n/A)/B(n - 1). Within 1e-9 of the goal the neighbour is left to the
        # exact search below, so every answer agrees with the public measure functions.
        g = guess[fast].astype(np.float64)
        a, h, t, goal_part = load[fast], aht[fast], target[fast], goal_value[fast]
        log_inv_b = _log_inv_erlang_b(g, a)
        ok = reached(_erlang_c_value(kind, g, a, h, t, log_inv_b), goal_part)
        nb = np.where(ok, g - 1.0, g + 1.0)
        up = np.logaddexp(0.0, np.log(nb / a) + log_inv_b)
        down = np.log(a / g) + _log_expm1(log_inv_b)
        value_nb = _erlang_c_value(kind, nb, a, h, t, np.where(ok, down, up))
        ok_nb = reached(value_nb, goal_part)
        clear = np.abs(value_nb - goal_part) > 1e-9 * goal_part
        at_floor = ok & (g <= lower[fast])
        done = at_floor | (clear & (ok != ok_nb))
        answer[fast[done]] = np.where(ok[done], g[done], nb[done]).astype(np.int64)
        todo[fast[done]] = False
    rest = np.flatnonzero(todo)
    if rest.size:

        def evaluate(n: FloatArray, idx: IntArray) -> tuple[BoolArray, FloatArray]:
            sel = rest[idx]
            value = _measure(kind, n, rate[sel], aht[sel], patience[sel], target[sel])
            goal_part = goal_value[sel]
            if kind == "sl":  # 1 - SL falls about geometrically with n
                gap = np.log1p(-goal_part) - np.log1p(-np.minimum(value, 1.0))
            else:
                gap = np.log(goal_part) - np.log(value)
            return reached(value, goal_part), gap

        answer[rest] = _search(evaluate, guess[rest], lower[rest], goal)
    return answer


@overload
def required_agents(
    rate_per_s: Scalar,
    aht_s: Scalar,
    *,
    service_level: Scalar | None = None,
    target_s: Scalar | None = None,
    asa_s: Scalar | None = None,
    abandon_rate: Scalar | None = None,
    max_occupancy: Scalar | None = None,
    patience_s: Scalar | None = None,
) -> int: ...
@overload
def required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_s: ArrayLike | None = None,
    asa_s: ArrayLike | None = None,
    abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
) -> IntArray: ...
def required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_s: ArrayLike | None = None,
    asa_s: ArrayLike | None = None,
    abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
) -> int | IntArray:
    """Smallest integer number of agents meeting every goal given, element by element.

    Goals: service level (``service_level`` within ``target_s``, as :func:`service_level`),
    ``asa_s`` (mean wait of answered contacts at most this), ``abandon_rate`` (abandonment
    probability at most this; needs ``patience_s``) and ``max_occupancy``. Each measure is
    monotone in n, so the answer is the largest of the per-goal minima; each minimum is exact:
    n meets the goal and n - 1 does not, as computed by the public measure functions. In the
    Erlang C model (no patience) n is also at least the smallest integer above the load (a
    stable queue). The search starts at the square-root staffing estimate n = A + b sqrt(A)
    (Halfin & Whitt) and walks exactly, vectorised, on the elements still open.

    Args:
        rate_per_s: arrival rate, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        service_level: fraction to answer within ``target_s``, in (0, 1).
        target_s: service-level threshold, seconds (>= 0); only with ``service_level``.
        asa_s: largest mean wait of answered contacts, seconds (> 0).
        abandon_rate: largest abandonment probability, in (0, 1).
        max_occupancy: largest occupancy, in (0, 1].
        patience_s: mean exponential patience, seconds (> 0, inf per element = none);
            ``None`` = Erlang C.

    Returns:
        Agent counts (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain, no goal is given, or a goal needs
            more than ``MAX_AGENTS`` agents.
    """
    values: list[object] = [rate_per_s, aht_s]
    rate = _array(rate_per_s, "rate_per_s", low=0.0)
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    if (service_level is None) != (target_s is None):
        raise QueueingInputError("service_level and target_s must be given together")
    goals: dict[str, FloatArray] = {}
    if service_level is not None and target_s is not None:
        values += [service_level, target_s]
        goals["sl"] = _array(
            service_level, "service_level", low=0.0, low_open=True, high=1.0, high_open=True
        )
        target = _array(target_s, "target_s", low=0.0, allow_inf=True)
    else:
        target = np.zeros(())
    if asa_s is not None:
        values.append(asa_s)
        goals["asa"] = _array(asa_s, "asa_s", low=0.0, low_open=True)
    if abandon_rate is not None:
        if patience_s is None:
            raise QueueingInputError("abandon_rate needs patience_s (without it nobody abandons)")
        values.append(abandon_rate)
        goals["abandon"] = _array(
            abandon_rate, "abandon_rate", low=0.0, low_open=True, high=1.0, high_open=True
        )
    if max_occupancy is not None:
        values.append(max_occupancy)
        goals["occupancy"] = _array(
            max_occupancy, "max_occupancy", low=0.0, low_open=True, high=1.0
        )
    if not goals:
        raise QueueingInputError(
            "give at least one goal: service_level, asa_s, abandon_rate or max_occupancy"
        )
    patience = np.full((), np.inf)
    if patience_s is not None:
        values.append(patience_s)
        patience = _array(patience_s, "patience_s", low=0.0, low_open=True, allow_inf=True)
    scalar = all(_is_scalar(v) for v in values)
    kinds = list(goals)
    arrays = np.broadcast_arrays(rate, aht, target, patience, *(goals[k] for k in kinds))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrays]
    names = {"sl": "service_level", "asa": "asa_s", "abandon": "abandon_rate"}
    result = np.zeros(flat[0].size, dtype=np.int64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        for kind, goal_value in zip(kinds, flat[4:], strict=True):
            goal = names.get(kind, "max_occupancy")
            n = _solve(kind, goal_value, flat[0], flat[1], flat[3], flat[2], goal)
            result = np.maximum(result, n)
    return _int_out(result.reshape(shape), scalar)


@overload
def scheduled_from_required(required: Scalar, shrinkage: Scalar) -> int: ...
@overload
def scheduled_from_required(required: ArrayLike, shrinkage: ArrayLike) -> IntArray: ...
def scheduled_from_required(required: ArrayLike, shrinkage: ArrayLike) -> int | IntArray:
    """People to schedule so that ``required`` remain after shrinkage.

    scheduled = ceil(required / (1 - shrinkage)); a relative tolerance of 1e-12 absorbs
    floating-point noise (8 / (1 - 0.2) gives 10, not 11).

    Args:
        required: agents needed on the phones (>= 0, may be fractional).
        shrinkage: fraction of scheduled time lost to breaks, training, absence..., in [0, 1).

    Returns:
        People to schedule (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    req = _array(required, "required", low=0.0)
    shr = _array(shrinkage, "shrinkage", low=0.0, high=1.0, high_open=True)
    raw = req / (1.0 - shr)
    result = np.ceil(raw * (1.0 - 1e-12)).astype(np.int64)
    return _int_out(result, _is_scalar(required) and _is_scalar(shrinkage))


@overload
def chat_required_agents(
    rate_per_s: Scalar,
    aht_s: Scalar,
    concurrency: int,
    *,
    service_level: Scalar,
    target_s: Scalar,
    aht_growth: Scalar = 0.0,
) -> int: ...
@overload
def chat_required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    concurrency: ArrayLike,
    *,
    service_level: ArrayLike,
    target_s: ArrayLike,
    aht_growth: ArrayLike = 0.0,
) -> IntArray: ...
def chat_required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    concurrency: ArrayLike,
    *,
    service_level: ArrayLike,
    target_s: ArrayLike,
    aht_growth: ArrayLike = 0.0,
) -> int | IntArray:
    """Agents for a chat queue where an agent handles up to ``concurrency`` sessions at once.

    Model (a slot model, stated as assumptions): an agent is k = ``concurrency`` slots; a
    session handled alongside j - 1 others takes aht_s (1 + g (j - 1)) with g = ``aht_growth``,
    and slots are sized at full concurrency, so each slot is an M/M/1-like server with handle
    time h_k = aht_s (1 + g (k - 1)). The slots form an Erlang C M/M/m system with load
    lambda h_k; m is the smallest slot count meeting the service level (as
    :func:`required_agents`) and the agents are ceil(m / k). Sizing at full concurrency is
    conservative when agents often run below k sessions. With the default g = 0, ``aht_s``
    should be the handle time measured at the usual concurrency.

    Args:
        rate_per_s: session arrival rate per second (>= 0).
        aht_s: handle time of a session handled alone, seconds (> 0).
        concurrency: most sessions per agent, an integer >= 1.
        service_level: fraction to answer within ``target_s``, in (0, 1).
        target_s: service-level threshold, seconds (>= 0).
        aht_growth: relative handle-time growth per extra concurrent session (>= 0).

    Returns:
        Agents (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    conc = _array(concurrency, "concurrency", low=1.0)
    if (conc != np.round(conc)).any():
        raise QueueingInputError("concurrency must be a whole number of sessions")
    growth = _array(aht_growth, "aht_growth", low=0.0)
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    slot_aht = aht * (1.0 + growth * (conc - 1.0))
    slots = required_agents(
        np.asarray(rate_per_s, dtype=np.float64),
        slot_aht,
        service_level=np.asarray(service_level, dtype=np.float64),
        target_s=np.asarray(target_s, dtype=np.float64),
    )
    agents = -((-slots) // conc.astype(np.int64))  # ceil(slots / k) in integers
    scalar = all(
        _is_scalar(v) for v in (rate_per_s, aht_s, concurrency, service_level, target_s, aht_growth)
    )
    return _int_out(agents, scalar)


def deferred_required_agents(
    arrivals_per_interval: ArrayLike,
    aht_s: ArrayLike,
    interval_s: float,
    deadline_s: float,
    backlog0: float = 0.0,
) -> FloatArray:
    """Agents per interval so that every deferred item (email, message) meets its deadline.

    Fluid FIFO model. Arrivals of interval i (``arrivals_per_interval[i]`` items of
    ``aht_s`` seconds of work each, ``aht_s`` a number or one per interval) come uniformly over
    the interval; ``backlog0`` items (of the first interval's handle time) are waiting at time 0.
    An item arriving at u is due at u + D, D = ``deadline_s``; work due by time s is
    Due(s) = Arr(s - D), Arr the cumulative work arrived. Capacity is c_i agents working the
    whole of interval i. Going forward in time, c_i is the smallest constant rate with
    Done(s) >= Due(s) at every s in the interval, given the work done before it:
    c_i = max over s in (start_i, end_i] of (Due(s) - Done_i)/(s - start_i), attained at the
    interval end or at the one break point start_i + (D mod interval_s). The FIFO queue then
    completes Done_{i+1} = min(Done_i + c_i interval_s, Arr(end_i)). This just-in-time plan
    never works ahead, so it has the least cumulative work done at every instant; work that
    falls due after the last interval is left for later intervals (give a longer horizon).

    Args:
        arrivals_per_interval: items arriving in each interval (>= 0), one-dimensional.
        aht_s: handle time per item, seconds (> 0), a number or one per interval.
        interval_s: interval length, seconds (> 0).
        deadline_s: response-time deadline from arrival, seconds (> 0).
        backlog0: items already waiting at the start (>= 0), due at ``deadline_s``.

    Returns:
        Agents needed in each interval (fractional agent-equivalents; a float array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    arrivals = _array(arrivals_per_interval, "arrivals_per_interval", low=0.0)
    if arrivals.ndim != 1:
        raise QueueingInputError("arrivals_per_interval must be one-dimensional")
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    if aht.ndim > 1 or (aht.ndim == 1 and aht.size != arrivals.size):
        raise QueueingInputError("aht_s must be a number or one value per interval")
    step = float(_array(interval_s, "interval_s", low=0.0, low_open=True))
    deadline = float(_array(deadline_s, "deadline_s", low=0.0, low_open=True))
    backlog = float(_array(backlog0, "backlog0", low=0.0))
    count = arrivals.size
    work = arrivals * np.broadcast_to(aht, arrivals.shape)
    backlog_work = backlog * float(np.broadcast_to(aht, arrivals.shape)[0]) if count else 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(work)]) + backlog_work

    def arrived(s: float) -> float:
        """Arr(s): work arrived by time s (the backlog at s = 0, uniform within intervals)."""
        if s < 0.0:
            return 0.0
        k = min(int(s // step), count)
        if k >= count:
            return float(cumulative[count])
        return float(cumulative[k] + work[k] * (s - k * step) / step)

    offset = math.fmod(deadline, step)
    done = 0.0
    out = np.zeros(count)
    for i in range(count):
        start, end = i * step, (i + 1) * step
        points = [end] if offset == 0.0 else [start + offset, end]
        rate = 0.0
        for s in points:
            rate = max(rate, (arrived(s - deadline) - done) / (s - start))
        out[i] = rate  # seconds of work per second = agents
        done = min(done + rate * step, arrived(end))
    return out
