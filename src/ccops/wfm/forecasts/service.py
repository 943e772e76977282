"""Forecasts: history, backtests, builds, adjustments and forecast-versus-actual, the use cases on
top of ``engines.forecasting``. Special days are in ``special_days``; the staffing requirement
and the capacity plan built from a forecast are in ``wfm.staffing.requirements`` and
``wfm.capacity.service``.

History is read per queue on the site's local wall-clock grid: from contacts (count per slot of
``arrival_local_min``; handle time = talk + hold + wrap of answered contacts, volume-weighted)
or, when the queue has no contacts, from imported interval reports (offered; handle_s / answered).
A local day with no record at all is an outage (NaN, excluded from training and scoring); an
empty slot inside a day that has records is a real zero (a quiet or closed hour).
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
from ccops.errors import Forbidden, Invalid, NotFound, Problem
from ccops.metrics import cache as kpi_cache
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import special_days as special_day_service
from ccops.wfm.forecasts.models import Forecast, ForecastAdjustment, ForecastInterval

EPOCH = datetime(1970, 1, 1)
UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_PER_DAY = 1440
BACKTEST_HORIZONS = (1, 7, 28)
DECIDING_HORIZON = 7
BACKTEST_STEP_DAYS = 7
"""Days between backtest origins: weekly origins over the last ``backtest_weeks`` weeks keep a
build of 13 weeks of 15-minute history (five methods, MSTL and AutoETS included) to about five
seconds; each origin's forecast is still scored on every weekday at the 7- and 28-day horizons."""

