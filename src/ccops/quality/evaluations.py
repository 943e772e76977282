"""Evaluations: record, revise, read and list the evaluations of contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import calibration as qa_calibration
from ccops.quality import forms as qa_forms
from ccops.quality import schemas
from ccops.quality import scoring as qa_scoring
from ccops.quality.models import (
    Dispute,
    Evaluation,
    EvaluationAnswer,
    EvaluationRevision,
    QaFormVersion,
)

# --- evaluations ------------------------------------------------------------------------------


def contact_in_scope(session: Session, contact_id: int, scope: Scope) -> Contact:
    """Load a contact QA may see: one handled by a person in ``scope`` (or by nobody, with an
    unscoped principal). Out of scope answers like a missing id, so ids reveal nothing."""
    contact = session.get(Contact, contact_id)
    if contact is not None and not scope.everything:
        if contact.person_id is None or not org_service.person_id_in_scope(
            session=session, scope=scope, person_id=contact.person_id
        ):
            contact = None
    if contact is None:
        raise NotFound(
            f"contact {contact_id} does not exist", [Problem("unknown", field="contact_id")]
        )
    return contact


def answers_rows(
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
    contact = contact_in_scope(session, data.contact_id, scope)
    if contact.person_id is None:
        raise Invalid(
            f"contact {contact.id} was not handled by an agent: there is nobody to evaluate",
            [Problem("no agent", field="contact_id")],
        )
    if by_person_id is not None and by_person_id == contact.person_id:
        raise Forbidden(
            "you cannot evaluate your own contacts", [Problem("own contact", field="contact_id")]
        )
    version = qa_forms.usable_version(session, data.form_version_id)
    if data.calibration_id is not None:
        calibration = qa_calibration.find_calibration(session, data.calibration_id, scope)
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
    definition = qa_forms.definition_of(version)
    result = qa_scoring.score(definition, data.answers)
    evaluation = Evaluation(
        form_version_id=version.id,
        contact_id=contact.id,
        person_id=contact.person_id,
        evaluator=by,
        calibration_id=data.calibration_id,
        contact_at=contact.answered_at or contact.arrival_at,
        score_pct=result.score_pct,
        critical_failed=result.critical_failed,
        passed=has_passed(result, version),
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
            answers=answers_rows(definition, data.answers),
        )
    )
    session.add(evaluation)
    session.flush()
    return evaluation_out(session, evaluation)


def has_passed(result: qa_scoring.Scored, version: QaFormVersion) -> bool:
    return not result.critical_failed and result.score_pct >= version.pass_mark_pct - 1e-9


def dispute_out(dispute: Dispute, person: str = "") -> schemas.DisputeOut:
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


def evaluation_out(session: Session, evaluation: Evaluation) -> schemas.EvaluationOut:
    version = evaluation.form_version
    definition = qa_forms.definition_of(version)
    where = {i.key: (s.title, i.text) for s in definition.sections for i in s.items}
    person = session.get(Person, evaluation.person_id)
    contact = session.get(Contact, evaluation.contact_id)
    queue = session.get(Queue, contact.queue_id) if contact else None
    revisions = []
    for revision in evaluation.revisions:
        result = qa_scoring.score(
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
        disputes=[dispute_out(d, person.login if person else "") for d in evaluation.disputes],
    )


def find_evaluation(session: Session, evaluation_id: int, scope: Scope) -> Evaluation:
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or not org_service.person_id_in_scope(
        session=session, scope=scope, person_id=evaluation.person_id
    ):
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
    evaluation = find_evaluation(session, evaluation_id, scope)
    if evaluation.calibration_id is not None and not calibration:
        raise NotFound(
            f"evaluation {evaluation_id} does not exist",
            [Problem("unknown", field="evaluation_id")],
        )
    return evaluation_out(session, evaluation)


FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(2200, 12, 31)
"""The days a period may cover (outside them local-to-UTC conversion is meaningless)."""


def check_days(first: date, last: date) -> None:
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


def site_period(
    session: Session, site_id: int, first: date, last: date
) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local days first..last at a site."""
    site = session.get(Site, site_id)
    zone = ZoneInfo(site.timezone if site else "UTC")
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def person_period(
    session: Session, person: Person, first: date, last: date
) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local days first..last at the person's site."""
    check_days(first, last)
    return site_period(session, person.site_id, first, last)


def person_by_login(session: Session, login: str, scope: Scope) -> Person:
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
        found = person_by_login(session, person, scope)
        query = query.where(Evaluation.person_id == found.id)
        if first_day is not None and last_day is not None:
            start, end = person_period(session, found, first_day, last_day)
            query = query.where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
    return [evaluation_out(session, e) for e in session.scalars(query)]


def count_evaluations(*, session: Session) -> int:
    """Number of stored evaluations (calibration scores included)."""
    return int(session.scalar(select(func.count()).select_from(Evaluation)) or 0)


def person_login(*, session: Session, person_id: int | None) -> str | None:
    """Return the login of person ``person_id``, or None when there is no such person."""
    person = session.get(Person, person_id) if person_id else None
    return person.login if person is not None else None


def contact_facts(
    *, session: Session, contact_id: int, scope: Scope = EVERYTHING
) -> dict[str, Any]:
    """Describe a contact in scope for the evaluation page: queue, times and agent."""
    contact = contact_in_scope(session, contact_id, scope)
    person = session.get(Person, contact.person_id) if contact.person_id else None
    queue = session.get(Queue, contact.queue_id)
    return {
        "id": contact.id,
        "queue": queue.name if queue else "",
        "arrival_at": contact.arrival_at,
        "talk_s": contact.talk_s,
        "hold_s": contact.hold_s,
        "wrap_s": contact.wrap_s,
        "person": person.login if person else None,
        "person_name": person.name if person else None,
    }
