"""Performance reviews: written, read and signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import coaching as perf_coaching
from ccops.performance import models as m
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects


def _review_out(session: Session, r: m.Review) -> s.ReviewOut:
    return s.ReviewOut(
        id=r.id,
        person=perf_coaching.login_of(session, r.person_id),
        reviewer=r.reviewer,
        period_first=r.period_first,
        period_last=r.period_last,
        strengths=r.strengths,
        weaknesses=r.weaknesses,
        improvement_plan=r.improvement_plan,
        person_commitments=r.person_commitments,
        support_commitments=r.support_commitments,
        next_review_on=r.next_review_on,
        next_review_criteria=r.next_review_criteria,
        signed_by_person_at=r.signed_by_person_at,
        signed_by_reviewer_at=r.signed_by_reviewer_at,
    )


def create_review(
    *, session: Session, data: s.ReviewIn, reviewer: str, scope: org_service.Scope
) -> s.ReviewOut:
    """Record a formal review of a person in scope (signed later by both sides)."""
    person = perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
    r = m.Review(person_id=person.id, reviewer=reviewer, **data.model_dump(exclude={"person"}))
    session.add(r)
    session.flush()
    return _review_out(session, r)


def get_review(*, session: Session, review_id: int, scope: org_service.Scope) -> s.ReviewOut:
    """Return one review of a person in scope."""
    r = session.get(m.Review, review_id)
    visible = r is not None and (
        session.scalars(
            select(Person.id).where(Person.id == r.person_id, scope.people_clause())
        ).first()
        is not None
    )
    if r is None or not visible:
        raise NotFound(f"review {review_id} does not exist in your scope")
    return _review_out(session, r)


def sign_review(
    *,
    session: Session,
    review_id: int,
    login: str,
    person_id: int | None,
    scope: org_service.Scope,
    now: datetime | None = None,
) -> s.ReviewOut:
    """Sign a review as the reviewed person or as the reviewer; anybody else is refused."""
    r = session.get(m.Review, review_id)
    visible = r is not None and (
        session.scalars(
            select(Person.id).where(Person.id == r.person_id, scope.people_clause())
        ).first()
        is not None
    )
    if r is None or not visible:
        raise NotFound(f"review {review_id} does not exist in your scope")
    now = now or utcnow()
    if person_id is not None and person_id == r.person_id:
        r.signed_by_person_at = r.signed_by_person_at or now
    elif login == r.reviewer:
        r.signed_by_reviewer_at = r.signed_by_reviewer_at or now
    else:
        raise Invalid(
            f"review {review_id} is signed by {perf_coaching.login_of(session, r.person_id)} "
            f"and {r.reviewer} only",
            [Problem("not a party to this review", "review")],
        )
    session.flush()
    return _review_out(session, r)


def list_reviews(*, session: Session, login: str, scope: org_service.Scope) -> list[s.ReviewOut]:
    """List a person's reviews, newest first."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.Review)
        .where(m.Review.person_id == person.id)
        .order_by(m.Review.period_last.desc(), m.Review.id.desc())
    )
    return [_review_out(session, r) for r in rows]
