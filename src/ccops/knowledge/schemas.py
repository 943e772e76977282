"""Input and output shapes of the knowledge base, banners and process changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccops.enums import Role

Title = Annotated[str, Field(min_length=1, max_length=300)]
Body = Annotated[str, Field(min_length=1, max_length=50_000)]
Topic = Annotated[str, Field(min_length=1, max_length=100)]
Language = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z]+)?$")]
Note = Annotated[str, Field(max_length=2000)]

STATUSES = ("draft", "in_review", "approved", "published", "superseded", "archived")
"""A version's life: written (draft), sent to the owner (in_review), approved by the owner,
published (what agents read), superseded by a later one, archived with its article."""


class ArticleIn(BaseModel):
    """A new article: its first version is a draft."""

    model_config = ConfigDict(extra="forbid")
    topic: Topic
    title: Title
    body: Body
    language: Language = "en"
    queue: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100, description="Login; default: you")
    kind: Literal["answer", "process"] = "answer"


class EditIn(BaseModel):
    """A change of an article's text: a new draft version (or the open draft changed)."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    body: Body
    note: Note = ""


class ReviewIn(BaseModel):
    """The owner's decision on a version in review."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    comment: Note = ""


class VersionOut(BaseModel):
    """One version of an article."""

    version: int
    title: str
    body: str
    status: str
    note: str
    rollback_of: int | None
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str
    published_by: str | None
    published_at: datetime | None


class ArticleOut(BaseModel):
    """An article with its published version (if any) and its whole history."""

    id: int
    topic: str
    kind: str
    queue: str | None
    language: str
    owner: str
    status: str
    """published, archived, or the state of its newest version when none is published."""
    version: int | None
    """The published version (None: not published yet)."""
    title: str
    body: str
    archived_at: datetime | None
    versions: list[VersionOut]


class SearchHit(BaseModel):
    """A published article matching a search."""

    id: int
    title: str
    version: int
    language: str
    topic: str
    queue: str | None
    snippet: str


class DiffLine(BaseModel):
    """One line of a unified diff: ``+`` added, ``-`` removed, `` `` unchanged, ``@`` a hunk."""

    op: Literal["+", "-", " ", "@"]
    text: str


class DiffOut(BaseModel):
    """What changed between two versions of an article."""

    article_id: int
    from_version: int
    to_version: int
    lines: list[DiffLine]
    text: str


class BannerIn(BaseModel):
    """A known issue for a queue, shown to agents until it expires."""

    model_config = ConfigDict(extra="forbid")
    queue: str = Field(min_length=1, max_length=100)
    message: Annotated[str, Field(min_length=1, max_length=1000)]
    expires_at: datetime
    article_id: int | None = None


class BannerOut(BaseModel):
    """A known-issue banner."""

    id: int
    queue: str
    message: str
    article_id: int | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    active: bool


class ChangeIn(BaseModel):
    """A process change and who must know it (teams, roles, or both)."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    summary: Body
    teams: list[str] = Field(default_factory=list, max_length=200)
    roles: list[Role] = Field(default_factory=list, max_length=10)
    article_id: int | None = None


class RecipientOut(BaseModel):
    """A person a change is addressed to."""

    login: str
    team: str | None
    acknowledged_at: datetime | None
    reminded_at: datetime | None


class ChangeOut(BaseModel):
    """A change with its acknowledgement counts (recipients in the caller's scope)."""

    id: int
    title: str
    summary: str
    article_id: int | None
    article_version: int | None
    teams: list[str]
    roles: list[str]
    created_by: str
    published_at: datetime
    addressed: int
    acknowledged: int
    mine: Literal["acknowledged", "pending", "not addressed"]


class TeamAcks(BaseModel):
    """Who of a team has and has not acknowledged a change."""

    team: str | None
    addressed: int
    acknowledged: int
    missing: list[str]


class ChangeStatusOut(BaseModel):
    """A change's acknowledgements per team, for managers."""

    change: ChangeOut
    teams: list[TeamAcks]


class RemindOut(BaseModel):
    """How many people a reminder went to."""

    change_id: int
    reminded: int
    logins: list[str]
