"""Tables of intraday management: the event intake log, interval aggregates kept up to date as
events arrive, exception plans with their tiered rules, exceptions with their audit trail and
notifications, and adherence alerts for team leaders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class IntakeEvent(Base):
    """One event received by the intake (accepted or duplicate-free); its id makes it idempotent.

    ``target`` is the record the event wrote (``contact:SOURCE:EXTERNAL_ID`` or
    ``agent_state:...``); ``event_at`` orders the events of one record, so a late event older
    than the stored state is logged but not applied.
    """

    __tablename__ = "intake_event"
    __table_args__ = (Index("ix_intake_event_target", "target", "event_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    target: Mapped[str] = mapped_column(String(320))
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[str] = mapped_column(String(500), default="")


class IntradayInterval(Base):
    """Running totals of one queue and 15-minute interval, updated in place by the intake.

    Contact counts follow the metrics registry's definitions (short abandons and the service
    level threshold with the queue's settings when the contact arrived). Agent seconds come from
    agent-state spans of people whose primary queue (highest skill level) this is.
    """

    __tablename__ = "intraday_interval"
    __table_args__ = (UniqueConstraint("queue_id", "interval_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())
    interval_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_within_target: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    timed: Mapped[int] = mapped_column(Integer, default=0)
    """Contacts with trusted timing (wait known): the service-level denominators' base."""
    answered_timed: Mapped[int] = mapped_column(Integer, default=0)
    """Answered contacts with trusted timing: the denominator of ASA and AHT."""
    handle_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    """Handle seconds of the ``answered_timed`` contacts."""
    answered_wait_sum_s: Mapped[float] = mapped_column(Float, default=0.0)
    """Wait seconds of the ``answered_timed`` contacts."""
    staffed_s: Mapped[float] = mapped_column(Float, default=0.0)
    handling_s: Mapped[float] = mapped_column(Float, default=0.0)
    available_s: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExceptionPlan(Base):
    """A backup plan agreed in advance for one queue or every queue of a site."""

    __tablename__ = "exception_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rules: Mapped[list[ExceptionRule]] = relationship(
        cascade="all, delete-orphan", order_by="ExceptionRule.tier", lazy="selectin"
    )


class ExceptionRule(Base):
    """One tier's trigger (a measure beyond a threshold for n consecutive intervals), its backup
    resources and the owners to notify."""

    __tablename__ = "exception_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("exception_plan.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[float] = mapped_column(Float)
    consecutive: Mapped[int] = mapped_column(Integer, default=2)
    resources_json: Mapped[str] = mapped_column(Text, default="[]")
    owners_json: Mapped[str] = mapped_column(Text, default="[]")
    webhook_url: Mapped[str | None] = mapped_column(String(500))


class ExceptionRecord(Base):
    """An exception opened when a rule fired: what was measured and what the engine recommends."""

    __tablename__ = "exception_record"
    __table_args__ = (UniqueConstraint("rule_id", "queue_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("exception_rule.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    day: Mapped[date]
    tier: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    measured_json: Mapped[str] = mapped_column(Text, default="{}")
    recommended_extra_agents: Mapped[int] = mapped_column(Integer, default=0)
    recommendation_json: Mapped[str] = mapped_column(Text, default="{}")
    summary: Mapped[str] = mapped_column(String(1000), default="")


class ExceptionAction(Base):
    """One step of an exception's audit trail (opened, acknowledged, actioned, closed)."""

    __tablename__ = "exception_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(
        ForeignKey("exception_record.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(2000), default="")


class ExceptionNotification(Base):
    """A notification of an exception to an owner, in the app or by webhook, and its delivery.

    A webhook is attempted by a job (``attempts`` so far, the next at ``next_attempt_at``);
    ``error`` only ever says why an in-app notification failed, never what a receiver answered.
    """

    __tablename__ = "exception_notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(
        ForeignKey("exception_record.id", ondelete="CASCADE"), index=True
    )
    owner: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdherenceAlert(Base):
    """A person out of adherence beyond the grace period, for their team leader to look at."""

    __tablename__ = "adherence_alert"
    __table_args__ = (UniqueConstraint("person_id", "start_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    planned: Mapped[str] = mapped_column(String(32))
    actual: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")


class LiveContact(Base):
    """A contact that has arrived and not yet ended (its arrival event counted it as offered)."""

    __tablename__ = "live_contact"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    arrival_at: Mapped[datetime] = mapped_column(UTCDateTime())
    arrival_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
