"""Tests of business time against hand-worked cases and properties.

Dates: 2026-12-04 is a Friday. Europe/Berlin changes clocks on 2026-03-29 (02:00 -> 03:00) and
2026-10-25 (03:00 -> 02:00); America/New_York on 2026-03-08 and 2026-11-01.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccops.engines.business_time import (
    BusinessCalendar,
    BusinessTimeError,
    add_business_seconds,
    business_seconds_between,
    next_opening,
)

SETTINGS = settings(max_examples=60, deadline=None)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_9_17 = {d: [("09:00", "17:00")] for d in range(5)}
ALWAYS = {d: [("00:00", "24:00")] for d in range(7)}
HOUR = 3600.0


def berlin(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


OFFICE = BusinessCalendar("Europe/Berlin", WEEKDAYS_9_17)


def test_friday_afternoon_plus_two_hours_is_monday_half_past_ten() -> None:
    # 30 minutes left on Friday (16:30-17:00), 90 minutes on Monday from 09:00: 10:30.
    # (The text says 09:30; that would be only 1 h of business time.)
    due = add_business_seconds(OFFICE, berlin(2026, 12, 4, 16, 30), 2 * HOUR)
    assert due == berlin(2026, 12, 7, 10, 30)
    assert business_seconds_between(OFFICE, berlin(2026, 12, 4, 16, 30), due) == 2 * HOUR


def test_a_holiday_monday_moves_it_to_tuesday() -> None:
    calendar = BusinessCalendar("Europe/Berlin", WEEKDAYS_9_17, holidays=[date(2026, 12, 7)])
    due = add_business_seconds(calendar, berlin(2026, 12, 4, 16, 30), 2 * HOUR)
    assert due == berlin(2026, 12, 8, 10, 30)
    assert business_seconds_between(calendar, berlin(2026, 12, 4, 16, 30), due) == 2 * HOUR


def test_split_shift_skips_the_lunch_break() -> None:
    calendar = BusinessCalendar("Europe/Berlin", {0: [("13:00", "17:00"), ("08:00", "12:00")]})
    # Monday 11:00: one hour to 12:00, then 13:00-14:00.
    assert add_business_seconds(calendar, berlin(2026, 12, 7, 11), 2 * HOUR) == berlin(
        2026, 12, 7, 14
    )
    # The next Monday when the work runs past 17:00: 11:00 + 7 h = 4 h left at 17:00 minus 1 h.
    assert add_business_seconds(calendar, berlin(2026, 12, 7, 11), 7 * HOUR) == berlin(
        2026, 12, 14, 10
    )
    assert (
        business_seconds_between(calendar, berlin(2026, 12, 7, 7), berlin(2026, 12, 8)) == 8 * HOUR
    )


def test_a_start_outside_hours_counts_from_the_next_opening() -> None:
    assert add_business_seconds(OFFICE, berlin(2026, 12, 5, 10), HOUR) == berlin(2026, 12, 7, 10)
    assert add_business_seconds(OFFICE, berlin(2026, 12, 7, 7), HOUR) == berlin(2026, 12, 7, 10)
    assert next_opening(OFFICE, berlin(2026, 12, 4, 18)) == berlin(2026, 12, 7, 9)
    assert next_opening(OFFICE, berlin(2026, 12, 4, 12)) == berlin(2026, 12, 4, 12)


def test_a_duration_ending_at_closing_time_is_that_closing_time() -> None:
    assert add_business_seconds(OFFICE, berlin(2026, 12, 4, 16), HOUR) == berlin(2026, 12, 4, 17)
    # Zero seconds: the start itself, even when closed.
    assert add_business_seconds(OFFICE, berlin(2026, 12, 5, 3), 0) == berlin(2026, 12, 5, 3)


def test_a_week_of_office_hours() -> None:
    assert OFFICE.weekly_hours() == 40.0
    assert business_seconds_between(OFFICE, berlin(2026, 11, 30), berlin(2026, 12, 7)) == 40 * HOUR
    assert add_business_seconds(OFFICE, berlin(2026, 11, 30, 9), 40 * HOUR) == berlin(
        2026, 12, 4, 17
    )


def test_between_is_signed() -> None:
    a, b = berlin(2026, 12, 4, 16, 30), berlin(2026, 12, 7, 10, 30)
    assert business_seconds_between(OFFICE, b, a) == -2 * HOUR
    assert business_seconds_between(OFFICE, a, a) == 0.0


def test_twenty_four_seven_across_spring_forward() -> None:
    calendar = BusinessCalendar("Europe/Berlin", ALWAYS)
    start = berlin(2026, 3, 29, 0)
    # The local day has 23 real hours: 24 h later is 01:00 on Monday.
    assert add_business_seconds(calendar, start, 24 * HOUR) == berlin(2026, 3, 30, 1)
    assert business_seconds_between(calendar, start, berlin(2026, 3, 30, 0)) == 23 * HOUR


def test_twenty_four_seven_across_fall_back() -> None:
    calendar = BusinessCalendar("Europe/Berlin", ALWAYS)
    start = berlin(2026, 10, 25, 0)
    # 25 real hours that day: 24 h later is 23:00 the same local day.
    assert add_business_seconds(calendar, start, 24 * HOUR) == berlin(2026, 10, 25, 23)
    assert business_seconds_between(calendar, start, berlin(2026, 10, 26, 0)) == 25 * HOUR


def test_a_sunday_only_calendar_counts_real_hours_in_new_york() -> None:
    calendar = BusinessCalendar("America/New_York", {6: [("00:00", "24:00")]})
    spring = datetime(2026, 3, 8, tzinfo=NEW_YORK)
    autumn = datetime(2026, 11, 1, tzinfo=NEW_YORK)
    assert business_seconds_between(calendar, spring, spring + timedelta(days=7)) == 23 * HOUR
    assert business_seconds_between(calendar, autumn, autumn + timedelta(days=7)) == 25 * HOUR
    # Office hours on a clock-change Monday are 8 real hours (the change was at 02:00 Sunday).
    office = BusinessCalendar("America/New_York", WEEKDAYS_9_17)
    monday = datetime(2026, 3, 9, tzinfo=NEW_YORK)
    assert business_seconds_between(office, monday, monday + timedelta(days=1)) == 8 * HOUR


def test_spans_inside_the_gap_and_the_repeated_hour() -> None:
    calendar = BusinessCalendar("Europe/Berlin", {6: [("02:00", "03:00")]})
    # 02:00-03:00 does not exist on 29 March (0 h) and is 2 h long on 25 October.
    assert calendar.spans_on(date(2026, 3, 29)) == []
    (span,) = calendar.spans_on(date(2026, 10, 25))
    assert span == (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC))


def test_midnight_end_runs_into_the_next_day() -> None:
    calendar = BusinessCalendar("Europe/Berlin", {0: [("20:00", "24:00")], 1: [("00:00", "02:00")]})
    assert add_business_seconds(calendar, berlin(2026, 12, 7, 23), 2 * HOUR) == berlin(
        2026, 12, 8, 1
    )


def test_utc_input_and_output_zone() -> None:
    start = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 16:30 in Berlin
    due = add_business_seconds(OFFICE, start, 2 * HOUR)
    assert due.tzinfo == BERLIN
    assert due == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({0: [("09:00", "12:00"), ("11:00", "17:00")]}, "overlap"),
        ({}, "no business hours"),
        ({0: []}, "no business hours"),
        ({0: [("17:00", "09:00")]}, "ends before"),
        ({0: [("24:00", "24:00")]}, "only an end"),
        ({0: [("9:00", "17:00")]}, "HH:MM"),
        ({0: [("09:00", "25:00")]}, "HH:MM"),
        ({7: [("09:00", "17:00")]}, "weekday"),
    ],
)
def test_bad_calendars_are_refused(hours: dict[int, list[tuple[str, str]]], message: str) -> None:
    with pytest.raises(BusinessTimeError, match=message):
        BusinessCalendar("Europe/Berlin", hours)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(BusinessTimeError, match="time zone"):
        BusinessCalendar("Mars/Olympus", WEEKDAYS_9_17)
    with pytest.raises(BusinessTimeError, match="aware"):
        add_business_seconds(OFFICE, datetime(2026, 12, 4, 9), HOUR)
    with pytest.raises(BusinessTimeError, match="zero or more"):
        add_business_seconds(OFFICE, berlin(2026, 12, 4, 9), -1)
    with pytest.raises(BusinessTimeError, match="aware"):
        business_seconds_between(OFFICE, berlin(2026, 12, 4, 9), datetime(2026, 12, 5))


def test_a_calendar_open_only_on_a_holiday_never_opens() -> None:
    calendar = BusinessCalendar("UTC", {0: [("09:00", "10:00")]}, holidays=[date(2026, 12, 7)])
    # Still opens on later Mondays.
    due = add_business_seconds(calendar, datetime(2026, 12, 7, 9, tzinfo=UTC), HOUR)
    assert due == datetime(2026, 12, 14, 10, tzinfo=UTC)


CALENDARS = [
    OFFICE,
    BusinessCalendar("Europe/Berlin", ALWAYS),
    BusinessCalendar(
        "America/New_York",
        {
            0: [("08:00", "12:00"), ("13:00", "18:30")],
            2: [("22:00", "24:00")],
            3: [("00:00", "06:00")],
            5: [("10:00", "14:00")],
        },
        holidays=[date(2026, 3, 9), date(2026, 11, 2)],
    ),
    BusinessCalendar("Europe/Berlin", {6: [("01:30", "03:30")], 0: [("09:00", "17:00")]}),
]
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.floats(min_value=0, max_value=200 * HOUR, allow_nan=False)


@SETTINGS
@given(st.sampled_from(CALENDARS), instants, durations)
def test_adding_then_measuring_gives_back_the_seconds(
    calendar: BusinessCalendar, start: datetime, seconds: float
) -> None:
    due = add_business_seconds(calendar, start, seconds)
    assert due >= start
    assert business_seconds_between(calendar, start, due) == pytest.approx(seconds, abs=1e-5)


@SETTINGS
@given(st.sampled_from(CALENDARS), instants, durations, durations)
def test_monotone_in_seconds(
    calendar: BusinessCalendar, start: datetime, s1: float, s2: float
) -> None:
    lo, hi = sorted((s1, s2))
    assert add_business_seconds(calendar, start, lo) <= add_business_seconds(calendar, start, hi)


@SETTINGS
@given(st.sampled_from(CALENDARS), instants, instants, durations)
def test_monotone_in_start(
    calendar: BusinessCalendar, a: datetime, b: datetime, seconds: float
) -> None:
    early, late = sorted((a, b))
    assert add_business_seconds(calendar, early, seconds) <= add_business_seconds(
        calendar, late, seconds
    )


@SETTINGS
@given(st.sampled_from(CALENDARS), instants, instants, instants)
def test_measuring_is_additive(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    x, y, z = sorted((a, b, c))
    whole = business_seconds_between(calendar, x, z)
    parts = business_seconds_between(calendar, x, y) + business_seconds_between(calendar, y, z)
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0 <= whole <= (z - x).total_seconds()
