"""Tables of what happened: contacts, agent states, ACD interval reports, import batches.

Besides aware UTC timestamps, rows carry integer epoch columns (seconds UTC, and minutes of the
site's local wall clock with the UTC offset in force) so that every analytic backend (SQLite,
PostgreSQL, DuckDB) buckets intervals with the same integer arithmetic, daylight saving included.
"""

from __future__ import annotations

from datetime import datetime

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
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow
from ccops.enums import AgentState, Outcome
from ccops.org.models import _enum


class ImportBatch(Base):
    """One file import and what became of its rows."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")


class Contact(Base):
    """One contact offered to a queue (a call, chat, email or message)."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_contact_queue_local", "queue_id", "arrival_local_min"),
        Index("ix_contact_customer", "customer_hash", "queue_id", "arrival_epoch_s"),
        Index("ix_contact_person_local", "person_id", "arrival_local_min"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    arrival_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome))
    wait_s: Mapped[float | None] = mapped_column(Float, default=0.0)
    """Null when the source's timestamps disagree (see ``timing_untrusted``). The importers write
    it with Core inserts, where an explicit None is stored as null; the ORM would store the
    default 0 for None, so a test or tool that wants a null wait updates it after the insert."""
    talk_s: Mapped[float] = mapped_column(Float, default=0.0)
    hold_s: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_s: Mapped[float] = mapped_column(Float, default=0.0)
    timing_untrusted: Mapped[str | None] = mapped_column(String(40))
    """Why the contact's timing is not trusted (None: it is): its outcome is known, so it is
    counted as offered, answered or abandoned, but its unknown wait is left out of wait-based KPIs
    (see ``TIMING_REASONS`` in contacts.importers.base)."""
    customer_hash: Mapped[str | None] = mapped_column(String(64))
    arrival_epoch_s: Mapped[int] = mapped_column(BigInteger)
    arrival_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    # Business context, as the source recorded it (all optional; see importers.base.ContactContext)
    reason_code: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(100))
    kb_article_id: Mapped[int | None] = mapped_column(BigInteger)
    kb_article_version: Mapped[int | None] = mapped_column(Integer)
    transferred: Mapped[bool | None] = mapped_column(Boolean)
    escalated: Mapped[bool | None] = mapped_column(Boolean)
    recording_ref: Mapped[str | None] = mapped_column(String(500))
    transcript_ref: Mapped[str | None] = mapped_column(String(500))
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)


class AgentStateEvent(Base):
    """A span of time a person spent in one state (available, on contact, break, ...)."""

    __tablename__ = "agent_state_event"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_agent_state_person_start", "person_id", "start_epoch_s"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    state: Mapped[AgentState] = mapped_column(_enum(AgentState))
    reason_code: Mapped[str | None] = mapped_column(String(100))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    start_epoch_s: Mapped[int] = mapped_column(BigInteger)
    end_epoch_s: Mapped[int | None] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class IntervalReport(Base):
    """One queue-interval row of an ACD's interval report (aggregates, no contact detail)."""

    __tablename__ = "interval_report"
    __table_args__ = (
        UniqueConstraint("source", "queue_id", "interval_start"),
        Index("ix_interval_report_queue_local", "queue_id", "interval_local_min"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime())
    interval_local_min: Mapped[int] = mapped_column(BigInteger)
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    interval_min: Mapped[int] = mapped_column(Integer)
    offered: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    abandoned: Mapped[int] = mapped_column(Integer)
    short_abandoned: Mapped[int | None] = mapped_column(Integer)
    answered_within_target: Mapped[int | None] = mapped_column(Integer)
    handle_s: Mapped[float | None] = mapped_column(Float)
    wait_s: Mapped[float | None] = mapped_column(Float, default=0.0)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Erasure(Base):
    """That a customer's key was erased, and how many contacts it touched; never the key."""

    __tablename__ = "erasure"
    id: Mapped[int] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contacts_affected: Mapped[int] = mapped_column(Integer)


class PendingCall(Base):
    """A call still open at the end of an imported file (logrotate split the log mid-call),
    kept so the next file of the same source completes it instead of losing it."""

    __tablename__ = "pending_call"
    __table_args__ = (UniqueConstraint("source", "callid", "queue"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    callid: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(200))
    entry: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    arrival_epoch_s: Mapped[int] = mapped_column(BigInteger)
    last_epoch_s: Mapped[int] = mapped_column(BigInteger)
    answered_epoch_s: Mapped[int | None] = mapped_column(BigInteger)
    agent: Mapped[str | None] = mapped_column(String(200))
    customer_key: Mapped[str | None] = mapped_column(String(200))
    raw: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(500))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class AgentAlias(Base):
    """Another name a telephony log uses for a person (an interface such as ``Agent/1127`` or
    ``Local/1127@callback-agent``); matched case-insensitively (stored lower-cased)."""

    __tablename__ = "agent_alias"
    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
