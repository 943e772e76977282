"""Honest statistics for comparing people and teams: intervals, funnel limits, control charts.

What this module is for (MISSION, source 000): every comparison of people carries its
uncertainty, small samples say so, common-cause variation is told apart from special-cause
variation, and nobody is flagged on noise. The functions are pure (no I/O, no module state);
random numbers come only from an explicit seed or ``numpy.random.Generator``.

* Proportions (a QA pass rate, first-contact resolution): :func:`wilson_interval` for one
  unit's rate; :func:`funnel_limits` and :func:`flag_outliers` to compare many units with a
  target without ranking them (Spiegelhalter 2005); :func:`p_chart_limits` for a rate over time.
* Measurements: :func:`mean_interval` (Student t) and :func:`bootstrap_mean_interval`
  (percentile bootstrap); :func:`xmr_limits` (individuals and moving-range chart) for a series.
* Durations with censoring (time to attrition, time to close an escalation):
  :func:`kaplan_meier` with Greenwood standard errors.
* Agreement between QA evaluators (calibration): :func:`krippendorff_alpha`.
* QA sampling: :func:`minimum_sample_size`.

Arrays broadcast like numpy in the functions that take per-unit counts (``wilson_interval``,
``funnel_limits``, ``p_chart_limits``, ``flag_outliers``, ``minimum_sample_size``): the result
holds Python scalars (``float``, ``int``) when every array argument is a Python or NumPy scalar,
and NumPy arrays of the broadcast shape otherwise (a 0-d array in gives 0-d arrays out).
``confidence`` is always a single number in the open interval (0, 1). Bad input raises
:class:`StatsInputError` (a ``ValueError``) whose message starts with the argument's name.

References:
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    JASA 22 (1927) 209-212. R. G. Newcombe, "Two-sided confidence intervals for the single
    proportion: comparison of seven methods", Statistics in Medicine 17 (1998) 857-872.
    D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics in
    Medicine 24 (2005) 1185-1202 (appendix A.1.1: exact binomial limits with interpolation).
    D. J. Wheeler, D. S. Chambers, "Understanding Statistical Process Control", 2nd ed. (1992)
    (XmR chart; 2.66 = 3/d2 and D4 = 3.267 for moving ranges of two).
    E. L. Kaplan, P. Meier, JASA 53 (1958) 457-481; M. Greenwood (1926); J. D. Kalbfleisch,
    R. L. Prentice, "The Statistical Analysis of Failure Time Data" (1980) (log-log band).
    K. Krippendorff, "Computing Krippendorff's alpha-reliability" (2011), and "Content
    Analysis", 4th ed. (2019), ch. 12.
    W. G. Cochran, "Sampling Techniques", 3rd ed. (1977), section 4.4 (sample size).
    B. Efron, R. J. Tibshirani, "An Introduction to the Bootstrap" (1993), ch. 13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, TypeAlias, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy import stats as sps

__all__ = [
    "Agreement",
    "Interval",
    "KaplanMeier",
    "Limits",
    "OutlierFlags",
    "StatsInputError",
    "XmRLimits",
    "bootstrap_mean_interval",
    "flag_outliers",
    "funnel_limits",
    "kaplan_meier",
    "krippendorff_alpha",
    "mean_interval",
    "ratio_interval",
    "minimum_sample_size",
    "p_chart_limits",
    "wilson_interval",
    "xmr_limits",
]

Scalar: TypeAlias = float | np.floating[Any] | np.integer[Any]
FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

FunnelMethod: TypeAlias = Literal["normal", "exact"]
Level: TypeAlias = Literal["nominal", "ordinal", "interval", "ratio"]
Band: TypeAlias = Literal["log-log", "plain"]

XMR_INDIVIDUALS: Final = 2.66
"""3/d2 with d2 = 1.128 for moving ranges of two points (Wheeler & Chambers)."""
XMR_MOVING_RANGE: Final = 3.267
"""D4 for moving ranges of two points: upper limit of the moving-range chart is D4 x mean MR."""

_LEVELS: Final = ("nominal", "ordinal", "interval", "ratio")
_BOOT_CHUNK: Final = 4_000_000  # resampled values drawn at a time by the bootstrap

_F = TypeVar("_F", float, FloatArray)
_I = TypeVar("_I", int, IntArray)


class StatsInputError(ValueError):
    """An argument of a statistics function is out of its domain; the message names it."""


# ---------------------------------------------------------------------------------------------
# result types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Interval(Generic[_F, _I]):
    """A confidence interval with its point estimate and sample size.

    ``Interval[float, int]`` for scalar input, ``Interval[FloatArray, IntArray]`` for arrays.

    Attributes:
        low: lower confidence limit.
        high: upper confidence limit.
        point: point estimate (the observed rate or mean; NaN when there is no data).
        n: sample size (trials, or number of values).
    """

    low: _F
    high: _F
    point: _F
    n: _I

    @property
    def width(self) -> _F:
        """high - low."""
        return self.high - self.low


@dataclass(frozen=True, eq=False)
class Limits(Generic[_F]):
    """Lower and upper control (funnel) limits around a centre line.

    ``Limits[float]`` for scalar input, ``Limits[FloatArray]`` for arrays (broadcast shape).
    Limits for a proportion are clipped to [0, 1]; NaN where there are no trials.
    """

    lower: _F
    centre: _F
    upper: _F


@dataclass(frozen=True, eq=False)
class OutlierFlags:
    """Which units lie outside the funnel limits around a target rate.

    Attributes:
        flagged: ``below | above``; never true for a unit with zero trials.
        below: significantly below the target (exact: P(R <= r) <= tail; normal: the rate is
            strictly below the lower limit). See :func:`flag_outliers`.
        above: significantly above the target (exact: P(R >= r) <= tail; normal: the rate is
            strictly above the upper limit).
        rate: observed rate successes / trials (NaN for zero trials).
        limits: the funnel limits at each unit's number of trials, for drawing.
        target_rate: the target the funnel is centred on (given, or pooled); NaN when a
            per-unit target was given (see ``limits.centre``) or there were no trials at all.
    """

    flagged: BoolArray
    below: BoolArray
    above: BoolArray
    rate: FloatArray
    limits: Limits[FloatArray]
    target_rate: float


@dataclass(frozen=True, eq=False)
class XmRLimits:
    """Natural process limits of an individuals (X) and moving-range (mR) chart.

    Attributes:
        centre: mean of the individual values, X-bar.
        lower: X-bar - 2.66 mR-bar (lower natural process limit; not clipped).
        upper: X-bar + 2.66 mR-bar (upper natural process limit).
        mr_centre: mean moving range mR-bar (moving ranges |x_i - x_{i-1}|).
        mr_upper: 3.267 mR-bar (upper range limit; the lower range limit is 0).
        moving_ranges: the n - 1 moving ranges.
        signals: per value, true when it lies strictly outside [lower, upper].
        mr_signals: per moving range, true when it lies strictly above ``mr_upper``.
    """

    centre: float
    lower: float
    upper: float
    mr_centre: float
    mr_upper: float
    moving_ranges: FloatArray
    signals: BoolArray
    mr_signals: BoolArray


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier survival curve at every distinct observed time.

    Attributes:
        times: distinct durations (event or censoring), ascending.
        at_risk: number still at risk just before each time (censored at t count as at risk).
        events: events at each time.
        censored: censorings at each time (taken to happen just after the events).
        survival: S(t), the estimate just after each time (unchanged at censoring-only times).
        std_err: Greenwood standard error of S(t); NaN once S(t) = 0.
        low: lower confidence limit of S(t); NaN once S(t) = 0.
        high: upper confidence limit of S(t); NaN once S(t) = 0.
        confidence: confidence level of the band.
        band: ``"log-log"`` or ``"plain"``.
    """

    times: FloatArray
    at_risk: IntArray
    events: IntArray
    censored: IntArray
    survival: FloatArray
    std_err: FloatArray
    low: FloatArray
    high: FloatArray
    confidence: float
    band: Band

    @overload
    def survival_at(self, t: Scalar) -> float: ...
    @overload
    def survival_at(self, t: ArrayLike) -> FloatArray: ...
    def survival_at(self, t: ArrayLike) -> float | FloatArray:
        """S(t) of the right-continuous step function: 1 before the first event time.

        Beyond the largest observed time the last value is carried on (the estimate is not
        informative there when the largest time is censored).
        """
        tt = _array(t, "t")
        idx = np.searchsorted(self.times, tt, side="right") - 1
        values = np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)
        result: float | FloatArray = _float_out(values, _is_scalar(t))
        return result


