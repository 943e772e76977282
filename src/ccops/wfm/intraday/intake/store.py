"""Writing an intake batch: each valid event applied to the stored contact, waiting contact
(arrival) or agent-state span it concerns, its old contribution to the interval totals taken out
and the new one added, the records and the intake log written, and the totals updated in place.

A later event on the same contact or span updates it; an event older (``event_at``) than the
newest one seen for the record (applied or not: an event repeating the stored content counts as
seen too) is answered ``stale``, logged and never applied, so late events arriving out of order
never roll a record back. A new span of a person closes that person's open span at its start (a live
feed sends state changes, not spans).

This module writes the contact tables and the intraday totals only; what follows a batch
(adherence alerts, exception plans) is composed by ``ccops.flows``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, delete, false, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import (
    CONTEXT_FIELDS,
    EPOCH,
    Tally,
    content_hash,
    insert_rows,
    keep_stored,
)
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import attempt
from ccops.enums import AgentState, Outcome
from ccops.errors import Invalid, Problem
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.constants import EVENT_SOURCE, INTERVAL_MIN
from ccops.wfm.intraday.intake import parse
from ccops.wfm.intraday.lookups import Lookups, aware, chunks, site_of
from ccops.wfm.intraday.models import IntakeEvent, LiveContact
from ccops.wfm.intraday.totals import CONTACT_KEYS, Deltas, apply_deltas

MAX_BATCH = 50_000
"""Events per batch at most."""


@dataclass
class StoredBatch:
    """What a batch did: one result per event (in no particular order), and what it touched for
    the steps that follow (queue -> local days whose totals changed; people whose states
    arrived)."""

    results: list[schemas.EventResultOut]
    touched: dict[int, set[date]] = field(default_factory=dict)
    people: list[int] = field(default_factory=list)


def store_events(
    *,
    session: Session,
    events: Iterable[str | dict[str, Any]],
    secret_key: str,
    now: datetime,
    allowed_site_ids: frozenset[int] | None = None,
    source: str = EVENT_SOURCE,
    max_events: int = MAX_BATCH,
    site_id: int | None = None,
) -> StoredBatch:
    """Write a batch of contact and agent-state events and update the interval totals.

    Batches from concurrent clients take turns (``lock_intake``), so each reads what the one
    before it wrote. A batch that still meets a conflicting write (a unique key written by an
    import meanwhile, a deadlock) is undone to its savepoint and tried again; after
    ``ATTEMPTS`` it is written event by event, each in its own savepoint, so every event gets
    its own answer and the request never fails as a whole.

    Args:
        session: the caller's transaction.
        events: JSON lines (str) or decoded objects, in the order they were emitted.
        secret_key: the key of customer-key pseudonyms.
        now: the current time (events after it are refused).
        allowed_site_ids: the caller's scope (None: every site).
        source: the source name of the records written.
        max_events: events per batch at most (more: the batch is refused whole).
        site_id: the site the events come from (a feed's ``--site``): queue names are that
            site's, a queue of another site is refused (None: queues by name alone).
    """
    items = list(events)
    if len(items) > max_events:
        raise Invalid(
            f"a batch holds at most {max_events} events; this one has {len(items)}: split it",
            [Problem(f"more than {max_events} events", field="body")],
        )
    lock_intake(session)

    def write(part: list[str | dict[str, Any]]) -> StoredBatch:
        return _store_batch(
            session=session,
            items=part,
            secret_key=secret_key,
            now=now,
            allowed_site_ids=allowed_site_ids,
            source=source,
            site_id=site_id,
        )

    try:
        return _retrying(session, lambda: write(items))
    except DBAPIError as exc:
        if not _retryable(exc):
            raise
    return _event_by_event(session, items, write)


ATTEMPTS = 3
"""Tries of a batch (then of each event) that meets a conflicting concurrent write."""


def lock_intake(session: Session) -> None:
    """Make this transaction the only one writing intake until it ends.

    PostgreSQL: a transaction-level advisory lock; SQLite: its write lock, taken now (a no-op
    UPDATE) rather than at the first write, so this batch's reads see every earlier batch.
    Without it two batches read the same stored state and write the same keys or totals.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(INTAKE_LOCK_KEY)))
    else:
        session.execute(update(IntakeEvent).where(false()).values(id=IntakeEvent.id))


INTAKE_LOCK_KEY = 0x43434F5053494E54
"""The PostgreSQL advisory lock key of the event intake ("CCOPSINT")."""


