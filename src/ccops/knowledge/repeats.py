"""Does a standard answer work? Repeat contacts per topic and per answer version (pure).

Definition. A *base* contact is one arriving on a local day in ``[first, last]`` that carries a
customer key and a topic. It is a *repeat-maker* when the same customer contacts again **on the
same topic** within ``days`` days after it (strictly later, at most ``days`` × 24 h after its
arrival, whatever the follow-up's outcome and even after ``last``). It is attributed to the
answer recorded on it (article and version), or to "no answer recorded".

Why the same topic, not any contact of the customer: the question is whether *this* answer
settled *this* matter. A customer who calls about a refund three days after a log-in question
was not failed by the log-in answer; counting them would blur every topic's rate with the
customer's other business (heavy users above all) and hide which answer fails. The price: a
follow-up only counts when its topic was recorded (an abandoned call usually has none), so the
rate is a lower bound of the true one. This is the queue-level repeat definition of
``ccops.metrics`` (next contact within the window) keyed by topic instead of queue.

Incomplete windows. A contact whose window is not over when the data ends (``arrival + days >
data_end``) cannot be judged yet: it is left out of the rate and counted as ``incomplete``.
Contacts without a customer key (per topic) or without a topic are counted apart, never in a
rate.

Each rate carries its Wilson 95% interval. Versions of one article are compared, each with the
version before it that has contacts, by Newcombe's interval for the difference
(``ccops.engines.improvement.compare_rates``): "lower" or "higher" only when that interval
excludes zero, else "no clear difference" — nothing is ranked on noise.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from ccops.engines.improvement import compare_rates
from ccops.engines.stats import wilson_interval

Comparison = Literal["lower", "higher", "no clear difference"]
DAY_S = 86400


@dataclass(frozen=True)
class TopicContact:
    """What the measure needs of one contact."""

    customer: str | None
    topic: str | None
    article_id: int | None
    version: int | None
    arrival_s: int
    """Arrival, epoch seconds UTC (the window is measured on it)."""
    local_day: date
    """The site's local day of arrival (the range and the weekly buckets use it)."""


@dataclass(frozen=True)
class Rate:
    """Repeats among complete contacts, with the Wilson interval (rate None without contacts)."""

    contacts: int
    repeats: int
    rate: float | None
    low: float
    high: float


def rate_of(repeats: int, contacts: int) -> Rate:
    """The rate ``repeats / contacts`` with its Wilson 95% interval."""
    ci = wilson_interval(repeats, contacts)
    point = None if math.isnan(ci.point) else ci.point
    return Rate(contacts, repeats, point, ci.low, ci.high)


@dataclass(frozen=True)
class WeekRate:
    """One week (Monday of the local week) of one version."""

    week: date
    rate: Rate


@dataclass(frozen=True)
class VersionRepeats:
    """Repeats of the contacts given one answer version (article None: no answer recorded)."""

    article_id: int | None
    version: int | None
    rate: Rate
    incomplete: int
    weeks: list[WeekRate]
    compared_with: int | None = None
    """The version this one is compared with (the previous one with contacts)."""
    comparison: Comparison | None = None
    difference_low: float | None = None
    difference_high: float | None = None


@dataclass(frozen=True)
class TopicRepeats:
    """One topic: all its complete contacts, and per answer version."""

    topic: str
    rate: Rate
    incomplete: int
    without_customer: int
    versions: list[VersionRepeats]


@dataclass(frozen=True)
class RepeatReport:
    """The measure over a range of days."""

    days: int
    first: date
    last: date
    topics: list[TopicRepeats]
    incomplete: int
    without_customer: int
    without_topic: int


@dataclass
class _Tally:
    contacts: int = 0
    repeats: int = 0
    incomplete: int = 0
    weeks: dict[date, list[int]] = field(default_factory=dict)

    def add(self, repeated: bool, week: date) -> None:
        self.contacts += 1
        self.repeats += int(repeated)
        counts = self.weeks.setdefault(week, [0, 0])
        counts[0] += 1
        counts[1] += int(repeated)


