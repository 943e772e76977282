"""The before/after check of an improvement: Newcombe's interval and the verdict."""

from __future__ import annotations

import math

import pytest

from ccops.engines.improvement import compare_rates
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
