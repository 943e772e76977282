"""Tables of staffing requirements: net agents and people to schedule per forecast interval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


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
    volume_percentile: Mapped[float | None] = mapped_column(Float)
    """Percent: staffed to this percentile of each interval's forecast volume (from the
    forecast's bands), ``None`` = the point forecast."""
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
