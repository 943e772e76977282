"""Interval volume and handle-time forecasting: methods, special days, backtests, accuracy.

Everything works on a **wall-clock grid** of the site's local time: a :class:`Series` is laid
out as whole local days of ``1440 / interval_min`` slots each (15, 30 or 60 minutes), so that
"the same interval last week" is always the same local weekday and clock time. A
daylight-saving day therefore never shifts the profile: the spring-forward day simply has no
observation in its skipped hour (NaN, like a gap), and the repeated hour of the fall-back day
(two intervals with the same wall-clock start) is averaged into its slot, which then holds the
volume *per occurrence*. A consumer maps slot forecasts back to UTC, applies the repeated slot
to both occurrences and drops the slots of the skipped hour. Missing intervals and outages are
NaN: they are excluded from every fit and never read as zero demand.

Methods share one interface, :class:`Method` (``name``, ``min_history_days``,
``fit_predict(history, horizon_intervals, calendar)``), and return a :class:`Forecast` with a
point forecast and 80% / 95% prediction intervals:

* :class:`SeasonalNaive` -- the same interval last week (y_hat[t + h] = y[t + h - k m], m the
  intervals per week, k the smallest whole number of weeks reaching back into the history).
* :class:`HistoricalAverage` -- the mean of the same weekday and interval over the last N
  observed weeks.
* :class:`TopDown` -- daily total x intraday profile of the weekday, the usual workforce
  planning practice (Gans, Koole & Mandelbaum 2003, section 4.1); the daily model is the mean
  of the same weekday's totals, or AutoETS (:class:`AutoETSDaily`).
* :class:`MSTL` -- statsforecast's MSTL with daily and weekly seasonality (Bandara, Hyndman &
  Bergmeir 2021) and an AutoETS trend.

Special days come from an :class:`EventCalendar` of (day, kind, effect): planned effects as a
percentage, or learned as the ratio of actual volume to a same-weekday baseline on past events
of the kind. Event days are kept out of the training data, and their effect multiplies the
forecast of future event days. :func:`holiday_calendar` builds one from the ``holidays``
package. :func:`backtest` runs a rolling-origin evaluation with MAE, RMSE, wMAPE and MASE;
:func:`choose_method` picks the lowest wMAPE at 7 days, :func:`choose` the simplest method
a paired test cannot tell from the best; :class:`Combination` averages methods, and
:func:`best_combinations` forms the (inverse-error weighted) means of a backtest's best two or
three methods, backtested like any other; :func:`calibrate` rescales a forecast's bands by the
backtest's conformal factors per lead day (module ``selection``); :func:`forecast_aht`
forecasts the volume-weighted handle time per interval.

All methods are deterministic (no random numbers). statsforecast is imported only when an
MSTL or AutoETS model is fitted (it pulls in statsmodels, about a second to import), and the
``holidays`` package only by :func:`holiday_calendar`. Bad input raises
:class:`ForecastInputError` naming the argument; a method given too little history raises
:class:`InsufficientHistoryError`, which :func:`backtest` reports as a skipped method.

References:
    R. J. Hyndman, G. Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed. (2021),
    sections 5.2 (simple methods), 5.5 (prediction intervals), 5.8 (accuracy, MASE), 5.10
    (time series cross-validation).
    R. J. Hyndman, A. B. Koehler, "Another look at measures of forecast accuracy",
    International Journal of Forecasting 22(4) (2006) 679-688.
    S. Kolassa, W. Schuetz, "Advantages of the MAD/Mean ratio over the MAPE", Foresight 6
    (2007) 40-43 (wMAPE = sum|e| / sum|y|).
    N. Gans, G. Koole, A. Mandelbaum, "Telephone call centers: tutorial, review, and research
    prospects", Manufacturing & Service Operations Management 5(2) (2003) 79-141.
    R. Ibrahim, H. Ye, P. L'Ecuyer, H. Shen, "Modeling and forecasting call center arrivals: a
    literature survey and a case study", International Journal of Forecasting 32(3) (2016)
    865-874.
    K. Bandara, R. J. Hyndman, C. Bergmeir, "MSTL: a seasonal-trend decomposition algorithm for
    time series with multiple seasonal patterns", arXiv:2107.13462 (2021).
    R. B. Cleveland, W. S. Cleveland, J. E. McRae, I. Terpenning, "STL: a seasonal-trend
    decomposition procedure based on loess", Journal of Official Statistics 6(1) (1990) 3-73.
    R. J. Hyndman, Y. Khandakar, "Automatic time series forecasting: the forecast package for
    R", Journal of Statistical Software 27(3) (2008) (AutoETS).
"""

from __future__ import annotations

from ccops.engines.forecasting.aht import (
    forecast_aht,
)
from ccops.engines.forecasting.backtest import (
    BEST_COMBINATIONS,
    SHORT_HISTORY_DAYS,
    Build,
    backtest,
    best_combinations,
    choose_method,
    select_and_forecast,
)
from ccops.engines.forecasting.backtest_rows import BacktestRow
from ccops.engines.forecasting.events import (
    Event,
    EventCalendar,
    LearnedEffect,
    holiday_calendar,
)
from ccops.engines.forecasting.methods import (
    MSTL,
    AutoETSDaily,
    HistoricalAverage,
    Method,
    SeasonalNaive,
    TopDown,
    default_methods,
)
from ccops.engines.forecasting.selection import (
    Choice,
    Combination,
    band_percentile,
    band_score,
    calibrate,
    candidate_methods,
    choose,
    conformal_factor,
    paired_p_value,
)
from ccops.engines.forecasting.series import (
    INTERVAL_MINUTES,
    AhtForecast,
    Forecast,
    ForecastInputError,
    InsufficientHistoryError,
    Series,
)

__all__ = [
    "BEST_COMBINATIONS",
    "INTERVAL_MINUTES",
    "AhtForecast",
    "AutoETSDaily",
    "BacktestRow",
    "Build",
    "SHORT_HISTORY_DAYS",
    "Choice",
    "Combination",
    "Event",
    "EventCalendar",
    "Forecast",
    "ForecastInputError",
    "HistoricalAverage",
    "InsufficientHistoryError",
    "LearnedEffect",
    "MSTL",
    "Method",
    "SeasonalNaive",
    "Series",
    "TopDown",
    "backtest",
    "best_combinations",
    "band_percentile",
    "band_score",
    "calibrate",
    "candidate_methods",
    "choose",
    "choose_method",
    "conformal_factor",
    "default_methods",
    "forecast_aht",
    "holiday_calendar",
    "paired_p_value",
    "select_and_forecast",
]
