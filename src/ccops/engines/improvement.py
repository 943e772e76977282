"""The check step of an improvement cycle: a rate before vs after a change, with intervals and a
plain verdict that never calls noise an improvement.

Each period's rate gets a Wilson interval (:func:`ccops.engines.stats.wilson_interval`); the
difference after - before gets Newcombe's hybrid score interval (Newcombe 1998, "Interval
estimation for the difference between independent proportions", Statistics in Medicine 17,
873-890, method 10), built from the two Wilson intervals. The verdict is "improved" or "worse"
only when that interval excludes zero; otherwise "no detectable change".

A mean (a handle time, say) before vs after: each period's mean gets its Student t interval
(:func:`ccops.engines.stats.mean_interval_from_sums`), the difference Welch's t interval
(unequal variances, Welch-Satterthwaite degrees of freedom; Welch 1947, "The generalization of
Student's problem when several different population variances are involved", Biometrika 34,
28-35), and the same verdict rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import scipy.stats as sps

from ccops.engines.stats import Interval, StatsInputError, mean_interval_from_sums, wilson_interval

Verdict = Literal["improved", "no detectable change", "worse"]


@dataclass(frozen=True)
class RateComparison:
    """Before and after rates (or means) with their intervals, the difference and the verdict."""

    before: Interval[float, int]
    after: Interval[float, int]
    difference: float
    """after - before (NaN when a period has no trials)."""
    difference_low: float
    difference_high: float
    verdict: Verdict


def compare_rates(
    before_successes: int,
    before_trials: int,
    after_successes: int,
    after_trials: int,
    *,
    higher_is_better: bool,
    confidence: float = 0.95,
) -> RateComparison:
    """Compare a proportion before and after a change (e.g. repeat contacts / contacts).

    Raises:
        StatsInputError: negative or fractional counts, successes > trials, bad confidence.
    """
    before = wilson_interval(before_successes, before_trials, confidence)
    after = wilson_interval(after_successes, after_trials, confidence)
    if before.n == 0 or after.n == 0:
        nan = math.nan
        return RateComparison(before, after, nan, nan, nan, "no detectable change")
    p1, p2 = before.point, after.point
    d = p2 - p1
    low = d - math.sqrt((p2 - after.low) ** 2 + (before.high - p1) ** 2)
    high = d + math.sqrt((after.high - p2) ** 2 + (p1 - before.low) ** 2)
    return RateComparison(
        before, after, d, low, high, _verdict(low, high, higher_is_better=higher_is_better)
    )


@dataclass(frozen=True)
class MeanSums:
    """A period's values as their count, sum and sum of squares (aggregated in SQL)."""

    n: int
    total: float
    total_sq: float


def _verdict(low: float, high: float, *, higher_is_better: bool) -> Verdict:
    if low > 0:
        return "improved" if higher_is_better else "worse"
    if high < 0:
        return "worse" if higher_is_better else "improved"
    return "no detectable change"


def compare_means(
    before: MeanSums,
    after: MeanSums,
    *,
    higher_is_better: bool,
    confidence: float = 0.95,
) -> RateComparison:
    """Compare a mean before and after a change (e.g. the handle time of answered contacts).

    Each mean gets its Student t interval; the difference after - before gets Welch's interval
    d +- t_{nu} sqrt(s1^2/n1 + s2^2/n2) with nu = (s1^2/n1 + s2^2/n2)^2 /
    ((s1^2/n1)^2/(n1 - 1) + (s2^2/n2)^2/(n2 - 1)). With fewer than two values in a period no
    spread can be estimated: the difference's interval is NaN and the verdict "no detectable
    change". Two periods without any spread give the difference itself as its interval.

    Raises:
        StatsInputError: a negative count, a non-finite sum, bad confidence.
    """
    for name, p in (("before", before), ("after", after)):
        if p.n < 0 or not (math.isfinite(p.total) and math.isfinite(p.total_sq)):
            raise StatsInputError(f"{name}: a count >= 0 and finite sums are needed")
    b = mean_interval_from_sums(before.n, before.total, before.total_sq, confidence)
    a = mean_interval_from_sums(after.n, after.total, after.total_sq, confidence)
    if before.n < 2 or after.n < 2:
        nan = math.nan
        d = a.point - b.point if before.n and after.n else nan
        return RateComparison(b, a, d, nan, nan, "no detectable change")
    d = a.point - b.point
    v1 = max(before.total_sq - before.total * b.point, 0.0) / (before.n - 1) / before.n
    v2 = max(after.total_sq - after.total * a.point, 0.0) / (after.n - 1) / after.n
    se2 = v1 + v2
    if se2 == 0.0:
        return RateComparison(b, a, d, d, d, _verdict(d, d, higher_is_better=higher_is_better))
    nu = se2 * se2 / (v1 * v1 / (before.n - 1) + v2 * v2 / (after.n - 1))
    half = float(sps.t.ppf(0.5 + 0.5 * confidence, nu)) * math.sqrt(se2)
    low, high = d - half, d + half
    return RateComparison(
        b, a, d, low, high, _verdict(low, high, higher_is_better=higher_is_better)
    )
