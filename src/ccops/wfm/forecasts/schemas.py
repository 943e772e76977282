"""Input and output shapes of forecasts, backtests, adjustments, accuracy and special days;
validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Day, Moment
from ccops.names import NameText


class ForecastBuildIn(BaseModel):
    """What to forecast: a queue, how far ahead, at which interval length."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    queue: str = Field(min_length=1, description="Queue name")
    horizon_days: int = Field(default=28, ge=1, le=366, description="Days to forecast")
    interval_min: Literal[15, 30] = Field(default=15, description="Interval length, minutes")
    methods: list[str] | None = Field(
        default=None, description="Methods to compare (default: all built-in)"
    )
    backtest_weeks: int = Field(default=3, ge=1, le=26, description="Weeks of backtest origins")
    as_of: Day | None = Field(
        default=None,
        description="Forecast as it would have been made on this local day: only the history "
        "before it is read, and the forecast starts on it (default: after the last history day)",
    )
    notes: str = Field(default="", max_length=2000)


class BacktestIn(BaseModel):
    """A backtest request for one queue."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    queue: str = Field(min_length=1)
    interval_min: Literal[15, 30] = 15
    methods: list[str] | None = None
    backtest_weeks: int = Field(default=3, ge=1, le=26)


class BacktestRowOut(BaseModel):
    """Accuracy of one method at one horizon (None where not measurable)."""

    method: str
    horizon_days: int
    mae: float | None
    rmse: float | None
    wmape: float | None
    mase: float | None
    coverage80: float | None = None
    coverage95: float | None = None
    calibrated_coverage80: float | None = Field(
        default=None,
        description="Coverage of the recalibrated 80% band (each origin scored with the "
        "conformal factor learned on the others)",
    )
    calibrated_coverage95: float | None = Field(
        default=None, description="Likewise for the 95% band"
    )
    lead_calibration80: list[float | None] = Field(
        default_factory=list,
        description="Conformal factor of the 80% band per lead day 1..horizon (the multiplier "
        "of the method's band half-widths for the d-th day ahead)",
    )
    lead_calibration95: list[float | None] = Field(
        default_factory=list, description="Likewise for the 95% band"
    )
    lead_coverage80: list[float | None] = Field(
        default_factory=list,
        description="Per lead day 1..horizon, the coverage of the recalibrated 80% band, each "
        "origin scored with the factor learned on the others",
    )
    lead_coverage95: list[float | None] = Field(
        default_factory=list, description="Likewise for the 95% band"
    )
    n_origins: int = 0
    skipped_reason: str | None = None
    chosen: bool = False


class AdjustmentIn(BaseModel):
    """A factor on one local day, or on the intervals starting in [start, end) local time."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    factor: float = Field(gt=0, le=100, description="Multiplier of the volume, > 0")
    reason: str = Field(min_length=1, max_length=500)
    day: Day | None = Field(default=None, description="Local day to adjust")
    start: Moment | None = Field(default=None, description="Local wall-clock start")
    end: Moment | None = Field(default=None, description="Local wall-clock end (exclusive)")

    @model_validator(mode="after")
    def _range(self) -> AdjustmentIn:
        if (self.day is None) == (self.start is None and self.end is None):
            raise ValueError("give either day or start and end")
        if self.day is None and (self.start is None or self.end is None):
            raise ValueError("start and end must be given together")
        if self.start is not None and self.end is not None:
            if self.start.tzinfo is not None or self.end.tzinfo is not None:
                raise ValueError("start and end are local wall-clock times, without a zone")
            if self.end <= self.start:
                raise ValueError("end must be after start")
        return self


class AdjustmentOut(BaseModel):
    """A stored adjustment layer."""

    id: int
    created_by: str
    created_at: datetime
    first_local: datetime
    last_local: datetime
    factor: float
    reason: str


class ForecastOut(BaseModel):
    """A stored forecast (without its intervals)."""

    id: int
    queue: str
    method: str
    created_by: str
    created_at: datetime
    horizon_days: int
    interval_min: int
    first_day: date
    last_day: date
    history_source: str
    chosen_wmape_7d: float | None
    seasonal_naive_wmape_7d: float | None
    notes: str
    accuracy: list[BacktestRowOut]
    adjustments: list[AdjustmentOut]
    build_seconds: float | None = None


class ForecastIntervalOut(BaseModel):
    """One forecast interval; ``adjusted_volume`` applies every adjustment covering it."""

    interval_start: datetime
    local_start: datetime
    utc_offset_min: int
    volume: float
    adjusted_volume: float
    factor: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    aht_s: float


class ForecastDetailOut(ForecastOut):
    """A forecast with its intervals."""

    intervals: list[ForecastIntervalOut]


class AccuracyRowOut(BaseModel):
    """Forecast against actual for one interval (actual None: no data that day)."""

    interval_start: datetime
    local_start: datetime
    forecast: float
    adjusted: float
    actual: float | None
    error: float | None = Field(description="adjusted - actual")


class AccuracyOut(BaseModel):
    """Forecast against actual, per interval and in summary."""

    forecast_id: int
    queue: str
    scored_intervals: int
    actual_total: float
    forecast_total: float
    adjusted_total: float
    wmape: float | None = Field(description="sum|forecast - actual| / sum actual")
    mae: float | None
    wmape_adjusted: float | None
    mae_adjusted: float | None
    intervals: list[AccuracyRowOut]


class SpecialDayIn(BaseModel):
    """A special day of a site, or of one queue at it, with an optional planned effect."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1)
    queue: str | None = None
    day: Day
    kind: NameText = Field(min_length=1, max_length=100, description="e.g. launch, bill_run")
    name: NameText = Field(min_length=1, max_length=200)
    effect_pct: float | None = Field(
        default=None,
        ge=-100,
        le=10_000,
        description="Percent change of the day's volume; None: learn it",
    )


class SpecialDayOut(BaseModel):
    """A stored special day."""

    id: int
    site: str
    queue: str | None
    day: date
    kind: str
    name: str
    effect_pct: float | None
