"""Coaching sessions, development notes and training needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.quality import models as qa_models
from ccops.quality import scores as qa_scores

# --- coaching, reviews, recognition, development ----------------------------------------------


def login_of(session: Session, person_id: int) -> str:
    p = session.get(Person, person_id)
    return p.login if p else "?"


def _coaching_out(session: Session, c: m.CoachingSession) -> s.CoachingOut:
    return s.CoachingOut(
        id=c.id,
        person=login_of(session, c.person_id),
        coach=c.coach,
        held_on=c.held_on,
        kpi=c.kpi,
        reference=c.reference,
        monitoring_points=c.monitoring_points,
        gap=c.gap,
        analysis=c.analysis,
        action_plan=c.action_plan,
        agreed_by_person=c.agreed_by_person,
        follow_up_on=c.follow_up_on,
        outcome=c.outcome,
    )


def create_coaching(
    *, session: Session, data: s.CoachingIn, coach: str, scope: org_service.Scope
) -> s.CoachingOut:
    """Record a coaching session with a person in scope."""
    person = perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
    if data.kpi is not None:
        perf_measures.metric(data.kpi)
    _check_reference(session, data.reference, person)
    c = m.CoachingSession(
        person_id=person.id,
        coach=coach,
        held_on=data.held_on,
        kpi=data.kpi,
        reference=data.reference,
        monitoring_points=data.monitoring_points,
        gap=data.gap,
        analysis=data.analysis,
        action_plan=data.action_plan,
        follow_up_on=data.follow_up_on,
    )
    session.add(c)
    session.flush()
    return _coaching_out(session, c)


def evaluation_reference(evaluation_id: int) -> str:
    """The reference of a coaching session prompted by a QA evaluation."""
    return f"evaluation:{evaluation_id}"


def _check_reference(session: Session, reference: str | None, person: Person) -> None:
    """Refuse a reference to an evaluation of someone else or to an unknown KPI.

    References of the form ``evaluation:<id>`` and ``kpi:<key>`` are links the pages follow;
    any other text (a ticket number, a call id) is kept as written.
    """
    if reference is None:
        return
    kind, _sep, key = reference.partition(":")
    if kind == "evaluation":
        found = session.get(qa_models.Evaluation, int(key)) if key.isdigit() else None
        if found is None or found.person_id != person.id or found.calibration_id is not None:
            raise Invalid(
                f"{reference!r} is not an evaluation of {person.login}",
                [Problem("not an evaluation of this person", "reference")],
            )
    elif kind == "kpi":
        perf_measures.metric(key)


def _coaching(session: Session, coaching_id: int, scope: org_service.Scope) -> m.CoachingSession:
    c = session.get(m.CoachingSession, coaching_id)
    if (
        c is None
        or session.scalars(
            select(Person.id).where(Person.id == c.person_id, scope.people_clause())
        ).first()
        is None
    ):
        raise NotFound(f"coaching session {coaching_id} does not exist in your scope")
    return c


def get_coaching(*, session: Session, coaching_id: int, scope: org_service.Scope) -> s.CoachingOut:
    """Return one coaching session of a person in scope."""
    return _coaching_out(session, _coaching(session, coaching_id, scope))


def agree_coaching(
    *, session: Session, coaching_id: int, person_id: int | None, scope: org_service.Scope
) -> s.CoachingOut:
    """Record that the coached person agrees with the action plan (only they can)."""
    c = _coaching(session, coaching_id, scope)
    if person_id != c.person_id:
        raise NotFound(
            f"coaching session {coaching_id} is not yours to agree to",
            [Problem("only the coached person agrees", "coaching")],
        )
    c.agreed_by_person = True
    session.flush()
    return _coaching_out(session, c)


def record_outcome(
    *, session: Session, coaching_id: int, data: s.OutcomeIn, scope: org_service.Scope
) -> s.CoachingOut:
    """Record the outcome of a coaching plan at its follow-up."""
    c = _coaching(session, coaching_id, scope)
    c.outcome = data.outcome
    session.flush()
    return _coaching_out(session, c)


def list_coaching(*, session: Session, login: str, scope: org_service.Scope) -> list[s.CoachingOut]:
    """List a person's coaching sessions, newest first."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.CoachingSession)
        .where(m.CoachingSession.person_id == person.id)
        .order_by(m.CoachingSession.held_on.desc(), m.CoachingSession.id.desc())
    )
    return [_coaching_out(session, c) for c in rows]


def create_note(
    *, session: Session, data: s.NoteIn, written_by: str, scope: org_service.Scope
) -> s.NoteOut:
    """Record a training need or readiness note about a person in scope."""
    person = perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
    n = m.DevelopmentNote(
        person_id=person.id,
        kind=data.kind.value,
        text=data.text,
        written_by=written_by,
        written_on=data.written_on,
    )
    session.add(n)
    session.flush()
    return s.NoteOut(
        id=n.id,
        person=person.login,
        kind=data.kind,
        text=n.text,
        written_by=written_by,
        written_on=n.written_on,
    )


def list_notes(*, session: Session, login: str, scope: org_service.Scope) -> list[s.NoteOut]:
    """List a person's development notes, newest first."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.DevelopmentNote)
        .where(m.DevelopmentNote.person_id == person.id)
        .order_by(m.DevelopmentNote.written_on.desc(), m.DevelopmentNote.id.desc())
    )
    return [
        s.NoteOut(
            id=n.id,
            person=login,
            kind=s.NoteKind(n.kind),
            text=n.text,
            written_by=n.written_by,
            written_on=n.written_on,
        )
        for n in rows
    ]


def _notes_out(session: Session, people: Sequence[Person]) -> list[s.NoteOut]:
    by_id = {p.id: p for p in people}
    rows = session.scalars(
        select(m.DevelopmentNote).where(m.DevelopmentNote.person_id.in_(sorted(by_id)))
    )
    notes = [
        s.NoteOut(
            id=n.id,
            person=by_id[n.person_id].login,
            kind=s.NoteKind(n.kind),
            text=n.text,
            written_by=n.written_by,
            written_on=n.written_on,
        )
        for n in rows
    ]
    names = {p.login: (p.name, p.login) for p in people}
    return sorted(notes, key=lambda n: (names[n.person], -n.written_on.toordinal(), -n.id))


def team_training_needs(
    *, session: Session, team: str, first: date, last: date, scope: org_service.Scope
) -> s.TrainingNeedsOut:
    """A team's training needs from its results: QA items its evaluations score clearly below
    the pass mark, and the training-need and readiness notes of its people (name order)."""
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    members = perf_subjects.team_members(session, found.id)
    return s.TrainingNeedsOut(
        subject=found.name,
        first=first,
        last=last,
        items=qa_scores.item_scores(
            session=session, people=members, first_day=first, last_day=last
        ),
        notes=_notes_out(session, members),
    )


def person_training_needs(
    *, session: Session, login: str, first: date, last: date, scope: org_service.Scope
) -> s.TrainingNeedsOut:
    """One person's training needs, the same way as a team's."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    return s.TrainingNeedsOut(
        subject=person.login,
        first=first,
        last=last,
        items=qa_scores.item_scores(
            session=session, people=[person], first_day=first, last_day=last
        ),
        notes=_notes_out(session, [person]),
    )
