"""A what-if on a multi-skill pool by simulation: baseline against scenario over sample days.

Erlang A prices one queue with agents of its own. When agents are shared between queues, what
one queue gets depends on the others' load, so the what-if also runs the discrete-event
simulator (:mod:`ccops.engines.simulation`) over a sample of days of the pool: every queue the
pool's agents serve, hourly arrival rates and handle times from the queue's own history, and the
agent groups (people with the same skills) staffed hour by hour.

* **Sample.** :func:`sample_days` picks the busiest day and, from the other days sorted by the
  pool's volume, the median day of each of ``strata`` equal strata; each sample day stands for
  the days of its stratum (its *weight*). Figures of the month are the weighted sums.
* **Runs.** Each sample day is simulated ``reps`` times, baseline and scenario with the same
  seeds (common random numbers: the same arrivals and handle times, so the difference is the
  scenario's, not the dice's). The seed of day ``d``, replication ``r`` is the seed sequence
  ``(seed, d, r)``: the same seed gives the same numbers.
* **Scenario.** ``add_agents`` agents with the queue's skill alone in every hour the queue has
  contacts (a new group); a negative number takes agents away in those hours, one at a time from
  the group with the queue's skill that has the most agents on. The queue's handle times times
  ``aht_factor`` and its arrival rates times ``volume_factor``; the other queues as they are.
* **Figures** of the queue: service level = answered within its target / offered (abandons count
  against, as Erlang A), abandon rate, ASA (mean wait of answered contacts) and occupancy
  (on-contact over logged-in time of the agents who hold the queue's skill). The service level's
  simulation error is the half-width of a 95 % Student t interval over the replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ccops.engines import simulation as sim

HOURS = 24


@dataclass(frozen=True)
class PoolQueue:
    """One queue the pool serves: its target, patience and each sample day's hours."""

    name: str
    target_s: float
    patience_s: float | None
    rate_per_s: np.ndarray
    """(days, 24) arrival rate per second of each hour of each sample day."""
    aht_s: np.ndarray
    """(days, 24) mean handle time of each hour (any positive value where the rate is 0)."""


@dataclass(frozen=True)
class PoolGroup:
    """People with the same skills (within the pool) and how many are on, hour by hour."""

    name: str
    skills: Mapping[str, int]
    staffing: np.ndarray
    """(days, 24) whole agents on the queues in each hour of each sample day."""


@dataclass(frozen=True)
class Pool:
    """What the simulator runs: the pool's queues and groups over the sample days."""

    queues: Sequence[PoolQueue]
    groups: Sequence[PoolGroup]
    weights: np.ndarray
    """(days,) how many days of the period each sample day stands for."""


@dataclass(frozen=True)
class SimFigures:
    """One queue's figures over the sample (weighted by the days each stands for)."""

    service_level: float
    service_level_error: float
    abandon_rate: float
    asa_s: float
    occupancy: float
    offered: float
    answered: float
    abandoned: float
    contacts_simulated: int


