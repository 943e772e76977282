"""Forecasts, forecast adjustments, forecast-versus-actual, staffing requirements and capacity
plans: the use cases on top of ``engines.forecasting`` and ``engines.queueing``.

History is read per queue on the site's local wall-clock grid: from contacts (count per slot of
``arrival_local_min``; handle time = talk + hold + wrap of answered contacts, volume-weighted)
or, when the queue has no contacts, from imported interval reports (offered; handle_s / answered).
A local day with no record at all is an outage (NaN, excluded from training and scoring); an
empty slot inside a day that has records is a real zero (a quiet or closed hour).

Shrinkage categories are fractions of paid time and are **added** (total = breaks + training +
coaching + meetings + absence, < 1), the way planners usually quote them; people to schedule =
ceil(required / (1 - total)).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Integer, case, func, literal_column, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact, IntervalReport
from ccops.engines import forecasting as fc
from ccops.engines import queueing
from ccops.enums import ChannelKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.metrics import cache as kpi_cache
from ccops.org import service as org_service
from ccops.org.models import Queue, Site
from ccops.wfm import schemas
from ccops.wfm.models import (
    CalendarEvent,
    CapacityPlan,
    CapacityWeek,
    Forecast,
    ForecastAdjustment,
    ForecastInterval,
    RequirementInterval,
    StaffingRequirement,
)

EPOCH = datetime(1970, 1, 1)
UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_PER_DAY = 1440
BACKTEST_HORIZONS = (1, 7, 28)
DECIDING_HORIZON = 7
BACKTEST_STEP_DAYS = 7
"""Days between backtest origins: weekly origins over the last ``backtest_weeks`` weeks keep a
build of 13 weeks of 15-minute history (five methods, MSTL and AutoETS included) to about five
seconds; each origin's forecast is still scored on every weekday at the 7- and 28-day horizons."""
SHRINKAGE_CATEGORIES = ("breaks", "training", "coaching", "meetings", "absence")

