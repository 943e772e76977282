"""What service is worth in money, and the return on an investment: pure arithmetic.

Every money figure is a plain formula of counts (contacts offered, answered, abandoned, repeated;
paid agent hours) and of stated assumptions (cost per agent hour, revenue per sale, ...). The
formulas work element by element on floats or NumPy arrays alike, so the same code gives the
point estimate (each assumption at its stated value) and a Monte Carlo sample (each assumption
drawn from a triangular distribution over its stated low, value and high).

Money of one period (all counts of that period):

* cost per paid hour ``c = cost_per_agent_hour x (1 + overhead_share)``
* staff cost ``= paid_hours x c``; cost per answered contact ``= staff cost / answered``
* revenue ``= answered x conversion_rate x revenue_per_sale``
* revenue lost to abandons ``= abandoned x (1 - abandon_redial_share) x conversion_rate x
  revenue_per_sale`` (those who do not call again)
* churn cost of abandons ``= abandoned x (1 - abandon_redial_share) x churn_uplift_abandon x
  customer_lifetime_value``
* repeat handling cost ``= repeats x cost per answered contact``; churn cost of repeats
  ``= repeats x churn_uplift_repeat x customer_lifetime_value``
* money lost ``= revenue lost + churn cost of abandons + repeat handling + churn of repeats``
* contribution ``= revenue - staff cost - churn costs``

An investment over ``horizon_months``: monthly net benefit ``b = contribution(scenario) -
contribution(baseline) + other saving - monthly_cost`` (other saving: e.g. the
attrition saving ``headcount x points of attrition cut / 12 x cost_per_leaver``); NPV
``= -upfront + sum_{m=1..H} b / (1 + r)^(m/12)``
(``r`` the annual discount rate); ROI ``= (H b - upfront) / (upfront + H (monthly_cost + extra
staff cost))``; payback ``= upfront / b`` months when ``b > 0`` (never otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

MONTH_DAYS = 365.25 / 12
"""Days in an average month: a period of d days is scaled to a month by MONTH_DAYS / d."""


@dataclass(frozen=True)
class Spec:
    """One kind of assumption: its unit, allowed bounds and meaning."""

    unit: str
    low: float
    high: float
    required: bool
    meaning: str


ASSUMPTIONS: dict[str, Spec] = {
    "cost_per_agent_hour": Spec(
        "money/h", 0, 1e6, True, "loaded cost of one paid agent hour (pay, taxes, benefits)"
    ),
    "overhead_share": Spec(
        "share", 0, 10, False, "overheads (seats, systems, management) as a share of staff cost"
    ),
    "shrinkage": Spec(
        "share", 0, 0.95, True, "share of paid time not on the queue (breaks, training, leave)"
    ),
    "revenue_per_sale": Spec("money", 0, 1e9, False, "revenue of one sale"),
    "conversion_rate": Spec("share", 0, 1, False, "share of answered contacts that buy"),
    "abandon_redial_share": Spec(
        "share", 0, 1, False, "share of callers who abandon and then contact again"
    ),
    "customer_lifetime_value": Spec("money", 0, 1e9, False, "value of a customer kept"),
    "churn_uplift_abandon": Spec(
        "share", 0, 1, False, "extra churn probability of a customer who abandoned for good"
    ),
    "churn_uplift_repeat": Spec(
        "share", 0, 1, False, "extra churn probability of a customer who had to contact again"
    ),
    "patience_s": Spec(
        "s", 1, 86400, False, "mean patience of waiting customers (Erlang A; Erlang C if unset)"
    ),
    "volume_uncertainty": Spec(
        "share", 0, 0.9, False, "+/- share of volume the forecast may be off by (scenarios)"
    ),
    "headcount": Spec(
        "people", 0, 1e6, False, "agents employed on the queue (attrition scenarios)"
    ),
    "cost_per_leaver": Spec(
        "money", 0, 1e9, False, "hiring, training and ramp-up cost of replacing one leaver"
    ),
}
"""Every assumption of the value model, by key."""

MONEY_KEYS = (
    "cost_per_agent_hour",
    "overhead_share",
    "revenue_per_sale",
    "conversion_rate",
    "abandon_redial_share",
    "customer_lifetime_value",
    "churn_uplift_abandon",
    "churn_uplift_repeat",
)
"""The assumptions the money formulas use (the others shape the queue model)."""


class ValueInputError(ValueError):
    """An input of the value model is out of its domain; the message names it."""


@dataclass(frozen=True)
class Estimate:
    """A stated value with the range it may lie in (low <= value <= high)."""

    value: float
    low: float
    high: float

    @staticmethod
    def exact(value: float) -> Estimate:
        """A value without uncertainty."""
        return Estimate(value, value, value)


def check_assumption(key: str, value: float, low: float, high: float) -> None:
    """Raise ValueInputError unless ``key`` is known and low <= value <= high within bounds."""
    spec = ASSUMPTIONS.get(key)
    if spec is None:
        raise ValueInputError(f"{key}: unknown assumption (one of {', '.join(ASSUMPTIONS)})")
    for name, x in (("value", value), ("low", low), ("high", high)):
        if not np.isfinite(x):
            raise ValueInputError(f"{key}: {name} must be a finite number")
        if x < spec.low or x > spec.high:
            raise ValueInputError(
                f"{key}: {name} {x:g} is outside {spec.low:g} to {spec.high:g} ({spec.unit})"
            )
    if not low <= value <= high:
        raise ValueInputError(f"{key}: need low <= value <= high, got {low:g}, {value:g}, {high:g}")


@dataclass(frozen=True)
class Counts:
    """What a period of a queue handled (per period; floats, or arrays for samples)."""

    offered: Any
    answered: Any
    abandoned: Any
    repeats: Any
    paid_hours: Any

    def scaled(self, factor: float) -> Counts:
        """The same counts times ``factor`` (a period scaled to a month)."""
        return Counts(
            self.offered * factor,
            self.answered * factor,
            self.abandoned * factor,
            self.repeats * factor,
            self.paid_hours * factor,
        )


def _get(a: Mapping[str, Any], key: str) -> Any:
    return a.get(key, 0.0)


def money(counts: Counts, a: Mapping[str, Any]) -> dict[str, Any]:
    """The money of a period by the formulas of this module (missing assumptions count 0)."""
    per_hour = _get(a, "cost_per_agent_hour") * (1.0 + _get(a, "overhead_share"))
    staff = counts.paid_hours * per_hour
    answered = np.maximum(counts.answered, 1e-12)
    per_contact = staff / answered
    sale = _get(a, "conversion_rate") * _get(a, "revenue_per_sale")
    gone = counts.abandoned * (1.0 - _get(a, "abandon_redial_share"))
    clv = _get(a, "customer_lifetime_value")
    revenue = counts.answered * sale
    lost_revenue = gone * sale
    abandon_churn = gone * _get(a, "churn_uplift_abandon") * clv
    repeat_cost = counts.repeats * per_contact
    repeat_churn = counts.repeats * _get(a, "churn_uplift_repeat") * clv
    return {
        "cost_per_hour": per_hour,
        "staff_cost": staff,
        "cost_per_contact": per_contact,
        "revenue": revenue,
        "lost_revenue": lost_revenue,
        "abandon_churn": abandon_churn,
        "repeat_cost": repeat_cost,
        "repeat_churn": repeat_churn,
        "money_lost": lost_revenue + abandon_churn + repeat_cost + repeat_churn,
        "contribution": revenue - staff - abandon_churn - repeat_churn,
    }


def cost_per_abandon(a: Mapping[str, Any], cost_per_contact: Any) -> Any:
    """Money one abandoned contact costs: redials handled again, sales and customers lost."""
    redial = _get(a, "abandon_redial_share")
    sale = _get(a, "conversion_rate") * _get(a, "revenue_per_sale")
    churn = _get(a, "churn_uplift_abandon") * _get(a, "customer_lifetime_value")
    return redial * cost_per_contact + (1.0 - redial) * (sale + churn)


@dataclass(frozen=True)
class Investment:
    """What an investment costs and over how long its return is counted."""

    upfront: Any = 0.0
    monthly_cost: Any = 0.0
    horizon_months: int = 12
    discount_rate: Any = 0.0


def annuity(horizon_months: int, discount_rate: Any) -> Any:
    """Sum over m = 1..H of (1 + r)^(-m/12): the present value of 1 a month for H months."""
    if horizon_months < 1:
        raise ValueInputError("horizon_months: must be at least 1")
    months = np.arange(1, horizon_months + 1, dtype=np.float64)
    rate = np.asarray(discount_rate, dtype=np.float64)
    if np.any(rate <= -1):
        raise ValueInputError("discount_rate: must be above -1")
    factors = (1.0 + rate[..., None]) ** (-months / 12.0)
    total = factors.sum(axis=-1)
    return float(total) if np.ndim(total) == 0 else total


def returns(
    base: Counts,
    scenario: Counts,
    a: Mapping[str, Any],
    investment: Investment,
    other_saving: Any = 0.0,
) -> dict[str, Any]:
    """Monthly money of baseline and scenario (counts per month) and the investment's return;
    ``other_saving`` is a monthly saving outside the queue's money (e.g. fewer leavers)."""
    mb, ms = money(base, a), money(scenario, a)
    extra_staff = ms["staff_cost"] - mb["staff_cost"]
    monthly_net = ms["contribution"] - mb["contribution"] + other_saving - investment.monthly_cost
    horizon = investment.horizon_months
    npv = -investment.upfront + monthly_net * annuity(horizon, investment.discount_rate)
    total_cost = investment.upfront + horizon * (
        investment.monthly_cost + np.maximum(extra_staff, 0.0)
    )
    gain = horizon * monthly_net - investment.upfront
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(total_cost > 0, gain / np.where(total_cost > 0, total_cost, 1.0), np.nan)
        payback = np.where(
            monthly_net > 0,
            investment.upfront / np.where(monthly_net > 0, monthly_net, 1.0),
            np.inf,
        )
    return {
        "baseline": mb,
        "scenario": ms,
        "extra_staff_cost": extra_staff,
        "other_saving": other_saving,
        "monthly_net_benefit": monthly_net,
        "net_benefit": horizon * monthly_net - investment.upfront,
        "npv": npv,
        "roi": _scalar(roi),
        "payback_months": _scalar(payback),
    }


