"""A front-line shift of a person who does not normally take contacts (an executive)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class FrontlineShift(Base):
    """``person`` works ``queue`` from ``start_at`` to ``end_at``; the planner decides whether
    the shift adds to the queue's scheduled coverage (``counts_as_coverage``)."""

    __tablename__ = "frontline_shift"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    counts_as_coverage: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
