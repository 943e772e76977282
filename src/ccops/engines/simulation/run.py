"""One simulation run: its columnar results and the discrete-event loop that produces them."""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ccops.engines.simulation.scenario import (
    _INF,
    ABANDONED,
    ANSWERED,
    AVAILABLE,
    OFFLINE,
    ON_CONTACT,
    OTHER,
    OUTCOME_NAMES,
    STATE_NAMES,
    CodeArray,
    FloatArray,
    IntArray,
    Scenario,
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
