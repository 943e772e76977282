"""Jobs as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class JobStatus(StrEnum):
    """Where a job is: waiting, being worked on, finished, or failed (nothing of it stored)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class JobOut(BaseModel):
    """A job: its kind and parameters, progress (0-1) with a message, result or error."""

    id: int
    kind: str
    params: dict[str, Any]
    status: JobStatus
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = 0
    """How many times a worker took the job (more than once: its worker died and it was retried)."""

    @property
    def finished(self) -> bool:
        """Whether the job has ended (done or failed)."""
        return self.status in (JobStatus.done, JobStatus.failed)
