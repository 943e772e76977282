"""Discrete-event contact-centre simulation: time-varying load, abandonment, multi-skill routing.

The model, in the words of the queueing literature:

* **Arrivals** are a non-homogeneous Poisson process per queue with a rate that is piecewise
  constant over intervals of ``interval_s`` seconds (``arrival_rate_per_s`` per queue and
  interval). Each interval's count is Poisson(rate x interval_s) and, given the count, the
  arrival times are independent and uniform over the interval (the order-statistics property of
  the Poisson process), which is exact.
* **Handle times** belong to the contact and are drawn when it arrives: exponential with mean
  ``aht_s`` (``handle_cv=None``) or lognormal with mean ``aht_s`` and coefficient of variation
  ``handle_cv`` (sigma^2 = ln(1 + cv^2), mu = ln(aht) - sigma^2 / 2). ``aht_s`` may vary by the
  interval of arrival.
* **Patience** (time a caller is willing to wait) is infinite (``patience_s=None``), exponential
  with mean ``patience_s`` (a number: the M/M/n+M "Erlang A" model) or drawn with replacement
  from an empirical sample (a one-dimensional array of seconds).
* **Staffing** is given per agent group and interval. At each interval boundary agents log in or
  out; an agent scheduled off while on a contact finishes that contact first and then logs out.
  Agents of a group are numbered by slot; the slots ``0 .. staffing - 1`` are scheduled on (so a
  cut logs out the highest slots, busy or not). Agents logging in take waiting work at once, in
  group order, then slot order.
* **Routing** (multi-skill). Each agent group has a skill map ``{queue name: priority}`` where a
  smaller number is a higher priority. When an agent frees it takes the oldest waiting contact of
  its highest-priority non-empty queues (FCFS within a queue; across queues of equal priority the
  oldest contact wins). An arriving contact goes to a free agent with the skill, preferring
  agents for whom the queue has the best priority rank (rank 0 = the group's highest priority),
  then the agent who has been idle longest (remaining ties: group order, then slot).
* **Events at the same instant** are processed in this order: interval boundary (staffing),
  service completions, arrivals.
* **Horizon.** Arrivals occur in ``[0, horizon_s)`` with ``horizon_s = n_intervals x
  interval_s``. The run stops at the horizon: contacts in service finish their handle time (their
  ``end_s`` and the agent's ``on_contact`` span may pass the horizon), contacts whose patience ran
  out before the horizon are abandoned, and the rest are still waiting (outcome ``other``).

Abandonment is handled lazily, which is exact: an agent looking at a queue drops from its head
every contact whose deadline (arrival + patience) has passed; such a contact abandoned at its
deadline and never occupied an agent, so who is served, and when, is unchanged. All random
numbers are drawn vectorised before the event loop, so a seed fixes the whole run.

Output is columnar (:class:`ContactRecords`, :class:`AgentStateSpans`), shaped like the imported
contact records and agent-state events (outcome and state codes name the values of
``ccops.enums.Outcome`` and ``ccops.enums.AgentState``). :func:`kpis` summarises one run with
batch-means confidence intervals; :func:`replicate` runs independent replications.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "AVAILABLE",
    "OFFLINE",
    "ON_CONTACT",
    "OTHER",
    "OUTCOME_NAMES",
    "STATE_NAMES",
    "AgentGroup",
    "AgentStateSpans",
    "ContactRecords",
    "Estimate",
    "GroupKpis",
    "KpiSummary",
    "QueueKpis",
    "QueueSpec",
    "Scenario",
    "SimulationResult",
    "kpis",
    "replicate",
    "simulate",
    "simulate_trace",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int8]

ANSWERED: Final = 0
"""Outcome code: the contact reached an agent."""
ABANDONED: Final = 1
"""Outcome code: the caller's patience ran out before an agent took the contact."""
OTHER: Final = 2
"""Outcome code: still waiting at the end of the horizon."""
OUTCOME_NAMES: Final = ("answered", "abandoned", "other")
"""Outcome names by code; the values of ``ccops.enums.Outcome``."""

AVAILABLE: Final = 0
"""Agent-state code: logged in and idle."""
ON_CONTACT: Final = 1
"""Agent-state code: handling a contact."""
OFFLINE: Final = 2
"""Agent-state code: not logged in (scheduled off)."""
STATE_NAMES: Final = ("available", "on_contact", "offline")
"""Agent-state names by code; the values of ``ccops.enums.AgentState``."""

_INF: Final = math.inf


# --------------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QueueSpec:
    """One queue (skill) and the load offered to it.

    Args:
        name: Unique queue name.
        arrival_rate_per_s: Poisson arrival rate in contacts per second, one number for every
            interval or one per interval.
        aht_s: Mean handle time in seconds, one number or one per interval (of arrival).
        handle_cv: Coefficient of variation of the lognormal handle time; ``None`` means
            exponential handle times (CV 1, the Erlang assumption); ``0`` means constant.
        patience_s: ``None`` for callers who never abandon; a number for exponential patience
            with that mean in seconds (Erlang A); a one-dimensional array of observed patience
            times in seconds to sample from with replacement.
    """

    name: str
    arrival_rate_per_s: npt.ArrayLike
    aht_s: npt.ArrayLike
    handle_cv: float | None = None
    patience_s: npt.ArrayLike | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"queue name must be a non-empty string, got {self.name!r}")
        if self.handle_cv is not None and not (
            math.isfinite(self.handle_cv) and self.handle_cv >= 0
        ):
            raise ValueError(f"queue {self.name!r}: handle_cv must be >= 0, got {self.handle_cv}")
        if self.patience_s is not None:
            p = np.asarray(self.patience_s, dtype=np.float64)
            if p.ndim == 0:
                if not p > 0:
                    raise ValueError(
                        f"queue {self.name!r}: mean patience_s must be > 0, got {float(p)}"
                    )
            elif p.ndim == 1:
                if p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0):
                    raise ValueError(
                        f"queue {self.name!r}: empirical patience_s must be a non-empty array "
                        "of finite times >= 0"
                    )
            else:
                raise ValueError(f"queue {self.name!r}: patience_s must be a number or 1-D array")


