"""The before/after check of an improvement: Newcombe's interval and the verdict."""

from __future__ import annotations

import math

import pytest

from ccops.engines.improvement import MeanSums, compare_means, compare_rates
from ccops.engines.stats import StatsInputError


def test_newcombe_example_matches_the_published_interval() -> None:
    # Newcombe (1998) table II, example (a): 56/70 vs 48/80, difference 0.2000, 95% CI
    # by method 10: 0.0524 to 0.3339 (here as before = 48/80, after = 56/70)
    out = compare_rates(48, 80, 56, 70, higher_is_better=True)
    assert out.difference == pytest.approx(0.2, abs=1e-12)
    assert out.difference_low == pytest.approx(0.0524, abs=5e-5)
    assert out.difference_high == pytest.approx(0.3339, abs=5e-5)
    assert out.verdict == "improved"


def test_a_drop_inside_the_noise_is_no_detectable_change() -> None:
    out = compare_rates(12, 100, 9, 100, higher_is_better=False)  # repeat rate 12% -> 9%
    assert out.difference_low < 0 < out.difference_high
    assert out.verdict == "no detectable change"


def test_direction_decides_improved_or_worse() -> None:
    lower = compare_rates(300, 1000, 200, 1000, higher_is_better=False)
    assert lower.verdict == "improved"
    assert compare_rates(300, 1000, 200, 1000, higher_is_better=True).verdict == "worse"


def test_an_empty_period_says_nothing_and_bad_counts_raise() -> None:
    out = compare_rates(0, 0, 5, 10, higher_is_better=True)
    assert math.isnan(out.difference) and out.verdict == "no detectable change"
    with pytest.raises(StatsInputError):
        compare_rates(11, 10, 5, 10, higher_is_better=True)


def _sums(values: list[float]) -> MeanSums:
    return MeanSums(len(values), sum(values), sum(v * v for v in values))


def test_welch_interval_of_a_mean_difference_matches_the_hand_computation() -> None:
    # handle times before 300..380 s (mean 340, s^2 = 4000/4 = 1000), after 250..290 s (mean 270,
    # s^2 = 1000/4 = 250): se^2 = 1000/5 + 250/5 = 250, Welch df = 250^2 / (200^2/4 + 50^2/4)
    # = 100/17 = 5.882, t_0.975(5.882) = 2.4588, half-width 2.4588 * 15.811 = 38.877
    before = _sums([300, 320, 340, 360, 380])
    after = _sums([250, 260, 270, 280, 290])
    out = compare_means(before, after, higher_is_better=False)
    assert out.difference == pytest.approx(-70.0)
    assert (out.difference_low, out.difference_high) == pytest.approx((-108.877, -31.123), abs=1e-3)
    assert out.verdict == "improved"  # a lower handle time, when lower is better
    assert compare_means(before, after, higher_is_better=True).verdict == "worse"
    # each mean's Student t interval: 340 +- t_0.975(4) * sqrt(1000 / 5) = 340 +- 39.265
    assert (out.before.low, out.before.high) == pytest.approx((300.735, 379.265), abs=1e-3)
    assert out.after.point == pytest.approx(270.0) and out.after.n == 5


def test_a_mean_change_inside_the_noise_or_without_spread() -> None:
    noisy = compare_means(
        _sums([300, 400, 200, 350]), _sums([310, 390, 220, 300]), higher_is_better=False
    )
    assert noisy.difference_low < 0 < noisy.difference_high
    assert noisy.verdict == "no detectable change"
    one = compare_means(_sums([300]), _sums([200, 210]), higher_is_better=False)
    assert math.isnan(one.difference_low) and one.verdict == "no detectable change"
    flat = compare_means(_sums([300, 300]), _sums([200, 200]), higher_is_better=False)
    assert (flat.difference_low, flat.difference_high, flat.verdict) == (-100, -100, "improved")
    with pytest.raises(StatsInputError):
        compare_means(MeanSums(-1, 0, 0), _sums([1, 2]), higher_is_better=True)
