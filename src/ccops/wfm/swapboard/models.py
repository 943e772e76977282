"""The open swap board: shifts agents post to give away or trade, and what became of each."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class SwapPost(Base):
    """A person's published shift(s) on a local ``day`` offered to colleagues.

    ``kind`` is ``give`` (a colleague free that day takes the shift) or ``trade`` (a colleague
    working that day swaps shifts). ``status``: ``open`` → ``approved`` (the rules approved it
    and a new schedule version is published), ``to_planner`` (a schedule request waits for the
    planner: ``request_id``) or ``withdrawn``.
    """

    __tablename__ = "swap_post"
    __table_args__ = (Index("ix_swap_post_site_status", "site_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    taker_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_request.id", ondelete="SET NULL")
    )
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