FloatArray = NDArray[np.float64]
Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: how far a long build is (0-1) and what it is doing."""


def _no_progress(fraction: float, message: str) -> None:
    """Ignore progress (a build nobody watches)."""


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


def _local(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=int(minute))


def _local_min(at: datetime) -> int:
    return int((at - EPOCH).total_seconds() // 60)


def _day_min(day: date) -> int:
    return (day - EPOCH.date()).days * MIN_PER_DAY


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _queue(session: Session, name: str, scope: org_service.Scope) -> Queue:
    queue = org_service.get_queue(session=session, name=name)
    _check_scope(queue, scope)
    return queue


def queue_in_scope(*, session: Session, name: str, scope: org_service.Scope) -> Queue:
    """Return the queue called ``name`` if it is in ``scope`` (NotFound, Forbidden otherwise)."""
    return _queue(session, name, scope)


def _check_scope(queue: Queue, scope: org_service.Scope) -> None:
    if not scope.allows_site(queue.site_id):
        raise Forbidden(
            f"queue {queue.name!r} is outside your scope",
            [Problem("outside your scope", field="queue")],
        )


# --- history -------------------------------------------------------------------------------------


def history_series(
    *,
    session: Session,
    queue: Queue,
    interval_min: int,
    first_local_min: int | None = None,
    end_local_min: int | None = None,
) -> tuple[fc.Series, str]:
    """Return the queue's volume and handle-time history and its source (contacts or reports).

    Args:
        session: Database session.
        queue: The queue.
        interval_min: Slot length, 15 or 30 minutes.
        first_local_min: Optional first local minute to read (inclusive).
        end_local_min: Optional local minute to stop at (exclusive).

    Returns:
        (series on the local grid with NaN for days without any record, "contacts" or
        "interval_reports").

    Raises:
        Invalid: The queue has no history, or its reports are coarser than ``interval_min``.
    """
    step: ColumnElement[int] = literal_column(str(int(interval_min)), Integer())
    c_bucket = (Contact.arrival_local_min - Contact.arrival_local_min % step).label("b")
    answered = Contact.answered_at.is_not(None)
    handle = Contact.talk_s + Contact.hold_s + Contact.wrap_s
    stmt = select(
        c_bucket,
        func.count(),
        func.sum(case((answered, handle), else_=0.0)),
        func.sum(case((answered, 1), else_=0)),
        func.count(func.distinct(Contact.utc_offset_min)),
    ).where(Contact.queue_id == queue.id)
    if first_local_min is not None:
        stmt = stmt.where(Contact.arrival_local_min >= first_local_min)
    if end_local_min is not None:
        stmt = stmt.where(Contact.arrival_local_min < end_local_min)
    rows = session.execute(stmt.group_by(c_bucket)).all()
    source = "contacts"
    if not rows:
        has_contacts = session.scalar(select(func.count()).where(Contact.queue_id == queue.id))
        if has_contacts:
            rows = []
        else:
            source = "interval_reports"
            coarsest = session.scalar(
                select(func.max(IntervalReport.interval_min)).where(
                    IntervalReport.queue_id == queue.id
                )
            )
            if coarsest is not None and coarsest > interval_min:
                raise _invalid(
                    f"interval_min: queue {queue.name!r} has {coarsest}-minute interval "
                    f"reports; forecast at {coarsest} minutes or coarser",
                    "interval_min",
                )
            r_bucket = (
                IntervalReport.interval_local_min - IntervalReport.interval_local_min % step
            ).label("b")
            r_stmt = select(
                r_bucket,
                func.sum(IntervalReport.offered),
                func.sum(func.coalesce(IntervalReport.handle_s, 0.0)),
                func.sum(case((IntervalReport.handle_s.is_not(None), IntervalReport.answered))),
                func.count(func.distinct(IntervalReport.utc_offset_min)),
            ).where(IntervalReport.queue_id == queue.id)
            if first_local_min is not None:
                r_stmt = r_stmt.where(IntervalReport.interval_local_min >= first_local_min)
            if end_local_min is not None:
                r_stmt = r_stmt.where(IntervalReport.interval_local_min < end_local_min)
            rows = list(session.execute(r_stmt.group_by(r_bucket)).all())
    if not rows:
        raise _invalid(
            f"queue {queue.name!r} has no contacts or interval reports to forecast from",
            "queue",
        )
    arr = np.array([[float(v or 0) for v in row] for row in rows], dtype=np.float64)
    minutes = arr[:, 0].astype(np.int64)
    folds = np.maximum(arr[:, 4], 1.0)  # the repeated hour of a fall-back day: per occurrence
    volume = arr[:, 1] / folds
    handled = arr[:, 3]
    handle_sum = arr[:, 2]
    days = minutes // MIN_PER_DAY
    first_day, last_day = int(days.min()), int(days.max())
    spd = MIN_PER_DAY // interval_min
    size = (last_day - first_day + 1) * spd
    idx = (minutes - first_day * MIN_PER_DAY) // interval_min
    values = np.zeros(size)
    values[idx] = volume
    aht = np.full(size, np.nan)
    weights = np.full(size, np.nan)
    ok = handled > 0
    aht[idx[ok]] = handle_sum[ok] / handled[ok]
    weights[idx[ok]] = handled[ok] / folds[ok]
    active = np.zeros(last_day - first_day + 1, dtype=bool)
    active[days - first_day] = True
    silent = np.repeat(~active, spd)
    values[silent] = np.nan
    start = first_day * MIN_PER_DAY + np.arange(size, dtype=np.int64) * interval_min
    try:
        series = fc.Series(start, values, interval_min, aht_s=aht, aht_volume=weights)
    except fc.ForecastInputError as exc:
        raise _invalid(f"history of queue {queue.name!r}: {exc}", "history") from None
    return series, source


def _calendar(session: Session, queue: Queue, first_year: int, last_year: int) -> fc.EventCalendar:
    codes = sorted({"CN", *([queue.site.country_code] if queue.site.country_code else [])})
    try:
        holidays = fc.holiday_calendar([c.upper() for c in codes], range(first_year, last_year + 1))
    except fc.ForecastInputError as exc:
        raise _invalid(f"site {queue.site.name!r}: {exc}", "country_code") from None
    events: dict[tuple[date, str], fc.Event] = {(e.day, e.kind): e for e in holidays.events}
    stored = session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.site_id == queue.site_id,
            (CalendarEvent.queue_id.is_(None)) | (CalendarEvent.queue_id == queue.id),
        )
    ).all()
    for ev in stored:
        events[(ev.day, ev.kind)] = fc.Event(ev.day, ev.kind, ev.effect_pct)
    return fc.EventCalendar(tuple(events.values()))


def _event_out(session: Session, ev: CalendarEvent) -> schemas.CalendarEventOut:
    site = session.get(Site, ev.site_id)
    queue = session.get(Queue, ev.queue_id) if ev.queue_id is not None else None
    assert site is not None
    return schemas.CalendarEventOut(
        id=ev.id,
        site=site.name,
        queue=queue.name if queue else None,
        day=ev.day,
        kind=ev.kind,
        name=ev.name,
        effect_pct=ev.effect_pct,
    )


def add_calendar_event(
    *,
    session: Session,
    data: schemas.CalendarEventIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.CalendarEventOut:
    """Store a special day of a site (or of one of its queues) for future forecasts."""
    site = org_service.get_site(session=session, name=data.site)
    if not scope.allows_site(site.id):
        raise Forbidden(
            f"site {site.name!r} is outside your scope",
            [Problem("outside your scope", field="site")],
        )
    queue = org_service.get_queue(session=session, name=data.queue) if data.queue else None
    if queue is not None and queue.site_id != site.id:
        raise _invalid(f"queue: {data.queue!r} is not at site {data.site!r}", "queue")
    duplicate = session.scalar(
        select(func.count()).where(
            CalendarEvent.site_id == site.id,
            CalendarEvent.day == data.day,
            CalendarEvent.kind == data.kind,
        )
    )
    if duplicate:
        raise Conflict(
            f"site {data.site!r} already has a {data.kind} event on {data.day}",
            [Problem("already exists", field="kind")],
        )
    row = CalendarEvent(
        site_id=site.id,
        queue_id=queue.id if queue else None,
        day=data.day,
        kind=data.kind,
        name=data.name,
        effect_pct=data.effect_pct,
    )
    session.add(row)
    session.flush()
    return _event_out(session, row)


def list_calendar_events(
    *,
    session: Session,
    site: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.CalendarEventOut]:
    """List stored special days by day, optionally of one site."""
    stmt = select(CalendarEvent)
    if site is not None:
        stmt = stmt.where(
            CalendarEvent.site_id == org_service.get_site(session=session, name=site).id
        )
    if scope.site_ids is not None:
        stmt = stmt.where(CalendarEvent.site_id.in_(sorted(scope.site_ids)))
    rows = session.scalars(stmt.order_by(CalendarEvent.day, CalendarEvent.id)).all()
    return [_event_out(session, ev) for ev in rows]


# --- backtests and builds ------------------------------------------------------------------------


def _methods(names: Sequence[str] | None) -> list[fc.Method]:
    available = {m.name: m for m in fc.default_methods()}
    if names is None:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise _invalid(
            f"methods: unknown {', '.join(unknown)}; known: {', '.join(available)}", "methods"
        )
    chosen = [available[n] for n in dict.fromkeys(names)]
    naive = fc.SeasonalNaive()
    if naive.name not in names:
        chosen.insert(0, naive)  # the benchmark every method must beat
    return chosen


def _run_backtest(
    series: fc.Series,
    methods: Sequence[fc.Method],
    calendar: fc.EventCalendar,
    weeks: int,
    queue: Queue,
    progress: Progress = _no_progress,
    span: tuple[float, float] = (0.0, 1.0),
) -> tuple[list[fc.BacktestRow], str | None]:
    """Backtest each method in turn (reporting progress over ``span``); choose at 7 days."""
    whole_days = int(series.history_days())
    horizons = [h for h in BACKTEST_HORIZONS if whole_days >= 7 + h]
    if not horizons:
        return [], None
    rows: list[fc.BacktestRow] = []
    try:
        for k, method in enumerate(methods):
            progress(
                span[0] + (span[1] - span[0]) * k / len(methods),
                f"backtesting {method.name} ({k + 1} of {len(methods)})",
            )
            rows.extend(
                fc.backtest(
                    series,
                    [method],
                    horizons,
                    weeks=weeks,
                    step_days=BACKTEST_STEP_DAYS,
                    calendar=calendar,
                )
            )
    except fc.ForecastInputError as exc:
        raise _invalid(f"backtest of queue {queue.name!r}: {exc}", "history") from None
    try:
        chosen: str | None = fc.choose_method(rows, DECIDING_HORIZON)
    except fc.ForecastInputError:
        chosen = None
    return rows, chosen


def _row_out(row: fc.BacktestRow, chosen: str | None) -> schemas.BacktestRowOut:
    return schemas.BacktestRowOut(
        method=row.method,
        horizon_days=row.horizon_days,
        mae=_clean(row.mae),
        rmse=_clean(row.rmse),
        wmape=_clean(row.wmape),
        mase=_clean(row.mase),
        coverage80=_clean(row.coverage80),
        coverage95=_clean(row.coverage95),
        n_origins=row.n_origins,
        skipped_reason=row.skipped_reason,
        chosen=row.method == chosen,
    )


def backtest_queue(
    *, session: Session, data: schemas.BacktestIn, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.BacktestRowOut]:
    """Backtest every method on the queue's history; mark the one chosen at 7 days."""
    queue = _queue(session, data.queue, scope)
    series, _source = history_series(session=session, queue=queue, interval_min=data.interval_min)
    first_year = int(str(series.first_day)[:4])
    calendar = _calendar(session, queue, first_year, int(str(series.end)[:4]))
    rows, chosen = _run_backtest(
        series, _methods(data.methods), calendar, data.backtest_weeks, queue
    )
    if not rows:
        raise _invalid(
            f"queue {queue.name!r} has {series.history_days():g} days of history; a backtest "
            "needs at least 8 (7 days to fit and 1 to score)",
            "history",
        )
    return [_row_out(r, chosen) for r in rows]


