"""Use cases of quality management: forms, evaluations, sampling, calibration and disputes.

Scoring (exact, in rational arithmetic, per the evaluation's own form version):

* an item earns the share of its weight its value gives on its scale (yes/no: 1 or 0;
  1-5: (v - 1)/4; 0-10: v/10);
* a section's score is sum(w_i f_i) / sum(w_i) over its applicable items: an item marked N/A
  gives its weight to the section's other items in proportion to their weights;
* the total is 100 sum(W_s S_s) / sum(W_s) over the sections with an applicable weighted item
  (a section wholly N/A gives its weight to the other sections the same way);
* a critical (fail-all) item answered "no" makes the total 0, whatever else scored;
* an evaluation passes when its total reaches the form version's pass mark.

Uncertainty of a person's QA score: the mean of n evaluations with its 95% t interval
mean +- t(0.975, n - 1) s / sqrt(n); the pass rate with its 95% Wilson interval. Fewer than
``MIN_EVALUATIONS`` evaluations: the score says it rests on too few.

Sample size for a margin of error E (points of 100) on a person's mean score:
n0 = (z s / E)^2 and, with N contacts handled in the period, n = n0 / (1 + (n0 - 1)/N)
(finite-population correction), rounded up; s is the person's observed standard deviation
when they have ``MIN_EVALUATIONS`` evaluations in the period, else an assumed one (15 points).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
from scipy import stats as sp_stats
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.db import utcnow
from ccops.engines import stats
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org.models import Channel, Person, Queue, Site, Team
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import schemas
from ccops.quality.models import (
    CalibrationContact,
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    EvaluationRevision,
    QaForm,
    QaFormVersion,
    QaSample,
    QaSampleContact,
)
from ccops.quality.schemas import SCALE_VALUES, Scale

MIN_EVALUATIONS = 5
"""Below this many evaluations a person's QA score is flagged as resting on too few."""
ASSUMED_SD_PCT = 15.0
"""Standard deviation of evaluation scores assumed for sample sizes before enough are observed."""
WEIGHT_TOLERANCE = 1e-6
SAMPLE_SIZE_FORMULA = "n0 = (z·s/E)²; n = ⌈n0 / (1 + (n0 − 1)/N)⌉"


# --- forms ------------------------------------------------------------------------------------


def _check_definition(data: schemas.FormDefinition) -> None:
    """Refuse weights that do not sum to 100%, duplicate keys and non-yes/no critical items."""
    problems: list[Problem] = []
    total = sum(s.weight_pct for s in data.sections)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        problems.append(
            Problem(
                f"the section weights sum to {total:g}%, not 100%",
                field="sections",
            )
        )
    seen_sections: set[str] = set()
    seen_items: set[str] = set()
    for si, section in enumerate(data.sections):
        where = f"sections[{si}]"
        if section.key in seen_sections:
            problems.append(Problem(f"section key {section.key!r} is used twice", field=where))
        seen_sections.add(section.key)
        item_total = sum(i.weight_pct for i in section.items)
        if abs(item_total - 100) > WEIGHT_TOLERANCE:
            problems.append(
                Problem(
                    f"section {section.title!r}: the item weights sum to {item_total:g}%, not 100%",
                    field=f"{where}.items",
                )
            )
        for ii, item in enumerate(section.items):
            if item.key in seen_items:
                problems.append(
                    Problem(f"item key {item.key!r} is used twice", field=f"{where}.items[{ii}]")
                )
            seen_items.add(item.key)
            if item.critical and item.scale != Scale.yes_no:
                problems.append(
                    Problem(
                        f"section {section.title!r}, item {item.key!r}: a critical (fail-all) "
                        "item must be scored yes/no",
                        field=f"{where}.items[{ii}].scale",
                    )
                )
    if problems:
        raise Invalid("the form is not valid: " + "; ".join(p.message for p in problems), problems)


def _definition(version: QaFormVersion) -> schemas.FormDefinition:
    return schemas.FormDefinition.model_validate_json(version.definition_json)


def _version_out(version: QaFormVersion) -> schemas.FormVersionOut:
    definition = _definition(version)
    return schemas.FormVersionOut(
        id=version.id,
        form_id=version.form_id,
        form=version.form.name,
        version=version.version,
        pass_mark_pct=version.pass_mark_pct,
        sections=definition.sections,
        change_note=version.change_note,
        published_by=version.published_by,
        published_at=version.published_at,
        retired_at=version.retired_at,
        active=version.retired_at is None,
    )


def _form_out(form: QaForm) -> schemas.FormOut:
    current = [v for v in form.versions if v.retired_at is None]
    return schemas.FormOut(
        id=form.id,
        name=form.name,
        current_version_id=current[-1].id if current else None,
        versions=[_version_out(v) for v in form.versions],
    )


def _new_version(
    form: QaForm, number: int, data: schemas.FormDefinition, by: str, note: str
) -> QaFormVersion:
    definition = schemas.FormDefinition(pass_mark_pct=data.pass_mark_pct, sections=data.sections)
    return QaFormVersion(
        form=form,
        version=number,
        definition_json=definition.model_dump_json(),
        pass_mark_pct=data.pass_mark_pct,
        change_note=note,
        published_by=by,
    )


def create_form(*, session: Session, data: schemas.FormIn, by: str) -> schemas.FormOut:
    """Create a form and publish its version 1."""
    _check_definition(data)
    if session.scalars(select(QaForm).where(QaForm.name == data.name)).first() is not None:
        raise Conflict(f"form {data.name!r} already exists", [Problem("duplicate", field="name")])
    form = QaForm(name=data.name)
    session.add(form)
    session.add(_new_version(form, 1, data, by, "first version"))
    session.flush()
    session.refresh(form)
    return _form_out(form)


def _form(session: Session, form_id: int) -> QaForm:
    form = session.get(QaForm, form_id)
    if form is None:
        raise NotFound(f"form {form_id} does not exist", [Problem("unknown", field="form_id")])
    return form


