"""Handle-time forecast: the volume-weighted average handle time per interval."""

from __future__ import annotations

import numpy as np

from ccops.engines.forecasting.arrays import (
    _positive_int,
    _week_rows,
)
from ccops.engines.forecasting.series import (
    _DAYS_PER_WEEK,
    AhtForecast,
    ForecastInputError,
    InsufficientHistoryError,
    Series,
)

# ---------------------------------------------------------------------------------------------
# handle time
# ---------------------------------------------------------------------------------------------


def forecast_aht(history: Series, horizon_intervals: int, *, weeks: int = 6) -> AhtForecast:
    """Volume-weighted average handle time per interval for the intervals after ``history``.

    aht_hat[s] = sum_w aht[w, s] v[w, s] / sum_w v[w, s] over the last ``weeks`` weeks of the
    same slot of the week (v = ``aht_volume``, else the volume), so that an interval's mean
    handle time counts as often as it had contacts. Slots without handled contacts in the
    window use the same slot of the day over all days, then the overall weighted mean.

    Args:
        history: Series with ``aht_s``.
        horizon_intervals: Intervals to forecast (at most the history's length).
        weeks: Weeks averaged.

    Returns:
        The handle-time forecast with the contacts behind each value.

    Raises:
        ForecastInputError: No ``aht_s``, no handled contact, or a bad argument.
        InsufficientHistoryError: A horizon longer than the history.
    """
    if not isinstance(history, Series):
        raise ForecastInputError(f"history must be a Series, got {type(history).__name__}")
    if history.aht_s is None or history.aht_volume is None:
        raise ForecastInputError("history must carry aht_s")
    h = _positive_int(horizon_intervals, "horizon_intervals")
    weeks = _positive_int(weeks, "weeks")
    spd = history.slots_per_day
    spw = spd * _DAYS_PER_WEEK
    if h > history.history_days() * spd:
        raise InsufficientHistoryError(
            f"horizon_intervals {h} reaches further ahead than the history reaches back"
        )
    keep = min(history.values.size, weeks * spw)
    aht = history.aht_s[history.aht_s.size - keep :]
    vol = history.aht_volume[history.aht_volume.size - keep :]
    ok = np.isfinite(aht) & np.isfinite(vol) & (vol > 0.0)
    if not ok.any():
        raise ForecastInputError("history has no handled contact with a handle time to average")
    wa = _week_rows(np.where(ok, aht * vol, 0.0), spw)
    w = _week_rows(np.where(ok, vol, 0.0), spw)
    wa_sum = np.nansum(wa, axis=0)
    w_sum = np.nansum(w, axis=0)
    end_phase = (history.phase + history.values.size) % spw
    slot_of_day = ((end_phase + np.arange(spw)) % spd).astype(np.int64)
    by_day_wa = np.bincount(slot_of_day, weights=wa_sum, minlength=spd)
    by_day_w = np.bincount(slot_of_day, weights=w_sum, minlength=spd)
    overall = float(wa_sum.sum() / w_sum.sum())
    day_mean = np.where(by_day_w > 0.0, by_day_wa / np.where(by_day_w > 0, by_day_w, 1.0), overall)
    profile = np.where(w_sum > 0.0, wa_sum / np.where(w_sum > 0, w_sum, 1.0), day_mean[slot_of_day])
    step = np.arange(h) % spw
    return AhtForecast(
        start=history._starts(history.values.size, h),
        aht_s=profile[step],
        basis_contacts=w_sum[step],
    )
