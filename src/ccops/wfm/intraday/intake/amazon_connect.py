"""Amazon Connect contact records pushed to the intake (``POST /api/v1/events/amazon-connect``):
each record becomes a contact event read as the file import reads it
(``ccops.contacts.importers.amazon_connect``), with the id ``ctr:ContactId:LastUpdateTimestamp``
so a record delivered again is a duplicate and a later copy updates the contact. A record that
cannot be read, or that never reached a queue, gets its own result; the others go on."""

from __future__ import annotations

from typing import Any

from ccops.contacts.importers.amazon_connect import (
    BadRecord,
    Unreadable,
    contact_from_record,
    records,
)
from ccops.contacts.importers.base import Tally
from ccops.errors import Invalid, Problem
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.intake.follow import row_event


def record_events(
    body: str,
) -> tuple[list[tuple[int, dict[str, Any]]], list[schemas.EventResultOut]]:
    """(record number, event) of each usable record, and the results of the others."""
    tally = Tally("amazon-connect")
    events: list[tuple[int, dict[str, Any]]] = []
    results: list[schemas.EventResultOut] = []
    try:
        parsed = list(records(body))
    except Unreadable as exc:
        raise Invalid(
            f"the body is not JSON from line {exc.line}: {exc.message}",
            [Problem("malformed JSON", field="body", row=exc.line)],
        ) from None
    for number, (_, record) in enumerate(parsed, start=1):
        contact_id = record.get("ContactId") if isinstance(record, dict) else None
        try:
            row = contact_from_record(record, number, tally)
        except BadRecord as bad:
            results.append(
                schemas.EventResultOut(
                    line=number,
                    id=contact_id if isinstance(contact_id, str) else None,
                    status="rejected",
                    detail=bad.message,
                    field=bad.field,
                )
            )
            continue
        if row is None:
            results.append(
                schemas.EventResultOut(
                    line=number,
                    id=str(contact_id),
                    status="accepted",
                    detail="skipped: it never reached a queue (no Queue)",
                )
            )
            continue
        event = row_event(row, "ctr")
        stamp = record.get("LastUpdateTimestamp") if isinstance(record, dict) else None
        event["id"] = f"ctr:{row.external_id}:{stamp or event['id'].rsplit(':', 1)[1]}"
        if isinstance(stamp, str) and stamp:
            # an older copy delivered after a newer one is answered stale, never applied
            event["event_at"] = stamp
        events.append((number, event))
    return events, results


def merge(
    numbers: list[int], out: schemas.IntakeOut, results: list[schemas.EventResultOut]
) -> schemas.IntakeOut:
    """The intake's answer with its lines as record numbers, and the records it never saw."""
    moved = [r.model_copy(update={"line": numbers[r.line - 1]}) for r in out.results]
    every = sorted(moved + results, key=lambda r: r.line)
    return out.model_copy(
        update={
            "received": len(every),
            "accepted": sum(r.status == "accepted" for r in every),
            "rejected": sum(r.status == "rejected" for r in every),
            "results": every,
        }
    )
