"""Forecast use cases: history, builds with backtests, adjustments, accuracy, requirements and
capacity plans, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ccops.contacts.models import IntervalReport
from ccops.engines import forecasting as fc
from ccops.engines import queueing
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import service as org_service
from ccops.wfm.capacity import schemas as capacity_schemas
from ccops.wfm.capacity import service as capacity_service
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as fs
from ccops.wfm.forecasts import special_days as special_day_service
from ccops.wfm.forecasts.models import Forecast, ForecastAdjustment, ForecastInterval
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas
from tests.factories import make_org
from tests.factories.history import SHANGHAI_OFFSET_MIN, add_history, weekday_profile

FIRST = date(2026, 5, 11)  # a Monday, clear of Chinese public holidays for five weeks


def _local_min(day: date, minute: int = 0) -> int:
    return (day - date(1970, 1, 1)).days * 1440 + minute


@pytest.fixture
def org(session: Session) -> Session:
    make_org(session, timezone="Asia/Shanghai", queues=("Sales",))
    return session


def _build(session: Session, **kw: object) -> schemas.ForecastDetailOut:
    data = {"queue": "Sales", "horizon_days": 7, "interval_min": 30, **kw}
    return fs.build_forecast(
        session=session, data=schemas.ForecastBuildIn.model_validate(data), created_by="tester"
    )


def test_history_marks_empty_days_as_outage_and_closed_hours_as_zero(org: Session) -> None:
    add_history(
        org, queue="Sales", first_day=FIRST, days=3, skip_days=frozenset({FIRST + timedelta(1)})
    )
    queue = org_service.get_queue(session=org, name="Sales")
    series, source = fs.history_series(session=org, queue=queue, interval_min=30)
    assert source == "contacts"
    assert series.first_day == np.datetime64(FIRST.isoformat())
    assert series.values.size == 3 * 48
    day1, day2, day3 = series.values[:48], series.values[48:96], series.values[96:]
    assert day1[0] == 0.0  # a closed night inside an active day is a real zero
    assert day1[16] == 5.0  # Monday 08:00: 3 + 2
    assert np.isnan(day2).all()  # no record all day: an outage, not zero demand
    assert day3[20] == 4.0  # Wednesday 10:00: 3 + 1
    assert series.aht_s is not None
    assert series.aht_s[16] == pytest.approx(120.0)  # talk 100 + wrap 20


def test_history_falls_back_to_interval_reports(org: Session) -> None:
    queue = org_service.get_queue(session=org, name="Sales")
    for k, (offered, handle) in enumerate([(4, 800.0), (6, 1800.0)]):
        local = _local_min(FIRST, 600 + 30 * k)
        org.add(
            IntervalReport(
                source="acd",
                queue_id=queue.id,
                interval_start=datetime(1970, 1, 1, tzinfo=UTC)
                + timedelta(minutes=local - SHANGHAI_OFFSET_MIN),
                interval_local_min=local,
                utc_offset_min=SHANGHAI_OFFSET_MIN,
                interval_min=30,
                offered=offered,
                answered=offered,
                abandoned=0,
                handle_s=handle,
                content_hash="x",
            )
        )
    org.flush()
    series, source = fs.history_series(session=org, queue=queue, interval_min=30)
    assert source == "interval_reports"
    assert series.values[20:22].tolist() == [4.0, 6.0]
    assert series.aht_s is not None
    assert series.aht_s[20:22].tolist() == [200.0, 300.0]
    with pytest.raises(Invalid, match="interval_min: .* 30-minute interval reports"):
        fs.history_series(session=org, queue=queue, interval_min=15)


def test_build_stores_the_method_with_the_lowest_7_day_wmape(org: Session) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=28)
    out = _build(org, methods=["HistoricalAverage"])
    assert [r.method for r in out.accuracy if r.horizon_days == 7] == [
        "SeasonalNaive",
        "HistoricalAverage",
    ]
    chosen = [r for r in out.accuracy if r.chosen and r.horizon_days == 7]
    assert len(chosen) == 1 and chosen[0].method == out.method
    assert out.chosen_wmape_7d is not None and out.seasonal_naive_wmape_7d is not None
    assert out.chosen_wmape_7d <= out.seasonal_naive_wmape_7d
    assert out.first_day == FIRST + timedelta(28) and out.last_day == FIRST + timedelta(34)
    assert len(out.intervals) == 7 * 48
    first = out.intervals[0]
    assert first.local_start == datetime(2026, 6, 8, 0, 0)
    assert first.interval_start == datetime(2026, 6, 7, 16, 0, tzinfo=UTC)
    monday_8 = out.intervals[16]
    assert monday_8.volume == pytest.approx(5.0)  # every week alike: the forecast repeats it
    assert monday_8.aht_s == pytest.approx(120.0)
    assert monday_8.lo95 <= monday_8.lo80 <= monday_8.volume <= monday_8.hi80 <= monday_8.hi95
    stored = org.get(Forecast, out.id)
    assert stored is not None and stored.created_by == "tester"
    assert stored.history_source == "contacts"
    listed = fs.list_forecasts(session=org, queue="Sales")
    assert [f.id for f in listed] == [out.id]


def test_naming_a_combination_of_the_best_backtests_the_combinations(org: Session) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=28)
    out = _build(org, methods=["HistoricalAverage", "TopDown", "MeanOfBest2"])
    names = [r.method for r in out.accuracy if r.horizon_days == 7]
    assert names == [
        "SeasonalNaive",
        "HistoricalAverage",
        "TopDown",
        "MeanOfBest2",
        "MeanOfBest3",
        "WeightedBest3",
    ]
    # every week alike: the combinations cannot be told from the simplest method, used
    assert out.method == "HistoricalAverage"
    assert fs.method_names()[-3:] == list(fc.BEST_COMBINATIONS)


def test_short_history_skips_methods_with_a_reason_and_keeps_seasonal_naive(
    org: Session,
) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=10)
    out = _build(org, horizon_days=3)
    assert out.method == "SeasonalNaive"
    assert out.chosen_wmape_7d is None
    assert "too little to backtest at 7 days" in out.notes
    rows = fs.backtest_queue(session=org, data=schemas.BacktestIn(queue="Sales", interval_min=30))
    naive = [r for r in rows if r.method == "SeasonalNaive"]
    assert naive and naive[0].wmape is not None and naive[0].skipped_reason is None
    mstl = [r for r in rows if r.method == "MSTL"]
    assert mstl[0].skipped_reason and "needs 21 days of history" in mstl[0].skipped_reason


def test_bad_input_is_refused_with_the_field_named(org: Session) -> None:
    with pytest.raises(Invalid, match="has no contacts or interval reports"):
        _build(org)
    add_history(org, queue="Sales", first_day=FIRST, days=14)
    with pytest.raises(Invalid, match="horizon_days: 20 days reaches further ahead than the 14"):
        _build(org, horizon_days=20)
    with pytest.raises(NotFound, match="queue 'Nope' does not exist"):
        _build(org, queue="Nope")
    with pytest.raises(Invalid, match="methods: unknown Magic"):
        _build(org, methods=["Magic"])
    with pytest.raises(ValidationError, match="horizon_days"):
        schemas.ForecastBuildIn(queue="Sales", horizon_days=-1)
    with pytest.raises(ValidationError, match="horizon_days"):
        schemas.ForecastBuildIn.model_validate({"queue": "Sales", "horizon_days": "lots"})
    assert org.query(Forecast).count() == 0  # nothing stored half


def test_adjustments_are_layers_that_multiply(org: Session) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=14)
    out = _build(org, horizon_days=2)
    monday = out.first_day
    fs.adjust_forecast(
        session=org,
        forecast_id=out.id,
        data=schemas.AdjustmentIn(factor=1.5, reason="launch", day=monday),
        created_by="p",
    )
    adjusted = fs.adjust_forecast(
        session=org,
        forecast_id=out.id,
        data=schemas.AdjustmentIn(
            factor=2.0,
            reason="mail-out",
            start=datetime(2026, 5, 25, 9, 0),
            end=datetime(2026, 5, 25, 10, 0),
        ),
        created_by="p",
    )
    assert len(adjusted.adjustments) == 2
    by_local = {iv.local_start: iv for iv in adjusted.intervals}
    nine = by_local[datetime(2026, 5, 25, 9, 0)]
    assert nine.factor == pytest.approx(3.0)
    assert nine.adjusted_volume == pytest.approx(nine.volume * 3.0)
    assert by_local[datetime(2026, 5, 25, 10, 0)].factor == pytest.approx(1.5)
    assert by_local[datetime(2026, 5, 26, 9, 0)].factor == 1.0
    originals = {iv.local_start: iv.volume for iv in out.intervals}
    assert all(originals[iv.local_start] == iv.volume for iv in adjusted.intervals)
    assert org.query(ForecastAdjustment).count() == 2
    with pytest.raises(ValidationError, match="factor"):
        schemas.AdjustmentIn(factor=-1, reason="x", day=monday)
    bad = schemas.AdjustmentIn.model_construct(factor=-1.0, reason="x", day=monday)
    with pytest.raises(Invalid, match="factor must be a positive number"):
        fs.adjust_forecast(session=org, forecast_id=out.id, data=bad, created_by="p")
    with pytest.raises(Invalid, match="covers no interval"):
        fs.adjust_forecast(
            session=org,
            forecast_id=out.id,
            data=schemas.AdjustmentIn(factor=2, reason="x", day=date(2027, 1, 1)),
            created_by="p",
        )
    with pytest.raises(NotFound, match="forecast 999 does not exist"):
        fs.get_forecast(session=org, forecast_id=999)


def _stored_forecast(session: Session, volumes: list[float], aht_s: float, days: int = 1) -> int:
    """A forecast written directly: 30-minute intervals from FIRST 10:00 local."""
    queue = org_service.get_queue(session=session, name="Sales")
    record = Forecast(
        queue_id=queue.id,
        method="Manual",
        created_by="t",
        horizon_days=days,
        interval_min=30,
        first_day=FIRST,
        last_day=FIRST + timedelta(days - 1),
        history_source="contacts",
    )
    for k, v in enumerate(volumes):
        local = _local_min(FIRST, 600) + 30 * k
        record.intervals.append(
            ForecastInterval(
                interval_local_min=local,
                utc_offset_min=SHANGHAI_OFFSET_MIN,
                interval_start=datetime(1970, 1, 1, tzinfo=UTC)
                + timedelta(minutes=local - SHANGHAI_OFFSET_MIN),
                volume=v,
                lo80=v,
                hi80=v,
                lo95=v,
                hi95=v,
                aht_s=aht_s,
            )
        )
    session.add(record)
    session.flush()
    return record.id


def test_forecast_versus_actual_by_hand(org: Session) -> None:
    actual = {20: 3, 21: 4, 22: 1}  # slots 10:00, 10:30, 11:00 on FIRST

    add_history(org, queue="Sales", first_day=FIRST, days=1, volume=lambda _d, s: actual.get(s, 0))
    forecast_id = _stored_forecast(org, [2.0, 4.0, 0.0], 120.0)
    fs.adjust_forecast(
        session=org,
        forecast_id=forecast_id,
        data=schemas.AdjustmentIn(
            factor=1.5,
            reason="x",
            start=datetime(2026, 5, 11, 10),
            end=datetime(2026, 5, 11, 10, 30),
        ),
        created_by="p",
    )
    out = fs.forecast_vs_actual(session=org, forecast_id=forecast_id)
    assert [r.actual for r in out.intervals] == [3.0, 4.0, 1.0]
    assert [r.adjusted for r in out.intervals] == [3.0, 4.0, 0.0]
    assert [r.error for r in out.intervals] == [0.0, 0.0, -1.0]
    assert out.scored_intervals == 3
    assert out.actual_total == 8.0
    assert out.wmape == pytest.approx(2 / 8)  # |2-3| + |4-4| + |0-1|
    assert out.mae == pytest.approx(2 / 3)
    assert out.wmape_adjusted == pytest.approx(1 / 8)
    assert out.mae_adjusted == pytest.approx(1 / 3)


def test_requirement_uses_the_staffing_engine_and_adds_shrinkage(org: Session) -> None:
    forecast_id = _stored_forecast(org, [0.0, 10.0, 40.0, 90.0], 180.0)
    out = requirement_service.build_requirement(
        session=org,
        forecast_id=forecast_id,
        data=staffing_schemas.RequirementIn(breaks=0.1, training=0.05, absence=0.05),
        created_by="p",
    )
    queue = org_service.get_queue(session=org, name="Sales")
    expected = [
        0
        if v == 0
        else queueing.required_agents(
            v / 1800, 180.0, service_level=queue.service_level_goal, target_s=queue.target_s
        )
        for v in (0.0, 10.0, 40.0, 90.0)
    ]
    assert [iv.required_agents for iv in out.intervals] == expected
    assert out.total_shrinkage == pytest.approx(0.2)
    assert [iv.scheduled for iv in out.intervals] == [math.ceil(a / 0.8 - 1e-9) for a in expected]
    assert requirement_service.get_requirement(session=org, requirement_id=out.id) == out
    with pytest.raises(ValidationError, match="100% or more"):
        staffing_schemas.RequirementIn(breaks=0.5, absence=0.5)


def test_plan_weeks_by_hand() -> None:
    # 10 FTE, no attrition, train 1 week, 50% in the first week after go-live
    rows = capacity_service.plan_weeks(
        required_fte=[10, 12, 12, 12],
        current_fte=10,
        attrition_weekly=0.0,
        lead_time_weeks=0,
        training_weeks=1,
        ramp=[0.5],
    )
    assert [r["hires_start"] for r in rows] == [2, 0, 0, 0]  # start in week 0 for week 1
    assert [r["available_fte"] for r in rows] == [10, 11, 12, 12]
    assert [r["gap_fte"] for r in rows] == [0, 1, 0, 0]  # the ramp deficit shows
    # attrition 10% a week: 10, 9, 8.1 -> one hire in week 2 (no training, no lead time)
    rows = capacity_service.plan_weeks(
        required_fte=[9, 9, 9],
        current_fte=10,
        attrition_weekly=0.1,
        lead_time_weeks=0,
        training_weeks=0,
        ramp=[],
    )
    assert [r["hires_start"] for r in rows] == [0, 0, 1]
    assert rows[2]["available_fte"] == pytest.approx(9.1)
    # a lead time of 2 weeks: the week-1 shortfall cannot be closed
    rows = capacity_service.plan_weeks(
        required_fte=[10, 12, 12],
        current_fte=10,
        attrition_weekly=0.0,
        lead_time_weeks=2,
        training_weeks=0,
        ramp=[],
    )
    assert [r["hires_start"] for r in rows] == [0, 0, 2]
    assert [r["gap_fte"] for r in rows] == [0, 2, 0]


def test_capacity_plan_workload_arithmetic(org: Session) -> None:
    # 7 intervals of 36 contacts x 100 s = 1 h each; at 50% occupancy 2 h; 14 h a week
    forecast_id = _stored_forecast(org, [36.0] * 7, 100.0, days=7)
    out = capacity_service.capacity_plan(
        session=org,
        data=capacity_schemas.CapacityPlanIn(
            forecast_id=forecast_id,
            current_fte=1.0,
            hours_per_fte_week=10.0,
            occupancy=0.5,
            shrinkage=0.3,
            attrition_weekly=0.0,
            lead_time_weeks=0,
            training_weeks=0,
            ramp=[],
            weeks=3,
        ),
        created_by="p",
    )
    assert [w.workload_h for w in out.weeks] == pytest.approx([14.0, 14.0, 14.0])
    assert [w.from_forecast for w in out.weeks] == [True, False, False]
    assert [w.required_fte for w in out.weeks] == pytest.approx([2.0, 2.0, 2.0])  # 14 / (10 x 0.7)
    assert [w.hires_start for w in out.weeks] == [1, 0, 0]
    assert out.total_hires == 1
    assert [w.gap_fte for w in out.weeks] == pytest.approx([0.0, 0.0, 0.0])
    assert "repeat the mean workload" in out.notes
    assert capacity_service.get_capacity_plan(session=org, plan_id=out.id) == out


def test_planned_special_day_scales_its_day(org: Session) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=14)
    base = _build(org, horizon_days=2, methods=["SeasonalNaive"])
    special = special_day_service.add_special_day(
        session=org,
        data=schemas.SpecialDayIn(
            site="Main",
            queue="Sales",
            day=date(2026, 5, 26),
            kind="launch",
            name="X",
            effect_pct=50,
        ),
    )
    assert special.queue == "Sales"
    listed = special_day_service.list_special_days(session=org, site="Main")
    assert [d.id for d in listed] == [special.id]
    with pytest.raises(Conflict, match="already has a launch special day on 2026-05-26"):
        special_day_service.add_special_day(
            session=org,
            data=schemas.SpecialDayIn(site="Main", day=date(2026, 5, 26), kind="launch", name="Y"),
        )
    latest = special_day_service.latest_launch(session=org, on_or_before=date(2026, 6, 30))
    assert latest == date(2026, 5, 26)  # what `--date launch` means in a command
    with pytest.raises(Invalid, match="no launch day is stored"):
        special_day_service.latest_launch(session=org, on_or_before=date(2026, 5, 25))
    planned = _build(org, horizon_days=2, methods=["SeasonalNaive"])
    monday = [iv.volume for iv in planned.intervals[:48]]
    tuesday = [iv.volume for iv in planned.intervals[48:]]
    assert monday == [iv.volume for iv in base.intervals[:48]]
    assert tuesday == pytest.approx([1.5 * iv.volume for iv in base.intervals[48:]])


def test_daylight_saving_slots_map_to_utc() -> None:
    zone = ZoneInfo("Europe/London")
    fall_back = _local_min(date(2026, 10, 25), 60)  # 01:00 happens twice
    spring = _local_min(date(2026, 3, 29), 60)  # 01:00 does not happen
    rows = fs._utc_rows(np.array([fall_back, spring, spring + 120], dtype=np.int64), zone)
    assert [(i, off) for i, _m, off, _utc in rows] == [(0, 60), (0, 0), (2, 60)]
    assert rows[0][3] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert rows[1][3] == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


def test_a_forecast_as_of_a_day_reads_only_the_history_before_it(org: Session) -> None:
    """A forecast as a planner would have made it before a week (the demo's launch week):
    the days from ``as_of`` on are neither history nor backtest, however many contacts they had."""
    as_of = FIRST + timedelta(days=21)

    def surge_in_week_4(day: date, slot: int) -> int:
        return weekday_profile(day, slot) * (2 if day >= as_of else 1)

    add_history(org, queue="Sales", first_day=FIRST, days=28, volume=surge_in_week_4)
    before = _build(org, methods=["SeasonalNaive"], as_of=as_of.isoformat())
    assert before.first_day == as_of and before.last_day == as_of + timedelta(days=6)
    after = _build(org, methods=["SeasonalNaive"])  # made after the surge week
    assert after.first_day == as_of + timedelta(days=7)
    volume_before = sum(iv.volume for iv in before.intervals)
    assert volume_before == pytest.approx(
        sum(weekday_profile(as_of + timedelta(days=k), s) for k in range(7) for s in range(48))
    )
    assert sum(iv.volume for iv in after.intervals) == pytest.approx(2 * volume_before)


def test_requirement_staffs_to_a_percentile_of_the_band_and_says_so(org: Session) -> None:
    forecast_id = _stored_forecast(org, [0.0, 10.0, 40.0, 90.0], 180.0)
    record = org.get(Forecast, forecast_id)
    assert record is not None
    for iv in record.intervals:  # bands: 80% up to +10, 95% up to +20 where open
        if iv.volume > 0:
            iv.hi80, iv.hi95 = iv.volume + 10.0, iv.volume + 20.0
    org.flush()

    def build(p: float | None) -> list[float]:
        out = requirement_service.build_requirement(
            session=org,
            forecast_id=forecast_id,
            data=staffing_schemas.RequirementIn(volume_percentile=p),
            created_by="p",
        )
        assert out.volume_percentile == p
        assert requirement_service.get_requirement(session=org, requirement_id=out.id) == out
        return [iv.volume for iv in out.intervals]

    assert build(None) == [0.0, 10.0, 40.0, 90.0]
    assert build(50) == pytest.approx([0.0, 10.0, 40.0, 90.0])
    assert build(90) == pytest.approx([0.0, 20.0, 50.0, 100.0])  # the 80% band's top
    assert build(97.5) == pytest.approx([0.0, 30.0, 60.0, 110.0])  # the 95% band's top
    z80, z90 = 0.8416212335729143, 1.2815515655446004
    assert build(80) == pytest.approx(
        [0.0, 10 + 10 * z80 / z90, 40 + 10 * z80 / z90, 90 + 10 * z80 / z90]
    )
    listed = requirement_service.list_requirements(session=org, forecast_id=forecast_id)
    assert [r.volume_percentile for r in listed] == [80, 97.5, 90, 50, None]
    with pytest.raises(ValidationError, match="volume_percentile"):
        staffing_schemas.RequirementIn(volume_percentile=99)


def test_build_reports_recalibrated_band_coverage_and_the_choice(org: Session) -> None:
    add_history(org, queue="Sales", first_day=FIRST, days=28)
    out = _build(org)
    names = [r.method for r in out.accuracy if r.horizon_days == 7]
    assert names[:2] == ["SeasonalNaive", "HistoricalAverage"]
    assert "Combination" in names and "TopDownShrunk" in names
    assert names[-3:] == ["MeanOfBest2", "MeanOfBest3", "WeightedBest3"]  # best-k, backtested
    scored = [r for r in out.accuracy if r.skipped_reason is None and r.n_origins >= 2]
    assert scored and all(r.calibrated_coverage80 is not None for r in scored)
    # per lead day: a factor and a leave-one-origin-out coverage for each day 1..h, stored
    for r in scored:
        assert len(r.lead_calibration80) == len(r.lead_coverage95) == r.horizon_days
        assert all(c is not None and 0.0 <= c <= 1.0 for c in r.lead_coverage80)
    # every week alike: nothing tells the methods apart, the simplest non-naive one is used
    assert out.method == "HistoricalAverage"
    assert "cannot tell" in out.notes
    assert all(iv.lo95 <= iv.lo80 <= iv.volume <= iv.hi80 <= iv.hi95 for iv in out.intervals)
