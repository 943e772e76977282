"""Relative day and week selectors: `yesterday`, `launch+6`, `next` week."""

from __future__ import annotations

from datetime import date

import pytest

from ccops.relative_days import (
    is_relative_day,
    monday_of,
    next_working_day,
    resolve_day,
    resolve_week,
)

TODAY = date(2026, 12, 6)  # a Sunday
LAUNCH = date(2026, 11, 30)


def _launch() -> date:
    return LAUNCH


def _no_launch() -> date:
    raise AssertionError("the launch day is looked up only when a selector names it")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", "2026-12-06"),
        ("yesterday", "2026-12-05"),
        ("Yesterday-6", "2026-11-29"),
        ("today + 1", "2026-12-07"),
        ("launch", "2026-11-30"),
        ("launch+6", "2026-12-06"),
        ("launch-7", "2026-11-23"),
    ],
)
def test_a_relative_day_is_the_iso_date_it_stands_for(text: str, day: str) -> None:
    assert resolve_day(text, today=TODAY, launch=_launch) == day
    assert is_relative_day(text)


@pytest.mark.parametrize("text", ["2026-11-23", "tomorrow", "launch*2", "", "yesterday-"])
def test_other_text_is_left_for_the_date_parser_to_accept_or_name(text: str) -> None:
    assert resolve_day(text, today=TODAY, launch=_no_launch) == text
    assert not is_relative_day(text)


@pytest.mark.parametrize(
    ("text", "week"),
    [("this", "2026-W49"), ("next", "2026-W50"), ("LAST", "2026-W48"), ("launch", "2026-W49")],
)
def test_a_relative_week_is_an_iso_week(text: str, week: str) -> None:
    assert resolve_week(text, today=TODAY, launch=_launch) == week


def test_a_week_across_the_new_year_takes_the_iso_year() -> None:
    assert resolve_week("next", today=date(2026, 12, 25), launch=_no_launch) == "2026-W53"
    assert resolve_week("next", today=date(2027, 1, 1), launch=_no_launch) == "2027-W01"
    assert resolve_week("2026-W48", today=TODAY, launch=_no_launch) == "2026-W48"


def test_the_monday_of_a_day_is_its_iso_weeks_first_day() -> None:
    # Sunday 2026-01-04 belongs to ISO week 2026-W01, which starts on Monday 2025-12-29
    assert monday_of(date(2026, 1, 4)) == date(2025, 12, 29)
    assert monday_of(date(2026, 1, 5)) == date(2026, 1, 5)
    assert [monday_of(date(2026, 12, d)).isoformat() for d in (6, 7, 13)] == [
        "2026-11-30",
        "2026-12-07",
        "2026-12-07",
    ]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),  # Monday -> Tuesday
        (date(2026, 12, 1), date(2026, 12, 2)),
        (date(2026, 12, 2), date(2026, 12, 3)),
        (date(2026, 12, 3), date(2026, 12, 4)),  # Thursday -> Friday
        (date(2026, 12, 4), date(2026, 12, 7)),  # Friday -> next Monday
        (date(2026, 12, 5), date(2026, 12, 7)),  # Saturday -> next Monday
        (date(2026, 12, 6), date(2026, 12, 7)),  # Sunday -> next Monday
        (date(2026, 12, 31), date(2027, 1, 1)),  # over a year's end
    ],
)
def test_the_next_working_day_is_the_first_weekday_after(day: date, working: date) -> None:
    assert next_working_day(day) == working
    assert working > day and working.weekday() < 5
