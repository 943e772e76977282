"""The demo's staffing history: a pattern that covers the requirement, shifts given under the
contracts' rules, and a simulation staffed by exactly the people present."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from ccops.contacts import demo as contact_demo
from ccops.org.demo import GROUPS, Roster
from ccops.wfm.schedules import demo_history as h

FIRST = date(2026, 8, 24)
LAST = date(2026, 11, 29)


@pytest.fixture(scope="module")
def patterns() -> dict[str, h.Pattern]:
    return h.patterns()


def _rosters(patterns: dict[str, h.Pattern]) -> dict[str, Roster]:
    out, number = {}, 0
    for name, p in patterns.items():
        full, part = p.headcount()
        ids = list(range(number, number + full + part))
        number += full + part
        out[name] = Roster(full=tuple(ids[:full]), part=tuple(ids[full:]))
    return out


def test_each_voice_and_chat_pattern_covers_its_requirement_within_a_few_percent(
    patterns: dict[str, h.Pattern],
) -> None:
    for name, p in patterns.items():
        need = p.required.sum()
        under = np.maximum(p.required - p.covered, 0).sum() / need
        over = np.maximum(p.covered - p.required, 0).sum() / need
        if p.queue.channel == "email":  # a day's target: the backlog waits for the morning
            assert under < 0.10, name
            continue
        assert under < 0.04, (name, under)
        assert over < 0.12, (name, over)
        # shifts start inside their template's window and fit the opening hours
        for s in p.shifts:
            lo, hi, length, _ = h.TEMPLATE_WINDOWS[s.template]
            assert lo <= s.start / 4 <= hi
            assert s.start / 4 + length / 4 <= p.queue.open_to


def test_shifts_go_to_people_under_their_contracts_and_only_tech_is_short(
    patterns: dict[str, h.Pattern],
) -> None:
    rosters = _rosters(patterns)
    history = h.assign(patterns, rosters, first=FIRST, last=LAST, seed=7)
    assert set(history.unfilled) == {"Tech"}
    part_time = {p for r in rosters.values() for p in r.part}
    days: dict[int, list[h.Worked]] = defaultdict(list)
    for worked in (w for site in history.worked.values() for w in site):
        days[worked.person_id].append(worked)
        assert (worked.template == "part") == (worked.person_id in part_time)
    for mine in days.values():
        mine.sort(key=lambda w: w.start)
        for a, b in zip(mine, mine[1:], strict=False):
            assert (b.start - a.end) >= timedelta(hours=11)
        per_week: dict[tuple[int, int], int] = defaultdict(int)
        for w in mine:
            per_week[w.start.astimezone(UTC).isocalendar()[:2]] += 1
        assert max(per_week.values()) <= h.MAX_DAYS + 1  # a UTC week cuts a local one
    every = [w for site in history.worked.values() for w in site]
    absent = sum(w.absent for w in every) / len(every)
    assert 0.02 < absent < 0.06


def test_the_simulation_slots_hold_exactly_the_people_present() -> None:
    rng = np.random.default_rng(3)
    on = rng.random((12, 400)) < 0.6
    people = list(range(100, 112))
    table = contact_demo.slot_people(on, people)
    changes = 0
    for t in range(on.shape[1]):
        size = int(on[:, t].sum())
        assert sorted(table[t, :size].tolist()) == [people[i] for i in np.nonzero(on[:, t])[0]]
        assert (table[t, size:] == -1).all()
        if t:
            stayed = set(table[t - 1][table[t - 1] >= 0]) & set(table[t, :size])
            changes += sum(
                1 for p in stayed if list(table[t - 1]).index(p) != list(table[t]).index(p)
            )
    # a slot changes hands only to fill a hole: far fewer moves than people staying
    assert changes < 0.2 * on.sum()


def test_presence_leaves_out_pauses_absence_and_a_late_return() -> None:
    start = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    pauses = h.FULL_PAUSES[0]

    def shift(person: int, absent: bool, late: bool) -> h.Worked:
        return h.Worked(
            person_id=person,
            group="Billing",
            template="early",
            start=start,
            length=h.FULL_LEN,
            pauses=pauses,
            absent=absent,
            late_from_lunch=late,
        )

    worked = [shift(1, False, False), shift(2, True, False), shift(3, False, True)]
    on = contact_demo.presence(worked, [1, 2, 3], start, 40)
    paused = sum(size for _, size, _ in pauses)
    assert on[0].sum() == h.FULL_LEN - paused
    assert on[1].sum() == 0
    assert on[2].sum() == h.FULL_LEN - paused - 1
    lunch = next(offset for offset, _, kind in pauses if kind == "lunch")
    assert on[0, lunch + 2] and not on[2, lunch + 2]


def test_every_group_of_the_demo_has_a_pattern(patterns: dict[str, h.Pattern]) -> None:
    assert set(patterns) == {g.name for g in GROUPS}
    full, part = patterns["Tech"].headcount()
    assert full > 10 and part > 10


def test_a_gathering_goes_only_into_working_time_of_the_shift() -> None:
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    w = h.Worked(1, "Billing", "early", start, h.FULL_LEN, h.FULL_PAUSES[0], False, True)
    lunch = next(offset for offset, _, kind in w.pauses if kind == "lunch")
    assert h._free(w, 0, 2)
    assert not h._free(w, lunch - 1, 2)  # runs into lunch
    assert not h._free(w, lunch + 2, 1)  # the quarter-hour they came back late
    assert h._free(w, lunch + 3, 1)
    assert not h._free(w, h.FULL_LEN - 1, 2)  # past the shift's end
    # team 0: huddles on its leader's floor days, its meeting first on Friday, training in turn
    assert [g.kind for g in h._gatherings_of(1, 0, 0, 1)] == ["huddle"]
    friday = h._gatherings_of(4, 1, 0, 1)
    assert [(g.kind, g.hour, g.minute) for g in friday] == [
        ("huddle", 9, 0),
        ("meeting", 13, 30),
    ]
    trained = [
        m for m in range(8) if any(g.kind == "training" for g in h._gatherings_of(2, 0, m, 5))
    ]
    assert trained == [3, 7]  # a quarter of the team each week
