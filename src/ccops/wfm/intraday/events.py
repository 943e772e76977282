"""Event intake: contact and agent-state events arriving continuously, idempotent per event id,
with the interval aggregates of the intraday view updated in place as they are written.

An event is one JSON object: ``id`` (unique per event), ``type`` (``contact`` or
``agent_state``), an optional ``event_at`` (when the source emitted it; default its latest
timestamp) and the fields of an imported record (see ``contacts.importers.tabular``):

* contact: ``external_id`` (the contact; default the event id), ``queue``, ``arrival`` (or
  ``arrival_at``), ``outcome``, ``answered_at``/``wait_s``, ``ended_at``/``talk_s``, ``hold_s``,
  ``wrap_s``, ``agent``, ``customer_key``, ``channel``;
* agent_state: ``external_id`` (the span; default ``person:start epoch``), ``person`` (or
  ``agent``), ``state``, ``start`` (or ``start_at``), ``end`` (or ``end_at``; none: still open),
  ``reason_code``.

Records are validated by the importers' own rules. Each event gets one result: ``accepted``
(written, or logged without change), ``duplicate`` (its id was already received with the same
content, in an earlier batch or earlier in this one) or ``rejected`` with the reason (malformed
JSON, missing or reused id, unknown type, queue, agent or channel, outside the caller's scope,
dated in the future, invalid record); the good events of a batch are kept.

A later event on the same contact or span updates it: its old contribution to the interval
aggregates is subtracted and the new one added, so nothing is counted twice. An event older
(``event_at``) than the one that last wrote the record is logged but not applied (late events
arriving out of order never roll a record back). A new span of a person closes that person's
open span at its start (a live feed sends state changes, not spans).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session

from ccops.contacts.importers.asterisk import read_queue_log
from ccops.contacts.importers.base import (
    EPOCH,
    AgentStateRow,
    ContactRow,
    RejectedRow,
    Tally,
    content_hash,
    hash_customer_key,
    insert_rows,
    normalise_customer_key,
    time_fields,
)
from ccops.contacts.importers.tabular import (
    load_mapping,
    parse_agent_state_record,
    parse_contact_record,
    read_agent_states_table,
    read_contacts_table,
)
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.contacts.schemas import ImportReport
from ccops.db import utcnow
from ccops.enums import ANSWERED_OUTCOMES, HANDLING_STATES, AgentState, Outcome
from ccops.errors import Invalid, Problem
from ccops.org.models import Channel, Person, PersonSkill, Queue, Site
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.models import AdherenceAlert, IntakeEvent, IntradayInterval, LiveContact

INTERVAL_MIN = 15
INTERVAL_S = INTERVAL_MIN * 60
EVENT_SOURCE = "events"
FUTURE_TOLERANCE_S = 120.0
"""Clock skew allowed between a source and this server before an event counts as future."""
MAX_BATCH = 50_000
IN_CHUNK = 500
STAFFED_STATES = (AgentState.available, *HANDLING_STATES)
"""Logged in and able to take contacts (not on break, training, meeting, ...)."""
AGG_FIELDS = (
    "offered",
    "answered",
    "answered_within_target",
    "abandoned",
    "short_abandoned",
    "handle_sum_s",
    "answered_wait_sum_s",
    "staffed_s",
    "handling_s",
    "available_s",
)
INT_FIELDS = frozenset(AGG_FIELDS[:5])
CONTACT_KEYS = (
    "queue_id",
    "arrival_epoch_s",
    "arrival_local_min",
    "utc_offset_min",
    "outcome",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_s",
)


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- interval aggregates ---------------------------------------------------------------------


@dataclass
class Deltas:
    """Changes to interval aggregates, keyed by (queue id, interval start epoch seconds)."""

    values: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    local: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def add(self, queue_id: int, start_s: int, local_min: int, offset_min: int, **d: float) -> None:
        key = (queue_id, start_s)
        row = self.values.get(key)
        if row is None:
            row = self.values[key] = [0.0] * len(AGG_FIELDS)
            self.local[key] = (local_min, offset_min)
        for name, value in d.items():
            row[AGG_FIELDS.index(name)] += value

    def contact(self, rec: dict[str, Any], queue: Queue, sign: float) -> None:
        """Add (sign +1) or remove (-1) one contact's contribution, by the registry's rules."""
        local = int(rec["arrival_local_min"])
        bucket = local - local % INTERVAL_MIN
        offset = int(rec["utc_offset_min"])
        start_s = (bucket - offset) * 60
        outcome = Outcome(rec["outcome"])
        answered = outcome in ANSWERED_OUTCOMES
        abandoned = outcome == Outcome.abandoned
        wait = float(rec["wait_s"])
        self.add(
            queue.id,
            start_s,
            bucket,
            offset,
            offered=sign,
            answered=sign * answered,
            answered_within_target=sign * (answered and wait <= queue.target_s),
            abandoned=sign * abandoned,
            short_abandoned=sign * (abandoned and wait < queue.short_abandon_s),
            handle_sum_s=sign * answered * (rec["talk_s"] + rec["hold_s"] + rec["wrap_s"]),
            answered_wait_sum_s=sign * answered * wait,
        )

    def span(
        self,
        queue_id: int,
        zone: ZoneInfo,
        state: AgentState,
        start_s: int,
        end_s: int,
        sign: float,
    ) -> None:
        """Add or remove an agent-state span's seconds, split over the 15-minute intervals."""
        staffed = state in STAFFED_STATES
        handling = state in HANDLING_STATES
        if not staffed or end_s <= start_s:
            return
        first = start_s - start_s % INTERVAL_S
        for s in range(first, end_s, INTERVAL_S):
            seconds = min(end_s, s + INTERVAL_S) - max(start_s, s)
            if seconds <= 0:
                continue
            tf = time_fields(datetime.fromtimestamp(s, UTC), zone)
            self.add(
                queue_id,
                s,
                tf.local_min,
                tf.utc_offset_min,
                staffed_s=sign * seconds,
                handling_s=sign * seconds * handling,
                available_s=sign * seconds * (not handling),
            )


