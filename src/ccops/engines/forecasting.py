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
:func:`choose_method` picks the lowest wMAPE at 7 days; :func:`forecast_aht` forecasts the
volume-weighted handle time per interval.

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

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "INTERVAL_MINUTES",
    "AhtForecast",
    "AutoETSDaily",
    "BacktestRow",
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
    "choose_method",
    "default_methods",
    "forecast_aht",
    "holiday_calendar",
]

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]
DateTimeArray: TypeAlias = NDArray[np.datetime64]

INTERVAL_MINUTES: Final = (15, 30, 60)
"""Interval lengths a :class:`Series` may have, minutes."""

_MIN_PER_DAY: Final = 1440
_DAYS_PER_WEEK: Final = 7
_Z80: Final = 1.2815515655446004  # standard normal quantile 0.90
_Z95: Final = 1.959963984540054  # standard normal quantile 0.975
_QUANTILES: Final = np.array([0.025, 0.1, 0.9, 0.975])
_MIN_RESIDUALS: Final = 50  # fewer standardised residuals than this: Poisson bands instead
_MIN_DAY_SHARE: Final = 0.75  # a day's total is estimated when this much of its profile is seen
_UNUSUAL_Z: Final = 4.0  # an unusual day also differs from the median by > 4 Poisson sd
_LEVELS: Final = [80, 95]
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday (Monday = 0)


class ForecastInputError(ValueError):
    """An argument of a forecasting function is invalid (the message names it)."""


class InsufficientHistoryError(ForecastInputError):
    """The history is too short for a method or for the requested horizon."""


# ---------------------------------------------------------------------------------------------
# the series on its wall-clock grid
# ---------------------------------------------------------------------------------------------


def _float_array(value: ArrayLike, name: str, *, allow_nan: bool = True) -> FloatArray:
    """A 1-d float64 copy of ``value``; non-numeric, infinite or negative values raise."""
    raw = np.asarray(value)
    if raw.dtype.kind not in "iuf":
        raise ForecastInputError(f"{name} must be numeric, got dtype {raw.dtype}")
    arr = np.array(raw, dtype=np.float64).ravel()
    if np.isinf(arr).any():
        raise ForecastInputError(f"{name} must be finite or NaN (missing), got infinity")
    if not allow_nan and np.isnan(arr).any():
        raise ForecastInputError(f"{name} must not be NaN")
    negative = np.flatnonzero(arr < 0.0)
    if negative.size:
        i = int(negative[0])
        raise ForecastInputError(f"{name} must be >= 0, got {arr[i]:g} at position {i}")
    return arr


def _weekday(day: int | np.integer[Any] | IntArray) -> Any:
    """Weekday (Monday = 0) of days counted from 1970-01-01."""
    return (np.asarray(day) + _EPOCH_WEEKDAY) % _DAYS_PER_WEEK


