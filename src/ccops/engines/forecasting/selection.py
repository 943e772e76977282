"""Forecast combinations, conformal recalibration of bands, and a method choice that does not
pick on noise.

* :class:`Combination` -- the (weighted) mean of several methods' forecasts, a method like any
  other. Point forecasts are averaged, and so are the band edges (quantile averaging, which
  keeps lo95 <= lo80 <= point <= hi80 <= hi95). Combinations are hard to beat: the M4
  competition's best entries were combinations (Makridakis, Spiliotis & Assimakopoulos 2020),
  and so were the best call-centre forecasts of Taylor (2008).
* :func:`band_score` / :func:`conformal_factor` / :func:`calibrate` -- split-conformal
  recalibration of a method's bands from its backtest (Vovk, Gammerman & Shafer 2005; Romano,
  Patterson & Candes 2019, "conformalized quantile regression", here with a multiplicative
  score): each scored actual y with band [lo, hi] about the point p has the score
  s = (y - p) / (hi - p) above the point, (p - y) / (p - lo) below it; the band scaled by
  c = the ceil((n + 1) level) / n empirical quantile of the n scores about the point covers
  at least ``level`` of exchangeable new actuals. The band's shape (hour by hour, lead by
  lead) is the method's; only its width is corrected.
* :func:`choose` -- the method with the lowest wMAPE, unless a simpler one (listed earlier) is
  not significantly worse on the same origins by a paired Diebold-Mariano test with the
  Harvey, Leybourne & Newbold (1997) small-sample correction; then the simpler one, and a note
  saying which methods the backtest cannot tell apart. A combination is never the "simpler
  one" (only ever chosen as the best), and a method less accurate than one the test did find
  worse is not tied, however noisy its losses.

References:
    F. X. Diebold, R. S. Mariano, "Comparing predictive accuracy", Journal of Business &
    Economic Statistics 13(3) (1995) 253-263.
    D. Harvey, S. Leybourne, P. Newbold, "Testing the equality of prediction mean squared
    errors", International Journal of Forecasting 13(2) (1997) 281-291.
    J. W. Taylor, "A comparison of univariate time series methods for forecasting intraday
    arrivals at a call center", Management Science 54(2) (2008) 253-265.
    S. Makridakis, E. Spiliotis, V. Assimakopoulos, "The M4 competition: 100,000 time series
    and 61 forecasting methods", International Journal of Forecasting 36(1) (2020) 54-74.
    V. Vovk, A. Gammerman, G. Shafer, "Algorithmic learning in a random world", Springer
    (2005).
    Y. Romano, E. Patterson, E. Candes, "Conformalized quantile regression", NeurIPS (2019).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from ccops.engines.forecasting.events import EventCalendar
from ccops.engines.forecasting.methods import (
    MSTL,
    HistoricalAverage,
    Method,
    TopDown,
    default_methods,
)
from ccops.engines.forecasting.series import (
    FloatArray,
    Forecast,
    ForecastInputError,
    InsufficientHistoryError,
    Series,
)

if TYPE_CHECKING:
    from ccops.engines.forecasting.backtest_rows import BacktestRow

COMBINATIONS = ("Combination", "MeanOfBest2", "MeanOfBest3", "WeightedBest3")
"""Names of the combination methods (:func:`candidate_methods`'s and
:func:`ccops.engines.forecasting.best_combinations`'): :func:`choose` never takes one of them as
the simpler of tied methods."""

_MIN_HALF_WIDTH = 0.5
"""Contacts: a band half-width below this counts as this in scores and scaling (a band of zero
width about a point would make any miss an infinite score)."""


@dataclass(frozen=True)
class Combination:
    """The weighted mean of the forecasts of ``members`` (equal weights by default).

    point = sum_i w_i point_i, and each band edge likewise (quantile averaging). A member that
    cannot forecast (too short a history) is left out and the others' weights renormalised;
    when none can, :class:`InsufficientHistoryError` is raised. In a backtest the members'
    forecasts at each origin are reused when the same member is also compared on its own.

    Attributes:
        members: The methods combined (at least 2, distinct names).
        weights: One positive weight per member, ``None`` = equal.
        name: Name in tables.
    """

    members: tuple[Method, ...]
    weights: tuple[float, ...] | None = None
    name: str = "Combination"

    def __post_init__(self) -> None:
        if len(self.members) < 2:
            raise ForecastInputError("members must hold at least 2 methods")
        names = [m.name for m in self.members]
        if len(set(names)) != len(names):
            raise ForecastInputError(f"members must have distinct names, got {names}")
        if self.weights is not None:
            if len(self.weights) != len(self.members):
                raise ForecastInputError(
                    f"weights must have one value per member ({len(self.members)}), got "
                    f"{len(self.weights)}"
                )
            if not all(math.isfinite(w) and w > 0.0 for w in self.weights):
                raise ForecastInputError(f"weights must be positive, got {self.weights!r}")

    @property
    def min_history_days(self) -> int:
        return min(m.min_history_days for m in self.members)

    def fit_predict(
        self,
        history: Series,
        horizon_intervals: int,
        calendar: EventCalendar | None = None,
        *,
        made: dict[object, Forecast] | None = None,
    ) -> Forecast:
        """Forecast with every member and average them.

        Args:
            history: The series to learn from.
            horizon_intervals: Number of intervals to forecast.
            calendar: Special days, passed to every member.
            made: Forecasts already made from this history for this horizon, by method (a
                backtest's cache); members found there are not refitted.

        Returns:
            The combined forecast.

        Raises:
            InsufficientHistoryError: No member can forecast from this history.
        """
        weights = self.weights or tuple(1.0 for _ in self.members)
        got: list[tuple[float, Forecast]] = []
        reasons: list[str] = []
        for member, w in zip(self.members, weights, strict=True):
            cached = made.get(member) if made is not None else None
            if cached is not None and cached.point.size >= horizon_intervals:
                got.append((w, cached))
                continue
            try:
                fc = member.fit_predict(history, horizon_intervals, calendar)
            except InsufficientHistoryError as exc:
                reasons.append(str(exc))
                continue
            if made is not None:
                made[member] = fc
            got.append((w, fc))
        if not got:
            raise InsufficientHistoryError(
                f"{self.name}: no member can forecast ({'; '.join(reasons)})"
            )
        total = sum(w for w, _ in got)
        k = horizon_intervals

        def mean(attr: str) -> FloatArray:
            out: FloatArray = sum((w / total) * getattr(fc, attr)[:k] for w, fc in got)
            return out

        if self.weights is None:
            notes = [f"{self.name}: mean of {', '.join(fc.method for _, fc in got)}"]
        else:
            parts = ", ".join(f"{fc.method} {w / total:.2f}" for w, fc in got)
            notes = [f"{self.name}: weighted mean of {parts}"]
        for _, fc in got:
            notes += [n for n in fc.notes if n not in notes]
        return Forecast(
            method=self.name,
            start=got[0][1].start[:k],
            point=mean("point"),
            lo80=mean("lo80"),
            hi80=mean("hi80"),
            lo95=mean("lo95"),
            hi95=mean("hi95"),
            interval_source="combined",
            notes=tuple(notes),
        )


# ---------------------------------------------------------------------------------------------
# conformal recalibration of bands
# ---------------------------------------------------------------------------------------------


def band_score(actual: FloatArray, point: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Conformal score of each actual against its band: the factor the band needs to reach it.

    s = (y - p) / max(hi - p, 0.5) for y >= p, (p - y) / max(p - lo, 0.5) below; y is inside
    the band scaled by c about p exactly when s <= c (half-widths under half a contact count
    as half a contact). A band whose lower edge is 0 covers every y below the point: s = 0.
    """
    up = actual >= point
    above = (actual - point) / np.maximum(hi - point, _MIN_HALF_WIDTH)
    below = np.where(lo <= 0.0, 0.0, (point - actual) / np.maximum(point - lo, _MIN_HALF_WIDTH))
    out: FloatArray = np.where(up, above, below)
    return out


def conformal_factor(scores: FloatArray, level: float) -> float:
    """The split-conformal quantile of ``scores``: the ceil((n + 1) level)-th smallest.

    With n exchangeable scores, a new score is at most this with probability >= ``level``
    (Vovk et al. 2005). When ceil((n + 1) level) > n the largest score is returned (the
    guarantee then needs more scores). NaN without scores.
    """
    s = np.sort(scores[np.isfinite(scores)])
    n = s.size
    if n == 0:
        return math.nan
    k = min(math.ceil((n + 1) * level), n)
    return float(s[k - 1])


def _scale(point: FloatArray, edge: FloatArray, factor: FloatArray, upper: bool) -> FloatArray:
    half = np.maximum(np.abs(edge - point), _MIN_HALF_WIDTH)
    if upper:
        out: FloatArray = point + factor * half
    else:
        out = np.where(edge <= 0.0, 0.0, np.maximum(point - factor * half, 0.0))
    return out


def _lead_factors(rows: Sequence[BacktestRow], n_days: int) -> tuple[FloatArray, FloatArray, str]:
    """Per lead day 1..n_days, the (80%, 95%) factors and a note: from the rows' per-lead-day
    factors (the longest row's; the last lead day's beyond it), else from the per-horizon
    factors (lead day d takes the row at the shortest horizon >= d, the longest beyond)."""
    longest = max(rows, key=lambda r: r.horizon_days)
    f80, f95 = longest.lead_calibration80, longest.lead_calibration95
    if f80 and f95 and all(math.isfinite(x) for x in (*f80, *f95)):
        pick = np.minimum(np.arange(n_days), len(f80) - 1)
        shown = sorted({0, min(6, len(f80) - 1), len(f80) - 1})
        note = "per lead day; " + ", ".join(
            f"day {i + 1}: 80% x{f80[i]:.2f}, 95% x{f95[i]:.2f}" for i in shown
        )
        return np.array(f80)[pick], np.array(f95)[pick], note
    horizons = np.array([r.horizon_days for r in rows])
    pick = np.minimum(np.searchsorted(horizons, np.arange(1, n_days + 1)), len(rows) - 1)
    note = ", ".join(
        f"{r.horizon_days} d: 80% x{r.calibration80:.2f}, 95% x{r.calibration95:.2f}" for r in rows
    )
    return (
        np.array([r.calibration80 for r in rows])[pick],
        np.array([r.calibration95 for r in rows])[pick],
        note,
    )


def calibrate(forecast: Forecast, rows: Sequence[BacktestRow], slots_per_day: int) -> Forecast:
    """``forecast`` with its 80% and 95% bands scaled by the backtest's conformal factors.

    The forecast's lead day d (1 = the first day forecast) takes its method's conformal
    factors of lead day d (:attr:`BacktestRow.lead_calibration80`, of the row at the longest
    horizon; beyond it, those of its last lead day). Rows without per-lead-day factors fall
    back to the per-horizon ones: lead day d takes the factors of the row at the shortest
    backtest horizon >= d (the longest when d is beyond them all). Rows of other methods are
    ignored; without a calibrated row for the method the forecast is returned unchanged. Bands
    stay ordered: lo95 <= lo80 <= point <= hi80 <= hi95.

    Args:
        forecast: A method's forecast.
        rows: That method's backtest rows (others are ignored).
        slots_per_day: Intervals per day of the forecast's grid.

    Returns:
        The recalibrated forecast, with a note giving the factors.
    """
    mine = sorted(
        (
            r
            for r in rows
            if r.method == forecast.method
            and r.skipped_reason is None
            and math.isfinite(r.calibration80)
            and math.isfinite(r.calibration95)
        ),
        key=lambda r: r.horizon_days,
    )
    if not mine:
        return forecast
    n = forecast.point.size
    day80, day95, factors = _lead_factors(mine, -(-n // slots_per_day))
    lead = np.arange(n) // slots_per_day
    c80, c95 = day80[lead], day95[lead]
    p = forecast.point
    hi80 = _scale(p, forecast.hi80, c80, upper=True)
    hi95 = np.maximum(_scale(p, forecast.hi95, c95, upper=True), hi80)
    lo80 = np.minimum(_scale(p, forecast.lo80, c80, upper=False), p)
    lo95 = np.minimum(_scale(p, forecast.lo95, c95, upper=False), lo80)
    return replace(
        forecast,
        lo80=lo80,
        hi80=hi80,
        lo95=lo95,
        hi95=hi95,
        interval_source=f"{forecast.interval_source}+conformal",
        notes=(*forecast.notes, f"bands recalibrated on the backtest's errors ({factors})"),
    )


# ---------------------------------------------------------------------------------------------
# a percentile of the volume, read from the bands
# ---------------------------------------------------------------------------------------------

_Z90 = float(stats.norm.ppf(0.90))
_Z975 = float(stats.norm.ppf(0.975))


def band_percentile(
    point: FloatArray, hi80: FloatArray, hi95: FloatArray, percentile: float
) -> FloatArray:
    """The ``percentile``-th percentile of each interval's volume, read from its bands.

    The upper edge of the 80% band is the 90th percentile and that of the 95% band the
    97.5th; in between and below, the upper half of the distribution is taken as normal about
    the point: q_p = point + (hi80 - point) z_p / z_0.90 for p <= 90, else
    hi80 + (hi95 - hi80) (z_p - z_0.90) / (z_0.975 - z_0.90). p = 50 is the point forecast.

    Args:
        point: Point forecast per interval, contacts.
        hi80: Upper edge of the 80% band.
        hi95: Upper edge of the 95% band.
        percentile: p, percent, 50 to 97.5.

    Returns:
        Volume per interval, contacts.
    """
    z = float(stats.norm.ppf(percentile / 100.0))
    if percentile <= 90.0:
        out: FloatArray = point + (hi80 - point) * (z / _Z90)
    else:
        out = hi80 + (hi95 - hi80) * ((z - _Z90) / (_Z975 - _Z90))
    return np.maximum(out, point)


# ---------------------------------------------------------------------------------------------
# choosing a method without picking on noise
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The method chosen from a backtest, and what the backtest could not tell apart.

    Attributes:
        method: The method to forecast with.
        best: The method with the lowest wMAPE.
        tied: Methods (the best included) not significantly worse than the best, in the
            order given (simplest first).
        p_values: Per method, the one-sided p-value of "worse than the best" (NaN when it
            cannot be tested: fewer than 3 shared origins).
        beats_naive: Whether the chosen method is significantly better than the seasonal
            naive (``None`` when the naive was not backtested).
        notes: Plain statements for the forecast's notes.
    """

    method: str
    best: str
    tied: tuple[str, ...]
    p_values: dict[str, float]
    beats_naive: bool | None
    notes: tuple[str, ...]


def paired_p_value(
    loss_a: FloatArray, loss_b: FloatArray, horizon_days: int, step_days: int
) -> float:
    """One-sided p-value of "method a has a larger expected loss than method b".

    Diebold-Mariano on the per-origin loss differences d = a - b, with the autocovariances of
    overlapping windows (lags up to ceil(h / step) - 1) and the Harvey-Leybourne-Newbold
    correction, referred to Student's t with n - 1 degrees of freedom. NaN with fewer than 3
    pairs; 0.5 when the differences are all 0 (within 1e-9 of the losses: rounding).
    """
    a, b = np.asarray(loss_a, dtype=np.float64), np.asarray(loss_b, dtype=np.float64)
    d = a - b
    n = d.size
    if n < 3:
        return math.nan
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()))
    if float(np.abs(d).max()) <= 1e-9 * scale:
        return 0.5  # equal up to rounding (e.g. a mean of identical forecasts): no difference
    lags = min(max(math.ceil(horizon_days / max(step_days, 1)) - 1, 0), n - 2)
    dc = d - d.mean()
    gamma = [float(dc @ dc) / n] + [float(dc[k:] @ dc[:-k]) / n for k in range(1, lags + 1)]
    var = gamma[0] + 2.0 * sum(gamma[1:])
    if var <= 0.0:
        var = gamma[0]
    if var <= 0.0:
        return 0.5 if d.mean() == 0.0 else (0.0 if d.mean() > 0.0 else 1.0)
    dm = d.mean() / math.sqrt(var / n)
    h = lags + 1
    correction = math.sqrt(max((n + 1 - 2 * h + h * (h - 1) / n) / n, 1e-12))
    return float(stats.t.sf(dm * correction, df=n - 1))


def _losses(row: BacktestRow, days: Sequence[int]) -> FloatArray:
    by_day = dict(
        zip(row.origin_day, zip(row.origin_abs_err, row.origin_actual, strict=True), strict=True)
    )
    return np.array([by_day[d][0] / max(by_day[d][1], 1e-300) for d in days])


def choose(
    rows: Sequence[BacktestRow],
    horizon_days: int = 7,
    *,
    alpha: float = 0.10,
    step_days: int = 7,
    naive: str = "SeasonalNaive",
    combinations: Collection[str] = COMBINATIONS,
) -> Choice:
    """The method to forecast with: the simplest one the backtest cannot tell from the best.

    The best is the lowest wMAPE at ``horizon_days``. Every other scored method is compared
    with it on their shared origins by :func:`paired_p_value` on the per-origin wMAPE; one
    whose p-value is at least ``alpha`` (or that cannot be tested, fewer than 3 shared
    origins) is tied with the best, unless its wMAPE is at least that of a method the test
    did find worse (on three or four origins a method erratic from origin to origin escapes
    the test by its noise: it must not win for that). Of the tied methods, the first in the
    order of ``rows`` (simplest first, as :func:`ccops.engines.forecasting.candidate_methods`
    lists them) is chosen, leaving out the seasonal naive ``naive``, the yardstick, and the
    ``combinations``, which are not simpler than anything: each is chosen only when it is the
    best (and the best is chosen when no single method is tied with it). When the chosen
    method is not significantly better than the naive, a note
    says the history is too short to show a forecast better than it.

    Args:
        rows: Backtest rows, methods in order of simplicity.
        horizon_days: The deciding horizon, days.
        alpha: Significance level of "worse than the best".
        step_days: Days between the backtest's origins (for the overlap of windows).
        naive: Name of the benchmark method, for the note on short histories.
        combinations: Names of the combination methods.

    Returns:
        The choice, with plain notes.

    Raises:
        ForecastInputError: No scored row at that horizon, or alpha outside (0, 1).
    """
    if not 0.0 < alpha < 1.0:
        raise ForecastInputError(f"alpha must be in (0, 1), got {alpha!r}")
    scored = [
        r
        for r in rows
        if r.horizon_days == horizon_days and r.skipped_reason is None and math.isfinite(r.wmape)
    ]
    if not scored:
        raise ForecastInputError(f"rows: no scored method at horizon_days={horizon_days}")
    best = min(scored, key=lambda r: r.wmape)
    p_values: dict[str, float] = {best.method: 1.0}
    for r in scored:
        if r is best:
            continue
        days = sorted(set(r.origin_day) & set(best.origin_day))
        p_values[r.method] = paired_p_value(
            _losses(r, days), _losses(best, days), horizon_days, step_days
        )
    # a method shown worse than the best bounds the tie: one with a higher wMAPE still is
    # worse, though its losses may be too noisy for the test to say so on a few origins (a
    # method erratic from origin to origin must not be preferred for being erratic)
    rejected = [r.wmape for r in scored if p_values[r.method] < alpha]
    bound = min(rejected, default=math.inf)
    tied = tuple(
        r.method
        for r in scored
        if not (p_values[r.method] < alpha)  # NaN counts as tied
        and (r is best or r.wmape < bound)
    )
    # the seasonal naive is the yardstick, not a candidate for "simpler": it is chosen only
    # when it is the best outright (a method averaging several weeks is as simple to explain).
    # A combination is never "the simpler one": it is chosen only as the best, else the
    # simplest tied single method is
    combos = {r.method for r in scored if r.method in combinations}
    chosen = next(
        (m for m in tied if m != naive and m not in combos),
        best.method if best.method in combos else tied[0],
    )
    by_name = {r.method: r for r in scored}
    n = best.n_origins
    notes: list[str] = []
    if len(tied) > 1:
        which = "the best" if chosen == best.method else "the simplest"
        notes.append(
            f"at {horizon_days} days the backtest ({n} origins) cannot tell "
            f"{', '.join(tied)} apart (paired test, p >= {alpha:g}); {which}, {chosen}, "
            f"is used (wMAPE {by_name[chosen].wmape:.3f}; best {best.method} "
            f"{best.wmape:.3f})"
        )
    beats_naive: bool | None = None
    if naive in by_name and len(by_name) > 1:  # alone, the naive is compared with nothing
        if chosen == naive:
            beats_naive = False
        else:
            days = sorted(set(by_name[naive].origin_day) & set(by_name[chosen].origin_day))
            p = paired_p_value(
                _losses(by_name[naive], days),
                _losses(by_name[chosen], days),
                horizon_days,
                step_days,
            )
            beats_naive = bool(p < alpha)
        if not beats_naive:
            why = (
                "the history is too short to show a forecast better than seasonal naive"
                if n < SHORT_ORIGINS
                else "no method is better than seasonal naive here"
            )
            notes.append(
                f"{why}: over {n} backtest origins no method is significantly better at "
                f"{horizon_days} days; treat the forecast as no better than last week repeated"
            )
    return Choice(chosen, best.method, tied, p_values, beats_naive, tuple(notes))


SHORT_ORIGINS = 8
"""Under this many backtest origins a paired test rarely separates methods: the note then blames
the short history rather than the methods."""


def candidate_methods() -> tuple[Method, ...]:
    """The methods a forecast build compares, simplest first.

    The defaults (:func:`ccops.engines.forecasting.default_methods`), then TopDown with its
    weekday shapes shrunk towards the pooled shape ("TopDownShrunk"), then the equal-weight
    :class:`Combination` of HistoricalAverage, TopDownShrunk and MSTL: two direct interval
    methods of different kinds and one daily-total x intraday-shape method.
    """
    shrunk = TopDown(shrink=True, name="TopDownShrunk")
    base = default_methods()
    return (
        *base[:3],
        shrunk,
        *base[3:],
        Combination(members=(HistoricalAverage(), shrunk, MSTL())),
    )
