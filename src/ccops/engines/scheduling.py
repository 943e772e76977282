"""Shift and break scheduling: a HiGHS MILP for shifts and breaks, a CP-SAT roster of named people.

The engine turns a staffing requirement (net agents per queue and interval, as produced by
:mod:`ccops.engines.queueing`) into a week's schedule in two stages, and measures the result.
It is pure computation: no database, no clock, no module state; every run is reproducible.

Time
    Everything is on one grid of ``interval_min`` minutes (15 by default) starting at the week
    start, 00:00 of day 0 (a Monday unless ``Requirement.week_start`` says otherwise). Times are
    integer minutes from the week start; spans are half-open ``[start, end)``. Shift start times
    are minutes of the day on a 15-minute grid per weekday; shift lengths and break offsets must
    be whole intervals; a break may be any whole number of minutes long (a 10-minute break takes
    10/15 of its interval). The horizon is the requirement's length (7 days x 96 intervals for
    a week); with ``cyclic=True`` coverage wraps from the end of the horizon to its start (a
    steady weekly pattern), otherwise the part of a shift beyond the horizon covers nothing.

Stage 1 -- how many shifts of each template start when, with breaks placed (:func:`plan_shifts`)
    A mixed-integer programme solved with HiGHS. Sets: queues q, intervals i, shift options
    o = (template s, start t) from the templates' start times, skill groups g (people with the
    same set of queues), crews c (people with the same skill group, the same contract and the
    same set of shift options they could take at all, so time off and availability shape the
    plan; without named people, one unlimited crew per :class:`Pool`, by default one per
    queue), the ordered breaks
    k of a template (paid and unpaid together, sorted by earliest start) and the break offsets
    b of break k (its window, every interval).

    Variables: x[c,o] >= 0 integer (shifts of option o worked by crew c); y[g,o,k,b] >= 0
    integer (shifts of group g and option o whose break k starts b minutes after the shift
    start); a[g,q,i] >= 0 (agents of a multi-skilled group given to queue q, the plan's split
    of their time); u[q,i,j] >= 0 (under-coverage, in segments j); v[q,i] >= 0 (over-coverage);
    d[g,i] >= 0 (activity time no planned shift holds, priced at ten missing agents, so the
    programme stays feasible and stage 2 names the activity instead).

    Net coverage of group g: N[g,i] = sum_o cov[o,i] sum_(c in g) x[c,o]
    - sum_(o,k,b) frac[o,k,b,i] y[g,o,k,b] - act[g,i], with cov[o,i] = 1 when the shift covers
    interval i, frac the share of interval i spent on the break, act the minutes of fixed
    activities (meetings, training, coaching, huddles) of the group's people in the interval.

    Constraints:

    * breaks: sum_b y[g,o,k,b] = sum_(c in g) x[c,o] for every break k (each shift takes each
      of its breaks exactly once, inside the window);
    * break order and gaps, by cumulative counts: for k >= 1 and every offset b,
      sum_(b' <= b) y[g,o,k,b'] <= sum_(b'' + len(k-1) + gap(k) <= b) y[g,o,k-1,b''].
      Pairing the r-th earliest break k-1 with the r-th earliest break k then gives every
      shift a break sequence that keeps the minimum gaps, so the aggregate counts always
      decompose into real shifts (this is how :class:`PlannedShift` rows are formed);
    * allocation: sum_q a[g,q,i] = N[g,i] + d[g,i] for multi-skilled groups; a single-queue
      group's N[g,i] + d[g,i] goes to its queue;
    * cover: sum_g (share of g on q) + sum_j u[q,i,j] - v[q,i] = R[q,i];
    * people (aggregate per crew, so that stage 2 can staff the plan): shifts of an option at
      most the members who could take it (skills, contract templates, time off, availability,
      rest from last week); per day at most the members available that day; in every window
      of (shortest shift + minimum rest) at most the members available (rest between shifts);
      in every run of (max consecutive days + 1) days at most that many days each; weekly
      days, paid hours, nights and weekend days between the sums of the members' contract
      minima and maxima (net of credited time off); enough people on shift to attend every
      fixed activity; optional ``budget_paid_h`` and ``fixed_counts``.

    Objective (minimise, in cost units): sum_(c,o) cost_per_hour(s) paid_h(s) x[c,o]
    + sum_(q,i,j) w[q,i,j] u[q,i,j] + sum_(q,i) over_cost_per_h (interval_min/60) v[q,i]
    + sum_(g,i) 10 under_cost_per_h (interval_min/60) d[g,i].

    Service-level weighting of under-coverage: where the requirement carries the load
    (``rate_per_s``, ``aht_s``, ``target_s``), the j-th missing agent in interval i loses
    m[q,i,j] = contacts[q,i] (SL(R - j + 1) - SL(R - j)) contacts answered within target (SL
    from :func:`ccops.engines.queueing.service_level` at fractional agents, floored at 0
    agents; the last segment is the fractional rest). SL is concave above the load, so
    these losses grow with the shortfall; where the shortfall pushes staffing below the load
    the true loss flattens, and the engine uses the running maximum of the marginal losses
    instead (a convex majorant), so the under-coverage cost stays convex and the MILP needs no
    extra binaries. The weight is w = (interval_min/60) under_cost_per_h max(m / m_ref, floor),
    with m_ref the mean first-agent loss over all intervals with a requirement: an average
    missing agent-hour costs ``under_cost_per_h``, and a missing agent costs most where it
    loses most service. Queues without load data get the flat weight.

    Solving, within ``PlanOptions.time_limit_s`` in all: (1) the LP relaxation (HiGHS
    interior point with crossover), whose value is ``lp_bound``; (2) RENS, the MILP with every
    integer column boxed to the floor and ceiling of its LP value (integral ones fixed); (3) if
    that plan is not yet within ``mip_rel_gap`` of the LP bound, RENS with only the shift
    counts boxed and the break counts continuous; each RENS plan is polished: its shift counts
    fixed, breaks and allocation re-optimised exactly (this MILP is small and, in practice,
    integral at its LP optimum); (4) if still not within ``mip_rel_gap``, the full MILP started
    from the best plan, for the time left. HiGHS alone spends most of a minute at the root of
    the realistic week without improving its first plan; the LP-guided neighbourhoods find
    plans within 1% of the LP bound in a fraction of that.

    Reported: the objective, the dual bound (``bound``: the larger of the LP value and the
    full MILP's dual bound when it ran), the LP relaxation value (``lp_bound``),
    ``gap = (objective - bound) / |objective|`` and ``lp_gap = (objective - lp_bound) /
    |objective|``, paid hours, cost, under- and over-coverage hours and the per-interval
    required / scheduled / predicted service level.

Stage 2 -- named people (:func:`assign_shifts`)
    A CP-SAT model assigns the planned shifts (with their breaks) to people. Booleans
    z[p,s] for every person p and planned shift row s whose queues p has and whose template
    p's contract allows. Hard rules: at most one shift per person per calendar day (of its
    start), no overlapping shifts, minimum rest between shifts (also after last week's last
    shift), weekly paid hours and working days within the contract (net of credited time off),
    maximum consecutive days (counting the days worked just before the week), nights and
    weekend days at most the contract's maximum, no shift overlapping approved time off or
    outside a person's availability, every fixed activity inside a shift the person works and
    outside its breaks. Soft goals (minimised, integer costs): planned shifts left unstaffed
    (per paid hour), extra copies of planned shifts (a person needs hours and no planned shift
    is left; per paid hour, only if ``allow_extra_shifts``), a convex fairness cost for weekend
    days and late shifts (the k-th weekend day of a person who recently worked h weekend days
    costs h + k; the same for late shifts: weekends and lates rotate to whoever had fewest),
    secondary skills (shifts of a group go preferably to people for whom its queues are
    primary), and preferences (reward or penalty per matching shift).

    CP-SAT runs with ``linearization_level=2`` (a stronger LP relaxation of the assignment).
    If no roster satisfies the hard rules, the engine rebuilds the model with one literal per
    rule (per person: each contract limit, each time-off span, availability, each activity),
    asks CP-SAT for a sufficient set of assumptions for infeasibility and shrinks it by
    deletion to a set in which every rule is needed, then raises
    :class:`ScheduleInfeasibleError` listing those rules in words.

    Coverage of the roster: the assigned shifts' net presence per group (breaks and the
    person's activities deducted), split across a multi-skilled group's queues by the plan's
    allocation a[g,q,i] / N[g,i]; predicted service level per interval from
    :func:`ccops.engines.queueing.service_level` at that (fractional) number of agents.

Bad input raises :class:`SchedulingInputError` (a ``ValueError``) listing every problem found:
contracts that contradict themselves, people with no skill for any queue, grids, windows. A
requirement no schedule can cover is named interval by interval (in ``ShiftPlan.notes``, or
as an error with ``full_cover=True``).

References:
    G. B. Dantzig, "A comment on Edie's 'Traffic delays at toll booths'", Operations Research 2
    (1954) 339-341 (the set-covering shift model).
    T. Aykin, "Optimal shift scheduling with multiple break windows", Management Science 42(4)
    (1996) 591-602 (break variables per shift and break window).
    S. E. Bechtold, L. W. Jacobs, "Implicit modeling of flexible break assignments in optimal
    shift scheduling", Management Science 36(11) (1990) 1339-1351.
    G. Koole, "Call Center Optimization" (MG books, 2013), ch. 11-12 (service-level-driven
    scheduling; concavity of the service level in the number of agents).
    Google OR-Tools CP-SAT documentation: assumptions and
    ``sufficient_assumptions_for_infeasibility``.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, TypeAlias

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.sat.python import cp_model
from scipy import sparse

from ccops.engines import queueing

__all__ = [
    "GRID_MIN",
    "Activity",
    "AssignedShift",
    "BreakRule",
    "Contract",
    "Coverage",
    "Person",
    "PersonWeek",
    "PlacedBreak",
    "PlanOptions",
    "PlanWeights",
    "PlannedShift",
    "Pool",
    "Preference",
    "Requirement",
    "Roster",
    "RosterOptions",
    "RosterWeights",
    "ScheduleInfeasibleError",
    "ScheduleNotFoundError",
    "SchedulingInputError",
    "SchedulingProblem",
    "ShiftPlan",
    "ShiftTemplate",
    "Span",
    "TimeOff",
    "WeekSchedule",
    "assign_shifts",
    "evaluate_roster",
    "example_problem",
    "hhmm",
    "plan_shifts",
    "schedule_week",
    "start_times",
]

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

GRID_MIN: Final = 15
"""Shift start times, shift lengths and break windows are on this grid of minutes."""

DAY_MIN: Final = 1440
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INF: Final = math.inf
_SCALE: Final = 100  # CP-SAT objective: cost units x 100, rounded to integers


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


class SchedulingInputError(ValueError):
    """Input a schedule cannot be built from; ``problems`` lists every problem found."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        found = (problems,) if isinstance(problems, str) else tuple(problems)
        self.problems: tuple[str, ...] = found
        if len(found) == 1:
            text = found[0]
        else:
            text = f"{len(found)} problems:\n" + "\n".join(f"- {p}" for p in found)
        super().__init__(text)


class ScheduleInfeasibleError(SchedulingInputError):
    """No schedule satisfies the rules; ``rules`` names a set of rules that conflict.

    Every rule listed is needed for the conflict: dropping any one of them (the others kept)
    makes the week feasible, as far as the solver could decide within its time limit.
    """

    def __init__(self, headline: str, rules: Sequence[str]) -> None:
        self.headline = headline
        self.rules: tuple[str, ...] = tuple(rules)
        super().__init__([headline, *self.rules])
        text = headline + ("; these rules conflict:\n" if self.rules else "")
        self.args = (text + "\n".join(f"- {r}" for r in self.rules),)

    def __str__(self) -> str:
        return str(self.args[0])


class ScheduleNotFoundError(RuntimeError):
    """The solver found no schedule within its time limit (it may still exist)."""


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def hhmm(text: str) -> int:
    """Minutes of the day of a ``"HH:MM"`` clock time (``"24:00"`` allowed).

    Raises:
        SchedulingInputError: the text is not a clock time.
    """
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError) as exc:
        raise SchedulingInputError(f"{text!r} is not a clock time HH:MM") from exc
    if not 0 <= int(minutes) < 60 or not 0 <= value <= DAY_MIN:
        raise SchedulingInputError(f"{text!r} is not a clock time HH:MM")
    return value


def start_times(first: str | int, last: str | int, step_min: int = GRID_MIN) -> tuple[int, ...]:
    """Start times from ``first`` to ``last`` inclusive every ``step_min`` minutes.

    Args:
        first: first start, ``"HH:MM"`` or minutes of the day.
        last: last start, ``"HH:MM"`` or minutes of the day.
        step_min: spacing in minutes (a multiple of 15).

    Returns:
        Minutes of the day, ascending.
    """
    lo = hhmm(first) if isinstance(first, str) else int(first)
    hi = hhmm(last) if isinstance(last, str) else int(last)
    if step_min <= 0 or step_min % GRID_MIN:
        raise SchedulingInputError(f"step_min must be a positive multiple of {GRID_MIN}")
    return tuple(range(lo, hi + 1, step_min))