def publish_version(
    *, session: Session, form_id: int, data: schemas.FormVersionIn, by: str
) -> schemas.FormOut:
    """Publish a change as the form's next version; the previous version is retired."""
    _check_definition(data)
    form = _form(session, form_id)
    now = utcnow()
    for version in form.versions:
        if version.retired_at is None:
            version.retired_at = now
    number = max((v.version for v in form.versions), default=0) + 1
    session.add(_new_version(form, number, data, by, data.change_note))
    session.flush()
    session.refresh(form)
    return _form_out(form)


def retire_form(*, session: Session, form_id: int) -> schemas.FormOut:
    """Retire the form's current version: no new evaluation may use it."""
    form = _form(session, form_id)
    active = [v for v in form.versions if v.retired_at is None]
    if not active:
        raise Conflict(f"form {form.name!r} has no version in use", [Problem("already retired")])
    for version in active:
        version.retired_at = utcnow()
    session.flush()
    return _form_out(form)


def list_forms(*, session: Session) -> list[schemas.FormOut]:
    """List forms by name with their versions."""
    return [_form_out(f) for f in session.scalars(select(QaForm).order_by(QaForm.name)).unique()]


def get_form(*, session: Session, form_id: int) -> schemas.FormOut:
    """Return a form with its versions."""
    return _form_out(_form(session, form_id))


def _version(session: Session, version_id: int) -> QaFormVersion:
    version = session.get(QaFormVersion, version_id)
    if version is None:
        raise NotFound(
            f"form version {version_id} does not exist",
            [Problem("unknown", field="form_version_id")],
        )
    return version


def get_version(*, session: Session, version_id: int) -> schemas.FormVersionOut:
    """Return one form version."""
    return _version_out(_version(session, version_id))


# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """The result of scoring a set of answers on a form version."""

    score_pct: float
    critical_failed: bool
    earned_pct: dict[str, float | None]


def _fraction(scale: Scale, value: float) -> Fraction:
    v = Fraction(value)
    if scale == Scale.yes_no:
        return v
    if scale == Scale.one_to_five:
        return (v - 1) / 4
    return v / 10


def score(definition: schemas.FormDefinition, answers: list[schemas.AnswerIn]) -> Scored:
    """Score ``answers`` on ``definition`` exactly (see the module's rules).

    Raises:
        Invalid: an unknown, repeated or missing item, a value off the item's scale, N/A on an
            item that does not allow it, or nothing applicable to score.
    """
    items = {i.key: (s, i) for s in definition.sections for i in s.items}
    problems: list[Problem] = []
    given: dict[str, schemas.AnswerIn] = {}
    for n, answer in enumerate(answers):
        where = f"answers[{n}]"
        if answer.item not in items:
            problems.append(Problem(f"item {answer.item!r} is not on this form", field=where))
            continue
        if answer.item in given:
            problems.append(Problem(f"item {answer.item!r} is scored twice", field=where))
            continue
        section, item = items[answer.item]
        if answer.na:
            if not item.allow_na:
                problems.append(
                    Problem(f"item {item.key!r} may not be marked N/A", field=f"{where}.na")
                )
            elif answer.value is not None:
                problems.append(
                    Problem(f"item {item.key!r} is N/A: give no value", field=f"{where}.value")
                )
        elif answer.value is None:
            problems.append(
                Problem(
                    f"item {item.key!r} has no score: give a value or mark it N/A",
                    field=f"{where}.value",
                )
            )
        elif answer.value not in SCALE_VALUES[item.scale]:
            allowed = ", ".join(str(v) for v in SCALE_VALUES[item.scale])
            problems.append(
                Problem(
                    f"item {item.key!r}: {answer.value:g} is not on its scale "
                    f"{item.scale.value} ({allowed})",
                    field=f"{where}.value",
                )
            )
        given[answer.item] = answer
    for key in items:
        if key not in given and not any(p.message.startswith(f"item {key!r}") for p in problems):
            problems.append(
                Problem(f"item {key!r} has no score: give a value or mark it N/A", field="answers")
            )
    if problems:
        raise Invalid(
            "the scores are not valid: " + "; ".join(p.message for p in problems[:5]), problems
        )
    critical_failed = False
    section_scores: list[tuple[Fraction, Fraction, list[tuple[str, Fraction, Fraction]]]] = []
    earned: dict[str, float | None] = {}
    for section in definition.sections:
        parts: list[tuple[str, Fraction, Fraction]] = []
        for item in section.items:
            answer = given[item.key]
            if answer.na or answer.value is None:
                earned[item.key] = None
                continue
            f = _fraction(item.scale, answer.value)
            if item.critical and f == 0:
                critical_failed = True
            parts.append((item.key, Fraction(item.weight_pct), f))
        weight = sum((w for _, w, _ in parts), Fraction(0))
        if weight > 0:
            section_scores.append((Fraction(section.weight_pct), weight, parts))
        else:
            for key, _, _ in parts:
                earned[key] = 0.0
    total_weight = sum((ws for ws, _, _ in section_scores), Fraction(0))
    if total_weight == 0:
        raise Invalid(
            "every weighted item is N/A: there is nothing to score",
            [Problem("nothing applicable to score", field="answers")],
        )
    total = Fraction(0)
    for ws, wi_sum, parts in section_scores:
        for key, w, f in parts:
            points = 100 * ws / total_weight * w / wi_sum * f
            earned[key] = float(points)
            total += points
    return Scored(
        score_pct=0.0 if critical_failed else float(total),
        critical_failed=critical_failed,
        earned_pct=earned,
    )


# --- evaluations ------------------------------------------------------------------------------


def _person_in_scope(session: Session, scope: Scope, person_id: int) -> bool:
    found = session.scalar(
        select(Person.id).where(Person.id == person_id).where(scope.people_clause())
    )
    return found is not None


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(
            f"contact {contact_id} does not exist", [Problem("unknown", field="contact_id")]
        )
    return contact


def _usable_version(session: Session, version_id: int) -> QaFormVersion:
    version = _version(session, version_id)
    if version.retired_at is not None:
        current = session.scalars(
            select(QaFormVersion)
            .where(QaFormVersion.form_id == version.form_id)
            .where(QaFormVersion.retired_at.is_(None))
        ).first()
        hint = (
            f": evaluate on version {current.version} (id {current.id})"
            if current
            else ": the form has no version in use"
        )
        raise Conflict(
            f"form {version.form.name!r} version {version.version} was retired on "
            f"{version.retired_at:%Y-%m-%d}{hint}",
            [Problem("retired form version", field="form_version_id")],
        )
    return version


