"""Schedule adherence and conformance of one person: planned activities against agent states.

Definitions (the usual workforce-management ones):

* adherence = time doing what was planned, when it was planned / scheduled time;
* conformance = time worked on contacts (available, on contact, wrap-up) / time planned for
  contact work, whenever it happened;
* an out-of-adherence span is a stretch of scheduled time where the state differs from the plan.
  Spans no longer than the grace period (a break taken a minute late, a call running over) count
  as adherent, so a person is not flagged for noise; longer ones count whole and are reported
  ``beyond_grace``.

Times are seconds on any common clock (epoch seconds in practice); intervals are half-open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WORK_KINDS = frozenset({"work", "queue"})
"""Planned activities of contact work; every other kind must match the state of the same name."""
WORK_STATES = frozenset({"available", "on_contact", "wrap_up"})
MATCHING_STATE = {
    "break": frozenset({"break"}),
    "lunch": frozenset({"lunch"}),
    "training": frozenset({"training"}),
    "meeting": frozenset({"meeting"}),
    "huddle": frozenset({"meeting"}),  # no state of its own: a huddle is a short meeting
    "coaching": frozenset({"coaching"}),
    "other_work": frozenset({"other_work"}),
    "offline_work": frozenset({"other_work"}),
}
OFF = "offline"


class AdherenceInputError(ValueError):
    """An activity or state span is malformed; the message names it."""


@dataclass(frozen=True)
class Planned:
    """A planned activity: ``kind`` is ``work`` (contact work) or break, lunch, training, ..."""

    start_s: float
    end_s: float
    kind: str


@dataclass(frozen=True)
class Actual:
    """A span of an agent state (the state names of ``ccops.enums.AgentState``)."""

    start_s: float
    end_s: float
    state: str


@dataclass(frozen=True)
class Span:
    """A stretch out of adherence: one planned activity kind and one actual state."""

    start_s: float
    end_s: float
    planned: str
    actual: str
    beyond_grace: bool

    @property
    def seconds(self) -> float:
        """Length of the span."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Result:
    """Adherence and conformance of one person over the planned activities given."""

    scheduled_s: float
    in_adherence_s: float
    planned_work_s: float
    worked_s: float
    spans: list[Span]

    @property
    def adherence(self) -> float | None:
        """in_adherence_s / scheduled_s (None without scheduled time)."""
        return self.in_adherence_s / self.scheduled_s if self.scheduled_s > 0 else None

    @property
    def conformance(self) -> float | None:
        """worked_s / planned_work_s (None without planned contact work)."""
        return self.worked_s / self.planned_work_s if self.planned_work_s > 0 else None


def _check(items: Sequence[Planned | Actual], what: str) -> None:
    ordered: list[Planned | Actual] = sorted(items, key=lambda x: x.start_s)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start_s < a.end_s:
            raise AdherenceInputError(f"{what} overlap at {b.start_s:g}")
    for x in items:
        if not x.end_s > x.start_s:
            raise AdherenceInputError(f"{what} ending at or before its start ({x.start_s:g})")


def matches(kind: str, state: str | None) -> bool:
    """Whether doing ``state`` adheres to the planned ``kind``."""
    if state is None:
        return False
    if kind in WORK_KINDS:
        return state in WORK_STATES
    return state in MATCHING_STATE.get(kind, frozenset({kind}))


def compute(planned: list[Planned], actual: list[Actual], *, grace_s: float = 0.0) -> Result:
    """Compare a person's planned activities with their agent states.

    Args:
        planned: non-overlapping planned activities.
        actual: non-overlapping agent-state spans (gaps are offline).
        grace_s: out-of-adherence spans up to this long count as adherent.

    Returns:
        Scheduled, adherent, planned-work and worked seconds, and the out-of-adherence spans.

    Raises:
        AdherenceInputError: overlapping or empty activities or spans.
    """
    if grace_s < 0:
        raise AdherenceInputError("grace_s must be >= 0")
    _check(planned, "planned activities")
    _check(actual, "state spans")
    points = sorted(
        {p.start_s for p in planned}
        | {p.end_s for p in planned}
        | {a.start_s for a in actual}
        | {a.end_s for a in actual}
    )
    plan_sorted = sorted(planned, key=lambda p: p.start_s)
    acts = sorted(actual, key=lambda a: a.start_s)
    scheduled = adherent = work_planned = worked = 0.0
    raw: list[tuple[float, float, str, str]] = []
    pi = ai = 0
    for a_s, b_s in zip(points, points[1:], strict=False):
        while pi < len(plan_sorted) and plan_sorted[pi].end_s <= a_s:
            pi += 1
        while ai < len(acts) and acts[ai].end_s <= a_s:
            ai += 1
        kind = (
            plan_sorted[pi].kind
            if pi < len(plan_sorted) and plan_sorted[pi].start_s <= a_s
            else None
        )
        state = acts[ai].state if ai < len(acts) and acts[ai].start_s <= a_s else None
        length = b_s - a_s
        if state in WORK_STATES:
            worked += length
        if kind is None:
            continue
        scheduled += length
        if kind in WORK_KINDS:
            work_planned += length
        if matches(kind, state):
            adherent += length
        elif raw and raw[-1][1] == a_s and raw[-1][2:] == (kind, state or OFF):
            first = raw[-1]
            raw[-1] = (first[0], b_s, first[2], first[3])
        else:
            raw.append((a_s, b_s, kind, state or OFF))
    spans = []
    for s, e, kind, state in raw:
        beyond = e - s > grace_s
        if not beyond:
            adherent += e - s
        spans.append(Span(s, e, kind, state, beyond))
    return Result(scheduled, adherent, work_planned, worked, spans)


def move_activity(
    activity: Planned, new_start_s: float, *, earliest_s: float, latest_s: float
) -> Planned:
    """Move an activity (a break) to start at ``new_start_s`` inside its allowed window.

    Raises:
        AdherenceInputError: the new start lies outside [earliest_s, latest_s].
    """
    if not earliest_s <= new_start_s <= latest_s:
        raise AdherenceInputError(
            f"the new start {new_start_s:g} is outside the allowed window "
            f"[{earliest_s:g}, {latest_s:g}]"
        )
    length = activity.end_s - activity.start_s
    return Planned(new_start_s, new_start_s + length, activity.kind)
