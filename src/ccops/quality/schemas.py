"""Input and output shapes of quality management; validation of shapes lives here, rules that
name a section or an item (weights, scales) are checked by the service with located errors."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccops.bounds import Day
from ccops.ids import RowId
from ccops.names import NameText

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Text = Annotated[str, Field(max_length=4000)]


class Scale(StrEnum):
    """How an item is scored, and the share of its weight each value earns.

    * ``yes_no``: 1 (yes) earns all, 0 (no) nothing.
    * ``one_to_five``: (v - 1) / 4 for v in 1..5.
    * ``zero_to_ten``: v / 10 for v in 0..10.
    """

    yes_no = "yes_no"
    one_to_five = "one_to_five"
    zero_to_ten = "zero_to_ten"


SCALE_VALUES: dict[Scale, tuple[int, ...]] = {
    Scale.yes_no: (0, 1),
    Scale.one_to_five: (1, 2, 3, 4, 5),
    Scale.zero_to_ten: tuple(range(11)),
}


class ItemIn(BaseModel):
    """One question of a form."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    key: Key
    text: Annotated[str, Field(min_length=1, max_length=500)]
    scale: Scale = Scale.yes_no
    weight_pct: float = Field(ge=0, le=100, description="Share of its section, %")
    allow_na: bool = Field(default=False, description="May be marked not applicable")
    critical: bool = Field(
        default=False, description="Fail-all: a 'no' makes the whole evaluation score 0"
    )


class SectionIn(BaseModel):
    """A group of items with its share of the total."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    key: Key
    title: Annotated[str, Field(min_length=1, max_length=200)]
    weight_pct: float = Field(ge=0, le=100, description="Share of the total, %")
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class FormDefinition(BaseModel):
    """The content of one form version."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    pass_mark_pct: float = Field(default=80.0, ge=0, le=100)
    sections: list[SectionIn] = Field(min_length=1, max_length=50)


class FormIn(FormDefinition):
    """A new form (its version 1)."""

    name: Annotated[NameText, Field(min_length=1, max_length=100)]


class FormVersionIn(FormDefinition):
    """A change to publish as the form's next version."""

    change_note: Text = ""


class FormVersionOut(BaseModel):
    """A form version and whether it may still be used."""

    id: int
    form_id: int
    form: str
    version: int
    pass_mark_pct: float
    sections: list[SectionIn]
    change_note: str
    published_by: str
    published_at: datetime
    retired_at: datetime | None
    active: bool


class FormOut(BaseModel):
    """A form with all its versions, newest last."""

    id: int
    name: str
    current_version_id: int | None
    versions: list[FormVersionOut]


class AnswerIn(BaseModel):
    """The score of one item: a value on its scale, or not applicable."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    item: Key
    value: float | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    na: bool = False
    comment: Text = ""


class EvaluationIn(BaseModel):
    """An evaluation of a contact on a form version."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    contact_id: RowId
    form_version_id: RowId
    answers: list[AnswerIn] = Field(min_length=1, max_length=500)
    comment: Text = ""
    calibration_id: RowId | None = None


class AnswerOut(BaseModel):
    """An item's score in a revision, with the points it earned."""

    item: str
    section: str
    text: str
    value: float | None
    na: bool
    comment: str
    earned_pct: float | None
    """The item's contribution to the total, in points of 100 (None when not applicable)."""


class RevisionOut(BaseModel):
    """One set of scores of an evaluation."""

    revision: int
    scored_by: str
    scored_at: datetime
    reason: str
    comment: str
    score_pct: float
    critical_failed: bool
    answers: list[AnswerOut]


class DisputeOut(BaseModel):
    """A dispute and its decision."""

    id: int
    evaluation_id: int
    raised_by: str
    raised_at: datetime
    reason: str
    revision_disputed: int
    status: Literal["open", "upheld", "amended"]
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    resulting_revision: int | None
    person: str = ""


class EvaluationOut(BaseModel):
    """An evaluation with its current score, every revision and every dispute."""

    id: int
    contact_id: int
    contact_at: datetime
    queue: str
    person: str
    person_name: str
    evaluator: str
    form: str
    form_version: int
    form_version_id: int
    calibration_id: int | None
    created_at: datetime
    score_pct: float
    critical_failed: bool
    passed: bool
    pass_mark_pct: float
    revision: int
    revisions: list[RevisionOut]
    disputes: list[DisputeOut]


