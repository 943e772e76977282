"""Input and output shapes of performance management; validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Day
from ccops.names import NameText
from ccops.quality.schemas import ItemScoreOut

Name = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")
Text = Field(min_length=1, max_length=4000)
OptText = Field(default=None, max_length=4000)


class Perspective(StrEnum):
    """The four perspectives of a balanced scorecard (Kaplan and Norton)."""

    financial = "financial"
    customer = "customer"
    internal_process = "internal_process"
    learning_growth = "learning_growth"


class Level(StrEnum):
    """Levels of the cascade: the centre's scorecard down to one person's."""

    centre = "centre"
    team = "team"
    position = "position"
    person = "person"


class Position(StrEnum):
    """Positions with their own scorecard (source 001: position-based targets)."""

    agent = "agent"
    team_leader = "team_leader"
    qa_analyst = "qa_analyst"
    planner = "planner"


class Audience(StrEnum):
    """Who sees a published KPI."""

    agent = "agent"
    team = "team"
    centre = "centre"
    executive = "executive"


class Rhythm(StrEnum):
    """How often a KPI is published (source 004's hourly, daily and weekly rhythm)."""

    hourly = "hourly"
    daily = "daily"
    weekly = "weekly"


class ThresholdDirection(StrEnum):
    """Which side of a publication rule's threshold opens a follow-up."""

    below = "below"
    above = "above"


class FollowUp(StrEnum):
    """What follows a good or a bad result."""

    recognition = "recognition"
    coaching = "coaching"
    root_cause_analysis = "root_cause_analysis"
    none = "none"


class ActivityKind(StrEnum):
    """What a team leader's recorded time was spent on (source 004: 75% on the floor)."""

    floor = "floor"
    planning = "planning"
    reports = "reports"
    other = "other"


class NoteKind(StrEnum):
    """A development note: a training need, or readiness for promotion or transfer."""

    training_need = "training_need"
    promotion_readiness = "promotion_readiness"
    transfer_readiness = "transfer_readiness"


# --- scorecards --------------------------------------------------------------------------------


class ScorecardKpiIn(BaseModel):
    """One KPI of a scorecard: registry key, objective, target, benchmark, weight in percent."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    perspective: Perspective
    objective: str = Field(min_length=1, max_length=200)
    kpi: str = Field(min_length=1, max_length=64)
    target: float = Field(ge=-1_000_000_000, le=1_000_000_000)
    higher_is_better: bool = True
    benchmark: float | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    benchmark_source: str | None = Field(default=None, max_length=200)
    weight_pct: float = Field(gt=0, le=100)


class ScorecardIn(BaseModel):
    """A scorecard of one cascade level; ``parent`` names the scorecard it is cascaded from."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    level: Level
    position: Position | None = None
    parent: str | None = None
    site: str | None = None
    team: str | None = None
    person: str | None = None
    kpis: list[ScorecardKpiIn] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _level_fields(self) -> ScorecardIn:
        if self.level == Level.team and not self.team:
            raise ValueError("a team scorecard names its team")
        if self.level == Level.position and self.position is None:
            raise ValueError("a position scorecard names its position")
        if self.level == Level.person and not self.person:
            raise ValueError("a person scorecard names its person (login)")
        return self


class ScorecardKpiOut(ScorecardKpiIn):
    """A stored scorecard KPI with the registry's label, unit, formula and data source."""

    label: str
    unit: str
    formula: str
    data_source: str


class ScorecardOut(BaseModel):
    """A stored scorecard."""

    id: int
    name: str
    level: Level
    position: Position | None
    parent: str | None
    site: str | None
    team: str | None
    person: str | None
    kpis: list[ScorecardKpiOut]


class ParentIn(BaseModel):
    """A new parent for a scorecard (None: the top of a cascade)."""

    model_config = ConfigDict(extra="forbid")
    parent: str | None = None


class CascadeNode(BaseModel):
    """A scorecard with the scorecards cascaded from it."""

    scorecard: ScorecardOut
    children: list[CascadeNode]


class KpiValue(BaseModel):
    """One KPI's value for a subject and period, with its uncertainty and context."""

    kpi: str
    label: str
    unit: str
    formula: str
    data_source: str
    perspective: Perspective | None
    objective: str | None
    weight_pct: float | None
    target: float | None
    benchmark: float | None
    higher_is_better: bool
    actual: float | None
    n: int
    low: float | None
    high: float | None
    interval_method: str
    enough_data: bool
    gap: float | None
    status: str
    previous: float | None
    trend: str
    note: str
    source: str | None = None
    """Which source a KPI with several took its value from (floor time: recorded, scheduled)."""


class PersonValue(BaseModel):
    """One person's value of one KPI (lists of these are in name order, never ranked)."""

    person: str
    name: str
    value: KpiValue


class ScorecardReportOut(BaseModel):
    """A scorecard filled in for one person or team and period."""

    subject_kind: str
    subject: str
    subject_name: str
    scorecard: str | None
    first: date
    last: date
    values: list[KpiValue]


# --- comparisons -------------------------------------------------------------------------------


class FunnelPoint(BaseModel):
    """One person's rate on a funnel plot with the limits at their sample size."""

    person: str
    name: str
    successes: int
    trials: int
    rate: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    flagged: bool
    note: str


class FunnelCurvePoint(BaseModel):
    """The funnel's limits at one sample size (for drawing)."""

    trials: int
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


class FunnelOut(BaseModel):
    """A funnel plot: people of a team against the team's pooled rate (never a ranking)."""

    team: str
    kpi: str
    label: str
    formula: str
    first: date
    last: date
    team_rate: float | None
    method: str
    points: list[FunnelPoint]
    curve: list[FunnelCurvePoint]
    note: str


class ControlPoint(BaseModel):
    """One period of a control chart; a period with no observations is ``no_data``, drawn
    neither as common nor as special cause, and left out of the limits."""

    first: date
    last: date
    value: float | None
    n: int
    lower: float | None
    centre: float | None
    upper: float | None
    special_cause: bool
    variation: Literal["common_cause", "special_cause", "no_data"]


class ControlChartOut(BaseModel):
    """A team KPI over time with its control limits (p-chart or XmR)."""

    team: str
    kpi: str
    label: str
    chart: str
    points: list[ControlPoint]
    note: str


# --- coaching, reviews, recognition, development --------------------------------------------


class CoachingIn(BaseModel):
    """A coaching session to record: what was monitored, the gap, why, and the agreed plan."""

    model_config = ConfigDict(extra="forbid")
    person: NameText = Name
    held_on: Day
    kpi: str | None = Field(default=None, max_length=64)
    reference: str | None = Field(default=None, max_length=200)
    monitoring_points: str = Text
    gap: str = Text
    analysis: str = Text
    action_plan: str = Text
    follow_up_on: Day | None = None

    @model_validator(mode="after")
    def _follow_up_after(self) -> CoachingIn:
        if self.follow_up_on is not None and self.follow_up_on < self.held_on:
            raise ValueError("the follow-up date is before the session")
        return self


class OutcomeIn(BaseModel):
    """The outcome of a coaching plan at its follow-up."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Text


class CoachingOut(BaseModel):
    """A stored coaching session."""

    id: int
    person: str
    coach: str
    held_on: date
    kpi: str | None
    reference: str | None
    monitoring_points: str
    gap: str
    analysis: str
    action_plan: str
    agreed_by_person: bool
    follow_up_on: date | None
    outcome: str | None


class ReviewIn(BaseModel):
    """A formal review: strengths, weaknesses, the agreed plan and both sides' commitments."""

    model_config = ConfigDict(extra="forbid")
    person: NameText = Name
    period_first: Day
    period_last: Day
    strengths: str = Text
    weaknesses: str = Text
    improvement_plan: str = Text
    person_commitments: str = Text
    support_commitments: str = Text
    next_review_on: Day
    next_review_criteria: str = Text

    @model_validator(mode="after")
    def _dates(self) -> ReviewIn:
        if self.period_last < self.period_first:
            raise ValueError("the review period ends before it starts")
        if self.next_review_on <= self.period_last:
            raise ValueError("the next review must come after the period reviewed")
        return self


class ReviewOut(BaseModel):
    """A stored review with its sign-offs."""

    id: int
    person: str
    reviewer: str
    period_first: date
    period_last: date
    strengths: str
    weaknesses: str
    improvement_plan: str
    person_commitments: str
    support_commitments: str
    next_review_on: date
    next_review_criteria: str
    signed_by_person_at: datetime | None
    signed_by_reviewer_at: datetime | None


class RecognitionIn(BaseModel):
    """Appreciation of something done well."""

    model_config = ConfigDict(extra="forbid")
    person: NameText = Name
    given_on: Day
    kpi: str | None = Field(default=None, max_length=64)
    text: str = Text


class RecognitionOut(BaseModel):
    """A stored recognition."""

    id: int
    person: str
    given_by: str
    given_on: date
    kpi: str | None
    text: str


class NoteIn(BaseModel):
    """A training need or readiness note."""

    model_config = ConfigDict(extra="forbid")
    person: NameText = Name
    kind: NoteKind
    text: str = Text
    written_on: Day


class NoteOut(BaseModel):
    """A stored development note."""

    id: int
    person: str
    kind: NoteKind
    text: str
    written_by: str
    written_on: date


class TrainingNeedsOut(BaseModel):
    """A team's or a person's training needs: the QA items their evaluations score clearly
    below the pass mark (with every item's mean and interval, in the form's order) and the
    training-need and readiness notes written about them (people in name order)."""

    subject: str
    first: date
    last: date
    items: list[ItemScoreOut]
    notes: list[NoteOut]


# --- publication -------------------------------------------------------------------------------


class PublicationIn(BaseModel):
    """Who sees a KPI, how often, and what follows a good or a bad result."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    kpi: str = Field(min_length=1, max_length=64)
    audience: Audience
    rhythm: Rhythm
    target: float | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    higher_is_better: bool = True
    on_good: FollowUp = FollowUp.recognition
    on_bad: FollowUp = FollowUp.coaching
    owner: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Login of the user who gets the follow-up when a result crosses the threshold",
    )
    threshold: float | None = Field(
        default=None,
        ge=-1_000_000_000,
        le=1_000_000_000,
        description="In the KPI's unit (a rate as a fraction, 0.8 for 80%); crossed only when "
        "the whole 95% interval lies beyond it",
    )
    threshold_direction: ThresholdDirection | None = None

    @model_validator(mode="after")
    def _threshold_complete(self) -> PublicationIn:
        if (self.threshold is None) != (self.threshold_direction is None):
            missing = "threshold" if self.threshold is None else "threshold_direction"
            raise ValueError(f"{missing} is needed: a threshold is a value and a direction")
        if self.threshold is not None and self.owner is None:
            raise ValueError("owner is needed: a threshold's follow-up goes to the rule's owner")
        return self


class FollowUpTask(BaseModel):
    """A follow-up opened when a delivered result crossed its rule's threshold: an improvement
    cycle (plan: find the cause) whose action is the owner's task."""

    action_id: int
    improvement_id: int
    publication_id: int
    kpi: str
    label: str
    audience: Audience
    first: date
    last: date
    text: str
    owner: str
    due: date
    done_at: datetime | None
    report_link: str


class PublicationOut(PublicationIn):
    """A stored publication rule."""

    id: int
    label: str
    last_produced_at: datetime | None
    last_delivered_at: datetime | None = None
    last_period_first: date | None = None
    last_period_last: date | None = None
    open_follow_ups: list[FollowUpTask] = []


class DeliveryOut(BaseModel):
    """One rule's period delivered: recipients, emails queued, subjects beyond the threshold."""

    publication_id: int
    kpi: str
    audience: Audience
    rhythm: Rhythm
    first: date
    last: date
    recipients: int
    emails: int
    crossed: list[str]
    follow_up: FollowUpTask | None


class ReportLine(BaseModel):
    """One KPI of a level's report for one subject, and what follows from it."""

    subject: str
    kpi: str
    label: str
    value: KpiValue
    result: str
    follow_up: str


class LevelReportOut(BaseModel):
    """The report one level receives for a period."""

    audience: Audience
    rhythm: Rhythm | None
    first: date
    last: date
    lines: list[ReportLine]


# --- team leaders' time ------------------------------------------------------------------------


class ActivityIn(BaseModel):
    """Minutes a team leader spent on one kind of work on one day."""

    model_config = ConfigDict(extra="forbid")
    person: NameText = Name
    day: Day
    kind: ActivityKind
    minutes: int = Field(ge=1, le=1440)


class ActivityOut(ActivityIn):
    """A stored activity record."""

    id: int


class FloorBasis(BaseModel):
    """A team leader's floor time from one source, with the days and minutes it rests on."""

    source: Literal["scheduled", "recorded"]
    days: int
    """Days of the period with scheduled segments (or recorded minutes)."""
    floor_min: int
    off_floor_min: int
    minutes: dict[str, int]
    """Minutes per kind: schedule segment kinds (breaks included, never counted), or recorded
    kinds (floor, planning, reports, other)."""
    share: float | None
    """floor_min / (floor_min + off_floor_min); None when there is nothing to measure."""
    state: Literal["measured", "no_schedule", "nothing_recorded"]
    note: str


class FloorShareOut(BaseModel):
    """A team leader's share of time on the floor, scheduled and recorded, against 75%."""

    person: str
    name: str
    team: str | None
    first: date
    last: date
    target_share: float
    scheduled: FloorBasis
    recorded: FloorBasis


# --- attrition ---------------------------------------------------------------------------------


class AttritionMonth(BaseModel):
    """Leavers over average headcount in one month, with an approximate 95% interval."""

    team: str
    month: str
    leavers: int
    average_headcount: float
    rate: float | None
    low: float | None
    high: float | None


class Leaver(BaseModel):
    """A person who left, with reason and tenure."""

    person: str
    name: str
    team: str | None
    hire_date: date | None
    termination_date: date
    reason: str | None
    tenure_days: int | None


class SurvivalPoint(BaseModel):
    """The Kaplan-Meier tenure survival curve at one tenure."""

    tenure_days: float
    at_risk: int
    leavers: int
    survival: float
    low: float | None
    high: float | None


class AttritionOut(BaseModel):
    """Attrition of the teams in scope: leavers, monthly rates, tenure survival."""

    first: date
    last: date
    leavers: list[Leaver]
    months: list[AttritionMonth]
    survival: list[SurvivalPoint]
    note: str


class SiteAttritionCost(BaseModel):
    """A site's leavers over the last 12 months, its attrition rate with a 95% interval, and
    the cost = leavers x the site's replacement cost per leaver (None when no cost is set)."""

    site: str
    first: date
    last: date
    leavers: int
    average_headcount: float
    rate: float | None
    low: float | None
    high: float | None
    cost_per_leaver: float | None
    currency: str | None
    cost: float | None
    note: str


class AttritionCostOut(BaseModel):
    """The executive view of attrition: one row per site in scope, in name order."""

    first: date
    last: date
    sites: list[SiteAttritionCost]
    basis: str


# --- recommendations: results into decisions (#25) ---------------------------------------------


class RecommendationKind(StrEnum):
    """What a review recommends (source 001: results used for training, pay, transfers and
    promotion)."""

    training = "training"
    pay_step = "pay_step"
    transfer = "transfer"
    promotion_readiness = "promotion_readiness"


class RecommendationIn(BaseModel):
    """A recommendation of a review with the evidence it rests on (at least one piece)."""

    model_config = ConfigDict(extra="forbid")
    kind: RecommendationKind
    rationale: str = Text
    detail: str = Field(
        default="",
        max_length=500,
        description="the course, the pay step, the team or queue, or the role in view",
    )
    kpis: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="KPI keys whose values over the review period (with their intervals) are "
        "attached as evidence",
    )
    evaluation_ids: list[int] = Field(default_factory=list, max_length=50)
    recognition_ids: list[int] = Field(default_factory=list, max_length=50)


