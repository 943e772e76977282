"""Input and output shapes of staffing and simulation; validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.db import RowId


class StaffingIn(BaseModel):
    """One interval's load and the goals to staff it for."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    calls: float = Field(ge=0, description="Contacts offered in the interval")
    interval_s: float = Field(default=1800, gt=0, le=86400, description="Interval length, s")
    aht_s: float = Field(gt=0, le=86400, description="Average handle time, s")
    target_s: float | None = Field(default=None, ge=0, description="Service-level threshold, s")
    service_level: float | None = Field(default=None, gt=0, lt=1, description="Goal fraction")
    asa_s: float | None = Field(default=None, gt=0, description="Goal average speed of answer")
    abandon_rate: float | None = Field(default=None, ge=0, lt=1, description="Goal abandonment")
    max_occupancy: float | None = Field(default=None, gt=0, le=1, description="Occupancy cap")
    patience_s: float | None = Field(
        default=None, gt=0, description="Mean patience (Erlang A); omitted means Erlang C"
    )
    shrinkage: float = Field(default=0.0, ge=0, lt=1, description="Share of paid time off-queue")

    @model_validator(mode="after")
    def _goals(self) -> StaffingIn:
        if self.service_level is not None and self.target_s is None:
            raise ValueError("service_level needs target_s (answered within how many seconds)")
        goals = (self.service_level, self.asa_s, self.abandon_rate, self.max_occupancy)
        if all(g is None for g in goals):
            raise ValueError(
                "give at least one goal: service_level, asa_s, abandon_rate or max_occupancy"
            )
        if self.abandon_rate is not None and self.patience_s is None:
            raise ValueError("abandon_rate needs patience_s: Erlang C has no abandonment")
        return self

    @property
    def rate_per_s(self) -> float:
        """Arrival rate in contacts per second."""
        return self.calls / self.interval_s


class StaffingSeriesIn(BaseModel):
    """A series of intervals (a day, a year) with one set of goals."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    calls: list[Annotated[float, Field(ge=0)]] = Field(min_length=1, max_length=1_000_000)
    interval_s: float = Field(default=1800, gt=0, le=86400)
    aht_s: float | list[Annotated[float, Field(gt=0)]] = Field(description="One or per interval")
    target_s: float | None = Field(default=None, ge=0)
    service_level: float | None = Field(default=None, gt=0, lt=1)
    asa_s: float | None = Field(default=None, gt=0)
    abandon_rate: float | None = Field(default=None, ge=0, lt=1)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    patience_s: float | None = Field(default=None, gt=0)
    shrinkage: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _goals(self) -> StaffingSeriesIn:
        if isinstance(self.aht_s, float) and not self.aht_s > 0:
            raise ValueError("aht_s must be greater than 0")
        if self.service_level is not None and self.target_s is None:
            raise ValueError("service_level needs target_s (answered within how many seconds)")
        if all(
            g is None
            for g in (self.service_level, self.asa_s, self.abandon_rate, self.max_occupancy)
        ):
            raise ValueError(
                "give at least one goal: service_level, asa_s, abandon_rate or max_occupancy"
            )
        return self


class StaffingSeriesOut(BaseModel):
    """Agents on the queue and people to schedule, per interval."""

    agents: list[int]
    scheduled: list[int]


class StaffingRow(BaseModel):
    """What one agent count achieves."""

    agents: int
    service_level: float | None
    asa_s: float | None = Field(
        description="Average speed of answer, s; null when waits grow without bound"
    )
    abandon_rate: float
    occupancy: float
    meets_goals: bool


class StaffingOut(BaseModel):
    """The smallest agent count meeting every goal, and the neighbourhood around it."""

    model: str
    load_erlangs: float
    agents: int
    scheduled: int
    service_level: float | None
    asa_s: float | None = Field(
        description="Average speed of answer, s; null when waits grow without bound"
    )
    abandon_rate: float
    occupancy: float
    table: list[StaffingRow]


class EstimateOut(BaseModel):
    """A simulated value with its confidence interval."""

    value: float | None
    low: float | None
    high: float | None


class SimulatedQueue(BaseModel):
    """Simulated KPIs of one queue with confidence intervals."""

    queue: str
    offered: int
    answered: int
    abandoned: int
    service_level: EstimateOut
    asa_s: EstimateOut
    abandon_rate: EstimateOut
    occupancy: EstimateOut


class SimulationOut(BaseModel):
    """What a scenario file produced."""

    method: str
    replications: int
    confidence: float
    target_s: float
    queues: list[SimulatedQueue]


# --- forecasts, requirements, capacity plans ---------------------------------------------------


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
    n_origins: int = 0
    skipped_reason: str | None = None
    chosen: bool = False


class AdjustmentIn(BaseModel):
    """A factor on one local day, or on the intervals starting in [start, end) local time."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    factor: float = Field(gt=0, le=100, description="Multiplier of the volume, > 0")
    reason: str = Field(min_length=1, max_length=500)
    day: date | None = Field(default=None, description="Local day to adjust")
    start: datetime | None = Field(default=None, description="Local wall-clock start")
    end: datetime | None = Field(default=None, description="Local wall-clock end (exclusive)")

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