def _clock(minute: int) -> str:
    minute %= DAY_MIN
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _finite(value: float) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A half-open time span ``[start_min, end_min)`` in minutes from the week start.

    Args:
        start_min: first minute.
        end_min: minute after the last (greater than ``start_min``).
    """

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not (_is_int(self.start_min) and _is_int(self.end_min)):
            raise SchedulingInputError(
                f"span minutes must be integers, got {self.start_min!r}, {self.end_min!r}"
            )
        if self.end_min <= self.start_min:
            raise SchedulingInputError(
                f"span end_min {self.end_min} must be after start_min {self.start_min}"
            )

    @classmethod
    def days(cls, first_day: int, last_day: int | None = None) -> Span:
        """Whole days ``first_day`` to ``last_day`` inclusive (day 0 = the week start)."""
        last = first_day if last_day is None else last_day
        return cls(first_day * DAY_MIN, (last + 1) * DAY_MIN)

    @classmethod
    def on(cls, day: int, start: str, end: str) -> Span:
        """Clock times ``start`` to ``end`` (``"HH:MM"``) on ``day`` (end may be next day)."""
        lo, hi = hhmm(start), hhmm(end)
        if hi <= lo:
            hi += DAY_MIN
        return cls(day * DAY_MIN + lo, day * DAY_MIN + hi)

    def overlaps(self, start_min: int, end_min: int) -> bool:
        """Whether ``[start_min, end_min)`` shares any minute with this span."""
        return self.start_min < end_min and start_min < self.end_min

    def contains(self, start_min: int, end_min: int) -> bool:
        """Whether ``[start_min, end_min)`` lies inside this span."""
        return self.start_min <= start_min and end_min <= self.end_min


@dataclass(frozen=True)
class BreakRule:
    """A break of a shift template and where it may go.

    Args:
        length_min: break length in minutes (> 0; need not be a whole interval).
        earliest_after_start_min: earliest break start after the shift start, minutes
            (a multiple of 15).
        latest_after_start_min: latest break start after the shift start, minutes (a multiple
            of 15, at least ``earliest_after_start_min``).
        min_gap_min: least working time between the end of the previous break of the shift
            (in order of earliest start) and the start of this one, minutes (>= 0).
    """

    length_min: int
    earliest_after_start_min: int
    latest_after_start_min: int
    min_gap_min: int = 0

    def __post_init__(self) -> None:
        values = (
            ("length_min", self.length_min),
            ("earliest_after_start_min", self.earliest_after_start_min),
            ("latest_after_start_min", self.latest_after_start_min),
            ("min_gap_min", self.min_gap_min),
        )
        for name, value in values:
            if not _is_int(value):
                raise SchedulingInputError(f"break {name} must be an integer, got {value!r}")
        if self.length_min <= 0:
            raise SchedulingInputError(f"break length_min must be > 0, got {self.length_min}")
        if self.earliest_after_start_min < 0:
            raise SchedulingInputError(
                f"break earliest_after_start_min must be >= 0, got {self.earliest_after_start_min}"
            )
        if self.latest_after_start_min < self.earliest_after_start_min:
            raise SchedulingInputError(
                f"break latest_after_start_min {self.latest_after_start_min} < "
                f"earliest_after_start_min {self.earliest_after_start_min}"
            )
        for name, value in values[1:3]:
            if value % GRID_MIN:
                raise SchedulingInputError(
                    f"break {name} {value} is not on the {GRID_MIN}-minute grid"
                )
        if self.min_gap_min < 0:
            raise SchedulingInputError(f"break min_gap_min must be >= 0, got {self.min_gap_min}")


@dataclass(frozen=True, eq=False)
class ShiftTemplate:
    """A kind of shift: its start times, length, breaks and cost.

    Args:
        name: unique name.
        starts: allowed start times, minutes of the day on the 15-minute grid: one sequence for
            every weekday, or a mapping weekday (0 = Monday .. 6 = Sunday) -> sequence (missing
            weekdays have no start).
        length_min: shift length from start to end including all breaks, minutes (a multiple
            of 15, at most 24 h).
        paid_breaks: breaks that count as paid time.
        unpaid_breaks: breaks that do not count as paid time.
        cost_per_hour: cost of one paid hour (>= 0, any currency or relative unit).
        is_night: a night shift (counts toward ``Contract.max_nights``).
        is_late: a late shift (rotated fairly in stage 2).

    Raises:
        SchedulingInputError: a value is out of range or the breaks cannot be placed.
    """

    name: str
    starts: Sequence[int] | Mapping[int, Sequence[int]]
    length_min: int
    paid_breaks: Sequence[BreakRule] = ()
    unpaid_breaks: Sequence[BreakRule] = ()
    cost_per_hour: float = 1.0
    is_night: bool = False
    is_late: bool = False
    _starts: tuple[tuple[int, ...], ...] = field(init=False, repr=False)
    _breaks: tuple[tuple[BreakRule, bool], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        who = f"template {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise SchedulingInputError(f"template name must be a non-empty string: {self.name!r}")
        if not _is_int(self.length_min) or not 0 < self.length_min <= DAY_MIN:
            raise SchedulingInputError(f"{who}: length_min must be 1..1440, got {self.length_min}")
        if self.length_min % GRID_MIN:
            raise SchedulingInputError(
                f"{who}: length_min {self.length_min} is not a multiple of {GRID_MIN}"
            )
        if not (_finite(self.cost_per_hour) and self.cost_per_hour >= 0):
            raise SchedulingInputError(f"{who}: cost_per_hour must be >= 0")
        per_day: list[tuple[int, ...]] = []
        if isinstance(self.starts, Mapping):
            bad = [k for k in self.starts if not (_is_int(k) and 0 <= k <= 6)]
            if bad:
                raise SchedulingInputError(f"{who}: starts weekdays must be 0..6, got {bad}")
            raw = [self.starts.get(d, ()) for d in range(7)]
        else:
            raw = [self.starts] * 7
        for day_starts in raw:
            values = sorted({int(v) for v in day_starts})
            for v, orig in zip(values, sorted(set(day_starts)), strict=True):
                if not _is_int(orig) or not 0 <= v < DAY_MIN or v % GRID_MIN:
                    raise SchedulingInputError(
                        f"{who}: start {orig!r} is not a minute of the day on the "
                        f"{GRID_MIN}-minute grid"
                    )
            per_day.append(tuple(values))
        object.__setattr__(self, "_starts", tuple(per_day))
        rules = [(b, True) for b in self.paid_breaks] + [(b, False) for b in self.unpaid_breaks]
        for rule, _ in rules:
            if not isinstance(rule, BreakRule):
                raise SchedulingInputError(f"{who}: breaks must be BreakRule, got {rule!r}")
        ordered = tuple(sorted(rules, key=lambda r: r[0].earliest_after_start_min))
        object.__setattr__(self, "_breaks", ordered)
        if self.paid_min <= 0:
            raise SchedulingInputError(f"{who}: unpaid breaks take the whole shift")
        earliest_end = 0.0
        for k, (rule, _) in enumerate(ordered):
            if rule.latest_after_start_min + rule.length_min > self.length_min:
                raise SchedulingInputError(
                    f"{who}: break {k + 1} may start {rule.latest_after_start_min} min after the "
                    f"start and last {rule.length_min} min, past the shift end "
                    f"({self.length_min} min)"
                )
            first = max(
                rule.earliest_after_start_min, earliest_end + (rule.min_gap_min if k else 0)
            )
            first = math.ceil(first / GRID_MIN) * GRID_MIN
            if first > rule.latest_after_start_min:
                raise SchedulingInputError(
                    f"{who}: break {k + 1} cannot start by its latest "
                    f"{rule.latest_after_start_min} min after the shift start: the previous "
                    f"break ends at {_fmt(earliest_end)} min at the earliest and the gap is "
                    f"{rule.min_gap_min} min"
                )
            earliest_end = first + rule.length_min

    @property
    def starts_by_weekday(self) -> tuple[tuple[int, ...], ...]:
        """Start minutes of the day for Monday .. Sunday."""
        return self._starts

    @property
    def breaks(self) -> tuple[tuple[BreakRule, bool], ...]:
        """All breaks as ``(rule, paid)`` in order of earliest start."""
        return self._breaks

    @property
    def paid_min(self) -> int:
        """Paid minutes: the length less the unpaid breaks."""
        return self.length_min - sum(b.length_min for b in self.unpaid_breaks)

    @property
    def paid_h(self) -> float:
        """Paid hours of one shift."""
        return self.paid_min / 60.0


@dataclass(frozen=True, eq=False)
class Contract:
    """The working-time rules of a contract.

    Args:
        name: unique name (shown in messages).
        weekly_min_h: least paid hours in the week.
        weekly_max_h: most paid hours in the week.
        days_min: least working days in the week.
        days_max: most working days in the week.
        max_consecutive_days: most working days in a row (counting the days worked just
            before the week, ``Person.consecutive_days_before``).
        min_rest_h: least hours from the end of one shift to the start of the next.
        max_nights: most night shifts (templates with ``is_night``) in the week.
        max_weekend_days: most Saturdays and Sundays worked in the week (0..2 in a week).
        templates: names of the shift templates this contract may work; ``None`` means all.

    Raises:
        SchedulingInputError: the contract contradicts itself (every contradiction is listed).
    """

    name: str
    weekly_min_h: float = 0.0
    weekly_max_h: float = 48.0
    days_min: int = 0
    days_max: int = 7
    max_consecutive_days: int = 7
    min_rest_h: float = 11.0
    max_nights: int = 7
    max_weekend_days: int = 2
    templates: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        who = f"contract {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise SchedulingInputError(f"contract name must be a non-empty string: {self.name!r}")
        problems: list[str] = []
        for attr in ("weekly_min_h", "weekly_max_h", "min_rest_h"):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                problems.append(f"{who}: {attr} must be a number >= 0, got {value!r}")
        for attr in ("days_min", "days_max", "max_consecutive_days", "max_nights"):
            value = getattr(self, attr)
            if not (_is_int(value) and value >= 0):
                problems.append(f"{who}: {attr} must be an integer >= 0, got {value!r}")
        if not (_is_int(self.max_weekend_days) and self.max_weekend_days >= 0):
            problems.append(f"{who}: max_weekend_days must be an integer >= 0")
        if problems:
            raise SchedulingInputError(problems)
        if self.weekly_min_h > self.weekly_max_h:
            problems.append(
                f"{who}: weekly_min_h {_fmt(self.weekly_min_h)} > weekly_max_h "
                f"{_fmt(self.weekly_max_h)}"
            )
        if self.days_min > self.days_max:
            problems.append(f"{who}: days_min {self.days_min} > days_max {self.days_max}")
        if self.days_min > 7:
            problems.append(f"{who}: days_min {self.days_min} > the 7 days of a week")
        if self.max_consecutive_days < 1 and (self.days_min > 0 or self.weekly_min_h > 0):
            problems.append(
                f"{who}: max_consecutive_days 0 forbids any work but days_min is "
                f"{self.days_min} and weekly_min_h {_fmt(self.weekly_min_h)}"
            )
        most_days = _max_days_in_week(self.max_consecutive_days)
        if self.days_min > most_days:
            problems.append(
                f"{who}: days_min {self.days_min} > {most_days}, the most days a week allows "
                f"with max_consecutive_days {self.max_consecutive_days}"
            )
        if self.weekly_min_h > 0 and self.days_max == 0:
            problems.append(f"{who}: weekly_min_h {_fmt(self.weekly_min_h)} > 0 but days_max is 0")
        if self.templates is not None:
            object.__setattr__(self, "templates", tuple(self.templates))
        if problems:
            raise SchedulingInputError(problems)


def _max_days_in_week(max_consecutive: int, days: int = 7) -> int:
    """Most working days in ``days`` days with at most ``max_consecutive`` in a row."""
    if max_consecutive <= 0:
        return 0
    block = max_consecutive + 1
    return (days // block) * max_consecutive + min(days % block, max_consecutive)


@dataclass(frozen=True)
class TimeOff:
    """Approved time off: no shift may overlap it.

    Args:
        start_min: first minute from the week start.
        end_min: minute after the last.
        credit_h: paid hours it counts toward the contract's weekly hours (e.g. 8 per
            vacation day); lowers both ``weekly_min_h`` and ``weekly_max_h``.
        credit_days: working days it counts toward ``days_min``/``days_max``.
        reason: shown in messages (``"vacation"``, ``"training course"``).
    """

    start_min: int
    end_min: int
    credit_h: float = 0.0
    credit_days: int = 0
    reason: str = "time off"

    def __post_init__(self) -> None:
        Span(self.start_min, self.end_min)
        if not (_finite(self.credit_h) and self.credit_h >= 0):
            raise SchedulingInputError(f"time off credit_h must be >= 0, got {self.credit_h!r}")
        if not (_is_int(self.credit_days) and self.credit_days >= 0):
            raise SchedulingInputError(
                f"time off credit_days must be an integer >= 0, got {self.credit_days!r}"
            )

    @classmethod
    def days(
        cls,
        first_day: int,
        last_day: int | None = None,
        *,
        credit_h_per_day: float = 0.0,
        credit_days: bool = False,
        reason: str = "time off",
    ) -> TimeOff:
        """Whole days ``first_day`` to ``last_day`` inclusive, with a credit per day."""
        span = Span.days(first_day, last_day)
        n = (span.end_min - span.start_min) // DAY_MIN
        return cls(
            span.start_min,
            span.end_min,
            credit_h=credit_h_per_day * n,
            credit_days=n if credit_days else 0,
            reason=reason,
        )


@dataclass(frozen=True)
class Activity:
    """A fixed activity off the queues: a meeting, training, coaching session or huddle.

    The person must be on a shift for the whole activity, outside the shift's breaks; the
    activity's minutes are deducted from the person's coverage.

    Args:
        name: shown in messages and in the person's week.
        start_min: first minute from the week start.
        end_min: minute after the last.
        kind: ``"meeting"``, ``"training"``, ``"coaching"``, ``"huddle"`` or any word.
    """

    name: str
    start_min: int
    end_min: int
    kind: str = "meeting"

    def __post_init__(self) -> None:
        Span(self.start_min, self.end_min)


@dataclass(frozen=True)
class Preference:
    """A soft wish about the shifts a person works.

    It matches a shift that overlaps ``[start_min, end_min)`` (if given) and is of
    ``template`` (if given). A positive weight asks for matching shifts (each one assigned
    lowers the roster's cost by the weight), a negative one asks to avoid them.

    Args:
        weight: cost units per matching shift (nonzero).
        start_min: start of the span of interest, minutes from the week start.
        end_min: end of the span of interest.
        template: template name of interest.
    """

    weight: float
    start_min: int | None = None
    end_min: int | None = None
    template: str | None = None

    def __post_init__(self) -> None:
        if not _finite(self.weight) or self.weight == 0:
            raise SchedulingInputError(f"preference weight must be nonzero, got {self.weight!r}")
        if (self.start_min is None) != (self.end_min is None):
            raise SchedulingInputError("preference needs both start_min and end_min, or neither")
        if self.start_min is not None and self.end_min is not None:
            Span(self.start_min, self.end_min)
        elif self.template is None:
            raise SchedulingInputError("preference needs a span, a template or both")

    def matches(self, template: str, start_min: int, end_min: int) -> bool:
        """Whether a shift of ``template`` over ``[start_min, end_min)`` matches."""
        if self.template is not None and template != self.template:
            return False
        if self.start_min is not None and self.end_min is not None:
            return self.start_min < end_min and start_min < self.end_min
        return True


@dataclass(frozen=True, eq=False)
class Person:
    """Someone to schedule.

    Args:
        id: unique identifier shown in messages.
        contract: the person's contract.
        skills: queue name -> level, a positive integer; 1 is a primary skill, larger numbers
            are secondary (stage 2 prefers primary). Queues not in the requirement are
            ignored.
        time_off: approved time off.
        availability: spans the person can work in; ``None`` means any time. A shift must lie
            inside one span.
        preferences: soft wishes.
        fixed_activities: meetings, training, coaching, huddles.
        recent_weekend_days: weekend days worked in the recent rotation window (fairness).
        recent_late_shifts: late shifts worked in the recent rotation window (fairness).
        last_shift_end_min: end of the person's last shift before the week, minutes from the
            week start (<= 0); rest is counted from it.
        consecutive_days_before: days worked in a row just before the week.
    """

    id: str
    contract: Contract
    skills: Mapping[str, int]
    time_off: Sequence[TimeOff] = ()
    availability: Sequence[Span] | None = None
    preferences: Sequence[Preference] = ()
    fixed_activities: Sequence[Activity] = ()
    recent_weekend_days: int = 0
    recent_late_shifts: int = 0
    last_shift_end_min: int | None = None
    consecutive_days_before: int = 0

    def __post_init__(self) -> None:
        who = f"person {self.id!r}"
        if not isinstance(self.id, str) or not self.id:
            raise SchedulingInputError(f"person id must be a non-empty string: {self.id!r}")
        if not isinstance(self.contract, Contract):
            raise SchedulingInputError(f"{who}: contract must be a Contract")
        object.__setattr__(self, "skills", dict(self.skills))
        for queue, level in self.skills.items():
            if not (_is_int(level) and level >= 1):
                raise SchedulingInputError(
                    f"{who}: skill level of {queue!r} must be an integer >= 1, got {level!r}"
                )
        object.__setattr__(self, "time_off", tuple(self.time_off))
        object.__setattr__(self, "preferences", tuple(self.preferences))
        object.__setattr__(self, "fixed_activities", tuple(self.fixed_activities))
        if self.availability is not None:
            object.__setattr__(self, "availability", tuple(self.availability))
        for attr in ("recent_weekend_days", "recent_late_shifts", "consecutive_days_before"):
            value = getattr(self, attr)
            if not (_is_int(value) and value >= 0):
                raise SchedulingInputError(f"{who}: {attr} must be an integer >= 0")
        if self.last_shift_end_min is not None and not (
            _is_int(self.last_shift_end_min) and self.last_shift_end_min <= 0
        ):
            raise SchedulingInputError(f"{who}: last_shift_end_min must be an integer <= 0")


@dataclass(frozen=True, eq=False)
class Requirement:
    """Net agents needed per queue and interval, and optionally the load behind them.

    Args:
        queues: queue names, one per row of ``agents``.
        agents: net agents required on each queue in each interval, shape (queues,
            intervals) (a 1-D array for one queue); >= 0, may be fractional.
        interval_min: interval length in minutes (15, 30 or 60; a multiple of 15 that
            divides a day).
        week_start: the date of day 0; ``None`` means day 0 is a Monday.
        rate_per_s: arrival rate per queue and interval (same shape as ``agents``), for the
            service-level weighting and the predicted service level.
        aht_s: handle time, seconds: a number, one per queue, or per queue and interval.
        target_s: service-level threshold, seconds: a number or one per queue.
        patience_s: mean patience for Erlang A, seconds: a number or one per queue; ``None``
            means Erlang C.
    """

    queues: Sequence[str]
    agents: ArrayLike
    interval_min: int = GRID_MIN
    week_start: date | None = None
    rate_per_s: ArrayLike | None = None
    aht_s: ArrayLike | None = None
    target_s: ArrayLike | None = None
    patience_s: ArrayLike | None = None
    _agents: FloatArray = field(init=False, repr=False)
    _load: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        queues = tuple(self.queues)
        object.__setattr__(self, "queues", queues)
        if not queues or not all(isinstance(q, str) and q for q in queues):
            raise SchedulingInputError("requirement queues must be non-empty strings")
        if len(set(queues)) != len(queues):
            raise SchedulingInputError(f"requirement queues repeat: {list(queues)}")
        step = self.interval_min
        if not (_is_int(step) and step > 0 and step % GRID_MIN == 0 and DAY_MIN % step == 0):
            raise SchedulingInputError(
                f"interval_min must be a multiple of {GRID_MIN} dividing a day, got {step!r}"
            )
        agents = self._matrix(self.agents, "agents")
        if not np.isfinite(agents).all() or (agents < 0).any():
            raise SchedulingInputError("requirement agents must be finite and >= 0")
        object.__setattr__(self, "_agents", agents)
        given = [v is not None for v in (self.rate_per_s, self.aht_s, self.target_s)]
        if any(given) and not all(given):
            raise SchedulingInputError(
                "give rate_per_s, aht_s and target_s together (the service-level curve), "
                "or none of them"
            )
        load = None
        if all(given):
            shape = agents.shape
            rate = self._matrix(self.rate_per_s, "rate_per_s")
            if rate.shape != shape:
                raise SchedulingInputError(f"rate_per_s has shape {rate.shape}, agents has {shape}")
            aht = self._per_queue(self.aht_s, "aht_s")
            target = self._per_queue(self.target_s, "target_s")
            patience = (
                np.full(shape, np.inf)
                if self.patience_s is None
                else self._per_queue(self.patience_s, "patience_s")
            )
            if not np.isfinite(rate).all() or (rate < 0).any():
                raise SchedulingInputError("rate_per_s must be finite and >= 0")
            if not np.isfinite(aht).all() or (aht <= 0).any():
                raise SchedulingInputError("aht_s must be finite and > 0")
            if not np.isfinite(target).all() or (target < 0).any():
                raise SchedulingInputError("target_s must be finite and >= 0")
            if np.isnan(patience).any() or (patience <= 0).any():
                raise SchedulingInputError("patience_s must be > 0")
            load = (rate, aht, target, patience)
        object.__setattr__(self, "_load", load)

    def _matrix(self, value: ArrayLike | None, name: str) -> FloatArray:
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SchedulingInputError(f"{name} must be numeric") from exc
        if arr.ndim == 1 and len(self.queues) == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[0] != len(self.queues) or arr.shape[1] == 0:
            raise SchedulingInputError(
                f"{name} must have shape (queues={len(self.queues)}, intervals), got {arr.shape}"
            )
        return arr

    def _per_queue(self, value: ArrayLike | None, name: str) -> FloatArray:
        shape = self._agents.shape
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SchedulingInputError(f"{name} must be numeric") from exc
        if arr.ndim == 1 and arr.shape[0] == shape[0]:
            arr = arr[:, None]
        try:
            return np.array(np.broadcast_to(arr, shape), dtype=np.float64)
        except ValueError as exc:
            raise SchedulingInputError(
                f"{name} must be a number, one per queue, or shape {shape}"
            ) from exc

    @property
    def matrix(self) -> FloatArray:
        """Required net agents, shape (queues, intervals) (a copy)."""
        return self._agents.copy()

    @property
    def intervals(self) -> int:
        """Number of intervals in the horizon."""
        return int(self._agents.shape[1])

    @property
    def has_load(self) -> bool:
        """Whether the service-level curve (rate, AHT, target) is known."""
        return self._load is not None

    def service_level(self, agents: ArrayLike) -> FloatArray:
        """Predicted service level at ``agents`` (queues x intervals); NaN without load data."""
        arr = np.maximum(np.asarray(agents, dtype=np.float64), 0.0)
        if self._load is None:
            return np.full(arr.shape, np.nan)
        rate, aht, target, patience = self._load
        out: FloatArray = queueing.service_level(arr, rate, aht, target, patience_s=patience)
        return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Pool:
    """Anonymous staff for stage 1 without named people: a skill set and an optional limit.

    Args:
        queues: the queues these agents can take.
        max_per_day: most shifts starting on one day (the pool's headcount); ``None`` means
            unlimited.
    """

    queues: tuple[str, ...]
    max_per_day: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        if not self.queues:
            raise SchedulingInputError("a pool needs at least one queue")
        if self.max_per_day is not None and not (
            _is_int(self.max_per_day) and self.max_per_day >= 0
        ):
            raise SchedulingInputError("pool max_per_day must be an integer >= 0")


@dataclass(frozen=True)
class PlanWeights:
    """Prices of the stage-1 objective, in the unit of ``ShiftTemplate.cost_per_hour``.

    Args:
        under_cost_per_h: cost of an (average, with service-level weighting) missing
            agent-hour on a queue.
        over_cost_per_h: cost of an agent-hour above the requirement (besides its wage).
        sl_weighting: weight under-coverage by the service level it loses where the
            requirement carries the load.
        sl_weight_floor: least relative weight of a missing agent-hour (so no shortfall is
            free where the service-level curve is flat).
    """

    under_cost_per_h: float = 10.0
    over_cost_per_h: float = 0.05
    sl_weighting: bool = True
    sl_weight_floor: float = 0.05

    def __post_init__(self) -> None:
        for attr in ("under_cost_per_h", "over_cost_per_h", "sl_weight_floor"):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                raise SchedulingInputError(f"{attr} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class RosterWeights:
    """Prices of the stage-2 soft goals (cost units; the solver works in hundredths).

    Args:
        unassigned_per_h: a planned shift left without a person, per paid hour.
        extra_per_h: an extra copy of a planned shift given to someone who needs hours, per
            paid hour.
        weekend_fairness: scale of the convex weekend-day cost (h + k for the k-th weekend day
            of a person who recently worked h).
        late_fairness: the same for late shifts.
        preference: multiplier of every ``Preference.weight``.
        secondary_skill: per assigned shift and level above 1 of the shift's queues.
    """

    unassigned_per_h: float = 100.0
    extra_per_h: float = 20.0
    weekend_fairness: float = 2.0
    late_fairness: float = 1.0
    preference: float = 1.0
    secondary_skill: float = 0.5

    def __post_init__(self) -> None:
        for attr in (
            "unassigned_per_h",
            "extra_per_h",
            "weekend_fairness",
            "late_fairness",
            "preference",
            "secondary_skill",
        ):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                raise SchedulingInputError(f"{attr} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class PlanOptions:
    """HiGHS settings for stage 1.

    Args:
        time_limit_s: wall-clock limit of all of stage 1 (LP relaxation, RENS, MILP).
        mip_rel_gap: stop when (objective - dual bound) / objective is at most this.
        threads: HiGHS threads (2 for a 2-core machine).
        seed: HiGHS ``random_seed``; with the same seed, threads and input HiGHS is
            deterministic unless the time limit cuts the search.
        rens: before the full MILP, solve the MILP restricted to the roundings of the LP
            point (RENS: integer columns integral in the LP are fixed, the others boxed to
            floor/ceil); its plan starts the full MILP, and if it is already within
            ``mip_rel_gap`` of the LP bound the full MILP is skipped.
        rens_share: share of the remaining time the RENS step may use.
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 0.01
    threads: int = 2
    seed: int = 0
    rens: bool = True
    rens_share: float = 0.5

    def __post_init__(self) -> None:
        if not (_finite(self.time_limit_s) and self.time_limit_s > 0):
            raise SchedulingInputError("time_limit_s must be > 0")
        if not (_finite(self.mip_rel_gap) and 0 <= self.mip_rel_gap < 1):
            raise SchedulingInputError("mip_rel_gap must be in [0, 1)")
        if not (_is_int(self.threads) and self.threads >= 1):
            raise SchedulingInputError("threads must be an integer >= 1")


@dataclass(frozen=True)
class RosterOptions:
    """CP-SAT settings for stage 2.

    Args:
        time_limit_s: wall-clock limit of the roster search.
        workers: CP-SAT workers (1 is deterministic for a seed; 2 on a 2-core machine).
        seed: CP-SAT ``random_seed``.
        allow_extra_shifts: let people who need hours take extra copies of planned shifts.
        explain_time_limit_s: limit of each solve while explaining an infeasible week.
        max_deterministic_time: optional CP-SAT deterministic-time limit (reproducible even
            when the search is cut short).
    """

    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    allow_extra_shifts: bool = True
    explain_time_limit_s: float = 10.0
    max_deterministic_time: float | None = None

    def __post_init__(self) -> None:
        if not (_finite(self.time_limit_s) and self.time_limit_s > 0):
            raise SchedulingInputError("time_limit_s must be > 0")
        if not (_is_int(self.workers) and self.workers >= 1):
            raise SchedulingInputError("workers must be an integer >= 1")


# ---------------------------------------------------------------------------------------------
# the problem, validated and compiled to arrays
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Crew:
    """People with the same skill group, contract and takeable shift options, or a pool."""

    group: int
    contract: Contract | None
    members: tuple[int, ...]
    max_per_day: int | None
    ub: FloatArray  # per option: most shifts of the option the crew can work (0 = none)


@dataclass(frozen=True, eq=False)
class _Compiled:
    """A validated problem in arrays (private)."""

    step: int
    n_int: int
    n_days: int
    weekday: tuple[int, ...]
    weekend: BoolArray
    queues: tuple[str, ...]
    required: FloatArray
    templates: tuple[ShiftTemplate, ...]
    tindex: dict[str, int]
    opt_tmpl: IntArray
    opt_start: IntArray
    opt_end: IntArray
    opt_cov: tuple[IntArray, ...]
    cov_matrix: sparse.csr_matrix  # options x intervals, 1 where the shift covers
    brk: tuple[tuple[tuple[IntArray, tuple[tuple[IntArray, FloatArray], ...]], ...], ...]
    groups: tuple[tuple[int, ...], ...]
    crews: tuple[_Crew, ...]
    people: tuple[Person, ...]
    person_queues: tuple[frozenset[int], ...]
    can_take: BoolArray  # people x options
    cyclic: bool

    def when(self, minute: int) -> str:
        """``"Monday 08:00"`` for a minute from the week start."""
        day = minute // DAY_MIN
        name = WEEKDAYS[(self.weekday[0] + day) % 7]
        if day < 0:
            suffix = " (last week)"
        else:
            suffix = f" (day {day + 1})" if self.n_days > 7 else ""
        return f"{name}{suffix} {_clock(minute)}"

    def span_label(self, start: int, end: int) -> str:
        """``"Monday 08:00–09:00"`` (the end day named only when it differs)."""
        same_day = (end - 1) // DAY_MIN == start // DAY_MIN
        if end % DAY_MIN:
            tail = _clock(end) if same_day else self.when(end)
        else:  # midnight ends the day before it: "Thursday 24:00"
            tail = "24:00" if same_day else self.when(end - 1)[:-5] + "24:00"
        return f"{self.when(start)}–{tail}"

    def interval_index(self, minutes: IntArray) -> IntArray:
        idx = minutes // self.step
        if self.cyclic:
            return idx % self.n_int
        return idx


def _span_fraction(start: int, end: int, step: int, n_int: int, cyclic: bool) -> dict[int, float]:
    """Interval index -> share of the interval inside ``[start, end)``."""
    out: dict[int, float] = {}
    first, last = start // step, (end - 1) // step
    for i in range(first, last + 1):
        lo, hi = max(start, i * step), min(end, (i + 1) * step)
        if hi <= lo:
            continue
        j = i % n_int if cyclic else i
        if 0 <= j < n_int:
            out[j] = out.get(j, 0.0) + (hi - lo) / step
    return out


@dataclass(frozen=True, eq=False)
class SchedulingProblem:
    """Everything a week's schedule depends on, validated as a whole.

    Args:
        requirement: net agents per queue and interval.
        templates: the shift templates.
        people: the people to schedule (stage 1 then plans for their skill groups and within
            their contracts). Empty for anonymous planning with ``pools``.
        pools: anonymous staff for stage 1 when there are no people; ``None`` means one
            unlimited single-skill pool per queue.
        plan_weights: stage-1 prices.
        roster_weights: stage-2 prices.
        cyclic: coverage wraps from the end of the horizon to its start.
        full_cover: forbid under-coverage (the plan is infeasible if the requirement cannot
            be met; the error names the intervals).
        budget_paid_h: most paid hours in the plan.
        max_per_start: most shifts of one template starting at one time, per crew or pool.

    Raises:
        SchedulingInputError: listing every problem in the input.
    """

    requirement: Requirement
    templates: Sequence[ShiftTemplate]
    people: Sequence[Person] = ()
    pools: Sequence[Pool] | None = None
    plan_weights: PlanWeights = PlanWeights()
    roster_weights: RosterWeights = RosterWeights()
    cyclic: bool = False
    full_cover: bool = False
    budget_paid_h: float | None = None
    max_per_start: int | None = None
    _c: _Compiled = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "templates", tuple(self.templates))
        object.__setattr__(self, "people", tuple(self.people))
        if self.pools is not None:
            object.__setattr__(self, "pools", tuple(self.pools))
        object.__setattr__(self, "_c", self._compile())

    @property
    def compiled(self) -> _Compiled:
        """The problem in arrays (for the engine's own use and tests)."""
        return self._c

    # -- validation --------------------------------------------------------------------------

    def _validate(self) -> list[str]:
        req = self.requirement
        step = req.interval_min
        problems: list[str] = []
        if not self.templates:
            problems.append("no shift templates given")
        names = [t.name for t in self.templates]
        for name, n in Counter(names).items():
            if n > 1:
                problems.append(f"template name {name!r} is used {n} times")
        for t in self.templates:
            who = f"template {t.name!r}"
            if t.length_min % step:
                problems.append(
                    f"{who}: length_min {t.length_min} is not a whole number of "
                    f"{step}-minute intervals"
                )
            off_grid = sorted({m for day in t.starts_by_weekday for m in day if m % step})
            if off_grid:
                problems.append(
                    f"{who}: starts {', '.join(_clock(m) for m in off_grid[:5])} are not on the "
                    f"{step}-minute interval grid"
                )
            for k, (rule, _) in enumerate(t.breaks):
                if rule.earliest_after_start_min % step or rule.latest_after_start_min % step:
                    problems.append(
                        f"{who}: break {k + 1} window is not on the {step}-minute interval grid"
                    )
        tnames = set(names)
        contracts: dict[str, Contract] = {}
        for p in self.people:
            known = contracts.setdefault(p.contract.name, p.contract)
            if known is not p.contract and _contract_key(known) != _contract_key(p.contract):
                problems.append(
                    f"contract name {p.contract.name!r} is used for two different contracts"
                )
        for c in contracts.values():
            problems += _contract_template_problems(c, self.templates, tnames)
        ids = [p.id for p in self.people]
        for pid, n in Counter(ids).items():
            if n > 1:
                problems.append(f"person id {pid!r} is used {n} times")
        queue_set = set(req.queues)
        for p in self.people:
            who = f"person {p.id!r}"
            if not any(q in queue_set for q in p.skills):
                have = ", ".join(sorted(p.skills)) or "none"
                problems.append(
                    f"{who} has no skill for any queue (skills: {have}; queues: "
                    f"{', '.join(req.queues)})"
                )
            for pref in p.preferences:
                if pref.template is not None and pref.template not in tnames:
                    problems.append(f"{who}: preference names unknown template {pref.template!r}")
            for act in p.fixed_activities:
                for off in p.time_off:
                    if off.start_min < act.end_min and act.start_min < off.end_min:
                        problems.append(
                            f"{who}: fixed activity {act.name!r} falls in approved "
                            f"{off.reason} ({act.start_min}-{act.end_min} min overlaps "
                            f"{off.start_min}-{off.end_min} min)"
                        )
                if p.availability is not None and not any(
                    a.contains(act.start_min, act.end_min) for a in p.availability
                ):
                    problems.append(
                        f"{who}: fixed activity {act.name!r} is outside the person's availability"
                    )
        if self.people and self.pools is not None:
            problems.append("give people or pools, not both")
        if self.people and req.intervals * step > 7 * DAY_MIN:
            problems.append(
                f"contracts are weekly: with people, schedule at most 7 days at a time (the "
                f"requirement spans {req.intervals * step / DAY_MIN:g} days)"
            )
        for pool in self.pools or ():
            unknown = [q for q in pool.queues if q not in queue_set]
            if unknown:
                problems.append(f"pool {pool.queues}: unknown queues {unknown}")
        if self.budget_paid_h is not None and not (
            _finite(self.budget_paid_h) and self.budget_paid_h >= 0
        ):
            problems.append(f"budget_paid_h must be >= 0, got {self.budget_paid_h!r}")
        if self.max_per_start is not None and not (
            _is_int(self.max_per_start) and self.max_per_start >= 0
        ):
            problems.append(f"max_per_start must be an integer >= 0, got {self.max_per_start!r}")
        return problems

    # -- compilation -------------------------------------------------------------------------

    def _compile(self) -> _Compiled:
        problems = self._validate()
        if problems:
            raise SchedulingInputError(problems)
        req = self.requirement
        step = req.interval_min
        n_int = req.intervals
        horizon = n_int * step
        n_days = -(-horizon // DAY_MIN)
        first_wd = req.week_start.weekday() if req.week_start is not None else 0
        weekday = tuple((first_wd + d) % 7 for d in range(n_days))
        weekend = np.array([wd >= 5 for wd in weekday], dtype=bool)
        templates = tuple(self.templates)
        tindex = {t.name: i for i, t in enumerate(templates)}

        opt_t: list[int] = []
        opt_s: list[int] = []
        for d in range(n_days):
            for ti, t in enumerate(templates):
                for m in t.starts_by_weekday[weekday[d]]:
                    start = d * DAY_MIN + m
                    if start < horizon:
                        opt_t.append(ti)
                        opt_s.append(start)
        opt_tmpl = np.array(opt_t, dtype=np.int64)
        opt_start = np.array(opt_s, dtype=np.int64)
        lengths = np.array([t.length_min for t in templates], dtype=np.int64)
        opt_end = opt_start + lengths[opt_tmpl] if opt_t else np.zeros(0, dtype=np.int64)
        covs: list[IntArray] = []
        for o in range(len(opt_t)):
            idx = opt_start[o] // step + np.arange(lengths[opt_tmpl[o]] // step)
            idx = idx % n_int if self.cyclic else idx[idx < n_int]
            covs.append(idx.astype(np.int64))
        rows = np.repeat(np.arange(len(covs)), [len(c) for c in covs])
        cols = np.concatenate(covs) if covs else np.zeros(0, dtype=np.int64)
        cov_matrix = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(covs), n_int))
        brk = tuple(_break_profiles(t, step) for t in templates)

        people = tuple(self.people)
        qindex = {q: i for i, q in enumerate(req.queues)}
        person_queues = tuple(frozenset(qindex[q] for q in p.skills if q in qindex) for p in people)
        can_take = np.zeros((len(people), len(opt_t)), dtype=bool)
        for pi, p in enumerate(people):
            can_take[pi] = _person_can_take(p, templates, tindex, opt_tmpl, opt_start, opt_end)

        groups: list[tuple[int, ...]] = []
        crews: list[_Crew] = []
        n_opt = len(opt_t)
        if people:
            # a crew: same skills, same contract and the same shifts they could take at all
            keys: dict[tuple[tuple[int, ...], str, bytes], list[int]] = defaultdict(list)
            for pi, p in enumerate(people):
                sig = np.packbits(can_take[pi]).tobytes()
                keys[(tuple(sorted(person_queues[pi])), p.contract.name, sig)].append(pi)
            groups = sorted({k[0] for k in keys})
            for key in sorted(keys):
                members = tuple(keys[key])
                ub = can_take[list(members)].sum(axis=0).astype(np.float64)
                if self.max_per_start is not None:
                    ub = np.minimum(ub, self.max_per_start)
                crews.append(
                    _Crew(
                        group=groups.index(key[0]),
                        contract=people[members[0]].contract,
                        members=members,
                        max_per_day=None,
                        ub=ub,
                    )
                )
        else:
            pools = self.pools if self.pools is not None else [Pool((q,)) for q in req.queues]
            for pool in pools:
                gkey = tuple(sorted(qindex[q] for q in pool.queues))
                if gkey not in groups:
                    groups.append(gkey)
            groups.sort()
            cap = _INF if self.max_per_start is None else float(self.max_per_start)
            for pool in pools:
                gkey = tuple(sorted(qindex[q] for q in pool.queues))
                crews.append(
                    _Crew(
                        group=groups.index(gkey),
                        contract=None,
                        members=(),
                        max_per_day=pool.max_per_day,
                        ub=np.full(n_opt, cap),
                    )
                )
        return _Compiled(
            step=step,
            n_int=n_int,
            n_days=n_days,
            weekday=weekday,
            weekend=weekend,
            queues=tuple(req.queues),
            required=req.matrix,
            templates=templates,
            tindex=tindex,
            opt_tmpl=opt_tmpl,
            opt_start=opt_start,
            opt_end=opt_end,
            opt_cov=tuple(covs),
            cov_matrix=cov_matrix,
            brk=brk,
            groups=tuple(groups),
            crews=tuple(crews),
            people=people,
            person_queues=person_queues,
            can_take=can_take,
            cyclic=self.cyclic,
        )


