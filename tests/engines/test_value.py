"""The value engine against hand-computed values: money of a period, the cost of an abandon,
the annuity, an investment's NPV, ROI and payback, Monte Carlo ranges and the sensitivity table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from ccops.engines import value as ev

A = {
    "cost_per_agent_hour": 20.0,
    "overhead_share": 0.5,
    "conversion_rate": 0.1,
    "revenue_per_sale": 50.0,
    "abandon_redial_share": 0.4,
    "customer_lifetime_value": 1000.0,
    "churn_uplift_abandon": 0.05,
    "churn_uplift_repeat": 0.02,
}
COUNTS = ev.Counts(offered=100.0, answered=90.0, abandoned=10.0, repeats=9.0, paid_hours=10.0)


def test_money_of_a_period_by_hand() -> None:
    m = ev.money(COUNTS, A)
    # 20 x 1.5 = 30 an hour; 10 h = 300; 300 / 90 answered = 3.333 a contact
    assert m["cost_per_hour"] == pytest.approx(30.0)
    assert m["staff_cost"] == pytest.approx(300.0)
    assert m["cost_per_contact"] == pytest.approx(10 / 3)
    # 90 x 0.1 x 50 = 450; 10 abandons x 0.6 gone = 6: 6 x 5 = 30 lost, 6 x 0.05 x 1000 = 300
    assert m["revenue"] == pytest.approx(450.0)
    assert m["lost_revenue"] == pytest.approx(30.0)
    assert m["abandon_churn"] == pytest.approx(300.0)
    # 9 repeats x 3.333 = 30 handling; 9 x 0.02 x 1000 = 180 churn
    assert m["repeat_cost"] == pytest.approx(30.0)
    assert m["repeat_churn"] == pytest.approx(180.0)
    assert m["money_lost"] == pytest.approx(30 + 300 + 30 + 180)
    assert m["contribution"] == pytest.approx(450 - 300 - 300 - 180)


def test_missing_money_assumptions_count_zero() -> None:
    m = ev.money(COUNTS, {"cost_per_agent_hour": 10.0})
    assert m["staff_cost"] == pytest.approx(100.0)
    assert m["revenue"] == 0.0
    assert m["money_lost"] == pytest.approx(9 * 100 / 90)


def test_cost_of_one_abandon_by_hand() -> None:
    # 0.4 redial x 3.333 handled again + 0.6 gone x (0.1 x 50 sale + 0.05 x 1000 churn)
    assert ev.cost_per_abandon(A, 10 / 3) == pytest.approx(0.4 * 10 / 3 + 0.6 * 55)


def test_annuity_by_hand() -> None:
    assert ev.annuity(12, 0.0) == pytest.approx(12.0)
    # 21% a year: months discounted by 1.21^(1/12) = 1.016012 each
    assert ev.annuity(2, 0.21) == pytest.approx(1 / 1.016012 + 1 / 1.016012**2, rel=1e-6)
    with pytest.raises(ev.ValueInputError, match="horizon_months"):
        ev.annuity(0, 0.1)


def test_return_of_an_investment_by_hand() -> None:
    a = {"cost_per_agent_hour": 20.0, "conversion_rate": 1.0, "revenue_per_sale": 100.0}
    base = ev.Counts(100.0, 90.0, 10.0, 0.0, 100.0)
    scen = ev.Counts(100.0, 95.0, 5.0, 0.0, 110.0)
    out = ev.returns(base, scen, a, ev.Investment(upfront=1000.0, monthly_cost=50.0))
    # contribution 9000 - 2000 = 7000 against 9500 - 2200 = 7300: +300 - 50 a month
    assert out["extra_staff_cost"] == pytest.approx(200.0)
    assert out["monthly_net_benefit"] == pytest.approx(250.0)
    assert out["net_benefit"] == pytest.approx(12 * 250 - 1000)
    assert out["npv"] == pytest.approx(2000.0)
    # cost 1000 + 12 x (50 + 200) = 4000; gain 2000
    assert out["roi"] == pytest.approx(0.5)
    assert out["payback_months"] == pytest.approx(4.0)


def test_no_payback_when_the_scenario_loses_money() -> None:
    base = ev.Counts(100.0, 90.0, 10.0, 0.0, 100.0)
    out = ev.returns(base, base, {"cost_per_agent_hour": 20.0}, ev.Investment(upfront=10.0))
    assert math.isinf(out["payback_months"])
    assert out["npv"] == pytest.approx(-10.0)


def test_monte_carlo_range_contains_the_point_and_is_seeded() -> None:
    estimates = {"x": ev.Estimate(2.0, 1.0, 4.0), "y": ev.Estimate(3.0, 3.0, 3.0)}

    def f(a: Any) -> Any:
        return a["x"] * a["y"] ** 2

    one = ev.monte_carlo(f, estimates, n=4000, seed=1)
    assert one.value == pytest.approx(18.0)
    assert one.low <= 18.0 <= one.high
    assert 9.0 <= one.low < one.high <= 36.0
    assert one == ev.monte_carlo(f, estimates, n=4000, seed=1)
    exact = ev.monte_carlo(f, {"x": ev.Estimate.exact(2.0), "y": ev.Estimate.exact(3.0)})
    assert (exact.low, exact.value, exact.high) == (18.0, 18.0, 18.0)


def test_sensitivity_lists_the_largest_swing_first() -> None:
    estimates = {
        "x": ev.Estimate(0.5, 0.0, 1.0),
        "y": ev.Estimate(0.5, 0.0, 1.0),
        "z": ev.Estimate.exact(7.0),
    }
    table = ev.sensitivity(lambda a: 2 * a["x"] - 10 * a["y"] + a["z"], estimates)
    assert [s.name for s in table] == ["y", "x"]
    assert (table[0].at_low, table[0].at_high, table[0].swing) == (8.0, -2.0, 10.0)
    assert (table[1].at_low, table[1].at_high, table[1].swing) == (2.0, 4.0, 2.0)


def test_interpolate_between_volume_points() -> None:
    pts = (
        ev.Counts(90.0, 85.0, 5.0, 0.0, 10.0),
        ev.Counts(100.0, 90.0, 10.0, 0.0, 10.0),
        ev.Counts(110.0, 90.0, 20.0, 0.0, 10.0),
    )
    mid = ev.interpolate(pts, np.array([0.95, 1.0, 1.05]), 0.1)
    assert list(mid.offered) == pytest.approx([95.0, 100.0, 105.0])
    assert list(mid.abandoned) == pytest.approx([7.5, 10.0, 15.0])
    assert ev.interpolate(pts, 1.3, 0.0) is pts[1]


@pytest.mark.parametrize(
    ("key", "value", "low", "high", "message"),
    [
        ("cost_per_agent_hour", -1.0, -1.0, -1.0, "outside 0"),
        ("conversion_rate", 1.2, 1.2, 1.2, "outside 0 to 1"),
        ("shrinkage", 0.3, 0.4, 0.5, "low <= value <= high"),
        ("price_of_fish", 1.0, 1.0, 1.0, "unknown assumption"),
        ("revenue_per_sale", math.inf, 1.0, 1.0, "finite"),
    ],
)
def test_bad_assumptions_are_named(
    key: str, value: float, low: float, high: float, message: str
) -> None:
    with pytest.raises(ev.ValueInputError, match=message):
        ev.check_assumption(key, value, low, high)
