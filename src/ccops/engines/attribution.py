"""Why service level was missed: sequential replacement of plan by actuals, with the queue model.

A missed service level has causes a manager can act on, and blaming agents is seldom one of
them. Starting from the plan (forecast volume, forecast handle time, the required agents), the
model's service level is recomputed as each planned quantity is replaced, in turn, by what
actually happened:

1. volume: forecast contacts -> actual contacts offered (forecast error);
2. handle time: planned AHT -> actual AHT;
3. staffing: required agents -> scheduled agents (the schedule did not cover the requirement);
4. schedule loss: scheduled agents -> agents actually staffed (absence, adherence, shrinkage).

Each step's change in service level is that cause's share of the shortfall, in service-level
points. ``other`` holds what the model does not explain, so that the parts add up exactly to the
shortfall ``target - achieved`` (including any slack the plan had above the target). The order
of replacement matters, as in every sequential decomposition; this is the order the issue fixes,
from the demand side to the supply side.

Days and longer periods weight each interval's service level by its volume in that state
(planned volume for the plan, actual volume afterwards), which is how a daily service level is
computed from interval ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ccops.engines import queueing

FloatArray = npt.NDArray[np.float64]
PARTS = ("volume", "handle_time", "staffing", "schedule_loss", "other")


class AttributionInputError(ValueError):
    """An argument of the attribution is out of its domain; the message names it."""


@dataclass(frozen=True)
class Attribution:
    """A shortfall split into its causes, in service-level points (fractions, 0.05 = 5 points).

    Attributes:
        target: the service-level goal.
        achieved: the service level actually measured.
        shortfall: ``target - achieved`` (negative when the goal was beaten).
        parts: cause -> points; the values add up to ``shortfall``.
        steps: the model's service level after each replacement, from ``plan`` to
            ``schedule_loss``.
    """

    target: float
    achieved: float
    shortfall: float
    parts: dict[str, float]
    steps: dict[str, float]

    def largest_cause(self) -> str:
        """The cause that cost the most service-level points (``other`` included)."""
        return max(self.parts, key=lambda k: self.parts[k])


def _vector(name: str, value: npt.ArrayLike, n: int | None) -> FloatArray:
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1:
        raise AttributionInputError(f"{name} must be a number or one value per interval")
    if n is not None and arr.size not in (1, n):
        raise AttributionInputError(f"{name} has {arr.size} values for {n} intervals")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise AttributionInputError(f"{name} must be finite and >= 0")
    return arr


def attribute_shortfall(
    *,
    target: float,
    achieved: float,
    interval_s: float,
    planned_volume: npt.ArrayLike,
    actual_volume: npt.ArrayLike,
    planned_aht_s: npt.ArrayLike,
    actual_aht_s: npt.ArrayLike,
    required_agents: npt.ArrayLike,
    scheduled_agents: npt.ArrayLike,
    staffed_agents: npt.ArrayLike,
    target_s: float,
    patience_s: float | None = None,
) -> Attribution:
    """Split ``target - achieved`` over volume, handle time, staffing, schedule loss and other.

    Args:
        target: service-level goal, fraction in (0, 1).
        achieved: measured service level of the period, fraction in [0, 1].
        interval_s: interval length, seconds.
        planned_volume: forecast contacts per interval.
        actual_volume: contacts offered per interval.
        planned_aht_s: forecast average handle time per interval (or one value), seconds.
        actual_aht_s: actual average handle time per interval (or one value), seconds; intervals
            without answered contacts should carry the planned value.
        required_agents: net agents the plan required per interval.
        scheduled_agents: agents the schedule put on the queue per interval (net of breaks).
        staffed_agents: agents actually available for the queue per interval (logged in, not on
            break), averaged over the interval; fractional values are fine.
        target_s: service-level threshold T, seconds.
        patience_s: mean patience for the Erlang A model; ``None`` uses Erlang C.

    Returns:
        The attribution; its parts add up to the shortfall.

    Raises:
        AttributionInputError: an argument is out of its domain (the message names it).
    """
    if not 0 < target < 1:
        raise AttributionInputError("target must be a fraction in (0, 1)")
    if not 0 <= achieved <= 1:
        raise AttributionInputError("achieved must be a fraction in [0, 1]")
    if not interval_s > 0:
        raise AttributionInputError("interval_s must be > 0")
    pv = _vector("planned_volume", planned_volume, None)
    n = pv.size
    av = _vector("actual_volume", actual_volume, n)
    p_aht = _vector("planned_aht_s", planned_aht_s, n)
    a_aht = _vector("actual_aht_s", actual_aht_s, n)
    if np.any(p_aht <= 0) or np.any(a_aht <= 0):
        raise AttributionInputError("planned_aht_s and actual_aht_s must be > 0")
    req = _vector("required_agents", required_agents, n)
    sch = _vector("scheduled_agents", scheduled_agents, n)
    stf = _vector("staffed_agents", staffed_agents, n)

    def day_sl(volume: FloatArray, aht: FloatArray, agents: FloatArray) -> float:
        weights = np.broadcast_to(volume, (n,))
        if weights.sum() == 0:
            return 1.0
        sl = queueing.service_level(
            np.broadcast_to(agents, (n,)),
            weights / interval_s,
            np.broadcast_to(aht, (n,)),
            target_s,
            patience_s=patience_s,
        )
        return float(np.sum(weights * sl) / weights.sum())

    steps = {
        "plan": day_sl(pv, p_aht, req),
        "volume": day_sl(av, p_aht, req),
        "handle_time": day_sl(av, a_aht, req),
        "staffing": day_sl(av, a_aht, sch),
        "schedule_loss": day_sl(av, a_aht, stf),
    }
    names = list(steps)
    parts = {names[i]: steps[names[i - 1]] - steps[names[i]] for i in range(1, len(names))}
    shortfall = target - achieved
    parts["other"] = shortfall - sum(parts.values())
    return Attribution(
        target=target, achieved=achieved, shortfall=shortfall, parts=parts, steps=steps
    )
