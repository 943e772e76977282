"""Array helpers on the wall-clock grid: week and day rows, profiles, unusual days."""

from __future__ import annotations

import math

import numpy as np

from ccops.engines.forecasting.series import (
    _DAYS_PER_WEEK,
    _UNUSUAL_Z,
    FloatArray,
    ForecastInputError,
    IntArray,
)

# ---------------------------------------------------------------------------------------------
# array helpers
# ---------------------------------------------------------------------------------------------


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ForecastInputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _week_rows(y: FloatArray, spw: int) -> FloatArray:
    """``y`` as rows of one week each, the last row ending at the end of ``y`` (NaN-padded).

    Column j then holds the slot of the week of forecast step j (mod spw).
    """
    rows = -(-y.size // spw)
    pad = rows * spw - y.size
    return np.concatenate([np.full(pad, np.nan), y]).reshape(rows, spw)


def _day_rows(y: FloatArray, spd: int) -> FloatArray:
    """``y`` (starting at a local midnight) as rows of one day each, the last row NaN-padded."""
    rows = -(-y.size // spd)
    return np.concatenate([y, np.full(rows * spd - y.size, np.nan)]).reshape(rows, spd)


def _nanmean_rows(rows: FloatArray) -> FloatArray:
    """Column means over the finite entries (NaN where a column has none), without warnings."""
    ok = np.isfinite(rows)
    count = ok.sum(axis=0)
    total = np.where(ok, rows, 0.0).sum(axis=0)
    out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _last_n_mean(rows: FloatArray, n: int) -> FloatArray:
    """Per column, the mean of its last ``n`` finite entries (skipping gaps); NaN if none."""
    ok = np.isfinite(rows)
    rank = np.cumsum(ok[::-1], axis=0)[::-1]  # finite entries at or below each row
    use = ok & (rank <= n)
    count = use.sum(axis=0)
    out: FloatArray = np.where(
        count > 0, np.where(use, rows, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan
    )
    return out


def _fill_profile(profile: FloatArray, slot_of_day: IntArray, spd: int) -> FloatArray:
    """Fill NaN slots by the mean of the same slot of the day, then by 0."""
    if not np.isnan(profile).any():
        return profile
    ok = np.isfinite(profile)
    total = np.bincount(slot_of_day[ok], weights=profile[ok], minlength=spd)
    count = np.bincount(slot_of_day[ok], minlength=spd)
    by_slot = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    out: FloatArray = np.where(ok, profile, by_slot[slot_of_day])
    return out


def _damp_unusual_days(
    y: FloatArray, phase: int, spd: int, low: float, high: float, n_days: int = 8
) -> FloatArray:
    """``y`` with unusual whole days set to NaN (missing), for the averages to skip.

    A complete, fully observed day is unusual when its total is below ``low`` or above
    ``high`` times the median total of the ``n_days`` nearest other complete days of the same
    weekday in ``y`` (at least 3 are needed; a median of 0, a closed weekday, judges nothing):
    an outage, a holiday or eve missing from the calendar, a one-off surge. The averages then
    fall back to older weeks, as for a gap (a robust, outlier-damped average).
    """
    lead_in = phase % spd
    padded = np.concatenate([np.full(lead_in, np.nan), y])
    n_full = padded.size // spd
    days = padded[: n_full * spd].reshape(n_full, spd)
    complete = np.isfinite(days).all(axis=1)
    totals = np.where(complete, np.where(np.isfinite(days), days, 0.0).sum(axis=1), np.nan)
    weekday = ((phase - lead_in) // spd + np.arange(n_full)) % _DAYS_PER_WEEK
    unusual = np.zeros(n_full, dtype=bool)
    for w in range(_DAYS_PER_WEEK):
        idx = np.flatnonzero((weekday == w) & complete)
        if idx.size < 4:
            continue
        for i in idx:
            others = idx[idx != i]
            near = others[np.argsort(np.abs(others - i), kind="stable")][:n_days]
            med = float(np.median(totals[near]))
            outside = not low * med <= totals[i] <= high * med
            if med > 0.0 and outside and abs(totals[i] - med) > _UNUSUAL_Z * math.sqrt(med):
                unusual[i] = True
    if not unusual.any():
        return y
    out = padded.copy()
    out[: n_full * spd][np.repeat(unusual, spd)] = np.nan
    result: FloatArray = out[lead_in:]
    return result


def _rolling_mean_forecasts(rows: FloatArray, n_weeks: int, lead: int) -> FloatArray:
    """F[r] = mean of the finite entries of rows [r - lead - n_weeks + 1, r - lead], per column.

    The in-sample forecast of week r made ``lead`` weeks earlier by an ``n_weeks`` average
    (``n_weeks = 1``: the seasonal naive); NaN where no earlier week is available.
    """
    n_rows, width = rows.shape
    ok = np.isfinite(rows)
    csum = np.vstack([np.zeros((1, width)), np.cumsum(np.where(ok, rows, 0.0), axis=0)])
    ccnt = np.vstack([np.zeros((1, width)), np.cumsum(ok, axis=0)])
    hi = np.arange(n_rows) - lead + 1
    lo = np.maximum(hi - n_weeks, 0)
    hi_c = np.clip(hi, 0, n_rows)
    total = csum[hi_c] - csum[lo]
    count = ccnt[hi_c] - ccnt[lo]
    out: FloatArray = np.where(count > 0, total / np.maximum(count, 1.0), np.nan)
    out[hi < 1] = np.nan
    return out


def _standardised(actual: FloatArray, fitted: FloatArray) -> FloatArray:
    """Residuals (actual - fitted) / sqrt(max(fitted, 1)) on the Poisson scale.

    Only finite pairs count, and not the pairs where both are 0 (closed hours), whose zero
    residuals would otherwise narrow the intervals of the open hours.
    """
    ok = np.isfinite(actual) & np.isfinite(fitted) & ((actual != 0.0) | (fitted != 0.0))
    out: FloatArray = (actual[ok] - fitted[ok]) / np.sqrt(np.maximum(fitted[ok], 1.0))
    return out
