"""The period rules the performance API and pages share (``ccops.performance.periods``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ccops.errors import Invalid
from ccops.performance import periods as perf_periods


def test_default_period_is_the_28_days_up_to_yesterday() -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert perf_periods.default_period(first=None, last=None) == (
        yesterday - timedelta(days=27),
        yesterday,
    )
    last = date(2026, 11, 22)
    assert perf_periods.default_period(first=None, last=last) == (date(2026, 10, 26), last)
    with pytest.raises(Invalid):
        perf_periods.default_period(first=date(1989, 12, 31), last=None)


def test_a_page_shows_28_days_rather_than_a_reversed_period() -> None:
    first, last = date(2026, 11, 30), date(2026, 11, 22)
    assert perf_periods.page_period(first=first, last=last) == (date(2026, 10, 26), last)
    # the API's period is what was asked for; the service refuses a reversed one
    assert perf_periods.default_period(first=first, last=last) == (first, last)


def test_floor_period_is_this_week_and_the_three_before() -> None:
    first, last = perf_periods.floor_period(today=date(2026, 11, 18))  # a Wednesday
    assert last == date(2026, 11, 22) and last.weekday() == 6
    assert first == date(2026, 10, 26) and first.weekday() == 0


def test_attrition_period_starts_a_year_back_on_the_first_of_the_month() -> None:
    last = date(2026, 11, 22)
    assert perf_periods.attrition_period(first=None, last=last) == (date(2025, 11, 1), last)
    first = date(2026, 6, 1)
    assert perf_periods.attrition_period(first=first, last=last) == (first, last)


def test_team_page_reads_the_chart_weeks_and_the_period_before() -> None:
    last = date(2026, 11, 22)
    assert perf_periods.chart_first(last=last) == last - timedelta(days=83)
    assert perf_periods.training_period(last=last) == (last - timedelta(days=89), last)
    # a short period: the chart's 12 weeks reach further back than the period before it
    assert perf_periods.team_page_first(first=date(2026, 10, 26), last=last) == date(2026, 8, 31)
    # a long period: the period before it reaches further back, never before 1990
    assert perf_periods.team_page_first(first=date(2026, 1, 1), last=last) == date(2025, 2, 9)
    assert perf_periods.team_page_first(first=date(1990, 1, 2), last=date(1990, 12, 31)) == date(
        1990, 1, 1
    )
