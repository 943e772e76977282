"""Disputes: an agent contests an evaluation, a reviewer decides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org.models import Person
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import schemas
from ccops.quality import scoring as qa_scoring
from ccops.quality.models import (
    Dispute,
    Evaluation,
    EvaluationRevision,
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
    if (
        evaluation is None
        or evaluation.calibration_id is not None
        or by_person_id is None
        or evaluation.person_id != by_person_id
    ):
        # someone else's evaluation answers like a missing one: ids reveal nothing
        raise NotFound(
            f"evaluation {evaluation_id} does not exist or is not yours: you can dispute "
            "only your own",
            [Problem("unknown", field="evaluation_id")],
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
    return qa_evaluations.dispute_out(dispute, session.get(Person, evaluation.person_id).login)  # type: ignore[union-attr]


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
    evaluation = qa_evaluations.find_evaluation(session, dispute.evaluation_id, scope)
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
        definition = qa_forms.definition_of(evaluation.form_version)
        result = qa_scoring.score(definition, data.answers)
        number = evaluation.revision + 1
        evaluation.revisions.append(
            EvaluationRevision(
                revision=number,
                scored_by=by,
                reason=f"dispute {dispute.id} amended",
                comment=data.comment,
                score_pct=result.score_pct,
                critical_failed=result.critical_failed,
                answers=qa_evaluations.answers_rows(definition, data.answers),
            )
        )
        evaluation.revision = number
        evaluation.score_pct = result.score_pct
        evaluation.critical_failed = result.critical_failed
        evaluation.passed = qa_evaluations.has_passed(result, evaluation.form_version)
        dispute.status = "amended"
        dispute.resulting_revision = number
    dispute.decided_by = by
    dispute.decided_at = now
    dispute.decision_comment = data.comment
    session.flush()
    session.refresh(evaluation)
    return qa_evaluations.evaluation_out(session, evaluation)


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
    return [qa_evaluations.dispute_out(d, login) for d, login in session.execute(query)]
