"""Tests of the forecasting engine: synthetic series of known seasonality, DST, gaps, events,
backtest measures, bad input, and the real Technion "Anonymous Bank" calls of February 1999."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from ccops.engines import forecasting as fc
from ccops.engines.forecasting import (
    BacktestRow,
    Event,
    EventCalendar,
    ForecastInputError,
    InsufficientHistoryError,
    Series,
)
from tests.plugins.data import TECHNION, require_shared

SETTINGS = settings(max_examples=25, deadline=None)
SPD = 48  # 30-minute slots per day
SPW = 7 * SPD
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.95, 0.5, 0.3])  # Monday peak, quiet weekend


def intraday_shape(spd: int) -> np.ndarray:
    """Two peaks (10:30 and 15:00), open 07:00-22:00, sums to 1."""
    hour = np.arange(spd) * 24.0 / spd
    shape = np.exp(-0.5 * ((hour - 10.5) / 2.0) ** 2) + 0.8 * np.exp(
        -0.5 * ((hour - 15) / 2.5) ** 2
    )
    shape = np.where((hour >= 7) & (hour < 22), shape + 0.05, 0.0)
    out: np.ndarray = shape / shape.sum()
    return out


def expected_volume(
    n_days: int, daily: float, spd: int = SPD, first_weekday: int = 0
) -> np.ndarray:
    day_total = daily * WEEKDAY[(first_weekday + np.arange(n_days)) % 7]
    out: np.ndarray = (day_total[:, None] * intraday_shape(spd)[None, :]).ravel()
    return out


def wmape(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.abs(actual - point).sum() / actual.sum())


# ---------------------------------------------------------------------------------------------
# fixtures: one synthetic centre, fitted once per module
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def centre() -> dict[str, np.ndarray]:
    """13 weeks + 1 week of Poisson arrivals around a known daily x weekly pattern (30 min)."""
    lam = expected_volume(14 * 7, daily=4000.0)
    y = np.random.default_rng(20240101).poisson(lam).astype(float)
    return {"lam": lam, "y": y}


@pytest.fixture(scope="module")
def centre_history(centre: dict[str, np.ndarray]) -> Series:
    return Series.regular("2024-01-01T00:00", centre["y"][: 13 * SPW], 30)


@pytest.fixture(scope="module")
def centre_forecasts(centre_history: Series) -> dict[str, fc.Forecast]:
    """Every default method's forecast of week 14, fitted once."""
    return {m.name: m.fit_predict(centre_history, SPW) for m in fc.default_methods()}


# ---------------------------------------------------------------------------------------------
# the series and its wall-clock grid
# ---------------------------------------------------------------------------------------------


def test_series_places_values_on_the_wall_clock_grid_in_any_order() -> None:
    start = np.datetime64("2024-01-03T06:00") + np.arange(5) * np.timedelta64(30, "m")
    values = np.arange(5.0)
    order = np.array([3, 0, 4, 1, 2])
    s = Series(start[order], values[order], 30)
    assert s.first_day == np.datetime64("2024-01-03")
    assert s.phase == 2 * SPD  # Wednesday
    assert s.values.size == 12 + 5  # from local midnight to the end of the last interval
    assert np.isnan(s.values[:12]).all()
    assert_array_equal(s.values[12:], values)
    assert s.end == np.datetime64("2024-01-03T08:30")
    minutes = start.astype("datetime64[m]").astype(np.int64)
    assert_array_equal(Series(minutes, values, 30).values, s.values)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": [1.0, -2.0, 3.0]}, "values must be >= 0, got -2 at position 1"),
        ({"values": ["1", "2", "3"]}, "values must be numeric"),
        ({"values": [1.0, math.inf, 3.0]}, "values must be finite"),
        ({"values": [1.0, 2.0]}, "same length"),
        ({"interval_min": 20}, "interval_min must be one of 15, 30, 60"),
        ({"aht_s": [100.0, -1.0, 3.0]}, "aht_s must be >= 0"),
        ({"start": ["a", "b", "c"]}, "start must be numpy datetime64 or integer"),
    ],
)
def test_series_rejects_bad_input_naming_the_argument(
    kwargs: dict[str, object], match: str
) -> None:
    args: dict[str, object] = {
        "start": np.datetime64("2024-01-01T00:00") + np.arange(3) * np.timedelta64(30, "m"),
        "values": [1.0, 2.0, 3.0],
        "interval_min": 30,
    }
    args.update(kwargs)
    with pytest.raises(ForecastInputError, match=match):
        Series(**args)  # type: ignore[arg-type]


