"""The organisation: JSON API under /api/v1 and the organisation pages under /admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.enums import ChannelKind, Role, ScopeKind, ServiceLevelVariant
from ccops.errors import CcopsError, NotFound, Problem
from ccops.org import changes, people_import, schemas
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import (
    ADMIN_LABELS,
    ROLE_LABELS,
    SCOPE_LABELS,
    admin_pages,
    gettext_for,
    redirect,
    render,
)
from ccops.web.responses import typed_json

router = APIRouter(prefix="/api/v1", tags=["organisation"])
pages = APIRouter(prefix="/admin", include_in_schema=False)

OrgReader = Annotated[Principal, Depends(require(*permissions.ORG_READ))]
PeopleReader = Annotated[Principal, Depends(require(*permissions.PEOPLE_READ))]
OrgAdmin = Annotated[Principal, Depends(require(*permissions.ORG_ADMIN, write=True))]
OrgManager = Annotated[Principal, Depends(require(*permissions.ORG_MANAGE, write=True))]
UserAdmin = Annotated[Principal, Depends(require(*permissions.ORG_ADMIN))]


@router.get("/sites", response_model=list[schemas.SiteOut])
def list_sites(session: SessionDep, user: OrgReader) -> list[schemas.SiteOut]:
    """List the sites in scope."""
    return org_service.list_sites(session=session, scope=user.scope)


@router.post("/sites", response_model=schemas.SiteOut, status_code=status.HTTP_201_CREATED)
def create_site(data: schemas.SiteIn, session: SessionDep, _user: OrgAdmin) -> schemas.SiteOut:
    """Create a site (administrators)."""
    return org_service.create_site(session=session, data=data)


@router.post("/sites/{name}/leaver-cost", response_model=schemas.LeaverCostOut)
def set_leaver_cost(
    name: str, data: schemas.LeaverCostIn, session: SessionDep, user: OrgAdmin
) -> schemas.LeaverCostOut:
    """Set a site's replacement cost per leaver and its currency, or clear it (administrators);
    the executive view multiplies the site's leavers by it."""
    return org_service.set_leaver_cost(session=session, site=name, data=data, scope=user.scope)


@router.get("/channels", response_model=list[schemas.ChannelOut])
def list_channels(session: SessionDep, _user: OrgReader) -> list[schemas.ChannelOut]:
    """List channels."""
    return org_service.list_channels(session=session)


@router.post("/channels", response_model=schemas.ChannelOut, status_code=status.HTTP_201_CREATED)
def create_channel(
    data: schemas.ChannelIn, session: SessionDep, _user: OrgAdmin
) -> schemas.ChannelOut:
    """Create a channel (administrators)."""
    return org_service.create_channel(session=session, data=data)


@router.get("/queues", response_model=list[schemas.QueueOut])
def list_queues(session: SessionDep, user: OrgReader) -> list[schemas.QueueOut]:
    """List the queues of the sites in scope."""
    return org_service.list_queues(session=session, scope=user.scope)


@router.post("/queues", response_model=schemas.QueueOut, status_code=status.HTTP_201_CREATED)
def create_queue(data: schemas.QueueIn, session: SessionDep, user: OrgManager) -> schemas.QueueOut:
    """Create a queue at a site in scope (managers, administrators)."""
    return org_service.create_queue(session=session, data=data, scope=user.scope)


@router.get("/teams", response_model=list[schemas.TeamOut])
def list_teams(session: SessionDep, user: OrgReader) -> list[schemas.TeamOut]:
    """List the teams in scope."""
    return org_service.list_teams(session=session, scope=user.scope)


@router.post("/teams", response_model=schemas.TeamOut, status_code=status.HTTP_201_CREATED)
def create_team(data: schemas.TeamIn, session: SessionDep, user: OrgManager) -> schemas.TeamOut:
    """Create a team at a site in scope (managers, administrators)."""
    return org_service.create_team(session=session, data=data, scope=user.scope)


PEOPLE = TypeAdapter(list[schemas.PersonOut])


@router.get("/people", response_model=list[schemas.PersonOut])
def list_people(session: SessionDep, user: PeopleReader, team: str | None = None) -> Response:
    """List the people in scope, optionally of one team."""
    people = org_service.list_people(session=session, team=team, scope=user.scope)
    return typed_json(PEOPLE, people)


