"""Repeat contacts per topic and answer version, against values worked out by hand: the same
topic only, the window's edge, incomplete windows, contacts counted apart, Wilson intervals,
and a version comparison that is noise ("no clear difference") or not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ccops.knowledge.repeats import TopicContact, rate_of, repeat_report

DAY0 = date(2026, 11, 2)  # a Monday
LOGIN, REFUND = "log-in", "refund"


def _c(
    customer: str | None,
    topic: str | None,
    day: int,
    version: int | None = 1,
    hour: int = 10,
    article: int | None = 7,
) -> TopicContact:
    at = datetime(DAY0.year, DAY0.month, DAY0.day, hour, tzinfo=UTC) + timedelta(days=day)
    return TopicContact(
        customer=customer,
        topic=topic,
        article_id=article,
        version=version if article is not None else None,
        arrival_s=int(at.timestamp()),
        local_day=at.date(),
    )


END_S = int(datetime(2026, 11, 22, 23, 59, tzinfo=UTC).timestamp())  # data end: day 20
CONTACTS = [
    _c("A", LOGIN, 1),  # A calls again 2 days later on the same topic: a repeat-maker
    _c("A", LOGIN, 3),
    _c("B", LOGIN, 2),
    _c("B", LOGIN, 12),  # 10 days later: outside the 7-day window
    _c("C", LOGIN, 2),
    _c("C", REFUND, 4),  # another topic: no repeat of the log-in answer
    _c("G", LOGIN, 5, version=2),
    _c("G", LOGIN, 12, version=2),  # exactly 7 days later: still inside the window
    _c("D", LOGIN, 15, version=2),  # 15 + 7 > 20: the window is not over, left out
    _c(None, LOGIN, 3),  # no customer key
    _c("F", None, 3),  # no topic
]


def test_repeats_are_same_topic_within_the_window_and_incomplete_windows_are_left_out() -> None:
    report = repeat_report(CONTACTS, first=DAY0, last=DAY0 + timedelta(days=20), data_end_s=END_S)
    assert (report.incomplete, report.without_customer, report.without_topic) == (1, 1, 1)
    login, refund = report.topics
    assert login.topic == LOGIN
    assert (login.rate.contacts, login.rate.repeats, login.incomplete) == (7, 2, 1)
    assert login.without_customer == 1
    assert (refund.rate.contacts, refund.rate.repeats) == (1, 0)
    v1, v2 = login.versions
    assert (v1.article_id, v1.version, v1.rate.contacts, v1.rate.repeats) == (7, 1, 5, 1)
    assert (v2.version, v2.rate.contacts, v2.rate.repeats, v2.incomplete) == (2, 2, 1, 1)
    assert v1.comparison is None
    # 1/5 against 1/2: far too few contacts to tell the versions apart
    assert (v2.compared_with, v2.comparison) == (1, "no clear difference")
    assert v2.difference_low is not None and v2.difference_low < 0 < (v2.difference_high or 0)
    # weeks start on Monday: days 1-3 in the first week, day 12 in the second
    assert [(w.week, w.rate.contacts, w.rate.repeats) for w in v1.weeks] == [
        (DAY0, 4, 1),
        (DAY0 + timedelta(days=7), 1, 0),
    ]


def test_wilson_interval_of_a_rate_by_hand() -> None:
    # 2/4: centre (0.5 + z²/8)/(1 + z²/4) = 0.5, half-width z·sqrt(1/16 + z²/64)/(1 + z²/4)
    r = rate_of(2, 4)
    assert r.rate == 0.5
    assert r.low == pytest.approx(0.15004, abs=1e-4)
    assert r.high == pytest.approx(0.84996, abs=1e-4)
    # 1/5: (0.2 + 0.38415)/1.76829 = 0.33035 ± 1.95996·sqrt(0.032 + 0.038415)/1.76829
    r = rate_of(1, 5)
    assert r.low == pytest.approx(0.03622, abs=1e-4)
    assert r.high == pytest.approx(0.62449, abs=1e-4)
    empty = rate_of(0, 0)
    assert (empty.rate, empty.low, empty.high) == (None, 0.0, 1.0)


def test_the_range_picks_base_contacts_but_follow_ups_after_it_still_count() -> None:
    report = repeat_report(CONTACTS, first=DAY0, last=DAY0 + timedelta(days=2), data_end_s=END_S)
    (login,) = report.topics  # C's refund contact (day 4) is outside the range
    # A on day 1 (repeat, the follow-up on day 3 is after the range), B and C on day 2
    assert (login.rate.contacts, login.rate.repeats) == (3, 1)
    assert report.without_topic == 0


def test_a_shorter_window_completes_more_contacts() -> None:
    report = repeat_report(
        CONTACTS, first=DAY0, last=DAY0 + timedelta(days=20), data_end_s=END_S, days=1
    )
    login = report.topics[0]
    # nobody comes back within a day; D's window (day 15 + 1) is over by day 20
    assert (login.rate.contacts, login.rate.repeats, login.incomplete) == (8, 0, 0)


def test_a_real_difference_between_versions_is_named_and_noise_is_not() -> None:
    rows: list[TopicContact] = []
    for i in range(50):  # version 1: 20 of 50 come back; version 2: 3 of 50
        rows.append(_c(f"a{i}", LOGIN, 0, version=1))
        if i < 20:
            rows.append(_c(f"a{i}", LOGIN, 2, version=1, article=None))
        rows.append(_c(f"b{i}", LOGIN, 3, version=2))
        if i < 3:
            rows.append(_c(f"b{i}", LOGIN, 4, version=2, article=None))
    report = repeat_report(rows, first=DAY0, last=DAY0 + timedelta(days=3), data_end_s=END_S)
    v1, v2, unanswered = report.topics[0].versions
    assert (v1.rate.repeats, v1.rate.contacts) == (20, 50)
    assert (v2.rate.repeats, v2.rate.contacts) == (3, 50)
    assert v2.comparison == "lower"
    assert v2.difference_high is not None and v2.difference_high < 0
    assert (unanswered.article_id, unanswered.version, unanswered.comparison) == (None, None, None)
    # about the same rates on a tenth of the contacts (2/5 against 0/5) are noise
    few = [_c(f"a{i}", LOGIN, 0, version=1) for i in range(5)]
    few += [_c(f"a{i}", LOGIN, 1, article=None) for i in range(2)]
    few += [_c(f"b{i}", LOGIN, 3, version=2) for i in range(5)]
    v1, v2, _ = (
        repeat_report(few, first=DAY0, last=DAY0 + timedelta(days=3), data_end_s=END_S)
        .topics[0]
        .versions
    )
    assert (v1.rate.repeats, v1.rate.contacts) == (2, 5)
    assert (v2.rate.repeats, v2.rate.contacts, v2.comparison) == (0, 5, "no clear difference")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        repeat_report([], first=DAY0, last=DAY0, data_end_s=END_S, days=0)
    with pytest.raises(ValueError, match="first"):
        repeat_report([], first=DAY0 + timedelta(days=1), last=DAY0, data_end_s=END_S)
