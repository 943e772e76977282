"""Business time: adding and measuring durations in opening hours.

A :class:`BusinessCalendar` holds local opening spans per weekday (0 = Monday; split shifts
allowed, ``"24:00"`` allowed as an end), local holiday dates and an IANA time zone. Spans are
turned into real instants with :mod:`zoneinfo`, so a daylight-saving day counts its real hours:
a 00:00-24:00 day is 23 h long in spring and 25 h in autumn. A local time that does not exist
(inside the spring gap) is read with the offset before the change (``fold=0``), i.e. it lands at
the same instant as the end of the gap; an ambiguous time (autumn) is its first occurrence.

``add_business_seconds`` walks forward from an aware instant; a start outside business hours
starts counting at the next opening. ``business_seconds_between`` sums the business seconds in
``[start, end)`` (negative when ``end`` is before ``start``). Nothing here imports ccops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "BusinessTimeError",
    "add_business_seconds",
    "business_seconds_between",
    "next_opening",
]

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_MAX_DAYS = 366 * 20  # a walk longer than this means the calendar never opens again


class BusinessTimeError(ValueError):
    """A calendar or an argument that cannot be used; the message says which and why."""


def _minutes(text: str, *, end: bool) -> int:
    match = _HHMM.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise BusinessTimeError(f"{text!r} is not a time of day as HH:MM")
    value = int(match.group(1)) * 60 + int(match.group(2))
    if value > 1440 or (value == 1440 and not end):
        raise BusinessTimeError(f"{text!r}: only an end may be 24:00 and nothing is later")
    return value


@dataclass(frozen=True, slots=True)
class _Span:
    start: int  # minutes after local midnight
    end: int


class BusinessCalendar:
    """Opening hours per weekday, holidays and a time zone, validated on construction.

    Raises :class:`BusinessTimeError` for an unknown time zone, a weekday outside 0-6, a span
    that is empty or backwards, spans of one day that overlap, or a calendar with no hours.
    """

    __slots__ = ("_days", "holidays", "hours", "timezone", "tz")

    def __init__(
        self,
        timezone: str,
        hours: Mapping[int, Sequence[tuple[str, str]]],
        holidays: Iterable[date] = (),
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise BusinessTimeError(f"unknown time zone {timezone!r}") from exc
        self.timezone = timezone
        days: list[tuple[_Span, ...]] = [() for _ in range(7)]
        normalised: dict[int, tuple[tuple[str, str], ...]] = {}
        for weekday, spans in hours.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise BusinessTimeError(f"weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
            parsed = []
            for pair in spans:
                if len(pair) != 2:
                    raise BusinessTimeError(f"span {pair!r} is not a (start, end) pair")
                start, end = _minutes(pair[0], end=False), _minutes(pair[1], end=True)
                if end <= start:
                    raise BusinessTimeError(f"span {pair[0]}-{pair[1]} ends before it starts")
                parsed.append(_Span(start, end))
            parsed.sort(key=lambda s: s.start)
            for before, after in zip(parsed, parsed[1:], strict=False):
                if after.start < before.end:
                    raise BusinessTimeError(f"spans overlap on weekday {weekday}")
            days[weekday] = tuple(parsed)
            if parsed:
                normalised[weekday] = tuple((str(a), str(b)) for a, b in spans)
        if not any(days):
            raise BusinessTimeError("the calendar has no business hours at all")
        self._days = tuple(days)
        self.hours = normalised
        self.holidays = frozenset(holidays)

    def spans_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The real (UTC) opening intervals of one local date, empty on a holiday."""
        if day in self.holidays:
            return []
        midnight = datetime.combine(day, time(0))
        out = []
        for span in self._days[day.weekday()]:
            start = (midnight + timedelta(minutes=span.start)).replace(tzinfo=self.tz)
            end = (midnight + timedelta(minutes=span.end)).replace(tzinfo=self.tz)
            a, b = start.astimezone(UTC), end.astimezone(UTC)
            if b > a:
                out.append((a, b))
        return out

    def weekly_hours(self) -> float:
        """Nominal business hours in a week without holidays or clock changes."""
        return sum(s.end - s.start for day in self._days for s in day) / 60.0


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise BusinessTimeError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _intervals_from(
    calendar: BusinessCalendar, start: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals in time order, from the local day before ``start`` onwards."""
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    for _ in range(_MAX_DAYS):
        yield from calendar.spans_on(day)
        day += timedelta(days=1)
    raise BusinessTimeError("the calendar does not open again within 20 years")


def next_opening(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """``moment`` itself when the calendar is open then, else the next opening instant."""
    at = _aware(moment, "moment")
    for a, b in _intervals_from(calendar, at):
        if b > at:
            return max(a, at).astimezone(calendar.tz)
    raise BusinessTimeError("unreachable")  # pragma: no cover - the walk raises first


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The instant ``seconds`` of business time after ``start`` (in the calendar's zone).

    Zero seconds return ``start`` unchanged. A duration that runs out exactly at a closing
    time returns that closing time, not the next opening.
    """
    if seconds < 0 or seconds != seconds:
        raise BusinessTimeError("seconds must be zero or more")
    at = _aware(start, "start")
    if seconds == 0:
        return at.astimezone(calendar.tz)
    remaining = float(seconds)
    for a, b in _intervals_from(calendar, at):
        if b <= at:
            continue
        begin = max(a, at)
        available = (b - begin).total_seconds()
        if remaining <= available:
            return (begin + timedelta(seconds=remaining)).astimezone(calendar.tz)
        remaining -= available
    raise BusinessTimeError("unreachable")  # pragma: no cover


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business seconds in ``[start, end)``; negative when ``end`` comes first."""
    a0, b0 = _aware(start, "start"), _aware(end, "end")
    if b0 < a0:
        return -business_seconds_between(calendar, end, start)
    total = timedelta(0)
    day = a0.astimezone(calendar.tz).date() - timedelta(days=1)
    last = b0.astimezone(calendar.tz).date()
    while day <= last:
        for a, b in calendar.spans_on(day):
            lo, hi = max(a, a0), min(b, b0)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds()