def _answers_rows(
    definition: schemas.FormDefinition, answers: list[schemas.AnswerIn]
) -> list[EvaluationAnswer]:
    order = [i.key for s in definition.sections for i in s.items]
    by_key = {a.item: a for a in answers}
    return [
        EvaluationAnswer(
            item_key=key,
            value=None if by_key[key].na else by_key[key].value,
            not_applicable=by_key[key].na,
            comment=by_key[key].comment,
        )
        for key in order
    ]


def evaluate(
    *,
    session: Session,
    data: schemas.EvaluationIn,
    by: str,
    by_person_id: int | None = None,
    scope: Scope = EVERYTHING,
) -> schemas.EvaluationOut:
    """Score a contact on a form version in use (or for a calibration session)."""
    contact = _contact(session, data.contact_id)
    if contact.person_id is None:
        raise Invalid(
            f"contact {contact.id} was not handled by an agent: there is nobody to evaluate",
            [Problem("no agent", field="contact_id")],
        )
    if not _person_in_scope(session, scope, contact.person_id):
        raise Forbidden(
            f"contact {contact.id} was handled by someone outside your scope",
            [Problem("outside your scope", field="contact_id")],
        )
    if by_person_id is not None and by_person_id == contact.person_id:
        raise Forbidden(
            "you cannot evaluate your own contacts", [Problem("own contact", field="contact_id")]
        )
    version = _usable_version(session, data.form_version_id)
    if data.calibration_id is not None:
        calibration = _calibration(session, data.calibration_id)
        if calibration.form_version_id != version.id:
            raise Invalid(
                f"calibration session {calibration.name!r} uses form version id "
                f"{calibration.form_version_id}",
                [Problem("another form version", field="form_version_id")],
            )
        if contact.id not in {c.contact_id for c in calibration.contacts}:
            raise Invalid(
                f"contact {contact.id} is not in calibration session {calibration.name!r}",
                [Problem("not in the session", field="contact_id")],
            )
        clash = select(Evaluation.id).where(
            Evaluation.calibration_id == calibration.id,
            Evaluation.contact_id == contact.id,
            Evaluation.evaluator == by,
        )
        if session.scalar(clash) is not None:
            raise Conflict(
                f"you already scored contact {contact.id} in this calibration session",
                [Problem("duplicate", field="contact_id")],
            )
    else:
        existing = session.scalar(
            select(Evaluation.id).where(
                Evaluation.contact_id == contact.id, Evaluation.calibration_id.is_(None)
            )
        )
        if existing is not None:
            raise Conflict(
                f"contact {contact.id} is already evaluated (evaluation {existing}): "
                "the agent may dispute it, which a second evaluator decides",
                [Problem("already evaluated", field="contact_id")],
            )
    definition = _definition(version)
    result = score(definition, data.answers)
    evaluation = Evaluation(
        form_version_id=version.id,
        contact_id=contact.id,
        person_id=contact.person_id,
        evaluator=by,
        calibration_id=data.calibration_id,
        contact_at=contact.answered_at or contact.arrival_at,
        score_pct=result.score_pct,
        critical_failed=result.critical_failed,
        passed=_passed(result, version),
        revision=1,
    )
    evaluation.revisions.append(
        EvaluationRevision(
            revision=1,
            scored_by=by,
            reason="evaluation",
            comment=data.comment,
            score_pct=result.score_pct,
            critical_failed=result.critical_failed,
            answers=_answers_rows(definition, data.answers),
        )
    )
    session.add(evaluation)
    session.flush()
    return _evaluation_out(session, evaluation)


def _passed(result: Scored, version: QaFormVersion) -> bool:
    return not result.critical_failed and result.score_pct >= version.pass_mark_pct - 1e-9


def _dispute_out(dispute: Dispute, person: str = "") -> schemas.DisputeOut:
    return schemas.DisputeOut(
        id=dispute.id,
        evaluation_id=dispute.evaluation_id,
        raised_by=dispute.raised_by,
        raised_at=dispute.raised_at,
        reason=dispute.reason,
        revision_disputed=dispute.revision_disputed,
        status=dispute.status,
        decided_by=dispute.decided_by,
        decided_at=dispute.decided_at,
        decision_comment=dispute.decision_comment,
        resulting_revision=dispute.resulting_revision,
        person=person,
    )


def _evaluation_out(session: Session, evaluation: Evaluation) -> schemas.EvaluationOut:
    version = evaluation.form_version
    definition = _definition(version)
    where = {i.key: (s.title, i.text) for s in definition.sections for i in s.items}
    person = session.get(Person, evaluation.person_id)
    contact = session.get(Contact, evaluation.contact_id)
    queue = session.get(Queue, contact.queue_id) if contact else None
    revisions = []
    for revision in evaluation.revisions:
        result = score(
            definition,
            [
                schemas.AnswerIn(item=a.item_key, value=a.value, na=a.not_applicable)
                for a in revision.answers
            ],
        )
        revisions.append(
            schemas.RevisionOut(
                revision=revision.revision,
                scored_by=revision.scored_by,
                scored_at=revision.scored_at,
                reason=revision.reason,
                comment=revision.comment,
                score_pct=revision.score_pct,
                critical_failed=revision.critical_failed,
                answers=[
                    schemas.AnswerOut(
                        item=a.item_key,
                        section=where[a.item_key][0],
                        text=where[a.item_key][1],
                        value=a.value,
                        na=a.not_applicable,
                        comment=a.comment,
                        earned_pct=result.earned_pct.get(a.item_key),
                    )
                    for a in revision.answers
                ],
            )
        )
    return schemas.EvaluationOut(
        id=evaluation.id,
        contact_id=evaluation.contact_id,
        contact_at=evaluation.contact_at,
        queue=queue.name if queue else "",
        person=person.login if person else "",
        person_name=person.name if person else "",
        evaluator=evaluation.evaluator,
        form=version.form.name,
        form_version=version.version,
        form_version_id=version.id,
        calibration_id=evaluation.calibration_id,
        created_at=evaluation.created_at,
        score_pct=evaluation.score_pct,
        critical_failed=evaluation.critical_failed,
        passed=evaluation.passed,
        pass_mark_pct=version.pass_mark_pct,
        revision=evaluation.revision,
        revisions=revisions,
        disputes=[_dispute_out(d, person.login if person else "") for d in evaluation.disputes],
    )


