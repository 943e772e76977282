"""Benchmark of the scheduling engine: a realistic week, and pyworkforce on the same shifts.

Rows:

1. The realistic week (:func:`tests.engines.scheduling_examples.example_problem`: 120 people,
   two queues, 7 days x 96 quarter-hours, four templates with paid and unpaid breaks on
   15-minute windows, contracts, vacations, availability, activities): stage 1 (HiGHS MILP)
   objective, dual bound, LP relaxation, gaps and time; stage 2 (CP-SAT roster) time, unstaffed
   and extra shifts.
2. pyworkforce's shift scheduling (``MinAbsDifference``, ``MinRequiredResources``; CP-SAT
   models) against stage 1 on the same requirement and shift set, with the same time limit.

Mapping to pyworkforce's format: the requirement is the Billing queue of the realistic week
(net agents per quarter-hour, integers), as ``required_resources[day][period]`` (7 x 96). Every
(template, start time) becomes one pyworkforce shift named ``"<template>@HH:MM"`` whose
coverage array marks the 15-minute periods from start to end; pyworkforce offers the same shifts
on every day, so the comparison templates start at the same times every day (the realistic
week's weekday starts) and end by midnight. pyworkforce has no breaks: its arrays mark the whole
span. Two cases: templates without breaks (the two models then describe the same shifts and
differ only in their objective), and templates with the realistic breaks, where pyworkforce's
shift counts are evaluated in our model with their breaks placed optimally (``fixed_counts``:
only break placement is optimised), because people do take their breaks. ``cost_dict`` for
``MinRequiredResources`` is each shift's paid hours x its hourly cost (integers).
``max_shift_concurrency`` and ``max_period_concurrency`` are set high enough not to bind.
Both solvers get the same time limit; pyworkforce 0.5.1 sets ``num_search_workers`` on the
solver object rather than its parameters, so CP-SAT uses its default worker count (all cores:
2 on the 2-core machine); HiGHS runs with ``threads=2``.

"Ours at their hours" re-solves stage 1 with ``budget_paid_h`` equal to pyworkforce's paid
hours and a missing agent-hour priced at 10,000 (under-coverage first; ``mip_rel_gap`` 0.05%):
the under-coverage our model reaches at no more paid hours. Under- and over-coverage are net
agent-hours (people on the queue, not on break) against the requirement, which here carries no
load data, so a missing agent-hour costs the same in every interval.

Run with ``.venv/bin/python benchmarks/bench_scheduling.py`` (``--quick`` for a small smoke
run); ``run()`` returns the rows for a combined report.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ccops.engines import scheduling as sch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the example week lives in tests/
from tests.engines import scheduling_examples as examples  # noqa: E402

PEER_MISSING = "not installed (pip install -e .[bench])"
SEED = 0
COVER_FIRST = sch.PlanWeights(under_cost_per_h=10_000.0, over_cost_per_h=1.0)
"""Prices for "ours at their hours": under-coverage first, wages and over-coverage after."""


def _pyworkforce() -> tuple[Any, Any] | None:
    try:
        from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
    except ImportError:
        return None
    return MinAbsDifference, MinRequiredResources


def _row(case: str, method: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case": case,
        "method": method,
        "status": "",
        "paid_h": None,
        "under_h": None,
        "over_h": None,
        "gap": None,
        "solve_s": None,
        "ratio": None,
        "note": "",
    }
    row.update(values)
    return row


# ---------------------------------------------------------------------------------------------
# 1. the realistic week
# ---------------------------------------------------------------------------------------------


def realistic_week(people: int, time_limit_s: float, seed: int = SEED) -> list[dict[str, Any]]:
    """Both stages on the realistic week; one row per stage."""
    problem = examples.example_problem(people, seed=seed)
    case = f"realistic week: {people} people, 2 queues, 7 x 96 intervals"
    started = time.perf_counter()
    plan = sch.plan_shifts(problem, sch.PlanOptions(time_limit_s=time_limit_s, threads=2))
    roster = sch.assign_shifts(
        problem, plan, sch.RosterOptions(time_limit_s=time_limit_s, workers=2)
    )
    total_s = time.perf_counter() - started
    size = plan.model_size
    rows = [
        _row(
            case,
            "stage 1 (HiGHS MILP)",
            status=plan.status,
            paid_h=plan.paid_hours,
            under_h=plan.under_coverage_h,
            over_h=plan.over_coverage_h,
            gap=plan.lp_gap,
            solve_s=plan.solve_s,
            note=(
                f"objective {plan.objective:,.0f}, MILP bound {plan.bound:,.0f}, LP relaxation "
                f"{plan.lp_bound:,.0f} (LP {plan.lp_s:.1f} s); gap to LP {plan.lp_gap:.2%}, "
                f"to dual bound {plan.gap:.2%}; {plan.shift_count} shifts; {size['columns']:,} "
                f"columns ({size['integer_columns']:,} integer), {size['rows']:,} rows"
            ),
        ),
        _row(
            case,
            "stage 2 (CP-SAT roster)",
            status=roster.status,
            paid_h=roster.paid_hours,
            under_h=roster.under_coverage_h,
            over_h=roster.over_coverage_h,
            solve_s=roster.solve_s,
            note=(
                f"{sum(s.count for s in roster.unassigned)} planned shifts unstaffed, "
                f"{sum(s.count for s in roster.extra)} extra; soft cost {roster.objective:,.1f} "
                f"(bound {roster.bound:,.1f}); both stages {total_s:.1f} s wall"
            ),
        ),
    ]
    return rows


# ---------------------------------------------------------------------------------------------
# 2. against pyworkforce
# ---------------------------------------------------------------------------------------------


def comparison_problem(with_breaks: bool, people: int = 120) -> sch.SchedulingProblem:
    """The realistic week's Billing requirement and templates with the same starts every day."""
    week = examples.example_problem(people, seed=SEED, with_people=False, with_breaks=with_breaks)
    templates = [
        sch.ShiftTemplate(
            t.name,
            t.starts_by_weekday[0],
            t.length_min,
            paid_breaks=t.paid_breaks,
            unpaid_breaks=t.unpaid_breaks,
            cost_per_hour=t.cost_per_hour,
            is_late=t.is_late,
        )
        for t in week.templates
    ]
    required = week.requirement.matrix[0]
    return sch.SchedulingProblem(
        requirement=sch.Requirement(("Billing",), required, interval_min=15),
        templates=templates,
        plan_weights=week.plan_weights,
    )


