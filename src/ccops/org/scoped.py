"""Load one organisation record by name for a caller, checking the caller's scope.

One loader per kind of record. A record outside the scope answers exactly as a missing one
(NotFound with the same message and field), so names cannot be probed by the difference
between 404 and 403. The checks of what an administrator may grant are here too: a scoped
administrator reaches only users whose whole scope lies inside their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import ScopeKind
from ccops.errors import Forbidden, NotFound, Problem
from ccops.org.access import Scope
from ccops.org.models import Person, Queue, Site, Team, User


def _missing(what: str, name: str, field: str) -> NotFound:
    return NotFound(f"{what} {name!r} does not exist", [Problem("unknown", field=field)])


def site_in_scope(session: Session, scope: Scope, name: str, *, field: str = "name") -> Site:
    """Return the site ``name`` if it is in scope, else NotFound."""
    site = session.scalars(select(Site).where(Site.name == name)).one_or_none()
    if site is None or not scope.allows_site(site.id):
        raise _missing("site", name, field)
    return site


def queue_in_scope(session: Session, scope: Scope, name: str, *, field: str = "name") -> Queue:
    """Return the queue ``name`` if its site is in scope, else NotFound."""
    queue = session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
    if queue is None or not scope.allows_site(queue.site_id):
        raise _missing("queue", name, field)
    return queue


def queue_choices(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The queues of the sites in scope as a form's choices: (name, "name · site"), by name, so
    a form offers only queues the caller may name instead of a free text to mistype."""
    rows = session.execute(
        select(Queue.name, Site.name, Site.id)
        .join(Site, Site.id == Queue.site_id)
        .order_by(Queue.name, Site.name)
    )
    return [(q, f"{q} · {s}") for q, s, site_id in rows if scope.allows_site(site_id)]


def team_in_scope(session: Session, scope: Scope, name: str, *, field: str = "name") -> Team:
    """Return the team ``name`` if it is in scope (its site, or one of a leader's teams)."""
    team = session.scalars(select(Team).where(Team.name == name, scope.teams_clause()))
    found = team.one_or_none()
    if found is None:
        raise _missing("team", name, field)
    return found


def person_in_scope(session: Session, scope: Scope, login: str, *, field: str = "login") -> Person:
    """Return the person ``login`` if they are in scope, else NotFound (as an unknown login)."""
    person = session.scalars(
        select(Person).where(Person.login == login, scope.people_clause())
    ).one_or_none()
    if person is None:
        raise NotFound(f"person {login!r} does not exist", [Problem("unknown", field=field)])
    return person


def user_reach(session: Session, user: User) -> tuple[bool, frozenset[int]]:
    """What a user's scope reaches: (every site, the sites it touches).

    Sites scope: its sites; teams scope: its teams' sites; own record: the person's site.
    The linked person's site counts too.
    """
    if user.scope == ScopeKind.all:
        return True, frozenset()
    sites = {i.site_id for i in user.scope_items if i.site_id is not None}
    team_ids = [i.team_id for i in user.scope_items if i.team_id is not None]
    if team_ids:
        sites.update(session.scalars(select(Team.site_id).where(Team.id.in_(team_ids))))
    if user.person_id is not None:
        person = session.get(Person, user.person_id)
        if person is not None:
            sites.add(person.site_id)
    return False, frozenset(sites)


def reaches_user(session: Session, scope: Scope, user: User) -> bool:
    """Whether ``scope`` covers the whole scope of ``user`` (always, for scope ``all``)."""
    if scope.everything:
        return True
    every, sites = user_reach(session, user)
    return not every and sites <= (scope.site_ids or frozenset())


def user_in_scope(session: Session, scope: Scope, login: str) -> User:
    """Return the user ``login`` if the caller's scope covers the user's whole scope.

    An all-sites administrator reaches every user; a scoped one only users of their sites
    (never an all-sites user, whose password or role they could otherwise take over).
    """
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None or not reaches_user(session, scope, user):
        raise NotFound(f"user {login!r} does not exist", [Problem("unknown", field="login")])
    return user


def check_grant(
    session: Session,
    scope: Scope,
    *,
    kind: ScopeKind,
    site_ids: Iterable[int],
    team_ids: Iterable[int],
    person_id: int | None,
) -> None:
    """Refuse to give a user a scope wider than the granting administrator's own.

    A scoped administrator cannot grant the scope ``all`` (so cannot create an all-sites
    administrator), nor sites, teams or a person outside their sites; changing their own
    sign-in is bound by the same rule, so they cannot widen their own scope.
    """
    if scope.everything:
        return
    allowed = scope.site_ids or frozenset()
    if kind == ScopeKind.all:
        raise Forbidden(
            "only an administrator of every site may grant the scope 'all sites'",
            [Problem("wider than your own scope", field="scope")],
        )
    wanted_teams = list(team_ids)
    team_sites = set(session.scalars(select(Team.site_id).where(Team.id.in_(wanted_teams))))
    if not set(site_ids) <= allowed:
        raise Forbidden(
            "you may grant only sites of your own scope",
            [Problem("wider than your own scope", field="sites")],
        )
    if not team_sites <= allowed:
        raise Forbidden(
            "you may grant only teams of the sites of your own scope",
            [Problem("wider than your own scope", field="teams")],
        )
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None or person.site_id not in allowed:
            raise Forbidden(
                "you may link only people of the sites of your own scope",
                [Problem("wider than your own scope", field="person")],
            )