def _evaluation(session: Session, evaluation_id: int, scope: Scope) -> Evaluation:
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or not _person_in_scope(session, scope, evaluation.person_id):
        # Out of scope looks the same as missing: ids of others' evaluations reveal nothing.
        raise NotFound(
            f"evaluation {evaluation_id} does not exist",
            [Problem("unknown", field="evaluation_id")],
        )
    return evaluation


def get_evaluation(
    *, session: Session, evaluation_id: int, scope: Scope = EVERYTHING, calibration: bool = True
) -> schemas.EvaluationOut:
    """Return an evaluation in scope with every revision and dispute."""
    evaluation = _evaluation(session, evaluation_id, scope)
    if evaluation.calibration_id is not None and not calibration:
        raise NotFound(
            f"evaluation {evaluation_id} does not exist",
            [Problem("unknown", field="evaluation_id")],
        )
    return _evaluation_out(session, evaluation)


FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(2200, 12, 31)
"""The days a period may cover (outside them local-to-UTC conversion is meaningless)."""


def _check_days(first: date, last: date) -> None:
    for name, day in (("first_day", first), ("last_day", last)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid(
                f"{name} {day} is outside {FIRST_DAY} to {LAST_DAY}",
                [Problem("out of range", field=name)],
            )
    if last < first:
        raise Invalid(
            f"the period ends ({last}) before it starts ({first})",
            [Problem("ends before it starts", field="last_day")],
        )


def _site_period(
    session: Session, site_id: int, first: date, last: date
) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local days first..last at a site."""
    site = session.get(Site, site_id)
    zone = ZoneInfo(site.timezone if site else "UTC")
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _period(session: Session, person: Person, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local days first..last at the person's site."""
    _check_days(first, last)
    return _site_period(session, person.site_id, first, last)


def _person_by_login(session: Session, login: str, scope: Scope) -> Person:
    person = session.scalars(
        select(Person).where(Person.login == login).where(scope.people_clause())
    ).one_or_none()
    if person is None:
        raise NotFound(
            f"person {login!r} does not exist or is outside your scope",
            [Problem("unknown", field="person")],
        )
    return person


def list_evaluations(
    *,
    session: Session,
    scope: Scope = EVERYTHING,
    person: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    limit: int = 500,
) -> list[schemas.EvaluationOut]:
    """List the evaluations of the people in scope (calibration scores excluded), newest first."""
    query = (
        select(Evaluation)
        .join(Person, Person.id == Evaluation.person_id)
        .where(scope.people_clause())
        .where(Evaluation.calibration_id.is_(None))
        .order_by(Evaluation.contact_at.desc(), Evaluation.id.desc())
        .limit(limit)
    )
    if person is not None:
        found = _person_by_login(session, person, scope)
        query = query.where(Evaluation.person_id == found.id)
        if first_day is not None and last_day is not None:
            start, end = _period(session, found, first_day, last_day)
            query = query.where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
    return [_evaluation_out(session, e) for e in session.scalars(query)]


# --- statistics of scores ---------------------------------------------------------------------


def summarise(scores: list[float], passes: list[bool]) -> schemas.ScoreSummary:
    """A mean score with its 95% t interval and a pass rate with its 95% Wilson interval."""
    n = len(scores)
    if n == 0:
        return schemas.ScoreSummary(
            n=0,
            mean_pct=None,
            sd_pct=None,
            low_pct=None,
            high_pct=None,
            margin_pct=None,
            passes=0,
            pass_rate=None,
            pass_low=None,
            pass_high=None,
            enough=False,
            note="no evaluations",
        )
    values = np.asarray(scores, dtype=float)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n >= 2 else None
    margin = low = high = None
    if sd is not None:
        margin = float(sp_stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        low, high = max(mean - margin, 0.0), min(mean + margin, 100.0)
    k = sum(passes)
    wilson = stats.wilson_interval(k, n)
    enough = n >= MIN_EVALUATIONS
    note = (
        ""
        if enough
        else f"too few evaluations: {n} of the {MIN_EVALUATIONS} needed for a stable score"
    )
    return schemas.ScoreSummary(
        n=n,
        mean_pct=mean,
        sd_pct=sd,
        low_pct=low,
        high_pct=high,
        margin_pct=margin,
        passes=k,
        pass_rate=k / n,
        pass_low=float(wilson.low),
        pass_high=float(wilson.high),
        enough=enough,
        note=note,
    )


def _scores_of(
    session: Session, person_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[tuple[float, bool]]]:
    rows = session.execute(
        select(Evaluation.person_id, Evaluation.score_pct, Evaluation.passed)
        .where(Evaluation.person_id.in_(person_ids))
        .where(Evaluation.calibration_id.is_(None))
        .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
        .order_by(Evaluation.id)
    )
    out: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for person_id, value, passed in rows:
        out[person_id].append((value, passed))
    return out


def pass_counts(
    *, session: Session, people: list[Person], first_day: date, last_day: date
) -> dict[int, tuple[int, int]]:
    """Evaluations passed and evaluated per person over local days (calibration excluded).

    Each person's days are read in their site's time zone; the performance funnel plot
    compares people's pass rates with these counts.
    """
    _check_days(first_day, last_day)
    out = {p.id: (0, 0) for p in people}
    by_site: dict[int, list[int]] = defaultdict(list)
    for p in people:
        by_site[p.site_id].append(p.id)
    passed = func.sum(case((Evaluation.passed.is_(True), 1), else_=0))
    for site_id, ids in sorted(by_site.items()):
        start, end = _site_period(session, site_id, first_day, last_day)
        rows = session.execute(
            select(Evaluation.person_id, passed, func.count())
            .where(Evaluation.person_id.in_(ids))
            .where(Evaluation.calibration_id.is_(None))
            .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
            .group_by(Evaluation.person_id)
        )
        for person_id, k, n in rows:
            out[person_id] = (int(k or 0), int(n))
    return out


MIN_ITEM_ANSWERS = 10
"""Fewer applicable answers than this: an item's mean is not shown."""


def item_scores(
    *, session: Session, people: list[Person], first_day: date, last_day: date
) -> list[schemas.ItemScoreOut]:
    """Each form item as the people's evaluations over local days scored it (their latest
    revision, calibration excluded, N/A left out), in the form's own order.

    Items whose whole 95% interval lies below the form's pass mark are the group's training
    needs: a topic to train, found in the results rather than in anyone's impression.
    """
    _check_days(first_day, last_day)
    earned: dict[tuple[int, str], list[float]] = defaultdict(list)
    by_site: dict[int, list[int]] = defaultdict(list)
    for p in people:
        by_site[p.site_id].append(p.id)
    for site_id, ids in sorted(by_site.items()):
        start, end = _site_period(session, site_id, first_day, last_day)
        rows = session.execute(
            select(Evaluation.form_version_id, EvaluationAnswer.item_key, EvaluationAnswer.value)
            .join(
                EvaluationRevision,
                (EvaluationRevision.evaluation_id == Evaluation.id)
                & (EvaluationRevision.revision == Evaluation.revision),
            )
            .join(EvaluationAnswer, EvaluationAnswer.revision_id == EvaluationRevision.id)
            .where(Evaluation.person_id.in_(ids), Evaluation.calibration_id.is_(None))
            .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
            .where(EvaluationAnswer.not_applicable.is_(False), EvaluationAnswer.value.is_not(None))
        )
        for version_id, key, value in rows:
            if value is not None:
                earned[(version_id, key)].append(float(value))
    out: list[schemas.ItemScoreOut] = []
    versions = sorted({v for v, _k in earned})
    for version_id in versions:
        version = _version(session, version_id)
        form = session.get(QaForm, version.form_id)
        definition = _definition(version)
        for section in definition.sections:
            for item in section.items:
                values = earned.get((version_id, item.key), [])
                shares = [float(_fraction(item.scale, v)) * 100 for v in values]
                out.append(_item_score(form.name if form else "?", version, section, item, shares))
    return out


def _item_score(
    form: str,
    version: QaFormVersion,
    section: schemas.SectionIn,
    item: schemas.ItemIn,
    shares: list[float],
) -> schemas.ItemScoreOut:
    mark = version.pass_mark_pct
    name = f"{form} v{version.version}"
    if len(shares) < MIN_ITEM_ANSWERS:
        return schemas.ItemScoreOut(
            form=name,
            section=section.title,
            item=item.key,
            text=item.text,
            scale=item.scale,
            n=len(shares),
            mean_pct=None,
            low_pct=None,
            high_pct=None,
            pass_mark_pct=mark,
            training_need=False,
            note=f"too few answers to show: {len(shares)} (at least {MIN_ITEM_ANSWERS} needed)",
        )
    ci = stats.mean_interval(np.array(shares))
    # a share earned lies in [0, 100]: the t interval is cut there (it never changes a decision,
    # since a pass mark is at most 100)
    low = max(0.0, float(ci.low)) if math.isfinite(ci.low) else None
    high = min(100.0, float(ci.high)) if math.isfinite(ci.high) else None
    need = high is not None and high < mark
    return schemas.ItemScoreOut(
        form=name,
        section=section.title,
        item=item.key,
        text=item.text,
        scale=item.scale,
        n=len(shares),
        mean_pct=float(ci.point),
        low_pct=low,
        high_pct=high,
        pass_mark_pct=mark,
        training_need=need,
        note="clearly below the pass mark: a training topic" if need else "",
    )


def person_score(
    *, session: Session, person: str, first_day: date, last_day: date, scope: Scope = EVERYTHING
) -> schemas.PersonSummary:
    """Return a person's QA score in a period with its interval."""
    found = _person_by_login(session, person, scope)
    start, end = _period(session, found, first_day, last_day)
    rows = _scores_of(session, [found.id], start, end).get(found.id, [])
    team = session.get(Team, found.team_id) if found.team_id else None
    return schemas.PersonSummary(
        person=found.login,
        name=found.name,
        team=team.name if team else None,
        score=summarise([r[0] for r in rows], [r[1] for r in rows]),
    )


def summary(
    *,
    session: Session,
    first_day: date,
    last_day: date,
    scope: Scope = EVERYTHING,
    with_people: bool = True,
) -> schemas.SummaryOut:
    """QA scores of the teams in scope with intervals; people listed by name, never ranked."""
    _check_days(first_day, last_day)
    teams = session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name)).all()
    out: list[schemas.TeamSummary] = []
    for team in teams:
        site = session.get(Site, team.site_id)
        start, end = _site_period(session, team.site_id, first_day, last_day)
        people = session.scalars(
            select(Person)
            .where(Person.team_id == team.id)
            .where(scope.people_clause())
            .order_by(Person.name, Person.login)
        ).all()
        scores = _scores_of(session, [p.id for p in people], start, end)
        pooled = [r for p in people for r in scores.get(p.id, [])]
        out.append(
            schemas.TeamSummary(
                team=team.name,
                site=site.name if site else "",
                score=summarise([r[0] for r in pooled], [r[1] for r in pooled]),
                people=[
                    schemas.PersonSummary(
                        person=p.login,
                        name=p.name,
                        team=team.name,
                        score=summarise(
                            [r[0] for r in scores.get(p.id, [])],
                            [r[1] for r in scores.get(p.id, [])],
                        ),
                    )
                    for p in people
                ]
                if with_people
                else [],
            )
        )
    return schemas.SummaryOut(
        first_day=first_day, last_day=last_day, min_evaluations=MIN_EVALUATIONS, teams=out
    )