@router.post("/people", response_model=schemas.PersonOut, status_code=status.HTTP_201_CREATED)
def create_person(
    data: schemas.PersonIn, session: SessionDep, user: OrgManager
) -> schemas.PersonOut:
    """Create a person with skills at a site in scope (managers, administrators)."""
    return org_service.create_person(session=session, data=data, scope=user.scope)


@router.get("/users", response_model=list[schemas.UserOut])
def list_users(session: SessionDep, user: UserAdmin) -> list[schemas.UserOut]:
    """List users (administrators; a scoped one sees the users inside their scope)."""
    return org_service.list_users(session=session, scope=user.scope)


@router.post("/users", response_model=schemas.UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: schemas.UserIn, session: SessionDep, user: OrgAdmin) -> schemas.UserOut:
    """Create a user with a role and scope no wider than the administrator's own."""
    return org_service.create_user(session=session, data=data, scope=user.scope)


@router.patch("/sites/{name}", response_model=schemas.SiteOut)
def update_site(
    name: str, data: schemas.SitePatch, session: SessionDep, user: OrgAdmin
) -> schemas.SiteOut:
    """Rename a site; change its time zone only while it has no contact data (else 409)."""
    return changes.update_site(session=session, name=name, data=data, scope=user.scope)


@router.patch("/queues/{name}", response_model=schemas.QueueOut)
def update_queue(
    name: str, data: schemas.QueuePatch, session: SessionDep, user: OrgManager
) -> schemas.QueueOut:
    """Change a queue's name or targets; its KPIs are recomputed from the new settings."""
    return changes.update_queue(session=session, name=name, data=data, scope=user.scope)


@router.patch("/teams/{name}", response_model=schemas.TeamOut)
def update_team(
    name: str, data: schemas.TeamPatch, session: SessionDep, user: OrgManager
) -> schemas.TeamOut:
    """Rename a team, move it (with its people) to another site, set or clear its leader."""
    return changes.update_team(session=session, name=name, data=data, scope=user.scope)


@router.patch("/people/{login}", response_model=schemas.PersonOut)
def update_person(
    login: str, data: schemas.PersonPatch, session: SessionDep, user: OrgManager
) -> schemas.PersonOut:
    """Change a person, record a leaver (termination date and reason) or undo one (null)."""
    return changes.update_person(
        session=session,
        login=login,
        data=data,
        scope=user.scope,
        by_admin=user.role == Role.admin,
    )


@router.patch("/users/{login}", response_model=schemas.UserOut)
def update_user(
    login: str, data: schemas.UserPatch, session: SessionDep, user: OrgAdmin
) -> schemas.UserOut:
    """Change a user's role or scope, disable, unlock, or set a temporary password (users
    inside the administrator's scope, granting no wider scope)."""
    return changes.update_user(session=session, login=login, data=data, by_scope=user.scope)


# --- the organisation pages --------------------------------------------------------------------


Options = Callable[[Session, Principal], list[tuple[str, str]]]


@dataclass(frozen=True)
class FormField:
    """One control of a create form."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    hint: str = ""
    options: Options | None = None
    step: str = ""
    minimum: str = ""
    maximum: str = ""


@dataclass(frozen=True)
class Entity:
    """One organisation page: its table, its form, and how a submitted form is created."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...]
    fields: tuple[FormField, ...]
    rows: Callable[[Session, Principal, dict[str, str]], list[BaseModel]]
    build: Callable[[dict[str, Any]], dict[str, Any]]
    schema: type[BaseModel]
    create: Callable[[Session, Principal, Any], BaseModel]
    created: str


def _sites(session: Session, user: Principal) -> list[tuple[str, str]]:
    return [(s.name, s.name) for s in org_service.list_sites(session=session, scope=user.scope)]


def _channels(session: Session, _user: Principal) -> list[tuple[str, str]]:
    return [
        (c.name, c.name if c.name == c.kind.value else f"{c.name} ({c.kind.value})")
        for c in org_service.list_channels(session=session)
    ]


def _teams(session: Session, user: Principal) -> list[tuple[str, str]]:
    teams = org_service.list_teams(session=session, scope=user.scope)
    return [("", N_("(none)"))] + [(t.name, f"{t.name} — {t.site}") for t in teams]