def _retryable(exc: DBAPIError) -> bool:
    """A unique-key conflict, a deadlock or a serialization failure: trying again can succeed."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "pgcode", None) in ("40P01", "40001")


def _retrying(session: Session, work: Callable[[], StoredBatch]) -> StoredBatch:
    """Run ``work`` in a savepoint; undo and run it again on a retryable conflict."""
    for attempt_no in range(1, ATTEMPTS + 1):
        try:
            with attempt(session):
                return work()
        except DBAPIError as exc:
            if not _retryable(exc) or attempt_no == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _event_by_event(
    session: Session,
    items: list[str | dict[str, Any]],
    write: Callable[[list[str | dict[str, Any]]], StoredBatch],
) -> StoredBatch:
    """Write each event in its own savepoint; an event that keeps conflicting is refused alone."""
    merged = StoredBatch(results=[])
    touched: dict[int, set[date]] = defaultdict(set)
    people: set[int] = set()
    for line, item in enumerate(items, start=1):
        try:
            one = _retrying(session, partial(write, [item]))
        except DBAPIError as exc:
            if not _retryable(exc):
                raise
            merged.results.append(
                parse.reject(
                    line,
                    None,
                    "not written: it kept conflicting with writes of other clients at the same "
                    "time; send it again",
                )
            )
            continue
        for r in one.results:
            merged.results.append(r.model_copy(update={"line": line}))
        for queue_id, days in one.touched.items():
            touched[queue_id] |= days
        people.update(one.people)
    merged.touched = dict(touched)
    merged.people = sorted(people)
    return merged


def _store_batch(
    *,
    session: Session,
    items: list[str | dict[str, Any]],
    secret_key: str,
    now: datetime,
    allowed_site_ids: frozenset[int] | None,
    source: str,
    site_id: int | None = None,
) -> StoredBatch:
    """One try at writing a batch (see ``store_events``)."""
    results: list[schemas.EventResultOut] = []
    candidates = parse.dedupe(session, parse.parse_lines(items, results), results)
    look = Lookups(session, allowed_site_ids, site_of(session, site_id))
    look.prefetch_people(
        [
            str(c.payload.get(k))
            for c in candidates
            for k in ("agent", "person")
            if isinstance(c.payload.get(k), str)
        ]
    )
    tally = Tally("events")
    valid: list[parse.Candidate] = []
    for c in candidates:
        try:
            c.event_at = parse.event_time(c.payload)
        except ValueError as exc:
            results.append(parse.reject(c.line, c.event_id, f"event_at: {exc}", "event_at"))
            continue
        if c.kind == "contact":
            bad = parse.validate_contact(c, look, now, secret_key, source, tally)
        else:
            bad = parse.validate_state(c, look, now, source, tally)
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
            applied, detail, stale = _apply_arrival(c, contacts, lives, look, deltas)
            touched[int(c.record["queue_id"])].add(_local_day(c.record))
        elif c.kind == "contact":
            applied, detail, stale = _apply_contact(c, contacts, lives, look, deltas)
            queue = look.queue_by_id(int(c.record["queue_id"]))
            touched[queue.id].add(_local_day(c.record))
        else:
            applied, detail, stale = _apply_state(c, states, open_spans, look, deltas)
            queue_id = look.primary_queue(int(c.record["person_id"]))
            if queue_id is not None:
                touched[queue_id].add(
                    (c.record["start_at"] + timedelta(minutes=c.record["utc_offset_min"])).date()
                )
        results.append(
            schemas.EventResultOut(
                line=c.line,
                id=c.event_id,
                status="stale" if stale else "accepted",
                detail=detail,
                applied=applied,
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
    return StoredBatch(results=results, touched=dict(touched), people=people)


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
    for part in chunks(sorted(set(ext_ids))):
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
    for part in chunks(sorted(set(ext_ids))):
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
        "start_at": aware(s.start_at),
        "end_at": aware(s.end_at) if s.end_at is not None else None,
        "start_epoch_s": s.start_epoch_s,
        "end_epoch_s": s.end_epoch_s,
        "utc_offset_min": s.utc_offset_min,
        "content_hash": s.content_hash,
    }


def _last_event_times(session: Session, targets: list[str]) -> dict[str, datetime]:
    """The newest ``event_at`` seen per record: every logged event counts, applied or not (an
    event that repeated the stored content still says the record was so at that time)."""
    out: dict[str, datetime] = {}
    for part in chunks(sorted(set(targets))):
        for target, at in session.execute(
            select(IntakeEvent.target, func.max(IntakeEvent.event_at))
            .where(IntakeEvent.target.in_(part))
            .group_by(IntakeEvent.target)
        ):
            out[target] = aware(at)
    return out


def _span_deltas(deltas: Deltas, look: Lookups, rec: dict[str, Any], sign: float) -> None:
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


def _local_day(rec: dict[str, Any]) -> date:
    return (EPOCH + timedelta(minutes=int(rec["arrival_local_min"]))).date()


def _load_lives(session: Session, source: str, ext_ids: list[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    for part in chunks(sorted(set(ext_ids))):
        for live in session.scalars(
            select(LiveContact).where(
                LiveContact.source == source, LiveContact.external_id.in_(part)
            )
        ):
            rec = {
                "source": live.source,
                "external_id": live.external_id,
                "queue_id": live.queue_id,
                "arrival_at": aware(live.arrival_at),
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


class Applied(NamedTuple):
    """What one valid event did: whether it changed stored data, in words, and whether it was
    older than the newest event seen for its record (``stale``: logged, never applied)."""

    applied: bool
    detail: str
    stale: bool = False


def _is_stale(c: parse.Candidate, current: _Stored | None) -> bool:
    return (
        current is not None
        and current.event_at is not None
        and c.event_at is not None
        and c.event_at < current.event_at
    )


def _stale(c: parse.Candidate, what: str, current: _Stored) -> Applied:
    assert c.event_at is not None and current.event_at is not None
    return Applied(
        False,
        f"stale: older than the newest event seen for {what} "
        f"({c.event_at.isoformat(timespec='seconds')} < "
        f"{current.event_at.isoformat(timespec='seconds')}): logged, not applied",
        stale=True,
    )


def _seen(c: parse.Candidate, current: _Stored) -> None:
    """Remember that ``c`` (not older) saw the record as it is, though it changed nothing."""
    if c.event_at is not None and (current.event_at is None or c.event_at > current.event_at):
        current.event_at = c.event_at


def _apply_arrival(
    c: parse.Candidate,
    contacts: dict[str, _Stored],
    lives: dict[str, _Stored],
    look: Lookups,
    deltas: Deltas,
) -> Applied:
    assert c.record is not None
    ext = c.record["external_id"]
    ended = contacts.get(ext)
    if ended is not None:
        if _is_stale(c, ended):
            return _stale(c, f"contact {ext} (it has already ended)", ended)
        return Applied(False, f"contact {ext} has already ended: its arrival changes nothing")
    if ext in lives and not lives[ext].record.get("_deleted"):
        return Applied(False, f"contact {ext} is already waiting: nothing changed")
    live = {k: c.record[k] for k in ("source", "external_id", "queue_id", "arrival_at")}
    live["arrival_local_min"] = c.record["arrival_local_min"]
    live["utc_offset_min"] = c.record["utc_offset_min"]
    lives[ext] = _Stored(None, live, c.event_at, dirty=True)
    _live_delta(deltas, live, +1)
    return Applied(True, f"contact {ext} waiting (counted as offered)")


def _write_lives(session: Session, lives: dict[str, _Stored]) -> None:
    gone = [s.id for s in lives.values() if s.record.get("_deleted") and s.id is not None]
    new = [
        s.record
        for s in lives.values()
        if s.dirty and s.id is None and not s.record.get("_deleted")
    ]
    for part in chunks(gone):
        session.execute(delete(LiveContact).where(LiveContact.id.in_(part)))
    if new:
        insert_rows(session, cast(Table, LiveContact.__table__), new)


def _apply_contact(
    c: parse.Candidate,
    contacts: dict[str, _Stored],
    lives: dict[str, _Stored],
    look: Lookups,
    deltas: Deltas,
) -> Applied:
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
        return Applied(True, f"contact {ext} recorded")
    if _is_stale(c, current):
        return _stale(c, f"contact {ext}", current)
    if current.record["content_hash"] == c.record["content_hash"]:
        _seen(c, current)
        return Applied(False, f"contact {ext} already has this content; nothing changed")
    deltas.contact(current.record, look.queue_by_id(int(current.record["queue_id"])), -1)
    deltas.contact(c.record, queue, +1)
    contacts[ext] = _Stored(current.id, c.record, c.event_at, dirty=True)
    return Applied(True, f"contact {ext} updated")


def _open_spans(session: Session, source: str, valid: list[parse.Candidate]) -> dict[int, _Stored]:
    people = sorted(
        {int(c.record["person_id"]) for c in valid if c.kind == "agent_state" and c.record}
    )
    out: dict[int, _Stored] = {}
    for part in chunks(people):
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
    c: parse.Candidate,
    states: dict[str, _Stored],
    open_spans: dict[int, _Stored],
    look: Lookups,
    deltas: Deltas,
) -> Applied:
    assert c.record is not None and c.event_at is not None
    rec = c.record
    ext = rec["external_id"]
    person_id = int(rec["person_id"])
    current = states.get(ext)
    if current is not None and _is_stale(c, current):
        return _stale(c, f"span {ext}", current)
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
        _seen(c, current)
        return Applied(bool(notes), "; ".join([f"span {ext} already has this content", *notes]))
    if current is not None:
        _span_deltas(deltas, look, current.record, -1)
    _span_deltas(deltas, look, rec, +1)
    states[ext] = _Stored(None if current is None else current.id, rec, c.event_at, dirty=True)
    if rec["end_at"] is None:
        open_spans[person_id] = states[ext]
    elif person_id in open_spans and open_spans[person_id].record["external_id"] == ext:
        del open_spans[person_id]
    verb = "recorded" if current is None else "updated"
    return Applied(True, "; ".join([f"span {ext} {verb}", *notes]))


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
        kept = keep_stored(s.record, CONTEXT_FIELDS if model is Contact else ())
        keys = tuple(sorted(set(kept) & columns - {"source", "external_id", "batch_id"}))
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