# --- sampling ---------------------------------------------------------------------------------


def required_sample_size(
    *, sd_pct: float, margin_pct: float, population: int, confidence: float = 0.95
) -> tuple[float, int, float]:
    """Evaluations needed so the mean score's interval is +-``margin_pct`` points.

    n0 = (z s / E)^2 (z the two-sided normal quantile), then the finite-population correction
    n = n0 / (1 + (n0 - 1) / N) for N contacts, rounded up and at most N.

    Returns:
        (n0, n, z)
    """
    if margin_pct <= 0:
        raise Invalid("the margin of error must be positive", [Problem("> 0", field="margin_pct")])
    z = float(sp_stats.norm.ppf(0.5 + confidence / 2))
    n0 = (z * sd_pct / margin_pct) ** 2
    if population <= 0:
        return n0, 0, z
    n = n0 / (1 + (n0 - 1) / population)
    return n0, min(population, max(1, math.ceil(n - 1e-9))), z


def _handled_contacts(
    session: Session, person: Person, start: datetime, end: datetime
) -> list[tuple[int, str, str, datetime]]:
    rows = session.execute(
        select(Contact.id, Queue.name, Channel.kind, Contact.arrival_at)
        .join(Queue, Queue.id == Contact.queue_id)
        .join(Channel, Channel.id == Contact.channel_id)
        .where(Contact.person_id == person.id)
        .where(Contact.answered_at.is_not(None))
        .where(Contact.arrival_at >= start, Contact.arrival_at < end)
        .order_by(Contact.id)
    )
    return [(cid, queue, str(kind.value), at) for cid, queue, kind, at in rows]


