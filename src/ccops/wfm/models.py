"""Tables of workforce planning: forecasts, their adjustments, special days, staffing
requirements and capacity (hiring) plans."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class Forecast(Base):
    """A versioned interval forecast of one queue, with the method chosen and its accuracy."""

    __tablename__ = "forecast"
    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    method: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    horizon_days: Mapped[int] = mapped_column(Integer)
    interval_min: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date]
    last_day: Mapped[date]
    history_source: Mapped[str] = mapped_column(String(32))
    accuracy_json: Mapped[str] = mapped_column(Text, default="[]")
    chosen_wmape_7d: Mapped[float | None] = mapped_column(Float)
    seasonal_naive_wmape_7d: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    intervals: Mapped[list[ForecastInterval]] = relationship(
        cascade="all, delete-orphan", order_by="ForecastInterval.interval_start"
    )
    adjustments: Mapped[list[ForecastAdjustment]] = relationship(
        cascade="all, delete-orphan", order_by="ForecastAdjustment.id"
    )


class ForecastInterval(Base):
    """One forecast interval: point forecast, 80%/95% prediction intervals and handle time."""

    __tablename__ = "forecast_interval"
    __table_args__ = (UniqueConstraint("forecast_id", "interval_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecast.id", ondelete="CASCADE"))
    interval_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())
    volume: Mapped[float] = mapped_column(Float)
    lo80: Mapped[float] = mapped_column(Float)
    hi80: Mapped[float] = mapped_column(Float)
    lo95: Mapped[float] = mapped_column(Float)
    hi95: Mapped[float] = mapped_column(Float)
    aht_s: Mapped[float] = mapped_column(Float)


class ForecastAdjustment(Base):
    """A planner's factor on a day or interval range of a forecast (a layer; nothing is
    overwritten). Covers the intervals whose local start lies in [first, last]."""

    __tablename__ = "forecast_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("forecast.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_local_min: Mapped[int] = mapped_column(BigInteger)
    last_local_min: Mapped[int] = mapped_column(BigInteger)
    factor: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500))


class CalendarEvent(Base):
    """A special day of a site (or one of its queues): launch, campaign, bill run, closure."""

    __tablename__ = "calendar_event"
    __table_args__ = (Index("ix_calendar_event_site_day", "site_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    effect_pct: Mapped[float | None] = mapped_column(Float)


class StaffingRequirement(Base):
    """Net agents per interval for a forecast, and the people to schedule after shrinkage."""

    __tablename__ = "staffing_requirement"
    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("forecast.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    target_s: Mapped[float] = mapped_column(Float)
    service_level_goal: Mapped[float] = mapped_column(Float)
    patience_s: Mapped[float | None] = mapped_column(Float)
    shrinkage_json: Mapped[str] = mapped_column(Text, default="{}")
    staffing_model: Mapped[str | None] = mapped_column(String(32))
    intervals: Mapped[list[RequirementInterval]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementInterval.interval_start"
    )


class RequirementInterval(Base):
    """One interval of a staffing requirement."""

    __tablename__ = "requirement_interval"
    __table_args__ = (UniqueConstraint("requirement_id", "interval_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("staffing_requirement.id", ondelete="CASCADE")
    )
    interval_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())
    volume: Mapped[float] = mapped_column(Float)
    aht_s: Mapped[float] = mapped_column(Float)
    required_agents: Mapped[int] = mapped_column(Integer)
    scheduled: Mapped[int] = mapped_column(Integer)


class CapacityPlan(Base):
    """A week-by-week hiring plan from a forecast's workload (how many people, and when)."""

    __tablename__ = "capacity_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("forecast.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_week: Mapped[date]
    current_fte: Mapped[float] = mapped_column(Float)
    hours_per_fte_week: Mapped[float] = mapped_column(Float)
    occupancy: Mapped[float] = mapped_column(Float)
    shrinkage: Mapped[float] = mapped_column(Float)
    attrition_weekly: Mapped[float] = mapped_column(Float)
    lead_time_weeks: Mapped[int] = mapped_column(Integer)
    training_weeks: Mapped[int] = mapped_column(Integer)
    ramp_json: Mapped[str] = mapped_column(Text, default="[]")
    notes: Mapped[str] = mapped_column(Text, default="")
    weeks: Mapped[list[CapacityWeek]] = relationship(
        cascade="all, delete-orphan", order_by="CapacityWeek.week_index"
    )


class CapacityWeek(Base):
    """One week of a capacity plan."""

    __tablename__ = "capacity_week"
    __table_args__ = (UniqueConstraint("plan_id", "week_index"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("capacity_plan.id", ondelete="CASCADE"))
    week_index: Mapped[int] = mapped_column(Integer)
    week_start: Mapped[date]
    workload_h: Mapped[float] = mapped_column(Float)
    from_forecast: Mapped[bool]
    required_fte: Mapped[float] = mapped_column(Float)
    existing_fte: Mapped[float] = mapped_column(Float)
    new_hire_fte: Mapped[float] = mapped_column(Float)
    available_fte: Mapped[float] = mapped_column(Float)
    hires_start: Mapped[int] = mapped_column(Integer)
    gap_fte: Mapped[float] = mapped_column(Float)
