"""Tables of capacity (hiring) plans: a plan built from a forecast, and its weeks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


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


class HiringWave(Base):
    """A hiring wave of a site: requisition, candidates per stage, training class (dates,
    trainers, curriculum), go-live, the queue its graduates join and their nesting, kept as the
    validated input (``ccops.wfm.capacity.schemas.WaveIn``) in JSON."""

    __tablename__ = "hiring_wave"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    wave_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SavedSitePlan(Base):
    """A site plan as computed and kept under a name: its inputs (``SitePlanIn``, the waves as
    given) and its weekly results (``SitePlanOut``), both JSON, to open and to compare with a
    newer computation of the same inputs."""

    __tablename__ = "saved_site_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    first_week: Mapped[date]
    weeks: Mapped[int] = mapped_column(Integer)
    inputs_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