def _all_teams(session: Session, user: Principal) -> list[tuple[str, str]]:
    """Every team the administrator may grant (all of them, for an all-sites administrator)."""
    teams = org_service.list_teams(session=session, scope=user.scope)
    return [(t.name, f"{t.name} — {t.site}") for t in teams]


def _all_sites(session: Session, user: Principal) -> list[tuple[str, str]]:
    """Every site the administrator may grant (all of them, for an all-sites administrator)."""
    return [(s.name, s.name) for s in org_service.list_sites(session=session, scope=user.scope)]


def _roles(_session: Session, _user: Principal) -> list[tuple[str, str]]:
    return [(r.value, ROLE_LABELS[r]) for r in Role]


def _kinds(_session: Session, _user: Principal) -> list[tuple[str, str]]:
    return [(k.value, k.value) for k in ChannelKind]


VARIANT_LABELS = {
    ServiceLevelVariant.exclude_short_abandons: N_("short abandons excluded (default)"),
    ServiceLevelVariant.abandons_count_against: N_("abandons count against"),
    ServiceLevelVariant.abandons_ignored: N_("abandons ignored"),
}


def _scopes(_session: Session, _user: Principal) -> list[tuple[str, str]]:
    return [(k.value, SCOPE_LABELS[k]) for k in ScopeKind]


def _variants(_session: Session, _user: Principal) -> list[tuple[str, str]]:
    return [(v.value, VARIANT_LABELS[v]) for v in ServiceLevelVariant]


QUEUE_SETTING_FIELDS = (
    FormField(
        "target_s",
        N_("Service-level threshold T, seconds"),
        kind="number",
        required=True,
        minimum="1",
        step="any",
    ),
    FormField(
        "service_level_goal",
        N_("Service-level goal, %"),
        kind="number",
        required=True,
        minimum="1",
        maximum="99.9",
        step="any",
    ),
    FormField(
        "short_abandon_s",
        N_("Short-abandon threshold, seconds"),
        kind="number",
        required=True,
        minimum="0",
        step="any",
    ),
    FormField(
        "service_level_variant",
        N_("Service-level formula"),
        kind="select",
        required=True,
        options=_variants,
    ),
)
"""The service-level settings of a queue, on its create and its edit form."""


def _none_if_blank(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in values.items()}


def _skills(text: str) -> list[dict[str, Any]] | str:
    skills: list[dict[str, Any]] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        queue, _, level = part.rpartition(":")
        if queue and level.strip().isdigit():
            skills.append({"queue": queue.strip(), "level": int(level)})
        else:
            skills.append({"queue": part, "level": 5})
    return skills


