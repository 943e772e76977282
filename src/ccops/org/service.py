"""Use cases of the organisation: create, find and list sites, channels, queues, teams, people."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ccops.auth_hash import hash_password
from ccops.enums import ChannelKind, Role, ScopeKind
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.org import schemas
from ccops.org.models import Channel, Person, PersonSkill, Queue, Site, Team, User, UserScope

T = TypeVar("T", Site, Channel, Queue, Team)


def _by_name(session: Session, model: type[T], name: str) -> T:
    found = session.scalars(select(model).where(model.name == name)).one_or_none()
    if found is None:
        raise NotFound(
            f"{model.__tablename__} {name!r} does not exist",
            [Problem(f"unknown {model.__tablename__}", field=model.__tablename__)],
        )
    return found


def _ensure_new(
    session: Session, model: type, column: InstrumentedAttribute[str], value: str, what: str
) -> None:
    if session.scalars(select(model).where(column == value)).first() is not None:
        raise Conflict(f"{what} {value!r} already exists", [Problem("duplicate", field="name")])


def get_site(*, session: Session, name: str) -> Site:
    """Return the site called ``name`` or raise NotFound."""
    return _by_name(session, Site, name)


def get_queue(*, session: Session, name: str) -> Queue:
    """Return the queue called ``name`` or raise NotFound."""
    return _by_name(session, Queue, name)


def get_person(*, session: Session, login: str) -> Person:
    """Return the person with ``login`` or raise NotFound."""
    found = session.scalars(select(Person).where(Person.login == login)).one_or_none()
    if found is None:
        raise NotFound(f"person {login!r} does not exist", [Problem("unknown", field="login")])
    return found


def create_site(*, session: Session, data: schemas.SiteIn) -> schemas.SiteOut:
    """Create a site."""
    _ensure_new(session, Site, Site.name, data.name, "site")
    site = Site(name=data.name, timezone=data.timezone, country_code=data.country_code)
    session.add(site)
    session.flush()
    return schemas.SiteOut.model_validate(site)


def list_sites(*, session: Session) -> list[schemas.SiteOut]:
    """List sites by name."""
    return [
        schemas.SiteOut.model_validate(s) for s in session.scalars(select(Site).order_by(Site.name))
    ]


def create_channel(*, session: Session, data: schemas.ChannelIn) -> schemas.ChannelOut:
    """Create a channel."""
    _ensure_new(session, Channel, Channel.name, data.name, "channel")
    if data.kind == ChannelKind.voice and data.max_concurrency != 1:
        raise Invalid(
            "a voice channel handles one contact at a time",
            [Problem("must be 1 for voice", field="max_concurrency")],
        )
    channel = Channel(name=data.name, kind=data.kind, max_concurrency=data.max_concurrency)
    session.add(channel)
    session.flush()
    return schemas.ChannelOut.model_validate(channel)


def list_channels(*, session: Session) -> list[schemas.ChannelOut]:
    """List channels by name."""
    rows = session.scalars(select(Channel).order_by(Channel.name))
    return [schemas.ChannelOut.model_validate(c) for c in rows]


def queue_out(queue: Queue) -> schemas.QueueOut:
    """Return the output shape of a stored queue."""
    return schemas.QueueOut(
        id=queue.id,
        name=queue.name,
        channel=queue.channel.name,
        channel_kind=queue.channel.kind,
        site=queue.site.name,
        timezone=queue.site.timezone,
        target_s=queue.target_s,
        service_level_goal=queue.service_level_goal,
        short_abandon_s=queue.short_abandon_s,
        service_level_variant=queue.service_level_variant,
    )


def create_queue(*, session: Session, data: schemas.QueueIn) -> schemas.QueueOut:
    """Create a queue on a channel at a site."""
    _ensure_new(session, Queue, Queue.name, data.name, "queue")
    channel = _by_name(session, Channel, data.channel)
    site = _by_name(session, Site, data.site)
    queue = Queue(
        name=data.name,
        channel=channel,
        site=site,
        target_s=data.target_s,
        service_level_goal=data.service_level_goal,
        short_abandon_s=data.short_abandon_s,
        service_level_variant=data.service_level_variant,
    )
    session.add(queue)
    session.flush()
    return queue_out(queue)


def list_queues(*, session: Session) -> list[schemas.QueueOut]:
    """List queues by name."""
    return [queue_out(q) for q in session.scalars(select(Queue).order_by(Queue.name))]


def ensure_default_channel(*, session: Session, kind: ChannelKind = ChannelKind.voice) -> Channel:
    """Return the channel named after ``kind``, creating it when missing (for --create-missing)."""
    channel = session.scalars(select(Channel).where(Channel.name == kind.value)).one_or_none()
    if channel is None:
        channel = Channel(name=kind.value, kind=kind, max_concurrency=1)
        session.add(channel)
        session.flush()
    return channel


def _team_out(team: Team, session: Session) -> schemas.TeamOut:
    leader = session.get(Person, team.leader_id) if team.leader_id else None
    return schemas.TeamOut(
        id=team.id, name=team.name, site=team.site.name, leader=leader.login if leader else None
    )


def create_team(*, session: Session, data: schemas.TeamIn) -> schemas.TeamOut:
    """Create a team at a site, optionally naming its leader."""
    _ensure_new(session, Team, Team.name, data.name, "team")
    site = _by_name(session, Site, data.site)
    leader = get_person(session=session, login=data.leader) if data.leader else None
    team = Team(name=data.name, site=site, leader_id=leader.id if leader else None)
    session.add(team)
    session.flush()
    return _team_out(team, session)


def list_teams(*, session: Session) -> list[schemas.TeamOut]:
    """List teams by name."""
    return [_team_out(t, session) for t in session.scalars(select(Team).order_by(Team.name))]


def person_out(person: Person, session: Session) -> schemas.PersonOut:
    """Return the output shape of a stored person."""
    site = session.get(Site, person.site_id)
    team = session.get(Team, person.team_id) if person.team_id else None
    return schemas.PersonOut(
        id=person.id,
        name=person.name,
        login=person.login,
        role=person.role,
        site=site.name if site else "",
        team=team.name if team else None,
        hire_date=person.hire_date,
        termination_date=person.termination_date,
        termination_reason=person.termination_reason,
        skills=[schemas.SkillIn(queue=s.queue.name, level=s.level) for s in person.skills],
    )


def create_person(*, session: Session, data: schemas.PersonIn) -> schemas.PersonOut:
    """Create a person with skills."""
    _ensure_new(session, Person, Person.login, data.login, "person with login")
    site = _by_name(session, Site, data.site)
    team = _by_name(session, Team, data.team) if data.team else None
    person = Person(
        name=data.name,
        login=data.login,
        role=data.role,
        site_id=site.id,
        team_id=team.id if team else None,
        hire_date=data.hire_date,
        termination_date=data.termination_date,
        termination_reason=data.termination_reason,
    )
    seen: set[str] = set()
    for skill in data.skills:
        if skill.queue in seen:
            raise Invalid(
                f"skill {skill.queue!r} listed twice", [Problem("duplicate", field="skills")]
            )
        seen.add(skill.queue)
        person.skills.append(
            PersonSkill(queue=_by_name(session, Queue, skill.queue), level=skill.level)
        )
    session.add(person)
    session.flush()
    return person_out(person, session)


def list_people(*, session: Session, team: str | None = None) -> list[schemas.PersonOut]:
    """List people by login, optionally of one team."""
    query = select(Person).order_by(Person.login)
    if team:
        query = query.where(Person.team_id == _by_name(session, Team, team).id)
    return [person_out(p, session) for p in session.scalars(query)]


def _user_out(user: User, session: Session) -> schemas.UserOut:
    person = session.get(Person, user.person_id) if user.person_id else None
    teams = [session.get(Team, i.team_id) for i in user.scope_items if i.team_id]
    sites = [session.get(Site, i.site_id) for i in user.scope_items if i.site_id]
    return schemas.UserOut(
        id=user.id,
        login=user.login,
        role=user.role,
        scope=user.scope,
        person=person.login if person else None,
        teams=sorted(t.name for t in teams if t),
        sites=sorted(s.name for s in sites if s),
    )


def create_user(*, session: Session, data: schemas.UserIn) -> schemas.UserOut:
    """Create a sign-in with an argon2-hashed password, a role and a scope."""
    _ensure_new(session, User, User.login, data.login, "user")
    person = get_person(session=session, login=data.person) if data.person else None
    user = User(
        login=data.login,
        password_hash=hash_password(data.password),
        role=data.role,
        scope=data.scope,
        person_id=person.id if person else None,
    )
    for team_name in data.teams:
        user.scope_items.append(UserScope(team_id=_by_name(session, Team, team_name).id))
    for site_name in data.sites:
        user.scope_items.append(UserScope(site_id=_by_name(session, Site, site_name).id))
    session.add(user)
    session.flush()
    return _user_out(user, session)


def create_admin(*, session: Session, login: str, password: str) -> schemas.UserOut:
    """Create an administrator with scope over everything (first user of a production database)."""
    return create_user(
        session=session,
        data=schemas.UserIn(login=login, password=password, role=Role.admin, scope=ScopeKind.all),
    )


def list_users(*, session: Session) -> list[schemas.UserOut]:
    """List users by login."""
    return [_user_out(u, session) for u in session.scalars(select(User).order_by(User.login))]


def names_missing(existing: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """Return the sorted names in ``wanted`` that are not in ``existing``."""
    have = set(existing)
    return sorted({w for w in wanted if w not in have})