class Series:
    """Interval volumes of one queue on the site's local wall-clock grid.

    Args:
        start: Interval starts in the site's **local wall clock**: ``numpy.datetime64`` values
            (any unit, whole minutes) or integers (local minutes since 1970-01-01 00:00). Any
            order; a start may appear twice only for the repeated hour of a daylight-saving
            fall-back, and the two are averaged (the slot holds the volume per occurrence).
        values: Contacts offered per interval, >= 0; NaN marks a gap or an outage (excluded
            from training, never read as zero). Intervals absent from ``start`` are NaN too.
        interval_min: Interval length, 15, 30 or 60 minutes; every start must be aligned to it.
        aht_s: Optional average handle time per interval, seconds (NaN where none was handled).
        aht_volume: Optional number of contacts behind each ``aht_s`` (the weights of the
            volume-weighted AHT); defaults to ``values``.

    Raises:
        ForecastInputError: A non-numeric, negative or infinite value, misaligned or repeated
            starts, mismatched lengths, or an unsupported interval length.

    Attributes (read-only arrays on the grid, which starts at local midnight of the first day):
        first_day: ``datetime64[D]`` of the grid's first day.
        slots_per_day: Intervals per local day, 1440 / interval_min.
        values: Volume per slot, NaN where missing.
        aht_s, aht_volume: Handle time and its weights per slot (or ``None``).
    """

    __slots__ = ("aht_s", "aht_volume", "first_day", "interval_min", "slots_per_day", "values")

    def __init__(
        self,
        start: ArrayLike,
        values: ArrayLike,
        interval_min: int = 30,
        *,
        aht_s: ArrayLike | None = None,
        aht_volume: ArrayLike | None = None,
    ) -> None:
        spd = _check_interval(interval_min)
        vals = _float_array(values, "values")
        minutes = _start_minutes(start)
        if minutes.size != vals.size:
            raise ForecastInputError(
                f"start and values must have the same length, got {minutes.size} and {vals.size}"
            )
        if vals.size == 0:
            raise ForecastInputError("values must not be empty")
        if np.any(minutes % interval_min):
            bad = int(np.flatnonzero(minutes % interval_min)[0])
            raise ForecastInputError(
                f"start must be aligned to {interval_min}-minute intervals, got "
                f"{np.datetime64(int(minutes[bad]), 'm')} at position {bad}"
            )
        first_day = int(minutes.min() // _MIN_PER_DAY)
        idx = (minutes - first_day * _MIN_PER_DAY) // interval_min
        size = int(idx.max()) + 1
        counts = np.bincount(idx, minlength=size)
        if counts.max() > 2:
            slot = int(np.argmax(counts))
            when = np.datetime64(first_day * _MIN_PER_DAY + slot * interval_min, "m")
            raise ForecastInputError(
                f"start repeats {when} {int(counts[slot])} times; only the repeated hour "
                "of a daylight-saving fall-back may appear (twice)"
            )
        grid = _mean_on_grid(idx, vals, size)
        aht_grid: FloatArray | None = None
        weight_grid: FloatArray | None = None
        if aht_s is not None:
            aht = _float_array(aht_s, "aht_s")
            weights = vals if aht_volume is None else _float_array(aht_volume, "aht_volume")
            if aht.size != vals.size or weights.size != vals.size:
                raise ForecastInputError("aht_s and aht_volume must have the length of values")
            ok = np.isfinite(aht) & np.isfinite(weights)
            w_sum = np.bincount(idx[ok], weights=weights[ok], minlength=size)
            wa_sum = np.bincount(idx[ok], weights=(aht * weights)[ok], minlength=size)
            aht_grid = np.where(w_sum > 0.0, wa_sum / np.where(w_sum > 0.0, w_sum, 1.0), np.nan)
            weight_grid = np.where(w_sum > 0.0, w_sum, np.nan)
            weight_grid = weight_grid / np.maximum(counts, 1)  # per occurrence, like values
        elif aht_volume is not None:
            raise ForecastInputError("aht_volume needs aht_s")
        self._set(interval_min, spd, np.datetime64(first_day, "D"), grid, aht_grid, weight_grid)

    def _set(
        self,
        interval_min: int,
        spd: int,
        first_day: np.datetime64,
        values: FloatArray,
        aht_s: FloatArray | None,
        aht_volume: FloatArray | None,
    ) -> None:
        for arr in (values, aht_s, aht_volume):
            if arr is not None:
                arr.flags.writeable = False
        object.__setattr__(self, "interval_min", interval_min)
        object.__setattr__(self, "slots_per_day", spd)
        object.__setattr__(self, "first_day", first_day)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "aht_s", aht_s)
        object.__setattr__(self, "aht_volume", aht_volume)

    interval_min: int
    slots_per_day: int
    first_day: np.datetime64
    values: FloatArray
    aht_s: FloatArray | None
    aht_volume: FloatArray | None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Series is read-only (tried to set {name})")

    @classmethod
    def regular(
        cls,
        first_start: np.datetime64 | str,
        values: ArrayLike,
        interval_min: int = 30,
        *,
        aht_s: ArrayLike | None = None,
        aht_volume: ArrayLike | None = None,
    ) -> Series:
        """A series of consecutive wall-clock intervals from ``first_start`` (no DST folding).

        Args:
            first_start: Local wall-clock start of the first interval.
            values: Volume per interval (NaN = missing).
            interval_min: 15, 30 or 60.
            aht_s: Optional handle time per interval, seconds.
            aht_volume: Optional weights of ``aht_s``.

        Returns:
            The series.
        """
        _check_interval(interval_min)
        size = np.asarray(values).size
        first = np.array(first_start, dtype="datetime64[m]")
        start = first + np.arange(size, dtype=np.int64) * np.timedelta64(interval_min, "m")
        return cls(start, values, interval_min, aht_s=aht_s, aht_volume=aht_volume)

    @classmethod
    def _from_grid(
        cls,
        interval_min: int,
        first_day: np.datetime64,
        values: FloatArray,
        aht_s: FloatArray | None = None,
        aht_volume: FloatArray | None = None,
    ) -> Series:
        obj = cls.__new__(cls)
        obj._set(interval_min, _MIN_PER_DAY // interval_min, first_day, values, aht_s, aht_volume)
        return obj

    @property
    def slots_per_week(self) -> int:
        """Intervals per week."""
        return self.slots_per_day * _DAYS_PER_WEEK

    @property
    def start(self) -> DateTimeArray:
        """Local wall-clock start of every grid slot, ``datetime64[m]``."""
        return self._starts(0, self.values.size)

    @property
    def end(self) -> np.datetime64:
        """Local wall-clock end of the last slot (where a forecast starts), ``datetime64[m]``."""
        end: np.datetime64 = self._starts(self.values.size, 1)[0]
        return end

    @property
    def phase(self) -> int:
        """Slot of the week (Monday 00:00 = 0) of the grid's first slot."""
        day = int(self.first_day.astype(np.int64))
        return int(_weekday(day)) * self.slots_per_day

    def history_days(self) -> float:
        """Days of history: from local midnight of the first observed day to the series end."""
        observed = np.flatnonzero(np.isfinite(self.values))
        if observed.size == 0:
            return 0.0
        first = int(observed[0]) // self.slots_per_day * self.slots_per_day
        return (self.values.size - first) / self.slots_per_day

    def _starts(self, offset: int, count: int) -> DateTimeArray:
        base = self.first_day.astype("datetime64[m]")
        steps = np.arange(offset, offset + count, dtype=np.int64) * self.interval_min
        out: DateTimeArray = base + steps.astype("timedelta64[m]")
        return out

    def _head(self, stop: int, start: int = 0) -> Series:
        """The grid slots [start, stop) as a series; ``start`` must be a day boundary."""
        day0 = self.first_day + np.timedelta64(start // self.slots_per_day, "D")
        aht = None if self.aht_s is None else self.aht_s[start:stop]
        vol = None if self.aht_volume is None else self.aht_volume[start:stop]
        return Series._from_grid(self.interval_min, day0, self.values[start:stop], aht, vol)

    def __repr__(self) -> str:
        return (
            f"Series(first_day={self.first_day}, interval_min={self.interval_min}, "
            f"slots={self.values.size}, missing={int(np.isnan(self.values).sum())})"
        )


def _check_interval(interval_min: object) -> int:
    if isinstance(interval_min, bool) or interval_min not in INTERVAL_MINUTES:
        raise ForecastInputError(f"interval_min must be one of 15, 30, 60, got {interval_min!r}")
    assert isinstance(interval_min, int)
    return _MIN_PER_DAY // interval_min


def _start_minutes(start: ArrayLike) -> IntArray:
    raw = np.asarray(start).ravel()
    if raw.dtype.kind == "M":
        if np.isnat(raw).any():
            raise ForecastInputError("start must not contain NaT")
        minutes = raw.astype("datetime64[m]")
        if np.any(minutes != raw):
            raise ForecastInputError("start must be whole minutes")
        return minutes.astype(np.int64)
    if raw.dtype.kind in "iu":
        return raw.astype(np.int64)
    raise ForecastInputError(
        f"start must be numpy datetime64 or integer local minutes, got dtype {raw.dtype}"
    )


def _mean_on_grid(idx: IntArray, vals: FloatArray, size: int) -> FloatArray:
    ok = np.isfinite(vals)
    total = np.bincount(idx[ok], weights=vals[ok], minlength=size)
    count = np.bincount(idx[ok], minlength=size)
    out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


# ---------------------------------------------------------------------------------------------
# forecasts, events
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Forecast:
    """A forecast on the wall-clock grid, one value per interval.

    Attributes:
        method: Name of the method that made it.
        start: Local wall-clock start of each forecast interval, ``datetime64[m]``.
        point: Point forecast, contacts per interval (>= 0).
        lo80, hi80, lo95, hi95: Bounds of the 80% and 95% prediction intervals (>= 0,
            ``lo95 <= lo80 <= point <= hi80 <= hi95``).
        interval_source: How the intervals were made: ``"model"``, ``"empirical"`` (quantiles
            of in-sample rolling errors), ``"model+empirical"`` or ``"poisson"``.
        notes: Anything the planner should know (skipped event effects, fallbacks).
    """

    method: str
    start: DateTimeArray
    point: FloatArray
    lo80: FloatArray
    hi80: FloatArray
    lo95: FloatArray
    hi95: FloatArray
    interval_source: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class AhtForecast:
    """Average handle time per forecast interval.

    Attributes:
        start: Local wall-clock start of each interval, ``datetime64[m]``.
        aht_s: Volume-weighted average handle time, seconds.
        basis_contacts: Number of past contacts behind each estimate (its weight).
    """

    start: DateTimeArray
    aht_s: FloatArray
    basis_contacts: FloatArray


@dataclass(frozen=True)
class Event:
    """A special day of a site or queue.

    Attributes:
        day: Local date of the event (one row per day; a three-day campaign is three events).
        kind: Its kind, for example ``"launch"``, ``"bill_run"`` or
            ``"holiday:CN:National Day"``. Kinds are hierarchical on ``":"``: an effect that
            cannot be learned for ``"holiday:CN:National Day"`` is learned from all
            ``"holiday:CN"`` events, then all ``"holiday"`` events.
        effect_pct: The planner's effect, percent change of the day's volume (+30 = 30% more,
            -100 = closed); ``None`` to learn it from past events of the kind.
    """

    day: dt.date
    kind: str
    effect_pct: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.day, dt.date) or isinstance(self.day, dt.datetime):
            raise ForecastInputError(f"day must be a datetime.date, got {self.day!r}")
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ForecastInputError(f"kind must be a non-empty string, got {self.kind!r}")
        if self.effect_pct is not None and not (
            isinstance(self.effect_pct, int | float)
            and math.isfinite(self.effect_pct)
            and self.effect_pct >= -100.0
        ):
            raise ForecastInputError(
                f"effect_pct must be a finite percentage >= -100, got {self.effect_pct!r}"
            )


@dataclass(frozen=True)
class LearnedEffect:
    """The effect of a kind of event learned from history.

    Attributes:
        kind: The kind (or kind prefix) it was learned for.
        ratio: sum of actual volume / sum of baseline volume over its past events.
        n_events: Number of past event days it is based on.
    """

    kind: str
    ratio: float
    n_events: int


def _kind_prefixes(kind: str) -> list[str]:
    """``"a:b:c"`` -> ``["a:b:c", "a:b", "a"]``."""
    parts = kind.split(":")
    return [":".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


@dataclass(frozen=True)
class EventCalendar:
    """Special days of one site or queue (holidays, launches, campaigns, bill runs).

    Event days in a history are excluded from every method's training data; the forecast of a
    future event day is the method's forecast times the event's multiplier: ``1 +
    effect_pct/100`` when the planner set it, else the ratio learned by :meth:`learn_effects`
    (no adjustment, with a note, when neither exists). On a day with several events the
    planner's effects multiply, and of the learned ones only the strongest (furthest from 1)
    applies: learned effects were measured on days where the events coincided (two countries'
    shared holiday, say), so multiplying them would count one effect twice. The effect scales
    the whole day uniformly (the intraday shape of the weekday is kept). A (day, kind) pair may
    appear once.

    Attributes:
        events: The events.
    """

    events: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        events = tuple(self.events)
        seen: set[tuple[dt.date, str]] = set()
        for event in events:
            if not isinstance(event, Event):
                raise ForecastInputError(f"events must be Event objects, got {event!r}")
            if (event.day, event.kind) in seen:
                raise ForecastInputError(f"events: {event.kind} on {event.day} appears twice")
            seen.add((event.day, event.kind))
        object.__setattr__(self, "events", events)

    def __add__(self, other: EventCalendar) -> EventCalendar:
        return EventCalendar(self.events + other.events)

    def day_numbers(self) -> IntArray:
        """Distinct event days, as days since 1970-01-01."""
        return np.unique(np.array([_day_number(e.day) for e in self.events], dtype=np.int64))

    def learn_effects(
        self, history: Series, *, baseline_weeks: int = 4
    ) -> dict[str, LearnedEffect]:
        """Learn each kind's effect from its past events in ``history``.

        For an event day d the baseline of each slot is the mean of that slot over the last
        ``baseline_weeks`` same weekdays before d that are not event days and were observed
        (looking back at most four times as far). The ratio of a kind is
        sum(actual) / sum(baseline) over all its event days and over the slots observed in both
        (a ratio of sums, robust to quiet slots); every kind prefix (see :class:`Event`) pools
        the events below it.

        Args:
            history: The series to learn from (its own gaps are skipped).
            baseline_weeks: Same-weekday days in each baseline, >= 1.

        Returns:
            Learned effects by kind and kind prefix; kinds with no usable past event are absent.

        Raises:
            ForecastInputError: ``baseline_weeks`` < 1.
        """
        _positive_int(baseline_weeks, "baseline_weeks")
        spd = history.slots_per_day
        days = _day_rows(history.values, spd)
        day0 = int(history.first_day.astype(np.int64))
        n_days = days.shape[0]
        event_days = set((self.day_numbers() - day0).tolist())
        num: dict[str, float] = {}
        den: dict[str, float] = {}
        count: dict[str, int] = {}
        for event in self.events:
            d = _day_number(event.day) - day0
            if not 0 <= d < n_days:
                continue
            actual = days[d]
            previous = [
                days[p]
                for p in range(d - 7, max(d - 28 * baseline_weeks, 0) - 1, -7)
                if p >= 0 and p not in event_days and np.isfinite(days[p]).any()
            ][:baseline_weeks]
            if not previous:
                continue
            base = _nanmean_rows(np.vstack(previous))
            ok = np.isfinite(actual) & np.isfinite(base)
            b = float(base[ok].sum())
            if b <= 0.0:
                continue
            for key in _kind_prefixes(event.kind):
                num[key] = num.get(key, 0.0) + float(actual[ok].sum())
                den[key] = den.get(key, 0.0) + b
                count[key] = count.get(key, 0) + 1
        return {k: LearnedEffect(k, num[k] / den[k], count[k]) for k in num}

    def multipliers(
        self, day_numbers: IntArray, learned: Mapping[str, LearnedEffect]
    ) -> tuple[FloatArray, tuple[str, ...]]:
        """The volume multiplier of each day (1 where no event) and notes on unknown effects.

        Args:
            day_numbers: Days since 1970-01-01.
            learned: Learned effects (from :meth:`learn_effects`).

        Returns:
            (multiplier per day, notes).
        """
        out = np.ones(day_numbers.shape)
        strongest = np.ones(day_numbers.shape)  # the learned ratio furthest from 1, per day
        notes: list[str] = []
        lookup = {int(d): i for i, d in enumerate(day_numbers.tolist())}
        for event in self.events:
            i = lookup.get(_day_number(event.day))
            if i is None:
                continue
            if event.effect_pct is not None:
                out[i] *= 1.0 + event.effect_pct / 100.0
                continue
            effect = next((learned[k] for k in _kind_prefixes(event.kind) if k in learned), None)
            if effect is None:
                notes.append(
                    f"{event.day} {event.kind}: no past event of this kind in the history to "
                    "learn from; forecast not adjusted (set effect_pct to plan it)"
                )
            elif abs(math.log(max(effect.ratio, 1e-9))) > abs(math.log(max(strongest[i], 1e-9))):
                strongest[i] = effect.ratio
        return out * strongest, tuple(notes)


def holiday_calendar(
    country_codes: Sequence[str], years: Iterable[int], *, language: str = "en_US"
) -> EventCalendar:
    """Public holidays of the given countries from the ``holidays`` package.

    Each holiday becomes an :class:`Event` of kind ``"holiday:<CC>:<name>"`` with the effect
    to be learned (``effect_pct=None``); the name is the package's, cut before any
    parenthesis, so that "(observed)" days and a festival's several days share a kind (for
    example ``"holiday:CN:Chinese New Year"``, ``"holiday:CN:Day off"`` for substituted days
    off). Weekend days that a country makes working days (China's adjusted working days) become
    events of kind ``"workday:<CC>"``.

    Args:
        country_codes: ISO 3166-1 alpha-2 codes, for example ``["CN", "IL"]``.
        years: Calendar years to include.
        language: Language of the names where the country supports it (else its default).

    Returns:
        The calendar.

    Raises:
        ForecastInputError: An unknown country code, or no years.
    """
    import holidays

    year_list = sorted({int(y) for y in years})
    if not year_list:
        raise ForecastInputError("years must not be empty")
    events: dict[tuple[dt.date, str], Event] = {}
    for code in country_codes:
        try:
            probe = holidays.country_holidays(code, years=year_list[0])
        except NotImplementedError as exc:
            raise ForecastInputError(f"country_codes: unknown country {code!r}") from exc
        lang = language if language in probe.supported_languages else None
        table = holidays.country_holidays(code, years=year_list, language=lang)
        for day, names in sorted(table.items()):
            for name in str(names).split("; "):
                label = name.split(" (")[0].strip() or name
                kind = f"holiday:{code}:{label}"
                events.setdefault((day, kind), Event(day, kind))
        for day in sorted(table.weekend_workdays):
            if day.year in year_list:
                events.setdefault((day, f"workday:{code}"), Event(day, f"workday:{code}"))
    return EventCalendar(tuple(events.values()))


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
    """

    daily_model: Literal["average", "ets"] = "average"
    daily_weeks: int = 4
    profile_weeks: int = 8
    name: str = "TopDown"
    window_weeks: int | None = 16
    unusual_day: tuple[float, float] | None = None

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
        profile = _weekday_profiles(days, weekday, self.profile_weeks)
        share = np.where(np.isfinite(days), profile[weekday], 0.0).sum(axis=1)
        seen = np.where(np.isfinite(days), days, 0.0).sum(axis=1)
        totals = np.where(share >= _MIN_DAY_SHARE, seen / np.maximum(share, 1e-300), np.nan)
        n_ahead = -(-(padded.size - n_full * spd + h) // spd)
        f_weekday = (wd0 + n_full + np.arange(n_ahead)) % _DAYS_PER_WEEK
        if self.daily_model == "ets":
            d_hat, sd_d = _ets_daily(totals, weekday, f_weekday, self.daily_weeks)
            source = "model+empirical"
        else:
            d_hat, sd_d = _average_daily(totals, weekday, f_weekday, self.daily_weeks)
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


def _weekday_profiles(days: FloatArray, weekday: IntArray, n_weeks: int) -> FloatArray:
    """Per weekday, the mean of each slot over its last ``n_weeks`` observed days, sum 1."""
    spd = days.shape[1]
    out = np.empty((_DAYS_PER_WEEK, spd))
    overall = _nanmean_rows(days) if days.size else np.full(spd, np.nan)
    for w in range(_DAYS_PER_WEEK):
        mine = days[weekday == w]
        prof = _last_n_mean(mine, n_weeks) if mine.size else np.full(spd, np.nan)
        prof = np.where(np.isfinite(prof), prof, overall)
        prof = np.where(np.isfinite(prof), prof, 0.0)
        total = prof.sum()
        out[w] = prof / total if total > 0.0 else 1.0 / spd
    return out


def _average_daily(
    totals: FloatArray, weekday: IntArray, f_weekday: IntArray, n_weeks: int
) -> tuple[FloatArray, FloatArray]:
    """Weekday-average daily forecast and its sd from in-sample rolling relative errors."""
    by_weekday = np.full(_DAYS_PER_WEEK, np.nan)
    rel: list[float] = []
    for w in range(_DAYS_PER_WEEK):
        mine = totals[weekday == w]
        by_weekday[w] = _last_n_mean(mine[:, None], n_weeks)[0] if mine.size else np.nan
        fitted = _rolling_mean_forecasts(mine[:, None], n_weeks, 1)[:, 0]
        ok = np.isfinite(mine) & np.isfinite(fitted) & (fitted > 0.0)
        rel += ((mine[ok] - fitted[ok]) / fitted[ok]).tolist()
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


# ---------------------------------------------------------------------------------------------
# backtests
# ---------------------------------------------------------------------------------------------


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
            (a closed interval, actual and upper bound both 0, is covered trivially).
        coverage95: Share of actuals inside the 95% interval, likewise.
        n_origins: Origins scored.
        skipped_reason: Why the method was not scored (then the measures are NaN), else None.
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
        }


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
    for o in sorted(plan):
        stop = o * spd
        start = 0 if window_weeks is None else max(0, stop - window_weeks * spw)
        history = series._head(stop, start)
        q = _seasonal_naive_mae(history.values, spw)
        h_max = max(plan[o]) * spd
        for method in methods:
            try:
                fc = method.fit_predict(history, h_max, calendar)
            except InsufficientHistoryError as exc:
                for h in plan[o]:
                    scores[(method.name, h)].reasons.append(str(exc))
                continue
            for h in plan[o]:
                _score(scores[(method.name, h)], fc, y[stop : stop + h * spd], q)
    rows = []
    for method in methods:
        for h in horizons:
            s = scores[(method.name, h)]
            if s.origins == 0:
                reason = s.reasons[-1] if s.reasons else "no scorable interval"
                nan = math.nan
                rows.append(BacktestRow(method.name, h, nan, nan, nan, nan, nan, nan, 0, reason))
                continue
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
                )
            )
    return rows


def _score(score: _Score, fc: Forecast, actual: FloatArray, q: float) -> None:
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
    open_ = (a > 0.0) | (fc.hi95[:k][ok] > 0.0)  # closed hours are covered trivially
    lo80, hi80 = fc.lo80[:k][ok][open_], fc.hi80[:k][ok][open_]
    lo95, hi95 = fc.lo95[:k][ok][open_], fc.hi95[:k][ok][open_]
    score.n_open += int(open_.sum())
    score.in80 += int(((a[open_] >= lo80) & (a[open_] <= hi80)).sum())
    score.in95 += int(((a[open_] >= lo95) & (a[open_] <= hi95)).sum())
    score.origins += 1


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
