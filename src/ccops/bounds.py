"""The range of dates and times a user may ask for or enter, in one place.

Python dates stop at years 1 and 9999, so a date near either end (``0001-01-01``, ``9999-12-31``)
overflows as soon as a page looks a week back or a day ahead, and the request used to end in a
server error. Every date a user gives (query parameters, form and JSON fields) is held to
``FIRST_DAY``..``LAST_DAY``, far from both ends and wide enough for any real hire date or plan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator

from ccops.errors import Invalid, Problem

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def out_of_range(day: date) -> str | None:
    """Why ``day`` is refused, or None when it is within the range."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is out of range: use a date from {FIRST_DAY} to {LAST_DAY}"


def _check_date(day: date) -> date:
    problem = out_of_range(day)
    if problem:
        raise ValueError(problem)
    return day


def _check_datetime(at: datetime) -> datetime:
    # the UTC date too: a local time on the last day can be the next day in UTC
    utc = at.astimezone(UTC) if at.tzinfo is not None else at
    _check_date(at.date())
    _check_date(utc.date())
    return at


Day = Annotated[date, AfterValidator(_check_date)]
"""A date within ``FIRST_DAY``..``LAST_DAY`` (pydantic fields and query parameters)."""
Moment = Annotated[datetime, AfterValidator(_check_datetime)]
"""A date and time whose date is within ``FIRST_DAY``..``LAST_DAY``."""


def parse_day(value: str | None, field: str = "date") -> date | None:
    """Parse an ISO date given by a user (None when empty); refuse bad or out-of-range ones."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            f"{field}: {value[:40]!r} is not a date (YYYY-MM-DD)",
            [Problem("not a date", field=field)],
        ) from None
    problem = out_of_range(day)
    if problem:
        raise Invalid(f"{field}: {problem}", [Problem(problem, field=field)])
    return day
