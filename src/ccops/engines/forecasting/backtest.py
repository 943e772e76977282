"""Rolling-origin backtests (MAE, RMSE, wMAPE, MASE) and the choice of a method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ccops.engines.forecasting.arrays import (
    _positive_int,
)
from ccops.engines.forecasting.backtest_rows import BacktestRow
from ccops.engines.forecasting.events import (
    EventCalendar,
)
from ccops.engines.forecasting.methods import (
    Method,
    SeasonalNaive,
    _check_window,
)
from ccops.engines.forecasting.selection import (
    Choice,
    Combination,
    band_score,
    calibrate,
    choose,
    conformal_factor,
)
from ccops.engines.forecasting.series import (
    _DAYS_PER_WEEK,
    FloatArray,
    Forecast,
    ForecastInputError,
    InsufficientHistoryError,
    Series,
)

# ---------------------------------------------------------------------------------------------
# backtests
# ---------------------------------------------------------------------------------------------


@dataclass
class _Score:
    abs_err: float = 0.0
    sq_err: float = 0.0
    actual: float = 0.0
    scaled: float = 0.0
    n: int = 0
    n_scaled: int = 0
    n_open: int = 0
    in80: int = 0
    in95: int = 0
    origins: int = 0
    reasons: list[str] = field(default_factory=list)
    origin_err: list[float] = field(default_factory=list)
    origin_act: list[float] = field(default_factory=list)
    origin_day: list[int] = field(default_factory=list)
    scores80: list[FloatArray] = field(default_factory=list)
    scores95: list[FloatArray] = field(default_factory=list)


def _seasonal_naive_mae(y: FloatArray, spw: int) -> float:
    """In-sample MAE of the weekly seasonal naive, mean |y[t] - y[t - m]| over finite pairs."""
    if y.size <= spw:
        return math.nan
    diff = np.abs(y[spw:] - y[:-spw])
    ok = np.isfinite(diff)
    return float(diff[ok].mean()) if ok.any() else math.nan


def backtest(
    series: Series,
    methods: Sequence[Method],
    horizons_days: Sequence[int] = (1, 7, 28),
    *,
    weeks: int = 4,
    window_weeks: int | None = None,
    step_days: int = 1,
    calendar: EventCalendar | None = None,
    combine_best: bool = False,
    deciding_horizon: int = 7,
) -> list[BacktestRow]:
    """Rolling-origin evaluation of ``methods`` over the last ``weeks`` weeks.

    Origins are local midnights, every ``step_days`` days counted back from the last one that
    leaves a full horizon; for horizon h an origin o is scored on the h days [o, o + h) when
    that window ends within the last ``weeks`` weeks of the series (so each horizon has about
    7 weeks / step_days origins) and o has at least 7 days of history (the seasonal naive's
    minimum). Each method is fitted once per origin on the history before it (its last
    ``window_weeks`` weeks when given, and the method's own window) and forecasts the longest
    horizon needed there. Missing actuals are not scored; event days are. A series ending
    inside a day is scored up to its last midnight. Measures pool all scored intervals
    (Hyndman & Athanasopoulos 2021, section 5.10):

    MAE = mean|e|, RMSE = sqrt(mean e^2), wMAPE = sum|e| / sum y,
    MASE = mean(|e| / Q_o), Q_o = mean over t < o of |y[t] - y[t - m]| (m = one week).

    Args:
        series: The history.
        methods: Methods to compare (each name once).
        horizons_days: Horizons, days.
        weeks: Weeks of evaluation period at the end of the series.
        window_weeks: Training window at each origin, weeks (``None`` = all before it).
        step_days: Days between origins (1 = every day; 7 scores one weekday at h = 1).
        calendar: Special days, passed to every method.
        combine_best: Also backtest :func:`best_combinations` of the methods (ranked at
            ``deciding_horizon``), from the forecasts already made at each origin (no refit);
            their rows follow the others.
        deciding_horizon: The horizon ranking the methods for ``combine_best``, days.

    Returns:
        One row per method and horizon, in the order given; a method whose history is too
        short at every origin is reported with ``skipped_reason`` and NaN measures.

    Raises:
        ForecastInputError: Empty or duplicated methods, bad horizons, weeks or step, or a
            horizon that no origin with 7 days of history can reach within the series.
    """
    if not isinstance(series, Series):
        raise ForecastInputError(f"series must be a Series, got {type(series).__name__}")
    methods = list(methods)
    if not methods:
        raise ForecastInputError("methods must not be empty")
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        raise ForecastInputError(f"methods must have distinct names, got {names}")
    horizons = [_positive_int(h, "horizons_days") for h in horizons_days]
    if not horizons:
        raise ForecastInputError("horizons_days must not be empty")
    weeks = _positive_int(weeks, "weeks")
    step_days = _positive_int(step_days, "step_days")
    _check_window(window_weeks)
    spd = series.slots_per_day
    spw = spd * _DAYS_PER_WEEK
    y = series.values
    observed = np.flatnonzero(np.isfinite(y))
    if observed.size == 0:
        raise ForecastInputError("series has no observed interval")
    first_day = int(observed[0]) // spd
    n_days = y.size // spd
    eval_start = n_days - weeks * _DAYS_PER_WEEK
    plan: dict[int, list[int]] = {}  # origin day -> horizons scored there
    for h in horizons:
        origins = [
            o
            for o in range(n_days - h, -1, -step_days)
            if o + h > eval_start and o - first_day >= 7
        ]
        if not origins:
            raise ForecastInputError(
                f"horizons_days: {h} days cannot be backtested: it needs 7 days of history "
                f"plus {h} days to score, the series has {n_days - first_day} whole days"
            )
        for o in origins:
            plan.setdefault(o, []).append(h)
    scores = {(m.name, h): _Score() for m in methods for h in horizons}
    by_lead: dict[str, list[_OriginScores]] = {m.name: [] for m in methods}
    made_at: dict[int, dict[object, Forecast]] = {}  # kept for the best-k combinations

    def run(origin: int, method: Method, history: Series, made: dict[object, Forecast]) -> None:
        stop = origin * spd
        h_max = max(plan[origin]) * spd
        try:
            if isinstance(method, Combination):
                fc = method.fit_predict(history, h_max, calendar, made=made)
            else:
                fc = method.fit_predict(history, h_max, calendar)
                made[method] = fc
        except InsufficientHistoryError as exc:
            for h in plan[origin]:
                scores[(method.name, h)].reasons.append(str(exc))
            return
        q = _seasonal_naive_mae(history.values, spw)
        for h in plan[origin]:
            _score(scores[(method.name, h)], fc, y[stop : stop + h * spd], q, origin)
        got = _origin_scores(fc, y[stop : stop + h_max], spd, origin)
        if got is not None:
            by_lead[method.name].append(got)

    def head(origin: int) -> Series:
        stop = origin * spd
        return series._head(stop, 0 if window_weeks is None else max(0, stop - window_weeks * spw))

    for o in sorted(plan):
        history = head(o)
        made: dict[object, Forecast] = {}  # this origin's forecasts, reused by combinations
        for method in methods:
            run(o, method, history, made)
        if combine_best:
            made_at[o] = made
    rows = _rows(methods, horizons, scores, by_lead)
    if combine_best:
        combos = best_combinations(rows, methods, deciding_horizon)
        for c in combos:
            scores.update({(c.name, h): _Score() for h in horizons})
            by_lead[c.name] = []
        for o in sorted(plan) if combos else ():
            history = head(o)
            for c in combos:
                run(o, c, history, made_at[o])
        rows += _rows(combos, horizons, scores, by_lead)
    return rows


def _rows(
    methods: Sequence[Method],
    horizons: Sequence[int],
    scores: dict[tuple[str, int], _Score],
    by_lead: dict[str, list[_OriginScores]],
) -> list[BacktestRow]:
    """The backtest rows of ``methods`` from their accumulated scores."""
    rows = []
    for method in methods:
        lead80 = _LeadCalibration(by_lead[method.name], 80, max(horizons))
        lead95 = _LeadCalibration(by_lead[method.name], 95, max(horizons))
        for h in horizons:
            s = scores[(method.name, h)]
            if s.origins == 0:
                reason = s.reasons[-1] if s.reasons else "no scorable interval"
                nan = math.nan
                rows.append(BacktestRow(method.name, h, nan, nan, nan, nan, nan, nan, 0, reason))
                continue
            c80, cov80 = _calibration(s.scores80, 0.80)
            c95, cov95 = _calibration(s.scores95, 0.95)
            if lead80.ready and lead95.ready:
                cov80 = lead80.window_coverage(s.origin_day, h)
                cov95 = lead95.window_coverage(s.origin_day, h)
            rows.append(
                BacktestRow(
                    method=method.name,
                    horizon_days=h,
                    mae=s.abs_err / s.n if s.n else math.nan,
                    rmse=math.sqrt(s.sq_err / s.n) if s.n else math.nan,
                    wmape=s.abs_err / s.actual if s.actual > 0 else math.nan,
                    mase=s.scaled / s.n_scaled if s.n_scaled else math.nan,
                    coverage80=s.in80 / s.n_open if s.n_open else math.nan,
                    coverage95=s.in95 / s.n_open if s.n_open else math.nan,
                    n_origins=s.origins,
                    calibration80=c80,
                    calibration95=c95,
                    calibrated_coverage80=cov80,
                    calibrated_coverage95=cov95,
                    lead_calibration80=lead80.factors[:h],
                    lead_calibration95=lead95.factors[:h],
                    lead_coverage80=lead80.coverage[:h],
                    lead_coverage95=lead95.coverage[:h],
                    origin_abs_err=tuple(s.origin_err),
                    origin_actual=tuple(s.origin_act),
                    origin_day=tuple(s.origin_day),
                )
            )
    return rows


_MIN_WMAPE = 1e-6
"""A wMAPE below this counts as this in the inverse-error weights (an exact fit has none)."""

BEST_COMBINATIONS = ("MeanOfBest2", "MeanOfBest3", "WeightedBest3")
"""Names of the combinations of the best methods of a backtest (:func:`best_combinations`)."""


def best_combinations(
    rows: Sequence[BacktestRow], methods: Sequence[Method], horizon_days: int = 7
) -> list[Combination]:
    """Combinations of the methods a backtest found best, to be backtested like any other.

    The single methods (not combinations) of ``methods`` scored at ``horizon_days`` are ranked
    by wMAPE there (ties: the order given); from them: ``MeanOfBest2``, the mean of the best 2;
    ``MeanOfBest3``, the mean of the best 3; ``WeightedBest3``, the mean of the best 3 weighted
    by the inverse of their wMAPE (at least 1e-6; Bates & Granger 1969; Stock & Watson 2004).
    A combination needing more methods than were scored is left out. The same rows and methods
    always give the same combinations, so a build can rebuild the one chosen.

    Args:
        rows: Rows of a backtest of ``methods``.
        methods: The methods backtested.
        horizon_days: The horizon ranking them, days.

    Returns:
        The combinations, in the order of :data:`BEST_COMBINATIONS` (those possible).

    References:
        J. M. Bates, C. W. J. Granger, "The combination of forecasts", Operational Research
        Quarterly 20(4) (1969) 451-468.
        J. H. Stock, M. W. Watson, "Combination forecasts of output growth in a seven-country
        data set", Journal of Forecasting 23(6) (2004) 405-430.
    """
    single = {m.name: m for m in methods if not isinstance(m, Combination)}
    order = {name: i for i, name in enumerate(single)}
    scored = sorted(
        (
            r
            for r in rows
            if r.method in single
            and r.horizon_days == horizon_days
            and r.skipped_reason is None
            and math.isfinite(r.wmape)
        ),
        key=lambda r: (r.wmape, order[r.method]),
    )
    out: list[Combination] = []
    if len(scored) >= 2:
        out.append(Combination(tuple(single[r.method] for r in scored[:2]), name="MeanOfBest2"))
    if len(scored) >= 3:
        best3 = tuple(single[r.method] for r in scored[:3])
        out.append(Combination(best3, name="MeanOfBest3"))
        weights = tuple(1.0 / max(r.wmape, _MIN_WMAPE) for r in scored[:3])
        out.append(Combination(best3, weights=weights, name="WeightedBest3"))
    return out


MIN_LEAD_ORIGINS = 8
"""A lead day's conformal factor is learned on at least this many (origin, lead day) pairs: a
lead day scored at fewer origins is pooled with its neighbours, lead days d - r .. d + r for the
smallest r that reaches this many pairs and :data:`MIN_LEAD_DISTINCT` distinct origins."""

MIN_LEAD_DISTINCT = 5
"""...and at least this many distinct origins: with weekly origins the lead days beyond the
first week are scored at 3 origins only (those of the 28-day horizon), and their factor then
pools the lead days out to the first week, whose origins are more."""


@dataclass(frozen=True)
class _OriginScores:
    """One origin's conformal scores of a method's forecast, with each score's lead day."""

    origin: int
    lead: NDArray[np.int64]
    s80: FloatArray
    s95: FloatArray


def _origin_scores(fc: Forecast, actual: FloatArray, spd: int, origin: int) -> _OriginScores | None:
    """Scores of the open, observed intervals of ``actual`` (an origin's longest window)."""
    k = actual.size
    lead = np.arange(k, dtype=np.int64) // spd + 1
    point = fc.point[:k]
    keep = np.isfinite(actual) & ((actual > 0.0) | (point > 0.0))
    if not keep.any():
        return None
    a, p = actual[keep], point[keep]
    return _OriginScores(
        origin,
        lead[keep],
        band_score(a, p, fc.lo80[:k][keep], fc.hi80[:k][keep]),
        band_score(a, p, fc.lo95[:k][keep], fc.hi95[:k][keep]),
    )


def _quantile_without(pooled: FloatArray, mine: FloatArray, level: float) -> float:
    """:func:`conformal_factor` of ``pooled`` (sorted) less the values ``mine`` (sorted).

    The k-th smallest of the others is the smallest pooled value with at least k others at or
    below it (counts per distinct value, so that ties are counted whole; no re-sorting)."""
    n_others = pooled.size - mine.size
    if n_others <= 0:
        return math.nan
    k = min(math.ceil((n_others + 1) * level), n_others)
    values = np.unique(pooled)
    others_at_most = np.searchsorted(pooled, values, side="right") - np.searchsorted(
        mine, values, side="right"
    )
    return float(values[int(np.searchsorted(others_at_most, k, side="left"))])


_EMPTY: FloatArray = np.empty(0)


class _LeadCalibration:
    """Conformal factors per lead day 1..H of one method's 80% or 95% band (``band``), and
    their leave-one-origin-out coverage.

    The raw factor of lead day d is :func:`conformal_factor` of the scores of lead days
    d - r .. d + r over all origins, r the smallest radius giving :data:`MIN_LEAD_ORIGINS`
    (origin, lead day) pairs from :data:`MIN_LEAD_DISTINCT` origins (the whole range 1..H at
    most). The factors are not forced to grow with the lead day: a method whose own bands
    widen too fast (MSTL's 80% band held 81% of the actuals at 1 day and 96% at 7 on a real
    centre) needs a smaller factor further ahead. Out of sample, origin o's scores at lead
    day d are compared with the factor learned the same way without origin o."""

    def __init__(self, scored: Sequence[_OriginScores], band: int, max_lead: int) -> None:
        level = band / 100.0
        self._loo: dict[tuple[int, int], float] = {}
        self._by: dict[tuple[int, int], FloatArray] = {}
        for got in scored:
            scores = got.s80 if band == 80 else got.s95
            for d in np.unique(got.lead).tolist():
                if d <= max_lead:
                    self._by[(got.origin, int(d))] = scores[got.lead == d]
        leads: dict[int, list[int]] = {}
        for origin, d in self._by:
            leads.setdefault(d, []).append(origin)
        days = range(1, max_lead + 1)
        pools: list[list[tuple[int, int]]] = []
        sorted_pools: list[FloatArray] = []
        for d in days:
            r = 0
            while True:
                pairs = [(o, e) for e in range(d - r, d + r + 1) for o in leads.get(e, [])]
                enough = len(pairs) >= MIN_LEAD_ORIGINS
                if enough and len({o for o, _e in pairs}) >= MIN_LEAD_DISTINCT:
                    break
                if d - r <= 1 and d + r >= max_lead:
                    break
                r += 1
            pools.append(pairs)
            pooled = np.sort(np.concatenate([self._by[p] for p in pairs])) if pairs else _EMPTY
            sorted_pools.append(pooled)
        self.factors = tuple(conformal_factor(p, level) for p in sorted_pools)
        # leave one origin out: each origin's scores against the factor learned without it
        for (o, d), _scores in self._by.items():
            pairs = pools[d - 1]
            if len({p[0] for p in pairs}) < 2:
                self._loo[(o, d)] = math.nan
                continue
            mine = np.sort(np.concatenate([self._by[p] for p in pairs if p[0] == o]))
            self._loo[(o, d)] = _quantile_without(sorted_pools[d - 1], mine, level)
        coverage: list[float] = []
        for d in days:
            covered = total = 0
            for o in leads.get(d, []):
                c = self._loo[(o, d)]
                if math.isfinite(c):
                    at_d = self._by[(o, d)]
                    covered += int((at_d <= c).sum())
                    total += int(at_d.size)
            coverage.append(covered / total if total else math.nan)
        self.coverage = tuple(coverage)
        self.ready = bool(self._loo) and all(math.isfinite(c) for c in self._loo.values())

    def window_coverage(self, origins: Sequence[int], horizon: int) -> float:
        """Leave-one-origin-out coverage over lead days 1..horizon of ``origins``."""
        covered = total = 0
        for o in origins:
            for d in range(1, horizon + 1):
                at_d = self._by.get((o, d))
                if at_d is None:
                    continue
                c = self._loo[(o, d)]
                if math.isfinite(c):
                    covered += int((at_d <= c).sum())
                    total += int(at_d.size)
        return covered / total if total else math.nan


def _calibration(scores: list[FloatArray], level: float) -> tuple[float, float]:
    """(conformal factor on all origins, leave-one-origin-out coverage of the factor)."""
    scores = [s for s in scores if s.size]
    if not scores:
        return math.nan, math.nan
    factor = conformal_factor(np.concatenate(scores), level)
    if len(scores) < 2:
        return factor, math.nan
    covered = 0
    total = 0
    for i, mine in enumerate(scores):
        others = np.concatenate([s for j, s in enumerate(scores) if j != i])
        covered += int((mine <= conformal_factor(others, level)).sum())
        total += int(mine.size)
    return factor, covered / total


def _score(score: _Score, fc: Forecast, actual: FloatArray, q: float, origin: int) -> None:
    k = actual.size
    ok = np.isfinite(actual)
    if not ok.any():
        return
    a = actual[ok]
    err = np.abs(a - fc.point[:k][ok])
    score.abs_err += float(err.sum())
    score.sq_err += float(np.square(err).sum())
    score.actual += float(a.sum())
    score.n += int(a.size)
    if math.isfinite(q) and q > 0.0:
        score.scaled += float(err.sum()) / q
        score.n_scaled += int(a.size)
    # a closed interval (actual and point both 0) is left out of coverage and calibration:
    # it is covered trivially, and counting it would make the bands look better than they are
    open_ = (a > 0.0) | (fc.point[:k][ok] > 0.0)
    lo80, hi80 = fc.lo80[:k][ok][open_], fc.hi80[:k][ok][open_]
    lo95, hi95 = fc.lo95[:k][ok][open_], fc.hi95[:k][ok][open_]
    score.n_open += int(open_.sum())
    score.in80 += int(((a[open_] >= lo80) & (a[open_] <= hi80)).sum())
    score.in95 += int(((a[open_] >= lo95) & (a[open_] <= hi95)).sum())
    score.origins += 1
    score.origin_err.append(float(err.sum()))
    score.origin_act.append(float(a.sum()))
    score.origin_day.append(origin)
    point = fc.point[:k][ok][open_]
    score.scores80.append(band_score(a[open_], point, lo80, hi80))
    score.scores95.append(band_score(a[open_], point, lo95, hi95))


def choose_method(rows: Sequence[BacktestRow], horizon_days: int = 7) -> str:
    """The method with the lowest wMAPE at ``horizon_days`` (first listed wins a tie).

    Args:
        rows: Rows from :func:`backtest`.
        horizon_days: The horizon that decides, days (the issue's choice: 7).

    Returns:
        The method's name.

    Raises:
        ForecastInputError: No scored row at that horizon.
    """
    candidates = [
        r
        for r in rows
        if r.horizon_days == horizon_days and r.skipped_reason is None and math.isfinite(r.wmape)
    ]
    if not candidates:
        raise ForecastInputError(f"rows: no scored method at horizon_days={horizon_days}")
    return min(candidates, key=lambda r: r.wmape).method


SHORT_HISTORY_DAYS = 56
"""Below this many days of history a build backtests from every day, not every week: a short
history has few weekly origins, too few to tell methods apart."""


@dataclass(frozen=True)
class Build:
    """What :func:`select_and_forecast` returns.

    Attributes:
        forecast: The chosen method's forecast, bands recalibrated (:func:`calibrate`).
        rows: The backtest rows of every method.
        choice: The choice and its notes (``None`` when too short to backtest at the deciding
            horizon; the seasonal naive is then used unmeasured).
        step_days: Days between the backtest's origins.
    """

    forecast: Forecast
    rows: list[BacktestRow]
    choice: Choice | None
    step_days: int


def select_and_forecast(
    series: Series,
    methods: Sequence[Method],
    horizon_intervals: int,
    *,
    calendar: EventCalendar | None = None,
    backtest_weeks: int = 3,
    horizons_days: Sequence[int] = (1, 7, 28),
    deciding_horizon: int = 7,
    step_days: int | None = None,
    combine_best: bool = True,
) -> Build:
    """Backtest ``methods``, choose with :func:`choose`, forecast, recalibrate the bands.

    Origins are every day when the history is shorter than :data:`SHORT_HISTORY_DAYS`
    (otherwise every week) unless ``step_days`` is given; horizons the history cannot reach
    are left out. ``methods`` must list the simplest first and include a seasonal naive.
    With ``combine_best`` the :func:`best_combinations` of the methods are backtested too (after
    them: the most complex) and may be chosen.

    Raises:
        ForecastInputError: As :func:`backtest`, or the chosen method cannot forecast.
    """
    whole_days = int(series.history_days())
    if step_days is None:
        step_days = 1 if whole_days < SHORT_HISTORY_DAYS else 7
    horizons = [h for h in horizons_days if whole_days >= 7 + h]
    rows: list[BacktestRow] = []
    choice: Choice | None = None
    if horizons:
        rows = backtest(
            series,
            methods,
            horizons,
            weeks=backtest_weeks,
            step_days=step_days,
            calendar=calendar,
            combine_best=combine_best,
            deciding_horizon=deciding_horizon,
        )
        try:
            choice = choose(rows, deciding_horizon, step_days=step_days)
        except ForecastInputError:
            choice = None
    by_name: dict[str, Method] = {m.name: m for m in methods}
    if combine_best:
        by_name.update((c.name, c) for c in best_combinations(rows, methods, deciding_horizon))
    name = choice.method if choice is not None else "SeasonalNaive"
    method = by_name.get(name) or SeasonalNaive()
    fc = calibrate(
        method.fit_predict(series, horizon_intervals, calendar), rows, series.slots_per_day
    )
    return Build(fc, rows, choice, step_days)