def test_series_rejects_misaligned_and_thrice_repeated_starts() -> None:
    with pytest.raises(ForecastInputError, match="aligned to 30-minute"):
        Series(np.array(["2024-01-01T00:10"], dtype="datetime64[m]"), [1.0], 30)
    thrice = np.array(["2024-01-01T01:00"] * 3, dtype="datetime64[m]")
    with pytest.raises(ForecastInputError, match="repeats 2024-01-01T01:00 3 times"):
        Series(thrice, [1.0, 1.0, 1.0], 30)


def berlin_wall_clock(first_utc: dt.datetime, n: int, minutes: int) -> np.ndarray:
    """Local wall-clock starts in Europe/Berlin of n consecutive UTC intervals."""
    tz = ZoneInfo("Europe/Berlin")
    local = [
        (first_utc + dt.timedelta(minutes=minutes * i)).astimezone(tz).replace(tzinfo=None)
        for i in range(n)
    ]
    return np.array(local, dtype="datetime64[m]")


def wall_clock_rate(starts: np.ndarray) -> np.ndarray:
    """A demand rate that depends only on the local weekday and clock time (sharp 10:00 peak)."""
    minute = (starts - starts.astype("datetime64[D]")).astype(np.int64)
    weekday = (starts.astype("datetime64[D]").astype(np.int64) + 3) % 7
    slot = minute // 30
    out: np.ndarray = expected_volume(7, 2000.0)[weekday * SPD + slot] + 50.0 * (minute == 600)
    return out


def test_fall_back_repeated_hour_is_averaged_and_spring_forward_hour_is_missing() -> None:
    # 2024-10-27: Berlin's clocks go back at 03:00 CEST; 02:00-03:00 happens twice (25 hours)
    fall = berlin_wall_clock(dt.datetime(2024, 10, 26, 22, tzinfo=dt.UTC), 50, 30)
    s = Series(fall, wall_clock_rate(fall), 30)
    assert fall.size == 50 and s.values.size == SPD  # 25 hours of intervals on a 24-hour grid
    grid_starts = s.start
    assert_allclose(s.values, wall_clock_rate(grid_starts))
    # 2024-03-31: 02:00-03:00 does not exist (23 hours): those two slots are missing, not zero
    spring = berlin_wall_clock(dt.datetime(2024, 3, 30, 23, tzinfo=dt.UTC), 46, 30)
    s = Series(spring, wall_clock_rate(spring), 30)
    assert np.flatnonzero(np.isnan(s.values)).tolist() == [4, 5]


def test_dst_days_do_not_shift_the_profile() -> None:
    # six weeks across the spring-forward Sunday, then forecast the next week
    first = dt.datetime(2024, 3, 10, 23, tzinfo=dt.UTC)  # Monday 2024-03-11 00:00 CET
    n = 6 * SPW + 6 * SPW  # enough UTC intervals; cut on the local grid below
    starts = berlin_wall_clock(first, n, 30)
    rate = wall_clock_rate(starts)
    cut = np.datetime64("2024-04-22T00:00")
    history = Series(starts[starts < cut], rate[starts < cut], 30)
    target = wall_clock_rate(history._starts(history.values.size, SPW))
    forecast = fc.HistoricalAverage(weeks=4).fit_predict(history, SPW)
    assert forecast.start[0] == cut
    assert_allclose(forecast.point, target, rtol=1e-12)  # exact: no hour is shifted
    # the same numbers indexed by elapsed intervals (as if in UTC) put the peak an hour off
    elapsed = Series.regular("2024-03-11T00:00", rate[starts < cut], 30)
    shifted = fc.HistoricalAverage(weeks=4).fit_predict(elapsed, SPW)
    assert wmape(target, shifted.point) > 0.05


# ---------------------------------------------------------------------------------------------
# methods recover a known pattern
# ---------------------------------------------------------------------------------------------


def test_seasonal_naive_repeats_the_same_interval_last_week(centre_history: Series) -> None:
    forecast = fc.SeasonalNaive().fit_predict(centre_history, SPW + 5)
    assert_array_equal(forecast.point[:SPW], centre_history.values[-SPW:])
    assert_array_equal(forecast.point[SPW:], centre_history.values[-SPW:][:5])


