"""The month-over-month trend test: exact conditional test of two Poisson rates, with the rate
ratio's exact interval; values worked by hand from the binomial distribution."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccops.engines.rate_tests import RateTestError, poisson_rate_test


def binom_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_equal_months_two_then_ten_is_up() -> None:
    # July and August both have 31 days: p0 = 1/2. Given 12 cases, 10 or more in August has
    # probability (C(12,10) + C(12,11) + C(12,12)) / 2^12 = 79/4096; two-sided: 158/4096.
    out = poisson_rate_test(2, 10, 31, 31)
    assert out.p_value == pytest.approx(158 / 4096, rel=1e-12)
    assert out.ratio == pytest.approx(5.0)
    assert out.trend == "up"
    # The ratio's bounds are the Clopper-Pearson bounds of p = 10/12 as odds: at the lower
    # bound P(X >= 10) = 2.5%, at the upper P(X <= 10) = 2.5%.
    p_low = out.ratio_low / (1 + out.ratio_low)
    p_high = out.ratio_high / (1 + out.ratio_high)
    assert binom_tail(10, 12, p_low) == pytest.approx(0.025, abs=1e-9)
    assert 1 - binom_tail(11, 12, p_high) == pytest.approx(0.025, abs=1e-9)
    assert out.ratio_low < 5.0 < out.ratio_high


def test_four_then_seven_is_noise() -> None:
    # p0 = 1/2, n = 11: P(X >= 7) = (330 + 165 + 55 + 11 + 1) / 2048 = 562/2048;
    # two-sided 1124/2048.
    out = poisson_rate_test(4, 7, 31, 31)
    assert out.p_value == pytest.approx(1124 / 2048, rel=1e-12)
    assert out.trend == "no clear change"
    assert out.ratio_low < 1 < out.ratio_high


def test_down_and_exposure_of_unequal_months() -> None:
    # November (30 days) 12 cases, December (31 days) 1: p0 = 31/61; P(X <= 1) is tiny.
    p0 = 31 / 61
    low_tail = (1 - p0) ** 13 + 13 * p0 * (1 - p0) ** 12
    out = poisson_rate_test(12, 1, 30, 31)
    assert out.trend == "down"
    assert out.p_value < 2 * low_tail + 1e-12
    assert out.p_value >= low_tail
    assert out.ratio == pytest.approx((1 / 31) / (12 / 30))
    # The same counts per day are no change: 30 in 30 days, 31 in 31 days.
    same = poisson_rate_test(30, 31, 30, 31)
    assert same.ratio == pytest.approx(1.0) and same.p_value == pytest.approx(1.0)
    assert same.trend == "no clear change"


def test_nothing_in_either_month_and_nothing_before() -> None:
    none = poisson_rate_test(0, 0, 30, 31)
    assert none.trend == "no clear change" and none.p_value == 1.0 and math.isnan(none.ratio)
    # 0 then 3 over equal months: p = 2 * (1/2)^3 = 1/4, no clear change, ratio infinite.
    new = poisson_rate_test(0, 3, 31, 31)
    assert new.p_value == pytest.approx(0.25) and new.trend == "no clear change"
    assert new.ratio == math.inf and new.ratio_high == math.inf


def test_bad_input_is_refused() -> None:
    with pytest.raises(RateTestError):
        poisson_rate_test(-1, 2, 30, 31)
    with pytest.raises(RateTestError):
        poisson_rate_test(1, 2, 0, 31)
    with pytest.raises(RateTestError):
        poisson_rate_test(1.5, 2, 30, 31)  # type: ignore[arg-type]


@given(st.integers(0, 200), st.integers(0, 200), st.integers(1, 31), st.integers(1, 31))
def test_a_trend_is_called_only_below_alpha_and_in_the_rates_direction(
    before: int, after: int, before_days: int, after_days: int
) -> None:
    out = poisson_rate_test(before, after, before_days, after_days)
    assert 0.0 <= out.p_value <= 1.0
    if out.trend != "no clear change":
        assert out.p_value < 0.05
        assert (out.trend == "up") == (out.after_rate > out.before_rate)
    if before + after > 0 and before > 0 and after > 0:
        assert out.ratio_low <= out.ratio <= out.ratio_high
