"""Notifications: JSON API (own notifications, mark read) and the /notifications page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt
from ccops.errors import CcopsError
from ccops.ids import RowId
from ccops.notifications import email, schemas, service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, redirect, render

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
pages = APIRouter(prefix="/notifications", include_in_schema=False)
Anyone = Annotated[Principal, Depends(require(*permissions.SIGNED_IN))]


@router.get("", response_model=list[schemas.NotificationOut])
def list_own(
    session: SessionDep, user: Anyone, unread: bool = False
) -> list[schemas.NotificationOut]:
    """List your own notifications, newest first."""
    return service.list_own(session=session, user_id=user.user_id, unread_only=unread)


@router.post("/{notification_id}/read", response_model=schemas.NotificationOut)
def mark_read(notification_id: RowId, session: SessionDep, user: Anyone) -> schemas.NotificationOut:
    """Mark one of your notifications read."""
    return service.mark_read(session=session, user_id=user.user_id, notification_id=notification_id)


@router.get("/email", response_model=schemas.EmailPreferenceOut)
def get_email(session: SessionDep, user: Anyone) -> schemas.EmailPreferenceOut:
    """Your email settings."""
    return schemas.EmailPreferenceOut.model_validate(
        email.get_preference(session=session, user_id=user.user_id)
    )


@router.put("/email", response_model=schemas.EmailPreferenceOut)
def put_email(
    body: schemas.EmailPreferenceIn, session: SessionDep, user: Anyone
) -> schemas.EmailPreferenceOut:
    """Set your email settings (an empty address turns email off)."""
    return schemas.EmailPreferenceOut.model_validate(
        email.set_preference(
            session=session,
            user_id=user.user_id,
            address=body.address,
            kinds=body.kinds,
            digest=body.digest,
        )
    )


@pages.get("", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, user: Anyone) -> HTMLResponse:
    """Show your notifications, unread first marked."""
    return _page(request, session, user, None, 200)


def _page(
    request: Request,
    session: SessionDep,
    user: Principal,
    state: forms.FormState | None,
    status: int,
) -> HTMLResponse:
    rows = service.list_own(session=session, user_id=user.user_id)
    pref = email.get_preference(session=session, user_id=user.user_id)
    if state is None:
        kinds = pref["kinds"]
        state = forms.FormState(
            values={
                "address": pref["address"],
                "kinds": ", ".join(kinds) if isinstance(kinds, list) else "",
                "digest": pref["digest"],
            }
        )
    return render(
        request,
        "notifications/list.html",
        {"rows": rows, "state": state},
        principal=user,
        active="notifications",
        status_code=status,
    )


@pages.post("/email", response_class=HTMLResponse)
def set_email_page(
    request: Request, session: SessionDep, user: Anyone, form: forms.PostedForm
) -> Response:
    """Save your email settings from the notifications page."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("address", "kinds"))
    digest = form.get("digest") == "on"
    state = forms.FormState(values={**values, "digest": digest})
    try:
        with attempt(session):
            email.set_preference(
                session=session,
                user_id=user.user_id,
                address=values["address"],
                kinds=values["kinds"].split(","),
                digest=digest,
            )
        return redirect(request, "/notifications", flash=("success", _("Saved.")))
    except CcopsError as exc:
        forms.domain_problems(exc, state, _)
    return _page(request, session, user, state, 422)


@pages.post("/{notification_id}/read", response_class=HTMLResponse)
def mark_read_page(
    request: Request, notification_id: RowId, session: SessionDep, user: Anyone
) -> Response:
    """Mark a notification read and go back to the list."""
    service.mark_read(session=session, user_id=user.user_id, notification_id=notification_id)
    return redirect(request, "/notifications")


routers: tuple[APIRouter, ...] = (router, pages)
