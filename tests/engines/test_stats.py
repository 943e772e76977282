"""Tests of the statistics engine: published worked examples, brute-force references, properties.

Every reference value names its source in a comment. Where a value was taken from a secondary
source (another program's output quoting the publication), the comment says so.
"""

from __future__ import annotations

import math
from itertools import permutations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats as sps

from ccops.engines import stats
from ccops.engines.stats import StatsInputError

SETTINGS = settings(max_examples=50, deadline=None)
Z95 = 1.959963984540054  # Phi^-1(0.975)


# ---------------------------------------------------------------------------------------------
# Wilson interval
# ---------------------------------------------------------------------------------------------

# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no
# continuity correction), 95%: 81/263, 15/148, 0/20, 1/29, to four decimals. (Values as quoted
# from Table I by other projects' test suites; they also follow from Wilson's formula by hand.)
NEWCOMBE_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("successes", "trials", "low", "high"), NEWCOMBE_TABLE_I)
def test_wilson_interval_matches_newcombe_1998_table_i(
    successes: int, trials: int, low: float, high: float
) -> None:
    iv = stats.wilson_interval(successes, trials)
    assert round(iv.low, 4) == low
    assert round(iv.high, 4) == high
    assert iv.point == successes / trials
    assert iv.n == trials
    assert isinstance(iv.low, float) and isinstance(iv.n, int)


def test_wilson_interval_at_zero_and_all_successes_has_closed_forms() -> None:
    # 0/n: [0, z^2/(n + z^2)]; n/n: [n/(n + z^2), 1] (Wilson's formula with p_hat = 0 or 1)
    for n in (1, 7, 50, 10**6):
        zero = stats.wilson_interval(0, n)
        full = stats.wilson_interval(n, n)
        assert zero.low == 0.0 and full.high == 1.0
        assert_allclose(zero.high, Z95**2 / (n + Z95**2), rtol=1e-11)
        assert_allclose(full.low, n / (n + Z95**2), rtol=1e-11)


def test_wilson_interval_of_zero_trials_is_the_whole_unit_interval() -> None:
    iv = stats.wilson_interval(0, 0)
    assert (iv.low, iv.high, iv.n) == (0.0, 1.0, 0)
    assert math.isnan(iv.point)


def test_wilson_interval_broadcasts_and_returns_arrays() -> None:
    iv = stats.wilson_interval(np.array([[0], [5], [10]]), np.array([10, 20]))
    assert iv.low.shape == iv.high.shape == iv.point.shape == iv.n.shape == (3, 2)
    assert iv.n.dtype == np.int64
    assert_allclose(iv.low[1, 1], stats.wilson_interval(5, 20).low, rtol=1e-15)
    zero_d = stats.wilson_interval(np.array(3), np.array(9))
    assert isinstance(zero_d.low, np.ndarray) and zero_d.low.shape == ()


@SETTINGS
@given(
    st.integers(min_value=1, max_value=100_000),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.5, max_value=0.9999),
)
def test_wilson_interval_contains_the_estimate_and_stays_in_the_unit_interval(
    trials: int, share: float, confidence: float
) -> None:
    successes = round(share * trials)
    iv = stats.wilson_interval(successes, trials, confidence)
    assert 0.0 <= iv.low <= iv.point <= iv.high <= 1.0
    mirror = stats.wilson_interval(trials - successes, trials, confidence)
    assert_allclose([iv.low, iv.high], [1 - mirror.high, 1 - mirror.low], atol=1e-14)
    # the textbook form (no cancellation-free rewriting) agrees
    z = sps.norm.ppf(0.5 + confidence / 2)
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert_allclose([iv.low, iv.high], [centre - half, centre + half], atol=1e-12)


