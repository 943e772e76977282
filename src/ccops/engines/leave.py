"""Time-off allowances and the vacation planner's open slots: pure arithmetic, no I/O.

Accrual: an annual allowance is either credited whole on the first day of the year
(``upfront``) or one twelfth on the first day of each month (``monthly``).

Open slots: a day's slots are how many more people may be off that day with every staffed
interval still meeting its requirement. With ``s_t`` the net agents scheduled and ``r_t`` the
agents the staffing engine requires in interval ``t`` (both per queue), removing one person who
works the whole day removes at most one agent from each of their intervals, so the day has
``floor(min_t (s_t - r_t))`` slots (never fewer than 0), minus the requests already waiting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Literal

Accrual = Literal["upfront", "monthly"]

EPS = 1e-9
"""Tolerance below a whole number of agents (0.9999999999 surplus counts as 1)."""


def accrued_h(*, annual_h: float, accrual: Accrual, on: date) -> float:
    """Hours of the annual allowance credited on or before the day ``on`` of its year.

    Args:
        annual_h: the year's allowance in hours (>= 0).
        accrual: ``upfront`` (all on 1 January) or ``monthly`` (annual_h / 12 on each 1st).
        on: the day asked about.

    Returns:
        Hours credited by that day.
    """
    if annual_h < 0:
        raise ValueError("annual_h must be >= 0")
    if accrual == "upfront":
        return annual_h
    return annual_h * on.month / 12.0


def open_slots(*, scheduled: Sequence[float], required: Sequence[float], waiting: int = 0) -> int:
    """Slots open on a day: ``max(0, floor(min_t(scheduled_t - required_t)) - waiting)``.

    Args:
        scheduled: net agents scheduled per interval (the day's staffed intervals).
        required: agents required per interval by the staffing engine (same length).
        waiting: requests already asking for the day and not yet in the schedule.

    Returns:
        Whole people who may still be off; 0 when no interval is given (no plan, no slot).
    """
    if len(scheduled) != len(required):
        raise ValueError("scheduled and required must have the same length")
    if not scheduled:
        return 0
    surplus = min(s - r for s, r in zip(scheduled, required, strict=True))
    return max(0, math.floor(surplus + EPS) - max(0, waiting))
