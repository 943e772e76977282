"""Relative day and week selectors a user may type instead of a date (``yesterday``,
``launch+6``, ``next`` week), so commands in the docs keep working as the demo's dates move.

Pure: the caller passes today and, when asked for, the launch day it looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

_DAY = re.compile(r"^(today|yesterday|launch)\s*(?:([+-])\s*(\d{1,4}))?$", re.IGNORECASE)
_WEEKS = {"last": -1, "this": 0, "next": 1}

DAY_HELP = "YYYY-MM-DD, or today, yesterday, launch, with an offset in days (yesterday-6)"
WEEK_HELP = "ISO week (2026-W48), or last, this, next, launch (the week of the launch day)"


def monday_of(day: date) -> date:
    """The Monday of ``day``'s ISO week (the day itself on a Monday)."""
    return day - timedelta(days=day.weekday())


def next_working_day(day: date) -> date:
    """The first Monday-to-Friday day after ``day`` (Friday, Saturday and Sunday give the next
    Monday)."""
    after = day + timedelta(days=1)
    return after + timedelta(days=(7 - after.weekday()) % 7 if after.weekday() >= 5 else 0)


def is_relative_day(text: str) -> bool:
    """True when ``text`` is a relative day selector rather than a date."""
    return _DAY.match(text.strip()) is not None


def resolve_day(text: str, *, today: date, launch: Callable[[], date]) -> str:
    """The ISO date a selector stands for; any other text is returned as it is, for the date
    parser to accept or name as wrong. ``launch`` is called only when the text names it."""
    found = _DAY.match(text.strip())
    if found is None:
        return text
    name, sign, count = found.group(1).lower(), found.group(2), found.group(3)
    base = {"today": today, "yesterday": today - timedelta(days=1)}.get(name)
    day = base if base is not None else launch()
    if sign:
        day += timedelta(days=int(count) if sign == "+" else -int(count))
    return day.isoformat()


def resolve_week(text: str, *, today: date, launch: Callable[[], date]) -> str:
    """The ISO week (``YYYY-Www``) a week selector stands for; other text is returned as it is."""
    name = text.strip().lower()
    if name in _WEEKS:
        day = today + timedelta(weeks=_WEEKS[name])
    elif name == "launch":
        day = launch()
    else:
        return text
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