@SETTINGS
@given(
    st.integers(min_value=1, max_value=5000),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_interval_widths_shrink_with_n(trials: int, share: float, confidence: float) -> None:
    successes = round(share * trials)
    small = stats.wilson_interval(successes, trials, confidence)
    large = stats.wilson_interval(2 * successes, 2 * trials, confidence)
    assert large.width < small.width
    rate = successes / trials
    for method in ("normal", "exact"):
        a = stats.funnel_limits(rate, trials, confidence, method)
        b = stats.funnel_limits(rate, 4 * trials, confidence, method)
        assert b.upper - b.lower <= a.upper - a.lower + 1e-12
    rng = np.random.default_rng(trials)
    values = rng.normal(size=max(trials % 50, 2))
    assert (
        stats.mean_interval(np.tile(values, 2), confidence).width
        < stats.mean_interval(values, confidence).width
    )


# ---------------------------------------------------------------------------------------------
# funnel limits and p chart
# ---------------------------------------------------------------------------------------------


def test_normal_funnel_limits_by_hand() -> None:
    # theta = 0.8, n = 100: sd = sqrt(0.8 * 0.2 / 100) = 0.04; 95%: 0.8 -+ 1.959964 * 0.04
    lim = stats.funnel_limits(0.8, 100, 0.95)
    assert_allclose([lim.lower, lim.centre, lim.upper], [0.7216014406, 0.8, 0.8783985594])
    # 99.8%: z = 3.090232; theta = 0.95, n = 10: 0.95 +- 0.2130 -> upper clipped to 1
    lim = stats.funnel_limits(0.95, 10, 0.998)
    assert_allclose(lim.lower, 0.95 - 3.090232306 * math.sqrt(0.95 * 0.05 / 10), rtol=1e-9)
    assert lim.upper == 1.0


def test_exact_funnel_limits_by_hand() -> None:
    # Spiegelhalter (2005), appendix A.1.1, for Binomial(10, 1/2) at 95%, by hand in 1024ths:
    # lower, q = 0.025: F(1) = 11/1024 < q <= F(2) = 56/1024, so r = 2,
    #   alpha = (56/1024 - 0.025)/(45/1024) = 30.4/45, limit = (2 - alpha)/10 = 0.132444...
    # upper, q = 0.975: F(7) = 968/1024 < q <= F(8) = 1013/1024, so r = 8,
    #   alpha = (1013/1024 - 0.975)/(45/1024) = 14.6/45, limit = (8 - alpha)/10 = 0.767555...
    lim = stats.funnel_limits(0.5, 10, 0.95, method="exact")
    assert_allclose(lim.lower, (2 - 30.4 / 45) / 10, rtol=1e-12)
    assert_allclose(lim.upper, (8 - 14.6 / 45) / 10, rtol=1e-12)
    assert_allclose(lim.lower + lim.upper, 1 - 1 / 10, rtol=1e-12)  # the half-count shift


def _brute_exact_limit(theta: float, n: int, q: float) -> float:
    """The interpolated binomial quantile from the published recipe, by explicit summation."""
    pmf = [math.comb(n, r) * theta**r * (1 - theta) ** (n - r) for r in range(n + 1)]
    cdf = 0.0
    for r, mass in enumerate(pmf):
        cdf += mass
        if cdf >= q:
            alpha = (cdf - q) / mass
            return min(max((r - alpha) / n, 0.0), 1.0)
    return 1.0


@SETTINGS
@given(
    st.floats(min_value=0.01, max_value=0.99),
    st.integers(min_value=1, max_value=60),
    st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998]),
)
def test_exact_funnel_limits_follow_the_published_recipe(
    theta: float, n: int, confidence: float
) -> None:
    lim = stats.funnel_limits(theta, n, confidence, method="exact")
    tail = (1 - confidence) / 2
    assert_allclose(lim.lower, _brute_exact_limit(theta, n, tail), atol=1e-9)
    assert_allclose(lim.upper, _brute_exact_limit(theta, n, 1 - tail), atol=1e-9)


def test_exact_funnel_limits_converge_to_the_normal_ones() -> None:
    n = np.arange(100, 3001)
    for theta in (0.05, 0.2, 0.5, 0.8, 0.95):
        for confidence in (0.95, 0.998):
            exact = stats.funnel_limits(theta, n, confidence, "exact")
            normal = stats.funnel_limits(theta, n, confidence, "normal")
            unclipped = (normal.lower > 0) & (normal.upper < 1)
            gap = np.maximum(abs(exact.lower - normal.lower), abs(exact.upper - normal.upper))
            # the gap is O(1/n): a skewness term and the half-count shift, under 2.5 counts
            assert (n * gap)[unclipped].max() < 2.5
    big = 10**6
    far_exact = stats.funnel_limits(0.8, big, 0.998, "exact")
    far_normal = stats.funnel_limits(0.8, big, 0.998, "normal")
    assert abs(far_exact.lower - far_normal.lower) < 3e-6
    assert abs(far_exact.upper - far_normal.upper) < 3e-6


@SETTINGS
@given(
    st.floats(min_value=0.001, max_value=0.999),
    st.floats(min_value=0.5, max_value=0.9999),
    st.integers(min_value=1, max_value=3000),
)
def test_exact_funnel_limits_are_monotone_in_n(theta: float, confidence: float, start: int) -> None:
    n = np.arange(start, start + 40)
    lim = stats.funnel_limits(theta, n, confidence, "exact")
    # the lower limit never falls; the upper limit may rise by a fraction of a count between
    # neighbouring n, but upper + 1/n (the smallest rate flagged above) never rises
    assert (np.diff(lim.lower) >= -1e-12).all()
    assert (np.diff(np.minimum(lim.upper + 1 / n, 1.0)) <= 1e-12).all()


def test_exact_upper_limit_is_not_strictly_monotone() -> None:
    # documented behaviour of the interpolation, so nobody relies on strict monotonicity
    n = np.arange(1, 400)
    lim = stats.funnel_limits(0.8, n, 0.95, "exact")
    assert (np.diff(lim.upper) > 0).any()


def test_exact_funnel_limits_are_sensible_for_small_n() -> None:
    n = np.arange(1, 301)
    for theta in np.linspace(0.05, 0.95, 37):
        for confidence in (0.95, 0.998):
            exact = stats.funnel_limits(theta, n, confidence, "exact")
            normal = stats.funnel_limits(theta, n, confidence, "normal")
            assert ((0 <= exact.lower) & (exact.lower <= theta)).all()
            assert ((theta <= exact.upper) & (exact.upper <= 1)).all()
            # where the normal funnel has to be clipped, the exact one still has a limit that
            # a rate can cross, or coincides with the bound only when the tail allows it
            clipped = normal.upper >= 1
            assert (exact.upper[clipped] <= 1).all()
    # for extreme targets with a handful of trials the interpolated limit can cross the target
    # (documented): 0.99 with one trial at 95% gives an upper limit of 0.975
    assert_allclose(stats.funnel_limits(0.99, 1, 0.95, "exact").upper, 1 - 0.025 / 0.99)


