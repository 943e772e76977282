"""Shapes of front-line shifts and the contacts handled on them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccops.bounds import Moment

MIN_SHIFT_H = 4.0
"""A front-line shift is a real shift: at least this long (seed 003: a full shift)."""
MAX_SHIFT_H = 12.0


class FrontlineIn(BaseModel):
    """Schedule ``login`` on ``queue`` from ``start`` to ``end`` (aware times)."""

    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=100)
    queue: str = Field(min_length=1, max_length=100)
    start: Moment
    end: Moment
    counts_as_coverage: bool = False
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _span(self) -> FrontlineIn:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a time zone")
        hours = (self.end - self.start).total_seconds() / 3600
        if hours <= 0:
            raise ValueError("end must be after start")
        if not MIN_SHIFT_H <= hours <= MAX_SHIFT_H:
            raise ValueError(
                f"a front-line shift lasts {MIN_SHIFT_H:g} to {MAX_SHIFT_H:g} hours, "
                f"not {hours:.2f}"
            )
        return self


class HandledContact(BaseModel):
    """A contact the person answered during the shift."""

    id: int
    queue: str
    answered_at: datetime
    handle_s: float
    outcome: str


class FrontlineOut(BaseModel):
    """A front-line shift with what was handled on it (contacts answered between its start and
    end by its person, on any queue)."""

    id: int
    login: str
    name: str
    queue: str
    site: str
    start: datetime
    end: datetime
    counts_as_coverage: bool
    note: str
    created_by: str
    handled: int
    mean_handle_s: float | None
    contacts: list[HandledContact] = []