@dataclass(frozen=True, eq=False)
class AgentGroup:
    """Agents who share a skill map and a staffing plan.

    Args:
        name: Unique group name.
        skills: Queue name -> priority; a smaller number is a higher priority (1 = primary).
        staffing: Agents scheduled on, one whole number for every interval or one per interval.
    """

    name: str
    skills: Mapping[str, int]
    staffing: npt.ArrayLike

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"agent group name must be a non-empty string, got {self.name!r}")
        for queue, priority in self.skills.items():
            if not isinstance(priority, int | np.integer) or isinstance(priority, bool):
                raise ValueError(
                    f"agent group {self.name!r}: priority of {queue!r} must be an int, "
                    f"got {priority!r}"
                )


@dataclass(frozen=True)
class _Compiled:
    """A validated scenario in arrays and routing tables (private)."""

    n_intervals: int
    interval_s: float
    horizon_s: float
    rates: FloatArray  # (queues, intervals), per second
    aht: FloatArray  # (queues, intervals), seconds
    cv: tuple[float | None, ...]
    patience_mean: tuple[float | None, ...]  # exponential mean, or None
    patience_sample: tuple[FloatArray | None, ...]  # empirical sample, or None
    staffing: IntArray  # (groups, intervals)
    group_offset: tuple[int, ...]  # first agent index of each group
    n_agents: int
    group_levels: tuple[tuple[tuple[int, ...], ...], ...]  # group -> priority level -> queues
    queue_levels: tuple[tuple[tuple[int, ...], ...], ...]  # queue -> rank -> groups
    group_skills: tuple[frozenset[int], ...]


def _per_interval(value: npt.ArrayLike, n: int | None, what: str) -> tuple[FloatArray, int | None]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr, n
    if arr.ndim != 1:
        raise ValueError(f"{what} must be a number or a 1-D array per interval")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} intervals, expected {n}")
    return arr, arr.shape[0]


