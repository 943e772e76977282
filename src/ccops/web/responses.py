"""JSON answers of rows the services already typed, serialised once by pydantic-core.

FastAPI validates a route's return value against its ``response_model`` again and then encodes
it: for a long list (a day's KPI intervals, the people of a centre) that is three times the work
for the same bytes. Routes that return `typed_json` keep ``response_model`` for the schema.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import TypeAdapter


def typed_json(adapter: TypeAdapter[Any], value: Any) -> Response:
    """Answer ``value`` (already of the adapter's type) as JSON."""
    return Response(adapter.dump_json(value), media_type="application/json")
