"""What a simulation runs: queues, agent groups and the scenario; outcome and state codes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

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