@dataclass(frozen=True, eq=False)
class Scenario:
    """A contact centre to simulate: queues, agent groups and the interval grid.

    Args:
        queues: The queues, in the order used by queue indices in the results.
        agent_groups: The agent groups, in the order used by group indices in the results.
        interval_s: Interval length in seconds (900 = 15 minutes).
        n_intervals: Number of intervals; may be omitted when any per-interval array is given.

    Raises:
        ValueError: If a value is out of range, an array has the wrong length, names repeat,
            or a skill names an unknown queue.
    """

    queues: Sequence[QueueSpec]
    agent_groups: Sequence[AgentGroup]
    interval_s: float = 900.0
    n_intervals: int | None = None
    _compiled: _Compiled = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        object.__setattr__(self, "agent_groups", tuple(self.agent_groups))
        object.__setattr__(self, "_compiled", self._compile())
        object.__setattr__(self, "n_intervals", self._compiled.n_intervals)

    @property
    def intervals(self) -> int:
        """Number of intervals (``n_intervals``, or the length of the per-interval arrays)."""
        return self._compiled.n_intervals

    @property
    def horizon_s(self) -> float:
        """Length of the simulated day in seconds (``n_intervals x interval_s``)."""
        return self._compiled.horizon_s

    @property
    def queue_names(self) -> tuple[str, ...]:
        """Queue names by index."""
        return tuple(q.name for q in self.queues)

    @property
    def group_names(self) -> tuple[str, ...]:
        """Agent-group names by index."""
        return tuple(g.name for g in self.agent_groups)

    def _compile(self) -> _Compiled:
        if not self.queues:
            raise ValueError("a scenario needs at least one queue")
        interval_s = float(self.interval_s)
        if not (math.isfinite(interval_s) and interval_s > 0):
            raise ValueError(f"interval_s must be > 0, got {self.interval_s}")
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError(f"queue names repeat: {names}")
        gnames = [g.name for g in self.agent_groups]
        if len(set(gnames)) != len(gnames):
            raise ValueError(f"agent group names repeat: {gnames}")

        n: int | None = None
        if self.n_intervals is not None:
            if isinstance(self.n_intervals, bool) or int(self.n_intervals) != self.n_intervals:
                raise ValueError(f"n_intervals must be an int, got {self.n_intervals!r}")
            n = int(self.n_intervals)
            if n < 1:
                raise ValueError(f"n_intervals must be >= 1, got {n}")
        raw_rates, raw_aht, raw_staff = [], [], []
        for q in self.queues:
            r, n = _per_interval(q.arrival_rate_per_s, n, f"queue {q.name!r} arrival_rate_per_s")
            a, n = _per_interval(q.aht_s, n, f"queue {q.name!r} aht_s")
            if not (np.all(np.isfinite(r)) and np.all(r >= 0)):
                raise ValueError(f"queue {q.name!r}: arrival rates must be finite and >= 0")
            if not (np.all(np.isfinite(a)) and np.all(a > 0)):
                raise ValueError(f"queue {q.name!r}: aht_s must be finite and > 0")
            raw_rates.append(r)
            raw_aht.append(a)
        for g in self.agent_groups:
            s, n = _per_interval(g.staffing, n, f"agent group {g.name!r} staffing")
            if not (np.all(np.isfinite(s)) and np.all(s >= 0) and np.all(s == np.round(s))):
                raise ValueError(f"agent group {g.name!r}: staffing must be whole numbers >= 0")
            raw_staff.append(s)
        if n is None:
            raise ValueError("n_intervals is required when every input is a single number")
        rates = np.stack([np.broadcast_to(r, (n,)) for r in raw_rates]).astype(np.float64)
        aht = np.stack([np.broadcast_to(a, (n,)) for a in raw_aht]).astype(np.float64)
        if raw_staff:
            staffing = np.stack([np.broadcast_to(s, (n,)) for s in raw_staff]).astype(np.int64)
        else:
            staffing = np.zeros((0, n), dtype=np.int64)

        qindex = {name: i for i, name in enumerate(names)}
        group_levels: list[tuple[tuple[int, ...], ...]] = []
        group_skills: list[frozenset[int]] = []
        queue_rank: list[dict[int, list[int]]] = [{} for _ in names]
        for gi, g in enumerate(self.agent_groups):
            unknown = [k for k in g.skills if k not in qindex]
            if unknown:
                raise ValueError(f"agent group {g.name!r}: unknown queues {unknown}")
            prios = sorted({int(p) for p in g.skills.values()})
            levels = tuple(
                tuple(sorted(qindex[k] for k, p in g.skills.items() if int(p) == prio))
                for prio in prios
            )
            group_levels.append(levels)
            group_skills.append(frozenset(qindex[k] for k in g.skills))
            for rank, level in enumerate(levels):
                for qi in level:
                    queue_rank[qi].setdefault(rank, []).append(gi)
        queue_levels = tuple(
            tuple(tuple(sorted(ranks[r])) for r in sorted(ranks)) for ranks in queue_rank
        )

        cv: list[float | None] = []
        pmean: list[float | None] = []
        psample: list[FloatArray | None] = []
        for q in self.queues:
            cv.append(None if q.handle_cv is None else float(q.handle_cv))
            if q.patience_s is None:
                pmean.append(None)
                psample.append(None)
                continue
            p = np.asarray(q.patience_s, dtype=np.float64)
            if p.ndim == 0:
                pmean.append(None if math.isinf(float(p)) else float(p))
                psample.append(None)
            else:
                pmean.append(None)
                psample.append(p.copy())

        max_staff = staffing.max(axis=1) if staffing.size else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(max_staff)]).astype(np.int64)
        return _Compiled(
            n_intervals=n,
            interval_s=interval_s,
            horizon_s=n * interval_s,
            rates=rates,
            aht=aht,
            cv=tuple(cv),
            patience_mean=tuple(pmean),
            patience_sample=tuple(psample),
            staffing=staffing,
            group_offset=tuple(int(x) for x in offsets[:-1]),
            n_agents=int(offsets[-1]),
            group_levels=tuple(group_levels),
            queue_levels=queue_levels,
            group_skills=tuple(group_skills),
        )


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ContactRecords:
    """One row per contact offered, in arrival order (columnar).

    Attributes:
        queue: Queue index.
        arrival_s: Arrival time, seconds from the scenario start.
        wait_s: Time in queue: to answer, to abandonment, or to the horizon (``other``).
        outcome: :data:`ANSWERED`, :data:`ABANDONED` or :data:`OTHER`.
        answer_s: Time an agent took the contact; NaN if not answered.
        end_s: Time the contact ended (handle complete, or abandoned); NaN for ``other``.
        talk_s: Handle time of answered contacts; 0 otherwise.
        agent: Agent index, -1 if not answered.
    """

    queue: IntArray
    arrival_s: FloatArray
    wait_s: FloatArray
    outcome: CodeArray
    answer_s: FloatArray
    end_s: FloatArray
    talk_s: FloatArray
    agent: IntArray

    def __len__(self) -> int:
        return int(self.arrival_s.shape[0])