def to_pyworkforce(
    problem: sch.SchedulingProblem,
) -> tuple[list[list[int]], dict[str, list[int]], dict[str, int], dict[str, tuple[str, int]]]:
    """Requirement (days x periods), shift coverage arrays, costs and the name -> shift map."""
    step = problem.requirement.interval_min
    periods = 1440 // step
    req = problem.requirement.matrix[0]
    required = [[int(v) for v in req[d * periods : (d + 1) * periods]] for d in range(7)]
    coverage: dict[str, list[int]] = {}
    costs: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for t in problem.templates:
        for m in t.starts_by_weekday[0]:
            if m + t.length_min > 1440:
                raise ValueError(f"{t.name} at {m} crosses midnight; pyworkforce cannot model it")
            name = f"{t.name}@{m // 60:02d}:{m % 60:02d}"
            arr = [0] * periods
            for p in range(m // step, (m + t.length_min) // step):
                arr[p] = 1
            coverage[name] = arr
            costs[name] = round(t.paid_h * t.cost_per_hour)
            names[name] = (t.name, m)
    return required, coverage, costs, names


def versus_pyworkforce(time_limit_s: float, with_breaks: bool) -> list[dict[str, Any]]:
    """Stage 1 against pyworkforce's two models on one requirement and shift set."""
    problem = comparison_problem(with_breaks)
    label = "with breaks" if with_breaks else "no breaks"
    case = f"vs pyworkforce, Billing week, 108 shifts/day, {label}, {time_limit_s:g} s limit"
    opts = sch.PlanOptions(time_limit_s=time_limit_s, threads=2)
    cover_opts = sch.PlanOptions(time_limit_s=time_limit_s, threads=2, mip_rel_gap=0.0005)
    ours = sch.plan_shifts(problem, opts)
    rows = [
        _row(
            case,
            "ccops stage 1",
            status=ours.status,
            paid_h=ours.paid_hours,
            under_h=ours.under_coverage_h,
            over_h=ours.over_coverage_h,
            gap=ours.lp_gap,
            solve_s=ours.solve_s,
            note="weighted under/over-coverage + wages; gap to the LP bound",
        )
    ]
    peers = _pyworkforce()
    if peers is None:
        rows.append(_row(case, "pyworkforce", status=PEER_MISSING))
        return rows
    required, coverage, costs, names = to_pyworkforce(problem)
    big = int(max(max(r) for r in required) * 4 + 50)
    for peer in peers:
        kwargs: dict[str, Any] = {
            "num_days": 7,
            "periods": 96,
            "shifts_coverage": coverage,
            "required_resources": required,
            "max_period_concurrency": big,
            "max_shift_concurrency": big,
            "max_search_time": float(time_limit_s),
            "num_search_workers": 2,
        }
        if peer.__name__ == "MinRequiredResources":
            kwargs["cost_dict"] = costs
        started = time.perf_counter()
        solution = peer(**kwargs).solve()
        peer_s = time.perf_counter() - started
        if solution["status"] not in ("OPTIMAL", "FEASIBLE"):
            rows.append(_row(case, f"pyworkforce {peer.__name__}", status=solution["status"]))
            continue
        counts: dict[tuple[str, int], int] = {}
        for r in solution["resources_shifts"]:
            if r["resources"] > 0:
                template, minute = names[r["shift"]]
                counts[(template, r["day"] * 1440 + minute)] = int(r["resources"])
        theirs = sch.plan_shifts(problem, opts, fixed_counts=counts)
        rows.append(
            _row(
                case,
                f"pyworkforce {peer.__name__}",
                status=solution["status"],
                paid_h=theirs.paid_hours,
                under_h=theirs.under_coverage_h,
                over_h=theirs.over_coverage_h,
                solve_s=peer_s,
                ratio=peer_s / ours.solve_s,
                note=(
                    "their shift counts; breaks placed optimally by our model"
                    if with_breaks
                    else "their shift counts"
                ),
            )
        )
        budget = sch.SchedulingProblem(
            requirement=problem.requirement,
            templates=problem.templates,
            plan_weights=COVER_FIRST,
            budget_paid_h=theirs.paid_hours,
        )
        matched = sch.plan_shifts(budget, cover_opts)
        rows.append(
            _row(
                case,
                f"ccops at {peer.__name__}'s hours",
                status=matched.status,
                paid_h=matched.paid_hours,
                under_h=matched.under_coverage_h,
                over_h=matched.over_coverage_h,
                gap=matched.lp_gap,
                solve_s=matched.solve_s,
                ratio=peer_s / matched.solve_s,
                note=(
                    f"budget_paid_h = {theirs.paid_hours:g}: under-coverage "
                    f"{matched.under_coverage_h - theirs.under_coverage_h:+.2f} h vs theirs"
                ),
            )
        )
    return rows


def run(people: int = 120, time_limit_s: float = 30.0) -> list[dict[str, Any]]:
    """Every row: the realistic week, then both pyworkforce cases."""
    rows = realistic_week(people, time_limit_s)
    rows += versus_pyworkforce(time_limit_s, with_breaks=False)
    rows += versus_pyworkforce(time_limit_s, with_breaks=True)
    return rows


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return format(value, fmt)


def format_table(rows: list[dict[str, Any]]) -> str:
    """Plain-text tables of the rows, one per case."""
    columns = [
        ("method", "method", "s"),
        ("status", "status", "s"),
        ("paid_h", "paid h", ",.1f"),
        ("under_h", "under h", ",.2f"),
        ("over_h", "over h", ",.2f"),
        ("gap", "gap", ".2%"),
        ("solve_s", "time s", ".2f"),
        ("ratio", "peer/ours time", ".2f"),
        ("note", "note", "s"),
    ]
    out: list[str] = []
    for case in dict.fromkeys(r["case"] for r in rows):
        block = [r for r in rows if r["case"] == case]
        cells = [[_cell(r[k], f) for k, _, f in columns] for r in block]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h, _) in enumerate(columns)]
        out.append(case)
        out.append(" | ".join(h.ljust(w) for (_, h, _), w in zip(columns, widths, strict=True)))
        out.append("-+-".join("-" * w for w in widths))
        out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per solve")
    parser.add_argument("--quick", action="store_true", help="40 people, 10 s limits")
    args = parser.parse_args(argv)
    people, limit = (40, 10.0) if args.quick else (args.people, args.time_limit)
    print("ccops.engines.scheduling benchmark (all timings from this run, 2 threads)")
    started = time.perf_counter()
    print(format_table(run(people, limit)))
    print(f"(total {time.perf_counter() - started:.0f} s; numpy {np.__version__})")


if __name__ == "__main__":
    main()
