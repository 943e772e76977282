"""Use cases that change the organisation afterwards: sites, queues, teams, people and users.

Each takes a partial change (only the fields sent), checks all of it before writing anything,
and raises NotFound (404), Conflict (409) or Invalid (422) naming the field at fault, so a
refused change stores nothing. KPI caches need no call here: writes to the queue and person
tables raise the KPI data version by trigger.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ccops.auth_hash import hash_password
from ccops.contacts.models import AgentStateEvent, Contact, IntervalReport
from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Conflict, Forbidden, Invalid, Problem
from ccops.org import schemas, scoped, throttle
from ccops.org.models import Person, Queue, Site, Team, User, UserScope
from ccops.org.service import (
    EVERYTHING,
    Scope,
    _by_name,
    _require_site_in_scope,
    _team_out,
    _user_out,
    check_new_password,
    person_out,
    queue_out,
    reset_second_factor,
    revoke_user_tokens,
)

LEAVER = "leaver"
"""The ``disabled_reason`` of a user disabled because its person was recorded as a leaver."""


def _not_null(data: BaseModel, *names: str) -> None:
    """Refuse an explicit null for fields that cannot be cleared."""
    for name in names:
        if name in data.model_fields_set and getattr(data, name) is None:
            raise Invalid(f"{name} cannot be empty", [Problem("Required.", field=name)])


def _ensure_free(
    session: Session, model: type[Site | Queue | Team], name: str, own_id: int
) -> None:
    clash = session.scalars(select(model.id).where(model.name == name, model.id != own_id)).first()
    if clash is not None:
        raise Conflict(
            f"{model.__tablename__} {name!r} already exists", [Problem("duplicate", field="name")]
        )


# --- sites -----------------------------------------------------------------------------------


def site_has_contact_data(*, session: Session, site_id: int) -> bool:
    """Whether contacts, interval reports or agent states were stored for the site.

    Their local times were computed in the site's time zone, so changing it afterwards would
    shift every interval of the stored history.
    """
    queues = select(Queue.id).where(Queue.site_id == site_id)
    people = select(Person.id).where(Person.site_id == site_id)
    query = select(
        exists().where(Contact.queue_id.in_(queues))
        | exists().where(IntervalReport.queue_id.in_(queues))
        | exists().where(AgentStateEvent.person_id.in_(people))
    )
    return bool(session.scalar(query))


def update_site(
    *, session: Session, name: str, data: schemas.SitePatch, scope: Scope = EVERYTHING
) -> schemas.SiteOut:
    """Rename a site or change its country; change its time zone only while it has no data."""
    site = scoped.site_in_scope(session, scope, name)
    _not_null(data, "name", "timezone")
    fields = data.model_fields_set
    if data.name is not None and data.name != site.name:
        _ensure_free(session, Site, data.name, site.id)
    if (
        data.timezone is not None
        and data.timezone != site.timezone
        and site_has_contact_data(session=session, site_id=site.id)
    ):
        raise Conflict(
            f"site {site.name!r} already has contact data whose local times were computed in "
            f"{site.timezone}: its time zone cannot change",
            [Problem("the site has contact data", field="timezone")],
        )
    if data.name is not None:
        site.name = data.name
    if data.timezone is not None:
        site.timezone = data.timezone
    if "country_code" in fields:
        site.country_code = data.country_code
    session.flush()
    return schemas.SiteOut.model_validate(site)


# --- queues ----------------------------------------------------------------------------------


def update_queue(
    *, session: Session, name: str, data: schemas.QueuePatch, scope: Scope = EVERYTHING
) -> schemas.QueueOut:
    """Rename a queue or change its targets (at a site in the caller's scope)."""
    queue = scoped.queue_in_scope(session, scope, name)
    _not_null(data, *schemas.QueuePatch.model_fields)
    if data.name is not None and data.name != queue.name:
        _ensure_free(session, Queue, data.name, queue.id)
    for field in ("name", "target_s", "service_level_goal", "short_abandon_s"):
        value = getattr(data, field)
        if value is not None:
            setattr(queue, field, value)
    if data.service_level_variant is not None:
        queue.service_level_variant = data.service_level_variant
    session.flush()
    return queue_out(queue)


# --- teams -----------------------------------------------------------------------------------


def update_team(
    *, session: Session, name: str, data: schemas.TeamPatch, scope: Scope = EVERYTHING
) -> schemas.TeamOut:
    """Rename a team, move it (and its people) to another site, set or clear its leader."""
    team = scoped.team_in_scope(session, scope, name)
    _not_null(data, "name", "site")
    if data.name is not None and data.name != team.name:
        _ensure_free(session, Team, data.name, team.id)
    site = team.site
    if data.site is not None:
        site = _by_name(session, Site, data.site)
        _require_site_in_scope(scope, site)
    leader: Person | None = None
    if data.leader is not None:
        # a person out of scope answers as an unknown login: logins cannot be probed
        leader = scoped.person_in_scope(session, scope, data.leader, field="leader")
        if leader.termination_date is not None and leader.termination_date <= date.today():
            raise Invalid(
                f"{leader.login!r} has left and cannot lead a team",
                [Problem("this person has left", field="leader")],
            )
    if data.name is not None:
        team.name = data.name
    if site.id != team.site_id:
        team.site = site
        for member in session.scalars(select(Person).where(Person.team_id == team.id)):
            member.site_id = site.id
    if "leader" in data.model_fields_set:
        team.leader_id = leader.id if leader is not None else None
    session.flush()
    return _team_out(team, session)


# --- people ----------------------------------------------------------------------------------


def _active_admins(session: Session) -> int:
    """Count the active administrators, locking their rows (PostgreSQL) so that two changes at
    once cannot each see another admin left and together remove the last two."""
    ids = session.scalars(
        select(User.id).where(User.role == Role.admin, User.disabled_at.is_(None)).with_for_update()
    )
    return len(list(ids))


def _guard_last_admin(session: Session, user: User, field: str) -> None:
    """Refuse to take the last active administrator's rights or sign-in away."""
    if user.role == Role.admin and user.disabled_at is None and _active_admins(session) <= 1:
        raise Conflict(
            f"{user.login!r} is the last active administrator: make another user an "
            "administrator first",
            [Problem("the last active administrator", field=field)],
        )


def _disable(user: User, reason: str, now: datetime) -> None:
    user.disabled_at = now
    user.disabled_reason = reason
    user.session_version += 1


def update_person(
    *,
    session: Session,
    login: str,
    data: schemas.PersonPatch,
    scope: Scope = EVERYTHING,
    by_admin: bool = True,
) -> schemas.PersonOut:
    """Change a person's name, position, site, team or hire date, record or undo a leaver.

    A leaver keeps their team, so the team's attrition counts them in the month of their
    termination date (the first day they no longer work); their sign-ins are disabled and
    their sessions end. Undoing the record re-enables the sign-ins it disabled.
    """
    person = scoped.person_in_scope(session, scope, login)
    _not_null(data, "name", "role", "site")
    fields = data.model_fields_set
    site = session.get(Site, person.site_id)
    if data.site is not None:
        site = _by_name(session, Site, data.site)
        _require_site_in_scope(scope, site)
    assert site is not None
    team = session.get(Team, person.team_id) if person.team_id else None
    if "team" in fields:
        team = scoped.team_in_scope(session, scope, data.team, field="team") if data.team else None
    if team is not None and team.site_id != site.id:
        raise Invalid(
            f"team {team.name!r} is at another site than {site.name!r}",
            [Problem("team of another site", field="team")],
        )
    hired = data.hire_date if "hire_date" in fields else person.hire_date
    ended = data.termination_date if "termination_date" in fields else person.termination_date
    reason = data.termination_reason if "termination_reason" in fields else None
    if ended is None:
        if data.termination_reason is not None:
            raise Invalid(
                "termination_reason given without termination_date",
                [Problem("a reason needs a termination date", field="termination_reason")],
            )
        reason = None
    elif reason is None:
        reason = person.termination_reason
        if reason is None:
            raise Invalid(
                "a leaver needs the reason they left",
                [Problem("Required.", field="termination_reason")],
            )
    if hired is not None and ended is not None and ended < hired:
        raise Invalid(
            "termination_date is before hire_date",
            [Problem("before the hire date", field="termination_date")],
        )
    users = list(session.scalars(select(User).where(User.person_id == person.id)))
    leaving = ended is not None and person.termination_date is None
    returning = ended is None and person.termination_date is not None
    if leaving:
        for user in users:
            if user.disabled_at is None and user.role == Role.admin and not by_admin:
                raise Forbidden(
                    f"{login!r} signs in as an administrator: only an administrator records "
                    "them as a leaver",
                    [Problem("an administrator's sign-in", field="termination_date")],
                )
            if user.disabled_at is None:
                _guard_last_admin(session, user, "termination_date")
    if data.name is not None:
        person.name = data.name
    if data.role is not None:
        person.role = data.role
    person.site_id = site.id
    person.team_id = team.id if team is not None else None
    person.hire_date = hired
    person.termination_date = ended
    person.termination_reason = reason
    now = utcnow()
    for user in users:
        if leaving and user.disabled_at is None:
            _disable(user, LEAVER, now)
        elif returning and user.disabled_reason == LEAVER:
            user.disabled_at = None
            user.disabled_reason = None
    session.flush()
    return person_out(person, session)


# --- users -----------------------------------------------------------------------------------


def update_user(
    *,
    session: Session,
    login: str,
    data: schemas.UserPatch,
    now: datetime | None = None,
    by_scope: Scope = EVERYTHING,
) -> schemas.UserOut:
    """Change a user's role and scope, disable or re-enable it, unlock it, or set a temporary
    password (which ends its sessions and revokes its API tokens), or reset its second factor.
    The last active administrator keeps their rights.

    A scoped administrator (``by_scope``) reaches only users inside their scope and grants no
    wider scope (their own sign-in included).
    """
    user = scoped.user_in_scope(session, by_scope, login)
    _not_null(data, "role", "scope", "teams", "sites", "disabled", "unlock", "password")
    fields = data.model_fields_set
    role = data.role or user.role
    scope = data.scope or user.scope
    person = session.get(Person, user.person_id) if user.person_id else None
    if "person" in fields:
        person = (
            scoped.person_in_scope(session, by_scope, data.person, field="person")
            if data.person
            else None
        )
    team_ids = [i.team_id for i in user.scope_items if i.team_id is not None]
    site_ids = [i.site_id for i in user.scope_items if i.site_id is not None]
    if data.teams is not None:
        team_ids = [_by_name(session, Team, name).id for name in dict.fromkeys(data.teams)]
    if data.sites is not None:
        site_ids = [_by_name(session, Site, name).id for name in dict.fromkeys(data.sites)]
    try:
        schemas.check_scope(
            scope,
            person.login if person else None,
            [str(i) for i in team_ids],
            [str(i) for i in site_ids],
        )
    except ValueError as exc:
        raise Invalid(str(exc), [Problem(str(exc), field="scope")]) from None
    scoped.check_grant(
        session,
        by_scope,
        kind=scope,
        site_ids=site_ids,
        team_ids=team_ids,
        person_id=person.id if person is not None else None,
    )
    if role != Role.admin:
        _guard_last_admin(session, user, "role")
    if data.disabled:
        _guard_last_admin(session, user, "disabled")
    if data.disabled is False and user.disabled_at is not None and person is not None:
        if person.termination_date is not None and person.termination_date <= date.today():
            raise Conflict(
                f"{person.login!r} has left: undo the leaver record to re-enable this sign-in",
                [Problem("the person has left", field="disabled")],
            )
    if data.password is not None:
        check_new_password(
            session=session,
            password=data.password,
            login=user.login,
            person_id=person.id if person is not None else None,
        )
    if data.reset_second_factor:
        reset_second_factor(session=session, user=user)
    user.role = role
    user.scope = scope
    user.person_id = person.id if person is not None else None
    if data.teams is not None or data.sites is not None:
        user.scope_items.clear()
        session.flush()
        user.scope_items.extend(UserScope(team_id=i) for i in team_ids)
        user.scope_items.extend(UserScope(site_id=i) for i in site_ids)
    now = now or utcnow()
    if data.disabled and user.disabled_at is None:
        _disable(user, "disabled by an administrator", now)
    elif data.disabled is False:
        user.disabled_at = None
        user.disabled_reason = None
    if data.unlock or data.password is not None:
        user.locked_until = None
        user.failed_logins = 0
        throttle.clear_login(session, user.login)
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        user.session_version += 1
        revoke_user_tokens(session=session, user=user, now=now)
    session.flush()
    return _user_out(user, session)
