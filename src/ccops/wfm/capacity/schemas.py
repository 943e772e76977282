"""Input and output shapes of capacity (hiring) plans; validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ccops.ids import RowId


class CapacityPlanIn(BaseModel):
    """Inputs of a capacity (hiring) plan."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    forecast_id: RowId
    current_fte: float = Field(ge=0, le=1_000_000, description="Productive FTE on the queue today")
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
