"""Overtime and VTO (voluntary time off) offers: slots a planner offers on a queue for a span,
and who accepted them (first come, up to the slots)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class OvertimeOffer(Base):
    """``slots`` extra shifts (``kind`` ``overtime``) or shifts released (``vto``) on a queue
    from ``start_at`` to ``end_at``; ``cost_per_hour`` comes from the shift template and
    ``premium`` multiplies it for overtime. ``status``: ``open`` → ``full`` or ``closed``."""

    __tablename__ = "overtime_offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    kind: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    slots: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(100))
    cost_per_hour: Mapped[float] = mapped_column(Float)
    premium: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OvertimeAcceptance(Base):
    """One person's accepted slot of an offer and the schedule version it published."""

    __tablename__ = "overtime_acceptance"
    __table_args__ = (UniqueConstraint("offer_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("overtime_offer.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
