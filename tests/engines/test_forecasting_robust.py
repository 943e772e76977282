"""Tests of the robust (outlier-damped) averages: ``unusual_day`` of HistoricalAverage and
TopDown, and of the Technion 1999 benchmark file against the two weeks of the real call log
(the shared data folder, see tests/plugins/data.py)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from ccops.engines import forecasting as fc
from ccops.engines.forecasting import ForecastInputError, Series, arrays
from tests.plugins.data import TECHNION, require_shared

from .test_forecasting import SPD, SPW, expected_volume

ROBUST = (0.6, 1.5)
YEAR_FILE = (
    Path(__file__).resolve().parents[2]
    / "benchmarks"
    / "data"
    / "technion_anonymous_bank_1999_15min.csv.gz"
)


def _week_history(n_weeks: int = 8) -> np.ndarray:
    """Exact expected volumes (no noise), 30-minute slots, starting on a Monday."""
    return expected_volume(n_weeks * 7, daily=4000.0)


def test_robust_average_skips_an_outage_day_missing_from_the_calendar() -> None:
    lam = _week_history(9)
    y = lam[: 8 * SPW].copy()
    wednesday = 7 * SPW + 2 * SPD  # the last Wednesday before the forecast
    y[wednesday : wednesday + SPD] *= 0.02  # a telephony outage nobody marked
    history = Series.regular("2024-01-01T00:00", y, 30)
    truth = lam[8 * SPW :]
    plain = fc.HistoricalAverage().fit_predict(history, SPW).point
    robust = fc.HistoricalAverage(unusual_day=ROBUST).fit_predict(history, SPW).point
    assert_allclose(robust, truth, rtol=1e-12)  # the week before stands in for the outage
    wed = slice(2 * SPD, 3 * SPD)
    assert plain[wed].sum() == pytest.approx(truth[wed].sum() * (5 + 0.02) / 6)
    assert_allclose(plain[: 2 * SPD], truth[: 2 * SPD], rtol=1e-12)  # other days unaffected


def test_robust_top_down_skips_a_surge_day_and_keeps_usual_days() -> None:
    lam = _week_history(9)
    y = lam[: 8 * SPW].copy()
    monday = 7 * SPW
    y[monday : monday + SPD] *= 3.0  # a one-off surge (a mailing error)
    history = Series.regular("2024-01-01T00:00", y, 30)
    truth = lam[8 * SPW :]
    plain = fc.TopDown().fit_predict(history, SPW).point
    robust = fc.TopDown(unusual_day=ROBUST).fit_predict(history, SPW).point
    assert_allclose(robust, truth, rtol=1e-9)
    assert plain[:SPD].sum() == pytest.approx(truth[:SPD].sum() * (3 + 3.0) / 4)


def test_robust_average_equals_the_plain_one_on_usual_noisy_days() -> None:
    """Poisson noise of 4,000 calls a day (sd 1.6% of a day) flags no day: same forecast."""
    lam = _week_history(10)
    y = np.random.default_rng(7).poisson(lam).astype(float)
    history = Series.regular("2024-01-01T00:00", y, 30)
    for plain, robust in (
        (fc.HistoricalAverage(), fc.HistoricalAverage(unusual_day=ROBUST)),
        (fc.TopDown(), fc.TopDown(unusual_day=ROBUST)),
    ):
        a, b = plain.fit_predict(history, SPW), robust.fit_predict(history, SPW)
        assert_array_equal(a.point, b.point)
        assert_array_equal(a.hi95, b.hi95)


def test_small_queues_are_not_damped_by_poisson_noise() -> None:
    """20 calls a day: a day of 10 or 32 is within 4 Poisson sd of the median, so it stays."""
    y = np.zeros(6 * SPW)
    for day in range(42):
        y[day * SPD + 20] = 20.0
    y[5 * SPW + 20] = 10.0  # ratio 0.5, below 0.6, but only 2.2 sd
    y[5 * SPW + SPD + 20] = 32.0  # ratio 1.6, above 1.5, but only 2.7 sd
    phase = 0  # Monday 00:00
    out = arrays._damp_unusual_days(y, phase, SPD, *ROBUST)
    assert_array_equal(out, y)
    y[5 * SPW + 2 * SPD + 20] = 0.0  # a whole day lost: 4.5 sd below the median
    out = arrays._damp_unusual_days(y, phase, SPD, *ROBUST)
    lost = slice(5 * SPW + 2 * SPD, 5 * SPW + 3 * SPD)
    assert np.isnan(out[lost]).all()
    assert np.isfinite(np.delete(out, np.arange(lost.start, lost.stop))).all()


def test_the_calendar_still_learns_from_event_days_the_robust_average_skips() -> None:
    """A recurring event is masked and learned by the calendar, not damped as unusual."""
    lam = _week_history(9)
    y = lam[: 8 * SPW].copy()
    days = [dt.date(2024, 1, 3) + dt.timedelta(weeks=k) for k in (2, 4, 6)]  # Wednesdays
    for day in days:
        i = (day - dt.date(2024, 1, 1)).days * SPD
        y[i : i + SPD] *= 0.3
    future = dt.date(2024, 1, 3) + dt.timedelta(weeks=8)
    calendar = fc.EventCalendar(tuple(fc.Event(d, "strike") for d in [*days, future]))
    history = Series.regular("2024-01-01T00:00", y, 30)
    got = fc.HistoricalAverage(unusual_day=ROBUST).fit_predict(history, SPW, calendar).point
    truth = lam[8 * SPW :].copy()
    truth[2 * SPD : 3 * SPD] *= 0.3
    assert_allclose(got, truth, rtol=1e-9)


@pytest.mark.parametrize(
    "bounds",
    [(0.6,), (1.2, 1.5), (-0.1, 1.5), (0.6, 0.9), (0.6, float("inf")), ("a", 2.0), 3.0],
)
def test_bad_unusual_day_bounds_are_refused_naming_the_argument(bounds: object) -> None:
    with pytest.raises(ForecastInputError, match="unusual_day"):
        fc.HistoricalAverage(unusual_day=bounds)  # type: ignore[arg-type]
    with pytest.raises(ForecastInputError, match="unusual_day"):
        fc.TopDown(unusual_day=bounds)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    days=st.integers(8, 40),
    lead_in=st.integers(0, SPD - 1),
    phase_day=st.integers(0, 6),
    low=st.floats(0.0, 0.95),
    high=st.floats(1.05, 5.0),
)
def test_damping_only_blanks_whole_observed_days(
    seed: int, days: int, lead_in: int, phase_day: int, low: float, high: float
) -> None:
    """Invariant: finite values are kept or set to NaN a whole grid day at a time."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.0, 50.0, size=days)[:, None] * np.ones(SPD)
    y = rng.poisson(level).astype(float).ravel()[lead_in:]
    y[rng.random(y.size) < 0.02] = np.nan
    phase = phase_day * SPD + lead_in
    out = arrays._damp_unusual_days(y, phase, SPD, low, high)
    assert out.shape == y.shape
    kept = np.isfinite(out)
    assert_array_equal(out[kept], y[kept])
    assert not (kept & np.isnan(y)).any()
    blank = np.concatenate([np.zeros(lead_in, dtype=bool), np.isnan(out) & np.isfinite(y)])
    grid = np.concatenate([blank, np.zeros(-blank.size % SPD, dtype=bool)]).reshape(-1, SPD)
    touched = grid.any(axis=1)
    padded_y = np.concatenate([np.full(lead_in, np.nan), y])
    padded_y = np.concatenate([padded_y, np.full(-padded_y.size % SPD, np.nan)])
    observed = np.isfinite(padded_y.reshape(-1, SPD))
    # a blanked day had every slot observed, and all of them are blanked
    assert_array_equal(grid[touched], observed[touched])


# ---------------------------------------------------------------------------------------------
# the Technion 1999 benchmark file
# ---------------------------------------------------------------------------------------------


def test_the_1999_file_agrees_with_the_two_weeks_in_shared_data() -> None:
    """Feb 1-14 of the derived 15-minute file = the same rule applied to the shared raw log."""
    technion = require_shared(TECHNION)
    raw: Counter[tuple[str, int]] = Counter()
    first = dt.date(1999, 2, 1)
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
            if day < 14:
                raw[(row["type"], day * 96 + (exit_[0] * 60 + exit_[1]) // 15)] += 1
    derived: Counter[tuple[str, int]] = Counter()
    with gzip.open(YEAR_FILE, "rt", encoding="ascii", newline="") as handle:
        for row in csv.DictReader(handle):
            day = (dt.date.fromisoformat(row["date"]) - first).days
            if 0 <= day < 14:
                derived[(row["type"], day * 96 + int(row["slot"]))] += int(row["offered"])
    assert derived == raw
    assert sum(raw.values()) == 16288  # as in test_forecasting's 30-minute aggregation
