"""Is a count up or down from one period to the next, or is the change noise? (pure)

Counts of events in two periods (cases of a category in two months) are compared as Poisson
rates per unit of exposure (days observed). The test is the exact conditional one
(Przyborowski & Wilenski 1940; Lehmann & Romano, *Testing Statistical Hypotheses*, 4.5): given
``n = before + after`` events, under equal rates ``after`` is Binomial(n, p0) with
``p0 = after_exposure / (before_exposure + after_exposure)``. The two-sided p-value is the
binomial test's (scipy's ``binomtest``: the probability of every outcome no more likely than the
one observed). The rate ratio ``(after / after_exposure) / (before / before_exposure)`` gets the
exact interval mapped from the Clopper-Pearson interval of the binomial proportion
``p = after / n``: ``ratio = p / (1 - p) * before_exposure / after_exposure``.

The verdict is "up" or "down" only when the p-value is below ``alpha`` (default 0.05);
otherwise "no clear change" — a count that moved inside its noise is never called a trend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats as sps

Trend = Literal["up", "down", "no clear change"]


class RateTestError(ValueError):
    """Counts or exposures that cannot be compared."""


@dataclass(frozen=True)
class RateTest:
    """Two counts, their rates per unit of exposure, the ratio with its interval, the test."""

    before: int
    after: int
    before_rate: float
    after_rate: float
    ratio: float
    """after rate / before rate (inf when nothing before, NaN when nothing in either)."""
    ratio_low: float
    ratio_high: float
    p_value: float
    trend: Trend


def _ratio(p: float, odds_scale: float) -> float:
    if p >= 1.0:
        return math.inf
    return p / (1.0 - p) * odds_scale


def poisson_rate_test(
    before: int,
    after: int,
    before_exposure: float,
    after_exposure: float,
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> RateTest:
    """Compare the rate of ``after`` events with that of ``before`` events (exact, conditional).

    Args:
        before: events in the first period (a whole number, at least 0).
        after: events in the second period.
        before_exposure: length of the first period (e.g. days), more than 0.
        after_exposure: length of the second period, in the same unit.
        alpha: the level below which the p-value says "up" or "down".
        confidence: of the ratio's interval.

    Returns:
        The rates, the ratio with its exact interval, the two-sided p-value and the verdict.

    Raises:
        RateTestError: a negative or fractional count, an exposure not above 0, a level or
            confidence outside (0, 1).
    """
    for name, count in (("before", before), ("after", after)):
        if count < 0 or int(count) != count:
            raise RateTestError(f"{name} must be a whole number of at least 0, not {count!r}")
    if not (before_exposure > 0 and after_exposure > 0):
        raise RateTestError("exposures must be more than 0")
    if not (0 < alpha < 1 and 0 < confidence < 1):
        raise RateTestError("alpha and confidence must lie between 0 and 1")
    before, after = int(before), int(after)
    before_rate, after_rate = before / before_exposure, after / after_exposure
    n = before + after
    if n == 0:
        nan = math.nan
        return RateTest(
            before, after, before_rate, after_rate, nan, nan, nan, 1.0, "no clear change"
        )
    p0 = after_exposure / (before_exposure + after_exposure)
    result = sps.binomtest(after, n, p0, alternative="two-sided")
    p_value = float(min(1.0, result.pvalue))
    ci = result.proportion_ci(confidence_level=confidence, method="exact")
    scale = before_exposure / after_exposure
    ratio = math.inf if before == 0 else after_rate / before_rate
    trend: Trend = "no clear change"
    if p_value < alpha:
        trend = "up" if after_rate > before_rate else "down"
    return RateTest(
        before,
        after,
        before_rate,
        after_rate,
        ratio,
        _ratio(float(ci.low), scale),
        _ratio(float(ci.high), scale),
        p_value,
        trend,
    )
