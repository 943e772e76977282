"""Shift bidding awards: seniority, rotating priority and a seeded lottery; never performance;
eligibility respected; each award says the rule and the agent's position."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccops.engines import bidding as b

ALL = frozenset({1, 2, 3})
BIDDERS = [
    b.Bidder("carol", date(2020, 1, 1), (1, 2, 3)),
    b.Bidder("alice", date(2022, 5, 1), (1, 3)),
    b.Bidder("bob", date(2022, 5, 1), (1, 2)),
]


def test_seniority_serves_the_earliest_hire_first_and_breaks_ties_by_login() -> None:
    assert b.priority_order(BIDDERS, rule="seniority") == ["carol", "alice", "bob"]
    out = b.award(
        BIDDERS, [1, 2, 3], dict.fromkeys(("alice", "bob", "carol"), ALL), rule="seniority"
    )
    assert [(a.login, a.line_id, a.position, a.choice) for a in out] == [
        ("carol", 1, 1, 1),
        ("alice", 3, 2, 2),
        ("bob", 2, 3, 2),
    ]
    assert "rule: seniority" in out[1].reason and "position: 2 of 3" in out[1].reason
    assert "1 better choice(s) went to people before you" in out[1].reason


def test_rotating_priority_turns_the_seniority_order_each_round() -> None:
    assert b.priority_order(BIDDERS, rule="rotating", round_no=1) == ["alice", "bob", "carol"]
    assert b.priority_order(BIDDERS, rule="rotating", round_no=4) == ["alice", "bob", "carol"]


def test_the_lottery_is_reproducible_from_its_published_seed() -> None:
    logins = sorted(x.login for x in BIDDERS)
    expected = [logins[int(i)] for i in np.random.default_rng(42).permutation(3)]
    assert b.priority_order(BIDDERS, rule="lottery", seed=42) == expected
    assert b.priority_order(list(reversed(BIDDERS)), rule="lottery", seed=42) == expected


def test_an_ineligible_line_is_skipped_and_the_reason_says_so() -> None:
    eligible = {"carol": frozenset({2, 3}), "alice": ALL, "bob": frozenset({1})}
    out = {a.login: a for a in b.award(BIDDERS, [1, 2, 3], eligible, rule="seniority")}
    assert out["carol"].line_id == 2 and "need skills or a contract you lack" in out["carol"].reason
    assert out["alice"].line_id == 1
    assert out["bob"].line_id is None
    assert "went to people before you" in out["bob"].reason


def test_no_ranking_means_no_line_with_the_reason() -> None:
    out = b.award([b.Bidder("dan", None, ())], [1], {"dan": ALL}, rule="seniority")
    assert out[0].line_id is None and "you ranked no line" in out[0].reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(b.RULES), st.integers(0, 9))
def test_no_line_is_awarded_twice_and_only_to_the_eligible(
    seed: int, rule: b.Rule, rnd: int
) -> None:
    rng = np.random.default_rng(seed)
    lines = list(range(1, 7))
    bidders = [
        b.Bidder(
            f"p{i}",
            date(2020, 1, 1 + int(rng.integers(0, 28))),
            tuple(int(x) for x in rng.permutation(lines)[:4]),
        )
        for i in range(8)
    ]
    eligible = {
        x.login: frozenset(int(v) for v in rng.choice(lines, 4, replace=False)) for x in bidders
    }
    out = b.award(bidders, lines, eligible, rule=rule, seed=seed, round_no=rnd)
    got = [a.line_id for a in out if a.line_id is not None]
    assert len(got) == len(set(got))
    assert all(a.line_id in eligible[a.login] for a in out if a.line_id is not None)
    assert sorted(a.position for a in out) == list(range(1, 9))
