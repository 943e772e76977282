"""The validated scheduling problem and its compiled arrays (shared by both stages)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ccops.engines.scheduling.errors import (
    SchedulingInputError,
)
from ccops.engines.scheduling.grid import (
    _INF,
    DAY_MIN,
    WEEKDAYS,
    BoolArray,
    FloatArray,
    IntArray,
    _clock,
    _finite,
    _fmt,
    _is_int,
)
from ccops.engines.scheduling.inputs import (
    Contract,
    Person,
    PlanWeights,
    Pool,
    Requirement,
    RosterWeights,
    ShiftTemplate,
    _max_days_in_week,
)

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
