"""Shapes of overtime and VTO offers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Moment

OfferKind = Literal["overtime", "vto"]


class OfferIn(BaseModel):
    """Offer ``slots`` overtime (or VTO) slots on ``queue`` at ``site`` from ``start`` to ``end``;
    the hourly cost comes from shift template ``template``, times ``premium`` for overtime."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1)
    queue: str = Field(min_length=1)
    kind: OfferKind = "overtime"
    start: Moment
    end: Moment
    slots: int = Field(ge=1, le=500)
    template: str = Field(min_length=1)
    premium: float = Field(default=1.5, ge=1.0, le=5.0)
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _span(self) -> OfferIn:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a time zone")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start).total_seconds() > 12 * 3600:
            raise ValueError("an offer spans at most 12 hours")
        return self


class OfferOut(BaseModel):
    """An offer, its cost, who accepted it and whether the viewer may accept it."""

    id: int
    site: str
    queue: str
    kind: OfferKind
    start: datetime
    end: datetime
    hours: float
    slots: int
    taken: int
    template: str
    cost_per_hour: float
    premium: float
    cost_per_slot: float = Field(description="overtime: paid; VTO: negative, the saving")
    total_cost: float = Field(description="cost_per_slot × slots")
    status: str
    note: str
    accepted_by: list[str]
    can_accept: bool
    why_not: str | None
    created_by: str
    created_at: datetime
