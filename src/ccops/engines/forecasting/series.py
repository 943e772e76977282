"""The wall-clock series a forecast is made from, the forecasts it gives, and input checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
