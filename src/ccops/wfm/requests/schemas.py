"""Shapes of agents' schedule requests (time off, shift swaps) and of the planner's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Day

RequestKind = Literal["time_off", "swap"]
RequestStatus = Literal[
    "awaiting_colleague", "pending", "granted", "refused", "declined", "withdrawn", "cancelled"
]


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
"""The days a request may name (a schedule lives in this century)."""


class RequestIn(BaseModel):
    """A request of the signed-in person: time off from ``start_day`` to ``end_day`` (local
    days, both included), or a swap of their shift on ``day`` with ``colleague`` (a login)."""

    model_config = ConfigDict(extra="forbid")
    kind: RequestKind
    start_day: Day | None = None
    end_day: Day | None = None
    day: Day | None = None
    colleague: str | None = Field(default=None, max_length=100)
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _fields(self) -> RequestIn:
        self.reason = self.reason.strip()
        for name in ("start_day", "end_day", "day"):
            value = getattr(self, name)
            if value is not None and not FIRST_DAY <= value <= LAST_DAY:
                raise ValueError(f"{name} must lie between {FIRST_DAY} and {LAST_DAY}")
        if self.kind == "time_off":
            if self.start_day is None:
                raise ValueError("start_day is needed for time off")
            if self.end_day is None:
                raise ValueError("end_day is needed for time off")
            if self.end_day < self.start_day:
                raise ValueError("end_day must be on or after start_day")
            if (self.end_day - self.start_day).days > 60:
                raise ValueError("end_day is more than 60 days after start_day (ask in parts)")
            if not self.reason:
                raise ValueError("reason is needed for time off (say why)")
        elif self.day is None:
            raise ValueError("day is needed for a swap")
        elif not (self.colleague or "").strip():
            raise ValueError("colleague is needed for a swap")
        return self


class AnswerIn(BaseModel):
    """The colleague's answer to a proposed swap."""

    model_config = ConfigDict(extra="forbid")
    accept: bool


class DecisionIn(BaseModel):
    """The planner's decision; refusing needs a note saying why."""

    model_config = ConfigDict(extra="forbid")
    grant: bool
    note: str = Field(default="", max_length=2000)


class RequestOut(BaseModel):
    """A schedule request and where it stands."""

    id: int
    kind: RequestKind
    status: RequestStatus
    person: str
    person_name: str
    site: str
    start: datetime | None
    end: datetime | None
    start_day: date | None
    end_day: date | None
    day: date | None
    colleague: str | None
    colleague_name: str | None
    reason: str
    created_at: datetime
    answered_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    time_off_id: int | None
    schedule_id: int | None


class ColleagueOut(BaseModel):
    """A person a swap can be proposed to."""

    login: str
    name: str
