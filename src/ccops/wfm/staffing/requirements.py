"""Staffing requirements: a forecast (adjusted) turned into net agents per interval and the people
to schedule, stored for schedules and the intraday board.

Shrinkage categories are fractions of paid time and are **added** (total = breaks + training +
coaching + meetings + absence, < 1), the way planners usually quote them; people to schedule =
ceil(required / (1 - total)).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

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
    shrinkage, nesting = _stored_shrinkage(req.shrinkage_json)
    forecast_aht = {iv.interval_local_min: iv.aht_s for iv in record.intervals}
    by_day: dict[str, list[float]] = nesting.get("days", {})

    def nested(local_min: int) -> dict[str, Any]:
        row = by_day.get(_day(local_min).isoformat())
        if row is None:
            return {}
        experienced, heads, fte = int(row[0]), int(row[1]), float(row[2])
        return {
            "experienced_heads": experienced,
            "nesting_heads": heads,
            "nesting_fte": fte,
            "nesting_occupancy_factor": round((experienced + fte) / (experienced + heads), 9),
        }

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
        occupancy=nesting.get("occupancy"),
        intervals=[
            schemas.RequirementIntervalOut(
                interval_start=iv.interval_start,
                local_start=forecast_service.local_time(iv.interval_local_min),
                volume=iv.volume,
                aht_s=iv.aht_s,
                nesting_aht_factor=_factor(iv.aht_s, forecast_aht.get(iv.interval_local_min)),
                **nested(iv.interval_local_min),
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


NESTING_KEY = "_nesting"
"""Where a requirement keeps, beside its shrinkage categories, who nested on the queue each day
it was built for: {"occupancy": planned, "days": {iso day: [experienced, nesting, nesting_fte]}}
(no column of its own: the shrinkage categories are the other keys)."""


def _stored_shrinkage(text: str) -> tuple[dict[str, float], dict[str, Any]]:
    """The shrinkage categories of a stored requirement and its nesting record (empty when
    nobody nested or it was built before nesting occupancy was counted)."""
    stored = json.loads(text)
    nesting = stored.pop(NESTING_KEY, None) or {}
    return stored, nesting


def _day(local_min: int) -> date:
    return (forecast_service.EPOCH + timedelta(minutes=local_min)).date()


def nesting_by_interval(
    session: Session, queue: Queue, local_min: Sequence[int], occupancy: float
) -> tuple[dict[date, capacity_site.NestingDay], FloatArray, FloatArray]:
    """Who nests on the queue each day of the intervals (``capacity.site.nesting_days``), and
    per interval the handle-time multiple and the share of an agent a head counts for (both 1
    where nobody nests)."""
    days = [_day(m) for m in local_min]
    nest = capacity_site.nesting_days(session, queue, days, occupancy)
    aht = np.array([nest[d].aht_factor if d in nest else 1.0 for d in days], dtype=np.float64)
    share = np.array(
        [nest[d].occupancy_factor if d in nest else 1.0 for d in days], dtype=np.float64
    )
    return nest, aht, share


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
    AHT and theirs (the AHT ramp of their week after go-live), and their reduced occupancy
    raises the heads needed (``nesting_by_interval``).

    Reduced occupancy is counted on the heads, not on the traffic. The models' agents are
    identical servers fully available to the queue; the occupancy they run at (traffic /
    agents) is their output, not an input. A nester held to occupancy o_n while the plan runs
    experienced agents at o is a server available o_n / o of the time (side-by-side coaching,
    longer wrap-up): f = min(1, o_n / o) of an agent. Inflating the traffic instead (AHT / f)
    would let Erlang's economies of scale pool the nesters' held-back time as though it were
    work, and counting nesters as fractions when coverage is measured cannot be done: a wave
    holds a number of graduates, not people, and the schedule build and the intraday board
    count heads against ``required_agents``. So with E experienced people and n_i graduates
    of wave i on the queue that day, a head counts on average c = (E + sum n_i f_i) /
    (E + sum n_i) of an agent, and the heads needed are ceil(N / c) for the model's N agents:
    the same as N plus the nesters' shortfall, H = N + H s (1 - f) with s their share of the
    heads. The requirement keeps E, the heads nesting, their agents (sum n_i f_i) and the
    planned occupancy o, per day.

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
    nest: dict[date, capacity_site.NestingDay] = {}
    if data.nesting:
        nest, aht_factor, share = nesting_by_interval(
            session, queue, [iv.interval_local_min for iv in record.intervals], data.occupancy
        )
        aht = aht * aht_factor
    agents, model = _required_agents(record, queue, volume, aht, data.patience_s)
    if nest:
        agents = np.ceil(agents / share - 1e-9).astype(np.int64)
    stored: dict[str, Any] = dict(data.shrinkage)
    if nest:
        stored[NESTING_KEY] = {
            "occupancy": data.occupancy,
            "days": {
                d.isoformat(): [n.experienced, n.nesting, round(n.nesting_fte, 9)]
                for d, n in sorted(nest.items())
            },
        }
    total = sum(data.shrinkage.values())
    scheduled = queueing.scheduled_from_required(agents, np.full(agents.size, total))
    req = StaffingRequirement(
        forecast_id=record.id,
        created_by=created_by,
        target_s=queue.target_s,
        service_level_goal=queue.service_level_goal,
        patience_s=data.patience_s,
        volume_percentile=data.volume_percentile,
        shrinkage_json=json.dumps(stored),
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
            total_shrinkage=sum(_stored_shrinkage(req.shrinkage_json)[0].values()),
            peak_required=int(peak_required or 0),
            peak_scheduled=int(peak_scheduled or 0),
        )
        for req, peak_required, peak_scheduled in rows
    ]
