"""Input and output of scheduling: templates, contracts, time off, schedules, coverage, edits."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ccops import bounds
from ccops.bounds import Day, Moment
from ccops.names import NameText

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
Weekday = Annotated[int, Field(ge=0, le=6)]


def parse_week(text: str) -> date:
    """The Monday of an ISO week ``YYYY-Www``; ValueError names the problem."""
    found = WEEK_RE.match(text.strip())
    if not found:
        raise ValueError(f"week {text!r} is not an ISO week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise ValueError(f"week {text!r} does not exist") from None
    if bounds.out_of_range(monday):
        raise ValueError(
            f"week {text!r} is out of range: use a week from {bounds.FIRST_DAY.year} "
            f"to {bounds.LAST_DAY.year}"
        )
    return monday


class BreakIn(BaseModel):
    """A break of a template and its window, minutes after the shift start."""

    model_config = ConfigDict(extra="forbid")
    length_min: int = Field(gt=0, le=240)
    earliest_after_start_min: int = Field(ge=0, le=1440)
    latest_after_start_min: int = Field(ge=0, le=1440)
    min_gap_min: int = Field(default=0, ge=0, le=1440)
    paid: bool = True

    @model_validator(mode="after")
    def _window(self) -> BreakIn:
        if self.latest_after_start_min < self.earliest_after_start_min:
            raise ValueError("latest_after_start_min is before earliest_after_start_min")
        return self


class ShiftTemplateIn(BaseModel):
    """A shift template: starts every ``step_min`` from ``first`` to ``last`` on ``weekdays``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    site: str = Field(min_length=1)
    name: NameText = Field(min_length=1, max_length=100)
    first_start: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM, local")
    last_start: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM, local")
    step_min: int = Field(default=15, ge=15, le=1440, multiple_of=15)
    weekdays: list[Weekday] = Field(default_factory=lambda: list(range(7)), min_length=1)
    length_min: int = Field(gt=0, le=1440, multiple_of=15)
    breaks: list[BreakIn] = Field(default_factory=list, max_length=6)
    cost_per_hour: float = Field(default=1.0, ge=0, le=1_000_000)
    is_night: bool = False
    is_late: bool = False


class ShiftTemplateOut(BaseModel):
    """A stored template."""

    id: int
    site: str
    name: str
    starts: dict[int, list[str]]
    length_min: int
    breaks: list[BreakIn]
    cost_per_hour: float
    is_night: bool
    is_late: bool


class ContractIn(BaseModel):
    """Working-time rules of a contract."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: NameText = Field(min_length=1, max_length=100)
    weekly_min_h: float = Field(default=0.0, ge=0, le=168)
    weekly_max_h: float = Field(default=40.0, ge=0, le=168)
    days_min: int = Field(default=0, ge=0, le=7)
    days_max: int = Field(default=5, ge=0, le=7)
    max_consecutive_days: int = Field(default=6, ge=0, le=7)
    min_rest_h: float = Field(default=11.0, ge=0, le=72)
    max_nights: int = Field(default=7, ge=0, le=7)
    max_weekend_days: int = Field(default=2, ge=0, le=2)
    templates: list[str] | None = None


class ContractOut(ContractIn):
    """A stored contract."""

    id: int


class TimeOffIn(BaseModel):
    """Time off of a person (UTC or offset-aware times)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    login: str = Field(min_length=1)
    start: Moment
    end: Moment
    reason: str = Field(default="time off", min_length=1, max_length=200)
    credit_h_per_day: float = Field(default=0.0, ge=0, le=24)

    @model_validator(mode="after")
    def _span(self) -> TimeOffIn:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a time zone (e.g. 2026-11-24T00:00:00+00:00)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class TimeOffOut(BaseModel):
    """Stored time off; ``status`` pending means a change request waits for the planner."""

    id: int
    person_id: int
    login: str
    start: datetime
    end: datetime
    reason: str
    status: str
    change_request_id: int | None = None
    message: str = ""


