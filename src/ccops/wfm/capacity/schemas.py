"""Input and output shapes of capacity (hiring) plans; validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ccops.ids import RowId
from ccops.knowledge.schemas import CurriculumItemOut


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


# --- the site plan with hiring waves (#25) -----------------------------------------------------


class WaveIn(BaseModel):
    """A hiring wave: the requisition, its candidates, the training class, go-live, the queue
    its graduates join and their nesting."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(min_length=1, max_length=100)
    hires: int = Field(ge=1, le=10_000, description="Requisition: people to hire")
    skills: list[str] = Field(
        min_length=1, max_length=50, description="Queues they are trained for"
    )
    queue: str = Field(min_length=1, description="The queue the graduates join")
    candidates: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Candidates per stage (applied, screened, interviewed, offered, hired)",
    )
    class_start: date
    class_end: date
    go_live: date
    trainers: list[str] = Field(default_factory=list, max_length=20)
    curriculum: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Training modules (module:ID, or a module's title) or free-text items",
    )
    nesting_occupancy: float = Field(
        default=0.6, gt=0, le=1, description="Occupancy while nesting (reduced)"
    )
    aht_ramp: list[Annotated[float, Field(ge=1, le=5)]] = Field(
        default_factory=lambda: [1.5, 1.3, 1.15],
        max_length=26,
        description="Handle time as a multiple of the experienced one, each nesting week",
    )


class SitePlanIn(BaseModel):
    """Inputs of a site's multi-queue capacity plan (every queue, skills shared)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1)
    first_week: date = Field(description="The Monday the plan starts")
    weeks: int = Field(default=26, ge=1, le=104)
    hours_per_fte_week: float = Field(default=40.0, gt=0, le=168)
    occupancy: float = Field(default=0.85, gt=0, le=1)
    shrinkage: float = Field(default=0.3, ge=0, lt=1)
    attrition_weekly: float = Field(default=0.005, ge=0, lt=1)
    waves: list[WaveIn] = Field(default_factory=list, max_length=50)
    count_promotions: bool = Field(
        default=True,
        description="people with a pending or accepted promotion-readiness recommendation "
        "leave the agent pool (promotion_weeks after it)",
    )
    promotion_weeks: int = Field(
        default=4,
        ge=0,
        le=52,
        description="weeks from a promotion-readiness recommendation (its decision when "
        "accepted, its recording while pending) until the person leaves the agent pool",
    )


class SiteQueueOut(BaseModel):
    """A queue of the site plan and where its requirement comes from."""

    queue: str
    forecast_id: int | None
    note: str


class SiteWeekOut(BaseModel):
    """One week of the site plan: the requirement and the gap without and with the waves."""

    week_index: int
    week_start: date
    required_fte: dict[str, float]
    gap_without_waves: dict[str, float]
    gap_with_waves: dict[str, float]
    gap_with_each_wave: dict[str, float] = Field(description="total gap with only that wave")
    wave_fte: dict[str, float] = Field(description="productive FTE each wave adds")
    on_hand: dict[str, float] = Field(
        default_factory=dict,
        description="people on hand per skill set (queues joined by +), after attrition, "
        "promotions and known terminations, before the waves",
    )
    promoted_out: float = Field(
        default=0.0, description="people (after attrition) gone to a promotion by this week"
    )
    terminated_out: float = Field(
        default=0.0,
        description="people (after attrition) gone on their termination date by this week; the "
        "week of the date counts the days before it (a leaver on a Thursday counts 3/7)",
    )


class PromotionOut(BaseModel):
    """A person ready for promotion, counted as leaving the agent pool from ``leaves_on``."""

    recommendation_id: int
    person: str
    person_name: str
    status: str
    skills: list[str]
    detail: str
    fte: float = Field(description="the FTE they take out of the pool (their contract's)")
    leaves_on: date
    leaves_week: int = Field(description="plan week index (0 = first week; <= 0: from the start)")


class LeaverOut(BaseModel):
    """A person of the agent pool with a termination date inside the plan: counted until it."""

    person: str
    person_name: str
    skills: list[str]
    fte: float = Field(description="the FTE they take out of the pool (their contract's)")
    termination_date: date = Field(description="the first day they no longer work")
    leaves_week: int = Field(description="plan week index of the termination date (0 = first)")
    share_of_last_week: float = Field(
        description="the part of that week they still work: days before the date / 7"
    )


class WaveOut(WaveIn):
    """A wave as planned, with its week indices."""

    start_week: int
    live_week: int
    nesting_yield: list[float]


class SitePlanOut(BaseModel):
    """A site's multi-queue capacity plan."""

    site: str
    first_week: date
    staff: dict[str, float] = Field(
        description="FTE on hand per skill set (queues joined by +): each person their work "
        "contract's weekly maximum hours / the paid hours per FTE-week (at most 1; 1 without a "
        "contract)"
    )
    queues: list[SiteQueueOut]
    waves: list[WaveOut]
    weeks: list[SiteWeekOut]
    notes: list[str]
    promotions: list[PromotionOut] = Field(default_factory=list)
    leavers: list[LeaverOut] = Field(
        default_factory=list,
        description="people with a termination date inside the plan, by date",
    )


