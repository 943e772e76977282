"""Tables of forecasts: versions, their intervals, planners' adjustment layers and the special
days of sites and queues."""

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


class SpecialDay(Base):
    """A special day of a site (or one of its queues): launch, campaign, bill run, closure."""

    __tablename__ = "special_day"
    __table_args__ = (Index("ix_special_day_site_day", "site_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    effect_pct: Mapped[float | None] = mapped_column(Float)
