"""New-hire training on pages under /training (API in ``routes``, ``/api/v1/training``).

The training page lists the modules with their current versions, your own checklist, and (team
leaders, QA analysts as trainers, managers) the new hires in scope with how many of their
modules are done, out of date or to do; a module's page shows every version and (authors)
publishes the next; a person's checklist shows each module that applies to them beside the
version they completed, and trainers mark the current version completed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt
from ccops.errors import CcopsError, Invalid, Problem
from ccops.ids import RowId
from ccops.knowledge import schemas, training
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/training", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.TRAINING_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.TRAINING_WRITE, write=True))]
Trainer = Annotated[Principal, Depends(require(*permissions.TRAINING_FOLLOW, write=True))]

MODULE_FIELDS = ("title", "owner", "queue", "description", "summary", "reference")
VERSION_FIELDS = ("summary", "reference", "version")
STATE_LABELS = {"done": N_("done"), "out of date": N_("out of date"), "to do": N_("to do")}
"""A checklist item's state as the pages show it."""


def _training(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    follows = user.role in permissions.TRAINING_FOLLOW
    return render(
        request,
        "knowledge/training.html",
        {
            "modules": training.list_modules(session=session),
            "mine": training.login_of(session, user.person_id),
            "hires": training.new_hires(session=session, scope=user.scope) if follows else None,
            "new_hire_days": training.NEW_HIRE_DAYS,
            "writes": user.role in permissions.TRAINING_WRITE,
            "state": state or forms.FormState(values=dict.fromkeys(MODULE_FIELDS, "")),
        },
        principal=user,
        status_code=status_code,
        active="changes",
    )


@pages.get("", response_class=HTMLResponse)
def training_page(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """The training modules, your checklist, and the new hires you follow."""
    return _training(request, user, session)


@pages.post("/modules", response_class=HTMLResponse)
def create_module(
    request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Write a module and publish its version 1."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, MODULE_FIELDS)
    state = forms.FormState(values=values)
    data = forms.validate(
        schemas.TrainingModuleIn, values | {"queue": values["queue"] or None}, state, _
    )
    if data is not None:
        try:
            with attempt(session):
                out = training.create_module(
                    session=session, data=data, by=user.login, scope=user.scope
                )
            return redirect(
                request, f"/training/modules/{out.id}", flash=("success", _("Module published."))
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _training(request, user, session, state, 422)


def _module(
    request: Request,
    user: Principal,
    session: SessionDep,
    module_id: int,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    module = training.get_module(session=session, module_id=module_id)
    return render(
        request,
        "knowledge/training_module.html",
        {
            "module": module,
            "writes": user.role in permissions.TRAINING_WRITE,
            "state": state
            or forms.FormState(
                values={"summary": "", "reference": "", "version": str(module.current_version + 1)}
            ),
        },
        principal=user,
        status_code=status_code,
        active="changes",
    )


@pages.get("/modules/{module_id}", response_class=HTMLResponse)
def module_page(
    module_id: RowId, request: Request, user: Reader, session: SessionDep
) -> HTMLResponse:
    """A module with every version (the last is current)."""
    return _module(request, user, session, module_id)


@pages.post("/modules/{module_id}/versions", response_class=HTMLResponse)
def add_version(
    module_id: RowId, request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Publish the next version of a module."""
    _ = gettext_for(request, user)
    training.get_module(session=session, module_id=module_id)
    values = forms.text_values(form, VERSION_FIELDS)
    state = forms.FormState(values=values)
    data = forms.validate(
        schemas.TrainingVersionIn, values | {"version": values["version"] or None}, state, _
    )
    if data is not None:
        try:
            with attempt(session):
                out = training.add_version(
                    session=session, module_id=module_id, data=data, by=user.login
                )
            return redirect(
                request,
                f"/training/modules/{module_id}",
                flash=("success", _("Version %(n)s published.") % {"n": out.current_version}),
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _module(request, user, session, module_id, state, 422)


@pages.get("/checklists/{login}", response_class=HTMLResponse)
def checklist_page(login: str, request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """A person's checklist (agents: their own; others: people in scope)."""
    out = training.checklist(session=session, login=login, scope=user.scope)
    return render(
        request,
        "knowledge/checklist.html",
        {
            "checklist": out,
            "states": STATE_LABELS,
            "trains": user.role in permissions.TRAINING_FOLLOW,
        },
        principal=user,
        active="changes",
    )


@pages.post("/checklists/{login}/complete", response_class=HTMLResponse)
def complete(
    login: str, request: Request, user: Trainer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Mark the current version of a module completed by the person."""
    _ = gettext_for(request, user)
    training.checklist(session=session, login=login, scope=user.scope)
    raw = form.get("module_id")
    if not (isinstance(raw, str) and raw.strip().isdigit()):
        raise Invalid("choose a module", [Problem("required", field="module_id")])
    with attempt(session):
        training.complete(
            session=session,
            login=login,
            data=schemas.CompletionIn(module_id=int(raw.strip())),
            by=user.login,
            scope=user.scope,
        )
    return redirect(
        request, f"/training/checklists/{login}", flash=("success", _("Marked completed."))
    )


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
