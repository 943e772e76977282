"""Shift bidding: a bid a planner opens on shift lines for a period, the rankings agents give,
and the awards made by the bid's published rule (seniority, rotating priority or a seeded
lottery; never performance)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class ShiftBid(Base):
    """A bid of a site for the weeks from ``first_day`` to ``last_day``; ``status`` is ``open``
    until the planner awards it (``awarded``), after ``closes_at``."""

    __tablename__ = "shift_bid"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    first_day: Mapped[date]
    last_day: Mapped[date]
    rule: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    round_no: Mapped[int] = mapped_column(Integer, default=0)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BidLine(Base):
    """One shift line on offer: the same shift on the given local weekdays of every week."""

    __tablename__ = "bid_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("shift_bid.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(100))
    weekdays: Mapped[str] = mapped_column(String(20))
    """Local weekdays, Monday 0, comma-separated."""
    start_min: Mapped[int] = mapped_column(Integer)
    length_min: Mapped[int] = mapped_column(Integer)
    queues: Mapped[str] = mapped_column(String(500))
    weekly_h: Mapped[float] = mapped_column(Float)


class BidRanking(Base):
    """An agent's ranking of a bid's lines (``ranks_json``: line ids, best first)."""

    __tablename__ = "bid_ranking"
    __table_args__ = (UniqueConstraint("bid_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("shift_bid.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    ranks_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BidAward(Base):
    """What one agent got in an awarded bid, their position in the rule's order and why."""

    __tablename__ = "bid_award"
    __table_args__ = (UniqueConstraint("bid_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("shift_bid.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("bid_line.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    choice: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
