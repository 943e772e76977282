"""`ccops sites|channels|queues|teams|people|users` — create and list the organisation."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import date
from typing import Annotated

import typer
from pydantic import BaseModel

from ccops.cli_support import console, handle_errors, print_json, print_table
from ccops.enums import ChannelKind, Role, ScopeKind, ServiceLevelVariant, TokenScope
from ccops.errors import Invalid
from ccops.org import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

sites = typer.Typer(help="Sites and their time zones.", no_args_is_help=True)
channels = typer.Typer(help="Channels: voice, chat, email, messaging.", no_args_is_help=True)
queues = typer.Typer(help="Queues (skills) with service-level targets.", no_args_is_help=True)
teams = typer.Typer(help="Teams and their leaders.", no_args_is_help=True)
people = typer.Typer(help="People: agents, team leaders, analysts, planners.", no_args_is_help=True)
users = typer.Typer(help="Sign-ins, roles and scopes.", no_args_is_help=True)


def _patch(values: dict[str, object], cleared: set[str]) -> dict[str, object]:
    """Keep the options given (and those asked to be cleared, as null) for a partial change."""
    data = {k: v for k, v in values.items() if v is not None}
    data.update(dict.fromkeys(cleared))
    if not data:
        raise Invalid("nothing to change: give at least one option (see --help)")
    return data


def _show(rows: Sequence[BaseModel], title: str, columns: list[str], as_json: bool) -> None:
    dumped = [r.model_dump(mode="json") for r in rows]
    if as_json:
        print_json(dumped)
    else:
        print_table(title, dumped, columns)


@sites.command("create")
@handle_errors
def site_create(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Shanghai")],
    country: Annotated[str | None, typer.Option(help="ISO 3166 country code")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a site."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = org_service.create_site(
            session=s, data=schemas.SiteIn(name=name, timezone=timezone, country_code=country)
        )
    _show([out], "Site", ["id", "name", "timezone", "country_code"], as_json)


@sites.command("leaver-cost")
@handle_errors
def site_leaver_cost(
    name: str,
    cost: Annotated[
        float | None, typer.Option(help="Cost of replacing one leaver, in the currency")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. GBP")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the cost")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set (or --clear) a site's replacement cost per leaver for the executive view."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    if clear == (cost is not None):
        raise Invalid("give either --cost (with --currency) or --clear")
    with unit_of_work() as s:
        out = org_service.set_leaver_cost(
            session=s,
            site=name,
            data=schemas.LeaverCostIn(cost_per_leaver=cost, currency=currency),
        )
    _show([out], "Cost per leaver", ["site", "cost_per_leaver", "currency"], as_json)


@sites.command("update")
@handle_errors
def site_update(
    name: str,
    new_name: Annotated[str | None, typer.Option("--name", help="New name")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone (only while the site has no contact data)")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 country code")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rename site NAME, or change its time zone or country."""
    from ccops.org import changes
    from ccops.runtime import unit_of_work

    data = _patch({"name": new_name, "timezone": timezone, "country_code": country}, set())
    with unit_of_work() as s:
        out = changes.update_site(session=s, name=name, data=schemas.SitePatch(**data))
    _show([out], "Site", ["id", "name", "timezone", "country_code"], as_json)


@sites.command("list")
@handle_errors
def site_list(as_json: JsonOpt = False) -> None:
    """List sites."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_sites(session=s)
    _show(list(rows), "Sites", ["id", "name", "timezone", "country_code"], as_json)


@channels.command("create")
@handle_errors
def channel_create(
    name: str,
    kind: Annotated[ChannelKind, typer.Option(help="voice, chat, email or messaging")],
    max_concurrency: Annotated[int, typer.Option(help="Contacts an agent handles at once")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Create a channel."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = org_service.create_channel(
            session=s, data=schemas.ChannelIn(name=name, kind=kind, max_concurrency=max_concurrency)
        )
    _show([out], "Channel", ["id", "name", "kind", "max_concurrency"], as_json)


@channels.command("list")
@handle_errors
def channel_list(as_json: JsonOpt = False) -> None:
    """List channels."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_channels(session=s)
    _show(list(rows), "Channels", ["id", "name", "kind", "max_concurrency"], as_json)


QUEUE_COLUMNS = [
    "id",
    "name",
    "channel",
    "site",
    "target_s",
    "service_level_goal",
    "short_abandon_s",
    "service_level_variant",
]