def _utc_rows(
    local_minutes: NDArray[np.int64], zone: ZoneInfo
) -> list[tuple[int, int, int, datetime]]:
    """(position, local minute, UTC offset, UTC start) per real occurrence of each local slot.

    A slot in a spring-forward gap does not occur; a slot of a fall-back's repeated hour
    occurs twice (the forecast's per-occurrence value applies to both)."""
    out: list[tuple[int, int, int, datetime]] = []
    for i, m in enumerate(local_minutes.tolist()):
        naive = _local(m)
        seen: set[datetime] = set()
        for fold in (0, 1):
            utc = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if utc in seen or utc.astimezone(zone).replace(tzinfo=None) != naive:
                continue
            seen.add(utc)
            offset = utc.astimezone(zone).utcoffset()
            assert offset is not None
            out.append((i, m, int(offset.total_seconds() // 60), utc))
    return out


def build_forecast(
    *,
    session: Session,
    data: schemas.ForecastBuildIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    progress: Progress = _no_progress,
) -> schemas.ForecastDetailOut:
    """Backtest the methods on the queue's history, forecast with the best at 7 days, store it.

    ``progress`` hears of each stage (history, each method's backtest, the fit, storing); every
    report comes before the first write, so a job can record it in a transaction of its own."""
    started = time.perf_counter()
    queue = _queue(session, data.queue, scope)
    progress(0.02, "reading history")
    series, source = history_series(session=session, queue=queue, interval_min=data.interval_min)
    days = series.history_days()
    if data.horizon_days > days:
        raise _invalid(
            f"horizon_days: {data.horizon_days} days reaches further ahead than the "
            f"{days:g} days of history of queue {queue.name!r} reach back",
            "horizon_days",
        )
    first_year = int(str(series.first_day)[:4])
    end_day = series.end.astype("datetime64[D]").astype(date)
    last_day = end_day + timedelta(days=data.horizon_days - 1)
    calendar = _calendar(session, queue, first_year, last_day.year)
    methods = _methods(data.methods)
    rows, chosen = _run_backtest(
        series, methods, calendar, data.backtest_weeks, queue, progress, (0.05, 0.85)
    )
    notes: list[str] = [data.notes] if data.notes else []
    by_name = {m.name: m for m in methods}
    naive = fc.SeasonalNaive()
    if chosen is None:
        chosen = naive.name
        notes.append(
            f"{days:g} days of history: too little to backtest at {DECIDING_HORIZON} days; "
            "seasonal naive used unmeasured"
        )
    for row in rows:
        if row.skipped_reason and row.horizon_days == DECIDING_HORIZON:
            notes.append(f"{row.method} skipped: {row.skipped_reason}")
    spd = series.slots_per_day
    h = data.horizon_days * spd
    progress(0.88, f"forecasting {data.horizon_days} days with {chosen}")
    try:
        forecast = by_name.get(chosen, naive).fit_predict(series, h, calendar)
    except fc.ForecastInputError as exc:
        raise _invalid(f"forecast of queue {queue.name!r}: {exc}", "horizon_days") from None
    notes.extend(forecast.notes)
    try:
        aht: FloatArray = fc.forecast_aht(series, h).aht_s
    except fc.ForecastInputError:
        aht = np.zeros(h)
        notes.append("no answered contact with a handle time in the history: AHT set to 0")
    wmape_7d = {r.method: r.wmape for r in rows if r.horizon_days == DECIDING_HORIZON}
    progress(0.95, "storing the forecast")
    record = Forecast(
        queue_id=queue.id,
        method=chosen,
        created_by=created_by,
        horizon_days=data.horizon_days,
        interval_min=data.interval_min,
        first_day=end_day,
        last_day=last_day,
        history_source=source,
        accuracy_json=json.dumps(
            [_row_out(r, chosen).model_dump(mode="json") for r in rows], allow_nan=False
        ),
        chosen_wmape_7d=_clean(wmape_7d.get(chosen)),
        seasonal_naive_wmape_7d=_clean(wmape_7d.get(naive.name)),
        notes="\n".join(notes),
    )
    local = forecast.start.astype(np.int64)
    for i, m, offset, utc in _utc_rows(local, ZoneInfo(queue.site.timezone)):
        record.intervals.append(
            ForecastInterval(
                interval_local_min=m,
                utc_offset_min=offset,
                interval_start=utc,
                volume=float(forecast.point[i]),
                lo80=float(forecast.lo80[i]),
                hi80=float(forecast.hi80[i]),
                lo95=float(forecast.lo95[i]),
                hi95=float(forecast.hi95[i]),
                aht_s=float(aht[i]) if math.isfinite(aht[i]) else 0.0,
            )
        )
    session.add(record)
    session.flush()
    out = _detail(session, record)
    out.build_seconds = round(time.perf_counter() - started, 3)
    return out


# --- reading, adjusting ---------------------------------------------------------------------------


def _get(session: Session, forecast_id: int, scope: org_service.Scope) -> tuple[Forecast, Queue]:
    record = session.get(Forecast, forecast_id)
    if record is None:
        raise NotFound(
            f"forecast {forecast_id} does not exist",
            [Problem("unknown forecast", field="forecast_id")],
        )
    queue = session.get(Queue, record.queue_id)
    assert queue is not None
    _check_scope(queue, scope)
    return record, queue


@dataclass(frozen=True)
class _Interval:
    """One forecast interval read as plain values (a page reads thousands: no ORM objects)."""

    local_min: int
    utc_offset_min: int
    volume: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    aht_s: float

    @property
    def start(self) -> datetime:
        """The interval's start in UTC (local minutes less the site's offset then)."""
        return UTC_EPOCH + timedelta(minutes=self.local_min - self.utc_offset_min)


def _intervals(session: Session, record: Forecast) -> list[_Interval]:
    """The forecast's intervals in time order, from one column query."""
    fi = ForecastInterval
    rows = session.execute(
        select(
            fi.interval_local_min,
            fi.utc_offset_min,
            fi.volume,
            fi.lo80,
            fi.hi80,
            fi.lo95,
            fi.hi95,
            fi.aht_s,
        )
        .where(fi.forecast_id == record.id)
        .order_by(fi.interval_start)
    )
    return [_Interval(*row) for row in rows]


def _factors(record: Forecast, local_min: Sequence[int]) -> FloatArray:
    """Each interval's product of the adjustment layers covering its local start."""
    local = np.array(local_min, dtype=np.int64)
    factor = np.ones(local.size)
    for adj in record.adjustments:
        factor[(local >= adj.first_local_min) & (local <= adj.last_local_min)] *= adj.factor
    return factor


def _summary(record: Forecast, queue: Queue) -> schemas.ForecastOut:
    return schemas.ForecastOut(
        id=record.id,
        queue=queue.name,
        method=record.method,
        created_by=record.created_by,
        created_at=record.created_at,
        horizon_days=record.horizon_days,
        interval_min=record.interval_min,
        first_day=record.first_day,
        last_day=record.last_day,
        history_source=record.history_source,
        chosen_wmape_7d=record.chosen_wmape_7d,
        seasonal_naive_wmape_7d=record.seasonal_naive_wmape_7d,
        notes=record.notes,
        accuracy=[schemas.BacktestRowOut(**r) for r in json.loads(record.accuracy_json)],
        adjustments=[
            schemas.AdjustmentOut(
                id=a.id,
                created_by=a.created_by,
                created_at=a.created_at,
                first_local=_local(a.first_local_min),
                last_local=_local(a.last_local_min),
                factor=a.factor,
                reason=a.reason,
            )
            for a in record.adjustments
        ],
    )


def _detail(session: Session, record: Forecast) -> schemas.ForecastDetailOut:
    queue = session.get(Queue, record.queue_id)
    assert queue is not None
    intervals = _intervals(session, record)
    factor = _factors(record, [iv.local_min for iv in intervals])
    return schemas.ForecastDetailOut(
        **_summary(record, queue).model_dump(),
        intervals=[
            schemas.ForecastIntervalOut(
                interval_start=iv.start,
                local_start=_local(iv.local_min),
                utc_offset_min=iv.utc_offset_min,
                volume=iv.volume,
                adjusted_volume=iv.volume * float(f),
                factor=float(f),
                lo80=iv.lo80,
                hi80=iv.hi80,
                lo95=iv.lo95,
                hi95=iv.hi95,
                aht_s=iv.aht_s,
            )
            for iv, f in zip(intervals, factor, strict=True)
        ],
    )


def get_forecast(
    *, session: Session, forecast_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ForecastDetailOut:
    """Return a forecast with its intervals, adjusted volumes included."""
    record, _queue_row = _get(session, forecast_id, scope)
    return kpi_cache.session_cached(
        session,
        ("forecast_detail", *_identity(record)),
        lambda own: _detail(own, record),
        versioned=False,
        rows=lambda detail: len(detail.intervals),
    )


def _identity(record: Forecast) -> tuple[int, datetime, tuple[int, ...]]:
    """What identifies a stored forecast's content: its id, creation time (an id can be reused
    after a deletion) and adjustment layers (the only part that changes after it is stored)."""
    return record.id, record.created_at, tuple(a.id for a in record.adjustments)


def list_forecasts(
    *,
    session: Session,
    queue: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.ForecastOut]:
    """List forecasts, newest first, optionally of one queue."""
    stmt = select(Forecast, Queue).join(Queue, Queue.id == Forecast.queue_id)
    if queue is not None:
        stmt = stmt.where(Queue.id == _queue(session, queue, scope).id)
    if scope.site_ids is not None:
        stmt = stmt.where(Queue.site_id.in_(sorted(scope.site_ids)))
    rows = session.execute(stmt.order_by(Forecast.id.desc())).all()
    return [_summary(f, q) for f, q in rows]


def adjust_forecast(
    *,
    session: Session,
    forecast_id: int,
    data: schemas.AdjustmentIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ForecastDetailOut:
    """Add an adjustment layer (a factor on a day or interval range); the forecast is kept."""
    if not (math.isfinite(data.factor) and data.factor > 0):
        raise _invalid(f"factor must be a positive number, got {data.factor}", "factor")
    record, _queue_row = _get(session, forecast_id, scope)
    if data.day is not None:
        first = _day_min(data.day)
        last = first + MIN_PER_DAY - record.interval_min
    else:
        assert data.start is not None and data.end is not None
        first = _local_min(data.start)
        last = _local_min(data.end) - 1
    covered = [iv for iv in record.intervals if first <= iv.interval_local_min <= last]
    if not covered:
        raise _invalid(
            f"the range {_local(first)} to {_local(last)} covers no interval of forecast "
            f"{forecast_id} ({record.first_day} to {record.last_day})",
            "day" if data.day is not None else "start",
        )
    record.adjustments.append(
        ForecastAdjustment(
            created_by=created_by,
            first_local_min=first,
            last_local_min=last,
            factor=data.factor,
            reason=data.reason,
        )
    )
    session.flush()
    return _detail(session, record)


def forecast_vs_actual(
    *, session: Session, forecast_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.AccuracyOut:
    """Compare a forecast (and its adjusted form) with what arrived, per interval and overall."""
    record, queue = _get(session, forecast_id, scope)
    queue_id = queue.id
    return kpi_cache.session_cached(
        session,
        ("forecast_vs_actual", *_identity(record)),
        lambda own: _forecast_vs_actual(own, forecast_id, queue_id),
        rows=lambda out: len(out.intervals),
    )


def _forecast_vs_actual(session: Session, forecast_id: int, queue_id: int) -> schemas.AccuracyOut:
    """forecast_vs_actual's computation, from ids (it may run on a session of its own)."""
    record, queue = session.get(Forecast, forecast_id), session.get(Queue, queue_id)
    assert record is not None and queue is not None
    first = _day_min(record.first_day)
    end = _day_min(record.last_day) + MIN_PER_DAY
    actual_by_min: dict[int, float] = {}
    try:
        series, _source = history_series(
            session=session,
            queue=queue,
            interval_min=record.interval_min,
            first_local_min=first,
            end_local_min=end,
        )
    except Invalid:
        series = None
    if series is not None:
        starts = series.start.astype(np.int64).tolist()
        actual_by_min = {
            m: float(v) for m, v in zip(starts, series.values.tolist(), strict=True) if v == v
        }
    intervals = _intervals(session, record)
    factor = _factors(record, [iv.local_min for iv in intervals])
    rows: list[schemas.AccuracyRowOut] = []
    err, err_adj, total_actual, n = 0.0, 0.0, 0.0, 0
    for iv, f in zip(intervals, factor, strict=True):
        adjusted = iv.volume * float(f)
        actual = actual_by_min.get(iv.local_min)
        if actual is not None:
            err += abs(iv.volume - actual)
            err_adj += abs(adjusted - actual)
            total_actual += actual
            n += 1
        rows.append(
            schemas.AccuracyRowOut(
                interval_start=iv.start,
                local_start=_local(iv.local_min),
                forecast=iv.volume,
                adjusted=adjusted,
                actual=actual,
                error=None if actual is None else adjusted - actual,
            )
        )
    scored = [r for r in rows if r.actual is not None]
    return schemas.AccuracyOut(
        forecast_id=record.id,
        queue=queue.name,
        scored_intervals=n,
        actual_total=total_actual,
        forecast_total=sum(r.forecast for r in scored),
        adjusted_total=sum(r.adjusted for r in scored),
        wmape=err / total_actual if total_actual > 0 else None,
        mae=err / n if n else None,
        wmape_adjusted=err_adj / total_actual if total_actual > 0 else None,
        mae_adjusted=err_adj / n if n else None,
        intervals=rows,
    )


# --- staffing requirement -------------------------------------------------------------------------


def _requirement_out(
    session: Session, req: StaffingRequirement, record: Forecast, queue: Queue
) -> schemas.RequirementOut:
    shrinkage = json.loads(req.shrinkage_json)
    return schemas.RequirementOut(
        id=req.id,
        forecast_id=record.id,
        queue=queue.name,
        created_by=req.created_by,
        created_at=req.created_at,
        target_s=req.target_s,
        service_level_goal=req.service_level_goal,
        patience_s=req.patience_s,
        staffing_model=req.staffing_model
        or ("erlang_a" if req.patience_s is not None else "erlang_c"),
        shrinkage=shrinkage,
        total_shrinkage=sum(shrinkage.values()),
        intervals=[
            schemas.RequirementIntervalOut(
                interval_start=iv.interval_start,
                local_start=_local(iv.interval_local_min),
                volume=iv.volume,
                aht_s=iv.aht_s,
                required_agents=iv.required_agents,
                scheduled=iv.scheduled,
            )
            for iv in req.intervals
        ],
    )


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
    """
    record, queue = _get(session, forecast_id, scope)
    volume = np.array([iv.volume for iv in record.intervals]) * _factors(
        record, [iv.interval_local_min for iv in record.intervals]
    )
    aht = np.array([iv.aht_s for iv in record.intervals], dtype=np.float64)
    busy = volume > 0
    if np.any(busy & ~(aht > 0)):
        raise _invalid(
            f"forecast {forecast_id} has intervals with contacts but no handle time (aht_s 0)",
            "aht_s",
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
        shrinkage_json=json.dumps(data.shrinkage),
        staffing_model=model,
    )
    for iv, v, a, s in zip(record.intervals, volume, agents, scheduled, strict=True):
        req.intervals.append(
            RequirementInterval(
                interval_local_min=iv.interval_local_min,
                utc_offset_min=iv.utc_offset_min,
                interval_start=iv.interval_start,
                volume=float(v),
                aht_s=iv.aht_s,
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
    record, queue = _get(session, req.forecast_id, scope)
    return _requirement_out(session, req, record, queue)


def list_requirements(
    *, session: Session, forecast_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.RequirementSummaryOut]:
    """List the staffing requirements built from a forecast, newest first."""
    _get(session, forecast_id, scope)
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
            total_shrinkage=sum(json.loads(req.shrinkage_json).values()),
            peak_required=int(peak_required or 0),
            peak_scheduled=int(peak_scheduled or 0),
        )
        for req, peak_required, peak_scheduled in rows
    ]


# --- capacity plan --------------------------------------------------------------------------------


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
    record, queue = _get(session, data.forecast_id, scope)
    full_weeks = record.horizon_days // 7
    if full_weeks < 1:
        raise _invalid(
            f"forecast_id: forecast {record.id} covers {record.horizon_days} days; a capacity "
            "plan needs at least one whole week",
            "forecast_id",
        )
    day0 = _day_min(record.first_day)
    volume = np.array([iv.volume for iv in record.intervals]) * _factors(
        record, [iv.interval_local_min for iv in record.intervals]
    )
    aht = np.array([iv.aht_s for iv in record.intervals], dtype=np.float64)
    week = (np.array([iv.interval_local_min for iv in record.intervals]) - day0) // (
        7 * MIN_PER_DAY
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
    _record, queue = _get(session, plan.forecast_id, scope)
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
        _get(session, forecast_id, scope)
        stmt = stmt.where(CapacityPlan.forecast_id == forecast_id)
    if scope.site_ids is not None:
        stmt = stmt.where(Queue.site_id.in_(sorted(scope.site_ids)))
    rows = session.execute(stmt.order_by(CapacityPlan.id.desc())).all()
    return [_plan_out(plan, queue) for plan, queue in rows]