def _compare(before: Rate, after: Rate) -> tuple[Comparison, float | None, float | None]:
    c = compare_rates(
        before.repeats, before.contacts, after.repeats, after.contacts, higher_is_better=False
    )
    verdicts: dict[str, Comparison] = {"improved": "lower", "worse": "higher"}
    verdict = verdicts.get(c.verdict, "no clear difference")
    if math.isnan(c.difference):
        return verdict, None, None
    return verdict, c.difference_low, c.difference_high


def _versions(tallies: dict[tuple[int | None, int | None], _Tally]) -> list[VersionRepeats]:
    out: list[VersionRepeats] = []
    previous: dict[int, VersionRepeats] = {}
    order = sorted(tallies, key=lambda k: (k[0] is None, k[0] or 0, k[1] or 0))
    for article_id, version in order:
        t = tallies[(article_id, version)]
        row = VersionRepeats(
            article_id=article_id,
            version=version,
            rate=rate_of(t.repeats, t.contacts),
            incomplete=t.incomplete,
            weeks=[WeekRate(w, rate_of(r, n)) for w, (n, r) in sorted(t.weeks.items())],
        )
        if article_id is not None and t.contacts:
            before = previous.get(article_id)
            if before is not None:
                verdict, low, high = _compare(before.rate, row.rate)
                row = replace(
                    row,
                    compared_with=before.version,
                    comparison=verdict,
                    difference_low=low,
                    difference_high=high,
                )
            previous[article_id] = row
        out.append(row)
    return out


def repeat_report(
    contacts: Iterable[TopicContact], *, first: date, last: date, data_end_s: int, days: int = 7
) -> RepeatReport:
    """Measure repeat contacts by topic and answer version (see the module's definition).

    ``contacts`` are the base contacts and their possible follow-ups (give those arriving up to
    ``days`` after ``last`` too); ``data_end_s`` is when the data ends (epoch seconds).

    Raises:
        ValueError: ``days`` < 1 or ``first`` after ``last``.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if first > last:
        raise ValueError("first must not be after last")
    rows = list(contacts)
    arrivals: dict[tuple[str, str], list[int]] = defaultdict(list)
    for c in rows:
        if c.customer is not None and c.topic is not None:
            arrivals[(c.customer, c.topic)].append(c.arrival_s)
    for times in arrivals.values():
        times.sort()
    window = days * DAY_S
    topics: dict[str, _Tally] = defaultdict(_Tally)
    versions: dict[str, dict[tuple[int | None, int | None], _Tally]] = defaultdict(dict)
    without_customer: dict[str, int] = defaultdict(int)
    without_topic = 0
    for c in rows:
        if not first <= c.local_day <= last:
            continue
        if c.topic is None:
            without_topic += 1
            continue
        key = (c.article_id, c.version if c.article_id is not None else None)
        version = versions[c.topic].setdefault(key, _Tally())
        if c.customer is None:
            without_customer[c.topic] += 1
            topics[c.topic]  # the topic shows even when none of its contacts has a customer
            continue
        if c.arrival_s + window > data_end_s:
            topics[c.topic].incomplete += 1
            version.incomplete += 1
            continue
        times = arrivals[(c.customer, c.topic)]
        later = bisect.bisect_right(times, c.arrival_s)
        repeated = later < len(times) and times[later] <= c.arrival_s + window
        week = c.local_day - timedelta(days=c.local_day.weekday())
        topics[c.topic].add(repeated, week)
        version.add(repeated, week)
    out = [
        TopicRepeats(
            topic=name,
            rate=rate_of(t.repeats, t.contacts),
            incomplete=t.incomplete,
            without_customer=without_customer[name],
            versions=_versions(versions[name]),
        )
        for name, t in sorted(topics.items())
    ]
    return RepeatReport(
        days=days,
        first=first,
        last=last,
        topics=out,
        incomplete=sum(t.incomplete for t in out),
        without_customer=sum(t.without_customer for t in out),
        without_topic=without_topic,
    )