def test_funnel_limits_at_target_zero_or_one_and_without_trials() -> None:
    for method in ("normal", "exact"):
        lim = stats.funnel_limits(np.array([0.0, 1.0, 0.3]), np.array([50, 50, 0]), 0.95, method)
        assert_array_equal(lim.lower[:2], [0.0, 1.0])
        assert_array_equal(lim.upper[:2], [0.0, 1.0])
        assert math.isnan(lim.lower[2]) and math.isnan(lim.upper[2])


def test_normal_funnel_accepts_a_fractional_grid_for_drawing() -> None:
    grid = np.linspace(1, 500, 50)
    lim = stats.funnel_limits(0.7, grid, 0.998)
    assert lim.upper.shape == (50,)
    with pytest.raises(StatsInputError, match="trials"):
        stats.funnel_limits(0.7, grid, 0.998, method="exact")


def test_p_chart_limits_by_hand() -> None:
    # p-bar = 0.1: n = 100 -> sd 0.03, limits 0.1 -+ 0.09; n = 25 -> sd 0.06, lower -0.08 -> 0
    lim = stats.p_chart_limits(0.1, np.array([100, 25, 0]))
    assert_allclose(lim.lower[:2], [0.01, 0.0], atol=1e-15)
    assert_allclose(lim.upper[:2], [0.19, 0.28], atol=1e-15)
    assert_array_equal(lim.centre, [0.1, 0.1, 0.1])
    assert math.isnan(lim.lower[2]) and math.isnan(lim.upper[2])
    two = stats.p_chart_limits(0.5, 100, sigmas=2)
    assert_allclose([two.lower, two.upper], [0.4, 0.6])
    assert isinstance(two.lower, float)


# ---------------------------------------------------------------------------------------------
# flag_outliers
# ---------------------------------------------------------------------------------------------


def _false_alarm_probability(theta: float, n: int, confidence: float, method: str) -> float:
    """P(flagged) for a unit whose true rate is the target, by enumerating every count."""
    r = np.arange(n + 1)
    flags = stats.flag_outliers(r, n, theta, confidence, method)  # type: ignore[arg-type]
    pmf = np.diff(sps.binom.cdf(np.arange(-1, n + 1), n, theta))  # (pmf fails for tiny theta)
    return float(pmf[flags.flagged].sum())


def test_simulated_team_with_one_true_rate_is_flagged_at_the_nominal_rate_at_most() -> None:
    # 40 agents, every one with true rate 0.8 and 30-300 contacts, 2000 seeded teams; each team
    # compared with its own pooled rate at 99.8%, exact limits (as the product does).
    teams, agents, theta, confidence = 2000, 40, 0.8, 0.998
    rng = np.random.default_rng(20240601)
    flagged = 0
    for _ in range(teams):
        trials = rng.integers(30, 301, size=agents)
        successes = rng.binomial(trials, theta)
        flagged += int(stats.flag_outliers(successes, trials, confidence=confidence).flagged.sum())
    units = teams * agents
    # the exact false-alarm probability of the rule with a known target, averaged over n
    expected = np.mean(
        [_false_alarm_probability(theta, n, confidence, "exact") for n in range(30, 301)]
    )
    assert 0.001 < expected <= 1 - confidence  # near 0.2%, never above it (measured 0.14%)
    # the simulation (target estimated by pooling) agrees within a binomial tolerance ...
    low, high = sps.binom.interval(0.999, units, expected)
    assert low <= flagged <= high, (flagged, units, expected)
    # ... and is within the 0.2% false-alarm rate the product promises
    assert flagged <= sps.binom.ppf(0.999, units, 1 - confidence)


@SETTINGS
@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=1, max_value=400),
    st.floats(min_value=0.5, max_value=0.9999),
)
def test_exact_flags_never_exceed_the_nominal_false_alarm_rate(
    theta: float, n: int, confidence: float
) -> None:
    assert _false_alarm_probability(theta, n, confidence, "exact") <= 1 - confidence + 1e-12


def test_exact_flags_are_counts_whose_whole_cell_lies_beyond_the_interpolated_limits() -> None:
    for theta in (0.03, 0.3, 0.5, 0.8, 0.97):
        for n in (1, 2, 5, 17, 60, 250):
            r = np.arange(n + 1)
            f = stats.flag_outliers(r, n, theta, 0.95)
            lower, upper = f.limits.lower, f.limits.upper
            for i in r:
                if lower[i] > 0 and abs(i / n - lower[i]) > 1e-9:
                    assert f.below[i] == (i / n <= lower[i])
                if abs((i - 1) / n - upper[i]) > 1e-9:
                    assert f.above[i] == ((i - 1) / n >= upper[i])


def test_a_perfect_score_near_a_high_target_is_not_flagged() -> None:
    # 100/100 against a target of 0.99 happens with probability 0.99^100 = 37%; it lies above the
    # interpolated upper limit (0.99997) but is not significant, so it must not be flagged
    f = stats.flag_outliers(100, 100, 0.99)
    assert f.rate[()] > f.limits.upper[()]
    assert not f.flagged[()]


