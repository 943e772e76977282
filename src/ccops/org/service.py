"""Use cases of the organisation: create, find and list sites, channels, queues, teams, people."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import InstrumentedAttribute, Session

from ccops.auth_hash import hash_password, needs_rehash, verify_password
from ccops.db import utcnow
from ccops.enums import ChannelKind, Language, Role, ScopeKind, TokenScope
from ccops.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, Problem
from ccops.org import passwords, schemas, scoped, throttle, totp
from ccops.org.access import EVERYTHING as EVERYTHING
from ccops.org.access import Scope as Scope
from ccops.org.models import (
    ApiToken,
    Channel,
    Person,
    PersonSkill,
    Queue,
    Site,
    Team,
    User,
    UserScope,
)

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


def queue_time_zones(*, session: Session) -> dict[str, str]:
    """Each queue's name and its site's IANA time zone (contact times are shown in it)."""
    rows = session.execute(select(Queue.name, Site.timezone).join(Site, Site.id == Queue.site_id))
    return {str(name): str(zone) for name, zone in rows}


def get_queue(*, session: Session, name: str) -> Queue:
    """Return the queue called ``name`` or raise NotFound."""
    return _by_name(session, Queue, name)


def get_person(*, session: Session, login: str) -> Person:
    """Return the person with ``login`` or raise NotFound."""
    found = session.scalars(select(Person).where(Person.login == login)).one_or_none()
    if found is None:
        raise NotFound(f"person {login!r} does not exist", [Problem("unknown", field="login")])
    return found


def find_site(*, session: Session, name: str) -> schemas.SiteOut:
    """Return the site called ``name`` or raise NotFound (on the form's ``name`` field)."""
    site = session.scalars(select(Site).where(Site.name == name)).one_or_none()
    if site is None:
        raise NotFound(f"site {name!r} does not exist", [Problem("unknown", field="name")])
    return schemas.SiteOut.model_validate(site)


def find_queue(*, session: Session, name: str, scope: Scope = EVERYTHING) -> schemas.QueueOut:
    """Return the queue called ``name`` at a site in scope, or raise NotFound."""
    queue = session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
    if queue is None or not scope.allows_site(queue.site_id):
        raise NotFound(f"queue {name!r} does not exist", [Problem("unknown", field="name")])
    return queue_out(queue)


def find_team(*, session: Session, name: str, scope: Scope = EVERYTHING) -> schemas.TeamOut:
    """Return the team called ``name`` if it is in scope, or raise NotFound."""
    team = session.scalars(
        select(Team).where(Team.name == name, scope.teams_clause())
    ).one_or_none()
    if team is None:
        raise NotFound(f"team {name!r} does not exist", [Problem("unknown", field="name")])
    return _team_out(team, session)


def find_person(*, session: Session, login: str, scope: Scope = EVERYTHING) -> schemas.PersonOut:
    """Return the person with ``login`` if they are in scope, or raise NotFound."""
    person = session.scalars(
        select(Person).where(Person.login == login, scope.people_clause())
    ).one_or_none()
    if person is None:
        raise NotFound(f"person {login!r} does not exist", [Problem("unknown", field="login")])
    return person_out(person, session)


def create_site(*, session: Session, data: schemas.SiteIn) -> schemas.SiteOut:
    """Create a site."""
    _ensure_new(session, Site, Site.name, data.name, "site")
    site = Site(name=data.name, timezone=data.timezone, country_code=data.country_code)
    session.add(site)
    session.flush()
    return schemas.SiteOut.model_validate(site)


def list_sites(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.SiteOut]:
    """List the sites in scope by name."""
    query = select(Site).order_by(Site.name)
    if scope.site_ids is not None:
        query = query.where(Site.id.in_(sorted(scope.site_ids)))
    return [schemas.SiteOut.model_validate(s) for s in session.scalars(query)]


def set_leaver_cost(
    *, session: Session, site: str, data: schemas.LeaverCostIn, scope: Scope = EVERYTHING
) -> schemas.LeaverCostOut:
    """Store (or clear, with a null cost) what replacing one leaver costs the site (in scope)."""
    found = scoped.site_in_scope(session, scope, site, field="site")
    found.cost_per_leaver = data.cost_per_leaver
    found.currency = data.currency if data.cost_per_leaver is not None else None
    session.flush()
    return leaver_cost(found)


def leaver_cost(site: Site) -> schemas.LeaverCostOut:
    """A site's stored replacement cost per leaver."""
    return schemas.LeaverCostOut(
        site=site.name, cost_per_leaver=site.cost_per_leaver, currency=site.currency
    )


def _require_site_in_scope(scope: Scope, site: Site) -> None:
    if not scope.allows_site(site.id):
        raise Forbidden(
            f"site {site.name!r} is outside your scope",
            [Problem("outside your scope", field="site")],
        )


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


def create_queue(
    *, session: Session, data: schemas.QueueIn, scope: Scope = EVERYTHING
) -> schemas.QueueOut:
    """Create a queue on a channel at a site (a site in the caller's scope)."""
    _ensure_new(session, Queue, Queue.name, data.name, "queue")
    channel = _by_name(session, Channel, data.channel)
    site = _by_name(session, Site, data.site)
    _require_site_in_scope(scope, site)
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


def list_queues(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.QueueOut]:
    """List the queues of the sites in scope by name."""
    query = select(Queue).order_by(Queue.name)
    if scope.site_ids is not None:
        query = query.where(Queue.site_id.in_(sorted(scope.site_ids)))
    return [queue_out(q) for q in session.scalars(query)]


def queue_names_in_scope(*, session: Session, scope: Scope) -> list[str] | None:
    """Return the names of the queues in scope, or None when every queue is."""
    if scope.site_ids is None:
        return None
    return [q.name for q in list_queues(session=session, scope=scope)]


def logins_in_scope(*, session: Session, scope: Scope) -> list[str] | None:
    """Return the logins of the people in scope, or None when everybody is."""
    if scope.site_ids is None:
        return None
    query = select(Person.login).where(scope.people_clause()).order_by(Person.login)
    return list(session.scalars(query))


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


def create_team(
    *, session: Session, data: schemas.TeamIn, scope: Scope = EVERYTHING
) -> schemas.TeamOut:
    """Create a team at a site (in the caller's scope), optionally naming its leader."""
    _ensure_new(session, Team, Team.name, data.name, "team")
    site = _by_name(session, Site, data.site)
    _require_site_in_scope(scope, site)
    leader = (
        scoped.person_in_scope(session, scope, data.leader, field="leader") if data.leader else None
    )
    team = Team(name=data.name, site=site, leader_id=leader.id if leader else None)
    session.add(team)
    session.flush()
    return _team_out(team, session)


def list_teams(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.TeamOut]:
    """List the teams in scope by name."""
    query = select(Team).where(scope.teams_clause()).order_by(Team.name)
    return [_team_out(t, session) for t in session.scalars(query)]


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


def create_person(
    *, session: Session, data: schemas.PersonIn, scope: Scope = EVERYTHING
) -> schemas.PersonOut:
    """Create a person with skills at a site (in the caller's scope)."""
    _ensure_new(session, Person, Person.login, data.login, "person with login")
    site = _by_name(session, Site, data.site)
    _require_site_in_scope(scope, site)
    team = scoped.team_in_scope(session, scope, data.team, field="team") if data.team else None
    if team is not None and team.site_id != site.id:
        raise Invalid(
            f"team {team.name!r} is at another site than {site.name!r}",
            [Problem("team of another site", field="team")],
        )
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
        queue = scoped.queue_in_scope(session, scope, skill.queue, field="skills")
        person.skills.append(PersonSkill(queue=queue, level=skill.level))
    session.add(person)
    session.flush()
    return person_out(person, session)


def list_people(
    *, session: Session, team: str | None = None, scope: Scope = EVERYTHING
) -> list[schemas.PersonOut]:
    """List the people in scope by login, optionally of one team.

    Two queries of plain columns (people with site and team names, then their skills in queue
    order, as SQLite returned them before), not an object per person, skill and queue.
    """
    where = [scope.people_clause()]
    if team:
        where.append(Person.team_id == scoped.team_in_scope(session, scope, team, field="team").id)
    rows = session.execute(
        select(
            Person.id,
            Person.name,
            Person.login,
            Person.role,
            Site.name,
            Team.name,
            Person.hire_date,
            Person.termination_date,
            Person.termination_reason,
        )
        .outerjoin(Site, Person.site_id == Site.id)
        .outerjoin(Team, Person.team_id == Team.id)
        .where(*where)
        .order_by(Person.login)
    ).all()
    skills: dict[int, list[schemas.SkillIn]] = {}
    for person_id, queue, level in session.execute(
        select(PersonSkill.person_id, Queue.name, PersonSkill.level)
        .join(Queue, PersonSkill.queue_id == Queue.id)
        .join(Person, PersonSkill.person_id == Person.id)
        .where(*where)
        .order_by(PersonSkill.person_id, PersonSkill.queue_id)
    ):
        skills.setdefault(person_id, []).append(schemas.SkillIn(queue=queue, level=level))
    return [
        schemas.PersonOut(
            id=pid,
            name=name,
            login=login,
            role=role,
            site=site or "",
            team=team_name,
            hire_date=hired,
            termination_date=ended,
            termination_reason=reason,
            skills=skills.get(pid, []),
        )
        for pid, name, login, role, site, team_name, hired, ended, reason in rows
    ]


def installation_counts(*, session: Session) -> dict[str, int]:
    """Count sites, channels, teams, people, users and active API tokens in one query."""
    counts = {
        "sites": select(func.count()).select_from(Site),
        "channels": select(func.count()).select_from(Channel),
        "teams": select(func.count()).select_from(Team),
        "people": select(func.count()).select_from(Person),
        "users": select(func.count()).select_from(User),
        "tokens": select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None)),
    }
    row = session.execute(
        select(*(query.scalar_subquery().label(name) for name, query in counts.items()))
    ).one()
    return {name: int(value) for name, value in zip(counts, row, strict=True)}


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
        disabled=user.disabled_at is not None,
        locked_until=user.locked_until,
        second_factor=user.totp_secret is not None,
    )


