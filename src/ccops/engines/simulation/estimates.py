"""KPIs of simulation runs with batch-means confidence intervals, and replications."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ccops.engines.simulation.run import (
    SimulationResult,
    simulate,
)
from ccops.engines.simulation.scenario import (
    ABANDONED,
    ANSWERED,
    OFFLINE,
    ON_CONTACT,
    OTHER,
    FloatArray,
    Scenario,
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
