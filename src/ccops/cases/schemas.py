"""Input and output shapes of cases, calendars, targets, routes and surveys.

Shapes are checked here (known type, severity, status, score ranges); rules that need stored
data (a workflow step, a calendar's spans, a contact in scope) are checked by the service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccops.ids import RowId
from ccops.names import NameText

CaseType = Literal["escalation", "complaint", "feedback"]
Severity = Literal["low", "medium", "high", "critical"]
Status = Literal[
    "new", "in_progress", "waiting_customer", "waiting_third_party", "resolved", "closed"
]
CASE_TYPES: tuple[str, ...] = ("escalation", "complaint", "feedback")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
STATUSES: tuple[str, ...] = (
    "new",
    "in_progress",
    "waiting_customer",
    "waiting_third_party",
    "resolved",
    "closed",
)
PAUSING: frozenset[str] = frozenset({"waiting_customer", "waiting_third_party"})
"""Statuses that stop the resolution clock."""
CLOSING: frozenset[str] = frozenset({"resolved", "closed"})
"""Statuses that end the case (the resolution clock stops; an answer is required)."""
NEXT: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "waiting_customer", "waiting_third_party", "resolved"}),
    "in_progress": frozenset({"waiting_customer", "waiting_third_party", "resolved"}),
    "waiting_customer": frozenset({"in_progress", "waiting_third_party", "resolved"}),
    "waiting_third_party": frozenset({"in_progress", "waiting_customer", "resolved"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset(),
}
"""The built-in workflow: the statuses each status may move to (a centre may replace it)."""
StatusName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]

Text = Annotated[str, Field(max_length=4000)]
Span = tuple[Annotated[str, Field(max_length=5)], Annotated[str, Field(max_length=5)]]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarIn(_In):
    """A business calendar: local spans per weekday (0 = Monday), holidays, a time zone."""

    name: NameText
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    hours: dict[Annotated[int, Field(ge=0, le=6)], list[Span]]
    holidays: list[date] = Field(default_factory=list, max_length=1000)


class CalendarOut(BaseModel):
    id: int
    name: str
    timezone: str
    hours: dict[int, list[tuple[str, str]]]
    holidays: list[date]
    weekly_hours: float


class TargetIn(_In):
    """Targets of a type and severity, in business hours of a calendar."""

    case_type: CaseType
    severity: Severity
    calendar: NameText
    first_response_h: Annotated[float, Field(gt=0, le=10000)]
    resolution_h: Annotated[float, Field(gt=0, le=10000)]
    next_update_h: Annotated[float, Field(gt=0, le=10000)] | None = None
    """Business hours between the owner's updates to the customer (none: no such clock)."""
    warn_min: Annotated[float, Field(ge=0, le=10000)] = 15.0


class TargetOut(BaseModel):
    id: int
    case_type: str
    severity: str
    calendar: str
    first_response_h: float
    resolution_h: float
    next_update_h: float | None
    warn_min: float


class StatusIn(_In):
    """One status of a centre's workflow: whether it stops the resolution clock, whether it
    ends the case, and the statuses it may move to."""

    name: StatusName
    label: Annotated[str, Field(max_length=100)] = ""
    pauses: bool = False
    closes: bool = False
    next: list[StatusName] = Field(default_factory=list, max_length=30)


class WorkflowIn(_In):
    """A centre's case statuses; the first is the status of a new case."""

    statuses: list[StatusIn] = Field(min_length=2, max_length=30)


class StatusOut(BaseModel):
    name: str
    label: str
    pauses: bool
    closes: bool
    final: bool
    """Closes and leads nowhere: entering it closes the case for good."""
    next: list[str]


class WorkflowOut(BaseModel):
    builtin: bool
    """True while the centre uses the built-in workflow."""
    initial: str
    statuses: list[StatusOut]


class RouteIn(_In):
    """A routing rule; empty category, queue or site match any."""

    case_type: CaseType
    team: NameText
    category: Annotated[str, Field(max_length=100)] | None = None
    queue: NameText | None = None
    site: NameText | None = None
    owner: NameText | None = None


class RouteOut(BaseModel):
    id: int
    case_type: str
    category: str | None
    queue: str | None
    site: str | None
    team: str
    owner: str | None


class SeniorRule(_In):
    """Cases matching every field given go to senior management (escalation level 2) at once."""

    case_type: CaseType | None = None
    severity: Severity | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class SeniorRulesIn(_In):
    """The centre's serious-case rules (an empty list: no case goes up at once)."""

    rules: list[SeniorRule] = Field(max_length=50)


class SeniorRulesOut(BaseModel):
    builtin: bool
    """True while the centre uses the built-in rule (critical complaints)."""
    rules: list[SeniorRule]