def test_a_real_outlier_is_flagged_and_the_rest_of_the_team_is_not() -> None:
    trials = np.full(20, 200)
    successes = np.full(20, 160)  # everyone at 0.80 ...
    successes[7] = 100  # ... except one at 0.50
    f = stats.flag_outliers(successes, trials)
    assert_array_equal(np.flatnonzero(f.flagged), [7])
    assert f.below[7] and not f.above.any()
    assert_allclose(f.target_rate, (19 * 160 + 100) / 4000)


def test_flag_outliers_edge_cases() -> None:
    f = stats.flag_outliers([0, 3, 0], [0, 10, 0], 0.5)
    assert not f.flagged[0] and not f.flagged[2] and math.isnan(f.rate[0])
    none = stats.flag_outliers([0, 0], [0, 0])
    assert math.isnan(none.target_rate) and not none.flagged.any()
    assert_array_equal(stats.flag_outliers([0, 1, 5], 5, 0.0).flagged, [False, True, True])
    assert_array_equal(stats.flag_outliers([0, 4, 5], 5, 1.0).flagged, [True, True, False])
    normal = stats.flag_outliers([10, 50, 90], 100, 0.5, 0.95, method="normal")
    assert_array_equal(normal.below, [True, False, False])
    assert_array_equal(normal.above, [False, False, True])


# ---------------------------------------------------------------------------------------------
# means
# ---------------------------------------------------------------------------------------------

# Student (1908), "The probable error of a mean", Biometrika 6:1-25; the Cushny & Peebles data
# (R's `sleep`): extra hours of sleep, drug 2 minus drug 1, for 10 patients. Mean 1.58,
# s = 1.229995, t(9, 0.975) = 2.262157, so 95% CI 1.58 -+ 0.879886 = [0.700114, 2.459886] (by
# hand; R's paired t.test prints -2.4598858 to -0.7001142 for drug 1 minus drug 2).
SLEEP_DIFFERENCES = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4]


def test_mean_interval_matches_students_sleep_data() -> None:
    iv = stats.mean_interval(SLEEP_DIFFERENCES)
    assert_allclose([iv.low, iv.point, iv.high], [0.7001142, 1.58, 2.4598858], atol=5e-8)
    assert iv.n == 10
    reference = sps.t.interval(0.95, 9, loc=1.58, scale=np.std(SLEEP_DIFFERENCES, ddof=1) / 10**0.5)
    assert_allclose([iv.low, iv.high], reference, rtol=1e-12)


def test_mean_interval_of_too_few_values_is_nan() -> None:
    one = stats.mean_interval([3.0])
    assert one.point == 3.0 and one.n == 1 and math.isnan(one.low) and math.isnan(one.high)
    none = stats.mean_interval([])
    assert none.n == 0 and math.isnan(none.point)


def test_bootstrap_mean_interval_is_seeded_and_close_to_the_t_interval() -> None:
    values = np.random.default_rng(7).normal(10.0, 2.0, size=400)
    a = stats.bootstrap_mean_interval(values, 0.95, 4000, seed=11)
    b = stats.bootstrap_mean_interval(values, 0.95, 4000, seed=11)
    assert (a.low, a.high) == (b.low, b.high)
    rng = np.random.default_rng(11)
    c = stats.bootstrap_mean_interval(values, 0.95, 4000, seed=rng)
    d = stats.bootstrap_mean_interval(values, 0.95, 4000, seed=rng)  # the generator advanced
    assert (c.low, c.high) == (a.low, a.high) and (d.low, d.high) != (c.low, c.high)
    t = stats.mean_interval(values)
    assert a.low < a.point == t.point < a.high
    assert_allclose([a.low, a.high], [t.low, t.high], atol=0.1 * t.width)
    assert a.n == 400


def test_bootstrap_handles_long_series_in_chunks_and_tiny_ones() -> None:
    values = np.random.default_rng(3).exponential(size=20_000)  # 2e7 draws: several chunks
    iv = stats.bootstrap_mean_interval(values, 0.9, 1000, seed=1)
    assert iv.low < values.mean() < iv.high
    tiny = stats.bootstrap_mean_interval([5.0], seed=1)
    assert tiny.point == 5.0 and math.isnan(tiny.low)


# ---------------------------------------------------------------------------------------------
# XmR chart
# ---------------------------------------------------------------------------------------------


def test_xmr_constants_are_wheelers() -> None:
    # Wheeler & Chambers (1992): 2.66 = 3/d2 and 3.267 = D4 = 1 + 3 d3/d2, d2 = 1.128 and
    # d3 = 0.853 for subgroups (moving ranges) of size two
    assert stats.XMR_INDIVIDUALS == 2.66 and stats.XMR_MOVING_RANGE == 3.267
    assert abs(3 / 1.128 - 2.66) < 0.001
    assert abs(1 + 3 * 0.853 / 1.128 - 3.267) < 0.002