def test_methods_recover_the_seasonality_to_the_noise_level(
    centre: dict[str, np.ndarray], centre_forecasts: dict[str, fc.Forecast]
) -> None:
    actual = centre["y"][13 * SPW :]
    oracle = wmape(actual, centre["lam"][13 * SPW :])  # the Poisson noise itself
    got = {name: wmape(actual, f.point) for name, f in centre_forecasts.items()}
    # an N-week average adds 1/N of the noise variance: expected wMAPE ~ oracle sqrt(1 + 1/N)
    # (1.08 for N = 6; over seeds 0-4 the measured ratio ran 1.03-1.13); last week's value
    # doubles it: ~ oracle sqrt(2) (measured 1.27-1.45)
    assert oracle < got["HistoricalAverage"] < 1.2 * oracle
    assert 1.15 * oracle < got["SeasonalNaive"] < 1.6 * oracle
    for name in ("TopDown", "AutoETSDaily"):
        assert oracle < got[name] < 1.2 * oracle, name
    assert oracle < got["MSTL"] < 1.3 * oracle
    # the forecast is close to the true rate itself: an N-week mean is off by ~ oracle / sqrt(N)
    lam = centre["lam"][13 * SPW :]
    assert wmape(lam, centre_forecasts["HistoricalAverage"].point) < 0.6 * oracle


def test_prediction_intervals_are_ordered_and_cover(
    centre: dict[str, np.ndarray], centre_forecasts: dict[str, fc.Forecast]
) -> None:
    actual = centre["y"][13 * SPW :]
    open_hours = centre["lam"][13 * SPW :] > 0
    for name, f in centre_forecasts.items():
        assert np.all(f.lo95 <= f.lo80) and np.all(f.lo80 <= f.point), name
        assert np.all(f.point <= f.hi80) and np.all(f.hi80 <= f.hi95), name
        assert np.all(f.lo95 >= 0.0), name
        a = actual[open_hours]
        cover80 = np.mean((a >= f.lo80[open_hours]) & (a <= f.hi80[open_hours]))
        cover95 = np.mean((a >= f.lo95[open_hours]) & (a <= f.hi95[open_hours]))
        if name == "MSTL":
            # the model's intervals leave out the error of the estimated seasonal components;
            # measured over seeds 0-4: 0.57-0.69 and 0.80-0.87 (documented, reported)
            assert 0.5 <= cover80 <= 0.9 and 0.75 <= cover95 <= 0.99, (name, cover80, cover95)
        else:  # measured over seeds 0-4: 0.73-0.85 and 0.91-0.98
            assert 0.70 <= cover80 <= 0.90 and 0.88 <= cover95 <= 0.99, (name, cover80, cover95)


def test_forecasts_are_deterministic(
    centre_history: Series, centre_forecasts: dict[str, fc.Forecast]
) -> None:
    again = fc.MSTL().fit_predict(centre_history, SPW)
    assert_array_equal(again.point, centre_forecasts["MSTL"].point)
    assert_array_equal(again.hi95, centre_forecasts["MSTL"].hi95)


def test_an_outage_week_is_excluded_not_read_as_zero(centre: dict[str, np.ndarray]) -> None:
    y = centre["y"][: 10 * SPW].copy()
    y[9 * SPW :] = np.nan  # the last week before the forecast is an outage
    y[5 * SPW + 20 : 5 * SPW + 30] = np.nan  # and a few hours of another day
    history = Series.regular("2024-01-01T00:00", y, 30)
    truth = centre["lam"][10 * SPW : 11 * SPW].sum()
    for method in fc.default_methods():
        total = method.fit_predict(history, SPW).point.sum()
        assert total == pytest.approx(truth, rel=0.06), method.name
    zeros = Series.regular("2024-01-01T00:00", np.nan_to_num(y), 30)
    assert fc.HistoricalAverage().fit_predict(zeros, SPW).point.sum() < 0.9 * truth


