"""Shapes of shift bids: opening a bid on lines, an agent's ranking, the awards and their why."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Day

Rule = Literal["seniority", "rotating", "lottery"]


class LineIn(BaseModel):
    """A line from a template: the same shift on some weekdays of every week."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=100)
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Local HH:MM")
    weekdays: list[int] = Field(min_length=1, max_length=7)
    queues: list[str] = Field(
        default_factory=list, max_length=50, description="Queues the line works (skills needed)"
    )

    @model_validator(mode="after")
    def _days(self) -> LineIn:
        if any(not 0 <= d <= 6 for d in self.weekdays) or len(set(self.weekdays)) != len(
            self.weekdays
        ):
            raise ValueError("weekdays are distinct numbers from 0 (Monday) to 6 (Sunday)")
        self.weekdays = sorted(self.weekdays)
        return self


class BidIn(BaseModel):
    """A bid to open: its lines come from a built schedule's shifts (``schedule_id``: each
    person's week becomes a line) or from templates (``lines``)."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    first_day: Day
    last_day: Day
    rule: Rule
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="The lottery's published seed (needed for a lottery)",
    )
    round_no: int = Field(default=0, ge=0, le=10_000, description="Rotating priority's round")
    closes_at: datetime
    schedule_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    lines: list[LineIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> BidIn:
        if self.last_day < self.first_day:
            raise ValueError("last_day must be on or after first_day")
        if self.closes_at.tzinfo is None:
            raise ValueError("closes_at needs a time zone (e.g. 2026-11-20T17:00:00Z)")
        if self.rule == "lottery" and self.seed is None:
            raise ValueError(
                "seed is needed for a lottery: publish the number that draws its order"
            )
        if (self.schedule_id is None) == (not self.lines):
            raise ValueError("give either schedule_id (lines from its shifts) or lines, not both")
        return self


class RankingIn(BaseModel):
    """An agent's ranking: line ids, best first."""

    model_config = ConfigDict(extra="forbid")
    lines: list[int] = Field(max_length=500)


class LineOut(BaseModel):
    """A line on offer."""

    id: int
    label: str
    template: str
    weekdays: list[int]
    start_min: int
    length_min: int
    queues: list[str]
    weekly_h: float


class AwardOut(BaseModel):
    """What one agent got and why (the rule and their position in it)."""

    login: str
    line_id: int | None
    line: str | None
    position: int
    choice: int | None
    reason: str


class BidOut(BaseModel):
    """A bid with its lines, the viewer's eligible lines and ranking, and the awards once made."""

    id: int
    site: str
    name: str
    first_day: date
    last_day: date
    rule: Rule
    seed: int
    round_no: int
    closes_at: datetime
    status: Literal["open", "awarded"]
    lines: list[LineOut]
    rankings: int
    bidders: int = Field(default=0, description="Agents taking part (the N of 'position n of N')")
    my_eligible: list[int] | None = None
    my_ranking: list[int] | None = None
    awards: list[AwardOut] = Field(default_factory=list)


class RankingOut(BaseModel):
    """One bidder's ranking as the planner sees it: line ids best first, and the lines open to
    them (skills and contract)."""

    login: str
    name: str
    hire_date: date | None
    ranking: list[int]
    eligible: list[int]


class ApplyIn(BaseModel):
    """Apply an awarded bid's lines to a schedule version of the bid's site (a week inside the
    bid's period): a new draft version where each awarded agent works their line."""

    model_config = ConfigDict(extra="forbid")
    schedule_id: int = Field(ge=1, le=2**31 - 1)
