"""The forecasting methods (one :class:`Method` interface) and their prediction bands.

statsforecast is imported only inside the methods that fit its models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
from scipy import stats

from ccops.engines.forecasting.arrays import (
    _damp_unusual_days,
    _day_rows,
    _fill_profile,
    _last_n_mean,
    _nanmean_rows,
    _positive_int,
    _rolling_mean_forecasts,
    _standardised,
    _week_rows,
)
from ccops.engines.forecasting.events import (
    EventCalendar,
    LearnedEffect,
)
from ccops.engines.forecasting.series import (
    _DAYS_PER_WEEK,
    _LEVELS,
    _MIN_DAY_SHARE,
    _MIN_RESIDUALS,
    _QUANTILES,
    _Z80,
    _Z95,
    FloatArray,
    Forecast,
    ForecastInputError,
    InsufficientHistoryError,
    IntArray,
    Series,
)


class _Bands(NamedTuple):
    point: FloatArray
    lo80: FloatArray
    hi80: FloatArray
    lo95: FloatArray
    hi95: FloatArray
    source: str
    notes: tuple[str, ...] = ()


def _poisson_bands(point: FloatArray) -> _Bands:
    q = stats.poisson.ppf(_QUANTILES[:, None], np.maximum(point, 1e-12)[None, :])
    return _Bands(point, q[1], q[2], q[0], q[3], "poisson")


def _empirical_bands(point: FloatArray, lead: IntArray, residuals: list[FloatArray]) -> _Bands:
    """Bands point + q * sqrt(max(point, 1)), q the quantiles of standardised residuals.

    ``residuals[k - 1]`` holds in-sample rolling residuals at a lead of k weeks, standardised
    by :func:`_standardised`; step j uses lead ``lead[j]``, or the longest lead below it with
    at least 50 residuals. Without any: Poisson quantiles of the point forecast (the arrival
    noise alone, a lower bound on the uncertainty).
    """
    quantiles: list[FloatArray | None] = []
    best: FloatArray | None = None
    for res in residuals:
        if res.size >= _MIN_RESIDUALS:
            best = np.quantile(res, _QUANTILES)
        quantiles.append(best)
    if best is None:
        return _poisson_bands(point)._replace(
            notes=("too few past errors for empirical intervals; Poisson intervals used",)
        )
    first = next(q for q in quantiles if q is not None)
    table = np.vstack([first if q is None else q for q in quantiles])
    k = np.minimum(lead, len(quantiles)) - 1
    q = table[k]  # (steps, 4)
    scale = np.sqrt(np.maximum(point, 1.0))
    b = point[:, None] + q * scale[:, None]
    return _Bands(point, b[:, 1], b[:, 2], b[:, 0], b[:, 3], "empirical")


def _finish(bands: _Bands) -> _Bands:
    """Clip at 0 and order lo95 <= lo80 <= point <= hi80 <= hi95."""
    point = np.maximum(bands.point, 0.0)
    lo80 = np.clip(bands.lo80, 0.0, point)
    lo95 = np.clip(bands.lo95, 0.0, lo80)
    hi80 = np.maximum(bands.hi80, point)
    hi95 = np.maximum(bands.hi95, hi80)
    return _Bands(point, lo80, hi80, lo95, hi95, bands.source, bands.notes)


# ---------------------------------------------------------------------------------------------
# methods
# ---------------------------------------------------------------------------------------------


class Method(Protocol):
    """A forecasting method: fits on a history and forecasts the intervals that follow it."""

    @property
    def name(self) -> str:
        """Name shown in tables and returned by :func:`choose_method`."""
        ...

    @property
    def min_history_days(self) -> int:
        """Days of history the method needs; shorter histories raise
        :class:`InsufficientHistoryError`."""
        ...

    def fit_predict(
        self, history: Series, horizon_intervals: int, calendar: EventCalendar | None = None
    ) -> Forecast:
        """Fit on ``history`` and forecast the next ``horizon_intervals`` grid intervals."""
        ...


class _GridMethod:
    """The shared frame of the built-in methods.

    ``fit_predict`` checks the request, masks event days out of the history, drops the
    unobserved lead-in, keeps the last ``window_weeks`` weeks (the training window), calls the
    method's ``_predict(y, phase, spd, h)`` and applies the event multipliers of the forecast
    days. A forecast may reach at most as far ahead as the history reaches back.
    """

    name: str
    window_weeks: int | None

    @property
    def min_history_days(self) -> int:
        raise NotImplementedError

    def _predict(self, y: FloatArray, phase: int, spd: int, h: int) -> _Bands:
        raise NotImplementedError

    def fit_predict(
        self, history: Series, horizon_intervals: int, calendar: EventCalendar | None = None
    ) -> Forecast:
        """Fit on ``history`` and forecast the next ``horizon_intervals`` grid intervals.

        Args:
            history: The series to learn from; the forecast starts at its end.
            horizon_intervals: Number of intervals to forecast, at most the history's length.
            calendar: Special days: past ones are excluded from training, future ones get their
                effect.

        Returns:
            The forecast.

        Raises:
            ForecastInputError: ``horizon_intervals`` is not a positive integer.
            InsufficientHistoryError: The history is shorter than ``min_history_days`` or than
                the horizon.
        """
        if not isinstance(history, Series):
            raise ForecastInputError(f"history must be a Series, got {type(history).__name__}")
        h = _positive_int(horizon_intervals, "horizon_intervals")
        spd = history.slots_per_day
        days = history.history_days()
        if days < self.min_history_days:
            raise InsufficientHistoryError(
                f"{self.name} needs {self.min_history_days} days of history, the history has "
                f"{days:g}"
            )
        if h > days * spd:
            raise InsufficientHistoryError(
                f"horizon_intervals {h} ({h / spd:g} days) reaches further ahead than the "
                f"{days:g} days of history reach back"
            )
        y = np.array(history.values, dtype=np.float64)
        day0 = int(history.first_day.astype(np.int64))
        learned: dict[str, LearnedEffect] = {}
        if calendar is not None and calendar.events:
            learned = calendar.learn_effects(history)
            event_days = calendar.day_numbers() - day0
            for d in event_days[(event_days >= 0) & (event_days * spd < y.size)].tolist():
                y[d * spd : (d + 1) * spd] = np.nan
        phase = history.phase
        observed = np.flatnonzero(np.isfinite(y))
        if observed.size == 0:
            raise InsufficientHistoryError("history has no observed interval outside events")
        cut = int(observed[0]) // spd * spd
        if self.window_weeks is not None:
            cut = max(cut, y.size - self.window_weeks * _DAYS_PER_WEEK * spd)
            cut = -(-cut // spd) * spd if cut % spd else cut
        y = y[cut:]
        phase = (phase + cut) % (spd * _DAYS_PER_WEEK)
        bands = _finish(self._predict(y, phase, spd, h))
        notes = list(bands.notes)
        scale = np.ones(h)
        if calendar is not None and calendar.events:
            first = y.size + cut
            fday = day0 + (first + np.arange(h)) // spd
            days_ahead = np.unique(fday)
            mult, event_notes = calendar.multipliers(days_ahead, learned)
            scale = mult[np.searchsorted(days_ahead, fday)]
            notes += event_notes
        return Forecast(
            method=self.name,
            start=history._starts(history.values.size, h),
            point=bands.point * scale,
            lo80=bands.lo80 * scale,
            hi80=bands.hi80 * scale,
            lo95=bands.lo95 * scale,
            hi95=bands.hi95 * scale,
            interval_source=bands.source,
            notes=tuple(notes),
        )


def _check_window(window_weeks: int | None) -> None:
    if window_weeks is not None:
        _positive_int(window_weeks, "window_weeks")


@dataclass(frozen=True)
class SeasonalNaive(_GridMethod):
    """The same interval last week: y_hat[T + j] = y[T + j - k m].

    m is the number of intervals in a week and k >= 1 the smallest number of weeks for which
    y[T + j - k m] is an observation (a gap last week falls back to the week before). Prediction
    intervals: empirical quantiles of the in-sample errors y[t] - y[t - k m] at the same lead
    of k weeks over the training window, standardised by sqrt(max(level, 1)) (arrival noise
    grows like the square root of the level); Poisson quantiles when fewer than 50 exist
    (Hyndman & Athanasopoulos 2021, sections 5.2 and 5.5).

    Attributes:
        name: Name in tables.
        window_weeks: Weeks of history used (for the error quantiles), ``None`` = all.
    """

    name: str = "SeasonalNaive"
    window_weeks: int | None = 8

    def __post_init__(self) -> None:
        _check_window(self.window_weeks)

    @property
    def min_history_days(self) -> int:
        return 7

    def _predict(self, y: FloatArray, phase: int, spd: int, h: int) -> _Bands:
        return _average_predict(y, phase, spd, h, 1)


@dataclass(frozen=True)
class HistoricalAverage(_GridMethod):
    """The mean of the same weekday and interval over the last N observed weeks.

    y_hat[T + j] = (1/N) sum of the last N observations of the slot of the week of T + j
    (gaps skipped, so an outage week is replaced by an older week). Prediction intervals as for
    :class:`SeasonalNaive`, from the in-sample errors of the same N-week average made k weeks
    ahead.

    With ``unusual_day=(low, high)`` the average is robust: whole days whose total falls
    outside [low, high] x the median of the nearest same weekdays are skipped like gaps
    (:func:`_damp_unusual_days`), so that an outage or a holiday missing from the calendar
    does not drag N weeks of forecasts.

    Attributes:
        weeks: N, weeks averaged.
        name: Name in tables.
        window_weeks: Weeks of history used, ``None`` = all (at least ``weeks`` + 4 is best).
        unusual_day: (low, high) ratio bounds of a usual day's total, ``None`` = keep every day.
    """

    weeks: int = 6
    name: str = "HistoricalAverage"
    window_weeks: int | None = 16
    unusual_day: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _positive_int(self.weeks, "weeks")
        _check_window(self.window_weeks)
        _check_unusual_day(self.unusual_day)

    @property
    def min_history_days(self) -> int:
        return 14

    def _predict(self, y: FloatArray, phase: int, spd: int, h: int) -> _Bands:
        if self.unusual_day is not None:
            y = _damp_unusual_days(y, phase, spd, *self.unusual_day)
        return _average_predict(y, phase, spd, h, self.weeks)


def _check_unusual_day(bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ForecastInputError(
            f"unusual_day must be a pair (low, high), got {bounds!r}"
        ) from None
    if not (0.0 <= low < 1.0 < high < math.inf):
        raise ForecastInputError(
            f"unusual_day must satisfy 0 <= low < 1 < high < inf, got {bounds!r}"
        )


def _average_predict(y: FloatArray, phase: int, spd: int, h: int, n_weeks: int) -> _Bands:
    spw = spd * _DAYS_PER_WEEK
    rows = _week_rows(y, spw)
    end_phase = (phase + y.size) % spw
    slot_of_day = ((end_phase + np.arange(spw)) % spd).astype(np.int64)
    profile = _fill_profile(_last_n_mean(rows, n_weeks), slot_of_day, spd)
    step = np.arange(h)
    point = profile[step % spw]
    n_leads = -(-h // spw)
    residuals = []
    for lead in range(1, n_leads + 1):
        fitted = _rolling_mean_forecasts(rows, n_weeks, lead)
        full = np.arange(rows.shape[0]) >= lead + n_weeks - 1
        res = _standardised(rows[full], fitted[full])
        if res.size < _MIN_RESIDUALS:
            res = _standardised(rows, fitted)
        residuals.append(res)
    return _empirical_bands(point, (step // spw + 1).astype(np.int64), residuals)


@dataclass(frozen=True)
class TopDown(_GridMethod):
    """Daily total x intraday profile of the weekday (the usual WFM practice).

    point[d, s] = D_hat[d] x p[w(d), s], where p[w, s] is the mean of slot s over the last
    ``profile_weeks`` observed days of weekday w, normalised to sum 1, and D_hat[d] the
    forecast of the day's total:

    * ``daily_model="average"``: the mean total of the last ``daily_weeks`` same weekdays;
    * ``daily_model="ets"``: statsforecast's AutoETS (season length 7) on the last
      ``daily_weeks`` weeks of daily totals, missing days filled with their weekday's mean.

    A day's total is observed when at least 75% of its profile was seen (the total is then
    sum(seen) / sum(p[seen]), which also covers the short spring-forward day); a history
    ending inside a day forecasts that whole day and keeps the remaining intervals.

    Prediction intervals combine the two errors as independent normal terms:
    var[d, s] = (p[w, s] sd_D[d])^2 + sigma^2 max(point, 1), sigma^2 the mean square of the
    standardised intraday residuals (y - D p) / sqrt(max(D p, 1)) over the profile window
    times (1 + 1/n) / (1 - 1/n) (in-sample residuals of an n-day mean understate the error of a
    new day; sigma^2 = 1, Poisson, when n < 2), and sd_D the daily model's: from AutoETS's own
    95% interval (half-width / 1.96), or for the average the root mean square relative error of
    the in-sample rolling (one week ahead) daily averages.

    Attributes:
        daily_model: ``"average"`` or ``"ets"``.
        daily_weeks: Weeks of daily totals for the daily model.
        profile_weeks: Same-weekday days averaged for the intraday profile.
        name: Name in tables.
        window_weeks: Weeks of history used, ``None`` = all.
        unusual_day: (low, high) ratio bounds of a usual day's total; days outside are skipped
            like gaps (see :class:`HistoricalAverage`), ``None`` = keep every day.
        shrink: Shrink each weekday's intraday profile and (average model) its daily total
            towards the pooled shape of all weekdays, by the empirical-Bayes weight of
            :func:`_shrink_weight` (James & Stein 1961; Efron & Morris 1975): a weekday seen on
            few days, whose own mean is noisy, leans on the pooled shape; a weekday that
            differs clearly from the others keeps its own.
    """

    daily_model: Literal["average", "ets"] = "average"
    daily_weeks: int = 4
    profile_weeks: int = 8
    name: str = "TopDown"
    window_weeks: int | None = 16
    unusual_day: tuple[float, float] | None = None
    shrink: bool = False

    def __post_init__(self) -> None:
        if self.daily_model not in ("average", "ets"):
            raise ForecastInputError(
                f"daily_model must be 'average' or 'ets', got {self.daily_model!r}"
            )
        _positive_int(self.daily_weeks, "daily_weeks")
        _positive_int(self.profile_weeks, "profile_weeks")
        _check_window(self.window_weeks)
        _check_unusual_day(self.unusual_day)

    @property
    def min_history_days(self) -> int:
        return 28 if self.daily_model == "ets" else 14

    def _predict(self, y: FloatArray, phase: int, spd: int, h: int) -> _Bands:
        if self.unusual_day is not None:
            y = _damp_unusual_days(y, phase, spd, *self.unusual_day)
        lead_in = phase % spd
        padded = np.concatenate([np.full(lead_in, np.nan), y])
        n_full = padded.size // spd  # complete days; a partial last day is forecast whole
        days = _day_rows(padded, spd)[:n_full]
        wd0 = (phase - lead_in) // spd
        weekday = (wd0 + np.arange(n_full)) % _DAYS_PER_WEEK
        profile = _weekday_profiles(days, weekday, self.profile_weeks, shrink=self.shrink)
        share = np.where(np.isfinite(days), profile[weekday], 0.0).sum(axis=1)
        seen = np.where(np.isfinite(days), days, 0.0).sum(axis=1)
        totals = np.where(share >= _MIN_DAY_SHARE, seen / np.maximum(share, 1e-300), np.nan)
        n_ahead = -(-(padded.size - n_full * spd + h) // spd)
        f_weekday = (wd0 + n_full + np.arange(n_ahead)) % _DAYS_PER_WEEK
        if self.daily_model == "ets":
            d_hat, sd_d = _ets_daily(totals, weekday, f_weekday, self.daily_weeks)
            source = "model+empirical"
        else:
            d_hat, sd_d = _average_daily(
                totals, weekday, f_weekday, self.daily_weeks, shrink=self.shrink
            )
            source = "empirical"
        fp = profile[f_weekday]  # (n_ahead, spd)
        point_days = d_hat[:, None] * fp
        recent = slice(max(n_full - self.profile_weeks * _DAYS_PER_WEEK, 0), n_full)
        fitted = totals[recent, None] * profile[weekday[recent]]
        z = _standardised(days[recent].ravel(), fitted.ravel())
        # in-sample residuals of an n-day mean have variance s^2 (1 - 1/n); a new day's error
        # about that mean has s^2 (1 + 1/n)
        n_prof = min(self.profile_weeks, n_full // _DAYS_PER_WEEK)
        sigma2 = 1.0  # Poisson
        if z.size and n_prof >= 2:
            sigma2 = float(np.mean(z**2)) * (1.0 + 1.0 / n_prof) / (1.0 - 1.0 / n_prof)
        var = (fp * sd_d[:, None]) ** 2 + sigma2 * np.maximum(point_days, 1.0)
        offset = padded.size - n_full * spd
        take = slice(offset, offset + h)
        point = point_days.ravel()[take]
        sd = np.sqrt(var).ravel()[take]
        return _Bands(
            point,
            point - _Z80 * sd,
            point + _Z80 * sd,
            point - _Z95 * sd,
            point + _Z95 * sd,
            source,
        )


@dataclass(frozen=True)
class AutoETSDaily(TopDown):
    """AutoETS on daily totals x the weekday's intraday profile (see :class:`TopDown`).

    statsforecast's AutoETS (season length 7, model selected by AICc) forecasts the daily
    totals of the last ``daily_weeks`` weeks; its prediction intervals give the daily
    uncertainty.
    """

    daily_model: Literal["average", "ets"] = "ets"
    daily_weeks: int = 12
    name: str = "AutoETSDaily"


def _shrink_weight(means: FloatArray, sampling_var: FloatArray) -> FloatArray:
    """Empirical-Bayes weight of each group's own mean against the pooled mean.

    ``means`` is (groups, k): each group's mean vector; ``sampling_var`` (groups,) the
    variance of one component of a group's mean summed over the k components (its noise).
    With tau^2 = max(0, sum_k var_between - mean noise), the spread of the true group means
    about the pooled one, the weight is B_g = tau^2 / (tau^2 + noise_g) (the James-Stein /
    Efron-Morris estimator): 1 keeps the group's own mean, 0 takes the pooled one.
    """
    ok = np.isfinite(means).all(axis=1) & np.isfinite(sampling_var)
    out = np.ones(means.shape[0])
    if ok.sum() < 3:
        return out
    pooled = means[ok].mean(axis=0)
    spread = float(np.square(means[ok] - pooled).sum(axis=1).mean())
    tau2 = max(spread - float(sampling_var[ok].mean()), 0.0)
    out[ok] = tau2 / np.maximum(tau2 + sampling_var[ok], 1e-300)
    return out


def _weekday_profiles(
    days: FloatArray, weekday: IntArray, n_weeks: int, *, shrink: bool = False
) -> FloatArray:
    """Per weekday, the mean of each slot over its last ``n_weeks`` observed days, sum 1.

    With ``shrink``, each weekday's profile (as shares of the day) is pulled towards the
    pooled profile of all weekdays by :func:`_shrink_weight`, the noise of a weekday's mean
    share being the variance of its days' shares / the number of days.
    """
    spd = days.shape[1]
    out = np.empty((_DAYS_PER_WEEK, spd))
    overall = _nanmean_rows(days) if days.size else np.full(spd, np.nan)
    noise = np.full(_DAYS_PER_WEEK, np.nan)
    for w in range(_DAYS_PER_WEEK):
        mine = days[weekday == w]
        prof = _last_n_mean(mine, n_weeks) if mine.size else np.full(spd, np.nan)
        prof = np.where(np.isfinite(prof), prof, overall)
        prof = np.where(np.isfinite(prof), prof, 0.0)
        total = prof.sum()
        out[w] = prof / total if total > 0.0 else 1.0 / spd
        if shrink and mine.size:
            recent = mine[-n_weeks:]
            full = recent[np.isfinite(recent).all(axis=1)]
            sums = full.sum(axis=1)
            shares = full[sums > 0.0] / sums[sums > 0.0, None]
            if shares.shape[0] >= 2:
                noise[w] = float(shares.var(axis=0, ddof=1).sum()) / shares.shape[0]
    if shrink:
        weight = _shrink_weight(out, noise)
        open_days = out.sum(axis=1) > 0.0
        pooled = out[open_days & np.isfinite(noise)].mean(axis=0) if open_days.any() else None
        if pooled is not None and np.isfinite(pooled).all():
            out = weight[:, None] * out + (1.0 - weight[:, None]) * pooled[None, :]
    return out


def _average_daily(
    totals: FloatArray,
    weekday: IntArray,
    f_weekday: IntArray,
    n_weeks: int,
    *,
    shrink: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Weekday-average daily forecast and its sd from in-sample rolling relative errors.

    With ``shrink``, the weekday means of the last ``n_weeks`` weeks are pulled towards
    their mean over the week's days (on the log scale, so a closed or quiet weekend is a
    weekday factor like any other) by :func:`_shrink_weight`, the noise of a weekday's mean
    being the variance of its log totals / their number.
    """
    by_weekday = np.full(_DAYS_PER_WEEK, np.nan)
    log_mean = np.full((_DAYS_PER_WEEK, 1), np.nan)
    log_noise = np.full(_DAYS_PER_WEEK, np.nan)
    rel: list[float] = []
    for w in range(_DAYS_PER_WEEK):
        mine = totals[weekday == w]
        by_weekday[w] = _last_n_mean(mine[:, None], n_weeks)[0] if mine.size else np.nan
        recent = mine[np.isfinite(mine)][-n_weeks:]
        recent = recent[recent > 0.0]
        if shrink and recent.size >= 2:
            logs = np.log(recent)
            log_mean[w, 0] = float(logs.mean())
            log_noise[w] = float(logs.var(ddof=1)) / logs.size
        fitted = _rolling_mean_forecasts(mine[:, None], n_weeks, 1)[:, 0]
        ok = np.isfinite(mine) & np.isfinite(fitted) & (fitted > 0.0)
        rel += ((mine[ok] - fitted[ok]) / fitted[ok]).tolist()
    if shrink:
        weight = _shrink_weight(log_mean, log_noise)
        ok = np.isfinite(log_mean[:, 0]) & np.isfinite(log_noise)
        if ok.sum() >= 3:
            pooled = float(log_mean[ok, 0].mean())
            shrunk = np.exp(weight * log_mean[:, 0] + (1.0 - weight) * pooled)
            # keep the week's level: the shrunk factors rescaled to the same weekly total
            scale = by_weekday[ok].sum() / max(float(shrunk[ok].sum()), 1e-300)
            by_weekday = np.where(ok, shrunk * scale, by_weekday)
    fallback = float(np.nanmean(totals)) if np.isfinite(totals).any() else 0.0
    by_weekday = np.where(np.isfinite(by_weekday), by_weekday, fallback)
    rel_sd = math.sqrt(float(np.mean(np.square(rel)))) if len(rel) >= 3 else 0.1
    d_hat = by_weekday[f_weekday]
    return d_hat, rel_sd * d_hat


