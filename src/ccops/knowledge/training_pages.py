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
from ccops.errors import CcopsError, NotFound
from ccops.ids import RowId
from ccops.knowledge import schemas, training
from ccops.org import service as org_service
from ccops.org.scoped import queue_choices
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
    _ = gettext_for(request, user)
    return render(
        request,
        "knowledge/training.html",
        {
            "modules": training.list_modules(session=session),
            "zones": org_service.queue_time_zones(session=session),
            "queue_options": [
                ("", _("Every agent")),
                *queue_choices(session, user.scope),
            ],
            "mine": training.login_of(session, user.person_id),
            "hires": training.new_hires(session=session, scope=user.scope) if follows else None,
            "new_hire_days": training.NEW_HIRE_DAYS,
            "writes": user.role in permissions.TRAINING_WRITE,
            "state": state or forms.FormState(values=dict.fromkeys(MODULE_FIELDS, "")),
        },
        principal=user,
        status_code=status_code,
        active="training",
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
            "zone": org_service.queue_time_zones(session=session).get(module.queue or ""),
            "writes": user.role in permissions.TRAINING_WRITE,
            "state": state
            or forms.FormState(
                values={"summary": "", "reference": "", "version": str(module.current_version + 1)}
            ),
        },
        principal=user,
        status_code=status_code,
        active="training",
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
                flash=(
                    "success",
                    _("Version %(n)s published; %(k)s people notified.")
                    % {"n": out.current_version, "k": out.notified or 0},
                ),
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _module(request, user, session, module_id, state, 422)


def _number(raw: object) -> int | None:
    """A posted whole number of at least 1, or None."""
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isdigit() and int(text) >= 1 else None


def _checklist_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    login: str,
    refusal: tuple[int | None, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    out = training.checklist(session=session, login=login, scope=user.scope)
    return render(
        request,
        "knowledge/checklist.html",
        {
            "checklist": out,
            "states": STATE_LABELS,
            "trains": user.role in permissions.TRAINING_FOLLOW,
            "refused_module": refusal[0] if refusal else None,
            "refusal": refusal[1] if refusal else None,
            "on_list": {i.module_id for i in out.items},
        },
        principal=user,
        status_code=status_code,
        active="training",
    )


@pages.get("/checklists/{login}", response_class=HTMLResponse)
def checklist_page(login: str, request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """A person's checklist (agents: their own; others: people in scope)."""
    return _checklist_page(request, user, session, login)


def _refusal(
    exc: CcopsError,
    session: SessionDep,
    module_id: int,
    version: int | None,
    name: str,
    _: forms.Gettext,
) -> str:
    """Why marking a module completed was refused, in the reader's language."""
    problem = exc.problems[0].message if exc.problems else ""
    field = exc.problems[0].field if exc.problems else None
    try:
        module = training.get_module(session=session, module_id=module_id)
    except NotFound:
        return _("Training module %(id)s does not exist. Nothing was recorded.") % {"id": module_id}
    nothing = _("Nothing was recorded.")
    if field == "version" and problem.startswith("must be"):
        text = _(
            "Version %(old)s of “%(title)s” is out of date: the current version is %(n)s. "
            "Mark version %(n)s once they have completed it."
        )
        return f"{text} {nothing}" % {
            "old": version,
            "title": module.title,
            "n": module.current_version,
        }
    if field == "version":
        text = _("“%(title)s” has no version %(old)s.")
        return f"{text} {nothing}" % {"old": version, "title": module.title}
    if problem == "does not apply":
        text = _(
            "“%(title)s” is not on the checklist of %(name)s: it trains a queue they are not "
            "skilled for."
        )
        return f"{text} {nothing}" % {"title": module.title, "name": name}
    return f"{exc.message}. {nothing}"


@pages.post("/checklists/{login}/complete", response_class=HTMLResponse)
def complete(
    login: str, request: Request, user: Trainer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Mark the version of a module shown (its current one) completed by the person; a refusal
    is shown beside the item, or above the list, and nothing is recorded."""
    _ = gettext_for(request, user)
    person = training.checklist(session=session, login=login, scope=user.scope)
    module_id, version = _number(form.get("module_id")), _number(form.get("version"))
    if module_id is None:
        message = _("Choose a module to mark completed. Nothing was recorded.")
        return _checklist_page(request, user, session, login, (None, message), 422)
    try:
        with attempt(session):
            training.complete(
                session=session,
                login=login,
                data=schemas.CompletionIn(module_id=module_id, version=version),
                by=user.login,
                scope=user.scope,
            )
    except CcopsError as exc:
        message = _refusal(exc, session, module_id, version, person.name, _)
        return _checklist_page(request, user, session, login, (module_id, message), exc.status_code)
    return redirect(
        request, f"/training/checklists/{login}", flash=("success", _("Marked completed."))
    )


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
