"""Honest estimates: every rate carries its sample size and a 95% interval (Wilson for
proportions, Student t for means); below the minimum sample the value is withheld and the reason
said.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ccops.engines import stats

MIN_TRIALS = 30
"""Fewer trials than this: a rate is not shown (its 95% interval is wider than about ±18 points)."""
MIN_VALUES = 10
"""Fewer values than this: a mean is not shown."""


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    """A KPI's value for one subject and period with its sample size and 95% interval."""

    actual: float | None
    n: int
    low: float | None
    high: float | None
    method: str
    enough: bool
    note: str
    successes: int | None = None
    values: list[float] = field(default_factory=list)
    source: str | None = None
    """Where a KPI with more than one source took its value from (floor time: recorded or
    scheduled)."""


def finite(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def proportion(successes: int, trials: int, *, min_trials: int = MIN_TRIALS) -> Measure:
    """A rate with its Wilson 95% interval; withheld below ``min_trials``."""
    if trials == 0:
        return Measure(None, 0, None, None, "wilson", False, "no observations", successes)
    ci = stats.wilson_interval(successes, trials)
    if trials < min_trials:
        return Measure(
            None,
            trials,
            None,
            None,
            "wilson",
            False,
            f"too few observations to show a rate: {trials} (at least {min_trials} needed)",
            successes,
        )
    return Measure(successes / trials, trials, ci.low, ci.high, "wilson", True, "", successes)


def mean_of(values: Sequence[float], *, min_values: int = MIN_VALUES) -> Measure:
    """A mean with its Student t 95% interval; withheld below ``min_values``."""
    n = len(values)
    if n == 0:
        return Measure(None, 0, None, None, "t", False, "no observations")
    if n < min_values:
        return Measure(
            None,
            n,
            None,
            None,
            "t",
            False,
            f"too few observations to show a mean: {n} (at least {min_values} needed)",
        )
    ci = stats.mean_interval(np.asarray(values, dtype=np.float64))
    return Measure(ci.point, n, finite(ci.low), finite(ci.high), "t", True, "", None, list(values))


def mean_of_sums(n: int, total: float, total_sq: float, *, min_values: int = MIN_VALUES) -> Measure:
    """A mean from its count, sum and sum of squares (aggregated in SQL) with its Student t 95%
    interval; withheld below ``min_values``, like :func:`mean_of`."""
    if n == 0:
        return Measure(None, 0, None, None, "t", False, "no observations")
    if n < min_values:
        return Measure(
            None,
            n,
            None,
            None,
            "t",
            False,
            f"too few observations to show a mean: {n} (at least {min_values} needed)",
        )
    ci = stats.mean_interval_from_sums(n, total, total_sq)
    return Measure(ci.point, n, finite(ci.low), finite(ci.high), "t", True, "")
