"""Periods of performance views: local-day spans, bounds checks, months and years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ccops.errors import Invalid, Problem

EPOCH = date(1970, 1, 1)


OLDEST = date(1990, 1, 1)
NEWEST = date(2200, 12, 31)
DEFAULT_DAYS = 28
"""A view's period by default: the 28 days up to yesterday."""


def check_period(first: date, last: date) -> None:
    """Refuse a period outside 1990-2200 (dates a contact centre's data can have)."""
    for name, day in (("first", first), ("last", last)):
        if not OLDEST <= day <= NEWEST:
            raise Invalid(
                f"{name} {day} is outside {OLDEST} to {NEWEST}", [Problem("out of range", name)]
            )


def default_period(*, first: date | None, last: date | None) -> tuple[date, date]:
    """The period asked for; by default the 28 days up to yesterday (UTC)."""
    for day in (first, last):
        if day is not None:
            check_period(day, day)
    last = last or datetime.now(UTC).date() - timedelta(days=1)
    return first or last - timedelta(days=DEFAULT_DAYS - 1), last


def page_period(*, first: date | None, last: date | None) -> tuple[date, date]:
    """A page's period: as :func:`default_period`, and 28 days up to ``last`` if it is reversed
    (a page shows something rather than refusing)."""
    a, b = default_period(first=first, last=last)
    if b < a:
        a = b - timedelta(days=DEFAULT_DAYS - 1)
    return a, b


def floor_period(*, today: date | None = None) -> tuple[date, date]:
    """Four weeks of floor time: this week (its published schedule) and the three before."""
    today = today or datetime.now(UTC).date()
    sunday = today + timedelta(days=6 - today.weekday())
    return sunday - timedelta(days=27), sunday


TRAINING_DAYS = 90
"""QA items are read over the 90 days up to the period's end: enough answers per item."""
CHART_WEEKS = 12
"""A team's control chart shows the 12 weeks up to the period's end."""


def training_period(*, last: date) -> tuple[date, date]:
    """The days whose QA answers tell the training needs of a period ending on ``last``."""
    return last - timedelta(days=TRAINING_DAYS - 1), last


def chart_first(*, last: date) -> date:
    """The first day of a team's weekly control chart ending on ``last``."""
    return last - timedelta(days=7 * CHART_WEEKS - 1)


def team_page_first(*, first: date, last: date) -> date:
    """The first day a team's page reads contacts from: its chart's weeks and the period before
    ``first``..``last`` (the trend compares with it), never before 1990."""
    return max(OLDEST, min(chart_first(last=last), first - (last - first) - timedelta(days=1)))


def day_span(first: date, last: date) -> tuple[int, int]:
    check_period(first, last)
    if last < first:
        raise Invalid(f"the period ends ({last}) before it starts ({first})", [Problem("", "last")])
    if (last - first).days > 400:
        raise Invalid("a period is at most 400 days", [Problem("too long", "last")])
    return (first - EPOCH).days * 1440, ((last - EPOCH).days + 1) * 1440


# --- attrition --------------------------------------------------------------------------------


def attrition_period(*, first: date | None, last: date | None) -> tuple[date, date]:
    """The period of an attrition view: up to ``last`` (default yesterday), from ``first`` or else
    from the first of the month a year before."""
    if first is not None:
        first, last = default_period(first=first, last=last)
    else:
        last = default_period(first=None, last=last)[1]
    return first or (last - timedelta(days=365)).replace(day=1), last


def month_spans(first: date, last: date) -> list[tuple[date, date]]:
    out = []
    start = first.replace(day=1)
    while start <= last:
        nxt = (start + timedelta(days=32)).replace(day=1)
        out.append((max(start, first), min(nxt - timedelta(days=1), last)))
        start = nxt
    return out


def year_before(last: date) -> date:
    """The first day of the 12 months ending on ``last`` (29 February falls back to the 28th)."""
    try:
        start = last.replace(year=last.year - 1)
    except ValueError:
        start = last.replace(year=last.year - 1, day=28)
    return start + timedelta(days=1)