@queues.command("create")
@handle_errors
def queue_create(
    name: str,
    channel: Annotated[str, typer.Option(help="Channel name")],
    site: Annotated[str, typer.Option(help="Site name")],
    target_s: Annotated[float, typer.Option(help="Service-level threshold T, seconds")] = 20.0,
    goal: Annotated[float, typer.Option(help="Service-level goal, fraction")] = 0.8,
    short_abandon_s: Annotated[float, typer.Option(help="Short-abandon threshold, s")] = 5.0,
    variant: Annotated[
        ServiceLevelVariant, typer.Option(help="Service-level formula")
    ] = ServiceLevelVariant.exclude_short_abandons,
    as_json: JsonOpt = False,
) -> None:
    """Create a queue."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    data = schemas.QueueIn(
        name=name,
        channel=channel,
        site=site,
        target_s=target_s,
        service_level_goal=goal,
        short_abandon_s=short_abandon_s,
        service_level_variant=variant,
    )
    with unit_of_work() as s:
        out = org_service.create_queue(session=s, data=data)
    _show([out], "Queue", QUEUE_COLUMNS, as_json)


@queues.command("update")
@handle_errors
def queue_update(
    name: str,
    new_name: Annotated[str | None, typer.Option("--name", help="New name")] = None,
    target_s: Annotated[float | None, typer.Option(help="Service-level threshold T, s")] = None,
    goal: Annotated[float | None, typer.Option(help="Service-level goal, fraction")] = None,
    short_abandon_s: Annotated[
        float | None, typer.Option(help="Short-abandon threshold, s")
    ] = None,
    variant: Annotated[
        ServiceLevelVariant | None, typer.Option(help="Service-level formula")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change queue NAME's name or targets; its KPIs are recomputed from the new settings."""
    from ccops.org import changes
    from ccops.runtime import unit_of_work

    data = _patch(
        {
            "name": new_name,
            "target_s": target_s,
            "service_level_goal": goal,
            "short_abandon_s": short_abandon_s,
            "service_level_variant": variant,
        },
        set(),
    )
    with unit_of_work() as s:
        out = changes.update_queue(session=s, name=name, data=schemas.QueuePatch(**data))
    _show([out], "Queue", QUEUE_COLUMNS, as_json)


@queues.command("list")
@handle_errors
def queue_list(as_json: JsonOpt = False) -> None:
    """List queues."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_queues(session=s)
    _show(list(rows), "Queues", QUEUE_COLUMNS, as_json)


@teams.command("create")
@handle_errors
def team_create(
    name: str,
    site: Annotated[str, typer.Option(help="Site name")],
    leader: Annotated[str | None, typer.Option(help="Login of the team leader")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a team."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = org_service.create_team(
            session=s, data=schemas.TeamIn(name=name, site=site, leader=leader)
        )
    _show([out], "Team", ["id", "name", "site", "leader"], as_json)


@teams.command("update")
@handle_errors
def team_update(
    name: str,
    new_name: Annotated[str | None, typer.Option("--name", help="New name")] = None,
    site: Annotated[str | None, typer.Option(help="Move to this site (with its people)")] = None,
    leader: Annotated[str | None, typer.Option(help="Login of the new team leader")] = None,
    no_leader: Annotated[bool, typer.Option("--no-leader", help="Clear the leader")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Rename team NAME, move it to another site, set or clear its leader."""
    from ccops.org import changes
    from ccops.runtime import unit_of_work

    data = _patch(
        {"name": new_name, "site": site, "leader": leader},
        {"leader"} if no_leader else set(),
    )
    with unit_of_work() as s:
        out = changes.update_team(session=s, name=name, data=schemas.TeamPatch(**data))
    _show([out], "Team", ["id", "name", "site", "leader"], as_json)


