"""Shapes of the open swap board."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ccops.bounds import Day

PostKind = Literal["give", "trade"]
PostStatus = Literal["open", "approved", "to_planner", "withdrawn"]


class PostIn(BaseModel):
    """Post one's shift on ``day`` to give away or to trade."""

    model_config = ConfigDict(extra="forbid")
    day: Day
    kind: PostKind
    note: str = Field(default="", max_length=200)


class PostOut(BaseModel):
    """A post on the board and what became of it."""

    id: int
    person: str
    person_name: str
    day: date
    kind: PostKind
    note: str
    status: PostStatus
    shift: str = Field(description="The posted shift(s): local times and queues")
    queues: list[str]
    taker: str | None
    request_id: int | None
    schedule_id: int | None
    outcome: str
    created_at: datetime
