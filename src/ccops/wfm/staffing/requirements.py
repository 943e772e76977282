"""Staffing requirements: a forecast (adjusted) turned into net agents per interval and the people
to schedule, stored for schedules and the intraday board.

Shrinkage categories are fractions of paid time and are **added** (total = breaks + training +
coaching + meetings + absence, < 1), the way planners usually quote them; people to schedule =
ceil(required / (1 - total)).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.engines import forecasting as fc
from ccops.engines import queueing
from ccops.enums import ChannelKind
from ccops.errors import Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.staffing import schemas
from ccops.wfm.staffing.models import RequirementInterval, StaffingRequirement

FloatArray = NDArray[np.float64]


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


def _requirement_out(
    session: Session, req: StaffingRequirement, record: Forecast, queue: Queue
) -> schemas.RequirementOut:
    shrinkage = json.loads(req.shrinkage_json)
    forecast_aht = {iv.interval_local_min: iv.aht_s for iv in record.intervals}
    return schemas.RequirementOut(
        id=req.id,
        forecast_id=record.id,
        queue=queue.name,
        created_by=req.created_by,
        created_at=req.created_at,
        target_s=req.target_s,
        service_level_goal=req.service_level_goal,
        patience_s=req.patience_s,
        volume_percentile=req.volume_percentile,
        staffing_model=req.staffing_model
        or ("erlang_a" if req.patience_s is not None else "erlang_c"),
        shrinkage=shrinkage,
        total_shrinkage=sum(shrinkage.values()),
        intervals=[
            schemas.RequirementIntervalOut(
                interval_start=iv.interval_start,
                local_start=forecast_service.local_time(iv.interval_local_min),
                volume=iv.volume,
                aht_s=iv.aht_s,
                nesting_aht_factor=_factor(iv.aht_s, forecast_aht.get(iv.interval_local_min)),
                required_agents=iv.required_agents,
                scheduled=iv.scheduled,
            )
            for iv in req.intervals
        ],
    )


def _factor(staffed: float, forecast: float | None) -> float:
    return round(staffed / forecast, 9) if forecast else 1.0


def _required_agents(
    record: Forecast,
    queue: Queue,
    volume: FloatArray,
    aht: FloatArray,
    patience_s: float | None,
) -> tuple[NDArray[np.int64], str]:
    """Agents per interval by the model of the queue's channel kind, and the model's name."""
    interval_s = record.interval_min * 60.0
    busy = volume > 0
    agents = np.zeros(volume.size, dtype=np.int64)
    kind = queue.channel.kind
    try:
        if kind == ChannelKind.email:
            if busy.any():
                typical = float(np.average(aht[busy], weights=volume[busy]))
                work_aht = np.where(aht > 0, aht, typical)
                raw = queueing.deferred_required_agents(
                    volume, work_aht, interval_s, queue.target_s
                )
                agents = np.ceil(raw * (1.0 - 1e-12)).astype(np.int64)
            return agents, "deferred"
        if kind in (ChannelKind.chat, ChannelKind.messaging):
            if busy.any():
                agents[busy] = queueing.chat_required_agents(
                    volume[busy] / interval_s,
                    aht[busy],
                    np.full(int(busy.sum()), queue.channel.max_concurrency),
                    service_level=queue.service_level_goal,
                    target_s=queue.target_s,
                )
            return agents, "chat_concurrency"
        if busy.any():
            agents[busy] = queueing.required_agents(
                volume[busy] / interval_s,
                aht[busy],
                service_level=queue.service_level_goal,
                target_s=queue.target_s,
                patience_s=patience_s,
            )
    except queueing.QueueingInputError as exc:
        raise _invalid(f"queue {queue.name!r}: {exc}", "queue") from None
    return agents, ("erlang_a" if patience_s is not None else "erlang_c")


def nesting_multiples(session: Session, queue: Queue, local_min: Sequence[int]) -> FloatArray:
    """The handle-time multiple of each interval (local minutes) from the graduates nesting on
    the queue that day (``capacity.site.nesting_aht_factors``); 1 where nobody nests."""
    days = [(forecast_service.EPOCH + timedelta(minutes=m)).date() for m in local_min]
    factors = capacity_site.nesting_aht_factors(session, queue, days)
    return np.array([factors.get(d, 1.0) for d in days], dtype=np.float64)


def build_requirement(
    *,
    session: Session,
    forecast_id: int,
    data: schemas.RequirementIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.RequirementOut:
    """Turn a forecast (adjusted) into net agents per interval and people to schedule; store it.

    The model follows the queue's channel kind: voice, ``queueing.required_agents`` at the
    queue's service-level goal within its target_s (Erlang C; Erlang A when ``patience_s`` is
    given); chat and messaging, ``queueing.chat_required_agents`` with the channel's
    max_concurrency sessions per agent; email, ``queueing.deferred_required_agents`` with every
    item answered within target_s (the agents of each interval rounded up). Scheduled =
    ceil(agents / (1 - total shrinkage)), total = the sum of the categories.

    With ``nesting`` (the default), graduates of the site's hiring waves nesting on the
    queue raise each interval's handle time to the headcount-weighted mean of the experienced
    AHT and theirs (the AHT ramp of their week after go-live; ``nesting_multiples``).

    With ``volume_percentile`` p, each interval is staffed to the p-th percentile of its
    volume instead of the point forecast (:func:`volume_at_percentile`), and the requirement
    records p.
    """
    record, queue = forecast_service.forecast_and_queue(
        session=session, forecast_id=forecast_id, scope=scope
    )
    base = np.array([iv.volume for iv in record.intervals])
    if data.volume_percentile is not None:
        base = fc.band_percentile(
            base,
            np.array([iv.hi80 for iv in record.intervals]),
            np.array([iv.hi95 for iv in record.intervals]),
            data.volume_percentile,
        )
    volume = base * forecast_service.adjustment_factors(
        record, [iv.interval_local_min for iv in record.intervals]
    )
    aht = np.array([iv.aht_s for iv in record.intervals], dtype=np.float64)
    busy = volume > 0
    if np.any(busy & ~(aht > 0)):
        raise _invalid(
            f"forecast {forecast_id} has intervals with contacts but no handle time (aht_s 0)",
            "aht_s",
        )
    if data.nesting:
        aht = aht * nesting_multiples(
            session, queue, [iv.interval_local_min for iv in record.intervals]
        )
    agents, model = _required_agents(record, queue, volume, aht, data.patience_s)
    total = sum(data.shrinkage.values())
    scheduled = queueing.scheduled_from_required(agents, np.full(agents.size, total))
    req = StaffingRequirement(
        forecast_id=record.id,
        created_by=created_by,
        target_s=queue.target_s,
        service_level_goal=queue.service_level_goal,
        patience_s=data.patience_s,
        volume_percentile=data.volume_percentile,
        shrinkage_json=json.dumps(data.shrinkage),
        staffing_model=model,
    )
    for iv, v, h, a, s in zip(record.intervals, volume, aht, agents, scheduled, strict=True):
        req.intervals.append(
            RequirementInterval(
                interval_local_min=iv.interval_local_min,
                utc_offset_min=iv.utc_offset_min,
                interval_start=iv.interval_start,
                volume=float(v),
                aht_s=float(h),
                required_agents=int(a),
                scheduled=int(s),
            )
        )
    session.add(req)
    session.flush()
    return _requirement_out(session, req, record, queue)


def get_requirement(
    *, session: Session, requirement_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.RequirementOut:
    """Return a stored staffing requirement."""
    req = session.get(StaffingRequirement, requirement_id)
    if req is None:
        raise NotFound(
            f"requirement {requirement_id} does not exist",
            [Problem("unknown requirement", field="requirement_id")],
        )
    record, queue = forecast_service.forecast_and_queue(
        session=session, forecast_id=req.forecast_id, scope=scope
    )
    return _requirement_out(session, req, record, queue)


def list_requirements(
    *, session: Session, forecast_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.RequirementSummaryOut]:
    """List the staffing requirements built from a forecast, newest first."""
    forecast_service.forecast_and_queue(session=session, forecast_id=forecast_id, scope=scope)
    peaks = (
        select(
            RequirementInterval.requirement_id,
            func.max(RequirementInterval.required_agents),
            func.max(RequirementInterval.scheduled),
        )
        .group_by(RequirementInterval.requirement_id)
        .subquery()
    )
    rows = session.execute(
        select(StaffingRequirement, peaks.c[1], peaks.c[2])
        .outerjoin(peaks, peaks.c.requirement_id == StaffingRequirement.id)
        .where(StaffingRequirement.forecast_id == forecast_id)
        .order_by(StaffingRequirement.id.desc())
    ).all()
    return [
        schemas.RequirementSummaryOut(
            id=req.id,
            forecast_id=req.forecast_id,
            created_by=req.created_by,
            created_at=req.created_at,
            staffing_model=req.staffing_model
            or ("erlang_a" if req.patience_s is not None else "erlang_c"),
            volume_percentile=req.volume_percentile,
            total_shrinkage=sum(json.loads(req.shrinkage_json).values()),
            peak_required=int(peak_required or 0),
            peak_scheduled=int(peak_scheduled or 0),
        )
        for req, peak_required, peak_scheduled in rows
    ]