def sample_size(
    *,
    session: Session,
    person: str,
    first_day: date,
    last_day: date,
    margin_pct: float = 5.0,
    confidence: float = 0.95,
    scope: Scope = EVERYTHING,
) -> schemas.SampleSizeOut:
    """How many evaluations a person needs in a period for a margin of error on their score."""
    if not 0 < confidence < 1:
        raise Invalid(
            "the confidence must be between 0 and 1", [Problem("(0, 1)", field="confidence")]
        )
    found = _person_by_login(session, person, scope)
    start, end = _period(session, found, first_day, last_day)
    population = len(_handled_contacts(session, found, start, end))
    rows = _scores_of(session, [found.id], start, end).get(found.id, [])
    observed = len(rows) >= MIN_EVALUATIONS
    sd = float(np.std([r[0] for r in rows], ddof=1)) if observed else ASSUMED_SD_PCT
    n0, n, z = required_sample_size(
        sd_pct=sd, margin_pct=margin_pct, population=population, confidence=confidence
    )
    return schemas.SampleSizeOut(
        person=found.login,
        first_day=first_day,
        last_day=last_day,
        margin_pct=margin_pct,
        confidence=confidence,
        z=z,
        sd_pct=sd,
        sd_source="observed" if observed else "assumed",
        population=population,
        n_infinite=n0,
        n_required=n,
        evaluated=len(rows),
        still_needed=max(0, n - len(rows)),
        formula=SAMPLE_SIZE_FORMULA,
    )


