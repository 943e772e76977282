"""Amazon Connect contact records (CTRs) as the contact-record stream delivers them (Kinesis Data
Streams or Firehose to S3): JSON objects one after another (with or without newlines between
them), JSON lines, or one JSON array of records.

Mapping (the fields of the contact-record data model ccops reads; the rest is ignored, so new
fields never break an import):

* ``ContactId`` is the external id. A contact record may be delivered more than once: within a
  file the copy with the latest ``LastUpdateTimestamp`` wins (the others are counted under
  notes ``ctr_superseded``); a later copy in another file is a changed record (``--update``).
* A record with no ``Queue`` never reached a queue (outbound, flow only): skipped
  ``not_queued``. Otherwise it is one contact offered to ``Queue.Name`` arriving at
  ``Queue.EnqueueTimestamp``.
* ``Agent.ConnectedToAgentTimestamp`` present: answered then (wait = answer − enqueue); talk
  ``Agent.AgentInteractionDuration``, hold ``Agent.CustomerHoldDuration``, wrap
  ``Agent.AfterContactWorkDuration``; ended at ``DisconnectTimestamp``; the agent is
  ``Agent.Username``. With ``InitiationMethod`` TRANSFER or QUEUE_TRANSFER it is the transferred
  part of a contact and still one offered contact of its queue.
* No agent: abandoned at ``Queue.DequeueTimestamp`` (else ``DisconnectTimestamp``), wait =
  ``Queue.Duration`` (else dequeue − enqueue).
* ``CustomerEndpoint.Address`` (a phone number) is the customer key (stored only as a keyed hash).
* Context: ``Recording.Location`` (else the first of ``Recordings``) is the recording reference;
  ``TransferCompletedTimestamp`` or ``TransferredToEndpoint`` marks the contact transferred.
  Contact attributes are the centre's own, so no reason code or topic is read from them.

Each bad record is named by its number in the file, the line it starts on and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ccops.contacts.importers.base import (
    ContactContext,
    ContactRow,
    RejectedRow,
    Tally,
    normalise_customer_key,
)
from ccops.enums import Outcome


class BadRecord(Exception):
    """A contact record that cannot be read: the field and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def records(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, decoded value) of each top-level JSON value; an array yields its items."""
    decoder = json.JSONDecoder()
    at = 0
    size = len(text)
    while True:
        while at < size and text[at] in " \t\r\n,":
            at += 1
        if at >= size:
            return
        line = text.count("\n", 0, at) + 1
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise Unreadable(text.count("\n", 0, exc.pos) + 1, exc.msg) from exc
        if isinstance(value, list):
            for item in value:
                yield line, item
        else:
            yield line, value
        at = end


class Unreadable(Exception):
    """The text is not JSON from ``line`` on."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _time(record: dict[str, Any], where: str, name: str) -> datetime | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{where}{name}", f"{value!r} is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(f"{where}{name}", f"{value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise BadRecord(f"{where}{name}", f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _seconds(record: dict[str, Any], where: str, name: str) -> float | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BadRecord(f"{where}{name}", f"{value!r} is not a duration in seconds")
    return float(value)


def _section(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRecord(name, f"{name} is not an object")
    return value


def contact_from_record(record: Any, number: int, tally: Tally) -> ContactRow | None:
    """The contact of one record (None: not queued, counted in ``tally``); BadRecord if bad."""
    if not isinstance(record, dict):
        raise BadRecord("record", "a contact record is a JSON object")
    contact_id = record.get("ContactId")
    if not isinstance(contact_id, str) or not contact_id.strip():
        raise BadRecord("ContactId", "missing ContactId")
    queue = _section(record, "Queue")
    if queue is None:
        tally.skipped["not_queued"] += 1
        return None
    name = queue.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise BadRecord("Queue.Name", "missing queue name")
    enqueued = _time(queue, "Queue.", "EnqueueTimestamp")
    if enqueued is None:
        raise BadRecord("Queue.EnqueueTimestamp", "missing enqueue time")
    dequeued = _time(queue, "Queue.", "DequeueTimestamp")
    disconnected = _time(record, "", "DisconnectTimestamp")
    endpoint = _section(record, "CustomerEndpoint") or {}
    address = endpoint.get("Address")
    customer = normalise_customer_key(address) if isinstance(address, str) else None
    agent = _section(record, "Agent")
    answered = _time(agent, "Agent.", "ConnectedToAgentTimestamp") if agent else None
    if agent is not None and answered is not None:
        if answered < enqueued:
            raise BadRecord(
                "Agent.ConnectedToAgentTimestamp",
                f"answered {(enqueued - answered).total_seconds():g} s before it was queued",
            )
        username = agent.get("Username")
        talk = _seconds(agent, "Agent.", "AgentInteractionDuration")
        hold = _seconds(agent, "Agent.", "CustomerHoldDuration") or 0.0
        wrap = _seconds(agent, "Agent.", "AfterContactWorkDuration") or 0.0
        if talk is None:
            if disconnected is None:
                raise BadRecord(
                    "Agent.AgentInteractionDuration", "no talk time and no disconnect time"
                )
            talk = max(0.0, (disconnected - answered).total_seconds() - hold)
        return ContactRow(
            line=number,
            external_id=contact_id.strip(),
            queue=name.strip(),
            arrival_at=enqueued,
            outcome=Outcome.answered,
            answered_at=answered,
            ended_at=disconnected,
            wait_s=(answered - enqueued).total_seconds(),
            talk_s=talk,
            hold_s=hold,
            wrap_s=wrap,
            agent=username.strip() if isinstance(username, str) and username.strip() else None,
            customer_key=customer,
            context=_context(record),
            raw=json.dumps(record, sort_keys=True)[:2000],
        )
    ended = dequeued or disconnected
    wait = _seconds(queue, "Queue.", "Duration")
    if wait is None:
        if ended is None:
            raise BadRecord(
                "Queue.DequeueTimestamp", "no dequeue, disconnect time or queue duration"
            )
        wait = max(0.0, (ended - enqueued).total_seconds())
    return ContactRow(
        line=number,
        external_id=contact_id.strip(),
        queue=name.strip(),
        arrival_at=enqueued,
        outcome=Outcome.abandoned,
        ended_at=ended,
        wait_s=wait,
        customer_key=customer,
        raw=json.dumps(record, sort_keys=True)[:2000],
    )


def _context(record: dict[str, Any]) -> ContactContext:
    """The recording reference and the transfer flag of an answered contact's record."""
    recording = _section(record, "Recording")
    if recording is None:
        many = record.get("Recordings")
        first = many[0] if isinstance(many, list) and many else None
        recording = first if isinstance(first, dict) else None
    location = recording.get("Location") if recording else None
    ref = location.strip()[:500] if isinstance(location, str) and location.strip() else None
    transferred = bool(
        record.get("TransferCompletedTimestamp") or record.get("TransferredToEndpoint")
    )
    return ContactContext(recording_ref=ref, transferred=True if transferred else None)


def latest_copies(
    items: Iterator[tuple[int, Any]], tally: Tally, *, key: str, stamp: str, note: str
) -> tuple[list[tuple[int, Any, int]], list[RejectedRow]]:
    """Number the decoded records of a file and keep, of each ``key``, the copy with the latest
    ``stamp`` (the others counted under notes ``note``), in first-seen order: (number, record,
    line). A record without the key is kept as it is (it is refused later, by its number); a
    file that stops being JSON gives one rejected row after what was read."""
    latest: dict[str, tuple[str, int, Any, int]] = {}
    order: list[str] = []
    rejected: list[RejectedRow] = []
    number = 0
    try:
        for line, record in items:
            number += 1
            tally.rows_read += 1
            found = record.get(key) if isinstance(record, dict) else None
            if not isinstance(found, str):
                latest[f"#{number}"] = ("", number, record, line)
                order.append(f"#{number}")
                continue
            when = record.get(stamp)
            when = when if isinstance(when, str) else ""
            seen = latest.get(found)
            if seen is None:
                order.append(found)
            else:
                tally.notes[note] += 1
                if seen[0] > when:
                    continue
            latest[found] = (when, number, record, line)
    except Unreadable as exc:
        rejected.append(
            RejectedRow(
                exc.line,
                [tally.problem(f"not JSON: {exc.message} (line {exc.line})", row=number + 1)],
                "",
            )
        )
    return [latest[k][1:] for k in order], rejected


def refused_record(
    what: str, number: int, line: int, record: Any, bad: BadRecord, tally: Tally
) -> RejectedRow:
    """The rejected row of a record that cannot be read: ``what`` (record, conversation), its
    number and line, the field, and the record itself (cut to 2,000 characters)."""
    return RejectedRow(
        number,
        [
            tally.problem(
                f"{what} {number} (line {line}): {bad.message}", row=number, field=bad.field
            )
        ],
        json.dumps(record, sort_keys=True)[:2000] if record is not None else "",
        "contacts",
    )


def read_contact_records(
    path: Path, *, label: str, tally: Tally
) -> Iterator[ContactRow | RejectedRow]:
    """Yield the contacts of a file of Amazon Connect contact records (see the module).

    Rows are numbered by record (1 = the file's first record); a problem names the record, the
    line it starts on and the field. The file is read whole (a delivery object is small).
    """
    text = path.read_text(encoding="utf-8-sig")
    kept, rejected = latest_copies(
        records(text), tally, key="ContactId", stamp="LastUpdateTimestamp", note="ctr_superseded"
    )
    for record_number, record, line in kept:
        try:
            row = contact_from_record(record, record_number, tally)
        except BadRecord as bad:
            yield refused_record("record", record_number, line, record, bad, tally)
            continue
        if row is not None:
            yield row
    yield from rejected
