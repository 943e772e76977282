"""Recognition of a person's work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org import service as org_service
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects


def create_recognition(
    *, session: Session, data: s.RecognitionIn, given_by: str, scope: org_service.Scope
) -> s.RecognitionOut:
    """Record appreciation for a person in scope."""
    person = perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
    if data.kpi is not None:
        perf_measures.metric(data.kpi)
    r = m.Recognition(
        person_id=person.id, given_by=given_by, given_on=data.given_on, kpi=data.kpi, text=data.text
    )
    session.add(r)
    session.flush()
    return s.RecognitionOut(
        id=r.id, person=person.login, given_by=given_by, given_on=r.given_on, kpi=r.kpi, text=r.text
    )


def list_recognitions(
    *, session: Session, login: str, scope: org_service.Scope
) -> list[s.RecognitionOut]:
    """List a person's recognitions, newest first."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.Recognition)
        .where(m.Recognition.person_id == person.id)
        .order_by(m.Recognition.given_on.desc(), m.Recognition.id.desc())
    )
    return [
        s.RecognitionOut(
            id=r.id, person=login, given_by=r.given_by, given_on=r.given_on, kpi=r.kpi, text=r.text
        )
        for r in rows
    ]
