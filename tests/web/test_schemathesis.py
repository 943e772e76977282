"""schemathesis against the app's OpenAPI schema, in-process, as an administrator: no 5xx.

Every operation of ``/openapi.json`` is driven through the ASGI transport (no network) with a
bearer token, on a private copy of the two-site organisation of ``tests/factories/web.py``. Each
response must not be a server error and must conform to the response schema documented for it.
Examples are capped and derandomized so the file is quick and repeatable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ccops.enums import Role
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories.web import World

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Scope]]
Send = Callable[[Scope], Awaitable[None]]


class CurrentApp:
    """An ASGI app that forwards to the current test's app (each test has its own database).

    schemathesis parametrizes at import time from a schema; the app that answers is set per test
    (``schemathesis.pytest.from_fixture`` does not work with this pytest).
    """

    def __init__(self) -> None:
        self.app: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no app for this test"
        await self.app(scope, receive, send)


# The schema does not depend on the database: build it from an app that is never called.
_SCHEMA_APP = create_app(
    Settings(database_url="sqlite://", data_dir=Path("/nonexistent"), secret_key="k")
)
CURRENT = CurrentApp()
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())
schema.app = CURRENT
schema.location = "/openapi.json"

# No operation is excluded: erase and forecast builds run against a private copy of a small
# organisation, where they are quick and harmless.


@pytest.fixture
def admin_headers(world: World) -> dict[str, str]:
    """Point the schema at this test's app; return the administrator's bearer token."""
    CURRENT.app = create_app(world.settings)
    return {"Authorization": f"Bearer {world.tokens[Role.admin]}"}


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    # One database per operation, shared by its examples on purpose (state builds up as in use).
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_answers_without_server_errors(
    case: schemathesis.Case, admin_headers: dict[str, str]
) -> None:
    """No operation answers 5xx, and every response matches its documented schema."""
    response = case.call(headers=admin_headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
