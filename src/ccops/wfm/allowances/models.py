"""Time-off allowances: an annual allowance per work contract (with its accrual and whether
requests inside the open slots are granted automatically) and the hours each time-off request
books against its person's balance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class LeavePolicy(Base):
    """The time-off allowance of everybody on one work contract.

    ``accrual`` is ``upfront`` (the whole year on 1 January) or ``monthly`` (a twelfth on each
    1st); ``hours_per_day`` is what one day off books when the person has no published shift
    that day to measure it by; ``auto_grant`` grants a request inside the open slots and the
    balance without the planner.
    """

    __tablename__ = "leave_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("work_contract.id", ondelete="CASCADE"), unique=True
    )
    annual_h: Mapped[float] = mapped_column(Float)
    accrual: Mapped[str] = mapped_column(String(16), default="upfront")
    hours_per_day: Mapped[float] = mapped_column(Float, default=8.0)
    auto_grant: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeaveBooking(Base):
    """The hours one time-off request books against its person's allowance of ``year``; whether
    they count (pending or granted) or not (refused, withdrawn, cancelled) follows the request."""

    __tablename__ = "leave_booking"
    __table_args__ = (Index("ix_leave_booking_person_year", "person_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_request.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    slot_note: Mapped[str] = mapped_column(String(500), default="")
    """Why the request went to the planner (no open slot, no published plan), or empty."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