ChainRole = Literal["team_leader", "manager", "executive"]
CHAIN_ROLES: tuple[str, ...] = ("team_leader", "manager", "executive")


class ChainLevelIn(_In):
    """One level of an escalation chain: a role (the owning team's leader, the managers or
    executives reaching the case's site) or a named person, reached after so many business
    hours of the case's resolution clock (paused time left out)."""

    role: ChainRole | None = None
    person: NameText | None = None
    after_h: Annotated[float, Field(gt=0, le=10000)]


class ChainIn(_In):
    """The escalation chain of a case type and severity (no severity: every severity of the
    type without a chain of its own); levels in order, their hours increasing."""

    case_type: CaseType
    severity: Severity | None = None
    levels: list[ChainLevelIn] = Field(max_length=10)


class ChainLevelOut(BaseModel):
    level: int
    role: str | None
    person: str | None
    after_h: float | None
    """None: reached only on a breach (the built-in chain)."""


class ChainOut(BaseModel):
    case_type: str
    severity: str | None
    levels: list[ChainLevelOut]


class ChainsOut(BaseModel):
    builtin: list[ChainLevelOut]
    """The chain of cases without one of their own: a level up on each breach."""
    chains: list[ChainOut]


class CaseIn(_In):
    """A new case: from a contact (its queue and site follow), a queue or a site."""

    case_type: CaseType
    severity: Severity = "medium"
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    category: Annotated[str, Field(max_length=100)] = ""
    description: Text = ""
    contact_id: RowId | None = None
    queue: NameText | None = None
    site: NameText | None = None
    customer_key: Annotated[str, Field(max_length=100)] | None = None
    attachments: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20
    )


class CaseFromContactIn(_In):
    """A new case raised from the contact named in the path: its queue, site, agent and
    customer key follow the contact."""

    case_type: CaseType
    severity: Severity = "medium"
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    category: Annotated[str, Field(max_length=100)] = ""
    description: Text = ""
    attachments: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20
    )


class ContactFactsOut(BaseModel):
    """What a case handler needs to know of a contact: where, when, how long, how it ended,
    and the business context recorded for it (reason, topic, standard answer, flags, scores)."""

    id: int
    queue: str
    site: str
    timezone: str
    channel: str
    agent: str | None
    agent_name: str | None
    arrival_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    wait_s: float | None
    """None when the source's timestamps disagree (the contact's timing is untrusted)."""
    talk_s: float
    hold_s: float
    wrap_s: float
    reason_code: str | None
    topic: str | None
    kb_article_id: int | None
    kb_article_version: int | None
    kb_article_title: str | None
    transferred: bool | None
    escalated: bool | None
    csat: int | None
    nps: int | None
    survey_csat: int | None
    survey_nps: int | None
    survey_comment: str | None


class CaseUpdate(_In):
    """A change of status, owner or answer; at least one."""

    status: StatusName | None = None
    owner: NameText | None = None
    answer: Text | None = None
    note: Text = ""
    to_customer: bool = False
    """The note is an update sent to the customer (restarts the next-update clock)."""


class EventOut(BaseModel):
    at: datetime
    by: str
    kind: str
    detail: str


class CaseOut(BaseModel):
    id: int
    case_type: str
    category: str
    severity: str
    status: str
    subject: str
    description: str
    answer: str
    attachments: list[str]
    site: str
    queue: str | None
    contact_id: int | None
    customer_key: str | None
    agent: str | None
    team: str | None
    owner: str | None
    raised_by: str
    calendar: str
    opened_at: datetime
    due_first_response_at: datetime
    due_resolution_at: datetime | None
    """None while the clock is paused (the due time moves by the paused business time)."""
    first_response_at: datetime | None
    due_next_update_at: datetime | None
    """When the owner's next update to the customer is due (None: no next-update target, or
    the case is paused or resolved)."""
    next_update_every_h: float | None
    updates_on_time: int
    update_breaches: int
    resolved_at: datetime | None
    closed_at: datetime | None
    paused: bool
    business_elapsed_s: float
    """Business time the resolution clock has run (paused time left out)."""
    resolution_remaining_s: float | None
    """Business seconds to the resolution due time (negative: past it); None when resolved."""
    clock: Literal["paused", "on_time", "at_risk", "breached", "met"]
    response_breached: bool
    resolution_breached: bool
    escalation_level: int
    events: list[EventOut]


class SweepOut(BaseModel):
    checked: int
    warnings: int
    response_breaches: int
    resolution_breaches: int
    update_warnings: int = 0
    update_breaches: int = 0
    escalations: int = 0
    """Levels of centres' escalation chains reached by business hours run."""
    notified: int