def _allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Proportional allocation with the largest remainders (ties: stratum name)."""
    population = sum(sizes.values())
    exact = {k: Fraction(total * v, population) for k, v in sizes.items()}
    quota = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(quota.values())
    order = sorted(sizes, key=lambda k: (-(exact[k] - quota[k]), k))
    for key in order[:left]:
        quota[key] += 1
    return quota


def draw_sample(
    *, session: Session, data: schemas.SampleIn, by: str, scope: Scope = EVERYTHING
) -> schemas.SampleOut:
    """Draw a seeded random or stratified (queue x contact type) sample of unevaluated contacts."""
    found = _person_by_login(session, data.person, scope)
    start, end = _period(session, found, data.first_day, data.last_day)
    handled = _handled_contacts(session, found, start, end)
    evaluated = set(
        session.scalars(
            select(Evaluation.contact_id)
            .where(Evaluation.person_id == found.id)
            .where(Evaluation.calibration_id.is_(None))
        )
    )
    pool = [row for row in handled if row[0] not in evaluated]
    if not pool:
        raise Invalid(
            f"{found.login} has no unevaluated handled contacts from {data.first_day} to "
            f"{data.last_day}",
            [Problem("no contacts to sample", field="person")],
        )
    size = data.size
    if size is None:
        need = sample_size(
            session=session,
            person=found.login,
            first_day=data.first_day,
            last_day=data.last_day,
            margin_pct=data.margin_pct,
            scope=scope,
        )
        size = need.still_needed
        if size == 0:
            raise Invalid(
                f"{found.login} already has {need.evaluated} evaluations, enough for "
                f"±{data.margin_pct:g} points: give a size to draw more",
                [Problem("already enough", field="size")],
            )
    size = min(size, len(pool))
    rng = np.random.default_rng(data.seed)
    chosen: list[tuple[int, str]] = []
    if data.method == "random":
        picks = sorted(int(i) for i in rng.choice(len(pool), size=size, replace=False))
        chosen = [(pool[i][0], f"{pool[i][1]} · {pool[i][2]}") for i in picks]
    else:
        strata: dict[str, list[int]] = defaultdict(list)
        for cid, queue, kind, _at in pool:
            strata[f"{queue} · {kind}"].append(cid)
        quota = _allocate({k: len(v) for k, v in strata.items()}, size)
        for key in sorted(strata):
            members = strata[key]
            if quota[key]:
                picks = sorted(
                    int(i) for i in rng.choice(len(members), size=quota[key], replace=False)
                )
                chosen.extend((members[i], key) for i in picks)
    sample = QaSample(
        person_id=found.id,
        first_day=data.first_day,
        last_day=data.last_day,
        method=data.method,
        seed=data.seed,
        population=len(handled),
        created_by=by,
        contacts=[QaSampleContact(contact_id=cid, stratum=key) for cid, key in chosen],
    )
    session.add(sample)
    session.flush()
    return _sample_out(session, sample)


def _sample_out(session: Session, sample: QaSample) -> schemas.SampleOut:
    person = session.get(Person, sample.person_id)
    ids = [c.contact_id for c in sample.contacts]
    info = {
        cid: (queue, str(kind.value), at)
        for cid, queue, kind, at in session.execute(
            select(Contact.id, Queue.name, Channel.kind, Contact.arrival_at)
            .join(Queue, Queue.id == Contact.queue_id)
            .join(Channel, Channel.id == Contact.channel_id)
            .where(Contact.id.in_(ids))
        )
    }
    done = dict(
        session.execute(
            select(Evaluation.contact_id, Evaluation.id)
            .where(Evaluation.contact_id.in_(ids))
            .where(Evaluation.calibration_id.is_(None))
        ).all()
    )
    strata: dict[str, int] = defaultdict(int)
    for c in sample.contacts:
        strata[c.stratum] += 1
    return schemas.SampleOut(
        id=sample.id,
        person=person.login if person else "",
        person_name=person.name if person else "",
        first_day=sample.first_day,
        last_day=sample.last_day,
        method=sample.method,
        seed=sample.seed,
        population=sample.population,
        strata=dict(sorted(strata.items())),
        created_by=sample.created_by,
        created_at=sample.created_at,
        contacts=[
            schemas.SampleContactOut(
                contact_id=c.contact_id,
                stratum=c.stratum,
                queue=info[c.contact_id][0],
                contact_type=info[c.contact_id][1],
                arrival_at=info[c.contact_id][2],
                evaluation_id=done.get(c.contact_id),
            )
            for c in sample.contacts
        ],
    )


def list_samples(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.SampleOut]:
    """List the samples of the people in scope (the worklist), newest first."""
    query = (
        select(QaSample)
        .join(Person, Person.id == QaSample.person_id)
        .where(scope.people_clause())
        .order_by(QaSample.id.desc())
        .limit(100)
    )
    return [_sample_out(session, s) for s in session.scalars(query)]


# --- calibration ------------------------------------------------------------------------------


def _calibration(session: Session, calibration_id: int) -> CalibrationSession:
    found = session.get(CalibrationSession, calibration_id)
    if found is None:
        raise NotFound(
            f"calibration session {calibration_id} does not exist",
            [Problem("unknown", field="calibration_id")],
        )
    return found


def create_calibration(
    *, session: Session, data: schemas.CalibrationIn, by: str, scope: Scope = EVERYTHING
) -> schemas.CalibrationOut:
    """Open a calibration session on contacts handled by people in scope."""
    version = _usable_version(session, data.form_version_id)
    if session.scalar(select(CalibrationSession.id).where(CalibrationSession.name == data.name)):
        raise Conflict(
            f"calibration session {data.name!r} already exists",
            [Problem("duplicate", field="name")],
        )
    ids = sorted(set(data.contact_ids))
    for n, cid in enumerate(ids):
        contact = session.get(Contact, cid)
        if contact is None or contact.person_id is None:
            raise Invalid(
                f"contact {cid} does not exist or was not handled by an agent",
                [Problem("unknown or unhandled contact", field=f"contact_ids[{n}]")],
            )
        if not _person_in_scope(session, scope, contact.person_id):
            raise Forbidden(
                f"contact {cid} was handled by someone outside your scope",
                [Problem("outside your scope", field=f"contact_ids[{n}]")],
            )
    calibration = CalibrationSession(
        name=data.name,
        form_version_id=version.id,
        created_by=by,
        contacts=[CalibrationContact(contact_id=cid) for cid in ids],
    )
    session.add(calibration)
    session.flush()
    return calibration_report(session=session, calibration_id=calibration.id)


def check_calibration_contact(
    *, session: Session, calibration_id: int, contact_id: int, scope: Scope = EVERYTHING
) -> None:
    """Refuse a contact that is not in the session or was handled by someone out of scope.

    The scoring page shows the contact's facts (the agent's name among them), so it answers
    "not found" before showing anything a scorer's scope does not reach.
    """
    calibration = _calibration(session, calibration_id)
    contact = session.get(Contact, contact_id)
    if (
        contact is None
        or contact.person_id is None
        or contact_id not in {c.contact_id for c in calibration.contacts}
        or not _person_in_scope(session, scope, contact.person_id)
    ):
        raise NotFound(
            f"contact {contact_id} is not in calibration session {calibration.name!r} "
            "or is outside your scope",
            [Problem("not in the session", field="contact_id")],
        )


def list_calibrations(*, session: Session) -> list[schemas.CalibrationOut]:
    """List calibration sessions, newest first, with their agreement."""
    ids = session.scalars(select(CalibrationSession.id).order_by(CalibrationSession.id.desc()))
    return [calibration_report(session=session, calibration_id=i) for i in ids]


def _alpha(matrix: np.ndarray, level: str) -> tuple[float | None, int]:
    if matrix.size == 0:
        return None, 0
    agreement = stats.krippendorff_alpha(matrix, level)  # type: ignore[arg-type]
    alpha = None if math.isnan(agreement.alpha) else float(agreement.alpha)
    return alpha, int(agreement.pairable_values)


def interpret_alpha(alpha: float | None) -> str:
    """Krippendorff's reading of an alpha (rely at >= 0.800, tentative from 0.667)."""
    if alpha is None:
        return "not enough ratings to measure agreement"
    if alpha >= 0.8:
        return "reliable agreement (alpha ≥ 0.800)"
    if alpha >= 0.667:
        return "tentative agreement (0.667 ≤ alpha < 0.800): discuss the items that differ"
    return (
        "agreement too low to rely on (alpha < 0.667): review the wording of the items that "
        "differ most and how the evaluators read them"
    )


