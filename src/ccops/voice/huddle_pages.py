"""Recording a huddle on a page (/huddles/record), a recorded huddle's page with its actions
(/huddles/{id}), and marking one's action done (from that page or one's home page).

The rules are the huddle service's (``ccops.voice.huddles``: the team in scope, attendees and
action owners of the team, not in the future) and the roles the JSON API's: team leaders,
managers and admins record; those who read huddles see one; the owner marks an action done.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt, utcnow
from ccops.enums import Role
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.org import service as org_service
from ccops.voice import huddles as huddle_service
from ccops.voice import schemas as s
from ccops.voice import surveys as survey_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/huddles", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.HUDDLES_READ))]
Recorder = Annotated[Principal, Depends(require(*permissions.HUDDLES_WRITE))]
RecordWriter = Annotated[Principal, Depends(require(*permissions.HUDDLES_WRITE, write=True))]
ActionWriter = Annotated[Principal, Depends(require(*permissions.HUDDLE_ACTIONS, write=True))]

KIND_LABELS = {
    "huddle": N_("daily huddle"),
    "meeting": N_("weekly meeting"),
    "floor_check": N_("floor check"),
}
ACTION_ROWS = 3
"""Empty action rows offered by the form (a row left blank is no action)."""
FIELDS = ("team", "kind", "held_on", "held_at", "notes")


def _blank(team: str, today: date) -> forms.FormState:
    values: dict[str, Any] = {
        "team": team,
        "kind": "huddle",
        "held_on": today.isoformat(),
        "held_at": "",
        "notes": "",
        "attendees": [],
    }
    for i in range(ACTION_ROWS):
        values |= {f"action_{i}_text": "", f"action_{i}_owner": "", f"action_{i}_due": ""}
    return forms.FormState(values=values)


def record_response(
    request: Request,
    session: SessionDep,
    user: Principal,
    team: str,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form to record a huddle of ``team`` (one of the teams in scope)."""
    teams = org_service.list_teams(session=session, scope=user.scope)
    names = [t.name for t in teams]
    chosen = team if team in names else (names[0] if names else "")
    people = (
        huddle_service.team_people(session=session, team=chosen, scope=user.scope) if chosen else []
    )
    today = (
        huddle_service.team_today(session=session, team=chosen, now=utcnow(), scope=user.scope)
        if chosen
        else utcnow().date()
    )
    state = state or _blank(chosen, today)
    state.values["team"] = chosen
    _ = gettext_for(request, user)
    planned = (
        huddle_service.agenda_schedule(session=session, team=chosen, day=today, scope=user.scope)
        if chosen
        else []
    )
    time_hint = _("Local time at the team's site. Left empty: the time of the scheduled one")
    if planned:
        time_hint += (
            " (" + ", ".join(f"{g.name} {g.starts.strftime('%H:%M')}" for g in planned) + ")"
        )
    time_hint += "."
    return render(
        request,
        "voice/record.html",
        {
            "teams": names,
            "chosen": chosen,
            "people": people,
            "form": state,
            "kinds_options": [(k, _(v)) for k, v in KIND_LABELS.items()],
            "owner_options": [("", "—")] + [(login, f"{name} ({login})") for login, name in people],
            "rows": range(ACTION_ROWS),
            "today": today.isoformat(),
            "time_hint": time_hint,
        },
        principal=user,
        status_code=status_code,
        active="huddles",
    )


@pages.get("/record", response_class=HTMLResponse)
def record_page(request: Request, user: Recorder, session: SessionDep) -> HTMLResponse:
    """The form to record a huddle: team, day, attendees, notes, actions with owner and day."""
    return record_response(request, session, user, request.query_params.get("team") or "")


ACTION_FIELDS = {"text": "text", "owner": "owner", "due_on": "due"}
"""The fields of an action (schema name -> the suffix of its form field)."""


