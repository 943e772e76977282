"""Twilio TaskRouter events: the Event resource as ``GET /v1/Workspaces/{ws}/Events`` returns it
(``{"events": [...]}`` pages, a JSON array or JSON lines, snake_case with ``event_data``), the
same events as the EventCallbackUrl webhook posts them (one form-encoded body a line,
``EventType=task.created&TaskSid=...``) or those webhook fields as JSON objects.

Mapping (one task is one contact offered to its TaskQueue):

* ``TaskSid`` is the external id; events without a task (worker and activity events) and task
  events ccops does not read (``reservation.created``, ``task.updated`` ...) are ignored.
* Events are grouped by task and ordered by life cycle (``task.created``, ``reservation.
  accepted``, ``task.wrapup``, ``task.canceled``, ``task.completed``), whatever their order in
  the file; an event of the same type and time as one already read is a re-delivery (notes
  ``duplicate_event``).
* ``task.created`` at ``Timestamp`` (webhook, epoch seconds; ``TimestampMs``) or
  ``event_date`` / ``event_date_ms`` (Event resource) is the arrival; the queue is the first
  ``TaskQueueName`` of the task's events, else its ``TaskQueueSid``.
* ``reservation.accepted``: answered then by ``WorkerName``; talk runs to ``task.wrapup`` and
  wrap from there to ``task.completed`` (no wrap-up event: talk to completion, wrap 0).
* ``task.canceled`` without an accepted reservation: abandoned then, wait = canceled − created.
* A task with no ``task.completed`` or ``task.canceled`` in the file is still going: skipped
  ``in_progress_at_end`` (the queue_log's pending calls hold Asterisk's own state, so an export
  covering the task's end brings it whole). A task whose ``task.created`` is not in the file
  began before it: skipped ``started_before_file``.
* ``TaskAttributes`` (a JSON object, or its text) ``from`` is the customer key (stored only as a
  keyed hash).

Each bad event is named by its number in the file, the line it is on and the field; the task it
belongs to is refused with it, the other tasks are imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ccops.contacts.importers.amazon_connect import BadRecord, Unreadable, records
from ccops.contacts.importers.base import (
    ContactRow,
    RejectedRow,
    Tally,
    normalise_customer_key,
)
from ccops.enums import Outcome
from ccops.errors import Problem

LIFE_CYCLE = {
    "task.created": 0,
    "reservation.accepted": 1,
    "task.wrapup": 2,
    "task.canceled": 3,
    "task.completed": 4,
}
"""The events read, in the order of a task's life."""

SNAKE = {
    "EventType": "event_type",
    "TaskSid": "task_sid",
    "TaskQueueName": "task_queue_name",
    "TaskQueueSid": "task_queue_sid",
    "WorkerName": "worker_name",
    "TaskAttributes": "task_attributes",
}
"""Webhook field → its name in the Event resource's ``event_data``."""


@dataclass
class _Event:
    number: int
    line: int
    kind: str
    at: datetime
    fields: dict[str, Any]
    raw: str


@dataclass
class _Task:
    events: list[_Event] = field(default_factory=list)
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    raw: str = ""


def _value(event: dict[str, Any], name: str) -> Any:
    """A webhook field of ``event`` in either shape (top level, or the resource's event_data)."""
    if name in event:
        return event[name]
    snake = SNAKE.get(name, name)
    if snake in event:
        return event[snake]
    data = event.get("event_data")
    if isinstance(data, dict):
        return data.get(snake, data.get(name))
    return None


def _moment(event: dict[str, Any]) -> datetime:
    for name, scale in (("TimestampMs", 1000.0), ("event_date_ms", 1000.0), ("Timestamp", 1.0)):
        value = event.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, str) and name == "Timestamp" and not value.strip().isdigit():
            return _iso(value, name)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadRecord(name, f"{value!r} is not a time") from None
        if isinstance(value, bool) or not number >= 0 or number / scale > 1e11:
            raise BadRecord(name, f"{value!r} is not a time")
        return datetime.fromtimestamp(number / scale, UTC)
    value = event.get("event_date")
    if value is None:
        raise BadRecord("Timestamp", "missing time (Timestamp or event_date)")
    return _iso(value, "event_date")


