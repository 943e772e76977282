"""Input and output shapes of staff surveys, suggestions and huddles."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=100)]
Label = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Comment = Annotated[str, Field(max_length=2000)]

QuestionKind = Literal["rating", "choice", "text"]
GroupBy = Literal["all", "site", "team", "tenure", "site_tenure", "team_tenure"]
TENURE_BANDS = ("<1y", "1-3y", "3y+", "unknown")
"""Tenure bands a ballot is reported in (from the hire date to the round's opening day)."""


class QuestionIn(BaseModel):
    """A question of a survey: ratings are 1-5, choices one of ``choices``, text optional."""

    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    text: Text
    kind: QuestionKind = "rating"
    choices: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )


class SurveyIn(BaseModel):
    """A new staff survey with its questions."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    kind: Literal["engagement", "leader"] = "engagement"
    description: Annotated[str, Field(max_length=2000)] = ""
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    min_respondents: int = Field(default=5, ge=3, le=100)
    min_comments: int = Field(default=10, ge=5, le=100)


class QuestionOut(BaseModel):
    """A stored question."""

    key: str
    text: str
    kind: str
    choices: list[str]


class RoundOut(BaseModel):
    """A round: its dates, whether it is closed, how many were invited and have answered."""

    id: int
    survey: str
    label: str
    opens_on: date
    closes_on: date
    closed: bool
    invited: int
    respondents: int
    sites: list[str]
    teams: list[str]


class SurveyOut(BaseModel):
    """A survey with its questions and rounds."""

    id: int
    name: str
    kind: str
    description: str
    min_respondents: int
    min_comments: int
    questions: list[QuestionOut]
    rounds: list[RoundOut]


class RoundIn(BaseModel):
    """A new round for an audience (no sites and no teams: everyone)."""

    model_config = ConfigDict(extra="forbid")
    label: Label
    opens_on: date
    closes_on: date
    sites: list[Name] = Field(default_factory=list)
    teams: list[Name] = Field(default_factory=list)


class AnswerIn(BaseModel):
    """One person's answers: question key -> rating (1-5), choice, or comment."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, int | str] = Field(max_length=50)


class Score(BaseModel):
    """A rating question's mean with its 95% interval (Student t) and the number of answers."""

    mean: float
    low: float | None
    high: float | None
    n: int


class GroupResult(BaseModel):
    """The results of one group, or ``suppressed`` with no scores when it is too small or when
    showing it would let a group under the minimum be computed by subtraction."""

    group: str
    respondents: int
    suppressed: bool
    reason: str
    scores: dict[str, Score] | None
    choices: dict[str, dict[str, int]] | None = None
    comments: list[str] | None = None


class ResultsOut(BaseModel):
    """A closed round's results by one grouping."""

    survey: str
    round: str
    by: str
    min_respondents: int
    min_comments: int
    invited: int
    respondents: int
    groups: list[GroupResult]


class TrendPoint(BaseModel):
    """One round's result for a group in a trend."""

    round: str
    opens_on: date
    respondents: int
    suppressed: bool
    scores: dict[str, Score] | None


class TeamEngagement(BaseModel):
    """A team's engagement index in one closed round: the mean over its respondents of each one's
    mean rating, with its 95% interval; ``suppressed`` (no index) when disclosure control
    withholds the team's scores."""

    team: str
    respondents: int
    suppressed: bool
    reason: str
    index: Score | None


class EngagementMonth(BaseModel):
    """A team's month: its attrition (leavers over average headcount, with an approximate 95%
    interval) beside the engagement index of the engagement round that closed that month."""

    team: str
    month: str
    leavers: int
    average_headcount: float
    attrition: float | None
    attrition_low: float | None
    attrition_high: float | None
    survey: str | None
    round: str | None
    engagement: TeamEngagement | None


class EngagementOut(BaseModel):
    """Engagement beside attrition, team by team and month by month."""

    first: date
    last: date
    months: list[EngagementMonth]
    note: str


class SurveySummary(BaseModel):
    """A survey in a list."""

    id: int
    name: str
    kind: str
    questions: int
    rounds: int
    latest_round: str | None


class OpenRound(BaseModel):
    """A round the signed-in person may answer, and whether they already have."""

    round_id: int
    survey: str
    label: str
    closes_on: date
    answered: bool
    questions: list[QuestionOut]


# --- suggestions -----------------------------------------------------------------------------

SUGGESTION_STATUSES = ("submitted", "in_review", "adopted", "declined", "implemented")


class SuggestionIn(BaseModel):
    """A suggestion; ``anonymous`` stores no link to the author (a receipt code follows it)."""

    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Text
    anonymous: bool = False
    site: Name | None = Field(default=None, description="Default: the author's site")


class DecisionIn(BaseModel):
    """The owner's assessment: a decision with its reason (and a reward when adopted)."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["in_review", "adopted", "declined", "implemented"]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    reward: Annotated[str, Field(max_length=500)] = ""


class SuggestionOut(BaseModel):
    """A suggestion and where it stands (the author is None when anonymous)."""

    id: int
    site: str
    author: str | None
    anonymous: bool
    title: str
    text: str
    submitted_on: date
    due_on: date
    owner: str | None
    status: str
    reason: str
    decided_on: date | None
    decided_by: str | None
    reward: str
    answered_in_time: bool | None
    recognition_id: int | None
    receipt: str | None = None
    """Only in the answer to an anonymous submission: the code to follow it with."""


class SuggestionMonth(BaseModel):
    """Monthly counts per site."""

    site: str
    month: str
    submitted: int
    answered_in_time: int
    adopted: int


# --- huddles ---------------------------------------------------------------------------------

HuddleKind = Literal["floor_check", "huddle", "meeting"]


class ActionIn(BaseModel):
    """An action agreed at a huddle."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    owner: Name
    due_on: date


class HuddleIn(BaseModel):
    """Notes of a floor check, huddle or meeting: who attended and the actions agreed."""

    model_config = ConfigDict(extra="forbid")
    team: Name
    kind: HuddleKind = "huddle"
    held_on: date
    held_at: time | None = Field(
        default=None, description="Local time of day at the team's site it began (HH:MM)"
    )
    notes: Annotated[str, Field(max_length=10_000)] = ""
    attendees: list[Name] = Field(default_factory=list, max_length=200)
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)


class ActionOut(BaseModel):
    """An action and whether it is done."""

    id: int
    huddle_id: int
    team: str
    text: str
    owner: str
    due_on: date
    done_on: date | None
    overdue: bool


class HuddleOut(BaseModel):
    """A recorded huddle."""

    id: int
    team: str
    kind: str
    held_on: date
    held_at: time | None
    led_by: str
    notes: str
    attendees: list[str]
    actions: list[ActionOut]


class ScheduledGathering(BaseModel):
    """A huddle or meeting the team's schedule holds on a day (fixed activities of its leader
    and members at the same time), in the site's local time."""

    kind: str
    name: str
    starts: time
    ends: time
    invited: list[str]


class RhythmDay(BaseModel):
    """For a team and a day: which of the expected rhythm events were held or missed."""

    day: date
    expected: list[str]
    held: list[str]
    missed: list[str]
    basis: str = "rule"
    """``schedule`` when the site's published schedule set what was expected that day, ``rule``
    when none was published (Monday to Friday: eight floor checks and a huddle; Friday: the
    meeting)."""