def _contract_key(c: Contract) -> tuple[Any, ...]:
    return (
        c.weekly_min_h,
        c.weekly_max_h,
        c.days_min,
        c.days_max,
        c.max_consecutive_days,
        c.min_rest_h,
        c.max_nights,
        c.max_weekend_days,
        c.templates,
    )


def _allowed_templates(c: Contract | None, templates: Sequence[ShiftTemplate]) -> list[int]:
    if c is None or c.templates is None:
        return list(range(len(templates)))
    names = set(c.templates)
    return [i for i, t in enumerate(templates) if t.name in names]


def _contract_template_problems(
    c: Contract, templates: Sequence[ShiftTemplate], names: set[str]
) -> list[str]:
    """Contradictions between a contract and the shift templates it may work."""
    who = f"contract {c.name!r}"
    out: list[str] = []
    if c.templates is not None:
        unknown = [t for t in c.templates if t not in names]
        if unknown:
            out.append(f"{who}: templates {unknown} do not exist")
    allowed = [templates[i] for i in _allowed_templates(c, templates)]
    if not allowed:
        if c.weekly_min_h > 0 or c.days_min > 0:
            out.append(
                f"{who}: weekly_min_h {_fmt(c.weekly_min_h)} and days_min {c.days_min} need "
                "work, but the contract allows no shift template"
            )
        return out
    longest = max(t.paid_h for t in allowed)
    shortest = min(t.paid_h for t in allowed)
    most_days = min(c.days_max, _max_days_in_week(c.max_consecutive_days))
    if c.weekly_min_h > most_days * longest + 1e-9:
        out.append(
            f"{who}: weekly_min_h {_fmt(c.weekly_min_h)} > {most_days} days (days_max "
            f"{c.days_max}, max_consecutive_days {c.max_consecutive_days}) x longest allowed "
            f"shift {_fmt(longest)} h paid = {_fmt(most_days * longest)} h"
        )
    if c.days_min * shortest > c.weekly_max_h + 1e-9:
        out.append(
            f"{who}: days_min {c.days_min} x shortest allowed shift {_fmt(shortest)} h paid = "
            f"{_fmt(c.days_min * shortest)} h > weekly_max_h {_fmt(c.weekly_max_h)}"
        )
    if 0 < c.weekly_max_h < shortest and c.weekly_min_h > 0:
        out.append(
            f"{who}: weekly_max_h {_fmt(c.weekly_max_h)} < shortest allowed shift "
            f"{_fmt(shortest)} h paid, but weekly_min_h is {_fmt(c.weekly_min_h)}"
        )
    return out


