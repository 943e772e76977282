"""Whose KPIs are measured (a person, a team or the centre) and the people behind them."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Role
from ccops.errors import NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Team

# --- subjects and scope -----------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whose KPIs are measured: one person, one team, one queue, or the centre (sites; None =
    all)."""

    kind: str
    key: str
    name: str
    person_id: int | None = None
    team_id: int | None = None
    site_ids: frozenset[int] | None = None
    queue_id: int | None = None


def person_in_scope(*, session: Session, login: str, scope: org_service.Scope) -> Person:
    """Return the person ``login`` if the scope reaches them, else raise NotFound."""
    found = session.scalars(
        select(Person).where(Person.login == login, scope.people_clause())
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"no person {login!r} in your scope", [Problem("unknown or outside scope", "person")]
        )
    return found


def team_in_scope(*, session: Session, name: str, scope: org_service.Scope) -> Team:
    """Return the team ``name`` if the scope reaches it, else raise NotFound."""
    found = session.scalars(
        select(Team).where(Team.name == name, scope.teams_clause())
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"no team {name!r} in your scope", [Problem("unknown or outside scope", "team")]
        )
    return found


def person_subject(p: Person) -> Subject:
    return Subject("person", p.login, p.name, person_id=p.id)


def team_subject(t: Team) -> Subject:
    return Subject("team", t.name, t.name, team_id=t.id)


def queue_subject(q: Queue) -> Subject:
    """The contacts of one queue (an improvement record's check, say)."""
    return Subject("queue", q.name, q.name, queue_id=q.id)


def centre_subject(scope: org_service.Scope) -> Subject:
    return Subject("centre", "centre", "centre", site_ids=scope.site_ids)


def contact_where(subject: Subject) -> ColumnElement[bool]:
    if subject.kind == "person":
        return Contact.person_id == subject.person_id
    if subject.kind == "team":
        return Contact.person_id.in_(select(Person.id).where(Person.team_id == subject.team_id))
    if subject.kind == "queue":
        return Contact.queue_id == subject.queue_id
    if subject.site_ids is None:
        return true()
    return Contact.queue_id.in_(select(Queue.id).where(Queue.site_id.in_(sorted(subject.site_ids))))


def subject_key(subject: Subject) -> tuple[Hashable, ...]:
    sites = None if subject.site_ids is None else tuple(sorted(subject.site_ids))
    return (subject.kind, subject.key, subject.person_id, subject.team_id, sites, subject.queue_id)


def people_for(session: Session, subject: Subject) -> list[Person]:
    query = select(Person)
    if subject.kind == "team":
        query = query.where(Person.team_id == subject.team_id)
    elif subject.site_ids is not None:
        query = query.where(Person.site_id.in_(sorted(subject.site_ids)))
    return list(session.scalars(query))


def team_members(session: Session, team_id: int) -> list[Person]:
    """The team's people, in name order (never in the order of any KPI)."""
    return list(
        session.scalars(
            select(Person).where(Person.team_id == team_id).order_by(Person.name, Person.login)
        )
    )


def person_login(*, session: Session, person_id: int | None) -> str | None:
    """Return the login of person ``person_id``, or None when there is no such person."""
    person = session.get(Person, person_id) if person_id else None
    return person.login if person is not None else None


def supervisor_login(*, session: Session, person_id: int | None) -> str | None:
    """Return the login of person ``person_id`` when they are a team leader, else None."""
    person = session.get(Person, person_id) if person_id else None
    return person.login if person is not None and person.role == Role.supervisor else None


def is_supervisor(*, session: Session, login: str) -> bool:
    """Tell whether ``login`` names a team leader."""
    person = session.scalars(select(Person).where(Person.login == login)).one_or_none()
    return person is not None and person.role == Role.supervisor


def teams_in_scope(*, session: Session, scope: org_service.Scope) -> list[Team]:
    """List the teams in ``scope`` by name."""
    return list(session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name)))