def test_xmr_limits_worked_example() -> None:
    # by hand: values 5 7 6 9 8 -> moving ranges 2 1 3 1, mR-bar = 1.75, X-bar = 7;
    # natural process limits 7 -+ 2.66 * 1.75 = [2.345, 11.655]; range limit 3.267 * 1.75
    xmr = stats.xmr_limits([5, 7, 6, 9, 8])
    assert_allclose(xmr.moving_ranges, [2, 1, 3, 1])
    assert_allclose(
        [xmr.centre, xmr.lower, xmr.upper, xmr.mr_centre, xmr.mr_upper],
        [7.0, 2.345, 11.655, 1.75, 5.71725],
    )
    assert not xmr.signals.any() and not xmr.mr_signals.any()


def test_xmr_limits_show_which_points_signal() -> None:
    # by hand: 10 11 10 11 10 11 10 11 10 20: nine moving ranges, eight of 1 and one of 10,
    # mR-bar = 18/9 = 2; X-bar = (5*10 + 4*11 + 20)/10 = 11.4; UCL = 11.4 + 2.66 * 2 = 16.72,
    # LCL = 6.08; moving-range UCL = 3.267 * 2 = 6.534. The last point and its range signal.
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 20]
    xmr = stats.xmr_limits(values)
    assert_allclose(
        [xmr.centre, xmr.lower, xmr.upper, xmr.mr_centre, xmr.mr_upper],
        [11.4, 6.08, 16.72, 2.0, 6.534],
    )
    assert_array_equal(np.flatnonzero(xmr.signals), [9])
    assert_array_equal(np.flatnonzero(xmr.mr_signals), [8])


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------

# Freireich et al. (1963), Blood 21:699-716: weeks in remission of the 21 children on 6-MP,
# censored (still in remission) where observed = 0. The textbook example of Kaplan-Meier, e.g.
# Klein & Moeschberger, "Survival Analysis" (2003), table 4.1A; Kleinbaum & Klein (2012) ch. 2.
MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_RELAPSED = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
# event times, at risk, events, S(t), Greenwood standard error (the textbook table)
MP_TABLE = [
    (6, 21, 3, 0.857, 0.0764),
    (7, 17, 1, 0.807, 0.0869),
    (10, 15, 1, 0.753, 0.0963),
    (13, 12, 1, 0.690, 0.1068),
    (16, 11, 1, 0.627, 0.1141),
    (22, 7, 1, 0.538, 0.1282),
    (23, 6, 1, 0.448, 0.1346),
]


def test_kaplan_meier_matches_the_freireich_6mp_table() -> None:
    km = stats.kaplan_meier(MP_WEEKS, MP_RELAPSED)
    at = {t: i for i, t in enumerate(km.times)}
    for t, n, d, s, se in MP_TABLE:
        i = at[t]
        assert (km.at_risk[i], km.events[i]) == (n, d)
        assert round(km.survival[i], 3) == s
        assert round(km.std_err[i], 4) == se
    # exact products: 18/21, then x 16/17, 14/15, 11/12, 10/11, 6/7, 5/6
    assert_allclose(
        km.survival[at[23]], 18 / 21 * 16 / 17 * 14 / 15 * 11 / 12 * 10 / 11 * 6 / 7 * 5 / 6
    )
    # ties: at week 6, three relapses and one censoring; the censored child is at risk at 6
    assert (km.at_risk[0], km.events[0], km.censored[0]) == (21, 3, 1)
    assert km.censored[at[32]] == 2 and km.at_risk[at[32]] == 4
    assert km.survival[at[9]] == km.survival[at[7]]  # censoring only: no step


def test_kaplan_meier_log_log_band_matches_reference_software() -> None:
    # 95% log-log band (R survfit(conf.type = "log-log"), lifelines' default) on the 6-MP data,
    # as pinned from lifelines 0.30 output in another project's tests; the formula by hand at
    # t = 6: V = 3/(21*18), S = 6/7, low = S^exp(1.96 sqrt(V)/|log S|) = 0.61972
    km = stats.kaplan_meier(MP_WEEKS, MP_RELAPSED)
    at = {t: i for i, t in enumerate(km.times)}
    expected = {
        6: (0.619718, 0.951552),
        13: (0.431610, 0.849066),
        22: (0.267779, 0.746791),
        23: (0.188052, 0.680143),
    }
    for t, (low, high) in expected.items():
        assert_allclose([km.low[at[t]], km.high[at[t]]], [low, high], atol=1e-6)
    assert km.band == "log-log" and km.confidence == 0.95


def test_kaplan_meier_plain_band_and_curve_that_reaches_zero() -> None:
    km = stats.kaplan_meier(MP_WEEKS, MP_RELAPSED, band="plain")
    assert_allclose(km.low, np.clip(km.survival - Z95 * km.std_err, 0, 1))
    assert_allclose(km.high, np.clip(km.survival + Z95 * km.std_err, 0, 1))
    dead = stats.kaplan_meier([1, 2, 3], [1, 1, 1])
    assert_allclose(dead.survival, [2 / 3, 1 / 3, 0.0])
    assert np.isfinite(dead.low[:2]).all() and math.isnan(dead.low[2])
    assert math.isnan(dead.std_err[2])
    early = stats.kaplan_meier([1, 5], [0, 1])  # censoring before any event: S = 1, no width
    assert (early.low[0], early.high[0], early.survival[0]) == (1.0, 1.0, 1.0)