def _break_profiles(
    t: ShiftTemplate, step: int
) -> tuple[tuple[IntArray, tuple[tuple[IntArray, FloatArray], ...]], ...]:
    """Per break: the candidate offsets and, per offset, (relative interval, share on break)."""
    out = []
    for rule, _ in t.breaks:
        offsets = np.arange(
            rule.earliest_after_start_min, rule.latest_after_start_min + 1, step, dtype=np.int64
        )
        profiles = []
        for b in offsets:
            full, rest = divmod(rule.length_min, step)
            rel = int(b) // step + np.arange(full + (1 if rest else 0), dtype=np.int64)
            frac = np.ones(len(rel))
            if rest:
                frac[-1] = rest / step
            profiles.append((rel, frac))
        out.append((offsets, tuple(profiles)))
    return tuple(out)


def _person_can_take(
    p: Person,
    templates: Sequence[ShiftTemplate],
    tindex: Mapping[str, int],
    opt_tmpl: IntArray,
    opt_start: IntArray,
    opt_end: IntArray,
) -> BoolArray:
    """Options a person could take at all: contract templates, time off, availability, rest."""
    allowed = np.zeros(len(templates), dtype=bool)
    allowed[_allowed_templates(p.contract, templates)] = True
    ok: BoolArray = allowed[opt_tmpl].copy() if len(opt_tmpl) else np.zeros(0, dtype=bool)
    for off in p.time_off:
        ok &= ~((opt_start < off.end_min) & (off.start_min < opt_end))
    if p.availability is not None:
        inside = np.zeros(len(opt_start), dtype=bool)
        for a in p.availability:
            inside |= (a.start_min <= opt_start) & (opt_end <= a.end_min)
        ok &= inside
    if p.last_shift_end_min is not None:
        ok &= opt_start >= p.last_shift_end_min + round(p.contract.min_rest_h * 60)
    return ok


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacedBreak:
    """A break placed in a shift, minutes from the week start."""

    start_min: int
    end_min: int
    paid: bool


@dataclass(frozen=True)
class PlannedShift:
    """Shifts of one template, skill group, start and break placement (stage 1).

    Args:
        template: template name.
        queues: the skill group working it (its queues).
        start_min: start, minutes from the week start.
        end_min: end, minutes from the week start.
        breaks: the breaks, in order.
        count: how many such shifts.
        paid_h: paid hours of one shift.
        cost: cost of one shift.
    """

    template: str
    queues: tuple[str, ...]
    start_min: int
    end_min: int
    breaks: tuple[PlacedBreak, ...]
    count: int
    paid_h: float
    cost: float


@dataclass(frozen=True, eq=False)
class Coverage:
    """Required versus scheduled net agents per queue and interval.

    Args:
        queues: queue names (rows).
        interval_min: interval length, minutes.
        required: required net agents, shape (queues, intervals).
        scheduled: scheduled net agents on the queue (on shift, not on break or in an
            activity; multi-skilled people's time split by the plan), same shape.
        predicted_service_level: service level at the scheduled agents from the staffing
            engine (NaN where the requirement has no load data).
    """

    queues: tuple[str, ...]
    interval_min: int
    required: FloatArray
    scheduled: FloatArray
    predicted_service_level: FloatArray

    @property
    def under(self) -> FloatArray:
        """Missing net agents per queue and interval (>= 0)."""
        result: FloatArray = np.maximum(self.required - self.scheduled, 0.0)
        return result

    @property
    def over(self) -> FloatArray:
        """Net agents above the requirement per queue and interval (>= 0)."""
        result: FloatArray = np.maximum(self.scheduled - self.required, 0.0)
        return result

    @property
    def under_h(self) -> float:
        """Under-coverage in agent-hours."""
        return float(self.under.sum() * self.interval_min / 60.0)

    @property
    def over_h(self) -> float:
        """Over-coverage in agent-hours."""
        return float(self.over.sum() * self.interval_min / 60.0)


@dataclass(frozen=True, eq=False)
class ShiftPlan:
    """Stage 1: shifts and breaks, how good they are and how close to optimal.

    Args:
        status: ``"Within mip_rel_gap of the LP bound"`` when a RENS plan was close enough,
            else the full MILP's HiGHS status (``"Optimal"``, ``"Time limit reached"``, ...).
        objective: objective value of the plan (cost units).
        bound: the MILP dual bound from HiGHS (no plan can cost less).
        lp_bound: the value of the LP relaxation (NaN if not solved).
        gap: (objective - bound) / |objective|.
        lp_gap: (objective - lp_bound) / |objective|.
        solve_s: wall-clock seconds of the solves (LP relaxation and MILP).
        lp_s: seconds of the LP relaxation.
        paid_hours: paid hours of all planned shifts.
        cost: wage cost of all planned shifts.
        under_coverage_h: agent-hours below the requirement.
        over_coverage_h: agent-hours above the requirement.
        coverage: per queue and interval.
        shifts: the planned shifts with their breaks.
        allocation: skill group (queue names) -> shares of the group's net agents given to
            each of its queues, shape (len(group), intervals).
        notes: what the plan could not do (intervals the requirement cannot be covered in).
        model_size: columns, integer columns, rows and nonzeros of the MILP.
    """

    status: str
    objective: float
    bound: float
    lp_bound: float
    gap: float
    lp_gap: float
    solve_s: float
    lp_s: float
    paid_hours: float
    cost: float
    under_coverage_h: float
    over_coverage_h: float
    coverage: Coverage
    shifts: tuple[PlannedShift, ...]
    allocation: Mapping[tuple[str, ...], FloatArray]
    notes: tuple[str, ...]
    model_size: Mapping[str, int]

    @property
    def shift_count(self) -> int:
        """Number of planned shifts."""
        return sum(s.count for s in self.shifts)

    def counts(self) -> dict[tuple[str, int], int]:
        """Shifts per (template, start minute), over skill groups and break placements."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for s in self.shifts:
            out[(s.template, s.start_min)] += s.count
        return dict(out)


# ---------------------------------------------------------------------------------------------
# stage 1: the MILP
# ---------------------------------------------------------------------------------------------


class _LpBuilder:
    """Columns, rows and coefficients collected in numpy arrays, then one HighsLp."""

    def __init__(self) -> None:
        self.cost: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.integer: list[BoolArray] = []
        self.row_lo: list[FloatArray] = []
        self.row_hi: list[FloatArray] = []
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.n_cols = 0
        self.n_rows = 0

    def cols(self, cost: ArrayLike, upper: ArrayLike, *, integer: bool) -> IntArray:
        cost_arr = np.atleast_1d(np.asarray(cost, dtype=np.float64))
        n = cost_arr.size
        self.cost.append(cost_arr)
        self.lower.append(np.zeros(n))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self.integer.append(np.full(n, integer))
        idx = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        self.n_cols += n
        return idx

    def rows(self, lo: ArrayLike, hi: ArrayLike, n: int | None = None) -> IntArray:
        lo_arr = np.atleast_1d(np.asarray(lo, dtype=np.float64))
        hi_arr = np.atleast_1d(np.asarray(hi, dtype=np.float64))
        size = n if n is not None else max(lo_arr.size, hi_arr.size)
        self.row_lo.append(np.broadcast_to(lo_arr, (size,)).copy())
        self.row_hi.append(np.broadcast_to(hi_arr, (size,)).copy())
        idx = np.arange(self.n_rows, self.n_rows + size, dtype=np.int64)
        self.n_rows += size
        return idx

    def add(self, rows: ArrayLike, cols: ArrayLike, vals: ArrayLike) -> None:
        r = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        c = np.atleast_1d(np.asarray(cols, dtype=np.int64))
        v = np.broadcast_to(np.asarray(vals, dtype=np.float64), np.broadcast(r, c).shape)
        r, c = np.broadcast_arrays(r, c)
        self.r.append(r.ravel())
        self.c.append(c.ravel())
        self.v.append(np.asarray(v, dtype=np.float64).ravel())

    def build(self) -> tuple[highspy.HighsLp, BoolArray, sparse.csc_matrix]:
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        cat = np.concatenate
        lp.col_cost_ = cat(self.cost) if self.cost else np.zeros(0)
        lp.col_lower_ = cat(self.lower) if self.lower else np.zeros(0)
        upper = cat(self.upper) if self.upper else np.zeros(0)
        lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        lo = cat(self.row_lo) if self.row_lo else np.zeros(0)
        hi = cat(self.row_hi) if self.row_hi else np.zeros(0)
        lp.row_lower_ = np.where(np.isinf(lo), -highspy.kHighsInf, lo)
        lp.row_upper_ = np.where(np.isinf(hi), highspy.kHighsInf, hi)
        r = cat(self.r) if self.r else np.zeros(0, dtype=np.int64)
        c = cat(self.c) if self.c else np.zeros(0, dtype=np.int64)
        v = cat(self.v) if self.v else np.zeros(0)
        mat = sparse.csc_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols))
        mat.sum_duplicates()
        mat.eliminate_zeros()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = self.n_rows
        lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
        lp.a_matrix_.index_ = mat.indices.astype(np.int32)
        lp.a_matrix_.value_ = mat.data.astype(np.float64)
        integer = cat(self.integer) if self.integer else np.zeros(0, dtype=bool)
        return lp, integer, mat


@dataclass
class _Stage1:
    """The MILP and the meaning of its columns and rows (private)."""

    lp: highspy.HighsLp
    integer: BoolArray
    matrix: sparse.csc_matrix
    x_crew: IntArray
    x_opt: IntArray
    x_col: IntArray
    y: list[tuple[int, int, int, IntArray, IntArray]]  # group, option, break k, offsets, cols
    a: dict[tuple[int, int], IntArray]  # (group, queue) -> columns per interval
    u_q: IntArray
    u_i: IntArray
    u_col: IntArray
    v_col: IntArray  # per queue x interval
    act: FloatArray  # per group x interval: activity minutes / interval
    families: dict[str, IntArray]  # named rule -> rows (for explaining infeasibility)
    family_text: dict[str, str]


def _under_segments(
    c: _Compiled, req: Requirement, w: PlanWeights
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Under-coverage segments (queue, interval, upper bound, cost per agent-interval).

    See the module docstring: unit-width segments of the shortfall, priced by the running
    maximum of the marginal service-level loss, relative to the mean first-agent loss.
    """
    dt_h = c.step / 60.0
    base = dt_h * w.under_cost_per_h
    req_m = c.required
    n_q, n_int = req_m.shape
    qs: list[IntArray] = []
    is_: list[IntArray] = []
    ubs: list[FloatArray] = []
    rel: list[FloatArray] = []
    load = req._load
    if load is None or not w.sl_weighting:
        q_idx, i_idx = np.nonzero(req_m > 0)
        return (
            q_idx.astype(np.int64),
            i_idx.astype(np.int64),
            np.full(q_idx.size, _INF),
            np.full(q_idx.size, base),
        )
    rate, aht, target, patience = load
    max_seg = 64
    first_losses: list[FloatArray] = []
    for q in range(n_q):
        active = np.flatnonzero(req_m[q] > 0)
        if active.size == 0:
            continue
        r = req_m[q, active]
        n_seg = int(min(math.ceil(float(r.max()) - 1e-9), max_seg))
        n_seg = max(n_seg, 1)
        steps = np.arange(n_seg + 1, dtype=np.float64)
        points = np.maximum(r[:, None] - steps[None, :], 0.0)
        points[:, -1] = 0.0  # the last segment takes all the rest of the shortfall
        sl = np.asarray(
            queueing.service_level(
                points,
                rate[q, active][:, None],
                aht[q, active][:, None],
                target[q, active][:, None],
                patience_s=patience[q, active][:, None],
            ),
            dtype=np.float64,
        )
        width = points[:, :-1] - points[:, 1:]
        contacts = rate[q, active] * c.step * 60.0
        with np.errstate(invalid="ignore", divide="ignore"):
            marginal = np.where(
                width > 1e-12, contacts[:, None] * (sl[:, :-1] - sl[:, 1:]) / width, 0.0
            )
        marginal = np.maximum(marginal, 0.0)
        marginal = np.maximum.accumulate(marginal, axis=1)
        first_losses.append(marginal[:, 0])
        valid = width > 1e-12
        last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
        ub = np.where(valid, width, 0.0)
        ub[np.arange(len(active)), last] = _INF
        rows, cols = np.nonzero(valid)
        qs.append(np.full(rows.size, q, dtype=np.int64))
        is_.append(active[rows].astype(np.int64))
        ubs.append(ub[rows, cols])
        rel.append(marginal[rows, cols])
    if not qs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    ref = float(np.mean(np.concatenate(first_losses)))
    ratio = np.concatenate(rel) / ref if ref > 0 else np.ones(sum(len(x) for x in rel))
    cost = base * np.maximum(ratio, w.sl_weight_floor)
    return np.concatenate(qs), np.concatenate(is_), np.concatenate(ubs), cost