class EvidenceKpi(BaseModel):
    """A KPI value attached as evidence, frozen as it was when the recommendation was made."""

    kpi: str
    label: str
    unit: str
    first: date
    last: date
    actual: float
    low: float | None
    high: float | None
    n: int
    interval_method: str
    target: float | None
    status: str
    note: str


class EvidenceEvaluation(BaseModel):
    """A QA evaluation attached as evidence."""

    id: int
    contact_at: datetime
    form: str
    score_pct: float
    passed: bool


class EvidenceRecognition(BaseModel):
    """A recognition attached as evidence."""

    id: int
    given_on: date
    given_by: str
    text: str


class Evidence(BaseModel):
    """Everything a recommendation rests on."""

    kpis: list[EvidenceKpi] = Field(default_factory=list)
    evaluations: list[EvidenceEvaluation] = Field(default_factory=list)
    recognitions: list[EvidenceRecognition] = Field(default_factory=list)


class RecommendationDecision(StrEnum):
    """What a manager decides on a recommendation."""

    accepted = "accepted"
    declined = "declined"


class DecisionIn(BaseModel):
    """A manager's decision on a pending recommendation."""

    model_config = ConfigDict(extra="forbid")
    decision: RecommendationDecision
    note: str = Field(default="", max_length=4000)


class RecommendationOut(BaseModel):
    """A stored recommendation with its evidence and decision."""

    id: int
    review_id: int
    person: str
    person_name: str
    team: str | None
    kind: RecommendationKind
    rationale: str
    detail: str
    status: str
    recorded_by: str
    recorded_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    evidence: Evidence


class ForecastSkillOut(BaseModel):
    """A planner's forecast skill for one queue and horizon bucket (days ahead)."""

    queue: str
    horizon: str = Field(description="days between the forecast's creation and the day scored")
    queue_days: int
    wmape: float | None = Field(description="sum |forecast - actual| / sum actual")
    naive_wmape: float | None = Field(description="sum |seasonal naive - actual| / sum actual")
    skill: float | None = Field(description="wmape / naive_wmape; below 1 beats seasonal naive")
    low: float | None
    high: float | None
    note: str