def test_kaplan_meier_survival_at_is_a_right_continuous_step() -> None:
    km = stats.kaplan_meier(MP_WEEKS, MP_RELAPSED)
    assert km.survival_at(5.9) == 1.0
    assert_allclose(km.survival_at(6), 18 / 21)
    assert_allclose(km.survival_at(np.array([6.5, 12.0, 100.0])), km.survival[[0, 4, -1]])


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=40))
def test_kaplan_meier_without_censoring_is_the_empirical_survival_function(
    durations: list[int],
) -> None:
    km = stats.kaplan_meier(durations, [1] * len(durations))
    empirical = [np.mean(np.array(durations) > t) for t in km.times]
    assert_allclose(km.survival, empirical, atol=1e-12)
    assert (np.diff(km.survival) <= 0).all()
    ok = np.isfinite(km.low)
    assert (km.low[ok] <= km.survival[ok] + 1e-12).all()
    assert (km.survival[ok] <= km.high[ok] + 1e-12).all()


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section on data with
# missing values: 4 observers (A-D) x 12 units, values 1-5, "." missing. Published alphas:
# nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797. (Not read at the source here: the
# matrix and the ordinal 0.815 / ratio 0.797 are as quoted by the `krippendorff` package's
# tests, nominal and interval as commonly quoted; all four also agree with the brute-force
# pairable-values reference below.)
KRIPPENDORFF_2011 = np.array(
    [  # rows: observers A, B, C, D; columns: units 1..12
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
).T  # units x raters


def _brute_alpha(ratings: np.ndarray, level: str) -> float:
    """Alpha by enumerating pairs of pairable values (Krippendorff 2011, no coincidence matrix)."""
    units = [row[~np.isnan(row)] for row in ratings]
    units = [u for u in units if u.size >= 2]
    pooled = [float(v) for u in units for v in u]
    n = len(pooled)
    if n == 0:
        return math.nan
    counts = {v: pooled.count(v) for v in set(pooled)}

    def delta2(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2
        lo, hi = min(c, k), max(c, k)
        between = sum(m for g, m in counts.items() if lo <= g <= hi)
        return (between - (counts[c] + counts[k]) / 2) ** 2

    observed = sum(
        delta2(u[i], u[j]) / (u.size - 1) for u in units for i, j in permutations(range(u.size), 2)
    )
    expected = sum(delta2(pooled[i], pooled[j]) for i, j in permutations(range(n), 2))
    if expected == 0:
        return math.nan
    return float(1 - (n - 1) * observed / expected)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_matches_the_2011_worked_example(level: str, published: float) -> None:
    result = stats.krippendorff_alpha(KRIPPENDORFF_2011, level)  # type: ignore[arg-type]
    assert round(result.alpha, 3) == published
    assert_allclose(result.alpha, _brute_alpha(KRIPPENDORFF_2011, level), rtol=1e-12)
    # unit 12 has one value only and is dropped; 40 pairable values remain in 11 units
    assert (result.units, result.pairable_values) == (11, 40)
    assert result.level == level


def test_krippendorff_nominal_worked_example_by_hand() -> None:
    # Krippendorff (2011): n = 40, D_o = sum of off-diagonal coincidences / n = 8/40 and
    # alpha = 1 - (n - 1) * 8 / sum_c!=k n_c n_k = 1 - 39 * 8 / 1216 = 0.743421...
    result = stats.krippendorff_alpha(KRIPPENDORFF_2011, "nominal")
    assert_allclose(result.observed_disagreement, 8 / 40)
    assert_allclose(result.alpha, 1 - 39 * 8 / 1216, rtol=1e-12)


ratings_strategy = st.integers(min_value=2, max_value=8).flatmap(
    lambda units: st.integers(min_value=2, max_value=4).flatmap(
        lambda raters: st.lists(
            st.one_of(st.integers(min_value=0, max_value=4).map(float), st.just(math.nan)),
            min_size=units * raters,
            max_size=units * raters,
        ).map(lambda flat: np.array(flat).reshape(units, raters))
    )
)


@SETTINGS
@given(ratings_strategy, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_alpha_equals_the_brute_force_pairable_values_reference(
    ratings: np.ndarray, level: str
) -> None:
    result = stats.krippendorff_alpha(ratings, level)  # type: ignore[arg-type]
    expected = _brute_alpha(ratings, level)
    assert_allclose(result.alpha, expected, rtol=1e-9, atol=1e-12, equal_nan=True)


@SETTINGS
@given(
    st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=10),
    st.integers(min_value=2, max_value=5),
    st.randoms(use_true_random=False),
)
def test_krippendorff_alpha_is_one_for_perfect_agreement(
    unit_values: list[int], raters: int, rnd: object
) -> None:
    assume(len(set(unit_values)) >= 2)
    ratings = np.tile(np.array(unit_values, dtype=float)[:, None], (1, raters))
    rng = np.random.default_rng(len(unit_values) * 31 + raters)
    ratings[rng.random(ratings.shape) < 0.2] = np.nan  # missing ratings do not matter
    pairable = (~np.isnan(ratings)).sum(axis=1) >= 2
    assume(len(set(np.array(unit_values)[pairable])) >= 2)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert stats.krippendorff_alpha(ratings, level).alpha == 1.0


@SETTINGS
@given(ratings_strategy)
def test_krippendorff_alpha_respects_the_invariances_of_each_level(ratings: np.ndarray) -> None:
    def alpha(data: np.ndarray, level: str) -> float:
        return stats.krippendorff_alpha(data, level).alpha  # type: ignore[arg-type]

    shuffled = ratings[::-1, ::-1]  # order of units and raters is irrelevant
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert_allclose(alpha(shuffled, level), alpha(ratings, level), equal_nan=True)
    relabel = np.array([3.0, 0.0, 4.0, 1.0, 2.0])  # nominal: any one-to-one recoding
    recoded = np.where(np.isnan(ratings), np.nan, relabel[np.nan_to_num(ratings).astype(int)])
    assert_allclose(alpha(recoded, "nominal"), alpha(ratings, "nominal"), equal_nan=True)
    monotone = ratings**3 + 7  # ordinal: any increasing transformation
    assert_allclose(alpha(monotone, "ordinal"), alpha(ratings, "ordinal"), equal_nan=True)
    affine = -2.5 * ratings + 40  # interval: any affine transformation
    assert_allclose(alpha(affine, "interval"), alpha(ratings, "interval"), equal_nan=True)
    scaled = 3.0 * ratings  # ratio: any change of unit
    assert_allclose(alpha(scaled, "ratio"), alpha(ratings, "ratio"), equal_nan=True)


def test_krippendorff_alpha_undefined_cases_are_nan() -> None:
    one_value = np.array([[2.0, 2.0], [2.0, 2.0], [2.0, np.nan]])
    result = stats.krippendorff_alpha(one_value, "interval")
    assert math.isnan(result.alpha) and result.pairable_values == 4
    lonely = np.array([[1.0, np.nan], [np.nan, 2.0]])  # no unit has two ratings
    result = stats.krippendorff_alpha(lonely, "nominal")
    assert math.isnan(result.alpha) and (result.units, result.pairable_values) == (0, 0)


# ---------------------------------------------------------------------------------------------
# QA sample size
# ---------------------------------------------------------------------------------------------


def test_minimum_sample_size_by_hand() -> None:
    # n0 = 1.959964^2 * 0.25 / 0.05^2 = 384.15 -> 385; with N = 1000 (Cochran 1977, eq. 4.2):
    # 384.15 / (1 + 383.15/1000) = 277.7 -> 278; margin 0.03 -> 1067.1 -> 1068
    assert stats.minimum_sample_size(0.05) == 385
    assert stats.minimum_sample_size(0.05, population=1000) == 278
    assert stats.minimum_sample_size(0.03) == 1068
    # p = 0.1 at 90%: 1.644854^2 * 0.09 / 0.05^2 = 97.4 -> 98
    assert stats.minimum_sample_size(0.05, 0.90, p=0.1) == 98
    # never more than the population, at least one
    assert stats.minimum_sample_size(0.01, population=50) <= 50
    assert stats.minimum_sample_size(0.05, population=1) == 1
    sizes = stats.minimum_sample_size(
        np.array([0.05, 0.03]), population=np.array([[1000], [10**9]])
    )
    assert sizes.shape == (2, 2) and sizes.dtype == np.int64
    assert_array_equal(sizes[1], [385, 1068])


# ---------------------------------------------------------------------------------------------
# bad input names the argument
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: stats.wilson_interval(1, -3), "trials"),
        (lambda: stats.wilson_interval(-1, 3), "successes"),
        (lambda: stats.wilson_interval(4, 3), "successes"),
        (lambda: stats.wilson_interval(1.5, 3), "successes"),
        (lambda: stats.wilson_interval(1, 3, 1.0), "confidence"),
        (lambda: stats.wilson_interval(1, 3, 0.0), "confidence"),
        (lambda: stats.wilson_interval([1, 2], [3, 4, 5]), "successes and trials"),
        (lambda: stats.funnel_limits(1.2, 10, 0.95), "rate"),
        (lambda: stats.funnel_limits(0.5, -1, 0.95), "trials"),
        (lambda: stats.funnel_limits(0.5, 10, 1.5), "confidence"),
        (lambda: stats.funnel_limits(0.5, 10, 0.95, "bayes"), "method"),  # type: ignore[call-overload]
        (lambda: stats.p_chart_limits(0.5, 10, sigmas=0), "sigmas"),
        (lambda: stats.p_chart_limits(math.nan, 10), "rate"),
        (lambda: stats.flag_outliers([5], [3]), "successes"),
        (lambda: stats.flag_outliers([1], [-3]), "trials"),
        (lambda: stats.flag_outliers([1], [3], target_rate=-0.1), "target_rate"),
        (lambda: stats.flag_outliers([1], [3], confidence=2), "confidence"),
        (lambda: stats.mean_interval([[1.0, 2.0]]), "values"),
        (lambda: stats.mean_interval([1.0, math.nan]), "values"),
        (lambda: stats.mean_interval([1.0, 2.0], -0.5), "confidence"),
        (lambda: stats.bootstrap_mean_interval([1.0, 2.0], 0.95, 0, seed=1), "n_resamples"),
        (lambda: stats.bootstrap_mean_interval([1.0, 2.0], 0.95, 2.5, seed=1), "n_resamples"),  # type: ignore[arg-type]
        (lambda: stats.xmr_limits([1.0]), "values"),
        (lambda: stats.xmr_limits([1.0, math.inf]), "values"),
        (lambda: stats.kaplan_meier([1, -2], [1, 1]), "durations"),
        (lambda: stats.kaplan_meier([], []), "durations"),
        (lambda: stats.kaplan_meier([1, 2], [1]), "observed"),
        (lambda: stats.kaplan_meier([1, 2], [1, 2]), "observed"),
        (lambda: stats.kaplan_meier([1, 2], [1, 0], band="wide"), "band"),  # type: ignore[arg-type]
        (lambda: stats.krippendorff_alpha([1.0, 2.0], "nominal"), "ratings"),
        (lambda: stats.krippendorff_alpha(np.ones((2, 2, 2)), "nominal"), "ratings"),
        (lambda: stats.krippendorff_alpha([["a", "b"], ["c", "d"]], "nominal"), "ratings"),
        (lambda: stats.krippendorff_alpha([[1.0, -1.0], [2.0, 2.0]], "ratio"), "ratings"),
        (lambda: stats.krippendorff_alpha([[1.0, 2.0]], "likert"), "level"),  # type: ignore[arg-type]
        (lambda: stats.minimum_sample_size(0.0), "margin"),
        (lambda: stats.minimum_sample_size(0.05, p=1.0), "p"),
        (lambda: stats.minimum_sample_size(0.05, population=0), "population"),
        (lambda: stats.minimum_sample_size(0.05, 1.0), "confidence"),
    ],
)
def test_bad_input_raises_an_error_naming_the_argument(call: object, name: str) -> None:
    with pytest.raises(StatsInputError, match=f"^{name}"):
        call()  # type: ignore[operator]
    assert issubclass(StatsInputError, ValueError)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0.0, max_value=5000.0, allow_nan=False), min_size=2, max_size=200)
)
def test_mean_interval_from_sums_equals_the_interval_from_the_values(values: list[float]) -> None:
    x = np.array(values)
    want = stats.mean_interval(x)
    got = stats.mean_interval_from_sums(len(values), float(x.sum()), float((x * x).sum()))
    assert got.n == want.n and got.point == pytest.approx(want.point, rel=1e-12, abs=1e-9)
    assert got.low == pytest.approx(want.low, rel=1e-7, abs=1e-6)
    assert got.high == pytest.approx(want.high, rel=1e-7, abs=1e-6)


