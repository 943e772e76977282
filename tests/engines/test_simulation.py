"""Tests of the discrete-event contact-centre simulator (ccops.engines.simulation)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import expm

from ccops.engines import queueing
from ccops.engines import simulation as sim
from ccops.engines.simulation import (
    ABANDONED,
    ANSWERED,
    AVAILABLE,
    OFFLINE,
    ON_CONTACT,
    OTHER,
    AgentGroup,
    QueueSpec,
    Scenario,
    SimulationResult,
    kpis,
    replicate,
    simulate,
    simulate_trace,
)

# ---------------------------------------------------------------------------------------------
# Reference values: ccops.engines.queueing (closed forms), and an independent numerical solution
# of the M/M/n+M chain written here (for P(wait) under abandonment and as a cross-check).
# ---------------------------------------------------------------------------------------------


def mmn_reference(n: int, rate_per_s: float, aht_s: float, target_s: float) -> dict[str, float]:
    """Erlang C (M/M/n) from ccops.engines.queueing: P(wait), SL, ASA, occupancy."""
    return {
        "p_wait": queueing.erlang_c(n, rate_per_s * aht_s),
        "service_level": queueing.service_level(n, rate_per_s, aht_s, target_s),
        "asa_s": queueing.asa_s(n, rate_per_s, aht_s),
        "occupancy": queueing.occupancy(n, rate_per_s, aht_s),
    }


def erlang_a_reference(
    n: int, rate_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> dict[str, float]:
    """Erlang A (M/M/n+M) from ccops.engines.queueing, P(wait) from :func:`palm_chain`."""
    return {
        "service_level": queueing.service_level(n, rate_per_s, aht_s, target_s, patience_s),
        "asa_s": queueing.asa_s(n, rate_per_s, aht_s, patience_s=patience_s),
        "abandon_rate": queueing.abandon_probability(n, rate_per_s, aht_s, patience_s=patience_s),
        "p_wait": palm_chain(n, rate_per_s, aht_s, patience_s, target_s)["p_wait"],
        "occupancy": queueing.occupancy(n, rate_per_s, aht_s, patience_s=patience_s),
    }


def palm_chain(
    n: int, rate_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> dict[str, float]:
    """M/M/n+M (Erlang A / Palm) by its birth-death chain and the tagged arrival's wait.

    The number in system k has birth rate lambda and death rate min(k, n) mu + max(k - n, 0)
    theta (Palm 1943; Garnett, Mandelbaum & Reiman 2002). By PASTA an arrival sees the
    stationary law; one who finds j >= 0 waiting ahead advances through states j, ..., 0 at
    rates n mu + m theta (service completions and abandonments ahead), enters service at rate
    n mu from state 0, and abandons at rate theta from any state. P(served within T) and
    E[wait; served] follow from that absorbing chain (matrix exponential, one linear solve).
    Returns SL (answered within T / all arrivals), ASA (mean wait of answered), abandon rate,
    P(wait) and occupancy.
    """
    lam, mu, theta = rate_per_s, 1.0 / aht_s, 1.0 / patience_s
    m_max = 400  # waiting places kept; the tail beyond is below 1e-30 for the loads used here
    k = np.arange(n + m_max + 1)
    death = np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death[1:]))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    p_free = float(p[:n].sum())
    ahead = p[n:]  # arrival finds j = 0..m_max waiting
    # Transient states m = 0..m_max (number ahead), absorbing 'served' and 'abandoned'.
    size = m_max + 1
    g = np.zeros((size + 2, size + 2))
    for m in range(size):
        if m > 0:
            g[m, m - 1] = n * mu + m * theta
        else:
            g[m, size] = n * mu
        g[m, size + 1] = theta
        g[m, m] = -g[m].sum()
    start = np.zeros(size + 2)
    start[:size] = ahead
    at_t = start @ expm(g * target_s)
    served_within = float(at_t[size])
    # E[W; served] = sum_m h_m E[time spent in m], h_m = P(eventually served | in m).
    rates = n * mu + np.arange(size) * theta
    h = np.cumprod(rates / (rates + theta))
    occupancy_time = np.linalg.solve(-g[:size, :size].T, ahead)
    wait_served = float(h @ occupancy_time)
    p_served = p_free + float(ahead @ h)
    return {
        "service_level": p_free + served_within,
        "asa_s": wait_served / p_served,
        "abandon_rate": 1.0 - p_served,
        "p_wait": 1.0 - p_free,
        "occupancy": lam * p_served * aht_s / n,
    }


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def one_queue(
    n_agents: int | list[int],
    rate_per_s: float | list[float],
    aht_s: float | list[float] = 180.0,
    *,
    patience_s: float | list[float] | None = None,
    handle_cv: float | None = None,
    interval_s: float = 3600.0,
    n_intervals: int | None = None,
) -> Scenario:
    return Scenario(
        queues=[QueueSpec("q", rate_per_s, aht_s, handle_cv=handle_cv, patience_s=patience_s)],
        agent_groups=[AgentGroup("g", {"q": 1}, n_agents)],
        interval_s=interval_s,
        n_intervals=n_intervals,
    )


def check_invariants(r: SimulationResult) -> None:
    """Properties every run has, whatever the scenario."""
    c, s = r.contacts, r.agent_states
    horizon = r.horizon_s
    scen = r.scenario
    ans = c.outcome == ANSWERED
    ab = c.outcome == ABANDONED
    other = c.outcome == OTHER
    # Conservation: every offered contact has exactly one outcome.
    assert ans.sum() + ab.sum() + other.sum() == len(c)
    assert np.all(np.diff(c.arrival_s) >= 0)
    assert np.all((c.arrival_s >= 0) & (c.arrival_s < horizon))
    assert np.all(c.wait_s >= 0)
    assert_allclose(c.answer_s[ans], c.arrival_s[ans] + c.wait_s[ans], rtol=0, atol=1e-9)
    assert_allclose(c.end_s[ans], c.answer_s[ans] + c.talk_s[ans], rtol=0, atol=1e-9)
    assert np.all(c.answer_s[ans] < horizon)
    assert np.all(np.isnan(c.answer_s[~ans]))
    assert np.all(c.agent[~ans] == -1) and np.all(c.agent[ans] >= 0)
    assert np.all(c.end_s[ab] < horizon) and np.all(np.isnan(c.end_s[other]))
    assert_allclose(c.arrival_s[other] + c.wait_s[other], horizon, rtol=0, atol=1e-6)
    # Agents only take contacts of their skills, and only while scheduled on.
    skills = [{scen.queue_names.index(q) for q in g.skills} for g in scen.agent_groups]
    staffing = (
        np.stack(
            [np.broadcast_to(np.asarray(g.staffing), (scen.intervals,)) for g in scen.agent_groups]
        )
        if scen.agent_groups
        else np.zeros((0, 1))
    )
    for i in np.flatnonzero(ans):
        a = int(c.agent[i])
        g = int(r.agent_group[a])
        assert int(c.queue[i]) in skills[g]
        k = min(int(c.answer_s[i] // scen.interval_s), scen.intervals - 1)
        assert int(r.agent_slot[a]) < staffing[g, k]
    # FCFS within a queue: answer times follow arrival order.
    for q in range(len(scen.queues)):
        m = ans & (c.queue == q)
        assert np.all(np.diff(c.answer_s[m]) >= 0)
    # Agent spans: per agent, contiguous, non-overlapping, covering [0, horizon].
    assert np.all(s.end_s > s.start_s)
    for a in range(len(r.agent_group)):
        m = s.agent == a
        st_, en = s.start_s[m], s.end_s[m]
        assert st_[0] == 0.0
        assert_array_equal(st_[1:], en[:-1])
        assert en[-1] >= horizon
        assert np.all(s.group[m] == r.agent_group[a])
        on = s.state[m] == ON_CONTACT
        assert np.all(st_[~on] < horizon + 1e-9) and np.all(en[~on] <= horizon)
        assert on.sum() == int(np.sum(c.agent == a))
    # No skilled agent is available while a contact waits.
    avail = s.state == AVAILABLE
    for i in np.flatnonzero(c.wait_s > 0):
        lo, hi = c.arrival_s[i], c.arrival_s[i] + c.wait_s[i]
        skilled = np.isin(s.group, [g for g, sk in enumerate(skills) if int(c.queue[i]) in sk])
        overlap = avail & skilled & (s.start_s < hi) & (s.end_s > lo)
        assert not overlap.any(), f"contact {i} waited while an agent was available"


# ---------------------------------------------------------------------------------------------
# Determinism, shape, purity
# ---------------------------------------------------------------------------------------------


ALLOWED_IMPORTS = {"__future__", "heapq", "math", "collections", "dataclasses", "typing"}
ALLOWED_IMPORTS |= {"numpy", "scipy", "ccops"}


def test_engine_imports_nothing_from_ccops_outside_engines() -> None:
    files = sorted(Path(sim.__file__).parent.glob("*.py"))
    assert len(files) > 1, "the simulation package's modules are not found"
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("ccops") or name.startswith("ccops.engines"), name
                assert name.split(".")[0] in ALLOWED_IMPORTS, name


def test_same_seed_gives_same_run_and_other_seed_another() -> None:
    scen = Scenario(
        queues=[
            QueueSpec("a", [0.02, 0.05], 120.0, patience_s=60.0),
            QueueSpec("b", 0.03, 200.0, handle_cv=0.7, patience_s=[5.0, 30.0, 90.0]),
        ],
        agent_groups=[
            AgentGroup("ab", {"a": 1, "b": 2}, [3, 5]),
            AgentGroup("b", {"b": 1}, [2, 1]),
        ],
        interval_s=1800.0,
    )
    r1, r2, r3 = simulate(scen, 7), simulate(scen, np.random.default_rng(7)), simulate(scen, 8)
    for name in ("queue", "arrival_s", "wait_s", "outcome", "answer_s", "end_s", "agent"):
        assert_array_equal(getattr(r1.contacts, name), getattr(r2.contacts, name))
    for name in ("agent", "state", "start_s", "end_s"):
        assert_array_equal(getattr(r1.agent_states, name), getattr(r2.agent_states, name))
    assert not np.array_equal(r1.contacts.arrival_s, r3.contacts.arrival_s)


def test_records_iterate_as_dicts_shaped_like_imports() -> None:
    scen = one_queue(2, 0.02, 60.0, patience_s=30.0, n_intervals=2, interval_s=900.0)
    r = simulate(scen, 3)
    rows = list(r.contact_dicts())
    assert len(rows) == len(r.contacts) > 0
    for row in rows:
        assert row["outcome"] in {"answered", "abandoned", "other"}
        assert row["queue"] == "q"
        if row["outcome"] == "answered":
            assert row["agent"].startswith("g-") and row["answer_s"] is not None
        else:
            assert row["agent"] is None and row["answer_s"] is None and row["talk_s"] == 0.0
    spans = list(r.agent_state_dicts())
    assert len(spans) == len(r.agent_states)
    assert {s["state"] for s in spans} <= {"available", "on_contact", "offline"}
    assert spans[0]["agent"] == "g-1" and spans[0]["group"] == "g"


@settings(max_examples=30, deadline=None)
@given(
    rates=st.lists(st.floats(0.0, 0.05), min_size=2, max_size=2),
    staff=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    patience=st.sampled_from([None, 20.0, [0.0, 15.0, 45.0]]),
    cv=st.sampled_from([None, 0.0, 1.5]),
    prio=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_hold_for_random_small_scenarios(
    rates: list[float],
    staff: list[int],
    patience: float | list[float] | None,
    cv: float | None,
    prio: int,
    seed: int,
) -> None:
    scen = Scenario(
        queues=[
            QueueSpec("a", rates[0], 90.0, handle_cv=cv, patience_s=patience),
            QueueSpec("b", [rates[1], 0.0, rates[1]], 150.0, patience_s=patience),
        ],
        agent_groups=[
            AgentGroup("ab", {"a": 1, "b": prio}, staff[:3]),
            AgentGroup("b", {"b": 1}, staff[3:]),
        ],
        interval_s=600.0,
    )
    r = simulate(scen, seed)
    check_invariants(r)
    k = kpis(r, 20.0)
    assert k.overall.offered == len(r.contacts)
    assert sum(q.offered for q in k.queues) == k.overall.offered
    for q in k.queues:
        assert q.answered + q.abandoned + q.other == q.offered


# ---------------------------------------------------------------------------------------------
# Against queueing theory
# ---------------------------------------------------------------------------------------------


def test_mmn_reproduces_erlang_c_within_the_99_percent_interval() -> None:
    n, aht, target = 10, 180.0, 20.0
    rate = 8.0 / aht  # 8 Erlangs on 10 agents
    scen = one_queue(n, rate, aht, interval_s=3600.0, n_intervals=5000)  # ~800,000 contacts
    r = simulate(scen, 20240601)
    check_invariants_fast(r)
    q = kpis(r, target, warmup_s=3600.0, n_batches=20).queues[0]
    ref = mmn_reference(n, rate, aht, target)
    assert q.abandoned == 0
    for name, tol in (("service_level", 0.015), ("p_wait", 0.015), ("asa_s", 3.0)):
        est = getattr(q, name)
        assert est.half_width < tol, f"{name}: interval too wide to be a test ({est})"
        assert est.contains(ref[name]), f"{name}: {ref[name]} outside {est}"
    assert q.occupancy.contains(ref["occupancy"]), (q.occupancy, ref["occupancy"])


def test_mmn_plus_m_reproduces_erlang_a_within_the_99_percent_interval() -> None:
    n, aht, patience, target = 12, 240.0, 180.0, 20.0
    rate = 12.5 / aht  # overloaded without abandonment: 12.5 Erlangs on 12 agents
    scen = one_queue(n, rate, aht, patience_s=patience, interval_s=3600.0, n_intervals=4000)
    r = simulate(scen, 20240602)
    check_invariants_fast(r)
    q = kpis(r, target, warmup_s=3600.0, n_batches=20).queues[0]
    ref = erlang_a_reference(n, rate, aht, patience, target)
    for name, tol in (
        ("service_level", 0.015),
        ("abandon_rate", 0.01),
        ("p_wait", 0.015),
        ("asa_s", 3.0),
        ("occupancy", 0.01),
    ):
        est = getattr(q, name)
        assert est.half_width < tol, f"{name}: interval too wide to be a test ({est})"
        assert est.contains(ref[name]), f"{name}: {ref[name]} outside {est}"


def test_palm_chain_agrees_with_the_queueing_engine() -> None:
    # Two independent routes to the same numbers: the chain here and the closed forms there.
    chain = palm_chain(12, 12.5 / 240.0, 240.0, 180.0, 20.0)
    closed = erlang_a_reference(12, 12.5 / 240.0, 240.0, 180.0, 20.0)
    for name in ("service_level", "asa_s", "abandon_rate", "occupancy"):
        assert_allclose(chain[name], closed[name], rtol=1e-9)
    # Patience 1e9 s: M/M/n+M tends to M/M/n (Erlang C).
    chain = palm_chain(10, 8.0 / 180.0, 180.0, 1e9, 20.0)
    closed = mmn_reference(10, 8.0 / 180.0, 180.0, 20.0)
    for name in ("service_level", "p_wait", "asa_s", "occupancy"):
        assert_allclose(chain[name], closed[name], rtol=1e-5)


def test_replications_cover_erlang_c() -> None:
    n, aht, target = 5, 300.0, 30.0
    rate = 3.5 / aht
    scen = one_queue(n, rate, aht, interval_s=3600.0, n_intervals=100)
    s = replicate(scen, 12, 99, target_s=target, warmup_s=3600.0)
    assert s.method == "replications" and s.n_batches == 12
    again = replicate(scen, 12, 99, target_s=target, warmup_s=3600.0)
    assert s == again
    q = s.queues[0]
    ref = mmn_reference(n, rate, aht, target)
    for name in ("service_level", "p_wait", "asa_s", "occupancy"):
        est = getattr(q, name)
        assert est.contains(ref[name]), f"{name}: {ref[name]} outside {est}"
    assert q.service_level.half_width < 0.03


def check_invariants_fast(r: SimulationResult) -> None:
    c = r.contacts
    assert np.count_nonzero(c.outcome == ANSWERED) + np.count_nonzero(
        c.outcome == ABANDONED
    ) + np.count_nonzero(c.outcome == OTHER) == len(c)
    assert np.all(c.wait_s >= 0)


# ---------------------------------------------------------------------------------------------
# Time-varying load and staffing
# ---------------------------------------------------------------------------------------------


def test_zero_staff_means_everyone_abandons_or_still_waits() -> None:
    r = simulate(one_queue(0, 0.05, patience_s=[60.0], n_intervals=4), 1)
    out = r.contacts.outcome
    assert len(out) > 500
    assert np.all(out != ANSWERED)
    late = r.contacts.arrival_s + 60.0 >= r.horizon_s
    assert np.all(out[~late] == ABANDONED) and np.all(out[late] == OTHER)
    q = kpis(r, 20.0).queues[0]
    assert q.service_level.value == 0.0 and math.isnan(q.asa_s.value)
    assert 0.0 <= q.abandon_rate.low <= q.abandon_rate.high <= 1.0
    r = simulate(one_queue(0, 0.05, n_intervals=4), 1)
    assert np.all(r.contacts.outcome == OTHER)
    assert len(r.agent_states) == 0
    check_invariants(r)
    # No agent groups at all.
    scen = Scenario(queues=[QueueSpec("q", 0.05, 60.0)], agent_groups=[], n_intervals=2)
    r = simulate(scen, 1)
    assert np.all(r.contacts.outcome == OTHER)
    assert math.isnan(kpis(r, 20.0).queues[0].occupancy.value)


def test_staff_log_in_and_out_at_interval_boundaries() -> None:
    # Nobody in the first interval, 5 agents in the second, nobody in the third.
    scen = one_queue([0, 5, 0], 0.005, 600.0, handle_cv=0.0, interval_s=900.0)
    r = simulate(scen, 11)
    check_invariants(r)
    c, s = r.contacts, r.agent_states
    ans = c.outcome == ANSWERED
    assert np.all(c.answer_s[ans] >= 900.0) and np.all(c.answer_s[ans] < 1800.0)
    first = c.arrival_s < 900.0
    assert 0 < first.sum() <= 5  # they wait (no patience limit) for the 5 agents at 900 s
    assert np.all(c.answer_s[first] == 900.0)
    assert np.all(c.outcome[c.arrival_s >= 1800.0] == OTHER)
    # An agent scheduled off mid-contact finishes it, then goes offline.
    assert np.any(c.end_s[ans] > 1800.0)
    for a in range(5):
        m = s.agent == a
        st_, en, state = s.start_s[m], s.end_s[m], s.state[m]
        assert state[0] == OFFLINE and en[0] == 900.0
        busy_end = en[state == ON_CONTACT].max(initial=0.0)
        if busy_end < r.horizon_s:
            assert state[-1] == OFFLINE and en[-1] == r.horizon_s
            assert st_[-1] == max(1800.0, busy_end)
        else:  # still on its last contact at the horizon
            assert state[-1] == ON_CONTACT and st_[-1] < 1800.0


def test_arrival_rates_follow_the_intervals() -> None:
    scen = one_queue(50, [0.0, 0.5, 0.1, 0.0], 60.0, interval_s=1000.0)
    r = simulate(scen, 5)
    counts = np.bincount((r.contacts.arrival_s // 1000).astype(int), minlength=4)
    assert counts[0] == 0 and counts[3] == 0
    # Poisson counts: 500 and 100 expected; 4 standard deviations.
    assert abs(counts[1] - 500) < 4 * math.sqrt(500)
    assert abs(counts[2] - 100) < 4 * math.sqrt(100)


# ---------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------


def test_lognormal_handle_time_has_the_given_mean_and_cv() -> None:
    mean, cv = 240.0, 0.6
    scen = one_queue(400, 1.0, mean, handle_cv=cv, interval_s=3600.0, n_intervals=30)
    r = simulate(scen, 17)
    talk = r.contacts.talk_s[r.contacts.outcome == ANSWERED]
    n = talk.size
    assert n > 100_000
    sigma2 = math.log1p(cv * cv)
    logs = np.log(talk)
    # log(talk) ~ Normal(ln mean - sigma^2/2, sigma^2): 5 standard errors.
    assert abs(logs.mean() - (math.log(mean) - sigma2 / 2)) < 5 * math.sqrt(sigma2 / n)
    assert abs(logs.var() - sigma2) < 5 * sigma2 * math.sqrt(2 / n)
    assert_allclose(talk.mean(), mean, rtol=0.01)
    assert_allclose(talk.std() / talk.mean(), cv, rtol=0.03)


def test_exponential_and_per_interval_handle_time_means() -> None:
    scen = one_queue(300, 0.5, [100.0, 300.0], interval_s=36000.0)
    r = simulate(scen, 23)
    c = r.contacts
    early = (c.outcome == ANSWERED) & (c.arrival_s < 36000.0)
    late = (c.outcome == ANSWERED) & (c.arrival_s >= 36000.0)
    for mask, mean in ((early, 100.0), (late, 300.0)):
        x = c.talk_s[mask]
        assert abs(x.mean() - mean) < 5 * mean / math.sqrt(x.size)
        assert_allclose(x.std() / x.mean(), 1.0, rtol=0.05)


def test_constant_handle_time_when_cv_is_zero() -> None:
    r = simulate(one_queue(3, 0.01, 50.0, handle_cv=0.0, n_intervals=2), 2)
    assert_allclose(r.contacts.talk_s[r.contacts.outcome == ANSWERED], 50.0, rtol=1e-12)


def test_empirical_patience_is_sampled_from_the_given_values() -> None:
    r = simulate(one_queue(1, 0.05, 300.0, patience_s=[10.0, 40.0], n_intervals=3), 4)
    c = r.contacts
    ab = c.outcome == ABANDONED
    assert ab.sum() > 100
    assert set(np.unique(c.wait_s[ab]).tolist()) == {10.0, 40.0}
    assert np.all(c.wait_s[c.outcome == ANSWERED] <= 40.0)


# ---------------------------------------------------------------------------------------------
# Routing, hand-checked on traces
# ---------------------------------------------------------------------------------------------


def test_multi_skill_routing_follows_priorities_then_age() -> None:
    # Agent 0 (group "ab") has A first and B second; agent 1 (group "b") only B.
    scen = Scenario(
        queues=[QueueSpec("A", 0.0, 1.0), QueueSpec("B", 0.0, 1.0)],
        agent_groups=[
            AgentGroup("ab", {"A": 1, "B": 2}, 1),
            AgentGroup("b", {"B": 1}, 1),
        ],
        interval_s=100.0,
        n_intervals=1,
    )
    r = simulate_trace(
        scen,
        arrival_s=[1.0, 2.0, 4.0, 5.0, 6.0],
        queue=[1, 1, 1, 1, 0],
        handle_s=[10.0, 10.0, 5.0, 5.0, 5.0],
    )
    c = r.contacts
    # t=1 B: both free; agent 1 has B as its top priority -> agent 1 (ends 11).
    # t=2 B: only agent 0 free, B is its second skill -> agent 0 (ends 12).
    # t=4, 5 B and t=6 A wait.
    # t=11 agent 1 frees: takes the oldest B (t=4), ends 16.
    # t=12 agent 0 frees: A is its first priority, so it takes A (t=6) over the older B (t=5).
    # t=16 agent 1 frees: takes B (t=5).
    assert_array_equal(c.agent, [1, 0, 1, 1, 0])
    assert_array_equal(c.answer_s, [1.0, 2.0, 11.0, 16.0, 12.0])
    assert_array_equal(c.wait_s, [0.0, 0.0, 7.0, 11.0, 6.0])
    assert_array_equal(c.end_s, [11.0, 12.0, 16.0, 21.0, 17.0])
    s = r.agent_states
    assert_array_equal(s.agent, [0, 0, 0, 0, 1, 1, 1, 1, 1])
    agent0 = [AVAILABLE, ON_CONTACT, ON_CONTACT, AVAILABLE]
    agent1 = [AVAILABLE, ON_CONTACT, ON_CONTACT, ON_CONTACT, AVAILABLE]
    assert_array_equal(s.state, agent0 + agent1)
    assert_array_equal(s.start_s, [0.0, 2.0, 12.0, 17.0, 0.0, 1.0, 11.0, 16.0, 21.0])
    assert_array_equal(s.end_s, [2.0, 12.0, 17.0, 100.0, 1.0, 11.0, 16.0, 21.0, 100.0])


def test_equal_priorities_take_the_oldest_contact_across_queues() -> None:
    scen = Scenario(
        queues=[QueueSpec("A", 0.0, 1.0), QueueSpec("B", 0.0, 1.0)],
        agent_groups=[AgentGroup("ab", {"A": 1, "B": 1}, 1)],
        interval_s=100.0,
        n_intervals=1,
    )
    r = simulate_trace(
        scen, arrival_s=[0.0, 1.0, 2.0, 3.0], queue=[0, 1, 0, 1], handle_s=[10.0] * 4
    )
    assert_array_equal(r.contacts.answer_s, [0.0, 10.0, 20.0, 30.0])


def test_arrival_goes_to_the_longest_idle_agent() -> None:
    scen = Scenario(
        queues=[QueueSpec("A", 0.0, 1.0)],
        agent_groups=[AgentGroup("g", {"A": 1}, 2), AgentGroup("h", {"A": 1}, 1)],
        interval_s=100.0,
        n_intervals=1,
    )
    r = simulate_trace(
        scen, arrival_s=[1.0, 3.0, 4.0, 5.0], queue=[0, 0, 0, 0], handle_s=[1.0, 50.0, 50.0, 1.0]
    )
    # All idle since 0: ties go to group order, then slot -> agent 0; it is idle again from 2,
    # so at 3 agent 1 (idle since 0) is chosen, at 4 agent 2 (group h, idle since 0), at 5
    # agent 0.
    assert_array_equal(r.contacts.agent, [0, 1, 2, 0])


def test_lazy_abandonment_drops_expired_contacts_and_serves_the_next() -> None:
    scen = one_queue(1, 0.0, 1.0, interval_s=100.0, n_intervals=1)
    r = simulate_trace(
        scen,
        arrival_s=[0.0, 1.0, 2.0, 3.0],
        queue=[0, 0, 0, 0],
        handle_s=[10.0, 5.0, 5.0, 5.0],
        patience_s=[0.0, 4.0, 20.0, 8.0],
    )
    c = r.contacts
    assert_array_equal(c.outcome, [ANSWERED, ABANDONED, ANSWERED, ABANDONED])
    assert_array_equal(c.answer_s[[0, 2]], [0.0, 10.0])
    assert_array_equal(c.end_s, [10.0, 5.0, 15.0, 11.0])
    assert_array_equal(c.wait_s, [0.0, 4.0, 8.0, 8.0])


def test_agent_scheduled_off_finishes_the_contact_then_logs_out() -> None:
    scen = one_queue([1, 0], 0.0, 1.0, interval_s=10.0)
    r = simulate_trace(scen, arrival_s=[5.0, 12.0], queue=[0, 0], handle_s=[10.0, 1.0])
    c, s = r.contacts, r.agent_states
    assert_array_equal(c.outcome, [ANSWERED, OTHER])
    assert_array_equal(c.wait_s, [0.0, 8.0])
    assert_array_equal(s.state, [AVAILABLE, ON_CONTACT, OFFLINE])
    assert_array_equal(s.start_s, [0.0, 5.0, 15.0])
    assert_array_equal(s.end_s, [5.0, 15.0, 20.0])


def test_staff_coming_back_while_still_busy_stays_logged_in() -> None:
    scen = one_queue([1, 0, 1], 0.0, 1.0, interval_s=10.0)
    r = simulate_trace(scen, arrival_s=[5.0, 22.0], queue=[0, 0], handle_s=[20.0, 1.0])
    assert_array_equal(r.contacts.answer_s, [5.0, 25.0])
    assert_array_equal(r.agent_states.state, [AVAILABLE, ON_CONTACT, ON_CONTACT, AVAILABLE])


# ---------------------------------------------------------------------------------------------
# KPIs and validation
# ---------------------------------------------------------------------------------------------


def test_kpis_on_a_hand_checked_trace() -> None:
    scen = one_queue(1, 0.0, 1.0, interval_s=100.0, n_intervals=1)
    r = simulate_trace(
        scen,
        arrival_s=[0.0, 1.0, 2.0, 50.0],
        queue=[0, 0, 0, 0],
        handle_s=[10.0, 10.0, 10.0, 10.0],
        patience_s=[math.inf, math.inf, 5.0, math.inf],
    )
    q = kpis(r, target_s=10.0, n_batches=1).queues[0]
    # Answered: 0 (wait 0), 1 (wait 9), 3 (wait 0); contact 2 abandons after 5 s.
    assert (q.offered, q.answered, q.abandoned, q.other) == (4, 3, 1, 0)
    assert q.service_level.value == 0.75
    assert q.abandon_rate.value == 0.25
    assert q.asa_s.value == 3.0
    assert q.p_wait.value == 0.5
    assert q.occupancy.value == 0.3
    assert math.isnan(q.service_level.low)  # one batch: no interval
    w = kpis(r, target_s=10.0, warmup_s=40.0, n_batches=1).queues[0]
    assert w.offered == 1 and w.occupancy.value == pytest.approx(10.0 / 60.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"queues": []}, "at least one queue"),
        ({"interval_s": 0.0}, "interval_s"),
        ({"queues": [QueueSpec("q", -1.0, 1.0)]}, "arrival rates"),
        ({"queues": [QueueSpec("q", [1.0, 1.0, 1.0], 1.0)]}, "intervals"),
        ({"agent_groups": [AgentGroup("g", {"x": 1}, 1)]}, "unknown queues"),
        ({"agent_groups": [AgentGroup("g", {"q": 1}, 1.5)]}, "whole numbers"),
        ({"queues": [QueueSpec("q", 1.0, 1.0), QueueSpec("q", 1.0, 1.0)]}, "repeat"),
        ({"n_intervals": None}, "n_intervals"),
    ],
)
def test_invalid_scenarios_are_rejected(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "queues": [QueueSpec("q", 1.0, 1.0)],
        "agent_groups": [AgentGroup("g", {"q": 1}, 1)],
        "interval_s": 60.0,
        "n_intervals": 2,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Scenario(**args)  # type: ignore[arg-type]


def test_invalid_queue_specs_and_traces_are_rejected() -> None:
    with pytest.raises(ValueError, match="handle_cv"):
        QueueSpec("q", 1.0, 1.0, handle_cv=-1.0)
    with pytest.raises(ValueError, match="patience"):
        QueueSpec("q", 1.0, 1.0, patience_s=0.0)
    with pytest.raises(ValueError, match="patience"):
        QueueSpec("q", 1.0, 1.0, patience_s=[])
    scen = one_queue(1, 0.0, 1.0, interval_s=10.0, n_intervals=1)
    with pytest.raises(ValueError, match="horizon"):
        simulate_trace(scen, arrival_s=[10.0], queue=[0], handle_s=[1.0])
    with pytest.raises(ValueError, match="out of range"):
        simulate_trace(scen, arrival_s=[1.0], queue=[1], handle_s=[1.0])
    with pytest.raises(ValueError, match="same length"):
        simulate_trace(scen, arrival_s=[1.0], queue=[0, 0], handle_s=[1.0])
    r = simulate_trace(scen, arrival_s=[1.0], queue=[0], handle_s=[1.0])
    with pytest.raises(ValueError, match="warmup_s"):
        kpis(r, 20.0, warmup_s=10.0)
    with pytest.raises(ValueError, match="confidence"):
        kpis(r, 20.0, confidence=1.0)
