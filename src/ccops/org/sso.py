"""Single sign-on use cases: find, link or create the user of a verified identity, and link one
by hand (``ccops users link-oidc``).

The identity handed in here has been verified (signature, issuer, audience, expiry, nonce) by the
web edge. A user is found by the identity's subject; a first sign-in may link the local user
with the same login (when allowed) or create one (when allowed). Role and scope are set from the
claims at every sign-in, so the identity provider stays the one place they are decided.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.auth_hash import hash_password
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, Problem
from ccops.org import schemas
from ccops.org.models import Person, Site, User, UserScope
from ccops.org.service import describe_user, get_user_by_login
from ccops.org.sso_claims import ClaimRules, Grant, SsoRefused, grant_of, login_of


def _unknown_password() -> str:
    """The hash of a random password nobody is told: a user created by single sign-on has no
    usable password, and a password sign-in costs the same argon2 work as for anyone else."""
    return hash_password(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Identity:
    """A verified identity: the provider's subject and the ID token's claims."""

    subject: str
    claims: Mapping[str, object]


@dataclass(frozen=True)
class Provisioning:
    """Whether a first sign-in may link a local user by login, or create a user."""

    link_by_login: bool = False
    create_users: bool = False


def _by_subject(session: Session, subject: str) -> User | None:
    return session.scalars(select(User).where(User.oidc_subject == subject)).one_or_none()


def _by_login(session: Session, login: str) -> User | None:
    return session.scalars(select(User).where(User.login == login)).one_or_none()


def _site_ids(session: Session, grant: Grant, claim: str) -> list[int]:
    if not grant.sites:
        return []
    found = {s.name: s.id for s in session.scalars(select(Site).where(Site.name.in_(grant.sites)))}
    unknown = [name for name in grant.sites if name not in found]
    if unknown:
        raise SsoRefused(
            "site_unknown",
            f"the claim {claim!r} names sites ccops does not know: {', '.join(unknown)}",
            claim=claim,
            values=", ".join(unknown),
        )
    return [found[name] for name in grant.sites]


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse a sign-in whose claims would take the role of the last active administrator."""
    admins = session.scalars(
        select(User.id).where(User.role == Role.admin, User.disabled_at.is_(None)).with_for_update()
    )
    if not set(admins) - {user.id}:
        raise SsoRefused(
            "last_admin",
            f"the claims would take the admin role from {user.login!r}, the last active "
            "administrator: map admin for them, or make another administrator first",
            login=user.login,
        )


def _linked_user(
    session: Session, identity: Identity, rules: ClaimRules, provisioning: Provisioning
) -> User | None:
    """The user linked to the identity, or the one its login would link to (if allowed)."""
    user = _by_subject(session, identity.subject)
    if user is not None or not provisioning.link_by_login:
        return user
    login = login_of(identity.claims, rules)
    existing = _by_login(session, login) if login else None
    if existing is None:
        return None
    if existing.oidc_subject is not None:
        raise SsoRefused(
            "login_linked_elsewhere",
            f"the user {existing.login!r} is linked to another single-sign-on identity",
            login=existing.login,
        )
    return existing


def _new_user(session: Session, identity: Identity, rules: ClaimRules) -> User:
    login = login_of(identity.claims, rules)
    if login is None:
        raise SsoRefused(
            "login_missing",
            f"the identity provider sent no login in the claim {rules.login_claim!r}",
            claim=rules.login_claim,
        )
    if _by_login(session, login) is not None:
        raise SsoRefused(
            "login_taken",
            f"a local user {login!r} already exists: an administrator links it with "
            f"`ccops users link-oidc {login} {identity.subject}`",
            login=login,
            subject=identity.subject,
        )
    person = session.scalars(select(Person).where(Person.login == login)).one_or_none()
    user = User(
        login=login,
        password_hash=_unknown_password(),
        role=grant_of(identity.claims, rules).role,
        oidc_subject=identity.subject,
        person_id=person.id if person else None,
    )
    session.add(user)
    return user


def sign_in_identity(
    *,
    session: Session,
    identity: Identity,
    rules: ClaimRules,
    provisioning: Provisioning = Provisioning(),
) -> User:
    """Return the user of a verified identity with role and scope set from its claims.

    Every check comes before any change. Raises SsoRefused for an identity linked to no user,
    a disabled user, claims without a known role, or sites ccops does not know.
    """
    user = _linked_user(session, identity, rules, provisioning)
    if user is not None and user.disabled_at is not None:
        raise SsoRefused(
            "disabled",
            f"the user {user.login!r} is disabled: ask an administrator",
            login=user.login,
        )
    grant = grant_of(identity.claims, rules)
    site_ids = _site_ids(session, grant, rules.sites_claim)
    if user is not None and user.role == Role.admin and grant.role != Role.admin:
        _keep_an_admin(session, user)
    if user is None:
        if not provisioning.create_users:
            raise SsoRefused(
                "not_linked",
                f"no ccops user is linked to this sign-in (subject {identity.subject}): an "
                f"administrator links one with `ccops users link-oidc LOGIN {identity.subject}`",
                subject=identity.subject,
            )
        user = _new_user(session, identity, rules)
    user.oidc_subject = identity.subject
    user.role = grant.role
    user.scope = grant.scope
    user.scope_items = [UserScope(site_id=site_id) for site_id in site_ids]
    session.flush()
    return user


def link_subject(*, session: Session, login: str, subject: str) -> schemas.UserOut:
    """Link user ``login`` to the single-sign-on identity ``subject`` (its ``sub`` claim)."""
    subject = subject.strip()
    if not subject:
        raise Invalid("the subject is empty", [Problem("empty", field="subject")])
    user = get_user_by_login(session=session, login=login)
    holder = _by_subject(session, subject)
    if holder is not None and holder.id != user.id:
        raise Conflict(
            f"the subject {subject!r} is already linked to the user {holder.login!r}",
            [Problem("already linked", field="subject")],
        )
    user.oidc_subject = subject
    session.flush()
    return describe_user(session=session, login=user.login)
