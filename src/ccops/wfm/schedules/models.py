"""Tables of scheduling: shift templates, contracts, time off, availability, preferences, fixed
activities, versioned schedules with their shifts, activities and coverage, the audit trail of
edits, change requests and the per-person calendar feeds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class ShiftTemplate(Base):
    """A kind of shift at a site: start grid per weekday, length, breaks (JSON) and cost."""

    __tablename__ = "shift_template"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_json: Mapped[str] = mapped_column(Text)
    """{"0": [420, 435, ...], ...}: start minutes of the local day per weekday (0 = Monday)."""
    length_min: Mapped[int] = mapped_column(Integer)
    breaks_json: Mapped[str] = mapped_column(Text, default="[]")
    """[{"length_min", "earliest_after_start_min", "latest_after_start_min", "min_gap_min",
    "paid"}] in order."""
    cost_per_hour: Mapped[float] = mapped_column(Float, default=1.0)
    is_night: Mapped[bool] = mapped_column(Boolean, default=False)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkContract(Base):
    """The working-time rules of a contract (weekly hours, days, rest, nights, weekends)."""

    __tablename__ = "work_contract"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    weekly_min_h: Mapped[float] = mapped_column(Float)
    weekly_max_h: Mapped[float] = mapped_column(Float)
    days_min: Mapped[int] = mapped_column(Integer)
    days_max: Mapped[int] = mapped_column(Integer)
    max_consecutive_days: Mapped[int] = mapped_column(Integer)
    min_rest_h: Mapped[float] = mapped_column(Float)
    max_nights: Mapped[int] = mapped_column(Integer)
    max_weekend_days: Mapped[int] = mapped_column(Integer)
    templates_json: Mapped[str | None] = mapped_column(Text)
    """JSON list of template names this contract may work; NULL means all."""


class PersonContract(Base):
    """Each person's current contract (people without one are not scheduled)."""

    __tablename__ = "person_contract"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("work_contract.id"), index=True)
    contract: Mapped[WorkContract] = relationship(lazy="joined")


class TimeOff(Base):
    """Time off of a person: approved, or pending as a change request against published cover."""

    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_person_start", "person_id", "start_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    credit_h_per_day: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="approved")
    """approved | pending (waits for the planner: it would break published cover) | refused"""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Availability(Base):
    """When a person can work on a weekday (local clock); no rows means any time."""

    __tablename__ = "availability"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_min: Mapped[int] = mapped_column(Integer)
    end_min: Mapped[int] = mapped_column(Integer)


class ShiftPreference(Base):
    """A soft wish: a weight for shifts of a template and/or a weekday's local time span."""

    __tablename__ = "shift_preference"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    weight: Mapped[float] = mapped_column(Float)
    template: Mapped[str | None] = mapped_column(String(100))
    weekday: Mapped[int | None] = mapped_column(Integer)
    start_min: Mapped[int | None] = mapped_column(Integer)
    end_min: Mapped[int | None] = mapped_column(Integer)


class FixedActivity(Base):
    """A meeting, training, coaching session or huddle a person must attend during a shift."""

    __tablename__ = "fixed_activity"
    __table_args__ = (Index("ix_fixed_activity_person_start", "person_id", "start_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Schedule(Base):
    """One version of a site's week: draft -> published -> superseded.

    A build runs as a job and stores its version only when complete; ``progress`` and ``error``
    date from builds that ran in the record itself and stay empty (no migration to drop them).
    """

    __tablename__ = "schedule"
    __table_args__ = (UniqueConstraint("site_id", "week", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    week_start: Mapped[date]
    version: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id"))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    solve_s: Mapped[float | None] = mapped_column(Float)
    paid_hours: Mapped[float | None] = mapped_column(Float)
    cost: Mapped[float | None] = mapped_column(Float)
    under_coverage_h: Mapped[float | None] = mapped_column(Float)
    over_coverage_h: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)


class ScheduledShift(Base):
    """A shift of a person in a schedule version."""

    __tablename__ = "scheduled_shift"
    __table_args__ = (Index("ix_scheduled_shift_schedule_person", "schedule_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    template: Mapped[str] = mapped_column(String(100))
    queues: Mapped[str] = mapped_column(String(500))
    """Queue names of the skill group the plan counts the shift for, comma-separated."""
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_h: Mapped[float] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float)


class ScheduledActivity(Base):
    """A segment of a person's shift: work (on a queue, or None for a multi-skilled shift),
    break, lunch, meeting, training, coaching or huddle; the segments of a shift partition it."""

    __tablename__ = "scheduled_activity"
    __table_args__ = (Index("ix_scheduled_activity_schedule_person", "schedule_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("scheduled_shift.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(32))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CoverageInterval(Base):
    """Required versus scheduled net agents of a queue in one 15-minute interval (UTC start)."""

    __tablename__ = "coverage_interval"
    __table_args__ = (UniqueConstraint("schedule_id", "queue_id", "interval_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())
    required: Mapped[float] = mapped_column(Float)
    scheduled: Mapped[float] = mapped_column(Float)
    predicted_service_level: Mapped[float | None] = mapped_column(Float)
    rate_per_s: Mapped[float] = mapped_column(Float, default=0.0)
    aht_s: Mapped[float] = mapped_column(Float, default=0.0)


class ScheduleAudit(Base):
    """What made a schedule version: the build, a swap, time off granted, publication."""

    __tablename__ = "schedule_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChangeRequest(Base):
    """A change the planner must decide (time off that would break published cover)."""

    __tablename__ = "schedule_change_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    time_off_id: Mapped[int | None] = mapped_column(ForeignKey("time_off.id"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarFeed(Base):
    """A person's secret iCalendar feed; only the token's SHA-256 is stored."""

    __tablename__ = "calendar_feed"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
