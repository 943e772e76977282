"""A realistic example week for the scheduling engine (tests and the scheduling benchmark).

Not part of the engine: it is test data. ``benchmarks/bench_scheduling.py`` imports it too
(it puts the repository root on ``sys.path``), so there is one copy.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Final

import numpy as np

from ccops.engines import queueing
from ccops.engines.scheduling import (
    GRID_MIN,
    Activity,
    BreakRule,
    Contract,
    Person,
    PlanWeights,
    Preference,
    Requirement,
    SchedulingInputError,
    SchedulingProblem,
    ShiftTemplate,
    Span,
    TimeOff,
    start_times,
)
from ccops.engines.scheduling.grid import DAY_MIN, FloatArray


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
