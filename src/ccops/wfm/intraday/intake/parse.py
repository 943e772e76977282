"""Reading an intake batch: decoding the events, refusing repeated ids (against the stored
intake log and within the batch), and validating contact and agent-state events into the records
the store writes (aliases, the importers' own record rules, queue/agent/channel names, the
caller's scope, events dated in the future)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import (
    AgentStateRow,
    ContactRow,
    RejectedRow,
    Tally,
    content_hash,
    hash_customer_key,
    normalise_customer_key,
    time_fields,
)
from ccops.contacts.importers.tabular import (
    AGENT_STATE_FIELDS,
    CONTACT_FIELDS,
    parse_agent_state_record,
    parse_contact_record,
)
from ccops.errors import Problem
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.lookups import Lookups, aware, chunks
from ccops.wfm.intraday.models import IntakeEvent

FUTURE_TOLERANCE_S = 120.0
"""Clock skew allowed between a source and this server before an event counts as future."""


ENVELOPE = ("id", "type", "event_at")
EVENT_FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset((*ENVELOPE, *CONTACT_FIELDS, "arrival_at")),
    "agent_state": frozenset((*ENVELOPE, *AGENT_STATE_FIELDS, "agent", "start_at", "end_at")),
}
"""The fields an event of each type may carry (its record's fields and their aliases); any other
field is refused, so a misspelt field is not silently ignored."""


def unknown_fields(kind: str, unknown: list[str]) -> str:
    """The refusal of an event with fields its type does not have."""
    names = ", ".join(repr(u[:40]) for u in unknown[:5]) + (" …" if len(unknown) > 5 else "")
    return (
        f"unknown field{'s' if len(unknown) > 1 else ''} {names}: an event of type {kind} "
        f"has only {', '.join(sorted(EVENT_FIELDS[kind]))}"
    )


@dataclass
class Candidate:
    line: int
    event_id: str
    kind: str
    payload: dict[str, Any]
    digest: str
    event_at: datetime | None = None
    record: dict[str, Any] | None = None
    target: str = ""


def reject(
    line: int, eid: str | None, message: str, fld: str | None = None
) -> schemas.EventResultOut:
    return schemas.EventResultOut(line=line, id=eid, status="rejected", detail=message, field=fld)


def parse_lines(
    items: Iterable[str | dict[str, Any]], results: list[schemas.EventResultOut]
) -> list[Candidate]:
    """Decode events; reject malformed ones and events without an id or a known type."""
    out: list[Candidate] = []
    for line, item in enumerate(items, start=1):
        if isinstance(item, str):
            text = item.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                results.append(
                    reject(line, None, f"malformed JSON: {exc.msg} at column {exc.colno}")
                )
                continue
        else:
            obj = item
        if not isinstance(obj, dict):
            results.append(reject(line, None, "an event is a JSON object"))
            continue
        raw_id = obj.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
            results.append(reject(line, None, "missing event id (a non-empty string)", "id"))
            continue
        eid = str(raw_id).strip()
        if len(eid) > 200:
            results.append(
                reject(line, eid[:40] + "…", "event id longer than 200 characters", "id")
            )
            continue
        kind = obj.get("type")
        if kind not in ("contact", "agent_state"):
            results.append(
                reject(
                    line, eid, f"unknown event type {kind!r}: use contact or agent_state", "type"
                )
            )
            continue
        unknown = sorted(str(k) for k in obj if k not in EVENT_FIELDS[kind])
        if unknown:
            results.append(reject(line, eid, unknown_fields(kind, unknown), unknown[0]))
            continue
        digest = content_hash([json.dumps(obj, sort_keys=True, default=str)])
        out.append(Candidate(line, eid, kind, obj, digest))
    return out


def dedupe(
    session: Session, candidates: list[Candidate], results: list[schemas.EventResultOut]
) -> list[Candidate]:
    """Drop events whose id was seen before (duplicate if equal content, rejected if not)."""
    stored: dict[str, tuple[str, datetime]] = {}
    ids = sorted({c.event_id for c in candidates})
    for part in chunks(ids):
        for eid, digest, received in session.execute(
            select(IntakeEvent.event_id, IntakeEvent.content_hash, IntakeEvent.received_at).where(
                IntakeEvent.event_id.in_(part)
            )
        ):
            stored[eid] = (digest, aware(received))
    seen: dict[str, tuple[str, int]] = {}
    out = []
    for c in candidates:
        if c.event_id in stored:
            digest, received = stored[c.event_id]
            if digest == c.digest:
                results.append(
                    schemas.EventResultOut(
                        line=c.line,
                        id=c.event_id,
                        status="duplicate",
                        detail=f"event {c.event_id} was already received at "
                        f"{received.isoformat(timespec='seconds')}; not counted again",
                    )
                )
            else:
                results.append(
                    reject(
                        c.line,
                        c.event_id,
                        f"event id {c.event_id} was already used for other content: give a new "
                        "event a new id",
                        "id",
                    )
                )
            continue
        if c.event_id in seen:
            digest, first = seen[c.event_id]
            if digest == c.digest:
                results.append(
                    schemas.EventResultOut(
                        line=c.line,
                        id=c.event_id,
                        status="duplicate",
                        detail=f"event {c.event_id} repeats line {first} of this batch",
                    )
                )
            else:
                results.append(
                    reject(
                        c.line,
                        c.event_id,
                        f"event id {c.event_id} is used on line {first} for other content",
                        "id",
                    )
                )
            continue
        seen[c.event_id] = (c.digest, c.line)
        out.append(c)
    return out


def _alias(payload: dict[str, Any], pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    record = {k: v for k, v in payload.items() if k not in ("id", "type", "event_at")}
    for ours, other in pairs:
        if ours not in record and other in record:
            record[ours] = record.pop(other)
    return record


def event_time(payload: dict[str, Any]) -> datetime | None:
    value = payload.get("event_at")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a timestamp")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _problem_text(rejected: RejectedRow) -> tuple[str, str | None]:
    first = rejected.problems[0] if rejected.problems else Problem("invalid record")
    text = "; ".join(
        f"{p.field}: {p.message}" if p.field else p.message for p in rejected.problems[:5]
    )
    return text or first.message, first.field


def _future(at: datetime, now: datetime, name: str) -> str | None:
    if (at - now).total_seconds() > FUTURE_TOLERANCE_S:
        return (
            f"dated in the future: {name} {at.isoformat(timespec='seconds')} is after "
            f"{now.isoformat(timespec='seconds')}"
        )
    return None


def validate_contact(
    c: Candidate, look: Lookups, now: datetime, secret_key: str, source: str, tally: Tally
) -> schemas.EventResultOut | None:
    record = _alias(c.payload, [("arrival", "arrival_at")])
    record.setdefault("external_id", c.event_id)
    arrival_only = "outcome" not in record
    if arrival_only:
        # An arrival: the contact is waiting; validated as a contact that has not ended yet.
        for name in ("answered_at", "ended_at", "talk_s", "hold_s", "wrap_s", "agent"):
            if name in record:
                return reject(
                    c.line, c.event_id, f"{name} needs an outcome (the contact has ended)", name
                )
        record = {**record, "outcome": "other", "wait_s": 0}
    parsed = parse_contact_record(
        record, line=c.line, label="events", zone_for=look.queue_zone, tally=tally
    )
    if isinstance(parsed, RejectedRow):
        text, fld = _problem_text(parsed)
        return reject(c.line, c.event_id, text, fld)
    row: ContactRow = parsed
    queue = look.queue(row.queue)
    if (problem := look.site_problem(row.queue, queue)) is not None or queue is None:
        return reject(c.line, c.event_id, problem or f"unknown queue {row.queue!r}", "queue")
    if not look.in_scope(queue.site_id):
        return reject(c.line, c.event_id, f"queue {row.queue!r} is outside your scope", "queue")
    person_id = None
    if row.agent:
        person = look.person(row.agent)
        if person is None:
            return reject(c.line, c.event_id, f"unknown agent {row.agent!r}", "agent")
        if not look.in_scope(person.site_id):
            # the file import's rule: a contact is credited only to an agent in scope
            return reject(c.line, c.event_id, f"agent {row.agent!r} is outside your scope", "agent")
        person_id = person.id
    channel_id = queue.channel_id
    if row.channel:
        found = look.channel(row.channel)
        if found is None:
            return reject(c.line, c.event_id, f"unknown channel {row.channel!r}", "channel")
        channel_id = found
    for name, at in (
        ("arrival", row.arrival_at),
        ("answered_at", row.answered_at),
        ("ended_at", row.ended_at),
    ):
        if at is not None and (message := _future(at, now, name)):
            return reject(c.line, c.event_id, message, name)
    times = time_fields(row.arrival_at, look.zone(queue.site_id))
    customer = normalise_customer_key(row.customer_key)
    rec: dict[str, Any] = {
        "source": source,
        "external_id": row.external_id,
        "queue_id": queue.id,
        "channel_id": channel_id,
        "person_id": person_id,
        "arrival_at": row.arrival_at,
        "answered_at": row.answered_at,
        "ended_at": row.ended_at,
        "outcome": row.outcome.value,
        "wait_s": row.wait_s,
        "talk_s": row.talk_s,
        "hold_s": row.hold_s,
        "wrap_s": row.wrap_s,
        "customer_hash": hash_customer_key(customer, secret_key) if customer else None,
        "arrival_epoch_s": times.epoch_s,
        "arrival_local_min": times.local_min,
        "utc_offset_min": times.utc_offset_min,
        "batch_id": None,
        **row.context.record(),
        "timing_untrusted": row.timing_untrusted,
    }
    rec["content_hash"] = content_hash(
        (
            queue.id,
            channel_id,
            person_id,
            row.arrival_at,
            row.answered_at,
            row.ended_at,
            row.outcome.value,
            row.wait_s,
            row.talk_s,
            row.hold_s,
            row.wrap_s,
            *row.context.hash_values(),
            *(("timing", row.timing_untrusted) if row.timing_untrusted else ()),
        )
    )
    c.record = rec
    c.event_at = c.event_at or max(t for t in (row.arrival_at, row.answered_at, row.ended_at) if t)
    c.target = f"contact:{source}:{row.external_id}"
    if arrival_only:
        c.kind = "arrival"
    return None


def validate_state(
    c: Candidate, look: Lookups, now: datetime, source: str, tally: Tally
) -> schemas.EventResultOut | None:
    record = _alias(c.payload, [("person", "agent"), ("start", "start_at"), ("end", "end_at")])
    parsed = parse_agent_state_record(record, line=c.line, zone_for=look.person_zone, tally=tally)
    if isinstance(parsed, RejectedRow):
        text, fld = _problem_text(parsed)
        return reject(c.line, c.event_id, text, fld)
    row: AgentStateRow = parsed
    person = look.person(row.person)
    if person is None:
        return reject(c.line, c.event_id, f"unknown agent {row.person!r}", "person")
    if not look.in_scope(person.site_id):
        return reject(c.line, c.event_id, f"agent {row.person!r} is outside your scope", "person")
    for name, at in (("start", row.start_at), ("end", row.end_at)):
        if at is not None and (message := _future(at, now, name)):
            return reject(c.line, c.event_id, message, name)
    zone = look.zone(person.site_id)
    start = time_fields(row.start_at, zone)
    end = time_fields(row.end_at, zone) if row.end_at is not None else None
    rec: dict[str, Any] = {
        "source": source,
        "external_id": row.external_id,
        "person_id": person.id,
        "state": row.state.value,
        "reason_code": row.reason_code,
        "start_at": row.start_at,
        "end_at": row.end_at,
        "start_epoch_s": start.epoch_s,
        "end_epoch_s": end.epoch_s if end is not None else None,
        "utc_offset_min": start.utc_offset_min,
        "batch_id": None,
    }
    rec["content_hash"] = content_hash(
        (person.id, row.state.value, row.reason_code, row.start_at, row.end_at)
    )
    c.record = rec
    c.event_at = c.event_at or (row.end_at or row.start_at)
    c.target = f"agent_state:{source}:{row.external_id}"
    return None