def apply_deltas(session: Session, deltas: Deltas) -> int:
    """Write aggregate changes in place (additive UPDATE, INSERT for new intervals)."""
    keys = [k for k, v in deltas.values.items() if any(x != 0 for x in v)]
    if not keys:
        return 0
    table = cast(Table, IntradayInterval.__table__)
    existing: dict[tuple[int, int], int] = {}
    by_queue: dict[int, list[int]] = defaultdict(list)
    for queue_id, start_s in keys:
        by_queue[queue_id].append(start_s)
    for queue_id, starts in by_queue.items():
        for part in _chunks(sorted(starts)):
            rows = session.execute(
                select(IntradayInterval.id, IntradayInterval.interval_start).where(
                    IntradayInterval.queue_id == queue_id,
                    IntradayInterval.interval_start.in_(
                        [datetime.fromtimestamp(s, UTC) for s in part]
                    ),
                )
            )
            for row_id, start in rows:
                existing[(queue_id, int(_aware(start).timestamp()))] = row_id
    now = utcnow()
    inserts, updates = [], []
    for key in keys:
        values = deltas.values[key]
        named = {
            n: (round(v) if n in INT_FIELDS else v) for n, v in zip(AGG_FIELDS, values, strict=True)
        }
        if key in existing:
            updates.append(
                {"_id": existing[key], "_now": now, **{f"d_{n}": v for n, v in named.items()}}
            )
        else:
            local_min, offset = deltas.local[key]
            inserts.append(
                {
                    "queue_id": key[0],
                    "interval_start": datetime.fromtimestamp(key[1], UTC),
                    "interval_local_min": local_min,
                    "utc_offset_min": offset,
                    "updated_at": now,
                    **named,
                }
            )
    if inserts:
        insert_rows(session, table, inserts)
    if updates:
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                updated_at=bindparam("_now"),
                **{n: table.c[n] + bindparam(f"d_{n}") for n in AGG_FIELDS},
            )
        )
        session.execute(statement, updates)
    return len(keys)


# --- intake ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PersonRef:
    """A person as the intake needs them: id and site."""

    id: int
    site_id: int


@dataclass
class _Lookups:
    """Name lookups of one batch (queues, people, channels, primary queues, zones)."""

    session: Session
    allowed_site_ids: frozenset[int] | None
    queues: dict[str, Queue | None] = field(default_factory=dict)
    people: dict[str, _PersonRef | None] = field(default_factory=dict)
    channels: dict[str, int | None] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    primary: dict[int, int | None] = field(default_factory=dict)
    queues_by_id: dict[int, Queue] = field(default_factory=dict)

    def queue(self, name: str) -> Queue | None:
        if name not in self.queues:
            found = self.session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
            self.queues[name] = found
            if found is not None:
                self.queues_by_id[found.id] = found
        return self.queues[name]

    def queue_by_id(self, queue_id: int) -> Queue:
        if queue_id not in self.queues_by_id:
            found = self.session.get(Queue, queue_id)
            assert found is not None
            self.queues_by_id[queue_id] = found
        return self.queues_by_id[queue_id]

    def person(self, login: str) -> _PersonRef | None:
        if login not in self.people:
            self.prefetch_people([login])
        return self.people[login]

    def prefetch_people(self, logins: Sequence[str]) -> None:
        """Look up many people in one query each chunk (ids, sites, primary queues)."""
        wanted = sorted({x for x in logins if x not in self.people})
        for part in _chunks(wanted):
            found = {
                login: _PersonRef(pid, site_id)
                for pid, login, site_id in self.session.execute(
                    select(Person.id, Person.login, Person.site_id).where(Person.login.in_(part))
                )
            }
            for login in part:
                self.people[login] = found.get(login)
            ids = [ref.id for ref in found.values() if ref.id not in self.primary]
            for pid in ids:
                self.primary[pid] = None
            for pid, queue_id in self.session.execute(
                select(PersonSkill.person_id, PersonSkill.queue_id)
                .where(PersonSkill.person_id.in_(ids))
                .order_by(PersonSkill.person_id, PersonSkill.level.desc(), PersonSkill.queue_id)
            ):
                if self.primary[pid] is None:
                    self.primary[pid] = int(queue_id)

    def channel(self, name: str) -> int | None:
        if name not in self.channels:
            self.channels[name] = self.session.scalar(
                select(Channel.id).where(Channel.name == name)
            )
        return self.channels[name]

    def zone(self, site_id: int) -> ZoneInfo:
        if site_id not in self.zones:
            site = self.session.get(Site, site_id)
            self.zones[site_id] = ZoneInfo(site.timezone if site else "UTC")
        return self.zones[site_id]

    def queue_zone(self, name: str) -> ZoneInfo:
        queue = self.queue(name)
        return self.zone(queue.site_id) if queue is not None else ZoneInfo("UTC")

    def person_zone(self, login: str) -> ZoneInfo:
        person = self.person(login)
        return self.zone(person.site_id) if person is not None else ZoneInfo("UTC")

    def primary_queue(self, person_id: int) -> int | None:
        """The queue a person's staffed time counts for: highest skill level, then lowest id."""
        if person_id not in self.primary:
            row = self.session.execute(
                select(PersonSkill.queue_id)
                .where(PersonSkill.person_id == person_id)
                .order_by(PersonSkill.level.desc(), PersonSkill.queue_id)
                .limit(1)
            ).first()
            self.primary[person_id] = None if row is None else int(row[0])
        return self.primary[person_id]

    def in_scope(self, site_id: int) -> bool:
        return self.allowed_site_ids is None or site_id in self.allowed_site_ids