def _iso(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadRecord(name, f"{value!r} is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(name, f"{value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise BadRecord(name, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def events(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, event) of JSON events (pages opened) or of form-encoded webhook bodies."""
    if text.lstrip()[:1] in ("{", "["):
        for line, value in records(text):
            page = value.get("events") if isinstance(value, dict) else None
            if isinstance(page, list) and "event_type" not in value:
                yield from ((line, item) for item in page)
            else:
                yield line, value
        return
    for line, body in enumerate(text.splitlines(), start=1):
        if body.strip():
            yield line, dict(parse_qsl(body.strip(), keep_blank_values=True))


def _customer(attributes: Any) -> str | None:
    if attributes is None or attributes == "":
        return None
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except json.JSONDecodeError:
            raise BadRecord("TaskAttributes", "TaskAttributes is not JSON") from None
    if not isinstance(attributes, dict):
        raise BadRecord("TaskAttributes", "TaskAttributes is not a JSON object")
    return normalise_customer_key(attributes.get("from"))


def _contact(sid: str, task: _Task, tally: Tally) -> ContactRow | None:
    """The contact of one task's events in life-cycle order (None: skipped, counted)."""
    first: dict[str, _Event] = {}
    for event in task.events:
        first.setdefault(event.kind, event)
    created = first.get("task.created")
    if created is None:
        tally.skipped["started_before_file"] += 1
        return None
    end = first.get("task.completed") or first.get("task.canceled")
    if end is None:
        tally.skipped["in_progress_at_end"] += 1
        return None
    previous = created
    for event in task.events:
        if event.at < previous.at:
            gap = (previous.at - event.at).total_seconds()
            raise _Located(
                event,
                "Timestamp",
                f"{event.kind} is {gap:g} s before {previous.kind} (record {previous.number})",
            )
        previous = event
    queue = next(
        (
            str(v).strip()
            for e in task.events
            for v in (_value(e.fields, "TaskQueueName"), _value(e.fields, "TaskQueueSid"))
            if isinstance(v, str) and v.strip()
        ),
        None,
    )
    if queue is None:
        raise _Located(created, "TaskQueueName", "no TaskQueueName or TaskQueueSid in the task")
    customer: str | None = None
    for event in task.events:
        try:
            customer = _customer(_value(event.fields, "TaskAttributes"))
        except BadRecord as bad:
            raise _Located(event, bad.field, bad.message) from None
        if customer is not None:
            break
    accepted = first.get("reservation.accepted")
    if accepted is None:
        return ContactRow(
            line=created.number,
            external_id=sid,
            queue=queue,
            arrival_at=created.at,
            outcome=Outcome.abandoned,
            ended_at=end.at,
            wait_s=(end.at - created.at).total_seconds(),
            customer_key=customer,
            raw=task.raw,
        )
    wrapup = first.get("task.wrapup")
    talk_end = wrapup.at if wrapup is not None else end.at
    worker = _value(accepted.fields, "WorkerName")
    return ContactRow(
        line=created.number,
        external_id=sid,
        queue=queue,
        arrival_at=created.at,
        outcome=Outcome.answered,
        answered_at=accepted.at,
        ended_at=talk_end,
        wait_s=(accepted.at - created.at).total_seconds(),
        talk_s=(talk_end - accepted.at).total_seconds(),
        wrap_s=(end.at - wrapup.at).total_seconds() if wrapup is not None else 0.0,
        agent=worker.strip() if isinstance(worker, str) and worker.strip() else None,
        customer_key=customer,
        raw=task.raw,
    )


class _Located(Exception):
    """A problem of a task found in one of its events."""

    def __init__(self, event: _Event, field: str, message: str) -> None:
        super().__init__(message)
        self.event = event
        self.field = field
        self.message = message


def read_task_events(path: Path, *, label: str, tally: Tally) -> Iterator[ContactRow | RejectedRow]:
    """Yield the contacts (one per task) of a file of TaskRouter events (see the module).

    Rows are numbered by event (1 = the file's first); a problem names the event, its line and
    the field. The file is read whole: a task's events may be anywhere in it.
    """
    text = path.read_text(encoding="utf-8-sig")
    tasks: dict[str, _Task] = {}
    rejected: list[RejectedRow] = []
    seen: set[tuple[str, str, datetime]] = set()
    number = 0

    def problem(event_number: int, line: int, fld: str | None, message: str) -> Problem:
        return tally.problem(
            f"event {event_number} (line {line}): {message}", row=event_number, field=fld
        )

    try:
        for line, event in events(text):
            number += 1
            tally.rows_read += 1
            raw = json.dumps(event, sort_keys=True, default=str)[:2000]
            if not isinstance(event, dict):
                rejected.append(
                    RejectedRow(number, [problem(number, line, "event", "not an object")], raw)
                )
                continue
            kind = _value(event, "EventType")
            if not isinstance(kind, str) or not kind.strip():
                rejected.append(
                    RejectedRow(number, [problem(number, line, "EventType", "no EventType")], raw)
                )
                continue
            kind = kind.strip()
            if kind not in LIFE_CYCLE:
                tally.notes["other_event"] += 1
                continue
            sid = _value(event, "TaskSid")
            if not isinstance(sid, str) or not sid.strip():
                rejected.append(
                    RejectedRow(
                        number,
                        [problem(number, line, "TaskSid", f"{kind} without TaskSid")],
                        raw,
                        "contacts",
                    )
                )
                continue
            task = tasks.setdefault(sid.strip(), _Task())
            try:
                at = _moment(event)
            except BadRecord as bad:
                task.problems.append((number, problem(number, line, bad.field, bad.message)))
                task.raw = task.raw or raw
                continue
            if (sid, kind, at) in seen:
                tally.notes["duplicate_event"] += 1
                continue
            seen.add((sid, kind, at))
            task.events.append(_Event(number, line, kind, at, event, raw))
    except Unreadable as exc:
        rejected.append(
            RejectedRow(
                exc.line,
                [tally.problem(f"not JSON: {exc.message} (line {exc.line})", row=number + 1)],
                "",
            )
        )
    for sid, task in tasks.items():
        task.events.sort(key=lambda e: (LIFE_CYCLE[e.kind], e.at, e.number))
        created = next((e for e in task.events if e.kind == "task.created"), None)
        task.raw = created.raw if created is not None else task.raw
        if task.problems:
            yield RejectedRow(
                task.problems[0][0], [p for _, p in task.problems], task.raw, "contacts"
            )
            continue
        try:
            row = _contact(sid, task, tally)
        except _Located as bad:
            yield RejectedRow(
                bad.event.number,
                [problem(bad.event.number, bad.event.line, bad.field, bad.message)],
                bad.event.raw,
                "contacts",
            )
            continue
        if row is not None:
            yield row
    yield from rejected
