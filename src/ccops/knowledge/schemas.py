"""Input and output shapes of the knowledge base, banners and process changes."""

from __future__ import annotations

from datetime import date, datetime
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
    timezone: str = Field(default="UTC", description="IANA zone of the queue's site")


class TrainingLinkIn(BaseModel):
    """A training module a change updates, and the version of it the change requires."""

    model_config = ConfigDict(extra="forbid")
    module_id: int = Field(ge=1)
    version: int | None = Field(default=None, ge=1)


class ChangeTrainingOut(BaseModel):
    """A training module a change updates: the version it requires and the current one."""

    module_id: int
    title: str
    version: int
    current_version: int


class ChangeIn(BaseModel):
    """A process change and who must know it (teams, roles, or both)."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    summary: Body
    teams: list[str] = Field(default_factory=list, max_length=200)
    roles: list[Role] = Field(default_factory=list, max_length=10)
    article_id: int | None = None
    training: list[TrainingLinkIn] = Field(
        default_factory=list,
        max_length=20,
        description="The new-hire training modules the change updates, each with the version "
        "it requires (left out: the module's current version)",
    )


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
    training: list[ChangeTrainingOut] = Field(default_factory=list)


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


FISHBONE = ("people", "process", "technology", "materials", "measurement", "environment")
"""The fishbone (Ishikawa) categories of a root-cause analysis."""
Fishbone = Literal["people", "process", "technology", "materials", "measurement", "environment"]


class ImprovementIn(BaseModel):
    """The plan of an improvement cycle: the problem and its root causes."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    kpi: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            description="The KPI; repeat_rate:TOPIC is a topic's repeat-contact rate, checked "
            "from the stored contacts",
        ),
    ]
    queue: str | None = Field(default=None, max_length=100)
    problem_first: date
    problem_last: date
    problem: Body
    whys: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=5, description="5 whys, the first answer first"
    )
    fishbone: dict[Fishbone, list[Annotated[str, Field(min_length=1, max_length=300)]]] = Field(
        default_factory=dict
    )


class ActionIn(BaseModel):
    """An action with its owner and due date."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: Annotated[str, Field(min_length=1, max_length=100)]
    due: date


class CheckIn(BaseModel):
    """The KPI as a proportion before and after (e.g. repeat contacts out of contacts)."""

    model_config = ConfigDict(extra="forbid")
    before_first: date
    before_last: date
    before_successes: int = Field(ge=0)
    before_trials: int = Field(ge=0)
    after_first: date
    after_last: date
    after_successes: int = Field(ge=0)
    after_trials: int = Field(ge=0)
    higher_is_better: bool
    confidence: float = Field(default=0.95, gt=0.5, lt=1)


TOPIC_REPEAT_KPI = "repeat_rate:"
"""A KPI named ``repeat_rate:TOPIC`` is the repeat-contact rate of one topic: its check is
measured from the stored contacts (``ccops.knowledge.repeats``), never typed in."""


class ContactCheckIn(BaseModel):
    """The periods of a check measured from the stored contacts (a topic's repeat rate or a
    registry KPI: service_level, abandon_rate, repeat_contact_rate, aht_s, asa_s)."""

    model_config = ConfigDict(extra="forbid")
    before_first: date
    before_last: date
    after_first: date
    after_last: date
    days: int = Field(
        default=7, ge=1, le=90, description="Repeat window of a topic's repeat rate, days"
    )
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    higher_is_better: bool | None = Field(
        default=None,
        description="Only for a KPI the registry gives no better direction (aht_s); the "
        "registry's direction is used for the others",
    )


class RateOut(BaseModel):
    """A period's rate (or mean) with its interval."""

    first_day: date
    last_day: date
    successes: int | None
    """The rate's numerator (None for a mean)."""
    trials: int
    """The rate's denominator, or the number of values of a mean."""
    rate: float | None
    """The proportion, or the mean (in the KPI's unit)."""
    low: float | None
    high: float | None
    """The interval (None: too few values to estimate a spread)."""


class CheckOut(BaseModel):
    """The check: before and after, the difference with its interval, the verdict."""

    before: RateOut
    after: RateOut
    difference: float | None
    difference_low: float | None
    difference_high: float | None
    confidence: float
    higher_is_better: bool
    verdict: Literal["improved", "no detectable change", "worse"]
    measured: Literal["typed", "contacts"] = "typed"
    """Where the counts come from: typed in, or measured from the stored contacts."""
    topic: str | None = None
    """The topic whose repeat rate was measured (measured checks)."""
    days: int | None = None
    """The repeat window of a measured check."""
    kpi: str | None = None
    """The registry KPI measured (checks of a registry KPI from the contacts)."""
    estimate: Literal["proportion", "mean"] = "proportion"
    """Proportions: Wilson and Newcombe intervals; means: Student t and Welch intervals."""
    unit: str | None = None
    """The registry KPI's unit (fraction, seconds)."""
    subject: str | None = None
    """The queue measured, or "centre" (the sites in scope)."""
    incomplete: int = 0
    """Contacts of the periods left out: their repeat window is not over yet."""