class ComplianceRow(BaseModel):
    """Met and breached resolution targets of one group, with the share met's interval."""

    group: str
    met: int
    breached: int
    pending: int
    share_met: float | None
    low: float | None
    high: float | None
    response_met: int
    response_breached: int
    update_met: int
    """Updates to the customer sent by their next-update due time."""
    update_breached: int
    """Next-update due times passed without an update."""
    mean_resolution_business_h: float | None


class ComplianceOut(BaseModel):
    first_day: date
    last_day: date
    by: Literal["type", "team", "owner"]
    total: ComplianceRow
    rows: list[ComplianceRow]
    ageing: dict[str, int]
    """Open cases by business hours elapsed."""


class SurveyIn(_In):
    """A post-contact survey answer: CSAT 1-5 and/or NPS 0-10."""

    contact_id: RowId
    csat: Annotated[int, Field(ge=1, le=5)] | None = None
    nps: Annotated[int, Field(ge=0, le=10)] | None = None
    comment: Text = ""
    source: Annotated[str, Field(max_length=100)] = ""


class SurveyImportOut(BaseModel):
    stored: int
    replaced: int


class VocRow(BaseModel):
    """Survey results of one group: CSAT mean and satisfied share, NPS, with intervals."""

    group: str
    responses: int
    csat_n: int
    csat_mean: float | None
    csat_low: float | None
    csat_high: float | None
    satisfied_share: float | None
    satisfied_low: float | None
    satisfied_high: float | None
    nps_n: int
    nps: float | None
    nps_low: float | None
    nps_high: float | None


class VocOut(BaseModel):
    first_day: date
    last_day: date
    by: Literal["queue", "team"]
    total: VocRow
    rows: list[VocRow]


class CategoryRow(BaseModel):
    """Cases of one category in a period: volume per month, and the CSAT of their contacts."""

    category: str
    cases: int
    by_month: dict[str, int]
    complaints: int
    surveyed: int
    dissatisfied: int
    """Surveyed contacts of these cases that answered CSAT 1 or 2."""
    customers: int = 0
    """Distinct customer keys of these cases."""
    churned: int | None = None
    """Of those customers, how many the centre's CRM flags as churned on or after the case was
    opened (None: the centre records no churn)."""
    churn_share: float | None = None
    churn_low: float | None = None
    churn_high: float | None = None


class ChurnIn(_In):
    """A customer-key flag from the centre's CRM: churned (on a day) or not (clears the flag)."""

    customer_key: Annotated[str, Field(min_length=1, max_length=100)]
    churned: bool = True
    churned_on: date | None = None
    """The day the CRM recorded the churn (required when churned)."""


class ChurnImportOut(BaseModel):
    flagged: int
    cleared: int
    recorded: int
    """Churned customer keys recorded after the import."""


class VocLinkIn(_In):
    """A process change (knowledge package) made in response to a case category."""

    category: Annotated[str, Field(min_length=1, max_length=100)]
    change_id: RowId


class VocLinkOut(BaseModel):
    category: str
    change_id: int
    title: str
    published_at: datetime


class VocChangeOut(BaseModel):
    """A process change published in the month for a category: linked to it by hand
    (``link``) or through its article, whose topic is the category (``topic``)."""

    change_id: int
    title: str
    published_at: datetime
    article_id: int | None
    article_version: int | None
    article_title: str | None
    linked_by: Literal["link", "topic"]


class VocReportRow(BaseModel):
    """One case category in the month: volume and its trend from the month before (exact
    Poisson rate test per day observed), dissatisfaction, repeat contact and churn with Wilson
    intervals, and the changes made in response."""

    category: str
    cases: int
    previous_cases: int
    per_day: float
    previous_per_day: float
    ratio: float | None
    """Cases per day this month / the month before (None: none before)."""
    ratio_low: float | None
    ratio_high: float | None
    p_value: float
    trend: Literal["up", "down", "no clear change"]
    complaints: int
    surveyed: int
    dissatisfied: int
    dissatisfied_share: float | None
    dissatisfied_low: float | None
    dissatisfied_high: float | None
    repeat_judged: int
    """Cases with a customer key whose repeat window is over by the end of the contact data."""
    repeats: int
    repeat_share: float | None
    repeat_low: float | None
    repeat_high: float | None
    repeat_incomplete: int
    without_customer: int
    customers: int
    churned: int | None
    churn_share: float | None
    churn_low: float | None
    churn_high: float | None
    changes: list[VocChangeOut]


class VocReportOut(BaseModel):
    month: str
    first_day: date
    last_day: date
    days: int
    """Days of the month observed (fewer than its length while it runs)."""
    previous_month: str
    previous_days: int
    repeat_days: int
    """A case's customer contacting again within this many days is a repeat contact."""
    data_end: datetime | None
    """The latest contact arrival: repeat windows ending later are not judged yet."""
    churn_recorded: bool
    total: VocReportRow
    rows: list[VocReportRow]