Fraction = Annotated[float, Field(ge=0, lt=1)]


class RequirementIn(BaseModel):
    """Shrinkage by category (fractions of paid time) and an optional patience (Erlang A)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    breaks: Fraction = 0.0
    training: Fraction = 0.0
    coaching: Fraction = 0.0
    meetings: Fraction = 0.0
    absence: Fraction = 0.0
    patience_s: float | None = Field(default=None, gt=0)

    @property
    def shrinkage(self) -> dict[str, float]:
        """The categories by name."""
        return {
            "breaks": self.breaks,
            "training": self.training,
            "coaching": self.coaching,
            "meetings": self.meetings,
            "absence": self.absence,
        }

    @model_validator(mode="after")
    def _total(self) -> RequirementIn:
        if sum(self.shrinkage.values()) >= 1:
            raise ValueError("shrinkage categories add up to 100% or more")
        return self


class RequirementIntervalOut(BaseModel):
    """Net agents on the queue and people to schedule in one interval."""

    interval_start: datetime
    local_start: datetime
    volume: float
    aht_s: float
    required_agents: int
    scheduled: int


class RequirementOut(BaseModel):
    """A stored staffing requirement."""

    id: int
    forecast_id: int
    queue: str
    created_by: str
    created_at: datetime
    target_s: float
    service_level_goal: float
    patience_s: float | None
    staffing_model: str = Field(
        description="erlang_c, erlang_a (voice), chat_concurrency (chat, messaging) or "
        "deferred (email: every item answered within target_s)"
    )
    shrinkage: dict[str, float]
    total_shrinkage: float
    intervals: list[RequirementIntervalOut]


class RequirementSummaryOut(BaseModel):
    """A stored staffing requirement without its intervals (for lists)."""

    id: int
    forecast_id: int
    created_by: str
    created_at: datetime
    staffing_model: str
    total_shrinkage: float
    peak_required: int
    peak_scheduled: int


class CapacityPlanIn(BaseModel):
    """Inputs of a capacity (hiring) plan."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    forecast_id: RowId
    current_fte: float = Field(ge=0, description="Productive FTE on the queue today")
    hours_per_fte_week: float = Field(default=40.0, gt=0, le=168)
    occupancy: float = Field(default=0.85, gt=0, le=1, description="Planned occupancy")
    shrinkage: float = Field(default=0.3, ge=0, lt=1, description="Share of paid time off-queue")
    attrition_weekly: float = Field(default=0.005, ge=0, lt=1, description="Leavers per week")
    lead_time_weeks: int = Field(default=4, ge=0, le=52, description="Requisition to start")
    training_weeks: int = Field(default=4, ge=0, le=52, description="Start to go-live")
    ramp: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=lambda: [0.5, 0.75, 0.9],
        max_length=52,
        description="Productivity in each week after go-live until fully productive",
    )
    weeks: int = Field(default=26, ge=1, le=104)


class CapacityWeekOut(BaseModel):
    """One week of a capacity plan."""

    week_index: int
    week_start: date
    workload_h: float
    from_forecast: bool
    required_fte: float
    existing_fte: float
    new_hire_fte: float
    available_fte: float
    hires_start: int
    gap_fte: float


class CapacityPlanOut(BaseModel):
    """A stored capacity plan."""

    id: int
    forecast_id: int
    queue: str
    created_by: str
    created_at: datetime
    first_week: date
    current_fte: float
    hours_per_fte_week: float
    occupancy: float
    shrinkage: float
    attrition_weekly: float
    lead_time_weeks: int
    training_weeks: int
    ramp: list[float]
    total_hires: int
    notes: str
    weeks: list[CapacityWeekOut]


class CalendarEventIn(BaseModel):
    """A special day of a site, or of one queue at it, with an optional planned effect."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1)
    queue: str | None = None
    day: date
    kind: str = Field(min_length=1, max_length=100, description="e.g. launch, bill_run")
    name: str = Field(min_length=1, max_length=200)
    effect_pct: float | None = Field(
        default=None, ge=-100, description="Percent change of the day's volume; None: learn it"
    )


class CalendarEventOut(BaseModel):
    """A stored special day."""

    id: int
    site: str
    queue: str | None
    day: date
    kind: str
    name: str
    effect_pct: float | None