def sample_days(volumes: Sequence[float], strata: int = 4) -> list[tuple[int, float]]:
    """(index, weight) of the sample days: the busiest day (weight 1) and the median day of each
    of ``strata`` volume strata of the other days (weight = the stratum's days). Days of no
    volume are left out; the weights add up to the days with volume."""
    order = [i for i in sorted(range(len(volumes)), key=lambda i: (volumes[i], i)) if volumes[i]]
    if not order:
        return []
    busiest, rest = order[-1], order[:-1]
    out = [(busiest, 1.0)]
    for part in np.array_split(np.arange(len(rest)), min(strata, len(rest))) if rest else []:
        if part.size:
            out.append((rest[int(part[part.size // 2])], float(part.size)))
    return sorted(out)


def _scenario(pool: Pool, d: int, target: str, add: int, aht: float, volume: float) -> sim.Scenario:
    queues = []
    for q in pool.queues:
        mine = q.name == target
        rate = q.rate_per_s[d] * (volume if mine else 1.0)
        queues.append(
            sim.QueueSpec(
                q.name,
                arrival_rate_per_s=rate,
                aht_s=np.maximum(q.aht_s[d] * (aht if mine else 1.0), 1.0),
                patience_s=q.patience_s,
            )
        )
    rate = next(q.rate_per_s[d] for q in pool.queues if q.name == target)
    staffing = np.array([g.staffing[d] for g in pool.groups], dtype=np.int64).reshape(
        len(pool.groups), HOURS
    )
    if add < 0:
        skilled = [gi for gi, g in enumerate(pool.groups) if target in g.skills]
        for h in np.flatnonzero(rate > 0):
            for _ in range(-add):
                gi = max(skilled, key=lambda i: (staffing[i, h], -i))
                if staffing[gi, h] == 0:
                    break
                staffing[gi, h] -= 1
    groups = [
        sim.AgentGroup(g.name, dict(g.skills), staffing[gi]) for gi, g in enumerate(pool.groups)
    ]
    if add > 0:
        groups.append(sim.AgentGroup("(added)", {target: 1}, np.where(rate > 0, add, 0)))
    return sim.Scenario(queues, groups, interval_s=3600.0, n_intervals=HOURS)


def simulate_queue(
    pool: Pool,
    queue: str,
    *,
    add_agents: int = 0,
    aht_factor: float = 1.0,
    volume_factor: float = 1.0,
    seed: int,
    reps: int = 3,
) -> SimFigures:
    """Simulate the pool over its sample days and return ``queue``'s figures (see the module)."""
    qi = next(i for i, q in enumerate(pool.queues) if q.name == queue)
    target_s = pool.queues[qi].target_s
    per_rep = np.zeros((reps, 3))  # weighted offered, within target, for the SL's error
    offered = within = abandoned = answered = wait = busy = logged = 0.0
    simulated = 0
    for d, w in enumerate(pool.weights):
        if w <= 0:
            continue
        scenario = _scenario(pool, d, queue, add_agents, aht_factor, volume_factor)
        skilled = np.array([queue in g.skills for g in scenario.agent_groups], dtype=bool)
        for r in range(reps):
            run = sim.simulate(
                scenario, np.random.default_rng(np.random.SeedSequence([seed, d, r]))
            )
            c = run.contacts
            mine = c.queue == qi
            simulated += int(len(c))
            ans = mine & (c.outcome == sim.ANSWERED)
            n_off = float(mine.sum())
            n_in = float((ans & (c.wait_s <= target_s)).sum())
            offered += w * n_off
            within += w * n_in
            abandoned += w * float((mine & (c.outcome == sim.ABANDONED)).sum())
            answered += w * float(ans.sum())
            wait += w * float(c.wait_s[ans].sum())
            per_rep[r] += (w * n_off, w * n_in, 0.0)
            s = run.agent_states
            on_skill = skilled[s.group]
            span = np.minimum(s.end_s, run.horizon_s) - s.start_s
            in_state = on_skill & (s.state != sim.OFFLINE)
            logged += w * float(span[in_state].sum())
            busy += w * float(span[on_skill & (s.state == sim.ON_CONTACT)].sum())
    sl = within / offered if offered else 0.0
    error = 0.0
    if reps > 1 and offered:
        rep_sl = per_rep[:, 1] / np.maximum(per_rep[:, 0], 1e-12)
        error = float(stats.t.ppf(0.975, reps - 1) * rep_sl.std(ddof=1) / math.sqrt(reps))
    return SimFigures(
        service_level=float(sl),
        service_level_error=error,
        abandon_rate=float(abandoned / offered) if offered else 0.0,
        asa_s=float(wait / answered) if answered else 0.0,
        occupancy=float(busy / logged) if logged else 0.0,
        offered=float(offered / reps),
        answered=float(answered / reps),
        abandoned=float(abandoned / reps),
        contacts_simulated=simulated,
    )