def _queue_build(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    goal = data.pop("service_level_goal", "")
    try:
        data["service_level_goal"] = float(goal) / 100 if goal != "" else 0.8
    except ValueError:
        data["service_level_goal"] = goal
    for name, default in (("target_s", 20.0), ("short_abandon_s", 5.0)):
        if data.get(name) == "":
            data[name] = default
    return data


def _person_build(values: dict[str, Any]) -> dict[str, Any]:
    data = _none_if_blank(values, "team", "hire_date")
    data["skills"] = _skills(values.get("skills", ""))
    return data


def _user_build(values: dict[str, Any]) -> dict[str, Any]:
    return _none_if_blank(values, "person")


ENTITIES: dict[str, Entity] = {
    "sites": Entity(
        "sites",
        N_("Sites"),
        (("name", N_("Name")), ("timezone", N_("Time zone")), ("country_code", N_("Country"))),
        (
            FormField("name", N_("Name"), required=True),
            FormField(
                "timezone",
                N_("Time zone"),
                required=True,
                hint=N_("An IANA name such as Asia/Shanghai or Europe/London."),
            ),
            FormField(
                "country_code",
                N_("Country code"),
                hint=N_("Two capital letters, e.g. CN or GB (optional)."),
            ),
        ),
        lambda s, u, q: list(org_service.list_sites(session=s, scope=u.scope)),
        lambda v: _none_if_blank(v, "country_code"),
        schemas.SiteIn,
        lambda s, u, d: org_service.create_site(session=s, data=d),
        N_("Site %(name)s is created."),
    ),
    "channels": Entity(
        "channels",
        N_("Channels"),
        (("name", N_("Name")), ("kind", N_("Kind")), ("max_concurrency", N_("Contacts at once"))),
        (
            FormField("name", N_("Name"), required=True),
            FormField("kind", N_("Kind"), kind="select", required=True, options=_kinds),
            FormField(
                "max_concurrency",
                N_("Contacts an agent handles at once"),
                kind="number",
                required=True,
                minimum="1",
                maximum="20",
                step="1",
            ),
        ),
        lambda s, u, q: list(org_service.list_channels(session=s)),
        lambda v: v,
        schemas.ChannelIn,
        lambda s, u, d: org_service.create_channel(session=s, data=d),
        N_("Channel %(name)s is created."),
    ),
    "queues": Entity(
        "queues",
        N_("Queues"),
        (
            ("name", N_("Name")),
            ("channel", N_("Channel")),
            ("site", N_("Site")),
            ("target_s", N_("Target, s")),
            ("service_level_goal", N_("Goal")),
            ("short_abandon_s", N_("Short abandon, s")),
            ("service_level_variant", N_("Service-level variant")),
        ),
        (
            FormField("name", N_("Name"), required=True),
            FormField("channel", N_("Channel"), kind="select", required=True, options=_channels),
            FormField("site", N_("Site"), kind="select", required=True, options=_sites),
            *QUEUE_SETTING_FIELDS,
        ),
        lambda s, u, q: list(org_service.list_queues(session=s, scope=u.scope)),
        _queue_build,
        schemas.QueueIn,
        lambda s, u, d: org_service.create_queue(session=s, data=d, scope=u.scope),
        N_("Queue %(name)s is created."),
    ),
    "teams": Entity(
        "teams",
        N_("Teams"),
        (("name", N_("Name")), ("site", N_("Site")), ("leader", N_("Leader"))),
        (
            FormField("name", N_("Name"), required=True),
            FormField("site", N_("Site"), kind="select", required=True, options=_sites),
            FormField("leader", N_("Leader's login"), hint=N_("Optional.")),
        ),
        lambda s, u, q: list(org_service.list_teams(session=s, scope=u.scope)),
        lambda v: _none_if_blank(v, "leader"),
        schemas.TeamIn,
        lambda s, u, d: org_service.create_team(session=s, data=d, scope=u.scope),
        N_("Team %(name)s is created."),
    ),
    "people": Entity(
        "people",
        N_("People"),
        (
            ("login", N_("Login")),
            ("name", N_("Name")),
            ("role", N_("Position")),
            ("site", N_("Site")),
            ("team", N_("Team")),
            ("hire_date", N_("Hired")),
            ("termination_date", N_("Left")),
        ),
        (
            FormField(
                "login",
                N_("Login"),
                required=True,
                hint=N_("As in the telephony logs."),
            ),
            FormField("name", N_("Full name"), required=True),
            FormField("role", N_("Position"), kind="select", required=True, options=_roles),
            FormField("site", N_("Site"), kind="select", required=True, options=_sites),
            FormField("team", N_("Team"), kind="select", options=_teams),
            FormField("hire_date", N_("Hire date"), kind="date"),
            FormField(
                "skills",
                N_("Skills"),
                hint=N_("Queues with levels 1–10, e.g. Billing:8, Sales:5."),
            ),
        ),
        lambda s, u, q: list(
            org_service.list_people(session=s, scope=u.scope, team=q.get("team") or None)
        ),
        _person_build,
        schemas.PersonIn,
        lambda s, u, d: org_service.create_person(session=s, data=d, scope=u.scope),
        N_("%(name)s is added."),
    ),
    "users": Entity(
        "users",
        N_("Users"),
        (
            ("login", N_("Login")),
            ("role", N_("Role")),
            ("scope", N_("Scope")),
            ("person", N_("Person")),
            ("teams", N_("Teams")),
            ("sites", N_("Sites")),
            ("disabled", N_("Status")),
            ("locked_until", N_("Locked out until")),
        ),
        (
            FormField("login", N_("Login"), required=True),
            FormField(
                "password",
                N_("Password"),
                kind="password",
                required=True,
                hint=N_(
                    "At least 8 characters; a few uncommon words are best. Common or "
                    "guessable passwords are refused."
                ),
            ),
            FormField("role", N_("Role"), kind="select", required=True, options=_roles),
            FormField("scope", N_("Scope"), kind="select", required=True, options=_scopes),
            FormField(
                "person",
                N_("Person's login"),
                hint=N_("Needed for the scope 'own record'."),
            ),
            FormField("teams", N_("Teams in scope"), kind="multiselect", options=_all_teams),
            FormField("sites", N_("Sites in scope"), kind="multiselect", options=_all_sites),
        ),
        lambda s, u, q: list(org_service.list_users(session=s, scope=u.scope)),
        _user_build,
        schemas.UserIn,
        lambda s, u, d: org_service.create_user(session=s, data=d, scope=u.scope),
        N_("User %(name)s is created."),
    ),
}


def _cell(row: BaseModel, column: str) -> Any:
    value = getattr(row, column, None)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    return value


PAGE_SIZE = 50
"""Rows per page of an organisation list."""
STATUSES = ("", "current", "left")
"""The people list's status filter: everyone, current staff, leavers."""


@dataclass(frozen=True)
class ListView:
    """One page of an organisation list after search and filters, and how to reach the others."""

    rows: list[BaseModel]
    total: int
    page: int
    pages: int
    first: int
    last: int
    search: str
    status: str


def _list_view(entity: Entity, rows: list[BaseModel], query: dict[str, str]) -> ListView:
    """Search (case-insensitive, in the first two columns: login or name), the people's status
    filter, and the page asked for (clamped to the pages there are)."""
    search = query.get("q", "").strip()[:100]
    if search:
        needle = search.casefold()
        keys = [c for c, _label in entity.columns[:2]]
        rows = [r for r in rows if any(needle in str(_cell(r, k) or "").casefold() for k in keys)]
    status = query.get("status", "") if entity.key == "people" else ""
    status = status if status in STATUSES else ""
    if status:
        left = status == "left"
        rows = [r for r in rows if (getattr(r, "termination_date", None) is not None) == left]
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        page = min(max(int(query.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    shown = rows[start : start + PAGE_SIZE]
    return ListView(
        shown, total, page, pages, start + 1 if shown else 0, start + len(shown), search, status
    )


def _page(
    request: Request,
    entity: Entity,
    user: Principal,
    session: Session,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
    people_file: dict[str, Any] | None = None,
) -> HTMLResponse:
    _read, write = permissions.ADMIN_PAGES[entity.key]
    query = dict(request.query_params)
    view = _list_view(entity, entity.rows(session, user, query), query)
    rows = view.rows
    if state is None:
        state = forms.FormState(
            values={f.name: ([] if f.kind == "multiselect" else "") for f in entity.fields}
        )
        if entity.key == "queues":
            state.values.update(
                target_s="20",
                service_level_goal="80",
                short_abandon_s="5",
                service_level_variant=ServiceLevelVariant.exclude_short_abandons.value,
            )
        if entity.key == "channels":
            state.values.update(max_concurrency="1")
    _ = gettext_for(request, user)
    options = {
        f.name: [(value, _(text)) for value, text in f.options(session, user)]
        for f in entity.fields
        if f.options is not None
    }
    team_filter = (
        [("", _("All teams"))] + _teams(session, user)[1:] if entity.key == "people" else []
    )
    return render(
        request,
        "org/admin.html",
        {
            "entity": entity,
            "tabs": [(key, ADMIN_LABELS[key]) for key in admin_pages(user.role)],
            "rows": [[_cell(r, c) for c, _label in entity.columns] for r in rows],
            "can_create": user.role in write,
            "can_edit": user.role in write and entity.key != "channels",
            "form": state,
            "options": options,
            "labels": {f.name: _(f.label) for f in entity.fields},
            "hints": {f.name: _(f.hint) if f.hint else "" for f in entity.fields},
            "title": _(entity.title),
            "column_labels": [_(label) for _name, label in entity.columns],
            "team_filter": team_filter,
            "chosen_team": query.get("team", ""),
            "view": view,
            "status_filter": (
                [("", _("Everyone")), ("current", _("Current staff")), ("left", _("Leavers"))]
                if entity.key == "people"
                else []
            ),
            "role_labels": {r.value: _(ROLE_LABELS[r]) for r in Role},
            "variant_labels": {v.value: _(VARIANT_LABELS[v]) for v in ServiceLevelVariant},
            "scope_labels": {k.value: _(SCOPE_LABELS[k]) for k in ScopeKind},
            "people_file": people_file or {},
        },
        principal=user,
        status_code=status_code,
        active="admin",
    )


def _create(
    request: Request, entity: Entity, user: Principal, session: Session, form: forms.PostedForm
) -> Response:
    plain = [f.name for f in entity.fields if f.kind != "multiselect"]
    lists = [f.name for f in entity.fields if f.kind == "multiselect"]
    values = forms.text_values(form, plain, lists)
    if "password" in values:
        values["password"] = str(form.get("password") or "")
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    if entity.key == "queues":
        _check_goal(values.get("service_level_goal", ""), state, _)
    data = entity.build(values)
    model = forms.validate(entity.schema, data, state, _)
    if model is not None and state.ok:
        try:
            with attempt(session):
                created = entity.create(session, user, model)
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
        else:
            name = getattr(created, "name", None) or getattr(created, "login", "")
            return redirect(
                request,
                f"/admin/{entity.key}",
                flash=("success", _(entity.created) % {"name": name}),
            )
    if "password" in state.values:
        state.values["password"] = ""
    return _page(request, entity, user, session, state=state, status_code=422)


def _check_goal(raw: str, state: forms.FormState, _: Callable[[str], str]) -> None:
    try:
        goal = float(raw)
    except ValueError:
        state.add("service_level_goal", _("Enter a number."))
        return
    if not 0 < goal < 100:
        state.add("service_level_goal", _("Enter a percentage between 0 and 100."))


def _entity(key: str) -> Entity:
    found = ENTITIES.get(key)
    if found is None:
        raise NotFound(f"no organisation page {key!r}")
    return found


def _register(key: str) -> None:
    read, write = permissions.ADMIN_PAGES[key]
    reader = Depends(require(*read))
    writer = Depends(require(*write, write=True))
    entity = _entity(key)

    def show(request: Request, session: SessionDep, user: Principal = reader) -> HTMLResponse:
        return _page(request, entity, user, session)

    def create(
        request: Request, session: SessionDep, form: forms.PostedForm, user: Principal = writer
    ) -> Response:
        return _create(request, entity, user, session, form)

    show.__doc__ = f"List {key} and show the create form."
    create.__doc__ = f"Create one of the {key} from the form."
    pages.add_api_route(
        f"/{key}", show, methods=["GET"], response_class=HTMLResponse, name=f"admin_{key}"
    )
    pages.add_api_route(
        f"/{key}", create, methods=["POST"], response_class=HTMLResponse, name=f"admin_{key}_create"
    )


for _key in permissions.ADMIN_PAGES:
    _register(_key)

PeopleWriter = Annotated[
    Principal, Depends(require(*permissions.ADMIN_PAGES["people"][1], write=True))
]


@pages.post("/people-import", response_class=HTMLResponse)
def people_import_page(
    request: Request, session: SessionDep, form: forms.PostedForm, user: PeopleWriter
) -> Response:
    """Create many people from one uploaded CSV or XLSX file: all of them, or none with every
    bad row listed (file, row, field, problem) beside the People list."""
    _ = gettext_for(request, user)
    entity = _entity("people")
    upload = forms.upload(form, "file")
    create_teams = form.get("create_teams") in ("on", "true", "1")
    if upload is None:
        problems = [Problem(_("Choose a file to import."), field="file")]
        return _page(
            request,
            entity,
            user,
            session,
            status_code=422,
            people_file={"problems": problems, "message": _("Nothing was imported.")},
        )
    name = upload.filename or "people"
    try:
        with attempt(session):
            out = people_import.import_people(
                session=session,
                file_name=name,
                content=upload.file.read(people_import.MAX_BYTES + 1),
                scope=user.scope,
                create_teams=create_teams,
                may_create_sign_ins=user.role in permissions.ORG_ADMIN,
            )
    except CcopsError as exc:
        return _page(
            request,
            entity,
            user,
            session,
            status_code=422,
            people_file={
                "problems": exc.problems or [Problem(exc.message, file=name)],
                "message": exc.message,
                "create_teams": create_teams,
            },
        )
    message = _("%(file)s: %(n)s people are added.") % {"file": name, "n": len(out.people)}
    if out.sign_ins:
        # the temporary passwords are shown once, on this page, never in a redirect's address
        return _page(
            request,
            entity,
            user,
            session,
            people_file={"message": message, "sign_ins": out.sign_ins},
        )
    return redirect(request, "/admin/people", flash=("success", message))


routers: tuple[APIRouter, ...] = (router, pages)