class ActivityIn(BaseModel):
    """A fixed activity of a person; floor support, planning and reports are a team leader's
    work off the queues (on and off the floor), so their schedule shows the leader's day."""

    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1)
    kind: Literal[
        "meeting", "training", "coaching", "huddle", "floor_support", "planning", "reports"
    ]
    name: NameText = Field(min_length=1, max_length=200)
    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _span(self) -> ActivityIn:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a time zone")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class SolveOptionsIn(BaseModel):
    """Solver settings (defaults suit a real week; tests use one CP-SAT worker)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    plan_time_limit_s: float = Field(default=40.0, gt=0, le=600)
    roster_time_limit_s: float = Field(default=20.0, gt=0, le=600)
    mip_rel_gap: float = Field(default=0.01, ge=0, lt=1)
    threads: int = Field(default=2, ge=1, le=8)
    workers: int = Field(default=2, ge=1, le=8)
    seed: int = Field(default=0, ge=0)


class BuildIn(BaseModel):
    """What to build: a site's ISO week."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(min_length=1)
    week: str = Field(description="ISO week, e.g. 2026-W48 (the site's local time)")
    options: SolveOptionsIn = Field(default_factory=SolveOptionsIn)

    @field_validator("week")
    @classmethod
    def _week(cls, value: str) -> str:
        parse_week(value)
        return value.strip()


class EditIn(BaseModel):
    """An edit of a schedule: swap two people's shifts on a local day, grant time off, or move a
    person's break (``login_a``) from ``break_start`` to ``new_start`` inside its window."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["swap", "time_off", "move_break", "overtime"]
    day: Day | None = Field(default=None, description="swap: the local day of the shifts")
    login_a: str | None = None
    login_b: str | None = None
    time_off_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    break_start: Moment | None = Field(default=None, description="move_break: its start now")
    new_start: Moment | None = Field(default=None, description="move_break: where it goes")
    queue: str | None = Field(default=None, description="overtime: the queue worked")
    end: Moment | None = Field(default=None, description="overtime: the end (start: new_start)")
    cost_per_hour: float = Field(default=0.0, ge=0, le=10_000, description="overtime: paid rate")
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _fields(self) -> EditIn:
        if self.kind == "swap" and not (self.day and self.login_a and self.login_b):
            raise ValueError("a swap needs day, login_a and login_b")
        if self.kind == "time_off" and self.time_off_id is None:
            raise ValueError("granting time off needs time_off_id")
        if self.kind == "move_break" and not (self.login_a and self.break_start and self.new_start):
            raise ValueError("moving a break needs login_a, break_start and new_start")
        for name in ("break_start", "new_start"):
            at = getattr(self, name)
            if at is not None and at.tzinfo is None:
                raise ValueError(f"{name} needs a UTC offset")
        return self


class CoverageRowOut(BaseModel):
    """Required versus scheduled net agents of a queue in one interval."""

    queue: str
    interval_start: datetime
    required: float
    scheduled: float
    predicted_service_level: float | None


class ScheduledActivityOut(BaseModel):
    """A segment of a person's published day (UTC): work on a queue, break, meeting, ..."""

    person_id: int
    kind: str
    queue_id: int | None
    start: datetime
    end: datetime


class ShiftOut(BaseModel):
    """A person's shift with its segments."""

    id: int
    person_id: int
    login: str
    name: str
    template: str
    queues: list[str]
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime
    paid_h: float
    activities: list[ScheduledActivityOut]


class AuditOut(BaseModel):
    """One entry of a schedule's audit trail."""

    action: str
    detail: str
    created_by: str
    created_at: datetime


class ScheduleOut(BaseModel):
    """A schedule version and its measures (objective, bound, gap of stage 1; hours and
    coverage of the roster of named people)."""

    id: int
    site: str
    week: str
    week_start: date
    version: int
    parent_id: int | None
    status: str
    created_by: str
    created_at: datetime
    published_by: str | None
    published_at: datetime | None
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float | None
    paid_hours: float | None
    cost: float | None
    under_coverage_h: float | None
    over_coverage_h: float | None
    notes: list[str]
    people: int = 0
    shifts: int = 0


class HeldActivityOut(BaseModel):
    """A person's fixed activity (meeting, training, huddle...) a change of shifts kept or
    could not keep, with the reason when not kept."""

    login: str
    kind: str
    name: str
    start: datetime
    end: datetime
    reason: str | None = None


class LinesAppliedOut(ScheduleOut):
    """The new version made by applying shift lines, and the fixed activities of the people
    moved: carried onto their new shifts, or left out (to plan again) with the reason."""

    activities_kept: list[HeldActivityOut] = Field(default_factory=list)
    activities_left_out: list[HeldActivityOut] = Field(default_factory=list)


