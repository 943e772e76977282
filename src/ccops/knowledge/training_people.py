"""Who a training module concerns, and telling them of its new version.

The people followed as new hires (hired within ``NEW_HIRE_DAYS`` and not gone, or with a
completion recorded) have on their checklist every module for everyone and the modules of the
queues they are skilled for. When a module gets a new version, each of those who sign in is
notified in the app, and so is the team leader of each one's team: the user of the team's
leader, and team-leader users whose scope is that team. Nobody else is (no trainer role exists:
trainers are team leaders and QA analysts who follow people in their scope).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.knowledge.models import TrainingCompletion, TrainingModule
from ccops.notifications import service as notifications
from ccops.org.models import Person, PersonSkill, Team, User, UserScope

NEW_HIRE_DAYS = 90
"""A person hired within this many days counts as a new hire on the training page."""
KIND = "training_version"
"""The notification kind of a new version of a training module."""


def followed(day: date) -> ColumnElement[bool]:
    """A WHERE clause on Person: followed as a new hire on ``day`` (not gone, and hired within
    ``NEW_HIRE_DAYS`` or with a completion recorded)."""
    return and_(
        or_(Person.termination_date.is_(None), Person.termination_date > day),
        or_(
            Person.hire_date >= day - timedelta(days=NEW_HIRE_DAYS),
            Person.id.in_(select(TrainingCompletion.person_id)),
        ),
    )


@dataclass(frozen=True)
class Concerned:
    """A new hire whose checklist includes a module: their person, team and sign-in."""

    person_id: int
    login: str
    team_id: int | None
    user_id: int | None
    completed: int | None
    """The highest version of the module they completed (None: none)."""


def concerned(session: Session, module: TrainingModule, day: date) -> list[Concerned]:
    """The new hires followed on ``day`` whose checklist includes ``module``, by login."""
    query = select(Person.id, Person.login, Person.team_id).where(followed(day))
    if module.queue_id is not None:
        skilled = select(PersonSkill.person_id).where(PersonSkill.queue_id == module.queue_id)
        query = query.where(Person.id.in_(skilled))
    people = list(session.execute(query.order_by(Person.login)))
    ids = [p.id for p in people]
    signs_in = select(User.person_id, User.id).where(
        User.person_id.in_(ids), User.disabled_at.is_(None)
    )
    users: dict[int | None, int] = {row.person_id: row.id for row in session.execute(signs_in)}
    done: dict[int, int] = {}
    for person_id, version in session.execute(
        select(TrainingCompletion.person_id, TrainingCompletion.version).where(
            TrainingCompletion.module_id == module.id, TrainingCompletion.person_id.in_(ids)
        )
    ):
        done[person_id] = max(version, done.get(person_id, 0))
    return [Concerned(p.id, p.login, p.team_id, users.get(p.id), done.get(p.id)) for p in people]


def team_leaders(session: Session, team_ids: set[int]) -> dict[int, set[int]]:
    """The users who lead each team: its leader's sign-in, and team-leader users scoped to it."""
    leaders: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in session.execute(
        select(Team.id, User.id)
        .join(User, User.person_id == Team.leader_id)
        .where(Team.id.in_(team_ids), User.disabled_at.is_(None))
    ):
        leaders[team_id].add(user_id)
    for scoped, user_id in session.execute(
        select(UserScope.team_id, User.id)
        .join(User, User.id == UserScope.user_id)
        .where(
            UserScope.team_id.in_(team_ids),
            User.role == Role.supervisor,
            User.scope == ScopeKind.teams,
            User.disabled_at.is_(None),
        )
    ):
        if scoped is not None:
            leaders[scoped].add(user_id)
    return leaders


def notify_version(
    session: Session, module: TrainingModule, version: int, by: str, day: date
) -> int:
    """Notify the new hires whose checklist includes ``module`` of its new ``version``, and
    their team leaders (never its publisher, ``by``); return how many users were notified."""
    by_user_id = session.scalars(select(User.id).where(User.login == by)).one_or_none()
    people = concerned(session, module, day)
    hires = {p.user_id for p in people if p.user_id is not None} - {by_user_id}
    for p in people:
        if p.user_id is None or p.user_id == by_user_id:
            continue
        again = p.completed is not None
        notifications.notify(
            session=session,
            user_ids=[p.user_id],
            kind=KIND,
            subject=(
                f"Training to do again: {module.title}, version {version}"
                if again
                else f"New version of your training: {module.title}, version {version}"
            ),
            body=(
                f"You completed version {p.completed}; version {version} replaces it."
                if again
                else f"Version {version} is now the one on your checklist."
            ),
            link=f"/training/checklists/{p.login}",
        )
    by_team: dict[int, list[str]] = defaultdict(list)
    for p in people:
        if p.team_id is not None:
            by_team[p.team_id].append(p.login)
    leaders = team_leaders(session, set(by_team))
    told: dict[int, list[str]] = defaultdict(list)
    for team_id, logins in by_team.items():
        for user_id in leaders.get(team_id, set()) - {by_user_id}:
            told[user_id].extend(logins)
    for user_id, logins in sorted(told.items()):
        notifications.notify(
            session=session,
            user_ids=[user_id],
            kind=KIND,
            subject=f"Training updated for your new hires: {module.title}, version {version}",
            body="On the checklist of: " + ", ".join(sorted(set(logins))),
            link="/training",
        )
    return len(hires | set(told))