def test_mean_interval_from_sums_of_none_or_one_value_is_nan() -> None:
    assert math.isnan(stats.mean_interval_from_sums(0, 0.0, 0.0).point)
    one = stats.mean_interval_from_sums(1, 7.0, 49.0)
    assert one.point == 7.0 and math.isnan(one.low) and math.isnan(one.high)


def test_ratio_interval_by_hand() -> None:
    # R = 6/8; residuals -0.5, 0.5, 0; var = 0.5 / (3 * 2 * (8/3)^2); t(0.975, 2) = 4.302653
    ci = stats.ratio_interval([1.0, 2.0, 3.0], [2.0, 2.0, 4.0])
    half = 4.302652729911275 * math.sqrt(0.5 / (3 * 2 * (8 / 3) ** 2))
    assert ci.point == 0.75 and ci.n == 3
    assert (ci.low, ci.high) == pytest.approx((0.75 - half, 0.75 + half), rel=1e-9)


def test_ratio_interval_centres_on_the_ratio_of_sums_not_the_mean_of_ratios() -> None:
    # a short quiet day at 20% and long busy days at 80%: the mean of daily ratios is 65%,
    # the share of all seconds 78.6%; the interval must be about the latter
    y, x = [600.0, 24000.0, 24000.0, 24000.0], [3000.0, 30000.0, 30000.0, 30000.0]
    ci = stats.ratio_interval(y, x)
    assert ci.point == pytest.approx(72600 / 93000)
    assert ci.low < ci.point < ci.high
    assert abs((ci.low + ci.high) / 2 - ci.point) < 1e-12  # symmetric about the point


def test_ratio_interval_covers_the_true_ratio_about_95_percent_in_simulation() -> None:
    rng = np.random.default_rng(20261206)
    true_ratio, days, runs, covered = 0.78, 20, 4000, 0
    for _ in range(runs):
        x = rng.uniform(3_000, 30_000, days)  # ready seconds per day, unequal days
        y = x * np.clip(rng.normal(true_ratio, 0.06, days), 0, 1)
        ci = stats.ratio_interval(y, x)
        covered += ci.low <= true_ratio <= ci.high
    assert 0.93 <= covered / runs <= 0.97


def test_ratio_interval_edges_and_bad_input() -> None:
    assert math.isnan(stats.ratio_interval([], []).point)
    assert math.isnan(stats.ratio_interval([0.0], [0.0]).point)
    one = stats.ratio_interval([3.0], [4.0])
    assert one.point == 0.75 and math.isnan(one.low)
    with pytest.raises(StatsInputError, match="differ in length"):
        stats.ratio_interval([1.0, 2.0], [1.0])
    with pytest.raises(StatsInputError):
        stats.ratio_interval([1.0, math.nan], [1.0, 2.0])
