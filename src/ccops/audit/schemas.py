"""What the audit trail, the retention purge and a leaver's erasure answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    """One change: who made it, when, through what, to which record, and its columns."""

    id: int
    at: datetime
    actor: str
    origin: str
    entity_kind: str
    entity_id: int | None
    action: str
    site_id: int | None
    changes: dict[str, Any] = Field(
        description="For a create, update or delete: {column: [before, after]}; secrets are "
        "'[redacted]'. For an operation (erase, purge): what it did, without erased values."
    )


class AuditPage(BaseModel):
    """One page of audit entries, newest first, and whether an older page follows."""

    entries: list[AuditEntryOut]
    page: int
    per_page: int
    has_more: bool


class PurgeKindOut(BaseModel):
    """What the retention purge did (or would do) to one kind of data."""

    kind: str
    retention_days: int = Field(description="0: kept forever (nothing purged)")
    cutoff: datetime | None = Field(description="rows older than this go; None: kept forever")
    rows: int = Field(description="rows deleted, or that would be with --dry-run")


class PurgeOut(BaseModel):
    """What one run of the retention purge did."""

    dry_run: bool
    kinds: list[PurgeKindOut]


class LeaverErasureOut(BaseModel):
    """What erasing a leaver's personal data changed and what it kept."""

    person_id: int
    pseudonym: str
    users_disabled: int
    tokens_deleted: int
    notes_erased: int
    audit_entries_redacted: int
    kept: list[str]


class LeaverErasureIn(BaseModel):
    """The person login of a leaver whose personal data is to be erased."""

    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=100)