def test_top_down_from_inside_a_day_forecasts_the_rest_of_it(centre_history: Series) -> None:
    inside = centre_history._head(centre_history.values.size - SPD // 2)  # ends at 12:00
    forecast = fc.TopDown().fit_predict(inside, SPD)
    assert forecast.start[0] == np.datetime64("2024-03-31T12:00")
    assert forecast.point.size == SPD
    expected = fc.TopDown().fit_predict(centre_history._head(inside.values.size - SPD // 2), SPD)
    assert_allclose(forecast.point[: SPD // 2], expected.point[SPD // 2 :], rtol=0.15)


@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(0.2, 300.0),
    missing=st.floats(0.0, 0.3),
    interval_min=st.sampled_from([15, 30, 60]),
    horizon_days=st.floats(0.01, 7.0),
)
@SETTINGS
def test_cheap_methods_give_ordered_nonnegative_finite_bands(
    seed: int, level: float, missing: float, interval_min: int, horizon_days: float
) -> None:
    spd = 1440 // interval_min
    horizon = max(1, int(horizon_days * spd))
    rng = np.random.default_rng(seed)
    lam = level * np.tile(rng.uniform(0.0, 2.0, 7 * spd), 3)
    y = rng.poisson(lam).astype(float)
    y[rng.uniform(size=y.size) < missing] = np.nan
    y[:spd] = rng.poisson(level, spd)  # the first day is observed
    history = Series.regular("2024-05-06T00:00", y, interval_min)
    for method in (fc.SeasonalNaive(), fc.HistoricalAverage(weeks=2), fc.TopDown()):
        f = method.fit_predict(history, horizon)
        bands = np.vstack([f.lo95, f.lo80, f.point, f.hi80, f.hi95])
        assert bands.shape == (5, horizon)
        assert np.isfinite(bands).all() and (bands >= 0).all()
        assert (np.diff(bands, axis=0) >= 0).all()
        assert f.start[0] == np.datetime64("2024-05-27T00:00")
        assert_array_equal(method.fit_predict(history, horizon).point, f.point)


class LastValue:
    """A method from outside the engine: the last observed value, flat (the Method protocol)."""

    name = "LastValue"
    min_history_days = 1

    def fit_predict(
        self, history: Series, horizon_intervals: int, calendar: EventCalendar | None = None
    ) -> fc.Forecast:
        last = history.values[np.isfinite(history.values)][-1]
        flat = np.full(horizon_intervals, last)
        start = history.end + np.arange(horizon_intervals) * np.timedelta64(30, "m")
        return fc.Forecast(self.name, start, flat, flat, flat, flat, flat, "none")


def test_backtest_accepts_any_method_of_the_protocol(centre_history: Series) -> None:
    method: fc.Method = LastValue()
    rows = fc.backtest(centre_history, [fc.SeasonalNaive(), method], (1,), weeks=1)
    assert [r.method for r in rows] == ["SeasonalNaive", "LastValue"]
    assert rows[1].n_origins == 7 and rows[1].wmape > rows[0].wmape


# ---------------------------------------------------------------------------------------------
# too little history, horizons, arguments
# ---------------------------------------------------------------------------------------------


def test_too_little_history_skips_methods_with_a_reason_and_seasonal_naive_runs(
    centre: dict[str, np.ndarray],
) -> None:
    short = Series.regular("2024-01-01T00:00", centre["y"][: 12 * SPD], 30)
    rows = fc.backtest(short, fc.default_methods(), (1,), weeks=1)
    by_name = {r.method: r for r in rows}
    assert by_name["SeasonalNaive"].skipped_reason is None
    assert by_name["SeasonalNaive"].n_origins == 5  # origins on days 7..11
    for name in ("HistoricalAverage", "TopDown", "AutoETSDaily", "MSTL"):
        row = by_name[name]
        assert row.n_origins == 0 and math.isnan(row.wmape)
        assert row.skipped_reason is not None and "days of history" in row.skipped_reason
    with pytest.raises(InsufficientHistoryError, match="MSTL needs 21 days"):
        fc.MSTL().fit_predict(short, 10)


def test_a_horizon_beyond_the_history_is_an_error(centre: dict[str, np.ndarray]) -> None:
    history = Series.regular("2024-01-01T00:00", centre["y"][: 14 * SPD], 30)
    with pytest.raises(InsufficientHistoryError, match="reaches further ahead"):
        fc.SeasonalNaive().fit_predict(history, 15 * SPD)
    with pytest.raises(ForecastInputError, match="horizons_days: 28 days cannot be backtested"):
        fc.backtest(history, [fc.SeasonalNaive()], (1, 7, 28), weeks=1)
    with pytest.raises(ForecastInputError, match="horizon_intervals must be a positive integer"):
        fc.SeasonalNaive().fit_predict(history, 0)
    with pytest.raises(ForecastInputError, match="weeks must be a positive integer"):
        fc.HistoricalAverage(weeks=0)
    with pytest.raises(ForecastInputError, match="distinct names"):
        fc.backtest(history, [fc.SeasonalNaive(), fc.SeasonalNaive()], (1,), weeks=1)


# ---------------------------------------------------------------------------------------------
# backtest measures
# ---------------------------------------------------------------------------------------------


def test_backtest_measures_match_a_hand_computation() -> None:
    # hourly, three weeks; week 3 = week 2 + 1 everywhere except one slot 10 lower
    rng = np.random.default_rng(7)
    week1 = rng.integers(5, 50, 168).astype(float)
    week2 = week1 + rng.integers(-3, 4, 168)
    week3 = week2 + 1.0
    week3[30] -= 11.0
    series = Series.regular("2024-01-01T00:00", np.concatenate([week1, week2, week3]), 60)
    # step_days=7: the one origin is the start of week 3, forecast from weeks 1-2
    (row,) = fc.backtest(series, [fc.SeasonalNaive()], (7,), weeks=1, step_days=7)
    err = np.abs(week3 - week2)
    scale = np.abs(week2 - week1).mean()  # in-sample weekly seasonal naive MAE
    assert row.n_origins == 1
    assert row.mae == pytest.approx(err.mean())
    assert row.rmse == pytest.approx(math.sqrt((err**2).mean()))
    assert row.wmape == pytest.approx(err.sum() / week3.sum())
    assert row.mase == pytest.approx(err.mean() / scale)
    day1 = fc.backtest(series, [fc.SeasonalNaive()], (1,), weeks=1)[0]
    assert day1.n_origins == 7  # every day of week 3, one day ahead each
    assert day1.mae == pytest.approx(err.mean())
    # every origin in the last week: days 8..14 start windows that end inside week 3
    every_day = fc.backtest(series, [fc.SeasonalNaive()], (7,), weeks=1)[0]
    assert every_day.n_origins == 7


def test_choose_method_takes_the_lowest_wmape_at_seven_days() -> None:
    nan = math.nan

    def row(method: str, h: int, wmape: float, reason: str | None = None) -> BacktestRow:
        return BacktestRow(method, h, 1.0, 1.0, wmape, 1.0, 0.8, 0.95, 5, reason)

    rows = [
        row("A", 1, 0.05),
        row("A", 7, 0.20),
        row("B", 1, 0.30),
        row("B", 7, 0.15),
        row("C", 7, nan, "needs more history"),
    ]
    assert fc.choose_method(rows) == "B"
    assert fc.choose_method(rows, horizon_days=1) == "A"
    with pytest.raises(ForecastInputError, match="no scored method at horizon_days=28"):
        fc.choose_method(rows, horizon_days=28)


def test_backtest_on_the_synthetic_centre_prefers_averages_over_seasonal_naive(
    centre_history: Series,
) -> None:
    methods = [fc.SeasonalNaive(), fc.HistoricalAverage(), fc.MSTL()]
    rows = fc.backtest(centre_history, methods, (1, 7), weeks=1)
    by = {(r.method, r.horizon_days): r for r in rows}
    assert all(r.skipped_reason is None and r.n_origins == 7 for r in rows)
    naive = by[("SeasonalNaive", 7)]
    assert by[("HistoricalAverage", 7)].wmape < 0.85 * naive.wmape
    assert naive.mase == pytest.approx(1.0, abs=0.1)  # the scale is the same method in-sample
    assert fc.choose_method(rows) in {"HistoricalAverage", "MSTL"}


# ---------------------------------------------------------------------------------------------
# special days
# ---------------------------------------------------------------------------------------------


def _day(n: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=n)


def test_learned_event_effect_scales_future_event_days_and_past_ones_are_not_trained_on() -> None:
    lam = expected_volume(11 * 7, daily=4000.0)
    bill_runs = [15, 36, 50, 74]  # days; the last is in the forecast week
    for d in bill_runs:
        lam[d * SPD : (d + 1) * SPD] *= 1.5
    y = np.random.default_rng(3).poisson(lam).astype(float)
    history = Series.regular("2024-01-01T00:00", y[: 10 * SPW], 30)
    calendar = EventCalendar(tuple(Event(_day(d), "bill_run") for d in bill_runs))
    learned = calendar.learn_effects(history)
    assert learned["bill_run"].n_events == 3
    assert learned["bill_run"].ratio == pytest.approx(1.5, rel=0.03)
    with_events = fc.HistoricalAverage().fit_predict(history, SPW, calendar)
    day = 74 - 70
    event_day = slice(day * SPD, (day + 1) * SPD)
    truth = lam[10 * SPW :]
    assert with_events.point[event_day].sum() == pytest.approx(truth[event_day].sum(), rel=0.03)
    other = np.ones(SPW, dtype=bool)
    other[event_day] = False
    assert with_events.point[other].sum() == pytest.approx(truth[other].sum(), rel=0.02)
    plain = fc.HistoricalAverage().fit_predict(history, SPW)  # trained on the bill runs too
    assert plain.point[other].sum() > with_events.point[other].sum()


def test_planner_percentage_kind_fallback_and_unknown_kinds() -> None:
    lam = expected_volume(6 * 7, daily=2000.0)
    lam[10 * SPD : 11 * SPD] *= 0.2  # a past public holiday at 20% of normal
    history = Series.regular("2024-01-01T00:00", lam, 30)
    calendar = EventCalendar(
        (
            Event(_day(10), "holiday:XX:Founders Day"),
            Event(_day(43), "holiday:XX:New Year"),  # never seen: learned from "holiday:XX"
            Event(_day(44), "launch", effect_pct=30.0),
            Event(_day(45), "campaign"),  # no effect given, none to learn
        )
    )
    base = fc.HistoricalAverage(weeks=4).fit_predict(history, 7 * SPD)
    f = fc.HistoricalAverage(weeks=4).fit_predict(history, 7 * SPD, calendar)
    ratio = f.point.reshape(7, SPD).sum(axis=1) / base.point.reshape(7, SPD).sum(axis=1)
    assert_allclose(ratio, [1.0, 0.2, 1.3, 1.0, 1.0, 1.0, 1.0], rtol=1e-9)
    assert len(f.notes) == 1 and "campaign" in f.notes[0]
    with pytest.raises(ForecastInputError, match="effect_pct must be a finite percentage"):
        Event(_day(1), "launch", effect_pct=-120.0)


def test_coinciding_learned_events_count_once_and_duplicates_are_refused() -> None:
    lam = expected_volume(6 * 7, daily=2000.0)
    lam[10 * SPD : 11 * SPD] *= 0.2  # a holiday shared by two countries
    history = Series.regular("2024-01-01T00:00", lam, 30)
    shared = [(10, "holiday:AA:Unity Day"), (10, "holiday:BB:Unity Day")]
    future = [(43, "holiday:AA:Unity Day"), (43, "holiday:BB:Unity Day")]
    calendar = EventCalendar(tuple(Event(_day(d), k) for d, k in shared + future))
    base = fc.HistoricalAverage(weeks=4).fit_predict(history, 7 * SPD)
    f = fc.HistoricalAverage(weeks=4).fit_predict(history, 7 * SPD, calendar)
    day = slice(SPD, 2 * SPD)
    assert f.point[day].sum() == pytest.approx(0.2 * base.point[day].sum())  # not 0.2 x 0.2
    with pytest.raises(ForecastInputError, match="appears twice"):
        EventCalendar((Event(_day(1), "launch"), Event(_day(1), "launch", effect_pct=10.0)))


def test_holiday_calendar_has_chinese_and_site_holidays_and_workdays() -> None:
    calendar = fc.holiday_calendar(["CN", "IL"], [2024])
    events = {(e.day, e.kind) for e in calendar.events}
    assert (dt.date(2024, 2, 10), "holiday:CN:Chinese New Year") in events
    assert (dt.date(2024, 10, 1), "holiday:CN:National Day") in events
    assert (dt.date(2024, 2, 4), "workday:CN") in events  # a Sunday worked in lieu
    assert (dt.date(2024, 10, 12), "holiday:IL:Yom Kippur") in events
    assert all(e.effect_pct is None for e in calendar.events)
    with pytest.raises(ForecastInputError, match="unknown country 'XX'"):
        fc.holiday_calendar(["XX"], [2024])


# ---------------------------------------------------------------------------------------------
# handle time
# ---------------------------------------------------------------------------------------------


def test_aht_forecast_is_weighted_by_volume() -> None:
    volume = np.full(2 * 168, 2.0)
    aht = np.full(2 * 168, 300.0)
    volume[5], aht[5] = 1.0, 100.0  # Monday 05:00, week 1: one call of 100 s
    volume[168 + 5], aht[168 + 5] = 3.0, 400.0  # week 2: three calls of 400 s
    aht[7] = np.nan  # an interval nobody was handled in: ignored
    volume[7] = 0.0
    history = Series.regular("2024-01-01T00:00", volume, 60, aht_s=aht)
    forecast = fc.forecast_aht(history, 24, weeks=2)
    assert forecast.aht_s[5] == pytest.approx((100.0 + 3 * 400.0) / 4)
    assert forecast.basis_contacts[5] == 4.0
    assert forecast.aht_s[7] == pytest.approx(300.0)
    assert forecast.start[0] == np.datetime64("2024-01-15T00:00")
    with pytest.raises(ForecastInputError, match="history must carry aht_s"):
        fc.forecast_aht(Series.regular("2024-01-01T00:00", volume, 60), 24)


# ---------------------------------------------------------------------------------------------
# the Technion "Anonymous Bank" calls, 1999-02-01 .. 1999-02-14 (real data)
# ---------------------------------------------------------------------------------------------


def technion_calls_per_queue() -> dict[str, Series]:
    """Calls per service type and 30-minute interval of their VRU exit (local time, Israel).

    PHANTOM rows and HANG rows that never reached a queue (q_start 0:00:00) are left out; a
    call whose VRU exit is earlier than its entry crossed midnight and is counted on the next
    day; the two calls that left the VRU after the last midnight (on 1999-02-15) are dropped.
    """
    technion = require_shared(TECHNION)
    first = dt.date(1999, 2, 1)
    counts: dict[str, Counter[int]] = {}
    with technion.open(newline="", encoding="ascii") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["outcome"] == "PHANTOM" or (
                row["outcome"] == "HANG" and row["q_start"] == "0:00:00"
            ):
                continue
            day = (dt.datetime.strptime(row["date"], "%y%m%d").date() - first).days
            entry = [int(p) for p in row["vru_entry"].split(":")]
            exit_ = [int(p) for p in row["vru_exit"].split(":")]
            day += exit_ < entry
            if day >= 14:
                continue
            slot = day * SPD + (exit_[0] * 60 + exit_[1]) // 30
            counts.setdefault(row["type"], Counter())[slot] += 1
    out = {}
    for queue, per_slot in counts.items():
        values = np.zeros(14 * SPD)
        for slot, n in per_slot.items():
            values[slot] = n
        out[queue] = Series.regular("1999-02-01T00:00", values, 30)
    return out


@pytest.fixture(scope="module")
def technion() -> dict[str, Series]:
    return technion_calls_per_queue()


def test_technion_aggregation_keeps_the_calls_that_reached_the_system(
    technion: dict[str, Series],
) -> None:
    total = sum(float(s.values.sum()) for s in technion.values())
    # 17,456 rows - 143 PHANTOM - 1,023 HANG before any queue - 2 after the last midnight
    assert total == 16288
    assert {q for q, s in technion.items() if s.values.sum() / 14 >= 50} == {"PS", "NW", "NE"}


def test_technion_two_weeks_support_only_the_seasonal_naive(technion: dict[str, Series]) -> None:
    rows = fc.backtest(technion["PS"], fc.default_methods(), (1, 7), weeks=1)
    by = {(r.method, r.horizon_days): r for r in rows}
    naive1, naive7 = by[("SeasonalNaive", 1)], by[("SeasonalNaive", 7)]
    assert naive1.n_origins == 7 and naive7.n_origins == 1
    # the same intervals scored either way (last week's value); real day-to-day swings (PS had
    # 1,156 calls on Tuesday 2 February and 711 on Tuesday 9 February) make it 0.43
    assert naive1.wmape == pytest.approx(naive7.wmape)
    assert 0.3 < naive1.wmape < 0.55
    assert math.isnan(naive7.mase)  # a 7-day history has no week pair to scale by
    assert math.isfinite(naive1.mase)
    skipped = [r for r in rows if r.method != "SeasonalNaive"]
    assert all(r.skipped_reason is not None for r in skipped)
    assert fc.choose_method(rows) == "SeasonalNaive"