class ActionOut(BaseModel):
    """An action of an improvement cycle."""

    id: int
    text: str
    owner: str
    due: date
    done_at: datetime | None


class ImprovementOut(BaseModel):
    """An improvement record, its PDCA stage and every part."""

    id: int
    title: str
    kpi: str
    queue: str | None
    problem_first: date
    problem_last: date
    problem: str
    whys: list[str]
    fishbone: dict[str, list[str]]
    actions: list[ActionOut]
    check: CheckOut | None
    checked_by: str | None
    standard_article_id: int | None
    stage: Literal["plan", "do", "check", "act", "standardised"]
    created_by: str
    created_at: datetime


class RepeatWeekOut(BaseModel):
    """One local week (from Monday) of one answer version: complete contacts and repeats."""

    week: date
    contacts: int
    repeats: int
    rate: float | None
    low: float
    high: float


class RepeatVersionOut(BaseModel):
    """Repeat contacts after one standard-answer version (article None: no answer recorded)."""

    article_id: int | None
    version: int | None
    title: str | None
    """The version's title (None without an answer, or when the article is outside scope)."""
    published_at: datetime | None
    contacts: int
    """Contacts whose window is complete (the rate's denominator)."""
    repeats: int
    rate: float | None
    low: float
    """Wilson 95% interval."""
    high: float
    incomplete: int
    """Contacts left out: their window is not over when the data ends."""
    compared_with: int | None
    """The earlier version of the same article this one is compared with."""
    comparison: str | None
    """lower, higher or no clear difference (Newcombe's interval for the difference)."""
    difference_low: float | None
    difference_high: float | None
    weeks: list[RepeatWeekOut]


class RepeatTopicOut(BaseModel):
    """Repeat contacts of one topic, all versions together and per version."""

    topic: str
    contacts: int
    repeats: int
    rate: float | None
    low: float
    high: float
    incomplete: int
    without_customer: int
    versions: list[RepeatVersionOut]


class RepeatReportOut(BaseModel):
    """Repeat contacts by topic and standard-answer version over a range of local days."""

    first: date
    last: date
    days: int
    """The repeat window: the same customer again on the same topic within this many days."""
    data_end: datetime | None
    """The last arrival in the data in scope (windows ending after it are incomplete)."""
    topics: list[RepeatTopicOut]
    incomplete: int
    without_customer: int
    """Contacts with a topic but no customer key (no repeat can be told)."""
    without_topic: int
    """Contacts in the range that carry no topic."""


# --- new-hire training modules ----------------------------------------------------------------


class TrainingModuleIn(BaseModel):
    """A training module and its first version."""

    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    owner: Annotated[str, Field(min_length=1, max_length=100)]
    queue: str | None = Field(
        default=None, description="The queue whose skill it trains; none: every agent"
    )
    description: Note = ""
    summary: Body = Field(description="The first version's content or summary")
    reference: Annotated[str, Field(max_length=500)] = ""


class TrainingVersionIn(BaseModel):
    """A new version of a training module (the next number unless one is named)."""

    model_config = ConfigDict(extra="forbid")
    summary: Body
    reference: Annotated[str, Field(max_length=500)] = ""
    version: int | None = Field(
        default=None, ge=1, description="Must be above the current version; left out: the next"
    )


class TrainingVersionOut(BaseModel):
    """One published version of a training module."""

    version: int
    summary: str
    reference: str
    published_by: str
    published_at: datetime


class TrainingModuleOut(BaseModel):
    """A training module with its versions, the last being the current one."""

    id: int
    title: str
    owner: str
    queue: str | None
    description: str
    created_by: str
    current_version: int
    versions: list[TrainingVersionOut]
    notified: int | None = Field(
        default=None,
        description="Publishing a version: how many users were notified of it (new hires "
        "whose checklist includes the module, their team leaders); otherwise none",
    )


class CompletionIn(BaseModel):
    """A person completed a training module (its current version unless one is named)."""

    model_config = ConfigDict(extra="forbid")
    module_id: int = Field(ge=1)
    version: int | None = Field(default=None, ge=1)
    completed_on: date | None = Field(default=None, description="Left out: today")


class ChecklistItemOut(BaseModel):
    """A module that applies to a person: its current version and the one they completed."""

    module_id: int
    title: str
    queue: str | None
    current_version: int
    summary: str
    reference: str
    completed_version: int | None
    completed_on: date | None
    state: Literal["done", "out of date", "to do"]


class ChecklistOut(BaseModel):
    """A person's training checklist: every module that applies to them (by their skills)."""

    login: str
    name: str
    team: str | None
    hire_date: date | None
    items: list[ChecklistItemOut]
    done: int
    out_of_date: int
    to_do: int


class NewHireOut(BaseModel):
    """A person whose training is followed: hired recently, or with a completion recorded."""

    login: str
    name: str
    team: str | None
    hire_date: date | None
    done: int
    out_of_date: int
    to_do: int


class CurriculumItemOut(BaseModel):
    """A hiring wave's curriculum item: a training module (its title and current version) or
    free text (``module_id`` None)."""

    item: str
    module_id: int | None
    title: str
    current_version: int | None
