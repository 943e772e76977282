"""Single sign-on claims to a ccops role and scope: pure rules, no I/O.

The identity provider says who someone is and, in claims an administrator chose, which role and
sites they have. A role comes from a claim value named in the role map (first match wins) or,
without a map, from a claim holding one ccops role name; admin is granted only by a map entry
that names it. Sites come from a claim listing site names (``*``: every site); without it the
user sees only their own record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ccops.enums import Role, ScopeKind
from ccops.errors import Forbidden, Problem

ALL_SITES = "*"


class SsoRefused(Forbidden):
    """A single sign-on the app will not accept; ``reason`` and ``params`` let pages translate."""

    def __init__(self, reason: str, message: str, **params: str) -> None:
        super().__init__(message, [Problem(message, field=params.get("claim"))])
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class ClaimRules:
    """Which claims hold the login, role and sites, and how claim values map to roles."""

    login_claim: str = "preferred_username"
    role_claim: str = "ccops_role"
    role_map: tuple[tuple[str, Role], ...] = ()
    sites_claim: str = "ccops_sites"


@dataclass(frozen=True)
class Grant:
    """The role and scope the claims give: ``sites`` are names, for a ``sites`` scope."""

    role: Role
    scope: ScopeKind
    sites: tuple[str, ...] = field(default=())


def parse_role_map(text: str) -> tuple[tuple[str, Role], ...]:
    """Parse ``value=role,value=role`` (order kept); raise ValueError naming a bad entry."""
    entries: list[tuple[str, Role]] = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        value, sep, role = entry.rpartition("=")
        if not sep or not value.strip() or not role.strip():
            raise ValueError(f"role map entry {entry!r} is not 'claim value=role'")
        try:
            entries.append((value.strip(), Role(role.strip())))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(
                f"role map entry {entry!r}: {role.strip()!r} is no ccops role ({known})"
            ) from None
    return tuple(entries)


def claim(claims: Mapping[str, object], name: str) -> object:
    """The claim ``name``; a dotted name reaches inside objects (Keycloak's realm_access.roles)."""
    if name in claims:
        return claims[name]
    found: object = claims
    for part in name.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found


def _values(raw: object) -> list[str]:
    """A claim as a list of strings (a string may list values separated by commas)."""
    if isinstance(raw, str):
        return [v.strip() for v in raw.split(",") if v.strip()]
    if isinstance(raw, list | tuple):
        return [str(v).strip() for v in raw if isinstance(v, str | int) and str(v).strip()]
    return []


def login_of(claims: Mapping[str, object], rules: ClaimRules) -> str | None:
    """The login the claims give (for a new or linked user), or None."""
    raw = claim(claims, rules.login_claim)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()[:100]
    return None


def role_of(claims: Mapping[str, object], rules: ClaimRules) -> Role:
    """The role the claims give, or raise SsoRefused saying which claim was missing or unknown."""
    values = _values(claim(claims, rules.role_claim))
    name = rules.role_claim
    if not values:
        raise SsoRefused(
            "role_missing",
            f"the identity provider sent no role in the claim {name!r}",
            claim=name,
        )
    if rules.role_map:
        for value, role in rules.role_map:
            if value in values:
                return role
        raise SsoRefused(
            "role_unknown",
            f"the claim {name!r} ({', '.join(values)}) matches no entry of the role map",
            claim=name,
            values=", ".join(values),
        )
    if Role.admin.value in values:
        raise SsoRefused(
            "admin_not_mapped",
            f"the claim {name!r} asks for admin, which is granted only by a role map entry",
            claim=name,
        )
    roles = sorted({v for v in values if v in {r.value for r in Role}})
    if not roles:
        raise SsoRefused(
            "role_unknown",
            f"the claim {name!r} ({', '.join(values)}) holds no ccops role",
            claim=name,
            values=", ".join(values),
        )
    if len(roles) > 1:
        raise SsoRefused(
            "role_ambiguous",
            f"the claim {name!r} holds several roles ({', '.join(roles)}): a role map must "
            "say which wins",
            claim=name,
            values=", ".join(roles),
        )
    return Role(roles[0])


def grant_of(claims: Mapping[str, object], rules: ClaimRules) -> Grant:
    """The role and scope the claims give (sites by name; ``*``: all; none: own record)."""
    role = role_of(claims, rules)
    sites = _values(claim(claims, rules.sites_claim))
    if ALL_SITES in sites:
        return Grant(role, ScopeKind.all)
    if sites:
        return Grant(role, ScopeKind.sites, tuple(sorted(set(sites))))
    return Grant(role, ScopeKind.own)