@dataclass(frozen=True)
class Agreement:
    """Krippendorff's alpha with the data it rests on.

    Attributes:
        alpha: 1 - D_o / D_e; NaN when undefined (no pairable values, or a single value used).
        level: the difference function used.
        units: number of units with at least two ratings (the others are dropped).
        pairable_values: n, the number of ratings in those units.
        observed_disagreement: D_o.
        expected_disagreement: D_e.
    """

    alpha: float
    level: Level
    units: int
    pairable_values: int
    observed_disagreement: float
    expected_disagreement: float


# ---------------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------------


def _is_scalar(value: object) -> bool:
    return isinstance(value, int | float | np.generic)


def _array(
    value: ArrayLike,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    whole: bool = False,
    allow_nan: bool = False,
) -> FloatArray:
    """A float64 array of ``value``, checked finite (and NaN-free unless allowed) and in range."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name} must be numeric, got {value!r}") from exc
    if arr.size == 0:
        return arr
    nan = np.isnan(arr)
    if nan.any() and not allow_nan:
        raise StatsInputError(f"{name} must not be NaN")
    good = arr[~nan]
    if not np.isfinite(good).all():
        raise StatsInputError(f"{name} must be finite")
    if low is not None and (good < low).any():
        raise StatsInputError(f"{name} must be >= {low:g}, got {good[good < low][0]:g}")
    if high is not None and (good > high).any():
        raise StatsInputError(f"{name} must be <= {high:g}, got {good[good > high][0]:g}")
    if whole and (good != np.floor(good)).any():
        bad = good[good != np.floor(good)][0]
        raise StatsInputError(f"{name} must be whole numbers (counts), got {bad:g}")
    return arr


def _confidence(confidence: float) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"confidence must be a number, got {confidence!r}") from exc
    if not 0.0 < c < 1.0:
        raise StatsInputError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return c


def _z(confidence: float) -> float:
    """The two-sided normal quantile z with P(|Z| <= z) = confidence."""
    return float(special.ndtri(0.5 + 0.5 * confidence))


def _counts(successes: ArrayLike, trials: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Broadcast whole-number ``successes`` and ``trials`` with 0 <= successes <= trials."""
    s = _array(successes, "successes", low=0.0, whole=True)
    n = _array(trials, "trials", low=0.0, whole=True)
    try:
        s, n = np.broadcast_arrays(s, n)
    except ValueError as exc:
        raise StatsInputError(
            f"successes and trials must broadcast, got shapes {s.shape} and {n.shape}"
        ) from exc
    if (s > n).any():
        bad = np.flatnonzero((s > n).ravel())[0]
        raise StatsInputError(
            f"successes must not exceed trials, got {s.ravel()[bad]:g} > {n.ravel()[bad]:g}"
        )
    return s, n


def _values_1d(values: ArrayLike, name: str = "values") -> FloatArray:
    arr = _array(values, name)
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _float_out(arr: FloatArray, scalar: bool) -> Any:
    return float(arr) if scalar else np.asarray(arr, dtype=np.float64)


def _int_out(arr: ArrayLike, scalar: bool) -> Any:
    out = np.asarray(arr, dtype=np.int64)
    return int(out) if scalar else out


