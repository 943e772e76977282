"""Shapes of time-off allowances: a contract's leave policy, a person's balance and the vacation
planner of a team's week."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Accrual = Literal["upfront", "monthly"]


class PolicyIn(BaseModel):
    """The time-off allowance of a work contract (named by ``contract``)."""

    model_config = ConfigDict(extra="forbid")
    contract: str = Field(min_length=1, max_length=100)
    annual_h: float = Field(ge=0, le=2000, description="Hours of time off per calendar year")
    accrual: Accrual = "upfront"
    hours_per_day: float = Field(
        default=8.0, gt=0, le=24, description="Hours a day off books when no shift measures it"
    )
    auto_grant: bool = Field(
        default=True, description="Grant requests inside the open slots and the balance"
    )


class PolicyOut(BaseModel):
    """A contract's time-off allowance."""

    contract: str
    annual_h: float
    accrual: Accrual
    hours_per_day: float
    auto_grant: bool
    updated_by: str


class BalanceOut(BaseModel):
    """A person's time-off balance for one calendar year, in hours.

    ``remaining_h = allowance_h - taken_h - planned_h``; ``bookable_h`` is what a new request may
    still book today (the accrued hours, not the whole year, under monthly accrual)."""

    login: str
    name: str
    year: int
    contract: str | None
    accrual: Accrual | None
    allowance_h: float
    accrued_h: float
    taken_h: float = Field(description="Granted time off that has begun")
    planned_h: float = Field(description="Granted time off still ahead, plus requests waiting")
    pending_h: float = Field(description="The part of planned_h still waiting for a decision")
    remaining_h: float
    bookable_h: float


class PlannerDayOut(BaseModel):
    """One day of a team's vacation planner."""

    day: date
    slots_open: int = Field(description="More people who may be off with coverage still met")
    off: list[str] = Field(description="Logins of the team with time off granted that day")
    waiting: list[str] = Field(description="Logins of the team with a request waiting")
    note: str = Field(description="Why there is no slot (no published plan), or empty")


class PlannerOut(BaseModel):
    """A team's week in the vacation planner: open slots from the published schedule's
    coverage (scheduled net agents against the staffing engine's requirement)."""

    team: str
    site: str
    week: str
    queues: list[str]
    days: list[PlannerDayOut]
