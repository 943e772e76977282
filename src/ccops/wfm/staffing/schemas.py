"""Input and output shapes of the staffing calculator, simulations and the staffing requirements
built from forecasts; validation lives here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StaffingIn(BaseModel):
    """One interval's load and the goals to staff it for."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    calls: float = Field(ge=0, le=10_000_000, description="Contacts offered in the interval")
    interval_s: float = Field(default=1800, gt=0, le=86400, description="Interval length, s")
    aht_s: float = Field(gt=0, le=86400, description="Average handle time, s")
    target_s: float | None = Field(
        default=None, ge=0, le=86400, description="Service-level threshold, s"
    )
    service_level: float | None = Field(default=None, gt=0, lt=1, description="Goal fraction")
    asa_s: float | None = Field(
        default=None, gt=0, le=86400, description="Goal average speed of answer"
    )
    abandon_rate: float | None = Field(default=None, ge=0, lt=1, description="Goal abandonment")
    max_occupancy: float | None = Field(default=None, gt=0, le=1, description="Occupancy cap")
    patience_s: float | None = Field(
        default=None, gt=0, le=86400, description="Mean patience (Erlang A); omitted means Erlang C"
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
    calls: list[Annotated[float, Field(ge=0, le=10_000_000)]] = Field(
        min_length=1, max_length=1_000_000
    )
    interval_s: float = Field(default=1800, gt=0, le=86400)
    aht_s: (
        Annotated[float, Field(gt=0, le=86400)] | list[Annotated[float, Field(gt=0, le=86400)]]
    ) = Field(description="One or per interval")
    target_s: float | None = Field(default=None, ge=0, le=86400)
    service_level: float | None = Field(default=None, gt=0, lt=1)
    asa_s: float | None = Field(default=None, gt=0, le=86400)
    abandon_rate: float | None = Field(default=None, ge=0, lt=1)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    patience_s: float | None = Field(default=None, gt=0, le=86400)
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


Fraction = Annotated[float, Field(ge=0, lt=1)]


class RequirementIn(BaseModel):
    """Shrinkage by category (fractions of paid time) and an optional patience (Erlang A)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    breaks: Fraction = 0.0
    training: Fraction = 0.0
    coaching: Fraction = 0.0
    meetings: Fraction = 0.0
    absence: Fraction = 0.0
    patience_s: float | None = Field(default=None, gt=0, le=86400)
    volume_percentile: float | None = Field(
        default=None,
        ge=50,
        le=97.5,
        description="Staff to this percentile of each interval's volume, percent (e.g. 80), "
        "read from the forecast's recalibrated bands; none = the point forecast",
    )
    nesting: bool = Field(
        default=True,
        description="Graduates of the site's hiring waves nesting on the queue handle contacts "
        "at their week's AHT ramp (each interval's AHT is the headcount-weighted mean) and work "
        "at their wave's reduced occupancy (each counts as nesting occupancy / occupancy of an "
        "agent, so more heads are needed)",
    )
    occupancy: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="The occupancy planned for experienced agents (as in the capacity plan): a "
        "nesting graduate counts as their wave's nesting occupancy / this of an agent",
    )

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
    aht_s: float = Field(
        description="the handle time staffed for: the forecast's, times the nesting multiple"
    )
    nesting_aht_factor: float = Field(
        default=1.0,
        description="handle-time multiple from graduates nesting on the queue (1: nobody nests)",
    )
    nesting_heads: int = Field(
        default=0, description="graduates nesting on the queue that day (0: nobody nests)"
    )
    experienced_heads: int = Field(
        default=0, description="experienced people on the queue that day (when some nest)"
    )
    nesting_fte: float = Field(
        default=0.0,
        description="the agents the nesting graduates count for at their reduced occupancy "
        "(heads x nesting occupancy / planned occupancy, each at most 1)",
    )
    nesting_occupancy_factor: float = Field(
        default=1.0,
        description="the share of a fully occupied agent a head on the queue counts for that "
        "day: (experienced + nesting_fte) / (experienced + nesting_heads); required_agents = "
        "the model's agents / this, rounded up (1: nobody nests)",
    )
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
    volume_percentile: float | None = Field(
        default=None,
        description="The percentile of each interval's forecast volume staffed to, percent; "
        "none = the point forecast",
    )
    staffing_model: str = Field(
        description="erlang_c, erlang_a (voice), chat_concurrency (chat, messaging) or "
        "deferred (email: every item answered within target_s)"
    )
    shrinkage: dict[str, float]
    total_shrinkage: float
    occupancy: float | None = Field(
        default=None,
        description="the occupancy planned for experienced agents that nesting graduates' "
        "reduced occupancy was counted against (none: nobody nested, or built before)",
    )
    intervals: list[RequirementIntervalOut]


class RequirementSummaryOut(BaseModel):
    """A stored staffing requirement without its intervals (for lists)."""

    id: int
    forecast_id: int
    created_by: str
    created_at: datetime
    staffing_model: str
    volume_percentile: float | None = None
    total_shrinkage: float
    peak_required: int
    peak_scheduled: int
