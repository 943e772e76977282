"""Single sign-on claims to role and scope: the pure rules (no database, no provider)."""

from __future__ import annotations

import pytest

from ccops.enums import Role, ScopeKind
from ccops.org.sso_claims import (
    ClaimRules,
    Grant,
    SsoRefused,
    claim,
    grant_of,
    login_of,
    parse_role_map,
    role_of,
)
from ccops.settings import Settings

MAPPED = ClaimRules(
    role_claim="groups", role_map=parse_role_map("ops-admins=admin, ops-plan=planner")
)


def test_role_map_keeps_its_order_and_names_a_bad_entry() -> None:
    assert parse_role_map("a=planner, b = manager,") == (("a", Role.planner), ("b", Role.manager))
    assert parse_role_map("/ccops/x=y=agent") == (("/ccops/x=y", Role.agent),)
    with pytest.raises(ValueError, match="'a=boss': 'boss' is no ccops role"):
        parse_role_map("a=boss")
    with pytest.raises(ValueError, match="'planner' is not 'claim value=role'"):
        parse_role_map("planner")
    with pytest.raises(ValueError, match="oidc_role_map entry 'x=chief'"):
        Settings(oidc_role_map="x=chief")


def test_dotted_claims_reach_inside_objects_and_plain_names_win() -> None:
    claims = {"realm_access": {"roles": ["a"]}, "a.b": "flat"}
    assert claim(claims, "realm_access.roles") == ["a"]
    assert claim(claims, "a.b") == "flat"
    assert claim(claims, "realm_access.missing") is None
    assert claim(claims, "nothing") is None


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"ccops_role": "planner"}, Role.planner),
        ({"ccops_role": ["supervisor"]}, Role.supervisor),
        ({"ccops_role": "agent, agent"}, Role.agent),
    ],
)
def test_without_a_map_the_claim_holds_one_role_name(claims: dict, role: Role) -> None:
    assert role_of(claims, ClaimRules()) == role


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({}, "role_missing"),
        ({"ccops_role": ""}, "role_missing"),
        ({"ccops_role": {"x": 1}}, "role_missing"),
        ({"ccops_role": "boss"}, "role_unknown"),
        ({"ccops_role": "admin"}, "admin_not_mapped"),
        ({"ccops_role": ["admin", "planner"]}, "admin_not_mapped"),
        ({"ccops_role": ["planner", "agent"]}, "role_ambiguous"),
    ],
)
def test_without_a_map_missing_unknown_admin_or_several_roles_are_refused(
    claims: dict, reason: str
) -> None:
    with pytest.raises(SsoRefused) as refused:
        role_of(claims, ClaimRules())
    assert refused.value.reason == reason
    assert refused.value.status_code == 403


def test_with_a_map_the_first_matching_entry_wins_and_nothing_else_counts() -> None:
    assert role_of({"groups": ["ops-plan", "ops-admins"]}, MAPPED) == Role.admin
    assert role_of({"groups": ["ops-plan"]}, MAPPED) == Role.planner
    with pytest.raises(SsoRefused) as refused:
        role_of({"groups": ["admin", "manager"]}, MAPPED)
    assert refused.value.reason == "role_unknown"
    assert refused.value.params["values"] == "admin, manager"


def test_sites_claim_gives_sites_all_or_own() -> None:
    base = {"ccops_role": "manager"}
    rules = ClaimRules()
    assert grant_of(base | {"ccops_sites": ["B", "A", "A"]}, rules) == Grant(
        Role.manager, ScopeKind.sites, ("A", "B")
    )
    assert grant_of(base | {"ccops_sites": "A,B"}, rules).sites == ("A", "B")
    assert grant_of(base | {"ccops_sites": ["*"]}, rules) == Grant(Role.manager, ScopeKind.all)
    assert grant_of(base, rules) == Grant(Role.manager, ScopeKind.own)
    assert grant_of(base | {"ccops_sites": []}, rules).scope == ScopeKind.own


def test_login_comes_from_its_claim_trimmed() -> None:
    assert login_of({"preferred_username": " dana "}, ClaimRules()) == "dana"
    assert login_of({"preferred_username": ""}, ClaimRules()) is None
    assert login_of({"email": "d@x"}, ClaimRules(login_claim="email")) == "d@x"
