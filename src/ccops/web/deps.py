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


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