class StoredWaveIn(WaveIn):
    """A hiring wave to keep for a site (its site plans then include it).

    ``modules`` is accepted and ignored, so that a stored wave read from the API can be sent
    back changed: the linked modules are read from the curriculum, never written."""

    site: str = Field(min_length=1)
    modules: list[CurriculumItemOut] = Field(
        default_factory=list, exclude=True, description="Ignored: read from the curriculum"
    )


class StoredWaveOut(WaveIn):
    """A stored hiring wave with its state on a day: recruiting, in training, nesting or live."""

    id: int
    site: str
    created_by: str
    state: str
    modules: list[CurriculumItemOut] = Field(
        default_factory=list,
        description="The curriculum with the training module each item names (module:ID or "
        "the module's title: its current version), other items as free text",
    )


# --- site plans kept under a name (#25) --------------------------------------------------------


class SavedSitePlanIn(SitePlanIn):
    """A site plan to compute and keep under a name (its inputs kept to compute it again)."""

    name: str = Field(min_length=1, max_length=100)


class SavedSitePlanSummary(BaseModel):
    """A kept site plan in a list: who kept it when, and its headline figures."""

    id: int
    name: str
    site: str
    created_by: str
    created_at: datetime
    first_week: date
    weeks: int
    people: float = Field(description="FTE on hand when it was computed")
    waves: list[str]
    peak_gap_without_waves: float
    peak_gap_with_waves: float


class SavedSitePlanOut(SavedSitePlanSummary):
    """A kept site plan: its inputs and its weekly results as computed then."""

    inputs: SitePlanIn
    plan: SitePlanOut


class ComparedWeekOut(BaseModel):
    """One week of a kept plan beside a newer computation of the same inputs (totals over the
    queues, FTE)."""

    week_index: int
    week_start: date
    required_saved: float
    required_now: float
    on_hand_saved: float
    on_hand_now: float
    gap_without_waves_saved: float
    gap_without_waves_now: float
    gap_with_waves_saved: float
    gap_with_waves_now: float
    change_gap_with_waves: float = Field(description="now - saved: > 0 is more short than planned")


class SitePlanComparisonOut(BaseModel):
    """A kept site plan beside the same inputs computed again on today's data (forecasts,
    people, stored waves, recommendations): what changed, week by week."""

    saved: SavedSitePlanSummary
    now: SitePlanOut
    weeks: list[ComparedWeekOut]
    people_saved: float
    people_now: float
    waves_added: list[str]
    waves_removed: list[str]
    waves_changed: list[str]
    promotions_added: list[str]
    promotions_removed: list[str]
