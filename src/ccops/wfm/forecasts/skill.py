"""Forecast skill of the forecasts actually in use: each queue-day is scored on the latest forecast
of the queue created before the day began, against what arrived and against the seasonal naive
forecast (the same local interval a week earlier), so a planner's accuracy is measured on the
forecasts the floor was staffed from, by queue and horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Invalid
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast

EPOCH = datetime(1970, 1, 1)
SEASON_DAYS = 7
HORIZON_BUCKETS = ((1, 7), (8, 14), (15, 28), (29, 10_000))
"""Days ahead (day scored - day the forecast was made), in buckets of the accuracy page."""


@dataclass(frozen=True)
class SkillDay:
    """One queue-day scored on the forecast in use that day."""

    queue: str
    day: date
    forecast_id: int
    created_by: str
    horizon_days: int
    error: float
    """sum |adjusted forecast - actual| over the day's scored intervals"""
    naive_error: float
    """sum |seasonal naive - actual| over the same intervals"""
    actual: float
    intervals: int


def horizon_bucket(days: int) -> str:
    """The label of the horizon bucket holding ``days`` ahead ("1-7", ..., "29+")."""
    for lo, hi in HORIZON_BUCKETS:
        if lo <= days <= hi:
            return f"{lo}+" if hi >= 10_000 else f"{lo}-{hi}"
    return "0"


def _created_day(record: Forecast) -> date:
    """The day a forecast was made: its creation, or the day before its first day when it was
    built as of that date (from the history before it only, so made ahead all the same)."""
    at = record.created_at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return min(at.astimezone(UTC).date(), record.first_day - timedelta(days=1))


def in_use(
    session: Session, first: date, last: date, scope: org_service.Scope
) -> dict[tuple[int, date], Forecast]:
    """The forecast in use per (queue id, day) in [first, last]: the latest created before the
    day that covers it."""
    rows = session.scalars(
        select(Forecast)
        .join(Queue, Queue.id == Forecast.queue_id)
        .where(Forecast.first_day <= last, Forecast.last_day >= first)
        .order_by(Forecast.created_at, Forecast.id)
    )
    chosen: dict[tuple[int, date], Forecast] = {}
    for record in rows:
        queue = session.get(Queue, record.queue_id)
        if queue is None or not scope.allows_site(queue.site_id):
            continue
        made = _created_day(record)
        day = max(record.first_day, first, made + timedelta(days=1))
        while day <= min(record.last_day, last):
            chosen[(record.queue_id, day)] = record  # later creations replace earlier ones
            day += timedelta(days=1)
    return chosen


def skill_days(
    *,
    session: Session,
    first: date,
    last: date,
    created_by: Collection[str] | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[SkillDay]:
    """Score every queue-day in [first, last] on its forecast in use (of ``created_by`` only,
    when given) against the actual contacts and the seasonal naive forecast."""
    chosen = in_use(session, first, last, scope)
    by_forecast: dict[int, list[date]] = defaultdict(list)
    records: dict[int, Forecast] = {}
    for (_queue_id, day), record in chosen.items():
        if created_by is not None and record.created_by not in created_by:
            continue
        by_forecast[record.id].append(day)
        records[record.id] = record
    out: list[SkillDay] = []
    for forecast_id, days in sorted(by_forecast.items()):
        record = records[forecast_id]
        queue = session.get(Queue, record.queue_id)
        assert queue is not None
        wanted = set(days)
        lo = forecast_service.day_start_min(min(days) - timedelta(days=SEASON_DAYS))
        hi = forecast_service.day_start_min(max(days)) + forecast_service.MIN_PER_DAY
        try:
            series, _source = forecast_service.history_series(
                session=session,
                queue=queue,
                interval_min=record.interval_min,
                first_local_min=lo,
                end_local_min=hi,
            )
        except Invalid:
            continue
        actual = {
            int(m): float(v)
            for m, v in zip(
                series.start.astype(np.int64).tolist(), series.values.tolist(), strict=True
            )
            if v == v
        }
        accuracy = forecast_service.forecast_vs_actual(session=session, forecast_id=record.id)
        sums: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        week = SEASON_DAYS * forecast_service.MIN_PER_DAY
        for row in accuracy.intervals:
            day = row.local_start.date()
            if day not in wanted:
                continue
            local_min = int((row.local_start.replace(tzinfo=None) - EPOCH) // timedelta(minutes=1))
            now, before = actual.get(local_min), actual.get(local_min - week)
            if now is None or before is None:
                continue
            acc = sums[day]
            acc[0] += abs(row.adjusted - now)
            acc[1] += abs(before - now)
            acc[2] += now
            acc[3] += 1
        made = _created_day(record)
        for day in sorted(sums):
            error, naive, total, n = sums[day]
            out.append(
                SkillDay(
                    queue=queue.name,
                    day=day,
                    forecast_id=record.id,
                    created_by=record.created_by,
                    horizon_days=(day - made).days,
                    error=error,
                    naive_error=naive,
                    actual=total,
                    intervals=int(n),
                )
            )
    return sorted(out, key=lambda d: (d.queue, d.day))
