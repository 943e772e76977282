"""Agents' own schedule requests: time off for a range of days, and shift swaps with a colleague
(the colleague accepts first); the planner grants or refuses each, and a granted request
becomes a new published schedule version through the schedule service's edits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class ScheduleRequest(Base):
    """One request of a person about their schedule, and where it stands.

    ``kind`` is ``time_off`` (``start_at``-``end_at``: whole local days) or ``swap`` (the
    shifts of the person and ``colleague_id`` on the local ``day``). ``status`` runs
    ``awaiting_colleague`` (swaps) → ``pending`` → ``granted`` or ``refused``; the colleague
    may ``decline`` and the person may ``withdraw`` while it is open.
    """

    __tablename__ = "schedule_request"
    __table_args__ = (
        Index("ix_schedule_request_site_status", "site_id", "status"),
        Index("ix_schedule_request_person", "person_id"),
        Index("ix_schedule_request_colleague", "colleague_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    status: Mapped[str] = mapped_column(String(24))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    day: Mapped[date | None]
    colleague_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
    time_off_id: Mapped[int | None] = mapped_column(ForeignKey("time_off.id", ondelete="SET NULL"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id", ondelete="SET NULL"))
