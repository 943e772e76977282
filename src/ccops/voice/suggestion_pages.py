"""The suggestion box on a page (/suggestions): submit (optionally anonymously), follow one's own
suggestions and their decisions, and, for those who assess them, decide with a reason.

The rules are the suggestion service's (``ccops.voice.suggestions``) and the roles the JSON API's
(``ccops.voice.routes``): everyone but executives submits, agents see their own, others the
suggestions of the sites in their scope, managers and admins decide.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt, utcnow
from ccops.enums import Role
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.ids import RowId
from ccops.voice import schemas as s
from ccops.voice import suggestions as suggestion_service
from ccops.voice import surveys as survey_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/suggestions", include_in_schema=False)

Reader = Annotated[Principal, Depends(require(*permissions.SUGGESTIONS_READ))]
Submitter = Annotated[Principal, Depends(require(*permissions.SUGGESTIONS_SUBMIT, write=True))]
Decider = Annotated[Principal, Depends(require(*permissions.SUGGESTIONS_DECIDE, write=True))]

STATUS_LABELS = {
    "submitted": N_("submitted"),
    "in_review": N_("in review"),
    "adopted": N_("adopted"),
    "declined": N_("declined"),
    "implemented": N_("implemented"),
}
DECISION_LABELS = {
    "in_review": N_("Take into review"),
    "adopted": N_("Adopt"),
    "declined": N_("Decline"),
    "implemented": N_("Mark implemented"),
}
SUBMIT_FIELDS = ("title", "text")
DECIDE_FIELDS = ("decision", "reason", "reward")


def _own_login(session: SessionDep, user: Principal) -> str | None:
    """The login of the signed-in user's person (an agent's suggestions are listed by it)."""
    if user.person_id is None:
        return None
    return survey_service.person_login(session=session, person_id=user.person_id)


def _listed(session: SessionDep, user: Principal, status: str | None) -> list[s.SuggestionOut]:
    """Agents: their own suggestions; others: those of the sites in scope (as the API)."""
    if user.role == Role.agent:
        login = _own_login(session, user)
        if login is None:
            return []
        return suggestion_service.list_suggestions(
            session=session, status=status, author_login=login
        )
    return suggestion_service.list_suggestions(session=session, scope=user.scope, status=status)


def page_response(
    request: Request,
    session: SessionDep,
    user: Principal,
    *,
    form: forms.FormState | None = None,
    decide_error: dict[str, Any] | None = None,
    receipt: s.SuggestionOut | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The suggestions page: the form, the counts per status, the list (filtered by status),
    a followed anonymous suggestion, and the decision forms for those who decide."""
    raw_status = request.query_params.get("status") or ""
    status = raw_status if raw_status in s.SUGGESTION_STATUSES else None
    everything = _listed(session, user, None)
    shown = [x for x in everything if status is None or x.status == status]
    followed = None
    follow_problem = None
    code = (request.query_params.get("receipt") or "").strip()
    if code:
        try:
            followed = suggestion_service.follow(session=session, receipt=code[:64])
        except NotFound as exc:
            follow_problem = exc.message
    can_decide = user.role in permissions.SUGGESTIONS_DECIDE
    return render(
        request,
        "voice/suggestions.html",
        {
            "form": form or forms.FormState(values={"title": "", "text": "", "anonymous": False}),
            "can_submit": user.role in permissions.SUGGESTIONS_SUBMIT,
            "can_decide": can_decide,
            "mine": user.role == Role.agent,
            "items": shown,
            "counts": suggestion_service.status_counts(everything),
            "status": status,
            "statuses": s.SUGGESTION_STATUSES,
            "status_labels": STATUS_LABELS,
            "decision_labels": DECISION_LABELS,
            "next_of": {x.id: suggestion_service.next_statuses(x.status) for x in shown}
            if can_decide
            else {},
            "decide_error": decide_error,
            "receipt": receipt,
            "followed": followed,
            "follow_code": code,
            "follow_problem": follow_problem,
            "months": suggestion_service.monthly(session=session, scope=user.scope)
            if user.role in permissions.SUGGESTIONS_COUNTS
            else None,
        },
        principal=user,
        status_code=status_code,
        active="suggestions",
    )


@pages.get("", response_class=HTMLResponse)
def suggestions_page(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """Submit a suggestion, follow yours (or, assessing them, those in scope) and their
    decisions."""
    return page_response(request, session, user)


@pages.post("", response_model=None)
def submit_page(
    request: Request, user: Submitter, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Submit a suggestion; an anonymous one is answered with its receipt code, shown once."""
    _ = gettext_for(request, user)
    values: dict[str, Any] = forms.text_values(form, SUBMIT_FIELDS)
    anonymous = str(form.get("anonymous") or "") == "yes"
    state = forms.FormState(values={**values, "anonymous": anonymous})
    data = forms.validate(s.SuggestionIn, {**values, "anonymous": anonymous}, state, _)
    login = _own_login(session, user)
    if data is not None and login is None:
        state.add(None, _("This sign-in is not linked to a person of the centre."))
        data = None
    out = None
    if data is not None and login is not None:
        try:
            with attempt(session):
                out = suggestion_service.submit(
                    session=session, data=data, author_login=login, today=utcnow().date()
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    if out is None:
        return page_response(request, session, user, form=state, status_code=422)
    if out.anonymous:
        return page_response(request, session, user, receipt=out, status_code=201)
    return redirect(
        request,
        f"/suggestions#suggestion-{out.id}",
        flash=("success", _("Suggestion sent; you will see the decision and its reason here.")),
    )


@pages.post("/{suggestion_id:int}/decide", response_model=None)
def decide_page(
    request: Request,
    suggestion_id: RowId,
    user: Decider,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Decide on a suggestion in scope with a reason (and a reward when adopting it); a
    decision that cannot be made comes back with the problem beside the suggestion."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, DECIDE_FIELDS)
    state = forms.FormState(values=dict(values))
    data = forms.validate(s.DecisionIn, values, state, _)
    out = None
    if data is not None:
        try:
            with attempt(session):
                out = suggestion_service.decide(
                    session=session,
                    suggestion_id=suggestion_id,
                    data=data,
                    by=user.login,
                    today=utcnow().date(),
                    scope=user.scope,
                )
        except (NotFound, Forbidden):
            raise
        except CcopsError as exc:
            state.add(None, exc.message)
    if out is None:
        problem = next(iter(state.errors.items()), None)
        return page_response(
            request,
            session,
            user,
            decide_error={
                "id": suggestion_id,
                "field": problem[0] if problem else None,
                "message": "; ".join(state.general)
                if state.general
                else f"{problem[0]}: {problem[1]}"
                if problem
                else "",
                "values": values,
            },
            status_code=422,
        )
    label = _(STATUS_LABELS.get(out.status, out.status))
    return redirect(
        request,
        f"/suggestions#suggestion-{out.id}",
        flash=("success", _("Suggestion %(id)s: %(status)s.") % {"id": out.id, "status": label}),
    )


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