def _activity_load(c: _Compiled) -> tuple[FloatArray, dict[int, FloatArray]]:
    """Activity minutes per group and interval (as a share), and headcount per crew."""
    act = np.zeros((len(c.groups), c.n_int))
    heads: dict[int, FloatArray] = {}
    for ci, crew in enumerate(c.crews):
        count = np.zeros(c.n_int)
        for pi in crew.members:
            touched: set[int] = set()
            for a in c.people[pi].fixed_activities:
                for i, frac in _span_fraction(
                    a.start_min, a.end_min, c.step, c.n_int, c.cyclic
                ).items():
                    act[crew.group, i] += frac
                    touched.add(i)
            for i in touched:
                count[i] += 1
        if count.any():
            heads[ci] = count
    return act, heads


def _build_stage1(
    problem: SchedulingProblem, fixed_counts: Mapping[tuple[str, int], int] | None
) -> _Stage1:
    c = problem.compiled
    req = problem.requirement
    w = problem.plan_weights
    step, n_int = c.step, c.n_int
    n_q = len(c.queues)
    dt_h = step / 60.0
    lp = _LpBuilder()
    families: dict[str, list[IntArray]] = defaultdict(list)
    family_text: dict[str, str] = {}
    paid_h = np.array([t.paid_h for t in c.templates])
    wage = np.array([t.paid_h * t.cost_per_hour for t in c.templates])

    # x: shifts per crew and option
    xs_crew: list[IntArray] = []
    xs_opt: list[IntArray] = []
    xs_ub: list[FloatArray] = []
    for ci, crew in enumerate(c.crews):
        allowed = np.zeros(len(c.templates), dtype=bool)
        allowed[_allowed_templates(crew.contract, c.templates)] = True
        opts = np.flatnonzero((crew.ub > 0) & allowed[c.opt_tmpl]).astype(np.int64)
        xs_crew.append(np.full(opts.size, ci, dtype=np.int64))
        xs_opt.append(opts)
        xs_ub.append(crew.ub[opts])
    x_crew = np.concatenate(xs_crew) if xs_crew else np.zeros(0, dtype=np.int64)
    x_opt = np.concatenate(xs_opt) if xs_opt else np.zeros(0, dtype=np.int64)
    x_ub = np.concatenate(xs_ub) if xs_ub else np.zeros(0)
    x_col = lp.cols(wage[c.opt_tmpl[x_opt]], x_ub, integer=True)

    # coverage rows: one per queue and interval; one per multi-skilled group and interval
    act, heads = _activity_load(c)
    group_single = [g[0] if len(g) == 1 else -1 for g in c.groups]
    rhs = c.required.copy()
    for g, q in enumerate(group_single):
        if q >= 0:
            rhs[q] += act[g]
    q_rows = lp.rows(rhs.ravel(), rhs.ravel()).reshape(n_q, n_int)
    g_rows: dict[int, IntArray] = {}
    for g, q in enumerate(group_single):
        if q < 0:
            g_rows[g] = lp.rows(act[g], act[g])

    def cover_rows(g: int) -> IntArray:
        q = group_single[g]
        return q_rows[q] if q >= 0 else g_rows[g]

    x_group = np.array([c.crews[ci].group for ci in x_crew], dtype=np.int64)
    for k in range(x_col.size):
        cov = c.opt_cov[x_opt[k]]
        lp.add(cover_rows(int(x_group[k]))[cov], x_col[k], 1.0)

    # y: break placements per group, option, break and offset
    y_list: list[tuple[int, int, int, IntArray, IntArray]] = []
    for g in range(len(c.groups)):
        rows_g = cover_rows(g)
        mask = x_group == g
        for o in np.unique(x_opt[mask]):
            o = int(o)
            xcols = x_col[mask & (x_opt == o)]
            ti = int(c.opt_tmpl[o])
            t = c.templates[ti]
            start_idx = int(c.opt_start[o]) // step
            prev: tuple[IntArray, IntArray, BreakRule] | None = None
            for k, (offsets, profiles) in enumerate(c.brk[ti]):
                rule = t.breaks[k][0]
                ub = float(x_ub[mask & (x_opt == o)].sum())
                ycols = lp.cols(np.zeros(offsets.size), ub, integer=True)
                y_list.append((g, o, k, offsets, ycols))
                row = lp.rows(0.0, 0.0)
                lp.add(row, ycols, 1.0)
                lp.add(row, xcols, -1.0)
                for j, (rel, frac) in enumerate(profiles):
                    idx = start_idx + rel
                    if c.cyclic:
                        idx = idx % n_int
                    keep = idx < n_int
                    lp.add(rows_g[idx[keep]], ycols[j], -frac[keep])
                if prev is not None:
                    p_offsets, p_cols, p_rule = prev
                    for j, b in enumerate(offsets):
                        done = p_offsets + p_rule.length_min + rule.min_gap_min <= b
                        if done.all():
                            continue
                        row = lp.rows(-_INF, 0.0)
                        lp.add(row, ycols[: j + 1], 1.0)
                        if done.any():
                            lp.add(row, p_cols[done], -1.0)
                prev = (offsets, ycols, rule)

    # d: activity time no planned shift holds (ten times the price of a missing agent)
    for g in range(len(c.groups)):
        busy = np.flatnonzero(act[g] > 0)
        if busy.size:
            price = 10.0 * dt_h * max(w.under_cost_per_h, 1.0)
            d_cols = lp.cols(np.full(busy.size, price), _INF, integer=False)
            lp.add(cover_rows(g)[busy], d_cols, 1.0)

    # a: the plan's split of multi-skilled groups' time
    a_cols: dict[tuple[int, int], IntArray] = {}
    for g, rows_g in g_rows.items():
        for q in c.groups[g]:
            cols = lp.cols(np.zeros(n_int), _INF, integer=False)
            a_cols[(g, q)] = cols
            lp.add(rows_g, cols, -1.0)
            lp.add(q_rows[q], cols, 1.0)

    # u: under-coverage segments; v: over-coverage
    if problem.full_cover:
        u_q = u_i = np.zeros(0, dtype=np.int64)
        u_col = np.zeros(0, dtype=np.int64)
    else:
        u_q, u_i, u_ub, u_cost = _under_segments(c, req, w)
        u_col = lp.cols(u_cost, u_ub, integer=False)
        lp.add(q_rows[u_q, u_i], u_col, 1.0)
    v_col = lp.cols(np.full(n_q * n_int, dt_h * w.over_cost_per_h), _INF, integer=False)
    lp.add(q_rows.ravel(), v_col, -1.0)

    # people: aggregate rules per crew
    for ci, crew in enumerate(c.crews):
        sel = x_crew == ci
        cols, opts = x_col[sel], x_opt[sel]
        if cols.size == 0:
            continue
        name = _crew_name(c, crew)
        days = c.opt_start[opts] // DAY_MIN
        if ci in heads:
            sub = c.cov_matrix[opts].tocsc()
            need = heads[ci]
            for i in np.flatnonzero(need > 0):
                lo, hi = sub.indptr[i], sub.indptr[i + 1]
                holders = sub.indices[lo:hi]
                most = float(c.crews[ci].ub[opts[holders]].sum())
                if most <= 0:
                    continue  # no shift can hold it: stage 2 names the activity
                row = lp.rows(min(need[i], most), _INF)
                families[f"activities:{ci}"].append(row)
                lp.add(row, cols[holders], 1.0)
            family_text[f"activities:{ci}"] = (
                f"{name}: the fixed activities of its people need them on shift"
            )
        if crew.contract is None:
            if crew.max_per_day is not None:
                for d in np.unique(days):
                    row = lp.rows(-_INF, crew.max_per_day)
                    lp.add(row, cols[days == d], 1.0)
            continue
        _crew_rows(c, crew, ci, cols, opts, paid_h, lp, families, family_text)

    if problem.budget_paid_h is not None and x_col.size:
        row = lp.rows(-_INF, problem.budget_paid_h)
        lp.add(row, x_col, paid_h[c.opt_tmpl[x_opt]])
        families["budget"].append(row)
        family_text["budget"] = f"budget_paid_h {_fmt(problem.budget_paid_h)}"
    if fixed_counts is not None:
        wanted = np.zeros(len(c.opt_tmpl))
        for (tname, start), n in fixed_counts.items():
            hits = np.flatnonzero((c.opt_tmpl == c.tindex.get(tname, -1)) & (c.opt_start == start))
            if hits.size == 0:
                raise SchedulingInputError(
                    f"fixed_counts: template {tname!r} has no start at minute {start}"
                )
            wanted[hits[0]] = n
        for o in range(len(c.opt_tmpl)):
            cols = x_col[x_opt == o]
            if cols.size:
                row = lp.rows(wanted[o], wanted[o])
                lp.add(row, cols, 1.0)
                families["fixed_counts"].append(row)
            elif wanted[o] > 0:
                raise SchedulingInputError(
                    f"fixed_counts: no crew can work {c.templates[c.opt_tmpl[o]].name!r} at "
                    f"{c.when(int(c.opt_start[o]))}"
                )
        family_text["fixed_counts"] = "the fixed shift counts"

    built, integer, matrix = lp.build()
    return _Stage1(
        lp=built,
        integer=integer,
        matrix=matrix,
        x_crew=x_crew,
        x_opt=x_opt,
        x_col=x_col,
        y=y_list,
        a=a_cols,
        u_q=u_q,
        u_i=u_i,
        u_col=u_col,
        v_col=v_col.reshape(n_q, n_int),
        act=act,
        families={k: np.concatenate(v) for k, v in families.items()},
        family_text=family_text,
    )


def _crew_name(c: _Compiled, crew: _Crew) -> str:
    queues = " + ".join(c.queues[q] for q in c.groups[crew.group])
    if crew.contract is None:
        return f"pool {queues}"
    ids = [c.people[p].id for p in crew.members]
    who = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f"{who} (skills {queues}, contract {crew.contract.name!r})"


def _crew_rows(
    c: _Compiled,
    crew: _Crew,
    ci: int,
    cols: IntArray,
    opts: IntArray,
    paid_h: FloatArray,
    lp: _LpBuilder,
    families: dict[str, list[IntArray]],
    family_text: dict[str, str],
) -> None:
    """Aggregate contract rules of one crew of named people (necessary for stage 2)."""
    contract = crew.contract
    assert contract is not None
    name = _crew_name(c, crew)
    members = list(crew.members)
    rows = np.asarray(members, dtype=np.int64)
    take = c.can_take[np.ix_(rows, opts)]  # members x the crew's options
    days = c.opt_start[opts] // DAY_MIN
    ub = crew.ub[opts]
    avail_day = np.zeros((len(members), c.n_days), dtype=bool)
    for d in range(c.n_days):
        on = days == d
        if on.any():
            avail_day[:, d] = take[:, on].any(axis=1)
            cap = int(avail_day[:, d].sum())
            if cap < ub[on].sum():
                row = lp.rows(-_INF, cap)
                lp.add(row, cols[on], 1.0)
    # rest between shifts: a window shorter than shift + rest holds one start per person
    lengths = [c.templates[t].length_min for t in np.unique(c.opt_tmpl[opts])]
    window = min(lengths) + round(contract.min_rest_h * 60)
    starts = c.opt_start[opts]
    last_set: tuple[int, ...] = ()
    for anchor in range(0, c.n_days * DAY_MIN, 60):
        inside = (starts >= anchor) & (starts < anchor + window)
        members_in = take[:, inside].any(axis=1)
        key = tuple(int(v) for v in np.flatnonzero(inside))
        if not key or key == last_set:
            continue
        last_set = key
        cap = int(members_in.sum())
        if cap < ub[inside].sum():
            row = lp.rows(-_INF, cap)
            lp.add(row, cols[inside], 1.0)
    # consecutive days
    m = contract.max_consecutive_days
    if m < c.n_days:
        for d0 in range(c.n_days - m):
            span = (days >= d0) & (days <= d0 + m)
            cap = int(np.minimum(avail_day[:, d0 : d0 + m + 1].sum(axis=1), m).sum())
            row = lp.rows(-_INF, cap)
            lp.add(row, cols[span], 1.0)
    # weekly days, hours, nights, weekend days
    n_avail = avail_day.sum(axis=1)
    longest = max(c.templates[t].paid_h for t in np.unique(c.opt_tmpl[opts]))
    day_lo = hour_lo = 0.0
    day_hi = hour_hi = 0.0
    weekend_hi = 0.0
    for k, pi in enumerate(members):
        p = c.people[pi]
        credit_h = sum(o.credit_h for o in p.time_off)
        credit_d = sum(o.credit_days for o in p.time_off)
        dmin = max(contract.days_min - credit_d, 0)
        dmax = max(min(contract.days_max - credit_d, int(n_avail[k])), 0)
        day_lo += min(dmin, dmax)
        day_hi += dmax
        hmin = max(contract.weekly_min_h - credit_h, 0.0)
        hour_lo += min(hmin, dmax * longest)
        hour_hi += max(contract.weekly_max_h - credit_h, 0.0)
        weekend_hi += min(contract.max_weekend_days, int(avail_day[k, c.weekend].sum()))
    row = lp.rows(day_lo, day_hi)
    lp.add(row, cols, 1.0)
    families[f"days:{ci}"].append(row)
    family_text[f"days:{ci}"] = (
        f"{name}: days_min {contract.days_min} / days_max {contract.days_max} per person "
        f"({_fmt(day_lo)}-{_fmt(day_hi)} shifts in all)"
    )
    row = lp.rows(hour_lo, hour_hi)
    lp.add(row, cols, paid_h[c.opt_tmpl[opts]])
    families[f"hours:{ci}"].append(row)
    family_text[f"hours:{ci}"] = (
        f"{name}: weekly_min_h {_fmt(contract.weekly_min_h)} / weekly_max_h "
        f"{_fmt(contract.weekly_max_h)} per person ({_fmt(round(hour_lo, 2))}-"
        f"{_fmt(round(hour_hi, 2))} paid hours in all)"
    )
    night = np.array([c.templates[t].is_night for t in c.opt_tmpl[opts]], dtype=bool)
    if night.any():
        row = lp.rows(-_INF, contract.max_nights * len(members))
        lp.add(row, cols[night], 1.0)
    weekend = c.weekend[days]
    if weekend.any():
        row = lp.rows(-_INF, weekend_hi)
        lp.add(row, cols[weekend], 1.0)


def _highs(threads: int, seed: int, time_limit_s: float, mip_rel_gap: float) -> Any:
    factory: Any = highspy.Highs  # highspy's stubs are partial
    h = factory()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("time_limit", max(time_limit_s, 0.5))
    h.setOptionValue("mip_rel_gap", mip_rel_gap)
    h.resetGlobalScheduler(True)  # the threads option takes effect only on a fresh scheduler
    return h


_FEASIBLE: Final = 2  # HiGHS solution status: a feasible solution exists