FloatArray = NDArray[np.float64]
Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: how far a long build is (0-1) and what it is doing."""


def _no_progress(fraction: float, message: str) -> None:
    """Ignore progress (a build nobody watches)."""


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


def local_time(minute: int) -> datetime:
    """The local wall-clock time of a local minute (minutes since 1970-01-01 00:00 local)."""
    return EPOCH + timedelta(minutes=int(minute))


def _local_min(at: datetime) -> int:
    return int((at - EPOCH).total_seconds() // 60)


def day_start_min(day: date) -> int:
    """The local minute at which a local day starts."""
    return (day - EPOCH.date()).days * MIN_PER_DAY


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _rounded(values: Sequence[float]) -> list[float | None]:
    """Per-lead-day figures for the stored accuracy: 4 decimals, None where not measured."""
    return [None if not math.isfinite(x) else round(float(x), 4) for x in values]


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


def _recent_history(
    session: Session, queue_id: int, interval_min: int, first_local_min: int, end_local_min: int
) -> tuple[list[str], list[float]]:
    queue = session.get(Queue, queue_id)
    assert queue is not None
    series, _source = history_series(
        session=session,
        queue=queue,
        interval_min=interval_min,
        first_local_min=first_local_min,
        end_local_min=end_local_min,
    )
    starts = series.start.astype("datetime64[m]").astype(object).tolist()
    return [s.strftime("%Y-%m-%d %H:%M") for s in starts], series.values.tolist()


def recent_history(
    *, session: Session, queue_id: int, interval_min: int, end_local_min: int, days: int
) -> tuple[list[str], list[float]]:
    """Return the local start ("YYYY-MM-DD HH:MM") and volume of each interval of the ``days``
    days before local minute ``end_local_min`` (NaN: a day without data), for a chart.

    Raises:
        Invalid: The queue has no history.
    """
    first = end_local_min - days * MIN_PER_DAY
    labels, values = kpi_cache.session_cached(
        session,
        ("forecast_page_history", queue_id, interval_min, end_local_min),
        lambda own: _recent_history(own, queue_id, interval_min, first, end_local_min),
        rows=lambda found: len(found[0]),
    )
    return list(labels), list(values)


# --- backtests and builds ------------------------------------------------------------------------


def method_names() -> list[str]:
    """Names of the built-in forecasting methods, in the order a build compares them: the
    single methods and the fixed combination, then the combinations of the backtest's best
    methods (:data:`fc.BEST_COMBINATIONS`)."""
    return [m.name for m in fc.candidate_methods()] + list(fc.BEST_COMBINATIONS)


def _methods(names: Sequence[str] | None) -> tuple[list[fc.Method], bool]:
    """The methods to backtest, and whether the combinations of the best are backtested too
    (all methods by default; with ``names``, when one of them is named)."""
    available = {m.name: m for m in fc.candidate_methods()}
    if names is None:
        return list(available.values()), True
    unknown = [n for n in names if n not in available and n not in fc.BEST_COMBINATIONS]
    if unknown:
        known = ", ".join([*available, *fc.BEST_COMBINATIONS])
        raise _invalid(f"methods: unknown {', '.join(unknown)}; known: {known}", "methods")
    chosen = [available[n] for n in dict.fromkeys(names) if n in available]
    naive = fc.SeasonalNaive()
    if naive.name not in names:
        chosen.insert(0, naive)  # the benchmark every method must beat
    return chosen, any(n in fc.BEST_COMBINATIONS for n in names)


def _run_backtest(
    series: fc.Series,
    methods: Sequence[fc.Method],
    calendar: fc.EventCalendar,
    weeks: int,
    queue: Queue,
    progress: Progress = _no_progress,
    span: tuple[float, float] = (0.0, 1.0),
    *,
    combine_best: bool = True,
) -> tuple[list[fc.BacktestRow], fc.Choice | None]:
    """Backtest the methods together (a combination reuses its members' forecasts; with
    ``combine_best`` the combinations of the best are backtested too), choose at 7 days the
    simplest method the backtest cannot tell from the best (:func:`fc.choose`).

    Origins are every week, or every day under ``fc.SHORT_HISTORY_DAYS`` of history (a short
    history has too few weekly origins to tell methods apart)."""
    whole_days = int(series.history_days())
    horizons = [h for h in BACKTEST_HORIZONS if whole_days >= 7 + h]
    if not horizons:
        return [], None
    step = 1 if whole_days < fc.SHORT_HISTORY_DAYS else BACKTEST_STEP_DAYS
    progress(span[0], f"backtesting {len(methods)} methods")
    try:
        rows = fc.backtest(
            series,
            methods,
            horizons,
            weeks=weeks,
            step_days=step,
            calendar=calendar,
            combine_best=combine_best,
            deciding_horizon=DECIDING_HORIZON,
        )
    except fc.ForecastInputError as exc:
        raise _invalid(f"backtest of queue {queue.name!r}: {exc}", "history") from None
    try:
        choice: fc.Choice | None = fc.choose(rows, DECIDING_HORIZON, step_days=step)
    except fc.ForecastInputError:
        choice = None
    return rows, choice


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
        calibrated_coverage80=_clean(row.calibrated_coverage80),
        calibrated_coverage95=_clean(row.calibrated_coverage95),
        lead_calibration80=_rounded(row.lead_calibration80),
        lead_calibration95=_rounded(row.lead_calibration95),
        lead_coverage80=_rounded(row.lead_coverage80),
        lead_coverage95=_rounded(row.lead_coverage95),
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
    calendar = special_day_service.calendar(
        session=session, queue=queue, first_year=first_year, last_year=int(str(series.end)[:4])
    )
    methods, combine = _methods(data.methods)
    rows, choice = _run_backtest(
        series, methods, calendar, data.backtest_weeks, queue, combine_best=combine
    )
    chosen = None if choice is None else choice.method
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
        naive = local_time(m)
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
    series, source = history_series(
        session=session,
        queue=queue,
        interval_min=data.interval_min,
        end_local_min=None if data.as_of is None else day_start_min(data.as_of),
    )
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
    calendar = special_day_service.calendar(
        session=session, queue=queue, first_year=first_year, last_year=last_day.year
    )
    methods, combine = _methods(data.methods)
    rows, choice = _run_backtest(
        series,
        methods,
        calendar,
        data.backtest_weeks,
        queue,
        progress,
        (0.05, 0.85),
        combine_best=combine,
    )
    notes: list[str] = [data.notes] if data.notes else []
    by_name: dict[str, fc.Method] = {m.name: m for m in methods}
    if combine:
        by_name.update((c.name, c) for c in fc.best_combinations(rows, methods, DECIDING_HORIZON))
    naive = fc.SeasonalNaive()
    chosen = None if choice is None else choice.method
    if choice is not None:
        notes.extend(choice.notes)
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
        forecast = fc.calibrate(forecast, rows, spd)
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


def forecast_and_queue(
    *, session: Session, forecast_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> tuple[Forecast, Queue]:
    """Return a stored forecast and its queue (NotFound; Forbidden outside ``scope``)."""
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


def adjustment_factors(record: Forecast, local_min: Sequence[int]) -> FloatArray:
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
                first_local=local_time(a.first_local_min),
                last_local=local_time(a.last_local_min),
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
    factor = adjustment_factors(record, [iv.local_min for iv in intervals])
    return schemas.ForecastDetailOut(
        **_summary(record, queue).model_dump(),
        intervals=[
            schemas.ForecastIntervalOut(
                interval_start=iv.start,
                local_start=local_time(iv.local_min),
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
    record, _queue_row = forecast_and_queue(session=session, forecast_id=forecast_id, scope=scope)
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
    record, _queue_row = forecast_and_queue(session=session, forecast_id=forecast_id, scope=scope)
    if data.day is not None:
        first = day_start_min(data.day)
        last = first + MIN_PER_DAY - record.interval_min
    else:
        assert data.start is not None and data.end is not None
        first = _local_min(data.start)
        last = _local_min(data.end) - 1
    covered = [iv for iv in record.intervals if first <= iv.interval_local_min <= last]
    if not covered:
        raise _invalid(
            f"the range {local_time(first)} to {local_time(last)} covers no interval of forecast "
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
    record, queue = forecast_and_queue(session=session, forecast_id=forecast_id, scope=scope)
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
    first = day_start_min(record.first_day)
    end = day_start_min(record.last_day) + MIN_PER_DAY
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
    factor = adjustment_factors(record, [iv.local_min for iv in intervals])
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
                local_start=local_time(iv.local_min),
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
