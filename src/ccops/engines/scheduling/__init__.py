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

from ccops.engines.scheduling.errors import (
    ScheduleInfeasibleError,
    ScheduleNotFoundError,
    SchedulingInputError,
)
from ccops.engines.scheduling.grid import (
    GRID_MIN,
    hhmm,
    start_times,
)
from ccops.engines.scheduling.inputs import (
    Activity,
    BreakRule,
    Contract,
    Person,
    PlanOptions,
    PlanWeights,
    Pool,
    Preference,
    Requirement,
    RosterOptions,
    RosterWeights,
    ShiftTemplate,
    Span,
    TimeOff,
)
from ccops.engines.scheduling.problem import (
    SchedulingProblem,
)
from ccops.engines.scheduling.roster import (
    AssignedShift,
    PersonWeek,
    Roster,
    WeekSchedule,
    assign_shifts,
    evaluate_roster,
    schedule_week,
)
from ccops.engines.scheduling.shift_plan import (
    Coverage,
    PlacedBreak,
    PlannedShift,
    ShiftPlan,
    plan_shifts,
)

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
    "hhmm",
    "plan_shifts",
    "schedule_week",
    "start_times",
]
