"""Adherence and conformance from constructed activities and states (hand-computed values)."""

from __future__ import annotations

import pytest

from ccops.engines import adherence as ad

MIN = 60.0


def plan() -> list[ad.Planned]:
    # 09:00-12:00 work with a 15-minute break at 10:30 (minutes from 09:00)
    return [
        ad.Planned(0, 90 * MIN, "work"),
        ad.Planned(90 * MIN, 105 * MIN, "break"),
        ad.Planned(105 * MIN, 180 * MIN, "work"),
    ]


def test_a_perfect_day_is_fully_adherent_and_conformant() -> None:
    states = [
        ad.Actual(0, 60 * MIN, "available"),
        ad.Actual(60 * MIN, 90 * MIN, "on_contact"),
        ad.Actual(90 * MIN, 105 * MIN, "break"),
        ad.Actual(105 * MIN, 180 * MIN, "wrap_up"),
    ]
    r = ad.compute(plan(), states, grace_s=0)
    assert (r.scheduled_s, r.in_adherence_s, r.planned_work_s, r.worked_s) == (
        180 * MIN,
        180 * MIN,
        165 * MIN,
        165 * MIN,
    )
    assert r.adherence == 1.0 and r.conformance == 1.0 and r.spans == []


def test_a_late_break_costs_adherence_but_not_conformance() -> None:
    # break taken 20 minutes late (10:50-11:05): 20 min on the phone during the break, then 20
    # min on break while work was planned; logged in 5 minutes late at 09:05.
    states = [
        ad.Actual(5 * MIN, 110 * MIN, "available"),
        ad.Actual(110 * MIN, 125 * MIN, "break"),
        ad.Actual(125 * MIN, 180 * MIN, "on_contact"),
    ]
    r = ad.compute(plan(), states, grace_s=6 * MIN)
    # out: 0-5 (offline, within grace), 90-105 (work instead of break), 105-110 is work: fine,
    # 110-125 break instead of work.
    assert [
        (s.start_s / MIN, s.end_s / MIN, s.planned, s.actual, s.beyond_grace) for s in r.spans
    ] == [
        (0, 5, "work", "offline", False),
        (90, 105, "break", "available", True),
        (110, 125, "work", "break", True),
    ]
    assert r.in_adherence_s == (180 - 30) * MIN  # the 5 minutes inside the grace count
    assert r.adherence == pytest.approx(150 / 180)
    assert r.worked_s == 160 * MIN and r.conformance == pytest.approx(160 / 165)


def test_grace_zero_counts_every_deviation() -> None:
    states = [ad.Actual(5 * MIN, 180 * MIN, "available")]
    r = ad.compute([ad.Planned(0, 180 * MIN, "work")], states, grace_s=0)
    assert r.adherence == pytest.approx(175 / 180) and r.spans[0].beyond_grace


def test_overlapping_activities_are_refused() -> None:
    with pytest.raises(ad.AdherenceInputError, match="overlap"):
        ad.compute([ad.Planned(0, 10, "work"), ad.Planned(5, 20, "break")], [])
    with pytest.raises(ad.AdherenceInputError, match="at or before"):
        ad.compute([ad.Planned(10, 10, "work")], [])


def test_a_break_moves_inside_its_window_only() -> None:
    brk = ad.Planned(90 * MIN, 105 * MIN, "break")
    moved = ad.move_activity(brk, 100 * MIN, earliest_s=80 * MIN, latest_s=110 * MIN)
    assert (moved.start_s, moved.end_s, moved.kind) == (100 * MIN, 115 * MIN, "break")
    with pytest.raises(ad.AdherenceInputError, match="outside the allowed window"):
        ad.move_activity(brk, 120 * MIN, earliest_s=80 * MIN, latest_s=110 * MIN)


def test_a_huddle_is_kept_in_the_meeting_state() -> None:
    assert ad.matches("huddle", "meeting")
    assert not ad.matches("huddle", "available")
