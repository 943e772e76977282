"""Input and output shapes of contact data: import mappings, import reports, contacts, erasure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ccops.enums import AgentState, Outcome

ImportKind = Literal["contacts", "agent_states", "intervals"]


class MappingOptions(BaseModel):
    """How to read a CSV or Parquet file (the ``[options]`` table of a mapping file)."""

    model_config = ConfigDict(extra="forbid")
    timestamp_format: str | None = Field(
        default=None,
        description="strptime format of timestamps, or 'epoch' for Unix seconds; "
        "default ISO 8601 (with or without an offset).",
    )
    timezone: str | None = Field(
        default=None, description="IANA zone of timestamps without an offset (else the site's)."
    )
    source: str | None = Field(default=None, min_length=1, max_length=100)
    delimiter: str = Field(default=",", description="CSV delimiter: one character, or 'tab'.")
    interval_min: Literal[15, 30, 60] | None = Field(
        default=None, description="Interval length when the file has no interval_min column."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value.lower() == "tab":
            return "\t"
        if len(value) != 1:
            raise ValueError("the delimiter is one character (or 'tab')")
        return value


class Mapping(BaseModel):
    """A column-mapping file (TOML): our field names to the file's columns, and value maps."""

    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str] = Field(default_factory=dict)
    outcomes: dict[Outcome, list[str]] = Field(default_factory=dict)
    states: dict[AgentState, list[str]] = Field(default_factory=dict)
    options: MappingOptions = Field(default_factory=MappingOptions)


class ProblemOut(BaseModel):
    """One located complaint about an input."""

    message: str
    field: str | None = None
    row: int | None = None
    file: str | None = None


class ImportReport(BaseModel):
    """What an import did: counts, skips and warnings by kind, the problems of rejected rows."""

    batch_id: int | None
    kind: ImportKind
    format: str
    source: str
    file: str
    sha256: str
    rows_read: int = Field(description="Data rows (lines, for line formats) read from the file.")
    inserted: int
    updated: int
    unchanged: int
    rejected: int = Field(description="Rows refused (written to the rejects file when skipped).")
    conflicts: int = Field(description="Stored ids whose content differs (updated with --update).")
    warnings: int
    warnings_by_kind: dict[str, int]
    skipped: dict[str, int] = Field(description="Rows that are not records, by reason.")
    notes: dict[str, int] = Field(description="Counts worth knowing that are not faults.")
    timing_untrusted: dict[str, int] = Field(
        default_factory=dict,
        description="Contacts kept and counted (their outcome is known) whose timestamps "
        "disagree, by reason: their wait is stored as unknown and left out of wait-based KPIs.",
    )
    created_queues: list[str]
    created_people: list[str]
    problems: list[ProblemOut] = Field(description="Problems of rejected rows (first 1,000).")
    problems_total: int
    warning_examples: list[ProblemOut]
    report_path: str | None = None
    rejects_path: str | None = None
    seconds: float
    agent_states: ImportReport | None = Field(
        default=None, description="Agent states imported from the same file, when asked."
    )
    pending_calls: int = Field(
        default=0,
        description="Calls still open at the end of the file (queue_log), kept for the next "
        "file of the source; those answered are counted already (offered, answered, wait).",
    )
    aliases_stored: int = Field(default=0, description="New agent aliases from --agent-map.")


class PendingCallOut(BaseModel):
    """A call still open at the end of the last import of its source."""

    source: str
    external_id: str
    queue: str
    arrival_epoch_s: int
    answered: bool
    agent: str | None
    file: str
    line: int


class AgentAliasOut(BaseModel):
    """Another name a telephony log uses for a person."""

    alias: str
    login: str


class AgentAliasesStored(BaseModel):
    """What storing an agent map did: new aliases, and every alias now stored (in scope)."""

    stored: int
    aliases: list[AgentAliasOut]


class ImportBatchOut(BaseModel):
    """A stored import batch."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    format: str
    source: str
    file_name: str
    sha256: str
    created_at: datetime
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int


class ContactOut(BaseModel):
    """A stored contact (the customer appears only as whether one is known)."""

    id: int
    source: str
    external_id: str
    queue: str
    channel: str
    agent: str | None
    arrival_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: Outcome
    wait_s: float | None = Field(description="Null when the timing is untrusted.")
    talk_s: float
    hold_s: float
    wrap_s: float
    timing_untrusted: str | None = Field(
        default=None, description="Why the source's timestamps are not trusted (null: they are)."
    )
    customer_known: bool
    reason_code: str | None = None
    topic: str | None = None
    kb_article_id: int | None = None
    kb_article_version: int | None = None
    transferred: bool | None = None
    escalated: bool | None = None
    recording_ref: str | None = None
    transcript_ref: str | None = None
    csat: int | None = None
    nps: int | None = None


class ContactContextIn(BaseModel):
    """What a contact was about: only the fields sent change (null clears one)."""

    model_config = ConfigDict(extra="forbid")
    reason_code: str | None = Field(default=None, min_length=1, max_length=100)
    topic: str | None = Field(default=None, min_length=1, max_length=100)
    kb_article_id: int | None = Field(default=None, ge=1)
    kb_article_version: int | None = Field(default=None, ge=1)
    transferred: bool | None = None
    escalated: bool | None = None
    recording_ref: str | None = Field(default=None, min_length=1, max_length=500)
    transcript_ref: str | None = Field(default=None, min_length=1, max_length=500)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)


class ContactContextOut(BaseModel):
    """A contact's business context as stored."""

    contact_id: int
    reason_code: str | None
    topic: str | None
    kb_article_id: int | None
    kb_article_version: int | None
    transferred: bool | None
    escalated: bool | None
    recording_ref: str | None
    transcript_ref: str | None
    csat: int | None
    nps: int | None


class RecentContactOut(BaseModel):
    """One of an agent's latest contacts and what is recorded on it."""

    contact_id: int
    queue: str
    arrival_at: datetime
    timezone: str
    topic: str | None
    kb_article_id: int | None
    kb_article_version: int | None


class ErasureIn(BaseModel):
    """A customer key whose link to contacts is to be erased."""

    model_config = ConfigDict(extra="forbid")
    customer_key: str = Field(min_length=1, max_length=200)


class ErasureOut(BaseModel):
    """How many contacts lost their customer link (their statistics are kept)."""

    contacts_affected: int


class BatchCoverage(BaseModel):
    """A queue an import wrote to and the local dates it covers."""

    queue: str
    first: date
    last: date


class HandledSummary(BaseModel):
    """What one person answered over local dates [first, last]."""

    first: date
    last: date
    answered: int
    aht_s: float | None
