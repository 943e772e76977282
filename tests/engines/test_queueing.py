"""Tests of the staffing maths: published values, mpmath references, properties and bad input."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from ccops.engines import queueing as q
from ccops.engines.queueing import QueueingInputError

SETTINGS = settings(max_examples=50, deadline=None)


# ---------------------------------------------------------------------------------------------
# independent high-precision references (mpmath)
# ---------------------------------------------------------------------------------------------


def mp_erlang_b(agents: float, load: float) -> Any:
    """1/B(x, A) = e^A A^-x Gamma(x + 1, A), evaluated with 40 significant digits."""
    with mp.workdps(40):
        x, a = mp.mpf(agents), mp.mpf(load)
        return 1 / (mp.exp(a) * a ** (-x) * mp.gammainc(x + 1, a))


def mp_erlang_c(agents: float, load: float) -> Any:
    with mp.workdps(40):
        x, a = mp.mpf(agents), mp.mpf(load)
        b = mp_erlang_b(agents, load)
        return x * b / (x - a * (1 - b))


def mp_erlang_a(
    agents: int, rate_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> dict[str, float]:
    """M/M/n+M by summing the birth-death chain (no incomplete gamma functions).

    A caller who finds j others waiting moves up at rate n mu + k theta (k ahead of him) and
    abandons at rate theta; he is answered with probability n mu / (n mu + (j + 1) theta) after
    a wait that is a sum of exponentials with rates n mu + i theta, i = 1..j + 1, whose
    distribution function at t is the regularized incomplete beta function
    I(a = n mu/theta + 1, b = j + 1) integrated over [e^-theta t, 1].
    """
    with mp.workdps(40):
        lam, mu, th = mp.mpf(rate_per_s), 1 / mp.mpf(aht_s), 1 / mp.mpf(patience_s)
        t, n = mp.mpf(target_s), agents
        load = lam / mu
        weights = [mp.mpf(1)]
        for k in range(1, n + 1):
            weights.append(weights[-1] * load / k)
        queue = [weights[n]]
        while queue[-1] > weights[n] * mp.mpf(10) ** -45 or len(queue) < 5:
            queue.append(queue[-1] * lam / (n * mu + len(queue) * th))
        total = mp.fsum(weights[:n]) + mp.fsum(queue)
        no_wait = mp.fsum(weights[:n]) / total
        served_within, abandon, wait_served = no_wait, mp.mpf(0), mp.mpf(0)
        for j, weight in enumerate(queue):
            p = weight / total
            answered = n * mu / (n * mu + (j + 1) * th)
            abandon += p * (1 - answered)
            within = mp.betainc(n * mu / th + 1, j + 1, mp.exp(-th * t), 1, regularized=True)
            served_within += p * answered * within
            wait_served += p * answered * mp.fsum(1 / (n * mu + i * th) for i in range(1, j + 2))
        return {
            "sl": float(served_within),
            "abandon": float(abandon),
            "asa": float(wait_served / (1 - abandon)),
            "occupancy": float(load * (1 - abandon) / n),
        }


def mp_erlang_a_closed_form(
    agents: float, rate_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> dict[str, float]:
    """The Garnett-Mandelbaum-Reiman formulas evaluated by mpmath with 50 digits."""
    with mp.workdps(50):
        n, lam, h, p, t = (mp.mpf(v) for v in (agents, rate_per_s, aht_s, patience_s, target_s))
        load = lam * h
        x, y, rho = n * p / h, load * p / h, load / n
        q_ = 1 / mp_erlang_b(agents, float(load)) - 1

        def integral(c: Any, s_end: Any) -> Any:  # e^y y^-c [gamma(c, y) - gamma(c, y e^-S)]
            return mp.exp(y) * y ** (-c) * mp.gammainc(c, y * mp.exp(-s_end), y)

        j = x * integral(x, mp.inf)
        k = (j - 1) / rho
        d = q_ + j
        return {
            "sl": float((q_ + x * integral(x + 1, t / p)) / d),
            "abandon": float((j - k) / d),
            "occupancy": float(rho * (q_ + k) / d),
        }


# ---------------------------------------------------------------------------------------------
# published values
# ---------------------------------------------------------------------------------------------


def test_erlang_b_matches_westbay_manual_example() -> None:
    # Westbay Erlang calculator manual, "How much traffic can a trunk group handle?"
    # (erlang.com/calculatormanual/howmuchtrafficcanatrunkgrouphandle.htm): 15 lines at 1%
    # blocking carry 8.108 erlangs (printed to 3 decimals, so B brackets 1% within +-0.0005).
    assert q.erlang_b(15, 8.1075) <= 0.01 <= q.erlang_b(15, 8.1085)


@pytest.mark.parametrize(
    ("circuits", "blocking", "table_erlangs"),
    [(10, 0.01, 4.46), (10, 0.02, 5.08), (20, 0.01, 12.03), (20, 0.02, 13.18), (100, 0.01, 84.06)],
)
def test_erlang_b_matches_published_table(
    circuits: int, blocking: float, table_erlangs: float
) -> None:
    # Standard Erlang B (blocked calls cleared) tables, as printed in teletraffic handbooks:
    # offered traffic in erlangs for a number of circuits and a blocking probability, to 2
    # decimals (+-0.005 erlang). The Westbay value above is the one re-read at its source.
    assert q.erlang_b(circuits, table_erlangs - 0.005) <= blocking
    assert blocking <= q.erlang_b(circuits, table_erlangs + 0.005)


def test_erlang_c_matches_call_centre_helper_worked_example() -> None:
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    # (callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per 30 minutes,
    # AHT 180 s (10 erlangs), 80% in 20 s, maximum occupancy 85%, shrinkage 30%. Published:
    # P(wait) with 11 agents 68.21%, 14 raw agents needed, 20 agents once shrinkage is added.
    rate, aht = 100 / 1800, 180.0
    assert_allclose(q.erlang_c(11, rate * aht), 0.6821, atol=5e-5)
    agents = q.required_agents(rate, aht, service_level=0.8, target_s=20, max_occupancy=0.85)
    assert agents == 14
    assert q.scheduled_from_required(agents, 0.3) == 20
    assert q.service_level(13, rate, aht, 20) < 0.8 <= q.service_level(14, rate, aht, 20)


def test_erlang_b_small_cases_in_closed_form() -> None:
    # B(1, A) = A/(1 + A); B(2, A) = A^2/2 / (1 + A + A^2/2)
    a = np.array([0.01, 0.5, 3.0, 250.0])
    assert_allclose(q.erlang_b(1, a), a / (1 + a), rtol=1e-14)
    assert_allclose(q.erlang_b(2, a), a**2 / 2 / (1 + a + a**2 / 2), rtol=1e-14)
    assert q.erlang_b(0, 5.0) == 1.0
    assert q.erlang_b(3, 0.0) == 0.0


# ---------------------------------------------------------------------------------------------
# mpmath comparisons, including 100,000 agents
# ---------------------------------------------------------------------------------------------

GRID_LOADS = [0.01, 0.1, 1.0, 7.5, 50.0, 300.0, 2_000.0, 10_000.0, 60_000.0, 100_000.0]
GRID_AGENTS = [1.0, 2.5, 10.0, 55.0, 301.0, 2_100.0, 10_050.5, 60_400.0, 99_000.0, 100_000.0]
NEAR = [(100_000.0, 99_500.0), (100_000.0, 100_000.0), (100_000.0, 100_800.0), (99_999.5, 1e5)]


def test_erlang_b_and_c_match_mpmath_on_grid_up_to_100000_agents() -> None:
    pairs = [(x, a) for x in GRID_AGENTS for a in GRID_LOADS] + NEAR
    agents = np.array([p[0] for p in pairs])
    loads = np.array([p[1] for p in pairs])
    b = q.erlang_b(agents, loads)
    c = q.erlang_c(agents, loads)
    assert np.isfinite(b).all() and np.isfinite(c).all()
    ref_b = np.array([float(mp_erlang_b(x, a)) for x, a in pairs])
    ref_c = np.array([float(mp_erlang_c(x, a)) if x > a else 1.0 for x, a in pairs])
    shown = ref_b > 1e-200
    assert_allclose(b[shown], ref_b[shown], rtol=1e-9)
    assert (b[~shown] <= 1e-190).all()
    shown = ref_c > 1e-200
    assert_allclose(c[shown], ref_c[shown], rtol=1e-9)
    assert (c[~shown] <= 1e-190).all()


def test_erlang_a_matches_birth_death_reference() -> None:
    cases = [
        (10, 0.05, 180.0, 120.0, 20.0),
        (5, 0.02, 300.0, 60.0, 30.0),
        (3, 0.05, 100.0, 30.0, 10.0),
        (30, 0.2, 180.0, 100.0, 20.0),  # overloaded: load 36 on 30 agents
        (2, 0.001, 300.0, 3000.0, 20.0),
    ]
    for n, rate, aht, patience, target in cases:
        ref = mp_erlang_a(n, rate, aht, patience, target)
        got = {
            "sl": q.service_level(n, rate, aht, target, patience),
            "abandon": q.abandon_probability(n, rate, aht, patience_s=patience),
            "asa": q.asa_s(n, rate, aht, patience_s=patience),
            "occupancy": q.occupancy(n, rate, aht, patience_s=patience),
        }
        for key, value in got.items():
            assert_allclose(value, ref[key], rtol=1e-9, err_msg=f"{key} for {n, rate, aht}")


@pytest.mark.parametrize("load", [99_000.0, 100_000.0, 103_000.0])
def test_erlang_a_at_100000_agents_matches_mpmath(load: float) -> None:
    n, aht, patience, target = 100_000, 300.0, 600.0, 20.0
    ref = mp_erlang_a_closed_form(n, load / aht, aht, patience, target)
    assert_allclose(q.service_level(n, load / aht, aht, target, patience), ref["sl"], rtol=1e-9)
    got_ab = q.abandon_probability(n, load / aht, aht, patience_s=patience)
    assert_allclose(got_ab, ref["abandon"], rtol=1e-9)
    got_occ = q.occupancy(n, load / aht, aht, patience_s=patience)
    assert_allclose(got_occ, ref["occupancy"], rtol=1e-9)
    assert math.isfinite(q.asa_s(n, load / aht, aht, patience_s=patience))


def test_erlang_a_tends_to_erlang_c_for_very_long_patience() -> None:
    n, rate, aht = np.array([12, 40, 400]), np.array([0.05, 0.2, 1.2]), 180.0
    assert_allclose(
        q.service_level(n, rate, aht, 20.0, 1e9), q.service_level(n, rate, aht, 20.0), rtol=1e-5
    )
    assert_allclose(q.asa_s(n, rate, aht, patience_s=1e9), q.asa_s(n, rate, aht), rtol=1e-5)
    # inf patience per element is the Erlang C model exactly
    mixed = q.service_level(n, rate, aht, 20.0, np.array([np.inf, 300.0, np.inf]))
    assert mixed[0] == q.service_level(12, 0.05, aht, 20.0)
    assert mixed[2] == q.service_level(400, 1.2, aht, 20.0)


# ---------------------------------------------------------------------------------------------
# fractional agents
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("load", [0.3, 7.3, 150.0, 2_500.0])
def test_erlang_b_at_integer_agents_equals_the_recursion(load: float) -> None:
    top = int(load * 1.5) + 20
    expected = [1.0]
    for k in range(1, top + 1):  # B(k) = A B(k-1) / (k + A B(k-1)), forward-stable
        expected.append(load * expected[-1] / (k + load * expected[-1]))
    got = q.erlang_b(np.arange(top + 1), load)
    keep = np.array(expected) > 1e-290
    assert_allclose(got[keep], np.array(expected)[keep], rtol=1e-11)


def test_erlang_b_is_continuous_and_monotone_between_integers() -> None:
    load = 37.0
    x = np.linspace(30.0, 45.0, 1501)
    b = q.erlang_b(x, load)
    assert (np.diff(b) < 0).all()
    whole = q.erlang_b(np.arange(30, 46), load)
    assert_allclose(b[::100], whole, rtol=1e-12)
    # no jump: a tiny step in agents moves B by a tiny amount, on both sides of an integer
    for n in (31.0, 40.0):
        assert_allclose(q.erlang_b(n + 1e-9, load), q.erlang_b(n, load), rtol=1e-7)
        assert_allclose(q.erlang_b(n - 1e-9, load), q.erlang_b(n, load), rtol=1e-7)
    assert_allclose(q.erlang_b(40.5, load), float(mp_erlang_b(40.5, load)), rtol=1e-12)
    c = q.erlang_c(x, load)
    assert (np.diff(c[x > load]) < 0).all()


# ---------------------------------------------------------------------------------------------
# required agents
# ---------------------------------------------------------------------------------------------


def _meets_all(
    n: Any, rate: Any, aht: Any, goals: dict[str, Any], patience: Any
) -> np.ndarray[Any, Any]:
    ok = np.ones(np.shape(n), dtype=bool)
    if "service_level" in goals:
        sl = q.service_level(n, rate, aht, goals["target_s"], patience)
        ok &= sl >= goals["service_level"]
    if "asa_s" in goals:
        ok &= q.asa_s(n, rate, aht, patience_s=patience) <= goals["asa_s"]
    if "abandon_rate" in goals:
        ok &= q.abandon_probability(n, rate, aht, patience_s=patience) <= goals["abandon_rate"]
    if "max_occupancy" in goals:
        ok &= q.occupancy(n, rate, aht, patience_s=patience) <= goals["max_occupancy"]
    if patience is None:
        ok &= (n > rate * aht) | (rate == 0)
    return ok


@SETTINGS
@given(
    rate=st.floats(0.0005, 30.0),
    aht=st.floats(10.0, 1200.0),
    sl=st.floats(0.05, 0.99),
    target=st.floats(0.0, 120.0),
)
def test_required_agents_is_the_exact_minimum_for_erlang_c(
    rate: float, aht: float, sl: float, target: float
) -> None:
    n = q.required_agents(rate, aht, service_level=sl, target_s=target)
    assert isinstance(n, int)
    assert q.service_level(n, rate, aht, target) >= sl
    assert n == 0 or q.service_level(n - 1, rate, aht, target) < sl or n - 1 <= rate * aht


@SETTINGS
@given(
    rate=st.floats(0.0005, 5.0),
    aht=st.floats(30.0, 900.0),
    patience=st.floats(5.0, 5000.0),
    sl=st.floats(0.05, 0.95),
    target=st.floats(0.0, 60.0),
    abandon=st.floats(0.005, 0.5),
    asa=st.floats(1.0, 300.0),
)
def test_required_agents_is_the_exact_minimum_for_erlang_a(
    rate: float, aht: float, patience: float, sl: float, target: float, abandon: float, asa: float
) -> None:
    goals: dict[str, Any] = {"service_level": sl, "target_s": target}
    n_sl = q.required_agents(rate, aht, patience_s=patience, **goals)
    n_ab = q.required_agents(rate, aht, patience_s=patience, abandon_rate=abandon)
    n_asa = q.required_agents(rate, aht, patience_s=patience, asa_s=asa)
    for n, g in ((n_sl, goals), (n_ab, {"abandon_rate": abandon}), (n_asa, {"asa_s": asa})):
        assert _meets_all(np.array(n), rate, aht, g, patience)
        assert n == 0 or not _meets_all(np.array(n - 1), rate, aht, g, patience)


def test_required_agents_vectorised_with_every_goal_is_exact() -> None:
    rng = np.random.default_rng(20240611)
    size = 1500
    rate = 10 ** rng.uniform(-3, 1.5, size)
    aht = rng.uniform(30, 900, size)
    patience = np.where(rng.random(size) < 0.5, np.inf, 10 ** rng.uniform(0.5, 4, size))
    goals = {
        "service_level": rng.uniform(0.3, 0.97, size),
        "target_s": rng.uniform(0, 60, size),
        "asa_s": rng.uniform(5, 120, size),
        "max_occupancy": rng.uniform(0.6, 1.0, size),
    }
    n = q.required_agents(rate, aht, patience_s=patience, **goals)
    assert n.dtype == np.int64 and n.shape == (size,)
    assert _meets_all(n, rate, aht, goals, patience).all()
    below = _meets_all(np.maximum(n - 1, 0), rate, aht, goals, patience)
    assert not below[n > 0].any()


def test_required_agents_for_100000_agents() -> None:
    aht = 300.0
    rate = np.array([99_000.0, 99_900.0]) / aht
    n = q.required_agents(rate, aht, service_level=0.8, target_s=20.0)
    assert (q.service_level(n, rate, aht, 20.0) >= 0.8).all()
    assert (q.service_level(n - 1, rate, aht, 20.0) < 0.8).all()
    n_a = q.required_agents(rate, aht, service_level=0.8, target_s=20.0, patience_s=600.0)
    assert (n_a <= n).all()
    assert (q.service_level(n_a - 1, rate, aht, 20.0, 600.0) < 0.8).all()


def test_erlang_a_stays_monotone_where_scipy_gammainc_tail_is_inexact() -> None:
    # X = n patience/aht ~ 5e7: scipy's gammainc left tail is off by up to 20% at such shapes,
    # so the engine integrates instead; abandonment must fall smoothly with every agent added.
    rate, aht, patience = 92.7379, 106.368, 552_896.0
    n = np.arange(9_860, 9_885)
    ab = q.abandon_probability(n, rate, aht, patience_s=patience)
    assert (np.diff(ab) < 0).all()
    # smooth: no step where the method switches (the inexact tail made jumps of ~0.27 in log)
    assert (np.abs(np.diff(np.log(ab), 2)) < 0.1).all()
    sl = q.service_level(n, rate, aht, 20.0, patience)
    assert (np.diff(sl) > 0).all()


def test_required_agents_agrees_with_a_plain_integer_scan() -> None:
    rate, aht = np.array([0.003, 0.05, 0.4, 2.0]), np.array([200.0, 180.0, 300.0, 420.0])
    got = q.required_agents(rate, aht, service_level=0.9, target_s=15.0)
    for r, h, n in zip(rate, aht, got, strict=True):
        k = int(r * h) + 1
        while q.service_level(k, r, h, 15.0) < 0.9:
            k += 1
        assert n == k


def test_required_agents_edge_loads() -> None:
    assert q.required_agents(0.0, 300.0, service_level=0.8, target_s=20.0) == 0
    assert q.required_agents(0.0, 300.0, asa_s=10.0, patience_s=60.0) == 0
    assert q.required_agents(1 / 3600, 300.0, service_level=0.8, target_s=20.0) == 1
    # occupancy alone in Erlang C: ceil(A / max), and at least a stable queue
    assert q.required_agents(0.1, 300.0, max_occupancy=0.85) == math.ceil(30 / 0.85)
    assert q.required_agents(0.1, 300.0, max_occupancy=1.0) == 31


# ---------------------------------------------------------------------------------------------
# monotonicity and ranges
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(
    rate=st.floats(0.001, 20.0),
    aht=st.floats(20.0, 900.0),
    target=st.floats(0.0, 120.0),
    patience=st.one_of(st.none(), st.floats(2.0, 20_000.0)),
)
def test_measures_are_monotone_in_agents(
    rate: float, aht: float, target: float, patience: float | None
) -> None:
    n = np.arange(0, int(rate * aht * 1.6) + 15)
    sl = q.service_level(n, rate, aht, target, patience)
    asa = q.asa_s(n, rate, aht, patience_s=patience)
    ab = q.abandon_probability(n, rate, aht, patience_s=patience)
    occ = q.occupancy(n, rate, aht, patience_s=patience)
    for values in (sl, ab, occ):
        assert ((values >= 0) & (values <= 1)).all()
    assert not np.isnan(asa).any() and (asa >= 0).all()
    tol = 1e-12
    assert (np.diff(sl) >= -tol).all()
    assert (np.diff(ab) <= tol).all()
    assert (np.diff(occ) <= tol).all()
    finite = np.isfinite(asa)
    assert (np.diff(asa[finite]) <= tol * np.maximum(asa[finite][:-1], 1)).all()


@SETTINGS
@given(agents=st.floats(0.0, 5_000.0), load=st.floats(0.0, 5_000.0))
def test_erlang_b_and_c_are_probabilities_and_c_exceeds_b(agents: float, load: float) -> None:
    b = q.erlang_b(agents, load)
    c = q.erlang_c(agents, load)
    assert 0.0 <= b <= 1.0 and 0.0 <= c <= 1.0
    assert c >= b - 1e-15
    assert q.erlang_b(agents, load * 1.1 + 0.01) >= b - 1e-15


def test_service_level_follows_the_erlang_c_formula() -> None:
    n, rate, aht, target = 14.0, 100 / 1800, 180.0, 20.0
    c = q.erlang_c(n, rate * aht)
    assert_allclose(
        q.service_level(n, rate, aht, target), 1 - c * math.exp(-(n - 10) * 20 / 180), rtol=1e-14
    )
    assert_allclose(q.asa_s(n, rate, aht), c * aht / (n - 10), rtol=1e-14)
    assert q.service_level(10, rate, aht, target) == 0.0
    assert q.asa_s(9, rate, aht) == math.inf
    assert q.abandon_probability(9, rate, aht) == 0.0
    assert q.occupancy(9, rate, aht) == 1.0
    assert q.service_level(14, rate, aht, math.inf) == 1.0


def test_little_law_for_erlang_a_mean_wait_of_all_callers() -> None:
    # E[wait of all arrivals] = P(abandon) x patience; answered callers wait less on average
    n, rate, aht, patience = 20, 0.1, 180.0, 600.0
    ab = q.abandon_probability(n, rate, aht, patience_s=patience)
    asa = q.asa_s(n, rate, aht, patience_s=patience)
    mean_wait_all = ab * patience
    assert asa < mean_wait_all / (1 - ab)


# ---------------------------------------------------------------------------------------------
# shapes and return types
# ---------------------------------------------------------------------------------------------


def test_scalars_give_python_numbers_and_arrays_broadcast() -> None:
    assert type(q.erlang_b(10, 5.0)) is float
    assert type(q.service_level(np.int64(12), np.float64(0.05), 180, 20)) is float
    assert type(q.required_agents(0.05, 180.0, service_level=0.8, target_s=20)) is int
    zero_d = q.erlang_c(np.array(12.0), 10.0)
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()
    grid = q.service_level(np.arange(11, 15)[:, None], np.array([0.05, 0.055]), 180.0, 20.0)
    assert grid.shape == (4, 2)
    assert_array_equal(grid[:, 1], q.service_level(np.arange(11, 15), 0.055, 180.0, 20.0))
    n = q.required_agents(np.full((2, 3), 0.05), 180.0, service_level=0.8, target_s=20.0)
    assert n.shape == (2, 3) and n.dtype == np.int64


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: q.erlang_b(-1, 5.0), "agents"),
        (lambda: q.erlang_c(5, float("nan")), "load"),
        (lambda: q.service_level(5, -0.1, 180, 20), "rate_per_s"),
        (lambda: q.service_level(5, float("nan"), 180, 20), "rate_per_s"),
        (lambda: q.service_level(5, 0.1, 0.0, 20), "aht_s"),
        (lambda: q.service_level(5, 0.1, 180, -1.0), "target_s"),
        (lambda: q.asa_s(5, 0.1, 180, patience_s=0.0), "patience_s"),
        (lambda: q.required_agents(0.1, 180, service_level=1.0, target_s=20), "service_level"),
        (lambda: q.required_agents(0.1, 180, service_level=0.0, target_s=20), "service_level"),
        (lambda: q.required_agents(0.1, 180, service_level=0.8, target_s=-5), "target_s"),
        (lambda: q.required_agents(0.1, 180, service_level=0.8), "target_s"),
        (lambda: q.required_agents(0.1, 180, abandon_rate=0.0, patience_s=60), "abandon_rate"),
        (lambda: q.required_agents(0.1, 180, abandon_rate=0.05), "patience_s"),
        (lambda: q.required_agents(0.1, 180, max_occupancy=0.0), "max_occupancy"),
        (lambda: q.required_agents(0.1, 180, asa_s=0.0), "asa_s"),
        (lambda: q.required_agents(0.1, 180), "goal"),
        (lambda: q.required_agents(1e6, 1e3, service_level=0.8, target_s=20), "agents"),
        (lambda: q.scheduled_from_required(10, 1.0), "shrinkage"),
        (lambda: q.chat_required_agents(1, 60, 1.5, service_level=0.8, target_s=30), "concurrency"),
        (lambda: q.deferred_required_agents([1, -1], 60, 1800, 3600), "arrivals_per_interval"),
        (lambda: q.deferred_required_agents([1, 1], 60, 1800, 0), "deadline_s"),
    ],
)
def test_bad_input_raises_a_named_queueing_error(call: Any, name: str) -> None:
    with pytest.raises(QueueingInputError, match=name):
        call()
    assert issubclass(QueueingInputError, ValueError)


# ---------------------------------------------------------------------------------------------
# shrinkage, chat, deferred work
# ---------------------------------------------------------------------------------------------


def test_scheduled_from_required() -> None:
    assert q.scheduled_from_required(8, 0.2) == 10  # 8 / 0.8 is 10 up to rounding noise
    assert q.scheduled_from_required(14, 0.3) == 20
    assert q.scheduled_from_required(0, 0.35) == 0
    assert_array_equal(q.scheduled_from_required(np.array([1.0, 7.0, 7.1]), 0.3), [2, 10, 11])


def test_chat_required_agents_uses_slots_at_full_concurrency() -> None:
    rate, aht = 0.2, 240.0
    one = q.chat_required_agents(rate, aht, 1, service_level=0.8, target_s=30)
    assert one == q.required_agents(rate, aht, service_level=0.8, target_s=30)
    # concurrency 3 with 20% longer handle time per extra session: slots of 240 x 1.4 s
    slots = q.required_agents(rate, aht * 1.4, service_level=0.8, target_s=30)
    three = q.chat_required_agents(rate, aht, 3, service_level=0.8, target_s=30, aht_growth=0.2)
    assert three == math.ceil(slots / 3)
    assert three < one
    many = q.chat_required_agents(
        np.array([0.05, 0.2]), aht, np.array([2, 4]), service_level=0.8, target_s=30
    )
    assert many.dtype == np.int64 and many.shape == (2,)


def test_deferred_required_agents_hand_computed_example() -> None:
    # 30-minute intervals, 360 s per item, 10 then 20 items arriving (uniformly), deadline
    # 45 minutes. Work arrived Arr(s): 3600 agent-s by s = 1800, 10800 by s = 3600. Work due
    # Due(s) = Arr(s - 2700). Interval 1 [1800, 3600]: Due(3600) = Arr(900) = 1800 -> 1 agent.
    # Interval 2 [3600, 5400]: Due(4500) = 3600 needs (3600 - 1800)/900 = 2, Due(5400) = 7200
    # needs (7200 - 1800)/1800 = 3 -> 3 agents. Interval 3 [5400, 7200]: Due(6300) = 10800
    # needs (10800 - 7200)/900 = 4 -> 4 agents.
    got = q.deferred_required_agents([10, 20, 0, 0], 360.0, 1800.0, 2700.0)
    assert_allclose(got, [0.0, 1.0, 3.0, 4.0], rtol=1e-12)
    # deadline of exactly two intervals: each interval's work is done two intervals later
    got = q.deferred_required_agents([10, 20, 0, 0], 360.0, 1800.0, 3600.0)
    assert_allclose(got, [0.0, 0.0, 2.0, 4.0], rtol=1e-12)
    # a backlog of 5 items at the start is due at the deadline (3600 s): 1800 agent-s by then
    got = q.deferred_required_agents([10, 20, 0, 0], 360.0, 1800.0, 3600.0, backlog0=5)
    assert_allclose(got, [0.0, 1.0, 2.0, 4.0], rtol=1e-12)


def test_deferred_work_is_conserved_and_never_late() -> None:
    rng = np.random.default_rng(7)
    arrivals = rng.poisson(20, 96).astype(float)
    aht = rng.uniform(200, 400, 96)
    agents = q.deferred_required_agents(arrivals, aht, 900.0, 4 * 3600.0)
    due = np.sum((arrivals * aht)[: 96 - 16])  # work due inside the horizon
    assert_allclose(np.sum(agents) * 900.0, due, rtol=1e-9)
    assert (agents >= 0).all()


# ---------------------------------------------------------------------------------------------
# purity
# ---------------------------------------------------------------------------------------------


def test_queueing_engine_imports_only_numpy_scipy_and_the_standard_library() -> None:
    files = sorted(Path(q.__file__).parent.glob("*.py"))
    assert len(files) > 1, "the queueing package's modules are not found"
    roots: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                if not node.module.startswith("ccops.engines.queueing"):  # its own modules
                    roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "math", "collections", "typing", "numpy", "scipy"}
