"""Tables of cases (escalations, complaints, feedback) with business-hours clocks, their
business calendars, targets and routing rules, the clock events of each case, and post-contact
surveys (CSAT, NPS)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class CaseCalendar(Base):
    """Business hours per weekday (JSON), holidays (JSON list of ISO dates) and a time zone."""

    __tablename__ = "case_calendar"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    hours_json: Mapped[str] = mapped_column(Text)
    holidays_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseSetting(Base):
    """A part of the centre's cases settings by name (``settings``: the status workflow,
    next-update targets and serious-case rules), as a JSON document."""

    __tablename__ = "case_setting"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CaseChurn(Base):
    """A customer the centre's CRM flags as churned, with the day it recorded the churn."""

    __tablename__ = "case_churn"
    customer_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    churned_on: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CaseTarget(Base):
    """The clock targets of one case type and severity, in business seconds of a calendar."""

    __tablename__ = "case_target"
    __table_args__ = (UniqueConstraint("case_type", "severity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("case_calendar.id"))
    first_response_s: Mapped[float] = mapped_column(Float)
    resolution_s: Mapped[float] = mapped_column(Float)
    warn_s: Mapped[float] = mapped_column(Float, default=900.0)


class CaseRoute(Base):
    """A routing rule: cases of a type (and category, queue, site when given) go to a team and
    optionally a named owner. The most specific matching rule wins."""

    __tablename__ = "case_route"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(100))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class Case(Base):
    """One case with its clocks: due times are business time on the target's calendar; time
    spent in a pausing status is added back to the resolution due time on resume."""

    __tablename__ = "case_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(100), default="")
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    attachments_json: Mapped[str] = mapped_column(Text, default="[]")
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    customer_key: Mapped[str | None] = mapped_column(String(100))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("case_calendar.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_first_response_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_resolution_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_target_s: Mapped[float] = mapped_column(Float)
    warn_s: Mapped[float] = mapped_column(Float, default=900.0)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_business_s: Mapped[float] = mapped_column(Float, default=0.0)
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[list[CaseEvent]] = relationship(
        order_by="CaseEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


class CaseEvent(Base):
    """A clock or workflow event of a case (opened, status, paused, resumed, warning, breach,
    escalated, answered); never changed once written."""

    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class Survey(Base):
    """A post-contact survey answer: CSAT 1-5 and/or NPS 0-10 with a comment, for one contact."""

    __tablename__ = "case_survey"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), unique=True)
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