@teams.command("list")
@handle_errors
def team_list(as_json: JsonOpt = False) -> None:
    """List teams."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_teams(session=s)
    _show(list(rows), "Teams", ["id", "name", "site", "leader"], as_json)


def _parse_skill(text: str) -> schemas.SkillIn:
    queue, _, level = text.partition(":")
    if level and not level.isdigit():
        raise Invalid(f"skill {text!r}: level must be a whole number 1-10 (QUEUE:LEVEL)")
    return schemas.SkillIn(queue=queue, level=int(level) if level else 5)


@people.command("create")
@handle_errors
def person_create(
    login: str,
    name: Annotated[str, typer.Option(help="Full name")],
    site: Annotated[str, typer.Option(help="Site name")],
    role: Annotated[Role, typer.Option(help="Position")] = Role.agent,
    team: Annotated[str | None, typer.Option(help="Team name")] = None,
    skill: Annotated[list[str] | None, typer.Option(help="QUEUE[:LEVEL], repeatable")] = None,
    hire_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a person (agent, team leader, ...)."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    data = schemas.PersonIn(
        name=name,
        login=login,
        role=role,
        site=site,
        team=team,
        skills=[_parse_skill(x) for x in skill or []],
        hire_date=date.fromisoformat(hire_date) if hire_date else None,
    )
    with unit_of_work() as s:
        out = org_service.create_person(session=s, data=data)
    _show([out], "Person", ["id", "login", "name", "role", "site", "team"], as_json)


@people.command("update")
@handle_errors
def person_update(
    login: str,
    name: Annotated[str | None, typer.Option(help="Full name")] = None,
    role: Annotated[Role | None, typer.Option(help="Position")] = None,
    site: Annotated[str | None, typer.Option(help="Site name")] = None,
    team: Annotated[str | None, typer.Option(help="Team name")] = None,
    no_team: Annotated[bool, typer.Option("--no-team", help="Take out of any team")] = False,
    hire_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    left: Annotated[
        str | None, typer.Option(help="Record a leaver: termination date YYYY-MM-DD")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why the person left")] = None,
    not_left: Annotated[
        bool, typer.Option("--not-left", help="Undo a mistaken leaver record")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Change person LOGIN, record them as a leaver (their sign-ins are disabled) or undo it."""
    from ccops.org import changes
    from ccops.runtime import unit_of_work

    cleared = {"team"} if no_team else set()
    if not_left:
        cleared |= {"termination_date", "termination_reason"}
    data = _patch(
        {
            "name": name,
            "role": role,
            "site": site,
            "team": team,
            "hire_date": date.fromisoformat(hire_date) if hire_date else None,
            "termination_date": date.fromisoformat(left) if left else None,
            "termination_reason": reason,
        },
        cleared,
    )
    with unit_of_work() as s:
        out = changes.update_person(session=s, login=login, data=schemas.PersonPatch(**data))
    _show(
        [out],
        "Person",
        ["id", "login", "name", "role", "site", "team", "termination_date", "termination_reason"],
        as_json,
    )


