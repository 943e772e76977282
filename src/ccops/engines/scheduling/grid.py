"""The time grid, array type aliases and small clock and number helpers of the scheduler."""

from __future__ import annotations

import math
from typing import Final, TypeAlias

import numpy as np
from numpy.typing import NDArray

from ccops.engines.scheduling.errors import SchedulingInputError

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

GRID_MIN: Final = 15
"""Shift start times, shift lengths and break windows are on this grid of minutes."""

DAY_MIN: Final = 1440
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INF: Final = math.inf
_SCALE: Final = 100  # CP-SAT objective: cost units x 100, rounded to integers


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def hhmm(text: str) -> int:
    """Minutes of the day of a ``"HH:MM"`` clock time (``"24:00"`` allowed).

    Raises:
        SchedulingInputError: the text is not a clock time.
    """
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError) as exc:
        raise SchedulingInputError(f"{text!r} is not a clock time HH:MM") from exc
    if not 0 <= int(minutes) < 60 or not 0 <= value <= DAY_MIN:
        raise SchedulingInputError(f"{text!r} is not a clock time HH:MM")
    return value


def start_times(first: str | int, last: str | int, step_min: int = GRID_MIN) -> tuple[int, ...]:
    """Start times from ``first`` to ``last`` inclusive every ``step_min`` minutes.

    Args:
        first: first start, ``"HH:MM"`` or minutes of the day.
        last: last start, ``"HH:MM"`` or minutes of the day.
        step_min: spacing in minutes (a multiple of 15).

    Returns:
        Minutes of the day, ascending.
    """
    lo = hhmm(first) if isinstance(first, str) else int(first)
    hi = hhmm(last) if isinstance(last, str) else int(last)
    if step_min <= 0 or step_min % GRID_MIN:
        raise SchedulingInputError(f"step_min must be a positive multiple of {GRID_MIN}")
    return tuple(range(lo, hi + 1, step_min))


def _clock(minute: int) -> str:
    minute %= DAY_MIN
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _finite(value: float) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))