class ScheduleDetailOut(ScheduleOut):
    """A schedule with its coverage, shifts and audit trail."""

    intervals: list[CoverageRowOut]
    shift_rows: list[ShiftOut]
    audit: list[AuditOut]


class PersonWeekOut(BaseModel):
    """One person's published (or given) week."""

    person_id: int
    login: str
    name: str
    schedule_id: int | None
    week: str
    status: str | None
    paid_h: float
    shifts: list[ShiftOut]


class FeedTokenOut(BaseModel):
    """A new calendar feed: its secret address (shown once)."""

    id: int
    url: str


TIME_OF_DAY = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def time_of_day(text: str) -> str:
    """Check an ``HH:MM`` local time of day (00:00 to 24:00) and return it stripped."""
    value = text.strip()
    if not re.fullmatch(TIME_OF_DAY, value):
        raise ValueError(f"{text!r} is not a time of day HH:MM between 00:00 and 24:00")
    return value


def minutes_of(text: str) -> int:
    """Minutes after midnight of an ``HH:MM`` time (``24:00`` is the end of the day)."""
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


class AvailabilitySpanIn(BaseModel):
    """A local time span of a weekday when a person can work (0 Monday ... 6 Sunday)."""

    model_config = ConfigDict(extra="forbid")
    weekday: int = Field(ge=0, le=6, description="0 Monday ... 6 Sunday")
    start: str = Field(description="HH:MM, local time")
    end: str = Field(description="HH:MM, local time (24:00: midnight)")

    @field_validator("start", "end")
    @classmethod
    def _time(cls, value: str) -> str:
        return time_of_day(value)

    @model_validator(mode="after")
    def _order(self) -> AvailabilitySpanIn:
        if minutes_of(self.end) <= minutes_of(self.start):
            raise ValueError(
                f"end {self.end} must be after start {self.start} (a night that passes "
                "midnight is two spans, one on each weekday)"
            )
        return self


class AvailabilityIn(BaseModel):
    """A person's whole availability (replaces what was stored; no spans: any time)."""

    model_config = ConfigDict(extra="forbid")
    spans: list[AvailabilitySpanIn] = Field(max_length=100)


class AvailabilityOut(BaseModel):
    """When a person can work; ``any_time`` when no span is stored."""

    login: str
    any_time: bool
    spans: list[AvailabilitySpanIn]


class PreferenceIn(BaseModel):
    """A soft wish: positive weight asks for matching shifts, negative avoids them.

    A shift matches if it is of ``template`` (when given) and overlaps the weekday's span
    (``weekday`` alone: the whole day; ``start``/``end`` alone: that span on every day)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    weight: float = Field(ge=-100, le=100, description="Cost units per matching shift, nonzero")
    template: str | None = Field(default=None, min_length=1, max_length=100)
    weekday: int | None = Field(default=None, ge=0, le=6, description="0 Monday ... 6 Sunday")
    start: str | None = Field(default=None, description="HH:MM, local time")
    end: str | None = Field(default=None, description="HH:MM, local time (24:00: midnight)")

    @field_validator("start", "end")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return None if value is None else time_of_day(value)

    @model_validator(mode="after")
    def _shape(self) -> PreferenceIn:
        if self.weight == 0:
            raise ValueError("weight must not be 0 (positive asks for, negative avoids)")
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end go together")
        if self.start is not None and self.end is not None:
            if minutes_of(self.end) <= minutes_of(self.start):
                raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.template is None and self.weekday is None and self.start is None:
            raise ValueError("a preference needs a template, a weekday or a start and end")
        return self


class PreferencesIn(BaseModel):
    """A person's whole set of preferences (replaces what was stored; empty: none)."""

    model_config = ConfigDict(extra="forbid")
    preferences: list[PreferenceIn] = Field(max_length=100)


class PreferencesOut(BaseModel):
    """A person's preferences."""

    login: str
    preferences: list[PreferenceIn]


class BreakWindowOut(BaseModel):
    """A published break of a person with the window its template allows it to start in."""

    schedule_id: int
    person_id: int
    kind: str
    start: datetime
    end: datetime
    earliest_start: datetime | None
    latest_start: datetime | None