@dataclass(frozen=True, eq=False)
class AgentStateSpans:
    """One row per span an agent spent in one state, sorted by agent then start (columnar).

    Spans of zero length are omitted. ``available`` and ``offline`` spans lie in
    ``[0, horizon_s]``; an ``on_contact`` span may end after the horizon.

    Attributes:
        agent: Agent index.
        group: Agent-group index.
        state: :data:`AVAILABLE`, :data:`ON_CONTACT` or :data:`OFFLINE`.
        start_s: Span start, seconds from the scenario start.
        end_s: Span end, seconds from the scenario start.
    """

    agent: IntArray
    group: IntArray
    state: CodeArray
    start_s: FloatArray
    end_s: FloatArray

    def __len__(self) -> int:
        return int(self.start_s.shape[0])


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes:
        scenario: The scenario simulated.
        contacts: Contact records.
        agent_states: Agent-state spans.
        agent_group: Group index of every agent index.
        agent_slot: Slot (0-based position in its group's staffing) of every agent index.
        horizon_s: End of the arrival window in seconds.
    """

    scenario: Scenario
    contacts: ContactRecords
    agent_states: AgentStateSpans
    agent_group: IntArray
    agent_slot: IntArray
    horizon_s: float

    def agent_name(self, agent: int) -> str:
        """Name an agent ``"<group>-<slot, 1-based>"``."""
        g = int(self.agent_group[agent])
        return f"{self.scenario.agent_groups[g].name}-{int(self.agent_slot[agent]) + 1}"

    def contact_dicts(self) -> Iterator[dict[str, Any]]:
        """Yield each contact as a dict shaped like an imported contact record.

        Keys: ``index, queue_index, queue, arrival_s, answer_s, end_s, outcome, wait_s, talk_s,
        hold_s, wrap_s, agent_index, agent``; times are seconds from the scenario start, ``None``
        where the column is NaN or the contact has no agent; ``hold_s`` and ``wrap_s`` are 0
        (the handle time is not split).
        """
        c = self.contacts
        qnames = self.scenario.queue_names
        cols = zip(
            c.queue.tolist(),
            c.arrival_s.tolist(),
            c.answer_s.tolist(),
            c.end_s.tolist(),
            c.outcome.tolist(),
            c.wait_s.tolist(),
            c.talk_s.tolist(),
            c.agent.tolist(),
            strict=True,
        )
        for i, (q, arr, ans, end, out, wait, talk, agent) in enumerate(cols):
            yield {
                "index": i,
                "queue_index": q,
                "queue": qnames[q],
                "arrival_s": arr,
                "answer_s": _num(ans),
                "end_s": _num(end),
                "outcome": OUTCOME_NAMES[out],
                "wait_s": wait,
                "talk_s": talk,
                "hold_s": 0.0,
                "wrap_s": 0.0,
                "agent_index": None if agent < 0 else agent,
                "agent": None if agent < 0 else self.agent_name(agent),
            }

    def agent_state_dicts(self) -> Iterator[dict[str, Any]]:
        """Yield each agent-state span as a dict shaped like an imported agent-state event.

        Keys: ``agent_index, agent, group_index, group, state, start_s, end_s``.
        """
        s = self.agent_states
        gnames = self.scenario.group_names
        cols = zip(
            s.agent.tolist(),
            s.group.tolist(),
            s.state.tolist(),
            s.start_s.tolist(),
            s.end_s.tolist(),
            strict=True,
        )
        for agent, group, state, start, end in cols:
            yield {
                "agent_index": agent,
                "agent": self.agent_name(agent),
                "group_index": group,
                "group": gnames[group],
                "state": STATE_NAMES[state],
                "start_s": start,
                "end_s": end,
            }


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


def simulate(scenario: Scenario, seed: int | np.random.Generator) -> SimulationResult:
    """Simulate one day (the scenario's horizon) of the contact centre.

    Args:
        scenario: What to simulate.
        seed: An int seed or a ``numpy.random.Generator`` (which is advanced).

    Returns:
        Contact records and agent-state spans; the same seed gives the same result.
    """
    c = scenario._compiled
    rng = np.random.default_rng(seed)
    n_q, n_int = c.rates.shape
    counts = rng.poisson(c.rates * c.interval_s)  # (queues, intervals)
    flat = counts.ravel()
    total = int(flat.sum())
    queue = np.repeat(np.repeat(np.arange(n_q, dtype=np.int64), n_int), flat)
    interval = np.repeat(np.tile(np.arange(n_int, dtype=np.int64), n_q), flat)
    arrival = (interval + rng.random(total)) * c.interval_s
    # Keep each arrival inside its half-open interval despite rounding.
    arrival = np.minimum(arrival, np.nextafter((interval + 1) * c.interval_s, 0.0))

    handle = np.empty(total)
    patience = np.full(total, _INF)
    stops = np.concatenate([[0], np.cumsum(counts.sum(axis=1))])
    for qi in range(n_q):
        lo, hi = int(stops[qi]), int(stops[qi + 1])
        mean = c.aht[qi, interval[lo:hi]]
        cv = c.cv[qi]
        if cv is None:
            handle[lo:hi] = rng.standard_exponential(hi - lo) * mean
        else:
            sigma = math.sqrt(math.log1p(cv * cv))
            z = rng.standard_normal(hi - lo)
            handle[lo:hi] = mean * np.exp(sigma * z - 0.5 * sigma * sigma)
        pmean, psample = c.patience_mean[qi], c.patience_sample[qi]
        if pmean is not None:
            patience[lo:hi] = rng.standard_exponential(hi - lo) * pmean
        elif psample is not None:
            patience[lo:hi] = rng.choice(psample, size=hi - lo, replace=True)

    order = np.argsort(arrival, kind="stable")
    return _run(scenario, arrival[order], queue[order], handle[order], patience[order])


def simulate_trace(
    scenario: Scenario,
    *,
    arrival_s: npt.ArrayLike,
    queue: npt.ArrayLike,
    handle_s: npt.ArrayLike,
    patience_s: npt.ArrayLike | None = None,
) -> SimulationResult:
    """Route given contacts through the scenario's agents (trace-driven simulation).

    The scenario's arrival rates, handle-time and patience settings are not used: the contacts
    are. Useful to replay an imported day against another staffing plan, and to test routing.

    Args:
        scenario: Queues, agent groups, staffing and the interval grid.
        arrival_s: Arrival times in ``[0, scenario.horizon_s)``, any order.
        queue: Queue index of each contact.
        handle_s: Handle time of each contact in seconds (>= 0).
        patience_s: Patience of each contact in seconds (>= 0, ``inf`` = never abandons);
            ``None`` = nobody abandons.

    Returns:
        The result, with contacts in arrival order (a stable sort of the input).

    Raises:
        ValueError: If the arrays differ in length or hold values out of range.
    """
    arr = np.asarray(arrival_s, dtype=np.float64).ravel()
    q = np.asarray(queue).ravel()
    h = np.asarray(handle_s, dtype=np.float64).ravel()
    n = arr.shape[0]
    p = np.full(n, _INF) if patience_s is None else np.asarray(patience_s, dtype=np.float64).ravel()
    if not (q.shape[0] == h.shape[0] == p.shape[0] == n):
        raise ValueError("arrival_s, queue, handle_s and patience_s must have the same length")
    if not np.all(np.equal(np.mod(q, 1), 0)):
        raise ValueError("queue must hold integer queue indices")
    q = q.astype(np.int64)
    if n and (q.min() < 0 or q.max() >= len(scenario.queues)):
        raise ValueError("queue index out of range")
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0) and np.all(arr < scenario.horizon_s)):
        raise ValueError("arrival_s must lie in [0, horizon_s)")
    if not (np.all(np.isfinite(h)) and np.all(h >= 0)):
        raise ValueError("handle_s must be finite and >= 0")
    if np.any(np.isnan(p)) or np.any(p < 0):
        raise ValueError("patience_s must be >= 0")
    order = np.argsort(arr, kind="stable")
    return _run(scenario, arr[order], q[order], h[order], p[order])


def _run(
    scenario: Scenario,
    arrival: FloatArray,
    queue: IntArray,
    handle: FloatArray,
    patience: FloatArray,
) -> SimulationResult:
    """The event loop over arrivals sorted by time (private).

    Only what cannot be derived afterwards is recorded in the loop: who answered each contact
    and when, and when agents logged out and in. Outcomes, waits and the agents' available
    spans (the gaps between their on-contact and offline spans) are computed vectorised after.
    """
    c = scenario._compiled
    n = int(arrival.shape[0])
    horizon = c.horizon_s
    n_groups = len(c.group_offset)
    deadline = arrival + patience

    # Plain lists: scalar access to them is several times faster than to numpy arrays.
    arr: list[float] = arrival.tolist()
    arr.append(_INF)  # sentinel: no more arrivals
    qs: list[int] = queue.tolist()
    hs: list[float] = handle.tolist()
    dl: list[float] = deadline.tolist()
    answer: list[float] = [math.nan] * n
    agent_of: list[int] = [-1] * n

    n_agents = c.n_agents
    group_of: list[int] = []
    slot_of: list[int] = []
    for g in range(n_groups):
        size = int(c.staffing[g].max())
        group_of.extend([g] * size)
        slot_of.extend(range(size))
    busy = [False] * n_agents
    online = [False] * n_agents
    leaving = [False] * n_agents  # busy, and scheduled off: log out when the contact ends
    since = [0.0] * n_agents  # idle since (online) or offline since (not online)
    idle: list[deque[int]] = [deque() for _ in range(n_groups)]  # by idle-since, oldest first
    waiting: list[deque[int]] = [deque() for _ in scenario.queues]  # FCFS, lazily purged
    heap: list[tuple[float, int]] = [(_INF, -1)]  # (end of service, agent); sentinel never pops
    off_agent: list[int] = []
    off_start: list[float] = []
    off_end: list[float] = []
    group_levels = c.group_levels
    queue_levels = c.queue_levels
    heappush = heapq.heappush
    heappop = heapq.heappop

    def pick(a: int, now: float) -> bool:
        """Agent ``a`` is free at ``now``: take the next contact by its priorities."""
        for level in group_levels[group_of[a]]:
            best_q = -1
            best_t = _INF
            for q in level:
                w = waiting[q]
                while w and dl[w[0]] < now:  # abandoned while waiting (lazy removal)
                    w.popleft()
                if w and arr[w[0]] < best_t:
                    best_t = arr[w[0]]
                    best_q = q
            if best_q >= 0:
                i = waiting[best_q].popleft()
                answer[i] = now
                agent_of[i] = a
                heappush(heap, (now + hs[i], a))
                return True
        return False

    staff_now = [0] * n_groups
    staffing: list[list[int]] = c.staffing.tolist()
    nxt = 0
    ta = arr[0]
    for k in range(c.n_intervals):
        t0 = k * c.interval_s
        # Interval boundary: agents log out (idle ones now, busy ones when done) and in.
        for g in range(n_groups):
            new, old = staffing[g][k], staff_now[g]
            base = c.group_offset[g]
            if new < old:
                for a in range(base + new, base + old):
                    if busy[a]:
                        leaving[a] = True
                    else:
                        idle[g].remove(a)
                        online[a] = False
                        since[a] = t0
            elif new > old:
                for a in range(base + old, base + new):
                    if busy[a]:
                        leaving[a] = False
                        continue
                    if t0 > since[a]:
                        off_agent.append(a)
                        off_start.append(since[a])
                        off_end.append(t0)
                    online[a] = True
                    if pick(a, t0):
                        busy[a] = True
                    else:
                        since[a] = t0
                        idle[g].append(a)
            staff_now[g] = new

        t_end = (k + 1) * c.interval_s if k + 1 < c.n_intervals else horizon
        while True:
            th = heap[0][0]
            if th <= ta:  # a service completion (first, at equal times)
                if th >= t_end:
                    break
                a = heappop(heap)[1]
                if leaving[a]:
                    leaving[a] = False
                    busy[a] = False
                    online[a] = False
                    since[a] = th
                elif not pick(a, th):
                    busy[a] = False
                    since[a] = th
                    idle[group_of[a]].append(a)
            else:  # an arrival
                if ta >= t_end:
                    break
                i = nxt
                now = ta
                nxt += 1
                ta = arr[nxt]
                found = -1
                for level in queue_levels[qs[i]]:
                    best_t = _INF
                    for g in level:
                        d = idle[g]
                        if d and since[d[0]] < best_t:
                            best_t = since[d[0]]
                            found = g
                    if found >= 0:
                        break
                if found < 0:
                    waiting[qs[i]].append(i)
                else:
                    a = idle[found].popleft()
                    busy[a] = True
                    answer[i] = now
                    agent_of[i] = a
                    heappush(heap, (now + hs[i], a))

    for a in range(n_agents):  # close the open offline spans at the horizon
        if not online[a] and not busy[a] and horizon > since[a]:
            off_agent.append(a)
            off_start.append(since[a])
            off_end.append(horizon)

    answer_s = np.array(answer, dtype=np.float64)
    agent = np.array(agent_of, dtype=np.int64)
    answered = agent >= 0
    abandoned = ~answered & (deadline < horizon)
    outcome = np.where(answered, ANSWERED, np.where(abandoned, ABANDONED, OTHER)).astype(np.int8)
    wait = np.where(answered, answer_s - arrival, np.where(abandoned, patience, horizon - arrival))
    end = np.where(answered, answer_s + handle, np.where(abandoned, deadline, np.nan))
    contacts = ContactRecords(
        queue=queue.astype(np.int64),
        arrival_s=arrival,
        wait_s=wait,
        outcome=outcome,
        answer_s=answer_s,
        end_s=end,
        talk_s=np.where(answered, handle, 0.0),
        agent=agent,
    )
    group_arr = np.array(group_of, dtype=np.int64)
    spans = _agent_spans(
        n_agents,
        horizon,
        np.concatenate([np.array(off_agent, dtype=np.int64), agent[answered]]),
        np.concatenate(
            [
                np.full(len(off_agent), OFFLINE, dtype=np.int8),
                np.full(int(answered.sum()), ON_CONTACT, dtype=np.int8),
            ]
        ),
        np.concatenate([np.array(off_start, dtype=np.float64), answer_s[answered]]),
        np.concatenate([np.array(off_end, dtype=np.float64), end[answered]]),
        group_arr,
    )
    return SimulationResult(
        scenario=scenario,
        contacts=contacts,
        agent_states=spans,
        agent_group=group_arr,
        agent_slot=np.array(slot_of, dtype=np.int64),
        horizon_s=horizon,
    )


def _agent_spans(
    n_agents: int,
    horizon: float,
    agent: IntArray,
    state: CodeArray,
    start: FloatArray,
    end: FloatArray,
    group_of: IntArray,
) -> AgentStateSpans:
    """Complete on-contact and offline spans with the available spans between them (private).

    An agent's ``[0, horizon]`` is covered by available, on-contact and offline spans that do
    not overlap, so the gaps between its recorded (on-contact, offline) spans are exactly its
    available spans.
    """
    keep = end > start
    agent, state, start, end = agent[keep], state[keep], start[keep], end[keep]
    # Sort by (agent, start): by start, then a stable sort by agent (a radix sort for int32).
    order = np.argsort(start)
    order = order[np.argsort(agent[order].astype(np.int32), kind="stable")]
    agent, state, start, end = agent[order], state[order], start[order], end[order]
    m = agent.shape[0]
    first = np.ones(m, dtype=np.bool_)
    first[1:] = agent[1:] != agent[:-1]
    last = np.ones(m, dtype=np.bool_)
    last[:-1] = first[1:]
    gap_start = np.where(first, 0.0, np.concatenate([[0.0], end[:-1]]))
    gap_end = np.where(last, horizon, 0.0)
    # Three slots per recorded span: the gap before it, the span, the gap after an agent's last.
    out_agent = np.repeat(agent, 3)
    out_state = np.repeat(state, 3)
    out_state[0::3] = AVAILABLE
    out_state[2::3] = AVAILABLE
    out_start = np.empty(3 * m)
    out_end = np.empty(3 * m)
    out_start[0::3], out_end[0::3] = gap_start, start
    out_start[1::3], out_end[1::3] = start, end
    out_start[2::3], out_end[2::3] = end, gap_end
    valid = out_end > out_start
    out_agent, out_state = out_agent[valid], out_state[valid]
    out_start, out_end = out_start[valid], out_end[valid]
    unused = np.setdiff1d(np.arange(n_agents, dtype=np.int64), agent)
    if unused.size and horizon > 0:  # logged in all day and never on a contact
        out_agent = np.concatenate([out_agent, unused])
        out_state = np.concatenate([out_state, np.full(unused.size, AVAILABLE, dtype=np.int8)])
        out_start = np.concatenate([out_start, np.zeros(unused.size)])
        out_end = np.concatenate([out_end, np.full(unused.size, horizon)])
        order = np.argsort(out_agent, kind="stable")
        out_agent, out_state = out_agent[order], out_state[order]
        out_start, out_end = out_start[order], out_end[order]
    return AgentStateSpans(
        agent=out_agent,
        group=group_of[out_agent],
        state=out_state,
        start_s=out_start,
        end_s=out_end,
    )


# --------------------------------------------------------------------------------------------
# KPIs and confidence intervals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a two-sided confidence interval (NaN where not estimable)."""

    value: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return (self.high - self.low) / 2.0

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in ``[low, high]``."""
        return self.low <= x <= self.high


@dataclass(frozen=True)
class QueueKpis:
    """KPIs of one queue (or of all queues together, named ``"(all)"``).

    Attributes:
        queue: Queue name.
        offered: Contacts arriving in the window (summed over replications).
        answered: Of those, answered.
        abandoned: Of those, abandoned.
        other: Of those, still waiting at the horizon.
        service_level: Answered within ``target_s`` / offered (abandoners count against: the
            Erlang A definition; ``abandons_count_against`` in ``ccops.enums``).
        asa_s: Average speed of answer: mean wait of answered contacts, seconds.
        abandon_rate: Abandoned / offered.
        p_wait: Share of offered contacts not answered on arrival (Erlang C's P(wait)).
        occupancy: On-contact time / logged-in time (available + on contact) of the agents
            who have this queue's skill, over the window; for one queue and one group this is
            the agents' occupancy.
    """

    queue: str
    offered: int
    answered: int
    abandoned: int
    other: int
    service_level: Estimate
    asa_s: Estimate
    abandon_rate: Estimate
    p_wait: Estimate
    occupancy: Estimate


@dataclass(frozen=True)
class GroupKpis:
    """Occupancy of one agent group over the window.

    Attributes:
        group: Group name.
        logged_in_s: Agent-seconds logged in (available + on contact).
        on_contact_s: Agent-seconds on contact.
        occupancy: ``on_contact_s / logged_in_s``.
    """

    group: str
    logged_in_s: float
    on_contact_s: float
    occupancy: Estimate


@dataclass(frozen=True)
class KpiSummary:
    """KPIs with confidence intervals.

    Attributes:
        method: ``"batch_means"`` (one run cut into time batches) or ``"replications"``.
        n_batches: Number of batches, or of replications.
        confidence: Confidence level of the intervals (0.99 = 99 %).
        target_s: Service-level target, seconds.
        warmup_s: Contacts arriving before this and agent time before it are left out.
        queues: Per queue, in scenario order.
        overall: All queues together.
        groups: Per agent group, in scenario order.
    """

    method: Literal["batch_means", "replications"]
    n_batches: int
    confidence: float
    target_s: float
    warmup_s: float
    queues: tuple[QueueKpis, ...]
    overall: QueueKpis
    groups: tuple[GroupKpis, ...]

    def queue(self, name: str) -> QueueKpis:
        """KPIs of the queue called ``name``."""
        for q in self.queues:
            if q.queue == name:
                return q
        raise KeyError(name)


@dataclass(frozen=True)
class _Totals:
    """Per queue/group and batch sums (private); shapes (queues, batches), (groups, batches)."""

    offered: FloatArray
    answered: FloatArray
    abandoned: FloatArray
    other: FloatArray
    within: FloatArray
    wait_answered: FloatArray
    immediate: FloatArray
    on_contact: FloatArray
    logged_in: FloatArray


def _totals(result: SimulationResult, target_s: float, warmup_s: float, n_batches: int) -> _Totals:
    horizon = result.horizon_s
    if not (0.0 <= warmup_s < horizon):
        raise ValueError(f"warmup_s must lie in [0, horizon_s), got {warmup_s}")
    if not (math.isfinite(target_s) and target_s >= 0):
        raise ValueError(f"target_s must be finite and >= 0, got {target_s}")
    n_q = len(result.scenario.queues)
    n_g = len(result.scenario.agent_groups)
    edges = np.linspace(warmup_s, horizon, n_batches + 1)
    edges[-1] = horizon

    c = result.contacts
    inside = c.arrival_s >= warmup_s
    b = np.clip(np.searchsorted(edges, c.arrival_s[inside], side="right") - 1, 0, n_batches - 1)
    key = c.queue[inside] * n_batches + b
    size = n_q * n_batches
    out = c.outcome[inside]
    wait = c.wait_s[inside]
    ans = out == ANSWERED

    def count(mask: npt.NDArray[np.bool_] | None, weights: FloatArray | None = None) -> FloatArray:
        k = key if mask is None else key[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        return np.bincount(k, weights=w, minlength=size).astype(np.float64).reshape(n_q, n_batches)

    # Agent time, split by batch: spans inside one batch in bulk, the few crossing an edge apart.
    s = result.agent_states
    logged = s.state != OFFLINE
    start = np.maximum(s.start_s[logged], warmup_s)
    end = np.minimum(s.end_s[logged], horizon)
    keep = end > start
    start, end = start[keep], end[keep]
    grp = s.group[logged][keep]
    oncall = (s.state[logged][keep] == ON_CONTACT).astype(np.float64)
    b0 = np.clip(np.searchsorted(edges, start, side="right") - 1, 0, n_batches - 1)
    b1 = np.clip(np.searchsorted(edges, end, side="left") - 1, 0, n_batches - 1)
    gsize = n_g * n_batches
    same = b0 == b1
    length = end - start
    gkey = grp * n_batches + b0
    logged_in = np.bincount(gkey[same], weights=length[same], minlength=gsize).astype(np.float64)
    on_contact = np.bincount(gkey[same], weights=(length * oncall)[same], minlength=gsize).astype(
        np.float64
    )
    for j in np.flatnonzero(~same).tolist():
        for bb in range(int(b0[j]), int(b1[j]) + 1):
            part = min(end[j], edges[bb + 1]) - max(start[j], edges[bb])
            if part > 0:
                logged_in[grp[j] * n_batches + bb] += part
                on_contact[grp[j] * n_batches + bb] += part * oncall[j]

    return _Totals(
        offered=count(None),
        answered=count(ans),
        abandoned=count(out == ABANDONED),
        other=count(out == OTHER),
        within=count(ans & (wait <= target_s)),
        wait_answered=count(ans, wait),
        immediate=count(ans & (wait <= 0.0)),
        on_contact=on_contact.reshape(n_g, n_batches),
        logged_in=logged_in.reshape(n_g, n_batches),
    )


def _ratio(num: FloatArray, den: FloatArray, confidence: float, share: bool = True) -> Estimate:
    """Ratio estimator sum(num)/sum(den) with a t interval from per-batch residuals.

    With batch (or replication) totals ``a_b, o_b`` and ``R = sum a / sum o``, the residuals
    ``d_b = a_b - R o_b`` give ``se(R) = sqrt(sum d_b^2 / (B (B - 1))) / mean(o)``; the interval
    is ``R +- t(1 - alpha/2, B - 1) se(R)`` (the delta-method ratio estimator, e.g. Law,
    *Simulation Modeling and Analysis*, batch means and ratio estimation), clipped to [0, 1]
    for a ``share`` and to [0, inf) otherwise.
    """
    total = float(den.sum())
    if total <= 0:
        return Estimate(math.nan, math.nan, math.nan)
    r = float(num.sum()) / total
    nb = int(num.shape[0])
    if nb < 2:
        return Estimate(r, math.nan, math.nan)
    from scipy.special import stdtrit  # t quantile; imported here to keep the module light

    d = num - r * den
    se = math.sqrt(float(np.sum(d * d)) / (nb * (nb - 1))) / (total / nb)
    half = float(stdtrit(nb - 1, 0.5 + confidence / 2.0)) * se
    return Estimate(r, max(r - half, 0.0), min(r + half, 1.0) if share else r + half)


def _summarise(
    t: _Totals,
    scenario: Scenario,
    method: Literal["batch_means", "replications"],
    confidence: float,
    target_s: float,
    warmup_s: float,
) -> KpiSummary:
    skills = scenario._compiled.group_skills

    def queue_kpis(name: str, rows: list[int]) -> QueueKpis:
        groups = [g for g, sk in enumerate(skills) if any(q in sk for q in rows)]
        off = t.offered[rows].sum(axis=0)
        ans = t.answered[rows].sum(axis=0)
        return QueueKpis(
            queue=name,
            offered=round(float(off.sum())),
            answered=round(float(ans.sum())),
            abandoned=round(float(t.abandoned[rows].sum())),
            other=round(float(t.other[rows].sum())),
            service_level=_ratio(t.within[rows].sum(axis=0), off, confidence),
            asa_s=_ratio(t.wait_answered[rows].sum(axis=0), ans, confidence, share=False),
            abandon_rate=_ratio(t.abandoned[rows].sum(axis=0), off, confidence),
            p_wait=_ratio(off - t.immediate[rows].sum(axis=0), off, confidence),
            occupancy=_ratio(
                t.on_contact[groups].sum(axis=0), t.logged_in[groups].sum(axis=0), confidence
            ),
        )

    names = scenario.queue_names
    queues = tuple(queue_kpis(name, [i]) for i, name in enumerate(names))
    overall = queue_kpis("(all)", list(range(len(names))))
    groups = tuple(
        GroupKpis(
            group=g.name,
            logged_in_s=float(t.logged_in[gi].sum()),
            on_contact_s=float(t.on_contact[gi].sum()),
            occupancy=_ratio(t.on_contact[gi], t.logged_in[gi], confidence),
        )
        for gi, g in enumerate(scenario.agent_groups)
    )
    return KpiSummary(
        method=method,
        n_batches=int(t.offered.shape[1]),
        confidence=confidence,
        target_s=float(target_s),
        warmup_s=float(warmup_s),
        queues=queues,
        overall=overall,
        groups=groups,
    )


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")


def kpis(
    result: SimulationResult,
    target_s: float,
    warmup_s: float = 0.0,
    *,
    n_batches: int = 20,
    confidence: float = 0.99,
) -> KpiSummary:
    """Summarise one run per queue, with batch-means confidence intervals.

    The window ``[warmup_s, horizon_s)`` is cut into ``n_batches`` equal time batches; contacts
    count in the batch of their arrival, agent time in the batch it falls in. Each ratio KPI is
    the pooled ratio over the window, its interval the ratio estimator over batch totals with a
    Student t quantile (see :func:`_ratio`). Batch means assume a stationary scenario (constant
    rates and staffing) and batches long against the queue's memory; for a time-varying day use
    :func:`replicate`.

    Args:
        result: A simulation result.
        target_s: Service-level target in seconds (answered with ``wait_s <= target_s``).
        warmup_s: Leave out contacts arriving, and agent time, before this many seconds.
        n_batches: Number of batches (>= 2 for an interval).
        confidence: Confidence level of the intervals.

    Returns:
        The summary (``method="batch_means"``).

    Raises:
        ValueError: If an argument is out of range.
    """
    _check_confidence(confidence)
    if n_batches < 1:
        raise ValueError(f"n_batches must be >= 1, got {n_batches}")
    totals = _totals(result, target_s, warmup_s, n_batches)
    return _summarise(totals, result.scenario, "batch_means", confidence, target_s, warmup_s)


def replicate(
    scenario: Scenario,
    n_reps: int,
    seed: int | np.random.Generator,
    *,
    target_s: float,
    warmup_s: float = 0.0,
    confidence: float = 0.99,
) -> KpiSummary:
    """Run independent replications and summarise them with confidence intervals.

    Replication ``r`` uses the ``r``-th child of the seed (``Generator.spawn``), so the runs are
    independent and the whole is deterministic for a seed. Each KPI is the pooled ratio over all
    replications (e.g. service level = all answered within target / all offered) and its
    interval the ratio estimator over replication totals with a Student t quantile on
    ``n_reps - 1`` degrees of freedom. Valid for time-varying scenarios.

    Args:
        scenario: What to simulate.
        n_reps: Number of replications (>= 2 for an interval).
        seed: An int seed or a ``numpy.random.Generator``.
        target_s: Service-level target in seconds.
        warmup_s: Leave out contacts arriving, and agent time, before this many seconds.
        confidence: Confidence level of the intervals.

    Returns:
        The summary (``method="replications"``, ``n_batches = n_reps``; counts are summed over
        replications).

    Raises:
        ValueError: If an argument is out of range.
    """
    _check_confidence(confidence)
    if n_reps < 1:
        raise ValueError(f"n_reps must be >= 1, got {n_reps}")
    parent = np.random.default_rng(seed)
    parts = [
        _totals(simulate(scenario, child), target_s, warmup_s, 1) for child in parent.spawn(n_reps)
    ]
    totals = _Totals(
        **{
            name: np.concatenate([getattr(p, name) for p in parts], axis=1)
            for name in _Totals.__dataclass_fields__
        }
    )
    return _summarise(totals, scenario, "replications", confidence, target_s, warmup_s)