@dataclass
class _Candidate:
    line: int
    event_id: str
    kind: str
    payload: dict[str, Any]
    digest: str
    event_at: datetime | None = None
    record: dict[str, Any] | None = None
    target: str = ""


def _reject(
    line: int, eid: str | None, message: str, fld: str | None = None
) -> schemas.EventResultOut:
    return schemas.EventResultOut(line=line, id=eid, status="rejected", detail=message, field=fld)


def _parse_lines(
    items: Iterable[str | dict[str, Any]], results: list[schemas.EventResultOut]
) -> list[_Candidate]:
    """Decode events; reject malformed ones and events without an id or a known type."""
    out: list[_Candidate] = []
    for line, item in enumerate(items, start=1):
        if isinstance(item, str):
            text = item.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                results.append(
                    _reject(line, None, f"malformed JSON: {exc.msg} at column {exc.colno}")
                )
                continue
        else:
            obj = item
        if not isinstance(obj, dict):
            results.append(_reject(line, None, "an event is a JSON object"))
            continue
        raw_id = obj.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
            results.append(_reject(line, None, "missing event id (a non-empty string)", "id"))
            continue
        eid = str(raw_id).strip()
        if len(eid) > 200:
            results.append(
                _reject(line, eid[:40] + "…", "event id longer than 200 characters", "id")
            )
            continue
        kind = obj.get("type")
        if kind not in ("contact", "agent_state"):
            results.append(
                _reject(
                    line, eid, f"unknown event type {kind!r}: use contact or agent_state", "type"
                )
            )
            continue
        digest = content_hash([json.dumps(obj, sort_keys=True, default=str)])
        out.append(_Candidate(line, eid, kind, obj, digest))
    return out


def _dedupe(
    session: Session, candidates: list[_Candidate], results: list[schemas.EventResultOut]
) -> list[_Candidate]:
    """Drop events whose id was seen before (duplicate if equal content, rejected if not)."""
    stored: dict[str, tuple[str, datetime]] = {}
    ids = sorted({c.event_id for c in candidates})
    for part in _chunks(ids):
        for eid, digest, received in session.execute(
            select(IntakeEvent.event_id, IntakeEvent.content_hash, IntakeEvent.received_at).where(
                IntakeEvent.event_id.in_(part)
            )
        ):
            stored[eid] = (digest, _aware(received))
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
                    _reject(
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
                    _reject(
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


def _event_time(payload: dict[str, Any]) -> datetime | None:
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


def _validate_contact(
    c: _Candidate, look: _Lookups, now: datetime, secret_key: str, source: str, tally: Tally
) -> schemas.EventResultOut | None:
    record = _alias(c.payload, [("arrival", "arrival_at")])
    record.setdefault("external_id", c.event_id)
    arrival_only = "outcome" not in record
    if arrival_only:
        # An arrival: the contact is waiting; validated as a contact that has not ended yet.
        for name in ("answered_at", "ended_at", "talk_s", "hold_s", "wrap_s", "agent"):
            if name in record:
                return _reject(
                    c.line, c.event_id, f"{name} needs an outcome (the contact has ended)", name
                )
        record = {**record, "outcome": "other", "wait_s": 0}
    parsed = parse_contact_record(
        record, line=c.line, label="events", zone_for=look.queue_zone, tally=tally
    )
    if isinstance(parsed, RejectedRow):
        text, fld = _problem_text(parsed)
        return _reject(c.line, c.event_id, text, fld)
    row: ContactRow = parsed
    queue = look.queue(row.queue)
    if queue is None:
        return _reject(c.line, c.event_id, f"unknown queue {row.queue!r}", "queue")
    if not look.in_scope(queue.site_id):
        return _reject(c.line, c.event_id, f"queue {row.queue!r} is outside your scope", "queue")
    person_id = None
    if row.agent:
        person = look.person(row.agent)
        if person is None:
            return _reject(c.line, c.event_id, f"unknown agent {row.agent!r}", "agent")
        person_id = person.id
    channel_id = queue.channel_id
    if row.channel:
        found = look.channel(row.channel)
        if found is None:
            return _reject(c.line, c.event_id, f"unknown channel {row.channel!r}", "channel")
        channel_id = found
    for name, at in (
        ("arrival", row.arrival_at),
        ("answered_at", row.answered_at),
        ("ended_at", row.ended_at),
    ):
        if at is not None and (message := _future(at, now, name)):
            return _reject(c.line, c.event_id, message, name)
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
        )
    )
    c.record = rec
    c.event_at = c.event_at or max(t for t in (row.arrival_at, row.answered_at, row.ended_at) if t)
    c.target = f"contact:{source}:{row.external_id}"
    if arrival_only:
        c.kind = "arrival"
    return None


