"""Genesys Cloud conversation details pushed to the intake (``POST /api/v1/events/
genesys-cloud``): each conversation becomes one contact event per queue it was offered to, read
as the file import reads it (``ccops.contacts.importers.genesys_cloud``), with the id
``gc:ContactId:conversationEnd`` so a conversation delivered again is a duplicate. A conversation
that cannot be read, never reached a queue or is still going gets its own result; the others
go on."""

from __future__ import annotations

from typing import Any

from ccops.contacts.importers.amazon_connect import BadRecord, Unreadable
from ccops.contacts.importers.base import Tally
from ccops.contacts.importers.genesys_cloud import contacts_from_conversation, conversations
from ccops.errors import Invalid, Problem
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.intake.follow import row_event


def conversation_events(
    body: str,
) -> tuple[list[tuple[int, dict[str, Any]]], list[schemas.EventResultOut]]:
    """(conversation number, event) of each queue offer, and the results of the others."""
    tally = Tally("genesys-cloud")
    events: list[tuple[int, dict[str, Any]]] = []
    results: list[schemas.EventResultOut] = []
    try:
        parsed = list(conversations(body))
    except Unreadable as exc:
        raise Invalid(
            f"the body is not JSON from line {exc.line}: {exc.message}",
            [Problem("malformed JSON", field="body", row=exc.line)],
        ) from None
    for number, (_, record) in enumerate(parsed, start=1):
        key = record.get("conversationId") if isinstance(record, dict) else None
        name = key if isinstance(key, str) else None
        try:
            rows = contacts_from_conversation(record, number, tally)
        except BadRecord as bad:
            results.append(
                schemas.EventResultOut(
                    line=number, id=name, status="rejected", detail=bad.message, field=bad.field
                )
            )
            continue
        if not rows:
            why = "still going (no conversationEnd)" if tally.skipped["in_progress"] else ""
            tally.skipped.clear()
            results.append(
                schemas.EventResultOut(
                    line=number,
                    id=name,
                    status="accepted",
                    detail=f"skipped: {why or 'it never reached a queue (no acd participant)'}",
                )
            )
            continue
        end = record.get("conversationEnd") if isinstance(record, dict) else None
        for row in rows:
            event = row_event(row, "gc")
            event["id"] = f"gc:{row.external_id}:{end}"
            events.append((number, event))
    return events, results