def _run(
    model: _Stage1,
    opts: PlanOptions,
    time_limit_s: float,
    *,
    integer: bool,
    relax: Iterable[IntArray] = (),
    bounds: tuple[FloatArray, FloatArray] | None = None,
    start: FloatArray | None = None,
    mip_rel_gap: float | None = None,
    integer_mask: BoolArray | None = None,
) -> Any:
    gap = opts.mip_rel_gap if mip_rel_gap is None else mip_rel_gap
    h = _highs(opts.threads, opts.seed, time_limit_s, gap)
    lp = model.lp
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    mask = model.integer if integer_mask is None else integer_mask
    lp.integrality_ = [kinds[int(b)] for b in mask] if integer else []
    if not integer:
        h.setOptionValue("solver", "ipm")  # faster than simplex here; crossover keeps it exact
    if bounds is not None:
        saved = (lp.col_lower_, lp.col_upper_)
        lp.col_lower_, lp.col_upper_ = bounds
        h.passModel(lp)
        lp.col_lower_, lp.col_upper_ = saved
    else:
        h.passModel(lp)
    rows = [r for r in relax if r.size]
    if rows:
        idx = np.concatenate(rows).astype(np.int32)
        h.changeRowsBounds(
            idx.size,
            idx,
            np.full(idx.size, -highspy.kHighsInf),
            np.full(idx.size, highspy.kHighsInf),
        )
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start
        h.setSolution(sol)
    h.run()
    return h


def _infeasible(h: Any) -> bool:
    return bool(
        h.getModelStatus()
        in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
    )


def plan_shifts(
    problem: SchedulingProblem,
    options: PlanOptions | None = None,
    *,
    fixed_counts: Mapping[tuple[str, int], int] | None = None,
) -> ShiftPlan:
    """Stage 1: how many shifts of each template start when, with breaks placed (HiGHS MILP).

    The formulation is in the module docstring. The LP relaxation is solved first (its value
    is ``lp_bound``), then the MILP within what is left of ``options.time_limit_s``.

    Args:
        problem: the validated problem.
        options: HiGHS settings (default :class:`PlanOptions`).
        fixed_counts: optional complete plan to evaluate instead of optimise: (template name,
            start minute from the week start) -> number of shifts; every other option is 0.
            Only the break placement and the split of multi-skilled time are then optimised.

    Returns:
        The plan with its bounds, gap, hours, cost and coverage.

    Raises:
        ScheduleInfeasibleError: no plan satisfies the rules (``full_cover`` with a
            requirement that cannot be met, contract minima the budget cannot pay, ...); the
            error names the intervals or the conflicting rules.
        ScheduleNotFoundError: HiGHS found no plan within the time limit.
        SchedulingInputError: ``fixed_counts`` names a start that does not exist.
    """
    opts = options or PlanOptions()
    c = problem.compiled
    notes = tuple(_cover_notes(c))
    if problem.full_cover and notes:
        raise ScheduleInfeasibleError("the requirement cannot be covered in full", notes)
    model = _build_stage1(problem, fixed_counts)
    started = time.perf_counter()

    def left() -> float:
        return opts.time_limit_s - (time.perf_counter() - started)

    # 1. the LP relaxation: the bound, and the point the rounding heuristic starts from
    h = _run(model, opts, left(), integer=False)
    lp_s = time.perf_counter() - started
    if _infeasible(h):
        _explain_stage1(problem, model, opts, fixed_counts)
    lp_value = math.nan
    best: FloatArray | None = None
    best_obj = _INF
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        lp_value = float(h.getInfo().objective_function_value)
        lp_point = np.asarray(h.getSolution().col_value, dtype=np.float64)
        # 2. RENS: the MILP restricted to the roundings of the LP point, first with every
        # integer column boxed, then with only the shift counts boxed and the breaks
        # continuous (the polish makes them integral again)
        if opts.rens and model.integer.any():
            for mask in (model.integer, _mask(model.lp.num_col_, model.x_col)):
                if best is not None and _within(best_obj, lp_value, opts.mip_rel_gap):
                    break
                lower = np.array(model.lp.col_lower_, dtype=np.float64)
                upper = np.array(model.lp.col_upper_, dtype=np.float64)
                lower[mask] = np.floor(lp_point[mask] + 1e-6)
                upper[mask] = np.ceil(lp_point[mask] - 1e-6)
                h = _run(
                    model,
                    opts,
                    left() * opts.rens_share,
                    integer=True,
                    bounds=(lower, upper),
                    integer_mask=mask,
                )
                found = _solution(model, h, integral=mask is model.integer)
                if found is None:
                    continue
                point, value = found
                if mask is not model.integer:
                    value = _INF  # breaks may be fractional: only the polish gives a plan
                point, value = _polish(model, opts, point, value, left())
                if value < best_obj:
                    best, best_obj = point, value
    status = "Within mip_rel_gap of the LP bound"
    bound = lp_value
    done = best is not None and _within(best_obj, lp_value, opts.mip_rel_gap)
    if not done:
        # 3. the full MILP, started from the RENS plan
        h = _run(model, opts, left(), integer=True, start=best)
        info = h.getInfo()
        found = _solution(model, h)
        if found is not None and found[1] < best_obj:
            best, best_obj = _polish(model, opts, found[0], found[1], left())
        if best is None:
            if _infeasible(h):
                _explain_stage1(problem, model, opts, fixed_counts)
            raise ScheduleNotFoundError(
                f"HiGHS found no plan in {opts.time_limit_s:g} s "
                f"(status: {h.modelStatusToString(h.getModelStatus())})"
            )
        status = h.modelStatusToString(h.getModelStatus())
        mip_bound = float(info.mip_dual_bound)
        bound = max(mip_bound, lp_value) if not math.isnan(lp_value) else mip_bound
    solve_s = time.perf_counter() - started
    assert best is not None
    values = best
    objective = best_obj
    scale = max(abs(objective), 1e-9)
    size = {
        "columns": int(model.lp.num_col_),
        "integer_columns": int(model.integer.sum()),
        "rows": int(model.lp.num_row_),
        "nonzeros": len(model.lp.a_matrix_.value_),
    }
    return _plan_from_solution(
        problem,
        model,
        values,
        status=status,
        objective=objective,
        bound=bound,
        lp_bound=lp_value,
        gap=max(objective - bound, 0.0) / scale,
        lp_gap=max(objective - lp_value, 0.0) / scale if not math.isnan(lp_value) else math.nan,
        solve_s=solve_s,
        lp_s=lp_s,
        notes=notes,
        size=size,
    )


def _solution(model: _Stage1, h: Any, *, integral: bool = True) -> tuple[FloatArray, float] | None:
    """HiGHS's plan and its objective, recomputed and checked against every row and bound.

    HiGHS 1.16 can report, after a MILP started from a given plan, an objective that differs
    from the plan it returns; the engine trusts only what it can verify.
    """
    if h.getInfo().primal_solution_status != _FEASIBLE:
        return None
    point = np.asarray(h.getSolution().col_value, dtype=np.float64)
    lp = model.lp
    tol = 1e-6
    lower = np.asarray(lp.col_lower_, dtype=np.float64)
    upper = np.asarray(lp.col_upper_, dtype=np.float64)
    ints = model.integer
    near = np.abs(point[ints] - np.rint(point[ints])) <= tol
    if integral and not near.all():
        return None
    point[ints] = np.where(near, np.rint(point[ints]), point[ints])
    activity = model.matrix @ point
    row_lo = np.asarray(lp.row_lower_, dtype=np.float64)
    row_hi = np.asarray(lp.row_upper_, dtype=np.float64)
    scale = 1.0 + np.abs(activity)
    if (
        (activity < row_lo - tol * scale).any()
        or (activity > row_hi + tol * scale).any()
        or (point < lower - tol).any()
        or (point > upper + tol).any()
    ):
        return None
    return point, float(np.asarray(lp.col_cost_, dtype=np.float64) @ point)


def _mask(n: int, cols: IntArray) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[cols] = True
    return out


def _within(value: float, bound: float, rel_gap: float) -> bool:
    return bool(value - bound <= rel_gap * max(abs(value), 1e-9))


def _polish(
    model: _Stage1, opts: PlanOptions, point: FloatArray, value: float, time_left: float
) -> tuple[FloatArray, float]:
    """Keep the shift counts of ``point`` and re-optimise breaks and allocation exactly."""
    if time_left < 1.0:
        return point, value
    lower = np.array(model.lp.col_lower_, dtype=np.float64)
    upper = np.array(model.lp.col_upper_, dtype=np.float64)
    counts = np.rint(point[model.x_col])
    lower[model.x_col] = counts
    upper[model.x_col] = counts
    h = _run(
        model,
        opts,
        min(time_left, 10.0),
        integer=True,
        bounds=(lower, upper),
        mip_rel_gap=0.0,
    )
    found = _solution(model, h)
    if found is not None and found[1] < value:
        return found
    return point, value