def _validate_state(
    c: _Candidate, look: _Lookups, now: datetime, source: str, tally: Tally
) -> schemas.EventResultOut | None:
    record = _alias(c.payload, [("person", "agent"), ("start", "start_at"), ("end", "end_at")])
    parsed = parse_agent_state_record(record, line=c.line, zone_for=look.person_zone, tally=tally)
    if isinstance(parsed, RejectedRow):
        text, fld = _problem_text(parsed)
        return _reject(c.line, c.event_id, text, fld)
    row: AgentStateRow = parsed
    person = look.person(row.person)
    if person is None:
        return _reject(c.line, c.event_id, f"unknown agent {row.person!r}", "person")
    if not look.in_scope(person.site_id):
        return _reject(c.line, c.event_id, f"agent {row.person!r} is outside your scope", "person")
    for name, at in (("start", row.start_at), ("end", row.end_at)):
        if at is not None and (message := _future(at, now, name)):
            return _reject(c.line, c.event_id, message, name)
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


@dataclass
class _Stored:
    """The current state of one record during a batch (from the database or this batch)."""

    id: int | None
    record: dict[str, Any]
    event_at: datetime | None
    dirty: bool = False


def _load_contacts(session: Session, source: str, ext_ids: list[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    cols = [getattr(Contact, k) for k in CONTACT_KEYS]
    for part in _chunks(sorted(set(ext_ids))):
        rows = session.execute(
            select(Contact.id, Contact.external_id, Contact.content_hash, *cols).where(
                Contact.source == source, Contact.external_id.in_(part)
            )
        )
        for r in rows:
            rec = dict(zip(CONTACT_KEYS, r[3:], strict=True))
            rec["outcome"] = Outcome(rec["outcome"]).value
            rec["content_hash"] = r[2]
            out[r[1]] = _Stored(r[0], rec, None)
    return out


def _load_states(session: Session, source: str, ext_ids: list[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    for part in _chunks(sorted(set(ext_ids))):
        for s in session.scalars(
            select(AgentStateEvent).where(
                AgentStateEvent.source == source, AgentStateEvent.external_id.in_(part)
            )
        ):
            out[s.external_id] = _Stored(s.id, _state_dict(s), None)
    return out


def _state_dict(s: AgentStateEvent) -> dict[str, Any]:
    return {
        "external_id": s.external_id,
        "person_id": s.person_id,
        "state": AgentState(s.state).value,
        "reason_code": s.reason_code,
        "start_at": _aware(s.start_at),
        "end_at": _aware(s.end_at) if s.end_at is not None else None,
        "start_epoch_s": s.start_epoch_s,
        "end_epoch_s": s.end_epoch_s,
        "utc_offset_min": s.utc_offset_min,
        "content_hash": s.content_hash,
    }


def _last_event_times(session: Session, targets: list[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for part in _chunks(sorted(set(targets))):
        for target, at in session.execute(
            select(IntakeEvent.target, func.max(IntakeEvent.event_at))
            .where(IntakeEvent.target.in_(part), IntakeEvent.applied.is_(True))
            .group_by(IntakeEvent.target)
        ):
            out[target] = _aware(at)
    return out


def _span_deltas(deltas: Deltas, look: _Lookups, rec: dict[str, Any], sign: float) -> None:
    if rec.get("end_epoch_s") is None:
        return
    queue_id = look.primary_queue(int(rec["person_id"]))
    if queue_id is None:
        return
    zone = look.zone(look.queue_by_id(queue_id).site_id)
    deltas.span(
        queue_id,
        zone,
        AgentState(rec["state"]),
        int(rec["start_epoch_s"]),
        int(rec["end_epoch_s"]),
        sign,
    )


def ingest(
    *,
    session: Session,
    events: Iterable[str | dict[str, Any]],
    secret_key: str,
    now: datetime | None = None,
    allowed_site_ids: frozenset[int] | None = None,
    source: str = EVENT_SOURCE,
    evaluate: bool = True,
) -> schemas.IntakeOut:
    """Write a batch of contact and agent-state events; return one result per event.

    Args:
        session: the caller's transaction.
        events: JSON lines (str) or decoded objects, in the order they were emitted.
        secret_key: the key of customer-key pseudonyms.
        now: the current time (events after it are refused; exception rules are evaluated at
            it); default the clock. A replay passes the replayed clock.
        allowed_site_ids: the caller's scope (None: every site).
        source: the source name of the records written.
        evaluate: evaluate the exception plans of the queues touched.

    Returns:
        Counts and per-event results; the ids of exceptions opened.
    """
    started = time.perf_counter()
    now = _aware(now) if now is not None else utcnow()
    items = list(events)
    if len(items) > MAX_BATCH:
        raise Invalid(
            f"a batch holds at most {MAX_BATCH} events; this one has {len(items)}: split it",
            [Problem(f"more than {MAX_BATCH} events", field="body")],
        )
    results: list[schemas.EventResultOut] = []
    candidates = _dedupe(session, _parse_lines(items, results), results)
    look = _Lookups(session, allowed_site_ids)
    look.prefetch_people(
        [
            str(c.payload.get(k))
            for c in candidates
            for k in ("agent", "person")
            if isinstance(c.payload.get(k), str)
        ]
    )
    tally = Tally("events")
    valid: list[_Candidate] = []
    for c in candidates:
        try:
            c.event_at = _event_time(c.payload)
        except ValueError as exc:
            results.append(_reject(c.line, c.event_id, f"event_at: {exc}", "event_at"))
            continue
        if c.kind == "contact":
            bad = _validate_contact(c, look, now, secret_key, source, tally)
        else:
            bad = _validate_state(c, look, now, source, tally)
        if bad is not None:
            results.append(bad)
        else:
            valid.append(c)
    deltas = Deltas()
    log_rows: list[dict[str, Any]] = []
    touched: dict[int, set[date]] = defaultdict(set)
    contacts = _load_contacts(
        session,
        source,
        [c.record["external_id"] for c in valid if c.kind in ("contact", "arrival") and c.record],
    )
    lives = _load_lives(
        session,
        source,
        [c.record["external_id"] for c in valid if c.kind in ("contact", "arrival") and c.record],
    )
    states = _load_states(
        session,
        source,
        [c.record["external_id"] for c in valid if c.kind == "agent_state" and c.record],
    )
    last_at = _last_event_times(session, [c.target for c in valid])
    for store, kind in ((contacts, "contact"), (states, "agent_state")):
        for ext, item in store.items():
            item.event_at = last_at.get(f"{kind}:{source}:{ext}")
    open_spans = _open_spans(session, source, valid)
    for c in valid:
        assert c.record is not None and c.event_at is not None
        if c.kind == "arrival":
            applied, detail = _apply_arrival(c, contacts, lives, look, deltas)
            touched[int(c.record["queue_id"])].add(_local_day(c.record))
        elif c.kind == "contact":
            applied, detail = _apply_contact(c, contacts, lives, look, deltas)
            queue = look.queue_by_id(int(c.record["queue_id"]))
            touched[queue.id].add(_local_day(c.record))
        else:
            applied, detail = _apply_state(c, states, open_spans, look, deltas)
            queue_id = look.primary_queue(int(c.record["person_id"]))
            if queue_id is not None:
                touched[queue_id].add(
                    (c.record["start_at"] + timedelta(minutes=c.record["utc_offset_min"])).date()
                )
        results.append(
            schemas.EventResultOut(
                line=c.line, id=c.event_id, status="accepted", detail=detail, applied=applied
            )
        )
        log_rows.append(
            {
                "event_id": c.event_id,
                "kind": c.kind,
                "content_hash": c.digest,
                "received_at": now,
                "event_at": c.event_at,
                "target": c.target,
                "applied": applied,
                "detail": detail[:500],
            }
        )
    _write_records(session, Contact, contacts)
    _write_lives(session, lives)
    _write_records(session, AgentStateEvent, states)
    if log_rows:
        insert_rows(session, cast(Table, IntakeEvent.__table__), log_rows)
    apply_deltas(session, deltas)
    session.flush()
    people = sorted(
        {int(c.record["person_id"]) for c in valid if c.kind == "agent_state" and c.record}
    )
    if evaluate:
        _adherence_alerts(session, people, now)
    opened: list[int] = []
    if evaluate and touched:
        from ccops.wfm.intraday import exceptions as exception_service

        for queue_id, days in sorted(touched.items()):
            for day in sorted(days):
                opened += exception_service.evaluate_queue(
                    session=session, queue_id=queue_id, day=day, as_of=now
                )
    results.sort(key=lambda r: r.line)
    return schemas.IntakeOut(
        received=len(results),
        accepted=sum(r.status == "accepted" for r in results),
        duplicate=sum(r.status == "duplicate" for r in results),
        rejected=sum(r.status == "rejected" for r in results),
        results=results,
        exceptions_opened=opened,
        seconds=round(time.perf_counter() - started, 4),
    )


def _adherence_alerts(session: Session, people: list[int], now: datetime) -> None:
    """Alert team leaders about people out of adherence beyond the grace period (needs the
    published schedule's activities; without a schedule there is nothing to adhere to).

    Checked: the batch's agents, and everyone whose open state span (break, lunch, not ready,
    ...; not offline) passed the grace period without an alert yet, so that someone who stays on
    lunch is caught by whatever batch arrives next, without an event of their own.
    """
    from ccops.wfm.intraday import adherence as adherence_service
    from ccops.wfm.intraday import service as intraday_service

    grace = timedelta(seconds=adherence_service.DEFAULT_GRACE_S)
    lingering = session.scalars(
        select(AgentStateEvent.person_id)
        .where(
            AgentStateEvent.end_at.is_(None),
            AgentStateEvent.state.not_in([*STAFFED_STATES, AgentState.offline]),
            AgentStateEvent.start_at <= now - grace,
            AgentStateEvent.start_at >= now - timedelta(hours=12),
            ~exists().where(
                AdherenceAlert.person_id == AgentStateEvent.person_id,
                AdherenceAlert.start_at >= AgentStateEvent.start_at,
            ),
        )
        .distinct()
    )
    wanted = sorted({*people, *lingering})
    if not wanted:
        return
    activities = intraday_service.published_activities(
        session, wanted, now - timedelta(days=1), now + timedelta(days=1)
    )
    if activities:
        adherence_service.raise_alerts(session=session, activities=activities, now=now)


def _local_day(rec: dict[str, Any]) -> date:
    return (EPOCH + timedelta(minutes=int(rec["arrival_local_min"]))).date()


def _load_lives(session: Session, source: str, ext_ids: list[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    for part in _chunks(sorted(set(ext_ids))):
        for live in session.scalars(
            select(LiveContact).where(
                LiveContact.source == source, LiveContact.external_id.in_(part)
            )
        ):
            rec = {
                "source": live.source,
                "external_id": live.external_id,
                "queue_id": live.queue_id,
                "arrival_at": _aware(live.arrival_at),
                "arrival_local_min": live.arrival_local_min,
                "utc_offset_min": live.utc_offset_min,
            }
            out[live.external_id] = _Stored(live.id, rec, None)
    return out


def _live_delta(deltas: Deltas, rec: dict[str, Any], sign: float) -> None:
    local = int(rec["arrival_local_min"])
    bucket = local - local % INTERVAL_MIN
    offset = int(rec["utc_offset_min"])
    deltas.add(int(rec["queue_id"]), (bucket - offset) * 60, bucket, offset, offered=sign)


def _apply_arrival(
    c: _Candidate,
    contacts: dict[str, _Stored],
    lives: dict[str, _Stored],
    look: _Lookups,
    deltas: Deltas,
) -> tuple[bool, str]:
    assert c.record is not None
    ext = c.record["external_id"]
    if ext in contacts:
        return False, f"contact {ext} has already ended: its arrival changes nothing"
    if ext in lives and not lives[ext].record.get("_deleted"):
        return False, f"contact {ext} is already waiting: nothing changed"
    live = {k: c.record[k] for k in ("source", "external_id", "queue_id", "arrival_at")}
    live["arrival_local_min"] = c.record["arrival_local_min"]
    live["utc_offset_min"] = c.record["utc_offset_min"]
    lives[ext] = _Stored(None, live, c.event_at, dirty=True)
    _live_delta(deltas, live, +1)
    return True, f"contact {ext} waiting (counted as offered)"


def _write_lives(session: Session, lives: dict[str, _Stored]) -> None:
    gone = [s.id for s in lives.values() if s.record.get("_deleted") and s.id is not None]
    new = [
        s.record
        for s in lives.values()
        if s.dirty and s.id is None and not s.record.get("_deleted")
    ]
    for part in _chunks(gone):
        session.execute(delete(LiveContact).where(LiveContact.id.in_(part)))
    if new:
        insert_rows(session, cast(Table, LiveContact.__table__), new)


def _apply_contact(
    c: _Candidate,
    contacts: dict[str, _Stored],
    lives: dict[str, _Stored],
    look: _Lookups,
    deltas: Deltas,
) -> tuple[bool, str]:
    assert c.record is not None and c.event_at is not None
    ext = c.record["external_id"]
    queue = look.queue_by_id(int(c.record["queue_id"]))
    current = contacts.get(ext)
    if current is None:
        contacts[ext] = _Stored(None, c.record, c.event_at, dirty=True)
        waiting = lives.get(ext)
        if waiting is not None and not waiting.record.get("_deleted"):
            # The arrival counted it as offered: take that out before counting the contact.
            _live_delta(deltas, waiting.record, -1)
            waiting.record["_deleted"] = True
        deltas.contact(c.record, queue, +1)
        return True, f"contact {ext} recorded"
    if current.record["content_hash"] == c.record["content_hash"]:
        return False, f"contact {ext} already has this content; nothing changed"
    if current.event_at is not None and c.event_at < current.event_at:
        return False, (
            f"older than the stored state of contact {ext} "
            f"({c.event_at.isoformat(timespec='seconds')} < "
            f"{current.event_at.isoformat(timespec='seconds')}): logged, not applied"
        )
    deltas.contact(current.record, look.queue_by_id(int(current.record["queue_id"])), -1)
    deltas.contact(c.record, queue, +1)
    contacts[ext] = _Stored(current.id, c.record, c.event_at, dirty=True)
    return True, f"contact {ext} updated"


def _open_spans(session: Session, source: str, valid: list[_Candidate]) -> dict[int, _Stored]:
    people = sorted(
        {int(c.record["person_id"]) for c in valid if c.kind == "agent_state" and c.record}
    )
    out: dict[int, _Stored] = {}
    for part in _chunks(people):
        for s in session.scalars(
            select(AgentStateEvent)
            .where(
                AgentStateEvent.source == source,
                AgentStateEvent.person_id.in_(part),
                AgentStateEvent.end_at.is_(None),
            )
            .order_by(AgentStateEvent.start_epoch_s)
        ):
            out[s.person_id] = _Stored(s.id, _state_dict(s), None)
    return out


def _apply_state(
    c: _Candidate,
    states: dict[str, _Stored],
    open_spans: dict[int, _Stored],
    look: _Lookups,
    deltas: Deltas,
) -> tuple[bool, str]:
    assert c.record is not None and c.event_at is not None
    rec = c.record
    ext = rec["external_id"]
    person_id = int(rec["person_id"])
    notes = []
    previous = open_spans.get(person_id)
    if (
        previous is not None
        and previous.record["external_id"] != ext
        and previous.record["start_epoch_s"] < rec["start_epoch_s"]
    ):
        # The person moved on: close their open span where the new one starts.
        closed = dict(previous.record)
        closed["end_at"] = rec["start_at"]
        closed["end_epoch_s"] = rec["start_epoch_s"]
        closed["content_hash"] = content_hash(
            (
                person_id,
                closed["state"],
                closed["reason_code"],
                closed["start_at"],
                closed["end_at"],
            )
        )
        _span_deltas(deltas, look, closed, +1)
        stored = states.get(closed["external_id"])
        states[closed["external_id"]] = _Stored(
            previous.id if stored is None else stored.id, closed, c.event_at, dirty=True
        )
        del open_spans[person_id]
        notes.append(f"span {closed['external_id']} closed at the new state's start")
    current = states.get(ext)
    if current is not None and current.record["content_hash"] == rec["content_hash"]:
        return bool(notes), "; ".join([f"span {ext} already has this content", *notes])
    if current is not None and current.event_at is not None and c.event_at < current.event_at:
        return bool(notes), (
            f"older than the stored state of span {ext}: logged, not applied"
            + "".join(f"; {n}" for n in notes)
        )
    if current is not None:
        _span_deltas(deltas, look, current.record, -1)
    _span_deltas(deltas, look, rec, +1)
    states[ext] = _Stored(None if current is None else current.id, rec, c.event_at, dirty=True)
    if rec["end_at"] is None:
        open_spans[person_id] = states[ext]
    elif person_id in open_spans and open_spans[person_id].record["external_id"] == ext:
        del open_spans[person_id]
    verb = "recorded" if current is None else "updated"
    return True, "; ".join([f"span {ext} {verb}", *notes])


def _write_records(session: Session, model: type[Any], store: dict[str, _Stored]) -> None:
    table = model.__table__
    inserts = [s.record for s in store.values() if s.dirty and s.id is None]
    updates = [s for s in store.values() if s.dirty and s.id is not None]
    columns = {c.name for c in table.columns} - {"id"}
    if inserts:
        full = [{k: v for k, v in r.items() if k in columns} for r in inserts]
        insert_rows(session, table, full)
    groups: dict[tuple[str, ...], list[_Stored]] = defaultdict(list)
    for s in updates:
        keys = tuple(sorted(set(s.record) & columns - {"source", "external_id", "batch_id"}))
        groups[keys].append(s)
    for keys, items in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(**{k: bindparam(f"v_{k}") for k in keys})
        )
        session.execute(
            statement, [{"_id": s.id, **{f"v_{k}": s.record.get(k) for k in keys}} for s in items]
        )


# --- rebuilding aggregates from stored records --------------------------------------------------


def rebuild_day(*, session: Session, queue_id: int, day: date) -> int:
    """Recompute one queue-day's aggregates from every stored contact and span (after a file
    import, or a change of the queue's threshold); return the intervals written."""
    look = _Lookups(session, None)
    queue = look.queue_by_id(queue_id)
    zone = look.zone(queue.site_id)
    day_min = (day - EPOCH.date()).days * 1440
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    session.execute(
        delete(IntradayInterval).where(
            IntradayInterval.queue_id == queue_id,
            IntradayInterval.interval_start >= start,
            IntradayInterval.interval_start < end,
        )
    )
    deltas = Deltas()
    rows = session.execute(
        select(*[getattr(Contact, k) for k in CONTACT_KEYS]).where(
            Contact.queue_id == queue_id,
            Contact.arrival_local_min >= day_min,
            Contact.arrival_local_min < day_min + 1440,
        )
    )
    for r in rows:
        rec = dict(zip(CONTACT_KEYS, r, strict=True))
        deltas.contact(rec, queue, +1)
    people = [
        pid
        for (pid,) in session.execute(
            select(PersonSkill.person_id).where(PersonSkill.queue_id == queue_id)
        )
        if look.primary_queue(pid) == queue_id
    ]
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    for part in _chunks(sorted(people)):
        for s in session.scalars(
            select(AgentStateEvent).where(
                AgentStateEvent.person_id.in_(part),
                AgentStateEvent.end_epoch_s > start_s,
                AgentStateEvent.start_epoch_s < end_s,
            )
        ):
            assert s.end_epoch_s is not None
            deltas.span(
                queue_id,
                zone,
                AgentState(s.state),
                max(s.start_epoch_s, start_s),
                min(s.end_epoch_s, end_s),
                +1,
            )
    return apply_deltas(session, deltas)


def rebuild_after_import(*, session: Session, report: ImportReport) -> list[tuple[str, date]]:
    """Rebuild the interval totals of every queue-day a contacts or agent-state import wrote, in
    the import's transaction; return the (queue, local day) pairs rebuilt.

    Called by the import edges (``ccops import ...``, ``POST /api/v1/imports/...``, the import
    page), not by ``contacts.service``: the contacts domain sits below wfm (wfm reads its models
    and importers), so a call from it up into wfm would make an import cycle, and a hook that
    wfm registers into contacts would hide the dependency behind import order. The edges already
    compose domains, so the dependency stays one-way and visible. Interval-report imports write
    no contacts or spans and rebuild nothing.
    """
    if report.kind == "intervals":
        return []
    batch_ids = [report.batch_id]
    if report.agent_states is not None:
        batch_ids.append(report.agent_states.batch_id)
    wanted = [b for b in batch_ids if b is not None]
    if not wanted:
        return []
    days: set[tuple[int, date]] = set()
    for queue_id, day_index in session.execute(
        select(Contact.queue_id, Contact.arrival_local_min // 1440)
        .where(Contact.batch_id.in_(wanted))
        .distinct()
    ):
        days.add((int(queue_id), EPOCH.date() + timedelta(days=int(day_index))))
    look = _Lookups(session, None)
    for person_id, first_s, last_s in session.execute(
        select(
            AgentStateEvent.person_id,
            func.min(AgentStateEvent.start_epoch_s),
            func.max(func.coalesce(AgentStateEvent.end_epoch_s, AgentStateEvent.start_epoch_s)),
        )
        .where(AgentStateEvent.batch_id.in_(wanted))
        .group_by(AgentStateEvent.person_id)
    ):
        primary = look.primary_queue(int(person_id))
        if primary is None:
            continue
        zone = look.zone(look.queue_by_id(primary).site_id)
        day = datetime.fromtimestamp(int(first_s), UTC).astimezone(zone).date()
        last = datetime.fromtimestamp(int(last_s), UTC).astimezone(zone).date()
        while day <= last:
            days.add((primary, day))
            day += timedelta(days=1)
    done = []
    for queue_id, day in sorted(days):
        rebuild_day(session=session, queue_id=queue_id, day=day)
        done.append((look.queue_by_id(queue_id).name, day))
    return done


# --- following a growing file --------------------------------------------------------------------


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def row_event(row: ContactRow | AgentStateRow, label: str) -> dict[str, Any]:
    """The event of one parsed file row; its id changes when the row's content does."""
    if isinstance(row, ContactRow):
        payload: dict[str, Any] = {
            "type": "contact",
            "external_id": row.external_id,
            "queue": row.queue,
            "arrival": _iso(row.arrival_at),
            "answered_at": _iso(row.answered_at),
            "ended_at": _iso(row.ended_at),
            "outcome": row.outcome.value,
            "wait_s": row.wait_s,
            "talk_s": row.talk_s,
            "hold_s": row.hold_s,
            "wrap_s": row.wrap_s,
        }
        for name in ("agent", "customer_key", "channel"):
            if getattr(row, name):
                payload[name] = getattr(row, name)
    else:
        payload = {
            "type": "agent_state",
            "external_id": row.external_id,
            "person": row.person,
            "state": row.state.value,
            "start": _iso(row.start_at),
            "end": _iso(row.end_at),
        }
        if row.reason_code:
            payload["reason_code"] = row.reason_code
    payload = {k: v for k, v in payload.items() if v is not None}
    digest = content_hash([json.dumps(payload, sort_keys=True)])
    payload["id"] = f"{label}:{payload['type']}:{row.external_id}:{digest[:12]}"
    return payload


def read_file_events(
    *, session: Session, path: Path, fmt: str, kind: str = "contacts", mapping: Path | None = None
) -> list[dict[str, Any]]:
    """Parse a whole queue_log or CSV into events (the rows a reader rejects are skipped)."""
    label = path.name
    tally = Tally(label)
    look = _Lookups(session, None)
    rows: Iterable[Any]
    if fmt == "asterisk-queue-log":
        rows = read_queue_log(path, label=label, tally=tally)
    elif fmt == "csv":
        loaded = load_mapping(mapping, kind=kind)
        if kind == "agent_states":
            rows = read_agent_states_table(
                path, "csv", label=label, mapping=loaded, zone_for=look.person_zone, tally=tally
            )
        else:
            rows = read_contacts_table(
                path, "csv", label=label, mapping=loaded, zone_for=look.queue_zone, tally=tally
            )
    else:
        raise Invalid(
            f"events follow reads asterisk-queue-log or csv files, not {fmt!r}",
            [Problem("unknown format", field="format")],
        )
    return [row_event(r, label) for r in rows if isinstance(r, ContactRow | AgentStateRow)]


def _sorted_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(e: dict[str, Any]) -> str:
        return str(e.get("ended_at") or e.get("end") or e.get("arrival") or e.get("start") or "")

    return sorted(events, key=key)


def follow_once(
    *,
    session: Session,
    path: Path,
    fmt: str,
    secret_key: str,
    sent: set[str],
    kind: str = "contacts",
    mapping: Path | None = None,
) -> schemas.IntakeOut | None:
    """Send the events of ``path`` not sent yet (ids in ``sent``); None when there was none."""
    if not path.exists():
        raise Invalid(f"{path}: no such file", [Problem("no such file", file=str(path))])
    events = [
        e
        for e in read_file_events(session=session, path=path, fmt=fmt, kind=kind, mapping=mapping)
        if e["id"] not in sent
    ]
    if not events:
        return None
    out = ingest(session=session, events=_sorted_events(events), secret_key=secret_key)
    sent.update(str(e["id"]) for e in events)
    return out