# ---------------------------------------------------------------------------------------------
# proportions: Wilson interval, funnel limits, p chart, outliers
# ---------------------------------------------------------------------------------------------


def _wilson_low(s: FloatArray, n: FloatArray, z: float) -> FloatArray:
    """Lower Wilson limit in a cancellation-free form; n > 0.

    The textbook form [2s + z^2 - z sqrt(z^2 + 4 s (n - s)/n)] / [2 (n + z^2)] subtracts nearly
    equal numbers when s is small; multiplying by the conjugate gives the equivalent
    2 s^2 / (n [2s + z^2 + z sqrt(z^2 + 4 s (n - s)/n)]), exactly 0 at s = 0.
    """
    root = np.sqrt(z * z + 4.0 * s * (n - s) / n)
    result: FloatArray = 2.0 * s * s / (n * (2.0 * s + z * z + z * root))
    return result


@overload
def wilson_interval(
    successes: Scalar, trials: Scalar, confidence: float = 0.95
) -> Interval[float, int]: ...
@overload
def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> Interval[FloatArray, IntArray]: ...
def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> Interval[float, int] | Interval[FloatArray, IntArray]:
    """Wilson score interval for a binomial proportion.

    The set of p for which the score test |p_hat - p| <= z sqrt(p(1 - p)/n) does not reject:

        (p_hat + z^2/(2n) +- z sqrt(p_hat(1 - p_hat)/n + z^2/(4n^2))) / (1 + z^2/n),

    z the two-sided normal quantile (Wilson 1927; Newcombe 1998, method 3). Unlike the Wald
    interval it stays inside [0, 1] and is not degenerate at 0 or n successes: 0/n gives
    [0, z^2/(n + z^2)] and n/n gives [n/(n + z^2), 1]. Computed in a cancellation-free form.
    Zero trials carry no information: the interval is [0, 1] and the point estimate NaN.

    Args:
        successes: number of successes (whole numbers, 0 <= successes <= trials).
        trials: number of trials (whole numbers >= 0); broadcasts with ``successes``.
        confidence: two-sided confidence level in (0, 1).

    Returns:
        ``Interval(low, high, point = successes/trials, n = trials)``.

    Raises:
        StatsInputError: negative or fractional counts, successes > trials, bad confidence.
    """
    c = _confidence(confidence)
    s, n = _counts(successes, trials)
    scalar = _is_scalar(successes) and _is_scalar(trials)
    z = _z(c)
    empty = n == 0
    safe_n = np.where(empty, 1.0, n)
    safe_s = np.where(empty, 0.0, s)
    low = np.where(empty, 0.0, _wilson_low(safe_s, safe_n, z))
    high = np.where(empty, 1.0, 1.0 - _wilson_low(safe_n - safe_s, safe_n, z))
    point = np.where(empty, np.nan, safe_s / safe_n)
    return Interval(
        low=_float_out(low, scalar),
        high=_float_out(high, scalar),
        point=_float_out(point, scalar),
        n=_int_out(n, scalar),
    )