@people.command("list")
@handle_errors
def person_list(
    team: Annotated[str | None, typer.Option(help="Only this team")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List people."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_people(session=s, team=team)
    _show(list(rows), "People", ["id", "login", "name", "role", "site", "team"], as_json)


@people.command("import")
@handle_errors
def person_import(
    file: Annotated[str, typer.Argument(help="A .csv (UTF-8) or .xlsx people file")],
    create_teams: Annotated[
        bool, typer.Option("--create-teams", help="Create the teams the file names at their site")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create many people from one file (columns: login, name, site, team, position, skills,
    hire_date, contract, sign_in, sign_in_scope); every bad row is named and then nothing is
    stored. Sign-ins get temporary passwords, printed once: hand them over privately."""
    from pathlib import Path

    from ccops.errors import no_such_file
    from ccops.org import people_import
    from ccops.runtime import unit_of_work

    path = Path(file)
    if not path.is_file():
        raise no_such_file(path)
    with unit_of_work() as s:
        out = people_import.import_people(
            session=s, file_name=path.name, content=path.read_bytes(), create_teams=create_teams
        )
    if as_json:
        print_json(
            {
                "file": out.file,
                "created": len(out.people),
                "teams_created": out.teams_created,
                "contracts": out.contracts,
                "sign_ins": [
                    {"login": login, "temporary_password": password}
                    for login, password in out.sign_ins
                ],
                "people": [p.model_dump(mode="json") for p in out.people],
            }
        )
        return
    teams = f" and {len(out.teams_created)} team(s)" if out.teams_created else ""
    console.print(f"{out.file}: {len(out.people)} people created{teams}.", highlight=False)
    if out.contracts:
        console.print(f"{out.contracts} contract(s) given.", highlight=False)
    if out.sign_ins:
        print_table(
            "Sign-ins: temporary passwords, shown once (hand them over privately)",
            [{"login": login, "password": password} for login, password in out.sign_ins],
            ["login", "password"],
        )


def _password(password: str | None) -> str:
    if password:
        return password
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise Invalid("the two passwords differ")
    return first


@users.command("create")
@handle_errors
def user_create(
    login: str,
    role: Annotated[Role, typer.Option(help="Role")],
    scope: Annotated[ScopeKind, typer.Option(help="own, teams, sites or all")] = ScopeKind.own,
    person: Annotated[str | None, typer.Option(help="Login of the person")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Team in scope, repeatable")] = None,
    site: Annotated[list[str] | None, typer.Option(help="Site in scope, repeatable")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="CCOPS_NEW_PASSWORD", help="Prompted if omitted")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a user with a role and scope."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    data = schemas.UserIn(
        login=login,
        password=_password(password),
        role=role,
        scope=scope,
        person=person,
        teams=team or [],
        sites=site or [],
    )
    with unit_of_work() as s:
        out = org_service.create_user(session=s, data=data)
    _show([out], "User", ["id", "login", "role", "scope", "person"], as_json)


@users.command("create-admin")
@handle_errors
def user_create_admin(
    login: Annotated[str, typer.Option(help="Login of the administrator")] = "admin",
    password: Annotated[
        str | None, typer.Option(envvar="CCOPS_NEW_PASSWORD", help="Prompted if omitted")
    ] = None,
) -> None:
    """Create the first administrator of a production database."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = org_service.create_admin(session=s, login=login, password=_password(password))
    print_json(out)


@users.command("update")
@handle_errors
def user_update(
    login: str,
    role: Annotated[Role | None, typer.Option(help="Role")] = None,
    scope: Annotated[ScopeKind | None, typer.Option(help="own, teams, sites or all")] = None,
    person: Annotated[str | None, typer.Option(help="Login of the person")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Team in scope, repeatable")] = None,
    site: Annotated[list[str] | None, typer.Option(help="Site in scope, repeatable")] = None,
    disable: Annotated[
        bool | None, typer.Option("--disable/--enable", help="Disable or re-enable the sign-in")
    ] = None,
    unlock: Annotated[bool, typer.Option("--unlock", help="End a lock-out")] = False,
    reset_password: Annotated[
        bool, typer.Option("--reset-password", help="Set a temporary password (prompted)")
    ] = False,
    password: Annotated[
        str | None, typer.Option(envvar="CCOPS_NEW_PASSWORD", help="The temporary password")
    ] = None,
    reset_second_factor: Annotated[
        bool,
        typer.Option("--reset-second-factor", help="Turn the user's second factor (TOTP) off"),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Change user LOGIN's role or scope, disable/enable, unlock, reset its password (which
    revokes its API tokens) or its second factor."""
    from ccops.org import changes
    from ccops.runtime import unit_of_work

    data = _patch(
        {
            "role": role,
            "scope": scope,
            "person": person,
            "teams": team,
            "sites": site,
            "disabled": disable,
            "unlock": True if unlock else None,
            "password": _password(password) if reset_password else None,
            "reset_second_factor": True if reset_second_factor else None,
        },
        set(),
    )
    with unit_of_work() as s:
        out = changes.update_user(session=s, login=login, data=schemas.UserPatch(**data))
    _show([out], "User", ["id", "login", "role", "scope", "person", "disabled"], as_json)


@users.command("link-oidc")
@handle_errors
def user_link_oidc(login: str, subject: str, as_json: JsonOpt = False) -> None:
    """Link user LOGIN to the single-sign-on identity SUBJECT (the ID token's `sub` claim)."""
    from ccops.org import sso
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = sso.link_subject(session=s, login=login, subject=subject)
    _show([out], "User", ["id", "login", "role", "scope", "person", "disabled"], as_json)


@users.command("list")
@handle_errors
def user_list(as_json: JsonOpt = False) -> None:
    """List users."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_users(session=s)
    _show(
        list(rows),
        "Users",
        ["id", "login", "role", "scope", "person", "disabled", "locked_until"],
        as_json,
    )


tokens = typer.Typer(help="API tokens for integrations (Authorization: Bearer TOKEN).")
users.add_typer(tokens, name="token", no_args_is_help=True)

TOKEN_COLUMNS = [
    "id",
    "login",
    "name",
    "scope",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
]


@tokens.command("create")
@handle_errors
def token_create(
    login: str,
    name: Annotated[str, typer.Option(help="What uses the token, e.g. 'acd-export'")],
    scope: Annotated[
        TokenScope, typer.Option(help="read: GET and HEAD only; write: acts as the user")
    ] = TokenScope.write,
    days: Annotated[
        int, typer.Option(help=f"Days it works (1–{schemas.TOKEN_MAX_DAYS})")
    ] = schemas.TOKEN_DEFAULT_DAYS,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token for user LOGIN and print it once (only its hash is kept)."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out, secret = org_service.create_token(
            session=s, login=login, name=name, scope=scope, days=days
        )
    if as_json:
        print_json(out.model_dump(mode="json") | {"token": secret})
        return
    console.print(f"token {out.id} for {out.login} ({out.name}); it is shown only this once:")
    console.print(secret, highlight=False, soft_wrap=True)
    console.print(f"scope {out.scope.value}, expires {out.expires_at:%Y-%m-%d %H:%M} UTC")


@tokens.command("list")
@handle_errors
def token_list(
    login: Annotated[str | None, typer.Option(help="Only this user's tokens")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List API tokens (never the tokens themselves)."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = org_service.list_tokens(session=s, login=login)
    _show(list(rows), "API tokens", TOKEN_COLUMNS, as_json)


@tokens.command("revoke")
@handle_errors
def token_revoke(token_id: int, as_json: JsonOpt = False) -> None:
    """Revoke the API token with id TOKEN_ID."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = org_service.revoke_token(session=s, token_id=token_id)
    _show([out], "API token", TOKEN_COLUMNS, as_json)
