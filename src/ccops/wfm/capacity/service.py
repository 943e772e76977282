"""Capacity (hiring) plans: week-by-week workload of a forecast, the people it needs, and the hires
that close the gap in time given attrition, lead time, training and ramp-up."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity.models import CapacityPlan, CapacityWeek
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


def plan_weeks(
    *,
    required_fte: Sequence[float],
    current_fte: float,
    attrition_weekly: float,
    lead_time_weeks: int,
    training_weeks: int,
    ramp: Sequence[float],
) -> list[dict[str, float]]:
    """Week-by-week supply of people and the hires that close each gap in time.

    Staff on hand in week w: current_fte (1 - a)^w. A cohort of n people starting in week s
    trains for T weeks (no productivity), then works at ramp[0], ramp[1], ... of a full FTE, then
    1; it attrites like everyone, so its productive FTE in week w is n (1 - a)^(w - s) p(w - s).
    Hires are sized on trained headcount: walking the weeks in order, when the staff on hand
    plus the trained hires, H(w) = current (1 - a)^w + sum n (1 - a)^(w - s) [w - s >= T], fall
    short of the requirement, a cohort of ceil((required - H(w)) / (1 - a)^T) starts in week
    s = w - T (the last start that is trained by week w), provided s >= L (a requisition raised
    now starts people in week L at the earliest); otherwise the shortfall stays a gap. The gap
    reported is required - productive FTE, so it also shows the ramp-up deficit of new hires.

    Args:
        required_fte: FTE needed per week.
        current_fte: FTE productive today.
        attrition_weekly: Share of people leaving per week.
        lead_time_weeks: L, weeks from requisition to start.
        training_weeks: T, weeks from start to go-live.
        ramp: Productivity in the weeks after go-live (each in (0, 1]).

    Returns:
        Per week: existing_fte, new_hire_fte (productive), available_fte, hires_start,
        gap_fte (positive = short).
    """
    weeks = len(required_fte)
    keep = 1.0 - attrition_weekly

    def productivity(k: int) -> float:
        if k < training_weeks:
            return 0.0
        j = k - training_weeks
        return float(ramp[j]) if j < len(ramp) else 1.0

    cohorts: list[tuple[int, int]] = []
    for w in range(weeks):
        trained = current_fte * keep**w + sum(
            n * keep ** (w - s) for s, n in cohorts if w - s >= training_weeks
        )
        short = required_fte[w] - trained
        start = w - training_weeks
        if short > 1e-9 and start >= lead_time_weeks:
            cohorts.append((start, math.ceil(short / keep**training_weeks - 1e-9)))
    out: list[dict[str, float]] = []
    for w in range(weeks):
        existing = current_fte * keep**w
        new = sum(n * keep ** (w - s) * productivity(w - s) for s, n in cohorts if s <= w)
        out.append(
            {
                "existing_fte": existing,
                "new_hire_fte": new,
                "available_fte": existing + new,
                "hires_start": float(sum(n for s, n in cohorts if s == w)),
                "gap_fte": required_fte[w] - existing - new,
            }
        )
    return out


def _plan_out(plan: CapacityPlan, queue: Queue) -> schemas.CapacityPlanOut:
    return schemas.CapacityPlanOut(
        id=plan.id,
        forecast_id=plan.forecast_id,
        queue=queue.name,
        created_by=plan.created_by,
        created_at=plan.created_at,
        first_week=plan.first_week,
        current_fte=plan.current_fte,
        hours_per_fte_week=plan.hours_per_fte_week,
        occupancy=plan.occupancy,
        shrinkage=plan.shrinkage,
        attrition_weekly=plan.attrition_weekly,
        lead_time_weeks=plan.lead_time_weeks,
        training_weeks=plan.training_weeks,
        ramp=json.loads(plan.ramp_json),
        total_hires=sum(w.hires_start for w in plan.weeks),
        notes=plan.notes,
        weeks=[
            schemas.CapacityWeekOut(
                week_index=w.week_index,
                week_start=w.week_start,
                workload_h=w.workload_h,
                from_forecast=w.from_forecast,
                required_fte=w.required_fte,
                existing_fte=w.existing_fte,
                new_hire_fte=w.new_hire_fte,
                available_fte=w.available_fte,
                hires_start=w.hires_start,
                gap_fte=w.gap_fte,
            )
            for w in plan.weeks
        ],
    )


def capacity_plan(
    *,
    session: Session,
    data: schemas.CapacityPlanIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.CapacityPlanOut:
    """Plan hires week by week from a forecast's workload, attrition, lead time and ramp.

    Workload of a week = sum over its intervals of adjusted volume x AHT / 3600 / occupancy
    (hours); required FTE = workload / (hours per FTE-week x (1 - shrinkage)). Weeks start on
    the forecast's first day; weeks past the forecast's last whole week repeat the mean
    workload of its whole weeks (a flat outlook, flagged ``from_forecast = false``).
    """
    record, queue = forecast_service.forecast_and_queue(
        session=session, forecast_id=data.forecast_id, scope=scope
    )
    full_weeks = record.horizon_days // 7
    if full_weeks < 1:
        raise _invalid(
            f"forecast_id: forecast {record.id} covers {record.horizon_days} days; a capacity "
            "plan needs at least one whole week",
            "forecast_id",
        )
    day0 = forecast_service.day_start_min(record.first_day)
    volume = np.array([iv.volume for iv in record.intervals]) * forecast_service.adjustment_factors(
        record, [iv.interval_local_min for iv in record.intervals]
    )
    aht = np.array([iv.aht_s for iv in record.intervals], dtype=np.float64)
    week = (np.array([iv.interval_local_min for iv in record.intervals]) - day0) // (
        7 * forecast_service.MIN_PER_DAY
    )
    hours = volume * aht / 3600.0 / data.occupancy
    workload = [float(hours[week == w].sum()) for w in range(full_weeks)]
    mean = sum(workload) / full_weeks
    workload += [mean] * max(0, data.weeks - full_weeks)
    workload = workload[: data.weeks]
    per_fte = data.hours_per_fte_week * (1.0 - data.shrinkage)
    required = [w / per_fte for w in workload]
    supply = plan_weeks(
        required_fte=required,
        current_fte=data.current_fte,
        attrition_weekly=data.attrition_weekly,
        lead_time_weeks=data.lead_time_weeks,
        training_weeks=data.training_weeks,
        ramp=data.ramp,
    )
    notes = []
    if data.weeks > full_weeks:
        notes.append(
            f"weeks {full_weeks + 1}-{data.weeks} repeat the mean workload of the forecast's "
            f"{full_weeks} whole weeks"
        )
    short = [i + 1 for i, s in enumerate(supply) if s["gap_fte"] > 1e-9]
    if short:
        notes.append(
            "short in weeks "
            + ", ".join(map(str, short))
            + " (too soon for hires to start and train in time, or new hires still ramping up)"
        )
    plan = CapacityPlan(
        forecast_id=record.id,
        created_by=created_by,
        first_week=record.first_day,
        current_fte=data.current_fte,
        hours_per_fte_week=data.hours_per_fte_week,
        occupancy=data.occupancy,
        shrinkage=data.shrinkage,
        attrition_weekly=data.attrition_weekly,
        lead_time_weeks=data.lead_time_weeks,
        training_weeks=data.training_weeks,
        ramp_json=json.dumps(list(data.ramp)),
        notes="\n".join(notes),
    )
    for w in range(data.weeks):
        plan.weeks.append(
            CapacityWeek(
                week_index=w,
                week_start=record.first_day + timedelta(days=7 * w),
                workload_h=workload[w],
                from_forecast=w < full_weeks,
                required_fte=required[w],
                existing_fte=supply[w]["existing_fte"],
                new_hire_fte=supply[w]["new_hire_fte"],
                available_fte=supply[w]["available_fte"],
                hires_start=int(supply[w]["hires_start"]),
                gap_fte=supply[w]["gap_fte"],
            )
        )
    session.add(plan)
    session.flush()
    return _plan_out(plan, queue)


def get_capacity_plan(
    *, session: Session, plan_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.CapacityPlanOut:
    """Return a stored capacity plan."""
    plan = session.get(CapacityPlan, plan_id)
    if plan is None:
        raise NotFound(
            f"capacity plan {plan_id} does not exist",
            [Problem("unknown capacity plan", field="plan_id")],
        )
    _record, queue = forecast_service.forecast_and_queue(
        session=session, forecast_id=plan.forecast_id, scope=scope
    )
    return _plan_out(plan, queue)


def list_capacity_plans(
    *,
    session: Session,
    forecast_id: int | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.CapacityPlanOut]:
    """List stored capacity plans (of queues in scope), newest first, optionally of a forecast."""
    stmt = (
        select(CapacityPlan, Queue)
        .join(Forecast, Forecast.id == CapacityPlan.forecast_id)
        .join(Queue, Queue.id == Forecast.queue_id)
    )
    if forecast_id is not None:
        forecast_service.forecast_and_queue(session=session, forecast_id=forecast_id, scope=scope)
        stmt = stmt.where(CapacityPlan.forecast_id == forecast_id)
    if scope.site_ids is not None:
        stmt = stmt.where(Queue.site_id.in_(sorted(scope.site_ids)))
    rows = session.execute(stmt.order_by(CapacityPlan.id.desc())).all()
    return [_plan_out(plan, queue) for plan, queue in rows]
