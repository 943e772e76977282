"""The check step of an improvement cycle: a rate before vs after a change, with intervals and a
plain verdict that never calls noise an improvement.

Each period's rate gets a Wilson interval (:func:`ccops.engines.stats.wilson_interval`); the
difference after - before gets Newcombe's hybrid score interval (Newcombe 1998, "Interval
estimation for the difference between independent proportions", Statistics in Medicine 17,
873-890, method 10), built from the two Wilson intervals. The verdict is "improved" or "worse"
only when that interval excludes zero; otherwise "no detectable change".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ccops.engines.stats import Interval, wilson_interval

Verdict = Literal["improved", "no detectable change", "worse"]


@dataclass(frozen=True)
class RateComparison:
    """Before and after rates with their intervals, the difference and the verdict."""

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
    verdict: Verdict = "no detectable change"
    if low > 0:
        verdict = "improved" if higher_is_better else "worse"
    elif high < 0:
        verdict = "worse" if higher_is_better else "improved"
    return RateComparison(before, after, d, low, high, verdict)