def password_problem(
    *, session: Session, password: str, login: str, person_id: int | None = None
) -> str | None:
    """Why the policy (`ccops.org.passwords`) refuses ``password`` for the user ``login``
    (whose person, if any, lends its name and login as guessable words), or None."""
    inputs = [login]
    person = session.get(Person, person_id) if person_id is not None else None
    if person is not None:
        inputs += [person.name, person.login]
    return passwords.problem(password, inputs)


def check_new_password(
    *,
    session: Session,
    password: str,
    login: str,
    person_id: int | None = None,
    field: str = "password",
) -> None:
    """Raise Invalid naming ``field`` when the policy refuses ``password`` (see
    `password_problem`); every path that sets a password calls it."""
    why = password_problem(session=session, password=password, login=login, person_id=person_id)
    if why is not None:
        raise Invalid(f"{field} is {why}", [Problem(why, field=field)])


def create_user(
    *, session: Session, data: schemas.UserIn, scope: Scope = EVERYTHING
) -> schemas.UserOut:
    """Create a sign-in with an argon2-hashed password, a role and a scope (no wider than the
    creating administrator's ``scope``)."""
    _ensure_new(session, User, User.login, data.login, "user")
    person = (
        scoped.person_in_scope(session, scope, data.person, field="person") if data.person else None
    )
    check_new_password(
        session=session,
        password=data.password,
        login=data.login,
        person_id=person.id if person else None,
    )
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
    scoped.check_grant(
        session,
        scope,
        kind=data.scope,
        site_ids=[i.site_id for i in user.scope_items if i.site_id is not None],
        team_ids=[i.team_id for i in user.scope_items if i.team_id is not None],
        person_id=user.person_id,
    )
    session.add(user)
    session.flush()
    return _user_out(user, session)