def calibration_report(*, session: Session, calibration_id: int) -> schemas.CalibrationOut:
    """Agreement of a session: alpha on totals (interval), per item (nominal/ordinal)."""
    calibration = _calibration(session, calibration_id)
    version = _version(session, calibration.form_version_id)
    definition = _definition(version)
    contact_ids = [c.contact_id for c in calibration.contacts]
    evaluations = session.scalars(
        select(Evaluation)
        .where(Evaluation.calibration_id == calibration.id)
        .order_by(Evaluation.id)
    ).all()
    evaluators = sorted({e.evaluator for e in evaluations})
    row = {cid: n for n, cid in enumerate(contact_ids)}
    col = {login: n for n, login in enumerate(evaluators)}
    totals = np.full((len(contact_ids), len(evaluators)), np.nan)
    items = [i for s in definition.sections for i in s.items]
    per_item = {i.key: np.full((len(contact_ids), len(evaluators)), np.nan) for i in items}
    totals_out: dict[int, dict[str, float]] = {cid: {} for cid in contact_ids}
    for e in evaluations:
        r, c = row[e.contact_id], col[e.evaluator]
        totals[r, c] = e.score_pct
        totals_out[e.contact_id][e.evaluator] = e.score_pct
        for a in e.revisions[-1].answers:
            if a.value is not None and a.item_key in per_item:
                per_item[a.item_key][r, c] = a.value
    total_alpha, total_pairable = _alpha(totals, "interval")
    item_rows = []
    for item in items:
        matrix = per_item[item.key]
        level = "nominal" if item.scale == Scale.yes_no else "ordinal"
        alpha, pairable = _alpha(matrix, level)
        rated = 0
        differing = 0
        spread: float | None = None
        for values in matrix:
            present = values[~np.isnan(values)]
            if len(present) >= 2:
                rated += 1
                width = float(present.max() - present.min())
                differing += width > 0
                spread = width if spread is None else max(spread, width)
        item_rows.append(
            schemas.ItemAgreement(
                item=item.key,
                text=item.text,
                level=level,
                alpha=alpha,
                pairable_values=pairable,
                contacts_disagreeing=differing,
                contacts_rated=rated,
                max_spread=spread,
            )
        )
    deviations = []
    for login, c in col.items():
        diffs = []
        for r in range(len(contact_ids)):
            own = totals[r, c]
            others = np.delete(totals[r], c)
            others = others[~np.isnan(others)]
            if not np.isnan(own) and len(others):
                diffs.append(float(own - others.mean()))
        deviations.append(
            schemas.EvaluatorDeviation(
                evaluator=login,
                contacts=len(diffs),
                mean_deviation_pct=float(np.mean(diffs)) if diffs else None,
            )
        )
    return schemas.CalibrationOut(
        id=calibration.id,
        name=calibration.name,
        form=version.form.name,
        form_version=version.version,
        form_version_id=version.id,
        created_by=calibration.created_by,
        created_at=calibration.created_at,
        contact_ids=contact_ids,
        evaluators=evaluators,
        totals=totals_out,
        total_alpha=total_alpha,
        total_pairable_values=total_pairable,
        items=item_rows,
        evaluator_deviation=deviations,
        interpretation=interpret_alpha(total_alpha),
    )


# --- disputes ---------------------------------------------------------------------------------


def raise_dispute(
    *,
    session: Session,
    evaluation_id: int,
    data: schemas.DisputeIn,
    by: str,
    by_person_id: int | None,
) -> schemas.DisputeOut:
    """Let an agent dispute their own evaluation; someone else's is refused."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.calibration_id is not None:
        raise NotFound(
            f"evaluation {evaluation_id} does not exist",
            [Problem("unknown", field="evaluation_id")],
        )
    if by_person_id is None or evaluation.person_id != by_person_id:
        raise Forbidden(
            f"evaluation {evaluation_id} is of someone else: you can dispute only your own",
            [Problem("not your evaluation", field="evaluation_id")],
        )
    if any(d.status == "open" for d in evaluation.disputes):
        raise Conflict(
            f"evaluation {evaluation_id} already has an open dispute",
            [Problem("already disputed", field="evaluation_id")],
        )
    dispute = Dispute(
        evaluation_id=evaluation.id,
        raised_by=by,
        reason=data.reason,
        revision_disputed=evaluation.revision,
    )
    session.add(dispute)
    session.flush()
    session.refresh(evaluation)
    return _dispute_out(dispute, session.get(Person, evaluation.person_id).login)  # type: ignore[union-attr]


def decide_dispute(
    *,
    session: Session,
    dispute_id: int,
    data: schemas.DecisionIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.EvaluationOut:
    """A second evaluator upholds the scores or amends them (a new revision); history stays."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(
            f"dispute {dispute_id} does not exist", [Problem("unknown", field="dispute_id")]
        )
    evaluation = _evaluation(session, dispute.evaluation_id, scope)
    if dispute.status != "open":
        raise Conflict(
            f"dispute {dispute_id} was already decided ({dispute.status}) by {dispute.decided_by}",
            [Problem("already decided", field="dispute_id")],
        )
    scorers = {r.scored_by for r in evaluation.revisions}
    if by in scorers:
        raise Forbidden(
            f"a second evaluator decides a dispute: you scored evaluation {evaluation.id}",
            [Problem("you scored this evaluation", field="dispute_id")],
        )
    now = utcnow()
    if data.decision == "uphold":
        if data.answers:
            raise Invalid(
                "upholding keeps the scores: send no answers, or amend",
                [Problem("no answers when upholding", field="answers")],
            )
        dispute.status = "upheld"
    else:
        if not data.answers:
            raise Invalid(
                "amending needs the amended scores of every item",
                [Problem("required to amend", field="answers")],
            )
        definition = _definition(evaluation.form_version)
        result = score(definition, data.answers)
        number = evaluation.revision + 1
        evaluation.revisions.append(
            EvaluationRevision(
                revision=number,
                scored_by=by,
                reason=f"dispute {dispute.id} amended",
                comment=data.comment,
                score_pct=result.score_pct,
                critical_failed=result.critical_failed,
                answers=_answers_rows(definition, data.answers),
            )
        )
        evaluation.revision = number
        evaluation.score_pct = result.score_pct
        evaluation.critical_failed = result.critical_failed
        evaluation.passed = _passed(result, evaluation.form_version)
        dispute.status = "amended"
        dispute.resulting_revision = number
    dispute.decided_by = by
    dispute.decided_at = now
    dispute.decision_comment = data.comment
    session.flush()
    session.refresh(evaluation)
    return _evaluation_out(session, evaluation)


def list_disputes(
    *, session: Session, scope: Scope = EVERYTHING, open_only: bool = False
) -> list[schemas.DisputeOut]:
    """List disputes of evaluations of people in scope, oldest first."""
    query = (
        select(Dispute, Person.login)
        .join(Evaluation, Evaluation.id == Dispute.evaluation_id)
        .join(Person, Person.id == Evaluation.person_id)
        .where(scope.people_clause())
        .order_by(Dispute.id)
    )
    if open_only:
        query = query.where(Dispute.status == "open")
    return [_dispute_out(d, login) for d, login in session.execute(query)]


def count_evaluations(*, session: Session) -> int:
    """Number of stored evaluations (calibration scores included)."""
    return int(session.scalar(select(func.count()).select_from(Evaluation)) or 0)