class DisputeIn(BaseModel):
    """An agent's reason for disputing an evaluation."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class DecisionIn(BaseModel):
    """The second evaluator's decision: uphold the scores, or amend them (a new revision)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    decision: Literal["uphold", "amend"]
    comment: Annotated[str, Field(min_length=1, max_length=4000)]
    answers: list[AnswerIn] | None = Field(default=None, max_length=500)


class ScoreSummary(BaseModel):
    """A QA score with its 95% interval (t for the mean, Wilson for the pass rate).

    ``low_pct``-``high_pct`` is the t interval cut to the 0-100 scale; ``margin_pct`` is its
    half-width only while nothing was cut (a symmetric "±"), else None. When there are too few
    evaluations ``enough`` is False and ``note`` says so.
    """

    n: int
    mean_pct: float | None
    sd_pct: float | None
    low_pct: float | None
    high_pct: float | None
    margin_pct: float | None
    passes: int
    pass_rate: float | None
    pass_low: float | None
    pass_high: float | None
    enough: bool
    note: str


class ItemScoreOut(BaseModel):
    """How a group's evaluations scored one item of a form: the mean share of the item's weight
    earned, with its 95% t interval; a training need when the whole interval lies below the
    form's pass mark."""

    form: str
    section: str
    item: str
    text: str
    scale: Scale
    n: int
    mean_pct: float | None
    low_pct: float | None
    high_pct: float | None
    pass_mark_pct: float
    training_need: bool
    note: str


class PersonSummary(BaseModel):
    """A person's QA score in a period."""

    person: str
    name: str
    team: str | None
    score: ScoreSummary


class TeamSummary(BaseModel):
    """A team's QA score and its people in name order (never ranked by score)."""

    team: str
    site: str
    score: ScoreSummary
    people: list[PersonSummary]


class SummaryOut(BaseModel):
    """QA scores of the teams in scope in a period."""

    first_day: date
    last_day: date
    min_evaluations: int
    teams: list[TeamSummary]


class SampleSizeOut(BaseModel):
    """Evaluations needed for a margin of error on a person's mean QA score.

    n0 = (z s / E)^2, n = n0 / (1 + (n0 - 1) / N) rounded up (finite-population correction).
    """

    person: str
    first_day: date
    last_day: date
    margin_pct: float
    confidence: float
    z: float
    sd_pct: float
    sd_source: Literal["observed", "assumed"]
    population: int
    n_infinite: float
    n_required: int
    evaluated: int
    still_needed: int
    formula: str


class SampleIn(BaseModel):
    """Draw a sample of a person's handled contacts in a period for evaluation."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    person: Annotated[str, Field(min_length=1, max_length=100)]
    first_day: Day
    last_day: Day
    method: Literal["random", "stratified"] = "stratified"
    size: int | None = Field(default=None, ge=1, le=1000, description="None: the required size")
    margin_pct: float = Field(default=5.0, gt=0, le=50)
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


class SampleContactOut(BaseModel):
    """A contact of a sample and whether it is evaluated yet."""

    contact_id: int
    stratum: str
    queue: str
    contact_type: str
    arrival_at: datetime
    evaluation_id: int | None


class SampleOut(BaseModel):
    """A drawn sample (a worklist)."""

    id: int
    person: str
    person_name: str
    first_day: date
    last_day: date
    method: str
    seed: int
    population: int
    strata: dict[str, int]
    created_by: str
    created_at: datetime
    contacts: list[SampleContactOut]


class CalibrationIn(BaseModel):
    """A calibration session: the contacts every evaluator scores on one form version."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[NameText, Field(min_length=1, max_length=200)]
    form_version_id: RowId
    contact_ids: list[RowId] = Field(min_length=1, max_length=200)


class ItemAgreement(BaseModel):
    """Agreement on one item across the session's contacts."""

    item: str
    text: str
    level: str
    alpha: float | None
    pairable_values: int
    contacts_disagreeing: int
    contacts_rated: int
    max_spread: float | None


class EvaluatorDeviation(BaseModel):
    """How far one evaluator's totals sit from the others' mean on the same contacts."""

    evaluator: str
    contacts: int
    mean_deviation_pct: float | None


class CalibrationOut(BaseModel):
    """A calibration session with its agreement report (Krippendorff's alpha)."""

    id: int
    name: str
    form: str
    form_version: int
    form_version_id: int
    created_by: str
    created_at: datetime
    contact_ids: list[int]
    evaluators: list[str]
    totals: dict[int, dict[str, float]]
    total_alpha: float | None
    total_pairable_values: int
    items: list[ItemAgreement]
    evaluator_deviation: list[EvaluatorDeviation]
    interpretation: str