def _binom_pmf(r: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """P(R = r) for R ~ Binomial(n, p), 0 <= r <= n, in log space.

    exp(log Gamma(n + 1) - log Gamma(r + 1) - log Gamma(n - r + 1) + r log p + (n - r) log(1 - p)),
    with xlogy/xlog1py so that 0 log 0 = 0. (scipy's ``binom.pmf`` raises OverflowError for a
    subnormal p.) Relative error about n x 1e-16, harmless where it is used (an interpolation
    weight).
    """
    log = (
        special.gammaln(n + 1.0)
        - special.gammaln(r + 1.0)
        - special.gammaln(n - r + 1.0)
        + special.xlogy(r, p)
        + special.xlog1py(n - r, -p)
    )
    result: FloatArray = np.exp(log)
    return result


def _exact_limit(theta: FloatArray, n: FloatArray, q: float) -> FloatArray:
    """Spiegelhalter's interpolated q-quantile of Binomial(n, theta), divided by n.

    r_q = the smallest r with F(r) >= q; alpha = (F(r_q) - q) / P(R = r_q); limit =
    (r_q - alpha)/n. Equivalently, the q-quantile of the piecewise-linear CDF through
    (r, F(r)). Arrays of equal shape, n a positive whole number, 0 < theta < 1.
    """
    r = sps.binom.ppf(q, n, theta)
    # guard scipy's search against rounding in the CDF: make r the smallest with F(r) >= q
    r = np.where(sps.binom.cdf(r - 1.0, n, theta) >= q, r - 1.0, r)
    r = np.where(sps.binom.cdf(r, n, theta) < q, r + 1.0, r)
    cdf = sps.binom.cdf(r, n, theta)
    pmf = _binom_pmf(r, n, theta)
    alpha = np.where(pmf > 0.0, (cdf - q) / np.where(pmf > 0.0, pmf, 1.0), 0.0)
    result: FloatArray = (r - np.clip(alpha, 0.0, 1.0)) / n
    return result


def _funnel(
    theta: FloatArray, n: FloatArray, confidence: float, method: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Lower, centre, upper funnel limits on broadcast arrays (no input checks)."""
    theta, n = np.broadcast_arrays(theta, n)
    lower = np.full(theta.shape, np.nan)
    upper = np.full(theta.shape, np.nan)
    pos = n > 0
    degenerate = pos & ((theta == 0.0) | (theta == 1.0))
    lower[degenerate] = upper[degenerate] = theta[degenerate]
    inner = pos & ~degenerate
    if inner.any():
        th, nn = theta[inner], n[inner]
        tail = 0.5 * (1.0 - confidence)
        if method == "normal":
            half = _z(confidence) * np.sqrt(th * (1.0 - th) / nn)
            lower[inner], upper[inner] = th - half, th + half
        else:
            lower[inner] = _exact_limit(th, nn, tail)
            upper[inner] = _exact_limit(th, nn, 1.0 - tail)
    with np.errstate(invalid="ignore"):
        lower = np.clip(lower, 0.0, 1.0)
        upper = np.clip(upper, 0.0, 1.0)
    return lower, np.array(theta, dtype=np.float64), upper


@overload
def funnel_limits(
    rate: Scalar, trials: Scalar, confidence: float, method: FunnelMethod = "normal"
) -> Limits[float]: ...
@overload
def funnel_limits(
    rate: ArrayLike, trials: ArrayLike, confidence: float, method: FunnelMethod = "normal"
) -> Limits[FloatArray]: ...
def funnel_limits(
    rate: ArrayLike, trials: ArrayLike, confidence: float, method: FunnelMethod = "normal"
) -> Limits[float] | Limits[FloatArray]:
    """Funnel-plot control limits for a proportion around a target rate (Spiegelhalter 2005).

    A unit with ``trials`` cases whose true rate equals ``rate`` (theta) falls outside the
    limits with probability about 1 - ``confidence`` (0.95 ~ "2 sigma", 0.998 ~ "3 sigma").

    * ``"normal"``: theta +- z sqrt(theta(1 - theta)/n), clipped to [0, 1].
    * ``"exact"``: the interpolated binomial quantiles of appendix A.1.1: for tail probability
      q, r_q = smallest r with P(R <= r) >= q under Binomial(n, theta),
      alpha = (P(R <= r_q) - q) / P(R = r_q), and the limit is (r_q - alpha)/n (the quantile of
      the binomial CDF interpolated linearly between whole counts). Lower limit at
      q = (1 - confidence)/2, upper at q = (1 + confidence)/2. The interpolation spreads the
      mass at r over (r - 1, r], so the limits sit about half a count (1/(2n)) below a
      symmetric construction: at theta = 1/2 they are symmetric about (n - 1)/(2n). The lower
      limit never decreases as n grows; the upper limit can rise by a fraction of a count
      from one n to the next, while upper + 1/n (the smallest rate :func:`flag_outliers`
      flags above) never rises. For targets near 0 or 1 and a handful of trials an upper
      (lower) limit can fall below (above) the target, e.g. 0.975 for a target of 0.99 with
      one trial at 95%. Needs whole-number trials.

    A target of exactly 0 or 1 gives limits equal to it (any other rate is impossible under
    it). Zero trials give NaN limits.

    Args:
        rate: target proportion theta in [0, 1] (the funnel's centre line).
        trials: number of trials n >= 0 (may be fractional for ``"normal"``, e.g. a grid to
            draw the funnel); broadcasts with ``rate``.
        confidence: coverage of the funnel in (0, 1), e.g. 0.95 and 0.998.
        method: ``"normal"`` (default) or ``"exact"``.

    Returns:
        ``Limits(lower, centre = rate, upper)``.

    Raises:
        StatsInputError: rate outside [0, 1], negative trials (or fractional with ``"exact"``),
            bad confidence, unknown method.
    """
    c = _confidence(confidence)
    if method not in ("normal", "exact"):
        raise StatsInputError(f"method must be 'normal' or 'exact', got {method!r}")
    theta = _array(rate, "rate", low=0.0, high=1.0)
    n = _array(trials, "trials", low=0.0, whole=method == "exact")
    try:
        np.broadcast(theta, n)
    except ValueError as exc:
        raise StatsInputError(
            f"rate and trials must broadcast, got shapes {theta.shape} and {n.shape}"
        ) from exc
    scalar = _is_scalar(rate) and _is_scalar(trials)
    lower, centre, upper = _funnel(theta, n, c, method)
    return Limits(
        lower=_float_out(lower, scalar),
        centre=_float_out(centre, scalar),
        upper=_float_out(upper, scalar),
    )


@overload
def p_chart_limits(rate: Scalar, trials: Scalar, sigmas: float = 3.0) -> Limits[float]: ...
@overload
def p_chart_limits(
    rate: ArrayLike, trials: ArrayLike, sigmas: float = 3.0
) -> Limits[FloatArray]: ...
def p_chart_limits(
    rate: ArrayLike, trials: ArrayLike, sigmas: float = 3.0
) -> Limits[float] | Limits[FloatArray]:
    """Shewhart p-chart limits: p-bar +- k sqrt(p-bar(1 - p-bar)/n), clipped to [0, 1].

    ``rate`` is the centre line p-bar (usually the pooled rate of the baseline period), ``trials``
    the subgroup size of each point (the limits vary with it), ``sigmas`` the multiple k (3 by
    Shewhart's convention). A lower limit below 0 is reported as 0, i.e. there is no lower
    limit. Zero trials give NaN limits.

    Args:
        rate: centre line p-bar in [0, 1].
        trials: subgroup sizes n >= 0; broadcasts with ``rate``.
        sigmas: k > 0.

    Returns:
        ``Limits(lower, centre = rate, upper)``.

    Raises:
        StatsInputError: rate outside [0, 1], negative trials, sigmas <= 0.
    """
    try:
        k = float(sigmas)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"sigmas must be a number, got {sigmas!r}") from exc
    if not (k > 0.0 and math.isfinite(k)):
        raise StatsInputError(f"sigmas must be positive and finite, got {sigmas!r}")
    theta = _array(rate, "rate", low=0.0, high=1.0)
    n = _array(trials, "trials", low=0.0)
    try:
        theta, n = np.broadcast_arrays(theta, n)
    except ValueError as exc:
        raise StatsInputError(
            f"rate and trials must broadcast, got shapes {theta.shape} and {n.shape}"
        ) from exc
    scalar = _is_scalar(rate) and _is_scalar(trials)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(n > 0, k * np.sqrt(theta * (1.0 - theta) / np.where(n > 0, n, 1.0)), 0)
    lower = np.where(n > 0, np.clip(theta - half, 0.0, 1.0), np.nan)
    upper = np.where(n > 0, np.clip(theta + half, 0.0, 1.0), np.nan)
    return Limits(
        lower=_float_out(lower, scalar),
        centre=_float_out(np.array(theta, dtype=np.float64), scalar),
        upper=_float_out(upper, scalar),
    )


def flag_outliers(
    successes: ArrayLike,
    trials: ArrayLike,
    target_rate: float | ArrayLike | None = None,
    confidence: float = 0.998,
    method: FunnelMethod = "exact",
) -> OutlierFlags:
    """Flag the units whose rate lies outside the funnel limits around a target.

    The product flags a person only outside the 99.8% limits (the default): with the exact
    method a unit whose true rate equals the target is flagged with probability at most 0.2%,
    so among 40 people with the same true rate the chance that anyone is flagged is under 8%,
    not the 100% of a league table's "bottom 10%". A unit inside the limits is
    indistinguishable from the target by this test, whatever its rank.

    With r successes in n trials, tail = (1 - confidence)/2 and R ~ Binomial(n, target):

    * ``"exact"`` (default): flagged below when P(R <= r) <= tail, above when
      P(R >= r) <= tail: two one-sided exact binomial tests, so the false-alarm probability is
      at most 1 - ``confidence`` for every n and target. In terms of Spiegelhalter's
      interpolated limits (:func:`funnel_limits`), which spread the probability of count r over
      (r - 1, r], this flags a count when its whole cell lies beyond the limit: r/n <= lower,
      or (r - 1)/n >= upper. A point plotted less than 1/n above the exact upper limit is
      therefore not flagged; it is not significant at the stated level. (Flagging every rate
      above the interpolated upper limit would not be safe: at a target of 0.99 with 100
      trials, 100/100 lies above it and happens 37% of the time.)
    * ``"normal"``: flagged when the rate lies strictly outside theta +- z sqrt(theta(1 -
      theta)/n) (clipped to [0, 1]); its false-alarm rate departs from nominal for small n
      or rates near 0 or 1, where the binomial is skewed.

    With ``target_rate=None`` the target is the pooled rate sum(successes) / sum(trials) over
    all units given (pool per team by calling per team). Units with zero trials are never
    flagged. A target of exactly 0 or 1 flags every rate that differs from it. No allowance is
    made for over-dispersion (Spiegelhalter 2005, section 6): if true rates genuinely differ
    between people, more units are flagged, which is then a real signal of that variation.

    Args:
        successes: successes per unit (whole numbers).
        trials: trials per unit (whole numbers >= successes); broadcasts with ``successes``.
        target_rate: target proportion in [0, 1] (may be per unit), or None for the pooled rate.
        confidence: coverage of the funnel, default 0.998.
        method: ``"exact"`` (default) or ``"normal"``.

    Returns:
        :class:`OutlierFlags` with arrays of the broadcast shape; ``limits`` are those of
        :func:`funnel_limits` with the same method, for drawing.

    Raises:
        StatsInputError: bad counts, target_rate outside [0, 1], bad confidence or method.
    """
    c = _confidence(confidence)
    if method not in ("normal", "exact"):
        raise StatsInputError(f"method must be 'normal' or 'exact', got {method!r}")
    s, n = _counts(successes, trials)
    if target_rate is None:
        total = float(n.sum())
        theta = np.asarray(float(s.sum()) / total if total > 0 else np.nan)
        target = float(theta)
    else:
        theta = _array(target_rate, "target_rate", low=0.0, high=1.0)
        target = float(theta) if theta.ndim == 0 else float("nan")
    try:
        theta, s, n = np.broadcast_arrays(theta, s, n)
    except ValueError as exc:
        raise StatsInputError("target_rate must broadcast with successes and trials") from exc
    pos = n > 0
    rate = np.where(pos, s / np.where(pos, n, 1.0), np.nan)
    below = np.zeros(rate.shape, dtype=np.bool_)
    above = np.zeros(rate.shape, dtype=np.bool_)
    if np.isnan(theta).any():  # pooled rate of no trials: nothing can be compared
        nan = np.full(rate.shape, np.nan)
        limits = Limits(lower=nan, centre=nan.copy(), upper=nan.copy())
        return OutlierFlags(below | above, below, above, rate, limits, target)
    lower, centre, upper = _funnel(theta, n, c, method)
    if method == "normal":
        below[pos] = rate[pos] < lower[pos]
        above[pos] = rate[pos] > upper[pos]
    else:
        tail = 0.5 * (1.0 - c)
        ss, nn, th = s[pos], n[pos], theta[pos]
        below[pos] = sps.binom.cdf(ss, nn, th) <= tail
        above[pos] = sps.binom.sf(ss - 1.0, nn, th) <= tail
    return OutlierFlags(
        flagged=below | above,
        below=below,
        above=above,
        rate=rate,
        limits=Limits(lower=lower, centre=centre, upper=upper),
        target_rate=target,
    )


# ---------------------------------------------------------------------------------------------
# means
# ---------------------------------------------------------------------------------------------


def mean_interval(values: ArrayLike, confidence: float = 0.95) -> Interval[float, int]:
    """Student t confidence interval for a mean.

    mean +- t_{n-1} s / sqrt(n), s the sample standard deviation (ddof = 1) and t_{n-1} the
    two-sided quantile of Student's t with n - 1 degrees of freedom. Assumes independent values
    from a distribution whose mean is roughly normal at this n (by the central limit theorem
    for moderate n; for skewed data and small n see :func:`bootstrap_mean_interval`).
    With one value the interval is NaN (no spread can be estimated); with none the point
    estimate is NaN too.

    Args:
        values: one-dimensional finite values (drop missing values before calling).
        confidence: two-sided confidence level in (0, 1).

    Returns:
        ``Interval(low, high, point = mean, n)`` of Python floats and an int.

    Raises:
        StatsInputError: values not 1-D, NaN or infinite; bad confidence.
    """
    c = _confidence(confidence)
    x = _values_1d(values)
    n = int(x.size)
    if n == 0:
        return Interval(low=math.nan, high=math.nan, point=math.nan, n=0)
    mean = float(x.mean())
    if n == 1:
        return Interval(low=math.nan, high=math.nan, point=mean, n=1)
    half = float(sps.t.ppf(0.5 + 0.5 * c, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(low=mean - half, high=mean + half, point=mean, n=n)


def ratio_interval(
    numerators: ArrayLike, denominators: ArrayLike, confidence: float = 0.95
) -> Interval[float, int]:
    """Confidence interval for a ratio of sums, R = sum(y) / sum(x), over n independent units
    (days, say): the same estimator as the point, unlike an interval of the mean of daily ratios.

    Linearisation (delta method): with residuals e_i = y_i - R x_i,
    var(R) = sum(e_i^2) / (n (n - 1) xbar^2), and R +- t_{n-1} sqrt(var(R)). Large units weigh
    more, as they do in the point. With one unit the interval is NaN; with none, or a zero
    denominator sum, the point is NaN too.

    Raises:
        StatsInputError: arrays not 1-D, of different lengths, NaN or infinite; bad confidence.
    """
    c = _confidence(confidence)
    y = _values_1d(numerators, "numerators")
    x = _values_1d(denominators, "denominators")
    if y.size != x.size:
        raise StatsInputError(
            f"numerators and denominators differ in length: {y.size} and {x.size}"
        )
    n = int(x.size)
    total = float(x.sum())
    if n == 0 or total == 0.0:
        return Interval(low=math.nan, high=math.nan, point=math.nan, n=n)
    ratio = float(y.sum()) / total
    if n == 1:
        return Interval(low=math.nan, high=math.nan, point=ratio, n=1)
    residuals = y - ratio * x
    variance = float((residuals**2).sum()) / (n * (n - 1) * (total / n) ** 2)
    half = float(sps.t.ppf(0.5 + 0.5 * c, n - 1)) * math.sqrt(variance)
    return Interval(low=ratio - half, high=ratio + half, point=ratio, n=n)


def bootstrap_mean_interval(
    values: ArrayLike,
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    *,
    seed: int | np.random.Generator,
) -> Interval[float, int]:
    """Percentile bootstrap confidence interval for a mean.

    Draws ``n_resamples`` samples of size n with replacement, takes each mean, and reports the
    (1 - confidence)/2 and (1 + confidence)/2 quantiles of those means (linear interpolation
    between order statistics; Efron & Tibshirani 1993, section 13.3). Makes no normality
    assumption but inherits the sample's coverage limits for very small n (it is too narrow
    for n below about 10). Deterministic for a given ``seed``; a Generator passed in is
    advanced. With fewer than two values the interval is NaN.

    Args:
        values: one-dimensional finite values.
        confidence: two-sided confidence level in (0, 1).
        n_resamples: number of bootstrap resamples (whole number >= 1).
        seed: an int seed or a ``numpy.random.Generator``.

    Returns:
        ``Interval(low, high, point = sample mean, n)``.

    Raises:
        StatsInputError: values not 1-D, NaN or infinite; bad confidence or n_resamples.
    """
    c = _confidence(confidence)
    x = _values_1d(values)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer):
        raise StatsInputError(f"n_resamples must be a whole number, got {n_resamples!r}")
    if n_resamples < 1:
        raise StatsInputError(f"n_resamples must be >= 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    n = int(x.size)
    if n < 2:
        point = float(x.mean()) if n else math.nan
        return Interval(low=math.nan, high=math.nan, point=point, n=n)
    means = np.empty(int(n_resamples))
    rows = max(1, _BOOT_CHUNK // n)
    for start in range(0, int(n_resamples), rows):
        stop = min(start + rows, int(n_resamples))
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = x[idx].mean(axis=1)
    tail = 0.5 * (1.0 - c)
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Interval(low=float(low), high=float(high), point=float(x.mean()), n=n)


# ---------------------------------------------------------------------------------------------
# XmR chart
# ---------------------------------------------------------------------------------------------


def xmr_limits(values: ArrayLike) -> XmRLimits:
    """Natural process limits of an XmR (individuals and moving range) chart.

    With moving ranges mR_i = |x_i - x_{i-1}| and their mean mR-bar:
    individuals limits X-bar +- 2.66 mR-bar (2.66 = 3/d2, d2 = 1.128 for ranges of two), and
    moving-range upper limit 3.267 mR-bar (D4 for ranges of two; the lower range limit is 0).
    Wheeler & Chambers (1992). A point signals (special-cause variation) when it lies strictly
    outside its limits; only this first detection rule is applied (no run rules). Points
    inside the limits are routine, common-cause variation and should not be explained one by
    one. The limits are computed from all values given; pass a baseline period to compute
    limits from it.

    Args:
        values: one-dimensional finite series in time order, at least two values.

    Returns:
        :class:`XmRLimits`.

    Raises:
        StatsInputError: values not 1-D, fewer than two, NaN or infinite.
    """
    x = _values_1d(values)
    if x.size < 2:
        raise StatsInputError(f"values must hold at least two points, got {x.size}")
    mr = np.abs(np.diff(x))
    centre = float(x.mean())
    mr_bar = float(mr.mean())
    lower = centre - XMR_INDIVIDUALS * mr_bar
    upper = centre + XMR_INDIVIDUALS * mr_bar
    mr_upper = XMR_MOVING_RANGE * mr_bar
    return XmRLimits(
        centre=centre,
        lower=lower,
        upper=upper,
        mr_centre=mr_bar,
        mr_upper=mr_upper,
        moving_ranges=mr,
        signals=(x < lower) | (x > upper),
        mr_signals=mr > mr_upper,
    )


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------


def kaplan_meier(
    durations: ArrayLike,
    observed: ArrayLike,
    confidence: float = 0.95,
    band: Band = "log-log",
) -> KaplanMeier:
    """Kaplan-Meier estimate of the survival function with Greenwood confidence bands.

    At each distinct time t_j with n_j at risk and d_j events, S(t) = prod_{t_j <= t}
    (1 - d_j/n_j). Ties: all events at t_j count together; censorings at the same time as
    events are taken to happen just after them (they are in n_j), the usual convention.
    Greenwood's variance: Var S(t) = S(t)^2 sum_{t_j <= t} d_j / (n_j (n_j - d_j)).

    Bands at ``confidence``, with z the two-sided normal quantile and V the Greenwood sum:

    * ``"log-log"`` (default; Kalbfleisch & Prentice): a normal interval for log(-log S),
      whose standard error is sqrt(V)/|log S|, transformed back:
      low = S^exp(z sqrt(V)/|log S|), high = S^exp(-z sqrt(V)/|log S|); always inside [0, 1].
      Before the first event (S = 1) the band is [1, 1]. (R's ``survfit(conf.type =
      "log-log")`` and lifelines' default band are this one.)
    * ``"plain"``: S +- z S sqrt(V), clipped to [0, 1].

    Once S(t) = 0 (everyone left at risk had the event) the standard error and band are NaN.

    Args:
        durations: one-dimensional durations >= 0 (any unit), at least one.
        observed: same length; true/1 if the event happened at the duration, false/0 if the
            duration is censored (still no event when observation stopped).
        confidence: two-sided confidence level in (0, 1).
        band: ``"log-log"`` or ``"plain"``.

    Returns:
        :class:`KaplanMeier` with one row per distinct duration.

    Raises:
        StatsInputError: empty, negative, NaN or infinite durations; observed not 0/1 or of
            another length; bad confidence or band.
    """
    c = _confidence(confidence)
    if band not in ("log-log", "plain"):
        raise StatsInputError(f"band must be 'log-log' or 'plain', got {band!r}")
    t = _values_1d(durations, "durations")
    if t.size == 0:
        raise StatsInputError("durations must not be empty")
    if (t < 0).any():
        raise StatsInputError(f"durations must be >= 0, got {t[t < 0][0]:g}")
    e = _array(observed, "observed")
    if e.shape != t.shape:
        raise StatsInputError(
            f"observed must have the same shape as durations, got {e.shape} and {t.shape}"
        )
    if not np.isin(e, (0.0, 1.0)).all():
        raise StatsInputError("observed must hold only true/false (1/0)")
    times, inverse = np.unique(t, return_inverse=True)
    events = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    total = np.bincount(inverse, minlength=times.size).astype(np.int64)
    censored = total - events
    at_risk = (t.size - np.concatenate(([0], np.cumsum(total)[:-1]))).astype(np.int64)
    d = events.astype(np.float64)
    r = at_risk.astype(np.float64)
    survival = np.cumprod(1.0 - d / r).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, d / (r * (r - d)), 0.0)  # inf where all at risk had the event
        greenwood = np.cumsum(terms)
        dead = survival <= 0.0
        std_err = np.where(dead, np.nan, survival * np.sqrt(greenwood))
        z = _z(c)
        if band == "plain":
            low = np.clip(survival - z * std_err, 0.0, 1.0)
            high = np.clip(survival + z * std_err, 0.0, 1.0)
        else:
            log_s = np.log(survival)
            flat = greenwood == 0.0  # no event yet: S = 1 exactly, no uncertainty
            spread = np.where(flat, 0.0, z * np.sqrt(greenwood) / np.where(flat, 1.0, -log_s))
            low = np.where(flat, 1.0, survival ** np.exp(spread))
            high = np.where(flat, 1.0, survival ** np.exp(-spread))
        low = np.where(dead, np.nan, low)
        high = np.where(dead, np.nan, high)
    return KaplanMeier(
        times=times,
        at_risk=at_risk,
        events=events,
        censored=censored,
        survival=survival,
        std_err=std_err,
        low=low,
        high=high,
        confidence=c,
        band=band,
    )


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------------


def _delta2(values: FloatArray, totals: FloatArray, level: str) -> FloatArray:
    """Squared difference function delta^2(c, k) on the sorted distinct values."""
    c, k = values[:, None], values[None, :]
    result: FloatArray
    if level == "nominal":
        result = (c != k).astype(np.float64)
        return result
    if level == "interval":
        result = (c - k) ** 2
        return result
    if level == "ratio":
        s = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(s == 0, 0.0, (c - k) / np.where(s == 0, 1.0, s))
        result = ratio**2
        return result
    # ordinal: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 = (mid_k - mid_c)^2, mid_g = cum_g - n_g/2
    mid = np.cumsum(totals) - 0.5 * totals
    result = (mid[None, :] - mid[:, None]) ** 2
    return result


def krippendorff_alpha(ratings: ArrayLike, level: Level) -> Agreement:
    """Krippendorff's alpha reliability of ratings by several raters, missing values allowed.

    alpha = 1 - D_o / D_e from the coincidence matrix (Krippendorff 2011): for every unit u
    with m_u >= 2 ratings, each ordered pair of ratings (c, k) by different raters adds
    1/(m_u - 1) to o_ck; n_c = sum_k o_ck, n = sum_c n_c (the pairable values);
    D_o = sum o_ck delta^2(c, k) / n and D_e = sum n_c n_k delta^2(c, k) / (n (n - 1)).
    Difference functions: nominal [c != k]; ordinal (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 over
    the ranks of the values that occur; interval (c - k)^2; ratio ((c - k)/(c + k))^2.

    NaN marks a rating not given. Units with fewer than two ratings are not pairable and are
    dropped (they cannot show agreement or disagreement). alpha = 1 is perfect agreement, 0 is
    agreement at chance level, below 0 systematic disagreement; it is NaN when undefined: no
    pairable values, or every pairable rating the same value (D_e = 0). Krippendorff suggests
    relying on alpha >= 0.800 and tentative conclusions only for 0.667 <= alpha < 0.800.

    Args:
        ratings: units x raters array of numbers (codes for categories), NaN for missing.
        level: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.

    Returns:
        :class:`Agreement` (alpha, the counts it rests on, D_o and D_e).

    Raises:
        StatsInputError: ratings not 2-D, not numeric or infinite; negative ratings with
            ``"ratio"``; unknown level.
    """
    if level not in _LEVELS:
        raise StatsInputError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
    data = _array(ratings, "ratings", allow_nan=True)
    if data.ndim != 2:
        raise StatsInputError(f"ratings must be 2-D (units x raters), got shape {data.shape}")
    if level == "ratio" and (data[~np.isnan(data)] < 0).any():
        raise StatsInputError("ratings must be >= 0 for the ratio level")
    present = ~np.isnan(data)
    per_unit = present.sum(axis=1)
    keep = per_unit >= 2
    units = data[keep]
    m = per_unit[keep].astype(np.float64)
    if units.shape[0] == 0:
        return Agreement(math.nan, level, 0, 0, math.nan, math.nan)
    values, codes = np.unique(units[~np.isnan(units)], return_inverse=True)
    counts = np.zeros((units.shape[0], values.size))  # ratings of value v in unit u
    rows = np.nonzero(~np.isnan(units))[0]
    np.add.at(counts, (rows, codes), 1.0)
    weighted = counts / (m - 1.0)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    totals = coincidence.sum(axis=1)
    n = float(totals.sum())
    delta = _delta2(values, totals, level)
    observed = float((coincidence * delta).sum()) / n
    expected = float(totals @ delta @ totals) / (n * (n - 1.0))
    alpha = 1.0 - observed / expected if expected > 0.0 else math.nan
    return Agreement(
        alpha=alpha,
        level=level,
        units=int(units.shape[0]),
        pairable_values=int(round(n)),
        observed_disagreement=observed,
        expected_disagreement=expected,
    )


# ---------------------------------------------------------------------------------------------
# QA sampling
# ---------------------------------------------------------------------------------------------


@overload
def minimum_sample_size(
    margin: Scalar,
    confidence: float = 0.95,
    p: Scalar = 0.5,
    population: Scalar | None = None,
) -> int: ...
@overload
def minimum_sample_size(
    margin: ArrayLike,
    confidence: float = 0.95,
    p: ArrayLike = 0.5,
    population: ArrayLike | None = None,
) -> IntArray: ...
def minimum_sample_size(
    margin: ArrayLike,
    confidence: float = 0.95,
    p: ArrayLike = 0.5,
    population: ArrayLike | None = None,
) -> int | IntArray:
    """Smallest sample that estimates a proportion to within +- ``margin`` (normal approximation).

    Without a population size: n0 = z^2 p (1 - p) / margin^2, z the two-sided normal quantile.
    Sampling without replacement from N items (e.g. the contacts an agent handled this month)
    has variance (N - n)/(N - 1) p(1 - p)/n; setting z^2 times it to margin^2 gives the finite
    population correction n = n0 / (1 + (n0 - 1)/N) (Cochran 1977, eq. 4.2). The result is
    rounded up (after removing floating-point noise below 1e-9) and never exceeds N.
    p = 0.5 is the conservative choice when the rate is unknown. E.g. margin 0.05 at 95%:
    385 without a population, 278 for N = 1000.

    Args:
        margin: half-width of the interval wanted, in (0, 1).
        confidence: two-sided confidence level in (0, 1).
        p: anticipated proportion in (0, 1).
        population: population size N (whole number >= 1), or None for an unlimited one.

    Returns:
        The sample size (an int for scalar input, else an int64 array).

    Raises:
        StatsInputError: margin or p outside (0, 1), population < 1 or fractional, bad
            confidence.
    """
    c = _confidence(confidence)
    e = _array(margin, "margin")
    if ((e <= 0.0) | (e >= 1.0)).any():
        raise StatsInputError("margin must be strictly between 0 and 1")
    pp = _array(p, "p")
    if ((pp <= 0.0) | (pp >= 1.0)).any():
        raise StatsInputError("p must be strictly between 0 and 1")
    values: list[object] = [margin, p]
    n_pop = np.full((), np.inf)
    if population is not None:
        values.append(population)
        n_pop = _array(population, "population", low=1.0, whole=True)
    try:
        e, pp, n_pop = np.broadcast_arrays(e, pp, n_pop)
    except ValueError as exc:
        raise StatsInputError("margin, p and population must broadcast") from exc
    z = _z(c)
    n0 = z * z * pp * (1.0 - pp) / (e * e)
    finite = np.isfinite(n_pop)
    n = np.where(finite, n0 / (1.0 + (n0 - 1.0) / np.where(finite, n_pop, 1.0)), n0)
    size = np.minimum(np.maximum(np.ceil(n - 1e-9), 1.0), n_pop)
    result: int | IntArray = _int_out(size, all(_is_scalar(v) for v in values))
    return result


def mean_interval_from_sums(
    n: int, total: float, total_sq: float, confidence: float = 0.95
) -> Interval[float, int]:
    """Student t confidence interval for a mean from n, the sum and the sum of squares.

    The same interval as :func:`mean_interval` for values whose count, sum and sum of squares
    were aggregated elsewhere (in SQL), so the values need not be fetched; the sample variance
    is (sum of squares - sum * mean) / (n - 1), clipped at zero against rounding.
    """
    c = _confidence(confidence)
    if n <= 0:
        return Interval(low=math.nan, high=math.nan, point=math.nan, n=0)
    mean = total / n
    if n == 1:
        return Interval(low=math.nan, high=math.nan, point=mean, n=1)
    variance = max(total_sq - total * mean, 0.0) / (n - 1)
    half = float(sps.t.ppf(0.5 + 0.5 * c, n - 1)) * math.sqrt(variance) / math.sqrt(n)
    return Interval(low=mean - half, high=mean + half, point=mean, n=n)