def _ets_daily(
    totals: FloatArray, weekday: IntArray, f_weekday: IntArray, n_weeks: int
) -> tuple[FloatArray, FloatArray]:
    """AutoETS (season 7) forecast of daily totals and its sd (from the 95% interval)."""
    from statsforecast.models import AutoETS

    keep = min(totals.size, n_weeks * _DAYS_PER_WEEK)
    series = totals[totals.size - keep :].copy()
    wd = weekday[totals.size - keep :]
    for w in range(_DAYS_PER_WEEK):
        mine = series[wd == w]
        fill = float(np.nanmean(mine)) if np.isfinite(mine).any() else 0.0
        series[(wd == w) & np.isnan(series)] = fill
    if np.isnan(series).any() or series.size < 2 * _DAYS_PER_WEEK:
        raise InsufficientHistoryError(
            "AutoETS needs two weeks of observed daily totals in its window"
        )
    res: dict[str, Any] = AutoETS(season_length=_DAYS_PER_WEEK).forecast(
        y=series, h=f_weekday.size, level=_LEVELS
    )
    mean = np.asarray(res["mean"], dtype=np.float64)
    sd = (np.asarray(res["hi-95"]) - np.asarray(res["lo-95"])) / (2.0 * _Z95)
    return np.maximum(mean, 0.0), np.asarray(sd, dtype=np.float64)


