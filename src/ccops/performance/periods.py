"""Periods of performance views: local-day spans, bounds checks, months and years."""

from __future__ import annotations

from datetime import date, timedelta

from ccops.errors import Invalid, Problem

EPOCH = date(1970, 1, 1)


OLDEST = date(1990, 1, 1)
NEWEST = date(2200, 12, 31)


def check_period(first: date, last: date) -> None:
    """Refuse a period outside 1990-2200 (dates a contact centre's data can have)."""
    for name, day in (("first", first), ("last", last)):
        if not OLDEST <= day <= NEWEST:
            raise Invalid(
                f"{name} {day} is outside {OLDEST} to {NEWEST}", [Problem("out of range", name)]
            )


def day_span(first: date, last: date) -> tuple[int, int]:
    check_period(first, last)
    if last < first:
        raise Invalid(f"the period ends ({last}) before it starts ({first})", [Problem("", "last")])
    if (last - first).days > 400:
        raise Invalid("a period is at most 400 days", [Problem("too long", "last")])
    return (first - EPOCH).days * 1440, ((last - EPOCH).days + 1) * 1440


# --- attrition --------------------------------------------------------------------------------


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