def _actions(state: forms.FormState, _: forms.Gettext) -> list[s.ActionIn] | None:
    """The action rows filled in, each checked on its own so a problem is marked on its row's
    field (a row left blank is no action); None when a row has a problem."""
    out: list[s.ActionIn] = []
    ok = True
    for i in range(ACTION_ROWS):
        raw = {k: str(state.values[f"action_{i}_{f}"]) for k, f in ACTION_FIELDS.items()}
        if not (raw["text"] or raw["due_on"]):
            continue
        row = forms.FormState(values=dict(raw))
        action = forms.validate(s.ActionIn, {**raw, "due_on": raw["due_on"] or None}, row, _)
        for k, message in row.errors.items():
            state.add(f"action_{i}_{ACTION_FIELDS[k]}", message)
        for message in row.general:
            state.add(None, message)
        if action is None:
            ok = False
        else:
            out.append(action)
    return out if ok else None


@pages.post("/record", response_model=None)
def record(
    request: Request, user: RecordWriter, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Record the huddle; a form with problems comes back marked, nothing stored."""
    _ = gettext_for(request, user)
    names = list(FIELDS) + [
        f"action_{i}_{f}" for i in range(ACTION_ROWS) for f in ACTION_FIELDS.values()
    ]
    values: dict[str, Any] = forms.text_values(form, names, lists=("attendees",))
    state = forms.FormState(values=values)
    raw = {
        "team": values["team"],
        "kind": values["kind"] or "huddle",
        "held_on": values["held_on"] or None,
        "held_at": values["held_at"] or None,
        "notes": values["notes"],
        "attendees": values["attendees"],
    }
    data = forms.validate(s.HuddleIn, raw, state, _)
    actions = _actions(state, _)
    out = None
    if data is not None and actions is not None:
        try:
            with attempt(session):
                today = huddle_service.team_today(
                    session=session, team=data.team, now=utcnow(), scope=user.scope
                )
                out = huddle_service.record(
                    session=session,
                    data=data.model_copy(update={"actions": actions}),
                    by=user.login,
                    today=today,
                    scope=user.scope,
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
            if "team" in state.errors:  # a team outside scope is not one to create
                state.errors["team"] = exc.message
    if out is None:
        return record_response(request, session, user, values["team"], state, status_code=422)
    return redirect(
        request,
        f"/huddles/{out.id}",
        flash=("success", _("Huddle recorded. Actions: %(n)s.") % {"n": len(out.actions)}),
    )


@pages.get("/{huddle_id:int}", response_class=HTMLResponse)
def huddle_page(
    request: Request, huddle_id: RowId, user: Reader, session: SessionDep
) -> HTMLResponse:
    """A recorded huddle (of a team in scope): attendance, notes, actions; the owner of an open
    action marks it done here."""
    out = huddle_service.get(
        session=session, huddle_id=huddle_id, today=utcnow().date(), scope=user.scope
    )
    me = (
        survey_service.person_login(session=session, person_id=user.person_id)
        if user.person_id is not None
        else None
    )
    return render(
        request,
        "voice/huddle.html",
        {"h": out, "me": me, "kind_labels": KIND_LABELS},
        principal=user,
        active="huddles",
    )


@pages.post("/actions/{action_id:int}/done", response_model=None)
def done(request: Request, action_id: RowId, user: ActionWriter, session: SessionDep) -> Response:
    """Mark an action done (its owner; as the API, a leader of its team too) and go back to the
    huddle's page, or home for those who do not read huddles."""
    _ = gettext_for(request, user)
    try:
        with attempt(session):
            out = huddle_service.complete(
                session=session,
                action_id=action_id,
                by_person_id=user.person_id,
                by=user.login,
                today=utcnow().date(),
                scope=None if user.role == Role.agent else user.scope,
            )
    except (NotFound, Forbidden):
        raise
    except CcopsError as exc:
        back = _back(user, None)
        return redirect(request, back, flash=("error", exc.message))
    return redirect(
        request,
        _back(user, out),
        flash=("success", _("Action done: %(text)s") % {"text": out.text}),
    )


def _back(user: Principal, out: s.ActionOut | None) -> str:
    if user.role in permissions.HUDDLES_READ and out is not None:
        return f"/huddles/{out.huddle_id}#action-{out.id}"
    return "/#my-actions"


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
