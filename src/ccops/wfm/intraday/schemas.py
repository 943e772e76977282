"""Input and output shapes of intraday management: event intake, the intraday view, exception
plans and exceptions, service-level attribution and adherence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from ccops.names import NameText

EventStatus = Literal["accepted", "duplicate", "stale", "rejected"]
MAX_OWNERS = 20
"""Owners one exception rule may notify."""

Measure = Literal[
    "volume_over", "volume_under", "service_level_below", "abandon_rate_above", "staffing_gap"
]
ResourceKind = Literal[
    "people", "team", "cross_skilled", "overtime", "defer_offline_work", "callbacks", "release"
]
ExceptionStatus = Literal["open", "acknowledged", "actioned", "closed"]


class EventResultOut(BaseModel):
    """What became of one event of a batch."""

    line: int = Field(description="Line (1-based) of the event in the batch")
    id: str | None = Field(description="The event's id, when it had one")
    status: EventStatus
    detail: str = Field(description="Why rejected, why a duplicate, or what was written")
    field: str | None = None
    applied: bool = Field(default=False, description="Whether the event changed stored data")


class IntakeOut(BaseModel):
    """The outcome of one batch of events: counts and one result per event."""

    received: int
    accepted: int
    duplicate: int
    stale: int = Field(
        default=0,
        description="Events older than the newest one seen for their contact or span: logged, "
        "never applied",
    )
    rejected: int
    results: list[EventResultOut]
    exceptions_opened: list[int] = Field(default_factory=list)
    seconds: float


class IntervalOut(BaseModel):
    """One queue interval of the intraday view (None where unknown, with the reason in notes)."""

    interval_start: datetime
    local_start: datetime
    state: Literal["past", "current", "future"]
    forecast: float | None
    offered: int
    reforecast: float | None
    required: int | None
    scheduled: float | None
    staffed: float | None
    answered: int
    abandoned: int
    service_level: float | None
    abandon_rate: float | None
    asa_s: float | None
    aht_s: float | None
    occupancy: float | None


class IntradayOut(BaseModel):
    """The intraday view of one queue and local day."""

    queue: str
    site: str
    date: date
    as_of: datetime
    interval_min: int
    target_s: float
    service_level_goal: float
    forecast_id: int | None
    requirement_id: int | None
    reforecast_factor: float
    reforecast_ratio: float | None
    reforecast_formula: str
    offered: int
    forecast_total: float | None
    service_level: float | None
    abandon_rate: float | None
    asa_s: float | None
    timing_untrusted: int = 0
    """Contacts of the day with untrusted timing (wait unknown): counted in offered, answered and
    abandoned, left out of service level, ASA and AHT."""
    answered_timing_untrusted: int = 0
    """Of them, the answered ones."""
    notes: list[str]
    intervals: list[IntervalOut]


class ResourceIn(BaseModel):
    """One backup resource of a tier: who or what, and how many agents it can add."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    kind: ResourceKind
    name: NameText = Field(min_length=1, max_length=200)
    agents: float | None = Field(default=None, ge=0, le=100_000)
    owner: str | None = Field(default=None, max_length=100)


class RuleIn(BaseModel):
    """A tier's trigger, backup resources and owners.

    ``threshold`` is a fraction: for ``volume_over`` 0.3 means offered >= 1.3 x forecast; for
    ``volume_under`` 0.3 means offered <= 0.7 x forecast; for ``service_level_below`` the level
    (0.7); for ``abandon_rate_above`` the rate (0.1); for ``staffing_gap`` agents short of the
    requirement (staffed < required - threshold).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: NameText = Field(min_length=1, max_length=200)
    tier: int = Field(ge=1, le=3)
    measure: Measure
    threshold: float = Field(ge=0, le=1_000_000_000)
    consecutive: int = Field(default=2, ge=1, le=16)
    resources: list[ResourceIn] = Field(default_factory=list)
    owners: list[str] = Field(
        default_factory=list,
        max_length=MAX_OWNERS,
        description="Logins of users to notify (each once)",
    )
    webhook_url: HttpUrl | None = Field(
        default=None,
        description="A public internet receiver (or one an administrator allows) that gets one "
        "signed POST per exception",
    )


class PlanIn(BaseModel):
    """An exception plan for one queue, or for every queue of a site."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Field(min_length=1, max_length=200)
    queue: str | None = None
    site: str | None = None
    rules: list[RuleIn] = Field(min_length=1)


class RuleOut(BaseModel):
    """A stored rule."""

    id: int
    name: str
    tier: int
    measure: Measure
    threshold: float
    consecutive: int
    resources: list[ResourceIn]
    owners: list[str]
    webhook_url: str | None


class PlanOut(BaseModel):
    """A stored exception plan."""

    id: int
    name: str
    queue: str | None
    site: str | None
    active: bool
    created_by: str
    rules: list[RuleOut]


class NotificationOut(BaseModel):
    """One notification of an exception and its delivery (a webhook: only whether it was
    delivered, after how many attempts; what the receiver answered is in the server log)."""

    owner: str
    channel: Literal["in_app", "webhook"]
    target: str | None
    status: Literal["pending", "delivered", "failed"]
    delivered_at: datetime | None
    attempts: int = 0
    error: str | None


class ActionOut(BaseModel):
    """One step of an exception's audit trail."""

    at: datetime
    actor: str
    action: str
    note: str


class ExceptionOut(BaseModel):
    """An exception with its rule, measured values, recommendation, owners and trail."""

    id: int
    queue: str
    day: date
    plan: str
    rule: str
    tier: int
    measure: Measure
    status: ExceptionStatus
    opened_at: datetime
    as_of: datetime
    closed_at: datetime | None
    measured: dict[str, object]
    recommended_extra_agents: int
    recommendation: dict[str, object]
    resources: list[ResourceIn]
    owners: list[str]
    summary: str
    notifications: list[NotificationOut]
    trail: list[ActionOut]


class ExceptionStepIn(BaseModel):
    """A step on an exception: acknowledge, action (with what was done) or close."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class ExplainOut(BaseModel):
    """Why a queue's service level missed its goal on a day, in service-level points."""

    queue: str
    date: date
    target_service_level: float
    achieved_service_level: float | None
    shortfall: float | None
    parts: dict[str, float]
    largest_cause: str | None
    steps: dict[str, float]
    report: str
    notes: list[str]
    timing_untrusted: int = 0
    """Contacts of the day with untrusted timing, left out of the service level and AHT."""


class AdherenceSpanOut(BaseModel):
    """A stretch of time out of adherence: what was planned and what the person did."""

    start: datetime
    end: datetime
    planned: str
    actual: str
    minutes: float
    beyond_grace: bool


class AdherenceOut(BaseModel):
    """Adherence and conformance of one person on one day."""

    person: str
    date: date
    scheduled_min: float
    in_adherence_min: float
    adherence: float | None
    planned_work_min: float
    worked_min: float
    conformance: float | None
    threshold: float
    meets_threshold: bool | None
    spans: list[AdherenceSpanOut]


class AlertOut(BaseModel):
    """An out-of-adherence alert for a team leader."""

    id: int
    person: str
    leader: str | None
    start_at: datetime
    planned: str
    actual: str
    status: str
    created_at: datetime
