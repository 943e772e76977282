"""Request dependencies: the settings of the running app and one transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ccops.db import transaction
from ccops.runtime import session_factory
from ccops.settings import Settings


async def get_app_settings(request: Request) -> Settings:
    """Return the settings the app was created with (async: no worker thread for a lookup)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(settings: Annotated[Settings, Depends(get_app_settings)]) -> Iterator[Session]:
    """Own the request's transaction: commit when the route returns, roll back when it raises."""
    with transaction(session_factory(settings)) as session:
        yield session


# scope="function": the transaction commits when the route returns, before the response is sent,
# so a page opened right after a form's redirect sees what the form stored, and a failed commit
# is the request's error rather than a silent loss after a success was already sent
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