def _stl_jumps(spd: int) -> dict[str, int]:
    """R's stats::stl default jumps, ceiling(window / 10), for the daily period's windows.

    STL evaluates its loess fits every ``jump`` points and interpolates between them; with
    statsmodels' default jump of 1 a weekly period of 672 (15-minute) slots costs seconds per
    fit. The seasonal window 11 is MSTL's first (7 + 4k); trend and low-pass windows are
    statsmodels' defaults for the daily period: the next odd integer above
    1.5 period / (1 - 1.5 / seasonal) and above the period.
    """

    def next_odd(x: float) -> int:
        n = math.ceil(x)
        return n if n % 2 else n + 1

    trend = next_odd(1.5 * spd / (1.0 - 1.5 / 11))
    low_pass = next_odd(spd + 0.5)
    return {
        "seasonal_jump": 2,
        "trend_jump": math.ceil(trend / 10),
        "low_pass_jump": math.ceil(low_pass / 10),
    }


@dataclass(frozen=True)
class MSTL(_GridMethod):
    """statsforecast's MSTL with daily and weekly seasonality and an AutoETS trend.

    The series is decomposed by MSTL into trend + daily + weekly seasonal + remainder (season
    lengths = intervals per day and per week); the seasonal parts are continued by seasonal
    naive, the deseasonalised series by AutoETS (model "ZZN"). Gaps (and masked event days) are
    filled with the mean of the same slot of the week over the window first, as MSTL accepts
    no missing values. The loess fits use R's default jumps (:func:`_stl_jumps`), which changes
    the fit by well under the noise and makes it several times faster. Prediction intervals are
    the model's (normal, from AutoETS on the deseasonalised series), whose variance is one
    number for every hour; as arrivals vary like their level, it is spread in proportion to the
    level: half-width[j] x sqrt(max(point[j], 1) / mean(max(y, 1))), the mean over the window.

    Attributes:
        name: Name in tables.
        window_weeks: Weeks of history fitted, ``None`` = all (8 weeks is as accurate as two
            years on call-centre data of stable seasonality and much faster: see the benchmark).
    """

    name: str = "MSTL"
    window_weeks: int | None = 8

    def __post_init__(self) -> None:
        _check_window(self.window_weeks)

    @property
    def min_history_days(self) -> int:
        return 21

    def _predict(self, y: FloatArray, phase: int, spd: int, h: int) -> _Bands:
        from statsforecast.models import MSTL as SfMSTL

        spw = spd * _DAYS_PER_WEEK
        y = y.copy()
        missing = np.isnan(y)
        if missing.any():
            rows = _week_rows(y, spw)
            end_phase = (phase + y.size) % spw
            slot_of_day = ((end_phase + np.arange(spw)) % spd).astype(np.int64)
            profile = _fill_profile(_nanmean_rows(rows), slot_of_day, spd)
            pad = rows.size - y.size
            y[missing] = profile[(pad + np.flatnonzero(missing)) % spw]
        model = SfMSTL(season_length=[spd, spw], stl_kwargs=_stl_jumps(spd))
        res: dict[str, Any] = model.forecast(y=y, h=h, level=_LEVELS)

        def get(key: str) -> FloatArray:
            return np.asarray(res[key], dtype=np.float64)

        mean = get("mean")
        # AutoETS's variance is one number for all hours; arrivals vary like their level, so it
        # is spread in proportion to the level, keeping its average over the window
        ratio = np.sqrt(np.maximum(mean, 1.0) / float(np.mean(np.maximum(y, 1.0))))
        return _Bands(
            mean,
            mean + (get("lo-80") - mean) * ratio,
            mean + (get("hi-80") - mean) * ratio,
            mean + (get("lo-95") - mean) * ratio,
            mean + (get("hi-95") - mean) * ratio,
            "model",
        )


def default_methods() -> tuple[Method, ...]:
    """The built-in methods with their default settings, in table order."""
    return (SeasonalNaive(), HistoricalAverage(), TopDown(), AutoETSDaily(), MSTL())