def _explain_stage1(
    problem: SchedulingProblem,
    model: _Stage1,
    opts: PlanOptions,
    fixed_counts: Mapping[tuple[str, int], int] | None,
) -> None:
    """Raise :class:`ScheduleInfeasibleError` naming why no plan exists."""
    c = problem.compiled
    limit = max(opts.time_limit_s / 4, 2.0)
    if problem.full_cover:
        soft = SchedulingProblem(
            requirement=problem.requirement,
            templates=problem.templates,
            people=problem.people,
            pools=problem.pools,
            plan_weights=problem.plan_weights,
            roster_weights=problem.roster_weights,
            cyclic=problem.cyclic,
            full_cover=False,
            budget_paid_h=problem.budget_paid_h,
            max_per_start=problem.max_per_start,
        )
        try:
            plan = plan_shifts(soft, opts, fixed_counts=fixed_counts)
        except ScheduleInfeasibleError as exc:
            raise ScheduleInfeasibleError(
                "the requirement cannot be covered in full", exc.rules
            ) from None
        rules = _shortfall_runs(c, plan.coverage.scheduled, "the best plan under the rules")
        raise ScheduleInfeasibleError(
            "the requirement cannot be covered in full under the contracts and rules", rules
        )
    names = sorted(model.families)
    integer = not _infeasible(_run(model, opts, limit, integer=False))  # only the MILP fails
    if _infeasible(_run(model, opts, limit, integer=integer, relax=model.families.values())):
        raise ScheduleInfeasibleError(
            "no plan exists even without the people's rules (check the shift templates)", []
        )
    needed: list[str] = []
    dropped: list[str] = []
    for name in names:  # deletion filter: drop a rule for good if the rest stays infeasible
        relax = [model.families[n] for n in [*dropped, name]]
        if _infeasible(_run(model, opts, limit, integer=integer, relax=relax)):
            dropped.append(name)
        else:
            needed.append(name)
    raise ScheduleInfeasibleError(
        "no shift plan satisfies these rules together",
        [model.family_text[n] for n in needed],
    )


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Half-open index runs where ``mask`` is true."""
    out: list[tuple[int, int]] = []
    i, n = 0, mask.size
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _cover_notes(c: _Compiled) -> list[str]:
    """Intervals whose requirement exceeds the people who could be on shift then."""
    cov_t = c.cov_matrix.T.tocsr()  # intervals x options
    notes: list[str] = []
    if c.people:
        on = np.asarray((cov_t @ c.can_take.T.astype(np.float64)) > 0)  # intervals x people
        cap = np.zeros((len(c.queues), c.n_int))
        for pi, queues in enumerate(c.person_queues):
            for q in queues:
                cap[q] += on[:, pi]
    else:
        covered = np.asarray(cov_t.sum(axis=1)).ravel() > 0
        cap = np.where(covered[None, :], _INF, 0.0).repeat(len(c.queues), axis=0)
    for q, name in enumerate(c.queues):
        short = c.required[q] > cap[q] + 1e-9
        for i, j in _runs(short):
            need = float(c.required[q, i:j].max())
            most = float(cap[q, i:j].min())
            span = c.span_label(i * c.step, j * c.step)
            if most == 0 and not c.people:
                notes.append(f"{span} needs {_fmt(need)} on {name} but no shift covers it")
            elif most == 0:
                notes.append(
                    f"{span} needs {_fmt(need)} on {name} but no one with that skill can be on "
                    "shift then (skills, contract templates, time off, availability and shift "
                    "start times)"
                )
            else:
                notes.append(
                    f"{span} needs {'up to ' if j - i > 1 else ''}{_fmt(need)} on {name} but only "
                    f"{_fmt(most)} people with that skill can be on shift then (skills, contract "
                    "templates, time off, availability and shift start times)"
                )
    return notes


def _shortfall_runs(c: _Compiled, scheduled: FloatArray, who: str) -> list[str]:
    out: list[str] = []
    for q, name in enumerate(c.queues):
        short = c.required[q] > scheduled[q] + 1e-6
        for i, j in _runs(short):
            need = float(c.required[q, i:j].max())
            got = float(scheduled[q, i:j][np.argmax(c.required[q, i:j] - scheduled[q, i:j])])
            out.append(
                f"{c.span_label(i * c.step, j * c.step)} needs {_fmt(need)} on {name}; {who} "
                f"reaches {_fmt(round(got, 2))}"
            )
    return out


def _net_by_group(
    c: _Compiled, items: Iterable[tuple[int, int, int, Sequence[PlacedBreak], int]]
) -> FloatArray:
    """Net agents on shift per group and interval: (group, template, start, breaks, count)."""
    net = np.zeros((len(c.groups), c.n_int))
    step, n_int = c.step, c.n_int
    for g, ti, start, breaks, count in items:
        if count == 0:
            continue
        idx = start // step + np.arange(c.templates[ti].length_min // step)
        idx = idx % n_int if c.cyclic else idx[idx < n_int]
        np.add.at(net[g], idx, count)
        for b in breaks:
            for i, frac in _span_fraction(b.start_min, b.end_min, step, n_int, c.cyclic).items():
                net[g, i] -= count * frac
    return net


def _plan_from_solution(
    problem: SchedulingProblem,
    model: _Stage1,
    values: FloatArray,
    *,
    status: str,
    objective: float,
    bound: float,
    lp_bound: float,
    gap: float,
    lp_gap: float,
    solve_s: float,
    lp_s: float,
    notes: tuple[str, ...],
    size: dict[str, int],
) -> ShiftPlan:
    c = problem.compiled
    x = np.rint(values[model.x_col]).astype(np.int64)
    per_go: dict[tuple[int, int], int] = defaultdict(int)
    for k in range(x.size):
        if x[k]:
            per_go[(c.crews[int(model.x_crew[k])].group, int(model.x_opt[k]))] += int(x[k])
    offsets: dict[tuple[int, int], list[IntArray]] = defaultdict(list)
    for g, o, _k, offs, cols in model.y:
        counts = np.rint(values[cols]).astype(np.int64)
        offsets[(g, o)].append(np.repeat(offs, np.maximum(counts, 0)))
    shifts: list[PlannedShift] = []
    for (g, o), n in sorted(per_go.items(), key=lambda kv: (int(c.opt_start[kv[0][1]]), kv[0])):
        ti = int(c.opt_tmpl[o])
        t = c.templates[ti]
        start = int(c.opt_start[o])
        lists = offsets.get((g, o), [])
        for k, arr in enumerate(lists):
            if arr.size != n:
                raise RuntimeError(f"break counts do not add up ({arr.size} != {n}, break {k})")
        patterns: Counter[tuple[int, ...]] = Counter(
            tuple(int(lists[k][r]) for k in range(len(lists))) for r in range(n)
        )
        for pattern, count in sorted(patterns.items()):
            placed = tuple(
                PlacedBreak(start + b, start + b + rule.length_min, paid)
                for b, (rule, paid) in zip(pattern, t.breaks, strict=True)
            )
            for k in range(1, len(placed)):
                if placed[k].start_min < placed[k - 1].end_min + t.breaks[k][0].min_gap_min:
                    raise RuntimeError("break order violated in the decomposition")
            shifts.append(
                PlannedShift(
                    template=t.name,
                    queues=tuple(c.queues[q] for q in c.groups[g]),
                    start_min=start,
                    end_min=start + t.length_min,
                    breaks=placed,
                    count=count,
                    paid_h=t.paid_h,
                    cost=t.paid_h * t.cost_per_hour,
                )
            )
    net = _net_by_group(
        c,
        (
            (_group_of(c, s.queues), c.tindex[s.template], s.start_min, s.breaks, s.count)
            for s in shifts
        ),
    )
    net -= model.act
    allocation: dict[tuple[str, ...], FloatArray] = {}
    scheduled = np.zeros((len(c.queues), c.n_int))
    for g, queues in enumerate(c.groups):
        key = tuple(c.queues[q] for q in queues)
        if len(queues) == 1:
            scheduled[queues[0]] += np.maximum(net[g], 0.0)
            allocation[key] = np.ones((1, c.n_int))
            continue
        alloc = np.stack([np.maximum(values[model.a[(g, q)]], 0.0) for q in queues])
        scheduled[list(queues)] += alloc
        allocation[key] = _shares(alloc, c.required[list(queues)])
    paid = sum(s.count * s.paid_h for s in shifts)
    cost = sum(s.count * s.cost for s in shifts)
    coverage = Coverage(
        queues=c.queues,
        interval_min=c.step,
        required=c.required.copy(),
        scheduled=scheduled,
        predicted_service_level=problem.requirement.service_level(scheduled),
    )
    return ShiftPlan(
        status=status,
        objective=objective,
        bound=bound,
        lp_bound=lp_bound,
        gap=gap,
        lp_gap=lp_gap,
        solve_s=solve_s,
        lp_s=lp_s,
        paid_hours=float(paid),
        cost=float(cost),
        under_coverage_h=coverage.under_h,
        over_coverage_h=coverage.over_h,
        coverage=coverage,
        shifts=tuple(shifts),
        allocation=allocation,
        notes=notes,
        model_size=size,
    )


def _group_of(c: _Compiled, queues: Sequence[str]) -> int:
    key = tuple(sorted(c.queues.index(q) for q in queues))
    return c.groups.index(key)


def _shares(alloc: FloatArray, required: FloatArray) -> FloatArray:
    """Row shares of ``alloc`` per column; where a column is empty, shares of ``required``."""
    total = alloc.sum(axis=0)
    req_total = required.sum(axis=0)
    fallback = np.where(
        req_total > 0, required / np.where(req_total > 0, req_total, 1.0), 1.0 / alloc.shape[0]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 1e-9, alloc / np.where(total > 1e-9, total, 1.0), fallback)
    result: FloatArray = share
    return result


# ---------------------------------------------------------------------------------------------
# stage 2: named people (CP-SAT)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignedShift:
    """One shift of a person's week.

    Args:
        template: template name.
        queues: the skill group the plan counts this shift for.
        start_min: start, minutes from the week start.
        end_min: end, minutes from the week start.
        breaks: the breaks.
        activities: the person's fixed activities during the shift.
        paid_h: paid hours.
        cost: wage cost.
        extra: an extra copy of a planned shift (beyond the plan's count).
        label: ``"Monday 08:00–16:30"``.
    """

    template: str
    queues: tuple[str, ...]
    start_min: int
    end_min: int
    breaks: tuple[PlacedBreak, ...]
    activities: tuple[Activity, ...]
    paid_h: float
    cost: float
    extra: bool
    label: str


@dataclass(frozen=True)
class PersonWeek:
    """A person's week: shifts and the totals their contract limits."""

    person_id: str
    contract: str
    shifts: tuple[AssignedShift, ...]
    paid_h: float
    cost: float
    days: int
    nights: int
    weekend_days: int
    late_shifts: int
    preference_score: float


@dataclass(frozen=True, eq=False)
class Roster:
    """Stage 2: the planned shifts given to named people, and the coverage they give.

    Args:
        status: CP-SAT status (``"OPTIMAL"`` or ``"FEASIBLE"``).
        objective: soft-goal cost of the roster (cost units).
        bound: CP-SAT's lower bound of that cost.
        solve_s: wall-clock seconds.
        people: every person's week, in input order.
        unassigned: planned shifts no one could take (count = how many).
        extra: extra copies of planned shifts given to people who needed hours.
        paid_hours: paid hours of all assigned shifts.
        cost: wage cost of all assigned shifts.
        under_coverage_h: agent-hours below the requirement.
        over_coverage_h: agent-hours above the requirement.
        coverage: per queue and interval, from the assigned shifts.
    """

    status: str
    objective: float
    bound: float
    solve_s: float
    people: tuple[PersonWeek, ...]
    unassigned: tuple[PlannedShift, ...]
    extra: tuple[PlannedShift, ...]
    paid_hours: float
    cost: float
    under_coverage_h: float
    over_coverage_h: float
    coverage: Coverage

    def week_of(self, person_id: str) -> PersonWeek:
        """The week of one person."""
        for week in self.people:
            if week.person_id == person_id:
                return week
        raise KeyError(person_id)


@dataclass(frozen=True, eq=False)
class WeekSchedule:
    """Both stages: the plan and the roster."""

    plan: ShiftPlan
    roster: Roster


@dataclass(frozen=True)
class _Slot:
    shift: PlannedShift
    group: int
    template: int
    day: int
    weekend: bool
    night: bool
    late: bool
    paid_min: int


@dataclass
class _Stage2:
    model: cp_model.CpModel
    slots: list[_Slot]
    z: dict[tuple[int, int], cp_model.IntVar]
    under: list[cp_model.IntVar]
    extra: list[cp_model.IntVar]
    rules: list[tuple[cp_model.IntVar, str]]


def _slots_of(c: _Compiled, plan: ShiftPlan) -> list[_Slot]:
    out = []
    for s in plan.shifts:
        if s.count <= 0:
            continue
        ti = c.tindex[s.template]
        t = c.templates[ti]
        day = s.start_min // DAY_MIN
        out.append(
            _Slot(
                shift=s,
                group=_group_of(c, s.queues),
                template=ti,
                day=day,
                weekend=bool(c.weekend[day % c.n_days]),
                night=t.is_night,
                late=t.is_late,
                paid_min=t.paid_min,
            )
        )
    return out


def _maximal_cliques(starts: IntArray, ends: IntArray) -> list[IntArray]:
    """Maximal sets of intervals ``[start, end)`` sharing a point (at least two members)."""
    points = np.unique(starts)
    members = [np.flatnonzero((starts <= p) & (p < ends)) for p in points]
    out: list[IntArray] = []
    for k, m in enumerate(members):
        if m.size < 2:
            continue
        if k + 1 < len(members) and np.isin(m, members[k + 1]).all():
            continue  # contained in the clique at the next point
        out.append(m)
    return out


def _covers_activity(slot: _Slot, a: Activity) -> bool:
    s = slot.shift
    if not (s.start_min <= a.start_min and a.end_min <= s.end_min):
        return False
    return not any(b.start_min < a.end_min and a.start_min < b.end_min for b in s.breaks)


def _build_stage2(
    problem: SchedulingProblem, plan: ShiftPlan, opts: RosterOptions, *, explain: bool
) -> _Stage2:
    c = problem.compiled
    rw = problem.roster_weights
    model = cp_model.CpModel()
    slots = _slots_of(c, plan)
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    rules: list[tuple[cp_model.IntVar, str]] = []
    objective: list[Any] = []

    def rule(text: str) -> list[cp_model.IntVar]:
        if not explain:
            return []
        lit = model.new_bool_var(f"rule{len(rules)}")
        rules.append((lit, text))
        return [lit]

    def add(constraint: Any, enforce: list[cp_model.IntVar]) -> None:
        if enforce:
            constraint.only_enforce_if(enforce)

    slot_start = np.array([s.shift.start_min for s in slots], dtype=np.int64)
    slot_end = np.array([s.shift.end_min for s in slots], dtype=np.int64)
    for pi, p in enumerate(c.people):
        contract = p.contract
        pid, cname = p.id, contract.name
        allowed = set(_allowed_templates(contract, c.templates))
        mine = [
            k
            for k, s in enumerate(slots)
            if s.template in allowed and set(c.groups[s.group]) <= c.person_queues[pi]
        ]
        blocked: dict[int, list[list[cp_model.IntVar]]] = defaultdict(list)
        for off in p.time_off:
            hit = [k for k in mine if off.start_min < slot_end[k] and slot_start[k] < off.end_min]
            if hit:
                lit = rule(
                    f"{pid}: approved {off.reason} {c.span_label(off.start_min, off.end_min)}"
                )
                for k in hit:
                    blocked[k].append(lit)
        if p.availability is not None:
            outside = [
                k
                for k in mine
                if not any(a.contains(int(slot_start[k]), int(slot_end[k])) for a in p.availability)
            ]
            if outside:
                spans = ", ".join(c.span_label(a.start_min, a.end_min) for a in p.availability)
                lit = rule(f"{pid}: available only {spans or 'never'}")
                for k in outside:
                    blocked[k].append(lit)
        rest_min = round(contract.min_rest_h * 60)
        if p.last_shift_end_min is not None:
            early = [k for k in mine if slot_start[k] < p.last_shift_end_min + rest_min]
            if early:
                lit = rule(
                    f"{pid}: contract {cname!r} min_rest_h {_fmt(contract.min_rest_h)} after "
                    f"last week's shift ending {c.when(p.last_shift_end_min)}"
                )
                for k in early:
                    blocked[k].append(lit)
        for k in mine:
            if k in blocked and not explain:
                continue
            var = model.new_bool_var(f"z_{pi}_{k}")
            z[(pi, k)] = var
            for lit in blocked.get(k, []):
                model.add_implication(lit[0], var.Not())
        ks = [k for k in mine if (pi, k) in z]
        if not ks:
            ks_arr = np.zeros(0, dtype=np.int64)
        else:
            ks_arr = np.array(ks, dtype=np.int64)
        zs = [z[(pi, k)] for k in ks]
        # structural: one shift per calendar day, shifts never overlap
        by_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for k in ks:
            by_day[slots[k].day].append(z[(pi, k)])
        for vars_ in by_day.values():
            if len(vars_) > 1:
                model.add_at_most_one(vars_)
        if ks:
            for clique in _maximal_cliques(slot_start[ks_arr], slot_end[ks_arr]):
                model.add_at_most_one([zs[j] for j in clique])
            if rest_min > 0:
                lit = rule(
                    f"{pid}: contract {cname!r} min_rest_h {_fmt(contract.min_rest_h)} between "
                    "shifts"
                )
                for clique in _maximal_cliques(slot_start[ks_arr], slot_end[ks_arr] + rest_min):
                    add(model.add(_lsum([zs[j] for j in clique]) <= 1), lit)
        credit_h = sum(o.credit_h for o in p.time_off)
        credit_d = sum(o.credit_days for o in p.time_off)
        paid = cp_model.LinearExpr.weighted_sum(
            [z[(pi, k)] for k in ks], [slots[k].paid_min for k in ks]
        )
        lo_min = math.ceil(max(contract.weekly_min_h - credit_h, 0.0) * 60 - 1e-6)
        hi_min = math.floor(max(contract.weekly_max_h - credit_h, 0.0) * 60 + 1e-6)
        credit = f" less {_fmt(credit_h)} h credited time off" if credit_h else ""
        if lo_min > 0:
            lit = rule(
                f"{pid}: contract {cname!r} weekly_min_h {_fmt(contract.weekly_min_h)}{credit}"
            )
            add(model.add(paid >= lo_min), lit)
        lit = rule(f"{pid}: contract {cname!r} weekly_max_h {_fmt(contract.weekly_max_h)}{credit}")
        add(model.add(paid <= hi_min), lit)
        work = {d: _lsum(v) for d, v in by_day.items()}
        days_total = _lsum(list(work.values()))
        credit = f" less {credit_d} credited days of time off" if credit_d else ""
        d_lo = max(contract.days_min - credit_d, 0)
        d_hi = max(contract.days_max - credit_d, 0)
        if d_lo > 0:
            lit = rule(f"{pid}: contract {cname!r} days_min {contract.days_min}{credit}")
            add(model.add(days_total >= d_lo), lit)
        if d_hi < c.n_days:
            lit = rule(f"{pid}: contract {cname!r} days_max {contract.days_max}{credit}")
            add(model.add(days_total <= d_hi), lit)
        m = contract.max_consecutive_days
        before = p.consecutive_days_before
        if m < c.n_days + before:
            text = f"{pid}: contract {cname!r} max_consecutive_days {m}"
            if before:
                text += f" ({before} days worked just before the week)"
            lit = rule(text)
            for d0 in range(-min(before, m), c.n_days - m):
                days = range(max(d0, 0), d0 + m + 1)
                cap = m - max(-d0, 0)
                terms = [work[d] for d in days if d in work]
                if terms and (len(terms) > cap):
                    add(model.add(_lsum(terms) <= cap), lit)
        nights = [z[(pi, k)] for k in ks if slots[k].night]
        if len(nights) > contract.max_nights:
            lit = rule(f"{pid}: contract {cname!r} max_nights {contract.max_nights}")
            add(model.add(_lsum(nights) <= contract.max_nights), lit)
        weekend = [z[(pi, k)] for k in ks if slots[k].weekend]
        if len(weekend) > contract.max_weekend_days:
            lit = rule(f"{pid}: contract {cname!r} max_weekend_days {contract.max_weekend_days}")
            add(model.add(_lsum(weekend) <= contract.max_weekend_days), lit)
        for a in p.fixed_activities:
            covering = [z[(pi, k)] for k in ks if _covers_activity(slots[k], a)]
            lit = rule(
                f"{pid}: {a.kind} {a.name!r} {c.span_label(a.start_min, a.end_min)} must fall "
                f"inside a shift {pid} works, outside its breaks"
            )
            add(model.add(_lsum(covering) >= 1), lit)
        if explain:
            continue
        # soft goals
        for flag, hist, scale in (
            ("weekend", p.recent_weekend_days, rw.weekend_fairness),
            ("late", p.recent_late_shifts, rw.late_fairness),
        ):
            chosen = [k for k in ks if getattr(slots[k], flag)]
            n_days = len({slots[k].day for k in chosen})
            if not chosen or scale == 0 or n_days == 0:
                continue
            steps = [model.new_bool_var(f"{flag}_{pi}_{j}") for j in range(n_days)]
            model.add(_lsum(steps) == _lsum([z[(pi, k)] for k in chosen]))
            for j in range(n_days - 1):
                model.add_implication(steps[j + 1], steps[j])
            for j, b in enumerate(steps):
                objective.append(round(scale * _SCALE * (hist + j + 1)) * b)
        for k in ks:
            s = slots[k]
            coef = 0.0
            for pref in p.preferences:
                if pref.matches(s.shift.template, s.shift.start_min, s.shift.end_min):
                    coef -= pref.weight * rw.preference
            level = sum(p.skills[c.queues[q]] - 1 for q in c.groups[s.group])
            coef += rw.secondary_skill * level
            if round(coef * _SCALE):
                objective.append(round(coef * _SCALE) * z[(pi, k)])

    under: list[cp_model.IntVar] = []
    extra: list[cp_model.IntVar] = []
    takers_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (_pi, k), var in z.items():
        takers_of[k].append(var)
    for k, s in enumerate(slots):
        takers = takers_of[k]
        n = s.shift.count
        u = model.new_int_var(0, n, f"under_{k}")
        e_max = len(takers) if opts.allow_extra_shifts else 0
        e = model.new_int_var(0, e_max, f"extra_{k}")
        model.add(_lsum(takers) + u - e == n)
        under.append(u)
        extra.append(e)
        if not explain:
            objective.append(round(rw.unassigned_per_h * s.paid_min / 60 * _SCALE) * u)
            objective.append(round(rw.extra_per_h * s.paid_min / 60 * _SCALE) * e)
    if not explain and objective:
        model.minimize(_lsum(objective))
    return _Stage2(model=model, slots=slots, z=z, under=under, extra=extra, rules=rules)


def _lsum(terms: Sequence[Any]) -> Any:
    """A CP-SAT linear sum (also of an empty list)."""
    return cp_model.LinearExpr.sum(list(terms))


def _solver(opts: RosterOptions, time_limit_s: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = opts.seed
    solver.parameters.linearization_level = 2  # a stronger LP: faster on these assignments
    if opts.max_deterministic_time is not None:
        solver.parameters.max_deterministic_time = opts.max_deterministic_time
    return solver


def assign_shifts(
    problem: SchedulingProblem, plan: ShiftPlan, options: RosterOptions | None = None
) -> Roster:
    """Stage 2: give the planned shifts to named people (OR-Tools CP-SAT).

    The rules and goals are in the module docstring. With ``workers=1`` and a fixed seed the
    result is deterministic (when the search ends by optimality or deterministic time).

    Args:
        problem: the problem the plan was made for (with people).
        plan: the stage-1 plan.
        options: CP-SAT settings (default :class:`RosterOptions`).

    Returns:
        Every person's week, the unstaffed and extra shifts, and the coverage.

    Raises:
        ScheduleInfeasibleError: the people's rules cannot all hold; names a set of rules
            that conflict (each one needed for the conflict).
        ScheduleNotFoundError: no roster was found within the time limit.
        SchedulingInputError: the problem has no people.
    """
    opts = options or RosterOptions()
    c = problem.compiled
    if not c.people:
        raise SchedulingInputError("assign_shifts needs people (the problem has none)")
    started = time.perf_counter()
    built = _build_stage2(problem, plan, opts, explain=False)
    solver = _solver(opts, opts.time_limit_s, opts.workers)
    status = solver.solve(built.model)
    solve_s = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        raise _explain_stage2(problem, plan, opts)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleNotFoundError(
            f"CP-SAT found no roster in {opts.time_limit_s:g} s (status "
            f"{solver.status_name(status)})"
        )
    assignment: dict[int, list[int]] = defaultdict(list)
    for (pi, k), var in built.z.items():
        if solver.boolean_value(var):
            assignment[pi].append(k)
    extra_left = {k: int(solver.value(e)) for k, e in enumerate(built.extra)}
    weeks: list[PersonWeek] = []
    for pi, p in enumerate(c.people):
        shifts = []
        for k in sorted(assignment.get(pi, []), key=lambda k: built.slots[k].shift.start_min):
            s = built.slots[k].shift
            is_extra = extra_left[k] > 0
            if is_extra:
                extra_left[k] -= 1
            shifts.append(
                AssignedShift(
                    template=s.template,
                    queues=s.queues,
                    start_min=s.start_min,
                    end_min=s.end_min,
                    breaks=s.breaks,
                    activities=tuple(
                        a
                        for a in p.fixed_activities
                        if s.start_min <= a.start_min and a.end_min <= s.end_min
                    ),
                    paid_h=s.paid_h,
                    cost=s.cost,
                    extra=is_extra,
                    label=c.span_label(s.start_min, s.end_min),
                )
            )
        weeks.append(_person_week(c, p, tuple(shifts)))
    unassigned = tuple(
        _with_count(built.slots[k].shift, int(solver.value(u)))
        for k, u in enumerate(built.under)
        if solver.value(u) > 0
    )
    extra = tuple(
        _with_count(built.slots[k].shift, int(solver.value(e)))
        for k, e in enumerate(built.extra)
        if solver.value(e) > 0
    )
    coverage = evaluate_roster(problem, plan, weeks)
    return Roster(
        status=solver.status_name(status),
        objective=solver.objective_value / _SCALE,
        bound=solver.best_objective_bound / _SCALE,
        solve_s=solve_s,
        people=tuple(weeks),
        unassigned=unassigned,
        extra=extra,
        paid_hours=float(sum(w.paid_h for w in weeks)),
        cost=float(sum(w.cost for w in weeks)),
        under_coverage_h=coverage.under_h,
        over_coverage_h=coverage.over_h,
        coverage=coverage,
    )


def _with_count(s: PlannedShift, count: int) -> PlannedShift:
    return PlannedShift(
        template=s.template,
        queues=s.queues,
        start_min=s.start_min,
        end_min=s.end_min,
        breaks=s.breaks,
        count=count,
        paid_h=s.paid_h,
        cost=s.cost,
    )


def _person_week(c: _Compiled, p: Person, shifts: tuple[AssignedShift, ...]) -> PersonWeek:
    score = 0.0
    for s in shifts:
        for pref in p.preferences:
            if pref.matches(s.template, s.start_min, s.end_min):
                score += pref.weight
    templates = [c.templates[c.tindex[s.template]] for s in shifts]
    return PersonWeek(
        person_id=p.id,
        contract=p.contract.name,
        shifts=shifts,
        paid_h=float(sum(s.paid_h for s in shifts)),
        cost=float(sum(s.cost for s in shifts)),
        days=len({s.start_min // DAY_MIN for s in shifts}),
        nights=sum(t.is_night for t in templates),
        weekend_days=sum(bool(c.weekend[(s.start_min // DAY_MIN) % c.n_days]) for s in shifts),
        late_shifts=sum(t.is_late for t in templates),
        preference_score=score,
    )


def evaluate_roster(
    problem: SchedulingProblem, plan: ShiftPlan, weeks: Sequence[PersonWeek]
) -> Coverage:
    """Coverage of a roster: people on the queues, net of breaks and activities.

    Each shift counts for the skill group the plan made it for; a multi-skilled group's net
    agents are split across its queues by the plan's allocation (:attr:`ShiftPlan.allocation`).

    Args:
        problem: the problem.
        plan: the plan the roster staffs (for the allocation).
        weeks: the people's weeks.

    Returns:
        Required versus scheduled net agents and the predicted service level.
    """
    c = problem.compiled
    items = []
    act = np.zeros((len(c.groups), c.n_int))
    for week in weeks:
        for s in week.shifts:
            g = _group_of(c, s.queues)
            items.append((g, c.tindex[s.template], s.start_min, s.breaks, 1))
            for a in s.activities:
                for i, frac in _span_fraction(
                    a.start_min, a.end_min, c.step, c.n_int, c.cyclic
                ).items():
                    act[g, i] += frac
    net = _net_by_group(c, items) - act
    scheduled = np.zeros((len(c.queues), c.n_int))
    for g, queues in enumerate(c.groups):
        key = tuple(c.queues[q] for q in queues)
        share = plan.allocation.get(key)
        if share is None:
            share = _shares(np.zeros((len(queues), c.n_int)), c.required[list(queues)])
        scheduled[list(queues)] += share * net[g]
    return Coverage(
        queues=c.queues,
        interval_min=c.step,
        required=c.required.copy(),
        scheduled=scheduled,
        predicted_service_level=problem.requirement.service_level(scheduled),
    )


def _explain_stage2(
    problem: SchedulingProblem, plan: ShiftPlan, opts: RosterOptions
) -> ScheduleInfeasibleError:
    """Find a set of rules that conflict, each one needed (assumptions, then deletion)."""
    built = _build_stage2(problem, plan, opts, explain=True)
    model = built.model
    text = {lit.index: t for lit, t in built.rules}
    order = [lit.index for lit, _ in built.rules]
    by_index = {lit.index: lit for lit, _ in built.rules}

    def solve(assumed: list[int]) -> tuple[Any, list[int]]:
        model.clear_assumptions()
        model.add_assumptions([by_index[i] for i in assumed])
        solver = _solver(opts, opts.explain_time_limit_s, 1)
        status = solver.solve(model)
        core = (
            list(solver.sufficient_assumptions_for_infeasibility())
            if (status == cp_model.INFEASIBLE)
            else []
        )
        return status, core

    status, core = solve(order)
    headline = "the week cannot be rostered"
    if not opts.allow_extra_shifts:
        headline += " with exactly the planned shifts"
    if status != cp_model.INFEASIBLE:
        return ScheduleInfeasibleError(
            headline + " (the conflicting rules could not be isolated in time)", []
        )
    current = [i for i in order if i in set(core)] or order
    for i in list(current):
        if i not in current:
            continue
        trial = [j for j in current if j != i]
        status, smaller = solve(trial)
        if status == cp_model.INFEASIBLE:
            keep = set(smaller) if smaller else set(trial)
            current = [j for j in trial if j in keep]
    if not current:
        return ScheduleInfeasibleError(
            headline + " under the fixed rules (one shift per person per day, no overlapping "
            "shifts, skills and contract templates)",
            [],
        )
    return ScheduleInfeasibleError(headline, [text[i] for i in current])


def schedule_week(
    problem: SchedulingProblem,
    plan_options: PlanOptions | None = None,
    roster_options: RosterOptions | None = None,
) -> WeekSchedule:
    """Both stages: plan shifts and breaks (HiGHS), then give them to people (CP-SAT).

    Args:
        problem: the problem, with people.
        plan_options: stage-1 settings.
        roster_options: stage-2 settings.

    Returns:
        The plan and the roster.

    Raises:
        ScheduleInfeasibleError: either stage is infeasible; the rules are named.
        ScheduleNotFoundError: a solver found nothing within its time limit.
    """
    plan = plan_shifts(problem, plan_options)
    return WeekSchedule(plan=plan, roster=assign_shifts(problem, plan, roster_options))


# ---------------------------------------------------------------------------------------------
# a realistic example week (demos, tests, benchmarks)
# ---------------------------------------------------------------------------------------------


def _example_templates(with_breaks: bool, step: int) -> tuple[ShiftTemplate, ...]:
    weekdays = range(5)

    def starts(weekday: tuple[str, str], weekend: tuple[str, str]) -> dict[int, tuple[int, ...]]:
        out = {d: start_times(*weekday, step_min=step) for d in weekdays}
        out.update({d: start_times(*weekend, step_min=step) for d in (5, 6)})
        return out

    def brk(length: int, lo: int, hi: int, gap: int = 0) -> tuple[BreakRule, ...]:
        return (BreakRule(length, lo, hi, gap),) if with_breaks else ()

    return (
        ShiftTemplate(
            "day",
            starts(("06:30", "10:00"), ("07:30", "10:00")),
            510,
            paid_breaks=brk(15, 90, 150) + brk(15, 330, 420, 45),
            unpaid_breaks=brk(30, 210, 300, 45),
            cost_per_hour=20.0,
        ),
        ShiftTemplate(
            "late",
            starts(("11:00", "13:30"), ("10:30", "11:30")),
            510,
            paid_breaks=brk(15, 90, 150) + brk(15, 330, 420, 45),
            unpaid_breaks=brk(30, 210, 300, 45),
            cost_per_hour=22.0,
            is_late=True,
        ),
        ShiftTemplate(
            "part4",
            starts(("07:00", "18:00"), ("08:00", "16:00")),
            240,
            paid_breaks=brk(15, 90, 150),
            cost_per_hour=20.0,
        ),
        ShiftTemplate(
            "part6",
            starts(("07:00", "16:00"), ("08:00", "14:00")),
            360,
            paid_breaks=brk(15, 90, 150),
            unpaid_breaks=brk(30, 180, 240, 30),
            cost_per_hour=20.0,
        ),
    )


def _example_load(
    rng: np.random.Generator, n_days: int, step: int, scale: float
) -> tuple[FloatArray, FloatArray]:
    """Arrival rates per second for Billing and Tech, and their AHTs (seconds)."""
    per_day = DAY_MIN // step
    hours = (np.arange(per_day) + 0.5) * step / 60.0
    shape = (
        np.exp(-0.5 * ((hours - 10.5) / 1.7) ** 2)
        + 0.8 * np.exp(-0.5 * ((hours - 15.0) / 2.0) ** 2)
        + 0.25
    )
    day_factor = (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45)
    peaks = np.array([300.0, 140.0]) * scale  # calls per hour at the morning peak
    rates = np.zeros((2, n_days * per_day))
    for d in range(n_days):
        weekday = d % 7
        open_h, close_h = (7.0, 22.0) if weekday < 5 else (8.0, 20.0)
        is_open = (hours >= open_h) & (hours < close_h)
        noise = rng.normal(1.0, 0.05, (2, per_day))
        day = peaks[:, None] * day_factor[weekday] * shape[None, :] / 1.25 * noise * is_open
        rates[:, d * per_day : (d + 1) * per_day] = np.maximum(day, 0.0) / 3600.0
    return rates, np.array([330.0, 540.0])


def example_problem(
    n_people: int = 120,
    *,
    seed: int = 0,
    interval_min: int = GRID_MIN,
    n_days: int = 7,
    with_breaks: bool = True,
    with_people: bool = True,
    demand_scale: float = 1.0,
) -> SchedulingProblem:
    """A synthetic but realistic contact-centre week (seeded), for demos, tests and benchmarks.

    Two queues: Billing about 360 and Tech about 170 calls an hour at Monday's morning peak,
    bimodal days with 5% noise, weekdays 07:00-22:00, weekends 08:00-20:00 at about half
    volume; AHT 330 s and 540 s; requirement = Erlang C agents for 80% in 20 s. Four
    templates: ``day`` and ``late`` (8.5 h with two paid 15-minute breaks and an unpaid
    30-minute lunch), ``part4`` (4 h) and ``part6`` (6 h) part-time shifts. ``n_people``
    people: 45% Billing only, 30% Tech only, 25% both; 70% full-time (32-40 h, 4-5 days,
    day/late shifts) and 30% part-time (16-30 h, 3-5 days, 4 h/6 h shifts); some vacations
    (credited), part-timers available only on weekday daytimes, preferences, a team meeting,
    a training course, coaching sessions and a huddle, and recent weekend/late history for
    fair rotation. The load scales with ``n_people``/120. Prices: wages 20-22 an hour, a
    missing agent-hour 120.

    Args:
        n_people: people to schedule.
        seed: random seed.
        interval_min: interval length (15 or 30; shift starts follow it).
        n_days: days in the horizon.
        with_breaks: give the templates their breaks.
        with_people: include the people (else one unlimited pool per queue).
        demand_scale: multiply the load.

    Returns:
        The problem.
    """
    if interval_min not in (15, 30):
        raise SchedulingInputError(
            f"example_problem: interval_min must be 15 or 30, got {interval_min}"
        )
    rng = np.random.default_rng(seed)
    rates, aht = _example_load(rng, n_days, interval_min, demand_scale * max(n_people, 1) / 120.0)
    required = np.where(
        rates > 0,
        queueing.required_agents(rates, aht[:, None], service_level=0.8, target_s=20.0),
        0,
    ).astype(np.float64)
    requirement = Requirement(
        queues=("Billing", "Tech"),
        agents=required,
        interval_min=interval_min,
        week_start=date(2026, 1, 5),
        rate_per_s=rates,
        aht_s=aht,
        target_s=20.0,
    )
    templates = _example_templates(with_breaks, interval_min)
    if not with_people:
        return SchedulingProblem(
            requirement=requirement, templates=templates, plan_weights=_EXAMPLE_WEIGHTS
        )
    full = Contract(
        "full-time 40h",
        weekly_min_h=32,
        weekly_max_h=40,
        days_min=4,
        days_max=5,
        max_consecutive_days=5,
        min_rest_h=11,
        max_weekend_days=2,
        templates=("day", "late"),
    )
    part = Contract(
        "part-time 24h",
        weekly_min_h=16,
        weekly_max_h=30,
        days_min=3,
        days_max=5,
        max_consecutive_days=5,
        min_rest_h=11,
        max_weekend_days=2,
        templates=("part4", "part6"),
    )
    people: list[Person] = []
    for k in range(n_people):
        u = rng.random()
        if u < 0.45:
            skills = {"Billing": 1}
        elif u < 0.75:
            skills = {"Tech": 1}
        elif rng.random() < 0.5:
            skills = {"Billing": 1, "Tech": 2}
        else:
            skills = {"Billing": 2, "Tech": 1}
        is_full = rng.random() < 0.7
        contract = full if is_full else part
        time_off: list[TimeOff] = []
        if rng.random() < 0.06 and n_days >= 5:
            first = int(rng.integers(0, n_days - 2))
            time_off.append(
                TimeOff.days(
                    first,
                    first + int(rng.integers(1, 3)),
                    credit_h_per_day=8.0 if is_full else 4.8,
                    credit_days=True,
                    reason="vacation",
                )
            )
        availability = None
        if not is_full and rng.random() < 0.3:
            availability = [Span.on(d, "08:00", "16:00") for d in range(min(n_days, 5))]
        prefs: list[Preference] = []
        v = rng.random()
        if v < 0.15:
            prefs.append(Preference(2.0, template="day"))
        elif v < 0.3 and n_days > 4:
            prefs.append(Preference(-3.0, *_span(Span.on(4, "16:00", "23:59"))))
        elif v < 0.4 and n_days > 6:
            prefs.append(Preference(-4.0, *_span(Span.days(6))))
        people.append(
            Person(
                id=f"p{k:03d}",
                contract=contract,
                skills=skills,
                time_off=time_off,
                availability=availability,
                preferences=prefs,
                recent_weekend_days=int(rng.integers(0, 5)),
                recent_late_shifts=int(rng.integers(0, 9)) if is_full else 0,
            )
        )
    people = _example_activities(people, n_days)
    return SchedulingProblem(
        requirement=requirement,
        templates=templates,
        people=people,
        plan_weights=_EXAMPLE_WEIGHTS,
    )


_EXAMPLE_WEIGHTS: Final = PlanWeights(under_cost_per_h=120.0, over_cost_per_h=1.0)
"""The example's prices: wages are 20-22 an hour, a missing agent-hour costs 120."""


def _span(span: Span) -> tuple[int, int]:
    return span.start_min, span.end_min


def _example_activities(people: list[Person], n_days: int) -> list[Person]:
    """A team meeting, a training course, coaching sessions and a huddle for some people."""
    full = [k for k, p in enumerate(people) if p.contract.templates == ("day", "late")]
    plan: dict[int, list[Activity]] = defaultdict(list)
    if n_days >= 3:
        for k in full[:10]:
            plan[k].append(Activity("team meeting", *_span(Span.on(2, "14:00", "15:00"))))
    if n_days >= 2:
        for k in full[10:15]:
            plan[k].append(
                Activity("product training", *_span(Span.on(1, "10:00", "12:00")), kind="training")
            )
    for j, k in enumerate(full[15:23]):
        day = j % min(n_days, 5)
        plan[k].append(
            Activity("coaching", *_span(Span.on(day, "13:00", "13:30")), kind="coaching")
        )
    for k in full[23:31]:
        plan[k].append(Activity("huddle", *_span(Span.on(0, "11:00", "11:15")), kind="huddle"))
    out = []
    for k, p in enumerate(people):
        acts = [
            a
            for a in plan.get(k, [])
            if not any(o.start_min < a.end_min and a.start_min < o.end_min for o in p.time_off)
        ]
        if acts:
            p = Person(
                id=p.id,
                contract=p.contract,
                skills=p.skills,
                time_off=p.time_off,
                availability=p.availability,
                preferences=p.preferences,
                fixed_activities=acts,
                recent_weekend_days=p.recent_weekend_days,
                recent_late_shifts=p.recent_late_shifts,
            )
        out.append(p)
    return out
