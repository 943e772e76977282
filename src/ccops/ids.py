"""The row id a client may send (path parameters and schemas), apart from the database module so
that schemas and the CLI can use it without importing SQLAlchemy."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A row id as sent by a client: positive and within the primary keys' INTEGER column (32 bits on
# PostgreSQL, 64 on SQLite); a larger value overflowed the driver: a 500 instead of a 422.
ROW_ID_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
