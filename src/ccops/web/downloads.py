"""Table pages as downloads: ``?format=csv`` or ``?format=xlsx`` on the page's own address.

A page that shows a table answers the same request (same permission, same scope, same
filters) with the table as a file when asked for a format; the links under the table
(``web/downloads.html``) add the format to the page's current query.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response

from ccops.errors import Invalid, Problem
from ccops.exports import (
    CSV_MEDIA_TYPE,
    FORMATS,
    XLSX_MEDIA_TYPE,
    TableExport,
    safe_file_stem,
    table_bytes,
)

FormatQ = Annotated[
    str,
    Query(alias="format", description="csv or xlsx: the page's table as a file", max_length=20),
]
"""The ``format`` query parameter of a table page (empty: the page itself)."""


def wanted_format(value: str) -> str | None:
    """``csv`` or ``xlsx`` when a file is asked for, None for the page (empty or ``html``).

    Raises:
        Invalid: any other format (422), saying which ones exist.
    """
    chosen = value.strip().lower()
    if chosen in ("", "html"):
        return None
    if chosen not in FORMATS:
        raise Invalid(
            f"Unknown download format {value[:20]!r}: choose csv or xlsx.",
            [Problem("choose csv or xlsx", field="format")],
        )
    return chosen


def content_disposition(stem: str, file_format: str) -> str:
    """An ``attachment`` header: an ASCII name for old clients, the UTF-8 one for the rest."""
    kept = safe_file_stem(stem)
    ascii_name = re.sub(r"[^A-Za-z0-9.-]+", "_", kept).strip("_") or "table"
    return (
        f'attachment; filename="{ascii_name}.{file_format}"; '
        f"filename*=UTF-8''{quote(kept, safe='')}.{file_format}"
    )


def download(table: TableExport, file_format: str, now: datetime | None = None) -> Response:
    """The table as a ``csv`` or ``xlsx`` file download, named after the table and the day."""
    stamp = f"{(now or datetime.now(UTC)):%Y%m%d}"
    stem = f"{table.file_stem or table.title} {stamp}"
    media_type = XLSX_MEDIA_TYPE if file_format == "xlsx" else CSV_MEDIA_TYPE
    return Response(
        table_bytes(table, file_format),
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(stem, file_format),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
