"""The job table: one row per piece of long work, its progress and its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class Job(Base):
    """A queued, running, done or failed piece of long work of one kind, with its progress."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """A queued job is not claimed before this time (a retry waiting its back-off); None: now."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many times a worker claimed the job (a job whose worker died is queued again)."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the worker running the job last said it is alive; None: not since it started."""
