"""One row of a backtest: a method's accuracy and band calibration at one horizon (its own
module so that the method choice and the recalibration read rows without the backtest)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BacktestRow:
    """Accuracy of one method at one horizon over the rolling origins.

    Attributes:
        method: Method name.
        horizon_days: h; each origin's forecast is scored on the h days that follow it.
        mae: Mean absolute error per interval, contacts.
        rmse: Root mean square error per interval, contacts.
        wmape: sum|y - y_hat| / sum y over all scored intervals (NaN if sum y = 0).
        mase: mean of |y - y_hat| / Q, Q the in-sample MAE of the weekly seasonal naive on the
            origin's history (Hyndman & Koehler 2006); NaN where no origin has a week pair.
        coverage80: Share of actuals inside the 80% interval, over the intervals not closed
            (a closed interval, actual and point forecast both 0, is left out).
        coverage95: Share of actuals inside the 95% interval, likewise.
        n_origins: Origins scored.
        skipped_reason: Why the method was not scored (then the measures are NaN), else None.
        calibration80: Conformal factor of the 80% band at this horizon: the multiplier of
            the band's half-widths that covers 80% of the backtest's actuals (see
            :func:`ccops.engines.forecasting.selection.conformal_factor`); NaN if unscored.
        calibration95: Likewise for the 95% band.
        calibrated_coverage80: Coverage of the recalibrated 80% band, each origin scored with
            the factor learned from the other origins (leave one origin out, so the figure is
            out of sample); NaN with fewer than 2 origins.
        calibrated_coverage95: Likewise for the 95% band.
        lead_calibration80: Conformal factor of the 80% band per lead day 1..h (lead day d = the
            d-th day after the origin), learned on the method's scores at that lead day over
            every backtest origin (those of the other horizons too), pooled with the
            neighbouring lead days where a lead day has too few origins (``MIN_LEAD_ORIGINS``
            and ``MIN_LEAD_DISTINCT`` of :mod:`ccops.engines.forecasting.backtest`). When
            given, ``calibrated_coverage80`` is the leave-one-origin-out coverage of these
            factors.
        lead_calibration95: Likewise for the 95% band.
        lead_coverage80: Per lead day 1..h, the leave-one-origin-out coverage of the 80% band
            recalibrated by its lead day's factor (NaN where no origin scored that day).
        lead_coverage95: Likewise for the 95% band.
        origin_abs_err: Per origin, sum |y - y_hat| over its scored intervals (for paired
            comparisons of methods, :func:`ccops.engines.forecasting.selection.choose`).
        origin_actual: Per origin, sum y over the same intervals.
        origin_day: Per origin, its day index in the series (to pair origins of two methods).
    """

    method: str
    horizon_days: int
    mae: float
    rmse: float
    wmape: float
    mase: float
    coverage80: float
    coverage95: float
    n_origins: int
    skipped_reason: str | None = None
    calibration80: float = math.nan
    calibration95: float = math.nan
    calibrated_coverage80: float = math.nan
    calibrated_coverage95: float = math.nan
    lead_calibration80: tuple[float, ...] = ()
    lead_calibration95: tuple[float, ...] = ()
    lead_coverage80: tuple[float, ...] = ()
    lead_coverage95: tuple[float, ...] = ()
    origin_abs_err: tuple[float, ...] = ()
    origin_actual: tuple[float, ...] = ()
    origin_day: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The row as a plain dict."""
        return {
            "method": self.method,
            "horizon_days": self.horizon_days,
            "mae": self.mae,
            "rmse": self.rmse,
            "wmape": self.wmape,
            "mase": self.mase,
            "coverage80": self.coverage80,
            "coverage95": self.coverage95,
            "n_origins": self.n_origins,
            "skipped_reason": self.skipped_reason,
            "calibration80": self.calibration80,
            "calibration95": self.calibration95,
            "calibrated_coverage80": self.calibrated_coverage80,
            "calibrated_coverage95": self.calibrated_coverage95,
            "lead_calibration80": list(self.lead_calibration80),
            "lead_calibration95": list(self.lead_calibration95),
            "lead_coverage80": list(self.lead_coverage80),
            "lead_coverage95": list(self.lead_coverage95),
        }