def create_admin(*, session: Session, login: str, password: str) -> schemas.UserOut:
    """Create an administrator with scope over everything (first user of a production database)."""
    return create_user(
        session=session,
        data=schemas.UserIn(login=login, password=password, role=Role.admin, scope=ScopeKind.all),
    )


def describe_user(*, session: Session, login: str, scope: Scope = EVERYTHING) -> schemas.UserOut:
    """Return the user ``login`` with role and scope if ``scope`` reaches them, or NotFound."""
    return _user_out(scoped.user_in_scope(session, scope, login), session)


def list_users(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.UserOut]:
    """List the users by login (a scoped administrator: those whose scope lies in theirs)."""
    users = session.scalars(select(User).order_by(User.login))
    return [_user_out(u, session) for u in users if scoped.reaches_user(session, scope, u)]


def names_missing(existing: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """Return the sorted names in ``wanted`` that are not in ``existing``."""
    have = set(existing)
    return sorted({w for w in wanted if w not in have})


# --- sign-in, sessions, passwords and API tokens ---------------------------------------------

TOKEN_PREFIX = "ccops_"


@dataclass(frozen=True)
class SignIn:
    """The result of a sign-in attempt: the user, or why not (``wait_until`` when too many
    failures came before it, ``disabled`` when an administrator disabled the sign-in or its
    person left). Unknown logins and wrong passwords give the same result."""

    user: User | None
    wait_until: datetime | None = None
    disabled: bool = False
    wait_s: float = 0.0
    """Seconds left to wait, measured on the clock that set ``wait_until``."""
    code_for: int | None = None
    """The id of a user whose password was right but who must still give a code of their
    second factor (`sign_in_code`): not signed in yet."""


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def get_user(*, session: Session, user_id: int) -> User | None:
    """Return the user with id ``user_id``, or None."""
    return session.get(User, user_id)


def signed_in_user(*, session: Session, user_id: int) -> User:
    """Return the signed-in user with id ``user_id``; NotAuthenticated if it is gone."""
    user = session.get(User, user_id)
    if user is None:
        raise NotAuthenticated("sign in first")
    return user


def get_user_by_login(*, session: Session, login: str) -> User:
    """Return the user with ``login`` or raise NotFound."""
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None:
        raise NotFound(f"user {login!r} does not exist", [Problem("unknown", field="login")])
    return user


def sign_in(
    *,
    session: Session,
    login: str,
    password: str,
    client: str = "",
    policy: throttle.Policy | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check a login and password from ``client`` (its address), slowing repeated failures down.

    An unknown login costs the same argon2 work and is counted the same as a known one, so
    neither answers nor timing tell which logins exist. While an attempt must wait (see
    `ccops.org.throttle`), it is refused without looking at the password. Failures are counted
    in a transaction of their own (so they count even when the caller rolls back), and the reads
    before the slow hash check use a connection of their own, handed back before it (a request
    never holds a pooled connection, or on PostgreSQL a transaction, while argon2 runs).
    Call it before ``session`` writes anything: its own writes would wait on the session's.
    """
    now = now or utcnow()
    policy = policy or throttle.Policy()
    attempt = throttle.keys(login, client, policy)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as conn:  # a short read: no connection is held during the hash check
        wait = throttle.blocked_until(conn, attempt, now)
        found = conn.execute(
            select(User.id, User.password_hash).where(User.login == login)
        ).one_or_none()
    if wait is not None:
        return SignIn(None, wait, wait_s=(wait - now).total_seconds())
    if found is None:
        verify_password(_dummy_hash(), password)
    if found is None or not verify_password(found.password_hash, password):
        until = throttle.record_failure(engine, attempt, login, policy, now)
        return SignIn(None, until, wait_s=(until - now).total_seconds() if until else 0.0)
    user = session.get_one(User, found.id, populate_existing=True)
    if user.totp_secret is None:
        throttle.forget_pair(engine, attempt[0], found.id)
    if user.disabled_at is not None:
        return SignIn(None, disabled=True)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    if user.totp_secret is not None:
        # the failures of this client are forgotten only once the code is right too
        return SignIn(None, code_for=user.id)
    return SignIn(user)


def sign_in_code(
    *,
    session: Session,
    user_id: int,
    code: str,
    client: str = "",
    policy: throttle.Policy | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check the second-factor code of a user whose password was right (`SignIn.code_for`).

    A wrong code, or one already used (its time step is not after the last accepted one), is
    counted in the sign-in throttle like a wrong password, and waits apply the same way. The
    accepted step is stored with a conditional update, so two requests racing with one code
    cannot both sign in. Call it before ``session`` writes anything (see `sign_in`).
    """
    now = now or utcnow()
    policy = policy or throttle.Policy()
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as conn:  # a short read, as in `sign_in`
        found = conn.execute(
            select(User.login, User.totp_secret, User.disabled_at).where(User.id == user_id)
        ).one_or_none()
        if found is None or found.totp_secret is None:
            return SignIn(None)
        attempt = throttle.keys(found.login, client, policy)
        wait = throttle.blocked_until(conn, attempt, now)
    if wait is not None:
        return SignIn(None, wait, wait_s=(wait - now).total_seconds())
    if found.disabled_at is not None:
        return SignIn(None, disabled=True)
    step = totp.matching_step(found.totp_secret, code, now)
    accepted = False
    if step is not None:
        with engine.begin() as conn:
            accepted = (
                conn.execute(
                    update(User)
                    .where(
                        User.id == user_id,
                        User.totp_secret == found.totp_secret,
                        (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                    )
                    .values(totp_last_step=step)
                ).rowcount
                == 1
            )
    if not accepted:
        until = throttle.record_failure(engine, attempt, found.login, policy, now)
        return SignIn(None, until, wait_s=(until - now).total_seconds() if until else 0.0)
    throttle.forget_pair(engine, attempt[0], user_id)
    return SignIn(session.get_one(User, user_id, populate_existing=True))


def start_second_factor(*, user: User) -> schemas.SecondFactorSetup:
    """A new secret for ``user`` to add to an authenticator app, with its URI and QR code
    (nothing is stored until `enable_second_factor` gets a code of it)."""
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, user.login)
    return schemas.SecondFactorSetup(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


def second_factor_setup(*, user: User, secret: str) -> schemas.SecondFactorSetup:
    """The setup of a secret shown before (the form came back with a problem)."""
    if not totp.is_secret(secret):
        return start_second_factor(user=user)
    uri = totp.provisioning_uri(secret, user.login)
    return schemas.SecondFactorSetup(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


def enable_second_factor(
    *, session: Session, user: User, secret: str, code: str, now: datetime | None = None
) -> None:
    """Turn the second factor on with ``secret`` once ``code`` shows the app has it."""
    if not totp.is_secret(secret):
        raise Invalid(
            "the secret is not one this page made: start again",
            [Problem("start again", field="secret")],
        )
    step = totp.matching_step(secret, code, now or utcnow())
    if step is None:
        raise Invalid(
            "the code is wrong: type the 6 digits the app shows now",
            [Problem("the code is wrong", field="code")],
        )
    user.totp_secret = secret
    user.totp_last_step = step
    session.flush()


def disable_second_factor(*, session: Session, user: User, password: str) -> None:
    """Turn the second factor off; the current password is the proof."""
    if not verify_password(user.password_hash, password):
        raise Invalid(
            "the current password is wrong",
            [Problem("the current password is wrong", field="password")],
        )
    reset_second_factor(session=session, user=user)


def reset_second_factor(*, session: Session, user: User) -> None:
    """Turn the second factor of ``user`` off (they lost their phone: an administrator)."""
    user.totp_secret = None
    user.totp_last_step = None
    session.flush()


def end_sessions(*, session: Session, user: User) -> None:
    """Invalidate every session of ``user`` (log-out signs out every browser)."""
    user.session_version += 1
    session.flush()


def change_password(*, session: Session, user: User, data: schemas.PasswordChangeIn) -> None:
    """Replace the password after checking the current one and the policy; other sessions
    end and every API token of the user is revoked (a token may have leaked with it)."""
    if not verify_password(user.password_hash, data.current_password):
        raise Invalid(
            "the current password is wrong",
            [Problem("the current password is wrong", field="current_password")],
        )
    check_new_password(
        session=session,
        password=data.new_password,
        login=user.login,
        person_id=user.person_id,
        field="new_password",
    )
    user.password_hash = hash_password(data.new_password)
    revoke_user_tokens(session=session, user=user)
    end_sessions(session=session, user=user)


def set_language(*, session: Session, user: User, language: Language | None) -> None:
    """Save the language the user chose for the web pages (None: follow the browser)."""
    user.locale = language.value if language is not None else None
    session.flush()


def scope_of(*, session: Session, user: User) -> Scope:
    """Return the scope of ``user``: its sites, teams or own person."""
    person = session.get(Person, user.person_id) if user.person_id else None
    if user.scope == ScopeKind.all:
        return Scope(kind=ScopeKind.all, site_ids=None, person_id=user.person_id)
    if user.scope == ScopeKind.sites:
        sites = frozenset(i.site_id for i in user.scope_items if i.site_id is not None)
        return Scope(kind=ScopeKind.sites, site_ids=sites, person_id=user.person_id)
    if user.scope == ScopeKind.teams:
        team_ids = frozenset(i.team_id for i in user.scope_items if i.team_id is not None)
        team_sites = session.scalars(select(Team.site_id).where(Team.id.in_(sorted(team_ids))))
        return Scope(
            kind=ScopeKind.teams,
            site_ids=frozenset(team_sites),
            team_ids=team_ids,
            person_id=user.person_id,
        )
    return Scope(
        kind=ScopeKind.own,
        site_ids=frozenset({person.site_id}) if person else frozenset(),
        team_ids=frozenset({person.team_id}) if person and person.team_id else frozenset(),
        person_id=person.id if person else None,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_UNKNOWN = "the API token is unknown or revoked"
TOKEN_READ_ONLY = (
    "this API token is read-only: it may only use GET and HEAD; create a write token to change data"
)


def _token_out(token: ApiToken, login: str, now: datetime | None = None) -> schemas.ApiTokenOut:
    now = now or utcnow()
    return schemas.ApiTokenOut(
        id=token.id,
        login=login,
        name=token.name,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        expires_at=token.expires_at,
        scope=token.scope,
        expired=token.expires_at is not None and token.expires_at <= now,
    )


def _token_expired(expires_at: datetime) -> str:
    return (
        f"the API token expired at {expires_at:%Y-%m-%d %H:%M} UTC: "
        "create a new one (tokens last at most a year)"
    )


def create_token(
    *,
    session: Session,
    login: str,
    name: str,
    scope: TokenScope = TokenScope.write,
    days: int = schemas.TOKEN_DEFAULT_DAYS,
    now: datetime | None = None,
) -> tuple[schemas.ApiTokenOut, str]:
    """Create an API token for the user ``login``; return it and the secret (shown only once).

    The token works for ``days`` days (1–365) and, with the scope ``read``, only reads.
    Only the CLI and a browser session call this: a bearer token never mints another one
    (the account page refuses it).
    """
    try:
        data = schemas.ApiTokenIn(name=name, scope=scope, days=days)
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        problems = []
        if "name" in fields:
            problems.append(Problem("1–100 characters", field="name"))
        if "days" in fields:
            problems.append(Problem(f"1 to {schemas.TOKEN_MAX_DAYS} days", field="days"))
        if "scope" in fields:
            problems.append(Problem("read or write", field="scope"))
        raise Invalid(
            "a token needs a name of 1–100 characters without leading or trailing spaces, "
            f"the scope read or write and 1 to {schemas.TOKEN_MAX_DAYS} days",
            problems,
        ) from None
    user = get_user_by_login(session=session, login=login)
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=data.name,
        token_hash=_token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=data.days),
        scope=data.scope,
    )
    session.add(token)
    session.flush()
    return _token_out(token, user.login, now), secret


def list_tokens(*, session: Session, login: str | None = None) -> list[schemas.ApiTokenOut]:
    """List API tokens, newest first, of one user (NotFound if there is no such user) or of all."""
    query = select(ApiToken, User.login).join(User, ApiToken.user_id == User.id)
    if login is not None:
        if session.scalars(select(User.id).where(User.login == login)).first() is None:
            raise NotFound(f"user {login!r} does not exist", [Problem("unknown", field="login")])
        query = query.where(User.login == login)
    rows = session.execute(query.order_by(ApiToken.id.desc()))
    now = utcnow()
    return [_token_out(token, user_login, now) for token, user_login in rows]


def revoke_token(
    *, session: Session, token_id: int, login: str | None = None
) -> schemas.ApiTokenOut:
    """Revoke a token (of the user ``login`` when given); revoking twice changes nothing."""
    found = session.execute(
        select(ApiToken, User.login)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.id == token_id)
    ).one_or_none()
    if found is None or (login is not None and found[1] != login):
        raise NotFound(f"token {token_id} does not exist", [Problem("unknown", field="token")])
    token, user_login = found
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return _token_out(token, user_login)


def revoke_user_tokens(*, session: Session, user: User, now: datetime | None = None) -> int:
    """Revoke every live API token of ``user`` (a password change); return how many.

    Through the ORM, so each revocation is in the audit trail.
    """
    now = now or utcnow()
    live = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in live:
        token.revoked_at = now
    session.flush()
    return len(live)


@dataclass(frozen=True)
class TokenCheck:
    """What a bearer token may do: why it is refused (None: valid), and its scope."""

    refusal: str | None
    scope: TokenScope = TokenScope.read


def check_token(*, session: Session, token: str, now: datetime | None = None) -> TokenCheck:
    """Whether an API token is known, not revoked, not expired and of an enabled user, and
    its scope (reads only: the request limits ask it before a body is read)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return TokenCheck(TOKEN_UNKNOWN)
    found = session.execute(
        select(ApiToken.expires_at, ApiToken.scope)
        .join(User, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == _token_hash(token),
            ApiToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
    ).first()
    if found is None:
        return TokenCheck(TOKEN_UNKNOWN)
    expires_at, scope = found
    if expires_at is not None and expires_at <= (now or utcnow()):
        return TokenCheck(_token_expired(expires_at), scope)
    return TokenCheck(None, scope)


def token_is_valid(*, session: Session, token: str, now: datetime | None = None) -> bool:
    """Whether an API token is known, not revoked, not expired and of an enabled user."""
    return check_token(session=session, token=token, now=now).refusal is None


@dataclass(frozen=True)
class TokenSignIn:
    """The user a valid bearer token signs in, and what the token may do."""

    user: User
    scope: TokenScope


def authenticate_token(*, session: Session, token: str, now: datetime | None = None) -> TokenSignIn:
    """Return the user and scope of a valid API token, noting when it was last used; raise
    NotAuthenticated (saying whether it expired) for any other."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise NotAuthenticated(TOKEN_UNKNOWN)
    found = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
    ).one_or_none()
    if found is None or found.revoked_at is not None:
        raise NotAuthenticated(TOKEN_UNKNOWN)
    user = session.get(User, found.user_id)
    if user is None or user.disabled_at is not None:
        raise NotAuthenticated(TOKEN_UNKNOWN)
    now = now or utcnow()
    if found.expires_at is not None and found.expires_at <= now:
        raise NotAuthenticated(_token_expired(found.expires_at))
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        found.last_used_at = now
        session.flush()
    return TokenSignIn(user, found.scope)


def user_for_token(*, session: Session, token: str, now: datetime | None = None) -> User | None:
    """Return the user of a valid (not revoked, not expired) API token, noting its use."""
    try:
        return authenticate_token(session=session, token=token, now=now).user
    except NotAuthenticated:
        return None


def person_id_in_scope(*, session: Session, scope: Scope, person_id: int) -> bool:
    """Whether the person with this id is in the scope (False for an unknown id)."""
    found = session.scalar(
        select(Person.id).where(Person.id == person_id).where(scope.people_clause())
    )
    return found is not None
