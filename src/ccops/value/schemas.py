"""Input and output shapes of the value model; validation of shapes lives here, of values in
the engine (``ccops.engines.value.check_assumption``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class AssumptionIn(BaseModel):
    """Set one assumption of a site, or of one queue of it (overriding the site's)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1, max_length=100)
    queue: str | None = Field(default=None, max_length=100)
    key: str = Field(min_length=1, max_length=40)
    value: float
    low: float | None = Field(default=None, description="Low end of the range (default: value)")
    high: float | None = Field(default=None, description="High end of the range (default: value)")
    source: str = Field(min_length=1, max_length=500, description="Where the figure comes from")


class AssumptionOut(BaseModel):
    """A stored assumption, who set it and when."""

    site: str
    queue: str | None
    key: str
    unit: str
    meaning: str
    value: float
    low: float
    high: float
    source: str
    set_by: str
    set_at: datetime


class Figure(BaseModel):
    """A money figure with its range and the formula it comes from."""

    value: float
    low: float
    high: float
    formula: str


class WeekMoney(BaseModel):
    """One week of a queue's period at the assumptions' values (the trend)."""

    week_start: date
    offered: int
    abandoned: int
    staff_cost: float
    money_lost: float


class QueueValueOut(BaseModel):
    """What one queue's service cost and earned over a period, in money, with its data."""

    queue: str
    site: str
    currency: str
    first: date
    last: date
    offered: int
    answered: int
    abandoned: int
    repeats: int
    service_level: float | None
    service_level_variant: str
    abandon_rate: float | None
    aht_s: float | None
    paid_hours: float | None
    data_source: str
    model: str
    money: dict[str, Figure]
    missing: list[str]
    assumptions: list[AssumptionOut]
    weeks: list[WeekMoney]


class DayCostOut(BaseModel):
    """What one day's abandons cost beyond a normal day of the same weekday."""

    queue: str
    day: date
    offered: int
    abandoned: int
    normal_abandon_rate: float | None
    normal_days: list[date]
    excess_abandoned: float
    cost: Figure | None
    missing: list[str]


class SummaryOut(BaseModel):
    """The executive summary: each queue's money over the period, and one day's cost."""

    first: date
    last: date
    day: date
    queues: list[QueueValueOut]
    day_costs: list[DayCostOut]
    totals: dict[str, dict[str, Figure]]
    notes: list[str]


class MonthQueueOut(BaseModel):
    """One queue in one month: the summary's figures for the month's days."""

    queue: str
    site: str
    currency: str
    offered: int
    answered: int
    abandoned: int
    repeats: int
    service_level: float | None
    service_level_variant: str
    abandon_rate: float | None
    paid_hours: float | None
    money: dict[str, Figure]
    missing: list[str]


class MonthOut(BaseModel):
    """One calendar month of the trend; ``partial`` when its days are not all covered (the
    history or the asked range starts or ends inside it)."""

    month: str = Field(description="YYYY-MM")
    first: date
    last: date
    days: int
    partial: bool
    queues: list[MonthQueueOut]
    totals: dict[str, dict[str, Figure]]


class MonthlyOut(BaseModel):
    """The value summary per calendar month of stored contacts in scope."""

    first: date
    last: date
    months: list[MonthOut]
    formulas: dict[str, str]
    notes: list[str]


class WhatIfIn(BaseModel):
    """A scenario on one queue and what it costs (an investment)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    queue: str = Field(min_length=1, max_length=100)
    add_agents: int = Field(default=0, ge=-1000, le=1000, description="Agents added per hour")
    aht_change: float = Field(default=0.0, gt=-0.9, le=2.0, description="-0.1 = AHT 10% lower")
    fcr_change: float = Field(
        default=0.0, ge=-0.5, le=0.5, description="+0.05 = 5 points fewer repeat contacts"
    )
    attrition_change: float = Field(
        default=0.0,
        ge=-0.5,
        le=0.5,
        description="-0.05 = 5 points less annual attrition (needs headcount, cost_per_leaver)",
    )
    deflection: float = Field(
        default=0.0,
        ge=0.0,
        lt=0.9,
        description="0.1 = 10% of offered contacts removed before the queue (self-service)",
    )
    system_name: str | None = Field(
        default=None, max_length=200, description="The system bought (its price: upfront, monthly)"
    )
    upfront: float = Field(default=0.0, ge=0, le=1e12, description="One-off cost")
    monthly_cost: float = Field(default=0.0, ge=0, le=1e12, description="Cost a month (licence)")
    cost_uncertainty: float = Field(
        default=0.1, ge=0, lt=1, description="+/- share the upfront and monthly costs may be off"
    )
    horizon_months: int = Field(default=12, ge=1, le=120)
    discount_rate: float = Field(default=0.08, ge=0, le=1, description="Annual discount rate")
    days: int = Field(default=28, ge=7, le=91, description="Days of history to represent a month")
    last: date | None = Field(default=None, description="Last day of history (default: latest)")


class SideOut(BaseModel):
    """Baseline or scenario, per month."""

    service_level: float
    abandon_rate: float
    asa_s: float
    occupancy: float
    agents_per_hour: float
    offered: float
    answered: float
    abandoned: float
    repeats: float
    paid_hours: float
    cost: float
    revenue: float
    churn_cost: float
    contribution: float
    money_lost: float


class EngineSideOut(BaseModel):
    """One engine's service figures of baseline or scenario (rates over the period)."""

    service_level: float
    abandon_rate: float
    asa_s: float
    occupancy: float
    service_level_error: float | None = None


class EngineOut(BaseModel):
    """Baseline and scenario by one engine."""

    baseline: EngineSideOut
    scenario: EngineSideOut


class SimulatedDayOut(BaseModel):
    """A day of the queue's history the simulator ran, and how many days it stands for."""

    day: date
    weight: float
    offered: float
    staffing: str


class SimulatedGroupOut(BaseModel):
    """People with the same skills in the pool."""

    name: str
    queues: list[str]
    people: int


class SimulationOut(EngineOut):
    """The simulator's figures of a multi-skill queue and what was simulated."""

    queues: list[str]
    groups: list[SimulatedGroupOut]
    days: list[SimulatedDayOut]
    replications: int
    seed: int
    contacts_simulated: int


class SwingOut(BaseModel):
    """One line of the sensitivity table."""

    name: str
    low: float
    high: float
    npv_at_low: float
    npv_at_high: float
    swing: float


class LeverOut(BaseModel):
    """One lever of a scenario alone against the baseline (the breakdown; levers interact, so
    their benefits need not add up to the scenario's)."""

    lever: str
    change: float
    effect: str
    service_level: float
    abandon_rate: float
    monthly_benefit: float
    monthly_benefit_low: float
    monthly_benefit_high: float


class WhatIfOut(BaseModel):
    """Baseline against scenario, and the return of the investment, with ranges."""

    queue: str
    currency: str
    first: date
    last: date
    model: str
    observed_service_level: float | None
    observed_abandon_rate: float | None
    baseline: SideOut
    scenario: SideOut
    monthly_net_benefit: float
    net_benefit: float
    net_benefit_low: float
    net_benefit_high: float
    npv: float
    npv_low: float
    npv_high: float
    roi: float | None
    roi_low: float | None
    roi_high: float | None
    payback_months: float | None
    payback_months_low: float | None
    payback_months_high: float | None
    sensitivity: list[SwingOut]
    assumptions: list[AssumptionOut]
    notes: list[str]
    system_name: str | None = None
    attrition_saving: float = 0.0
    levers: list[LeverOut] = []
    engine: str = "erlang_a"
    engine_reason: str = ""
    erlang_a: EngineOut | None = None
    simulation: SimulationOut | None = None


class ScenarioIn(WhatIfIn):
    """A what-if to save under a name (its result is computed and stored with it)."""

    name: str = Field(min_length=1, max_length=200)


class ScenarioOut(BaseModel):
    """A saved scenario: who saved it, when, its inputs and its result then."""

    id: int
    name: str
    queue: str
    created_by: str
    created_at: datetime
    inputs: WhatIfIn
    result: WhatIfOut
