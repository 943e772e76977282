"""The edit page of one site, queue, team, person or user, reached from the organisation lists.

``GET /admin/{entity}/{key}`` shows the stored values in a form; ``POST`` saves the form
(``action=save``) or runs one of the page's other actions: record or undo a leaver (people);
disable, re-enable, unlock, set a temporary password or reset the second factor (users). A
refused change comes back with the fields marked and the input kept, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.enums import Role
from ccops.errors import CcopsError, Invalid, Problem
from ccops.org import changes, schemas, scoped
from ccops.org import service as org_service
from ccops.org.routes import (
    QUEUE_SETTING_FIELDS,
    FormField,
    _all_sites,
    _all_teams,
    _check_goal,
    _roles,
    _scopes,
    _sites,
    _teams,
)
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import ADMIN_LABELS, admin_pages, gettext_for, redirect, render

pages = APIRouter(prefix="/admin", include_in_schema=False)

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Editor:
    """How one kind of organisation record is shown in its edit form and saved."""

    key: str
    title: str
    fields: tuple[FormField, ...]
    current: Callable[[Session, Principal, str], dict[str, Any]]
    build: Callable[[dict[str, Any]], dict[str, Any]]
    schema: type[BaseModel]
    save: Callable[[Session, Principal, str, Any], BaseModel]
    note: str = ""
    multiselect: tuple[str, ...] = field(default=())


def _site_values(session: Session, user: Principal, key: str) -> dict[str, Any]:
    site = scoped.site_in_scope(session, user.scope, key)
    return {"name": site.name, "timezone": site.timezone, "country_code": site.country_code or ""}


def _queue_values(session: Session, user: Principal, key: str) -> dict[str, Any]:
    queue = org_service.find_queue(session=session, name=key, scope=user.scope)
    return {
        "name": queue.name,
        "target_s": f"{queue.target_s:g}",
        "service_level_goal": f"{queue.service_level_goal * 100:g}",
        "short_abandon_s": f"{queue.short_abandon_s:g}",
        "service_level_variant": queue.service_level_variant.value,
    }


def _team_values(session: Session, user: Principal, key: str) -> dict[str, Any]:
    team = org_service.find_team(session=session, name=key, scope=user.scope)
    return {"name": team.name, "site": team.site, "leader": team.leader or ""}


def _person(session: Session, user: Principal, key: str) -> schemas.PersonOut:
    return org_service.find_person(session=session, login=key, scope=user.scope)


def _person_values(session: Session, user: Principal, key: str) -> dict[str, Any]:
    out = _person(session, user, key)
    return {
        "name": out.name,
        "role": out.role.value,
        "site": out.site,
        "team": out.team or "",
        "hire_date": out.hire_date.isoformat() if out.hire_date else "",
    }


def _user_values(session: Session, user: Principal, key: str) -> dict[str, Any]:
    out = org_service.describe_user(session=session, login=key, scope=user.scope)
    return {
        "role": out.role.value,
        "scope": out.scope.value,
        "person": out.person or "",
        "teams": out.teams,
        "sites": out.sites,
    }


def _blank_none(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in values.items()}


def _queue_build(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    try:
        data["service_level_goal"] = float(values["service_level_goal"]) / 100
    except ValueError:
        pass
    return data


EDITORS: dict[str, Editor] = {
    "sites": Editor(
        "sites",
        N_("Site"),
        (
            FormField("name", N_("Name"), required=True),
            FormField(
                "timezone",
                N_("Time zone"),
                required=True,
                hint=N_(
                    "An IANA name such as Asia/Shanghai. It can change only while the site "
                    "has no contact data."
                ),
            ),
            FormField("country_code", N_("Country code"), hint=N_("Two capital letters.")),
        ),
        _site_values,
        lambda v: _blank_none(v, "country_code"),
        schemas.SitePatch,
        lambda s, u, k, d: changes.update_site(session=s, name=k, data=d, scope=u.scope),
    ),
    "queues": Editor(
        "queues",
        N_("Queue"),
        (
            FormField("name", N_("Name"), required=True),
            *QUEUE_SETTING_FIELDS,
        ),
        _queue_values,
        _queue_build,
        schemas.QueuePatch,
        lambda s, u, k, d: changes.update_queue(session=s, name=k, data=d, scope=u.scope),
        N_(
            "The queue's KPIs (service level, abandonment, targets met) are recomputed from the "
            "new settings, for past intervals too."
        ),
    ),
    "teams": Editor(
        "teams",
        N_("Team"),
        (
            FormField("name", N_("Name"), required=True),
            FormField(
                "site",
                N_("Site"),
                kind="select",
                required=True,
                options=_sites,
                hint=N_("Moving the team moves its people to the new site too."),
            ),
            FormField("leader", N_("Leader's login"), hint=N_("Leave empty for no leader.")),
        ),
        _team_values,
        lambda v: _blank_none(v, "leader"),
        schemas.TeamPatch,
        lambda s, u, k, d: changes.update_team(session=s, name=k, data=d, scope=u.scope),
    ),
    "people": Editor(
        "people",
        N_("Person"),
        (
            FormField("name", N_("Full name"), required=True),
            FormField("role", N_("Position"), kind="select", required=True, options=_roles),
            FormField("site", N_("Site"), kind="select", required=True, options=_sites),
            FormField("team", N_("Team"), kind="select", options=_teams),
            FormField("hire_date", N_("Hire date"), kind="date"),
        ),
        _person_values,
        lambda v: _blank_none(v, "team", "hire_date"),
        schemas.PersonPatch,
        lambda s, u, k, d: changes.update_person(
            session=s, login=k, data=d, scope=u.scope, by_admin=u.role == Role.admin
        ),
    ),
    "users": Editor(
        "users",
        N_("User"),
        (
            FormField("role", N_("Role"), kind="select", required=True, options=_roles),
            FormField("scope", N_("Scope"), kind="select", required=True, options=_scopes),
            FormField(
                "person", N_("Person's login"), hint=N_("Needed for the scope 'own record'.")
            ),
            FormField("teams", N_("Teams in scope"), kind="multiselect", options=_all_teams),
            FormField("sites", N_("Sites in scope"), kind="multiselect", options=_all_sites),
        ),
        _user_values,
        lambda v: _blank_none(v, "person"),
        schemas.UserPatch,
        lambda s, u, k, d: changes.update_user(session=s, login=k, data=d, by_scope=u.scope),
        multiselect=("teams", "sites"),
    ),
}


def _empty(*names: str) -> forms.FormState:
    return forms.FormState(values=dict.fromkeys(names, ""))


def _page(
    request: Request,
    editor: Editor,
    key: str,
    user: Principal,
    session: Session,
    *,
    state: forms.FormState | None = None,
    leaver: forms.FormState | None = None,
    password: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    stored = editor.current(session, user, key)
    _ = gettext_for(request, user)
    context: dict[str, Any] = {
        "editor": editor,
        "key": key,
        "url": f"/admin/{editor.key}/{quote(key, safe='')}",
        "tabs": [(k, ADMIN_LABELS[k]) for k in admin_pages(user.role)],
        "title": _(editor.title),
        "form": state or forms.FormState(values=stored),
        "options": {
            f.name: [(value, _(text)) for value, text in f.options(session, user)]
            for f in editor.fields
            if f.options is not None
        },
        "labels": {f.name: _(f.label) for f in editor.fields},
        "hints": {f.name: _(f.hint) if f.hint else "" for f in editor.fields},
        "note": _(editor.note) if editor.note else "",
    }
    if editor.key == "people":
        person = _person(session, user, key)
        context["person"] = person
        context["leaver_form"] = leaver or _empty("termination_date", "termination_reason")
        context["has_left"] = person.termination_date is not None
    if editor.key == "users":
        context["account"] = org_service.describe_user(session=session, login=key, scope=user.scope)
        context["password_form"] = password or _empty("password")
        context["self"] = key == user.login
    return render(
        request,
        "org/edit.html",
        context,
        principal=user,
        status_code=status_code,
        active="admin",
    )


def _apply(
    session: Session,
    editor: Editor,
    user: Principal,
    key: str,
    data: dict[str, Any],
    state: forms.FormState,
    _: Gettext,
    schema: type[BaseModel] | None = None,
) -> BaseModel | None:
    """Validate ``data`` and save it; on a problem mark ``state``, undo the attempt, return None."""
    model = forms.validate(schema or editor.schema, data, state, _)
    if model is None or not state.ok:
        return None
    try:
        with attempt(session):
            return editor.save(session, user, key, model)
    except CcopsError as exc:
        forms.domain_problems(exc, state, _)
        return None


def _post(
    request: Request,
    editor: Editor,
    key: str,
    user: Principal,
    session: Session,
    form: forms.PostedForm,
) -> Response:
    editor.current(session, user, key)  # 404 before reading anything else
    action = str(form.get("action") or "save")
    _ = gettext_for(request, user)
    url = f"/admin/{editor.key}/{quote(key, safe='')}"
    if action == "save":
        plain = [f.name for f in editor.fields if f.kind != "multiselect"]
        values = forms.text_values(form, plain, editor.multiselect)
        state = forms.FormState(values=values)
        if editor.key == "queues":
            _check_goal(values["service_level_goal"], state, _)
        saved = _apply(session, editor, user, key, editor.build(values), state, _)
        if saved is None:
            return _page(request, editor, key, user, session, state=state, status_code=422)
        new_key = str(getattr(saved, "name", None) or getattr(saved, "login", key))
        return redirect(
            request,
            f"/admin/{editor.key}/{quote(new_key, safe='')}",
            flash=("success", _("The changes are saved.")),
        )
    if editor.key == "people" and action in ("leave", "undo_leave"):
        values = forms.text_values(form, ["termination_date", "termination_reason"])
        leaver = forms.FormState(values=values)
        data: dict[str, Any] = {"termination_date": None}
        if action == "leave":
            if not values["termination_date"]:
                leaver.add("termination_date", _("Required."))
            if not values["termination_reason"]:
                leaver.add("termination_reason", _("Required."))
            data = values
        if leaver.ok and _apply(session, editor, user, key, data, leaver, _) is not None:
            message = (
                _("The leaver is recorded; any sign-in of theirs is disabled.")
                if action == "leave"
                else _("The leaver record is undone.")
            )
            return redirect(request, url, flash=("success", message))
        return _page(request, editor, key, user, session, leaver=leaver, status_code=422)
    if editor.key == "users" and action in (
        "disable",
        "enable",
        "unlock",
        "password",
        "reset_second_factor",
    ):
        password = forms.FormState(values={"password": ""})
        general = forms.FormState(values={})
        target = password if action == "password" else general
        patches: dict[str, dict[str, Any]] = {
            "disable": {"disabled": True},
            "enable": {"disabled": False},
            "unlock": {"unlock": True},
            "password": {"password": str(form.get("password") or "")},
            "reset_second_factor": {"reset_second_factor": True},
        }
        patch = patches[action]
        if _apply(session, editor, user, key, patch, target, _) is not None:
            done = {
                "disable": _("The sign-in is disabled and its sessions ended."),
                "enable": _("The sign-in is enabled again."),
                "unlock": _("The lock-out is ended."),
                "password": _(
                    "The temporary password is set, the user's sessions ended and API tokens "
                    "revoked: give it to them in person."
                ),
                "reset_second_factor": _(
                    "The second factor is off: the user signs in with the password alone "
                    "until they set it up again."
                ),
            }[action]
            return redirect(request, url, flash=("success", done))
        state = forms.FormState(values=editor.current(session, user, key))
        state.general = general.general
        return _page(
            request, editor, key, user, session, state=state, password=password, status_code=422
        )
    raise Invalid(f"unknown action {action!r}", [Problem("unknown action", field="action")])


def _register(key: str) -> None:
    _read, write = permissions.ADMIN_PAGES[key]
    reader = Depends(require(*write))
    writer = Depends(require(*write, write=True))
    editor = EDITORS[key]

    def show(
        item: str, request: Request, session: SessionDep, user: Principal = reader
    ) -> HTMLResponse:
        return _page(request, editor, item, user, session)

    def save(
        item: str,
        request: Request,
        session: SessionDep,
        form: forms.PostedForm,
        user: Principal = writer,
    ) -> Response:
        return _post(request, editor, item, user, session, form)

    show.__doc__ = f"Show the edit form of one of the {key}."
    save.__doc__ = f"Save the edit form of one of the {key}, or run one of its actions."
    pages.add_api_route(
        f"/{key}/{{item}}", show, methods=["GET"], response_class=HTMLResponse, name=f"edit_{key}"
    )
    pages.add_api_route(
        f"/{key}/{{item}}",
        save,
        methods=["POST"],
        response_class=HTMLResponse,
        name=f"edit_{key}_save",
    )


for _key in EDITORS:
    _register(_key)

routers: tuple[APIRouter, ...] = (pages,)
