"""Results into decisions: a review recommends training, a pay step, a transfer or promotion
readiness, with the evidence attached (KPI values with their intervals, QA results,
recognition); a manager decides on the pending ones of their scope.

Evidence is frozen when the recommendation is recorded: what the decision rested on stays
readable even after later data changes a KPI. A recommendation without evidence is refused, and
so is evidence that is not about the reviewed person or that has no value to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards
from ccops.performance import subjects as perf_subjects
from ccops.quality import models as qa_models

KIND_TEXT = {
    s.RecommendationKind.training: "training",
    s.RecommendationKind.pay_step: "pay step",
    s.RecommendationKind.transfer: "transfer",
    s.RecommendationKind.promotion_readiness: "promotion readiness",
}


def _review_in_scope(session: Session, review_id: int, scope: org_service.Scope) -> m.Review:
    review = session.get(m.Review, review_id)
    if review is None or not org_service.person_id_in_scope(
        session=session, scope=scope, person_id=review.person_id
    ):
        raise NotFound(
            f"review {review_id} does not exist in your scope", [Problem("unknown", "review")]
        )
    return review


def _kpi_evidence(
    session: Session, person: Person, review: m.Review, kpis: list[str]
) -> list[s.EvidenceKpi]:
    card = perf_scorecards.scorecard_for_person(session, person)
    lines = {k.kpi: k for k in card.kpis} if card is not None else {}
    out = []
    problems = []
    for i, kpi in enumerate(kpis):
        if kpi in kpis[:i]:
            problems.append(Problem(f"KPI {kpi!r} listed twice", f"kpis.{i}"))
            continue
        if kpi not in perf_measures.MEASURABLE:
            known = ", ".join(sorted(perf_measures.MEASURABLE))
            problems.append(Problem(f"unknown KPI {kpi!r} (use one of: {known})", f"kpis.{i}"))
            continue
        value = perf_measures.kpi_value(
            session=session,
            subject=perf_subjects.person_subject(person),
            kpi=kpi,
            first=review.period_first,
            last=review.period_last,
            line=lines.get(kpi),
        )
        if value.actual is None:
            problems.append(
                Problem(
                    f"KPI {kpi!r} has no value for {person.login} from {review.period_first} to "
                    f"{review.period_last} ({value.note or value.status}) and cannot be evidence",
                    f"kpis.{i}",
                )
            )
            continue
        out.append(
            s.EvidenceKpi(
                kpi=kpi,
                label=value.label,
                unit=value.unit,
                first=review.period_first,
                last=review.period_last,
                actual=value.actual,
                low=value.low,
                high=value.high,
                n=value.n,
                interval_method=value.interval_method,
                target=value.target,
                status=value.status,
                note=value.note,
            )
        )
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    return out


def _evaluation_evidence(
    session: Session, person: Person, ids: list[int]
) -> list[s.EvidenceEvaluation]:
    out = []
    for i, evaluation_id in enumerate(ids):
        e = session.get(qa_models.Evaluation, evaluation_id)
        if e is None or e.person_id != person.id or e.calibration_id is not None:
            raise Invalid(
                f"evaluation {evaluation_id} is not a QA evaluation of {person.login}",
                [Problem("not an evaluation of the reviewed person", f"evaluation_ids.{i}")],
            )
        out.append(
            s.EvidenceEvaluation(
                id=e.id,
                contact_at=e.contact_at,
                form=f"{e.form_version.form.name} v{e.form_version.version}",
                score_pct=e.score_pct,
                passed=e.passed,
            )
        )
    return out


def _recognition_evidence(
    session: Session, person: Person, ids: list[int]
) -> list[s.EvidenceRecognition]:
    out = []
    for i, recognition_id in enumerate(ids):
        r = session.get(m.Recognition, recognition_id)
        if r is None or r.person_id != person.id:
            raise Invalid(
                f"recognition {recognition_id} is not a recognition of {person.login}",
                [Problem("not a recognition of the reviewed person", f"recognition_ids.{i}")],
            )
        out.append(
            s.EvidenceRecognition(id=r.id, given_on=r.given_on, given_by=r.given_by, text=r.text)
        )
    return out


def _out(session: Session, r: m.Recommendation) -> s.RecommendationOut:
    person = session.get(Person, r.person_id)
    assert person is not None
    team = session.get(Team, person.team_id) if person.team_id else None
    return s.RecommendationOut(
        id=r.id,
        review_id=r.review_id,
        person=person.login,
        person_name=person.name,
        team=team.name if team else None,
        kind=s.RecommendationKind(r.kind),
        rationale=r.rationale,
        detail=r.detail,
        status=r.status,
        recorded_by=r.recorded_by,
        recorded_at=r.recorded_at,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decision_note=r.decision_note,
        evidence=s.Evidence.model_validate_json(r.evidence_json),
    )


def recommend(
    *,
    session: Session,
    review_id: int,
    data: s.RecommendationIn,
    by: str,
    scope: org_service.Scope,
) -> s.RecommendationOut:
    """Record a recommendation of a review in scope with its evidence (at least one piece)."""
    review = _review_in_scope(session, review_id, scope)
    if not (data.kpis or data.evaluation_ids or data.recognition_ids):
        raise Invalid(
            f"a {KIND_TEXT[data.kind]} recommendation needs evidence: attach at least one "
            "scorecard KPI, QA evaluation or recognition of the person",
            [Problem("no evidence", "evidence")],
        )
    person = session.get(Person, review.person_id)
    assert person is not None
    evidence = s.Evidence(
        kpis=_kpi_evidence(session, person, review, data.kpis),
        evaluations=_evaluation_evidence(session, person, data.evaluation_ids),
        recognitions=_recognition_evidence(session, person, data.recognition_ids),
    )
    record = m.Recommendation(
        review_id=review.id,
        person_id=person.id,
        kind=data.kind.value,
        rationale=data.rationale,
        detail=data.detail,
        evidence_json=evidence.model_dump_json(),
        status="pending",
        recorded_by=by,
        decision_note="",
    )
    session.add(record)
    session.flush()
    return _out(session, record)


def get_recommendation(
    *, session: Session, recommendation_id: int, scope: org_service.Scope
) -> s.RecommendationOut:
    """Return one recommendation of a person in scope."""
    return _out(session, _find(session, recommendation_id, scope))


def _find(session: Session, recommendation_id: int, scope: org_service.Scope) -> m.Recommendation:
    r = session.get(m.Recommendation, recommendation_id)
    if r is None or not org_service.person_id_in_scope(
        session=session, scope=scope, person_id=r.person_id
    ):
        raise NotFound(
            f"recommendation {recommendation_id} does not exist in your scope",
            [Problem("unknown", "recommendation")],
        )
    return r


def list_recommendations(
    *,
    session: Session,
    scope: org_service.Scope,
    status: str | None = "pending",
    review_id: int | None = None,
    login: str | None = None,
) -> list[s.RecommendationOut]:
    """List the recommendations of people in scope (pending by default), by person name then
    date: never in the order of any KPI."""
    if status not in (None, "pending", "accepted", "declined"):
        raise Invalid(
            f"unknown status {status!r}: use pending, accepted or declined",
            [Problem("unknown", "status")],
        )
    query = (
        select(m.Recommendation)
        .join(Person, Person.id == m.Recommendation.person_id)
        .where(scope.people_clause())
        .order_by(Person.name, Person.login, m.Recommendation.recorded_at, m.Recommendation.id)
    )
    if status is not None:
        query = query.where(m.Recommendation.status == status)
    if review_id is not None:
        query = query.where(m.Recommendation.review_id == review_id)
    if login is not None:
        person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
        query = query.where(m.Recommendation.person_id == person.id)
    return [_out(session, r) for r in session.scalars(query)]


def decide(
    *,
    session: Session,
    recommendation_id: int,
    data: s.DecisionIn,
    by: str,
    scope: org_service.Scope,
    now: datetime | None = None,
) -> s.RecommendationOut:
    """Accept or decline a pending recommendation of a person in scope."""
    r = _find(session, recommendation_id, scope)
    if r.status != "pending":
        raise Conflict(
            f"recommendation {recommendation_id} was already {r.status} by {r.decided_by}",
            [Problem(f"already {r.status}", "status")],
        )
    r.status = data.decision.value
    r.decided_by = by
    r.decided_at = now or utcnow()
    r.decision_note = data.note
    session.flush()
    return _out(session, r)


@dataclass(frozen=True)
class EvidenceOptions:
    """What a review's recommendation may attach: the person's scorecard over the review
    period, their QA evaluations of the period and their recognitions."""

    review: s.ReviewOut
    person_name: str
    kpis: list[s.KpiValue]
    evaluations: list[s.EvidenceEvaluation]
    recognitions: list[s.EvidenceRecognition]


def evidence_options(
    *, session: Session, review_id: int, scope: org_service.Scope
) -> EvidenceOptions:
    """Offer the evidence a recommendation of review ``review_id`` (in scope) may attach."""
    review = _review_in_scope(session, review_id, scope)
    person = session.get(Person, review.person_id)
    assert person is not None
    card = perf_scorecards.person_scorecard(
        session=session,
        login=person.login,
        first=review.period_first,
        last=review.period_last,
        scope=scope,
    )
    lo = datetime.combine(review.period_first, time(0), tzinfo=UTC)
    hi = datetime.combine(review.period_last + timedelta(days=1), time(0), tzinfo=UTC)
    evaluations = session.scalars(
        select(qa_models.Evaluation)
        .where(
            qa_models.Evaluation.person_id == person.id,
            qa_models.Evaluation.calibration_id.is_(None),
            qa_models.Evaluation.contact_at >= lo,
            qa_models.Evaluation.contact_at < hi,
        )
        .order_by(qa_models.Evaluation.contact_at, qa_models.Evaluation.id)
    ).all()
    recognitions = session.scalars(
        select(m.Recognition)
        .where(m.Recognition.person_id == person.id)
        .order_by(m.Recognition.given_on.desc(), m.Recognition.id.desc())
    ).all()
    return EvidenceOptions(
        review=perf_reviews.get_review(session=session, review_id=review.id, scope=scope),
        person_name=person.name,
        kpis=card.values,
        evaluations=_evaluation_evidence(session, person, [e.id for e in evaluations]),
        recognitions=_recognition_evidence(session, person, [r.id for r in recognitions]),
    )