def attrition_saving(headcount: Any, attrition_change: float, cost_per_leaver: Any) -> Any:
    """Monthly saving of changing annual attrition by ``attrition_change`` (-0.05 = 5 points
    fewer leavers a year): ``headcount x -attrition_change / 12 x cost_per_leaver``."""
    return headcount * (-attrition_change) / 12.0 * cost_per_leaver


def _scalar(x: Any) -> Any:
    arr = np.asarray(x, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def triangular(rng: np.random.Generator, e: Estimate, n: int) -> Any:
    """``n`` draws from the triangular distribution (low, value, high); the value if exact."""
    if e.high <= e.low:
        return np.full(n, e.value)
    return rng.triangular(e.low, e.value, e.high, n)


def monte_carlo(
    evaluate: Callable[[Mapping[str, Any]], Any],
    estimates: Mapping[str, Estimate],
    *,
    n: int = 2000,
    seed: int = 0,
    coverage: float = 0.9,
) -> Estimate:
    """The point value of ``evaluate`` and the central ``coverage`` range of its samples.

    ``evaluate`` takes a mapping of name -> value (floats for the point, arrays of ``n`` for
    the samples). Each name is drawn independently from its triangular distribution. The range
    is widened, if need be, to contain the point estimate (a nonlinear formula's point may fall
    outside its central interval); non-finite samples (no payback) are dropped from the range,
    and a range with fewer than half its samples finite is reported as infinite.
    """
    point = float(evaluate({k: e.value for k, e in estimates.items()}))
    rng = np.random.default_rng(seed)
    draws = {k: triangular(rng, e, n) for k, e in estimates.items()}
    samples = np.broadcast_to(np.asarray(evaluate(draws), dtype=np.float64), (n,))
    finite = samples[np.isfinite(samples)]
    tail = (1.0 - coverage) / 2.0
    if finite.size < n / 2:
        return Estimate(point, min(point, float(finite.min())) if finite.size else point, np.inf)
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    if not np.isfinite(point):
        return Estimate(point, float(low), point)
    return Estimate(point, min(point, float(low)), max(point, float(high)))


@dataclass(frozen=True)
class Swing:
    """How far one assumption moves a result between its low and its high."""

    name: str
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        """|result at high - result at low|."""
        return abs(self.at_high - self.at_low)


def sensitivity(
    evaluate: Callable[[Mapping[str, Any]], Any], estimates: Mapping[str, Estimate]
) -> list[Swing]:
    """One at a time, each uncertain estimate at its low and its high (the others at their
    value): the result at each end, largest swing first (ties by name). Exact estimates are
    left out: they cannot move the answer."""
    point = {k: e.value for k, e in estimates.items()}
    out = []
    for name, e in estimates.items():
        if e.high <= e.low:
            continue
        at_low = float(evaluate({**point, name: e.low}))
        at_high = float(evaluate({**point, name: e.high}))
        out.append(Swing(name, at_low, at_high))
    out.sort(key=lambda s: (-s.swing, s.name))
    return out


def interpolate(points: tuple[Counts, Counts, Counts], factor: Any, spread: float) -> Counts:
    """Counts at volume ``factor`` from counts computed at 1 - spread, 1 and 1 + spread
    (piecewise linear; the middle point alone when spread is 0)."""
    low, mid, high = points
    if spread <= 0:
        return mid
    f = np.asarray(factor, dtype=np.float64)
    below = f < 1.0
    t = np.where(below, (f - (1.0 - spread)) / spread, (f - 1.0) / spread)

    def mix(a: float, b: float, c: float) -> Any:
        return np.where(below, a + (b - a) * t, b + (c - b) * t)

    return Counts(
        mix(low.offered, mid.offered, high.offered),
        mix(low.answered, mid.answered, high.answered),
        mix(low.abandoned, mid.abandoned, high.abandoned),
        mix(low.repeats, mid.repeats, high.repeats),
        mix(low.paid_hours, mid.paid_hours, high.paid_hours),
    )
