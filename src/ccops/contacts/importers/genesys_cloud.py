"""Genesys Cloud analytics conversation details, as ``POST /api/v2/analytics/conversations/
details/query`` and the results of an analytics details job return them: a response object
``{"conversations": [...]}`` (one or several, e.g. one per page), a JSON array of conversations,
or conversations one after another (JSON lines).

Mapping (the fields of the conversation-detail model ccops reads; the rest is ignored):

* ``conversationId`` is the external id. A conversation may come twice in one file (overlapping
  query intervals): the copy with the latest ``conversationEnd`` wins (the others are counted
  under notes ``conversation_superseded``). A conversation without ``conversationEnd`` is still
  going: skipped ``in_progress`` (a later export brings it whole).
* Each segment with ``segmentType`` ``interact`` in a session of a participant with ``purpose``
  ``acd`` is one contact offered to a queue: the queue is the acd participant's
  ``participantName`` (else the segment's ``queueId``), it arrived at ``segmentStart``. A
  conversation with no acd participant never reached a queue: skipped ``not_queued``.
* A conversation offered to several queues (transferred from one to the next) gives one contact
  per queue, in the order they were offered: the first keeps the ``conversationId``, the n-th is
  ``conversationId:n``; every offer but the last is flagged transferred.
* The offer is answered by the participant with ``purpose`` ``agent`` whose segments carry the
  offer's ``queueId`` (or no queueId) and whose first ``interact`` segment starts within the acd
  segment (an agent alerted who did not answer has no ``interact`` segment). Answered at that
  start; wait =
  the acd session's ``tAcd`` metric, else answer − arrival; talk = the agent's ``tTalk``
  metrics, else its ``interact`` segments; hold = ``tHeld``, else its ``hold`` segments; wrap =
  ``tAcw``, else its ``wrapup`` segments (metrics are milliseconds); ended at the end of the
  agent's last segment before wrap-up. The agent is the participant's ``participantName`` (else
  its ``userId``), matched to a person's login or alias.
* No agent answered (``tAbandon`` metric, the caller hung up — ``disconnectType`` ``peer`` — or
  the offer ended otherwise): abandoned at ``segmentEnd``, wait = ``tAbandon``, else ``tAcd``,
  else end − arrival.
* The ``ani`` of the ``customer`` (or ``external``) participant's first session, without its
  ``tel:``/``sip:`` prefix, is the customer key (stored only as a keyed hash).

Each bad conversation is named by its number in the file, the line it starts on and the field
(``participants[2].sessions[0].segments[1].segmentStart``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ccops.contacts.importers.amazon_connect import (
    BadRecord,
    Unreadable,
    latest_copies,
    refused_record,
)
from ccops.contacts.importers.base import (
    ContactContext,
    ContactRow,
    RejectedRow,
    Tally,
    normalise_customer_key,
)
from ccops.enums import Outcome

WRAPPER = re.compile(r'"conversations"\s*:\s*\[')
"""Where the conversations of a query response or job result begin."""

ANSWER_SLACK_S = 1.0
"""An agent's first interact may start this long after its acd segment ended (rounding)."""


def conversations(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, value) of each conversation: response objects are opened, arrays flattened.

    The line is where the conversation starts, also inside a pretty-printed response.
    """
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
            yield from _items(text, at, end, value, line)
        elif (
            isinstance(value, dict)
            and "conversationId" not in value
            and ("conversations" in value or "totalHits" in value or "cursor" in value)
        ):
            # a query response or job result page; one without conversations holds none
            inner = value.get("conversations")
            found = WRAPPER.search(text, at, end) if isinstance(inner, list) else None
            if isinstance(inner, list) and found is not None:
                yield from _items(text, found.end() - 1, end, inner, line)
        else:
            yield line, value
        at = end


def _items(
    text: str, start: int, end: int, items: list[Any], line: int
) -> Iterator[tuple[int, Any]]:
    """Pair each item of the array at ``text[start]`` with the line it starts on."""
    at = start + 1
    for item in items:
        while at < end and text[at] in " \t\r\n,":
            at += 1
        try:
            _, at_end = json.JSONDecoder().raw_decode(text, at)
        except json.JSONDecodeError:  # pragma: no cover - the array decoded as a whole
            yield line, item
            continue
        yield text.count("\n", 0, at) + 1, item
        at = at_end


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise BadRecord(where, f"{value!r} is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(where, f"{value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise BadRecord(where, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord(where, f"{where.rsplit('.', 1)[-1]} is not a list")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRecord(where, "not an object")
    return value


@dataclass
class _Segment:
    kind: str
    start: datetime
    end: datetime | None
    queue_id: str | None
    disconnect: str | None


@dataclass
class _Participant:
    index: int
    purpose: str
    name: str | None
    user_id: str | None
    ani: str | None
    segments: list[_Segment]
    metrics: dict[str, float]
    """Sum (seconds) of each metric over the participant's sessions."""


def _participant(value: Any, index: int) -> _Participant:
    where = f"participants[{index}]"
    item = _object(value, where)
    purpose = item.get("purpose")
    name = item.get("participantName")
    user = item.get("userId")
    segments: list[_Segment] = []
    metrics: dict[str, float] = {}
    ani: str | None = None
    for s, session in enumerate(_list(item.get("sessions"), f"{where}.sessions")):
        at = f"{where}.sessions[{s}]"
        session = _object(session, at)
        if ani is None and isinstance(session.get("ani"), str):
            ani = session["ani"]
        for g, segment in enumerate(_list(session.get("segments"), f"{at}.segments")):
            seg_at = f"{at}.segments[{g}]"
            segment = _object(segment, seg_at)
            start = _time(segment.get("segmentStart"), f"{seg_at}.segmentStart")
            end_value = segment.get("segmentEnd")
            end = None if end_value is None else _time(end_value, f"{seg_at}.segmentEnd")
            if end is not None and end < start:
                raise BadRecord(
                    f"{seg_at}.segmentEnd",
                    f"the segment ends {(start - end).total_seconds():g} s before it starts",
                )
            queue = segment.get("queueId")
            disconnect = segment.get("disconnectType")
            kind = segment.get("segmentType")
            segments.append(
                _Segment(
                    kind if isinstance(kind, str) else "",
                    start,
                    end,
                    queue if isinstance(queue, str) and queue else None,
                    disconnect if isinstance(disconnect, str) else None,
                )
            )
        for m, metric in enumerate(_list(session.get("metrics"), f"{at}.metrics")):
            metric = _object(metric, f"{at}.metrics[{m}]")
            label = metric.get("name")
            number = metric.get("value")
            if not isinstance(label, str):
                continue
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise BadRecord(
                    f"{at}.metrics[{m}].value", f"{number!r} is not a duration in milliseconds"
                )
            metrics[label] = metrics.get(label, 0.0) + number / 1000.0
    segments.sort(key=lambda x: x.start)
    return _Participant(
        index,
        purpose.strip().lower() if isinstance(purpose, str) else "",
        name.strip() if isinstance(name, str) and name.strip() else None,
        user.strip() if isinstance(user, str) and user.strip() else None,
        ani,
        segments,
        metrics,
    )


def _spans(segments: list[_Segment], kind: str) -> float:
    return sum(
        (
            (s.end - s.start).total_seconds()
            for s in segments
            if s.kind == kind and s.end is not None
        ),
        0.0,
    )


def _customer(participants: list[_Participant]) -> str | None:
    for p in participants:
        if p.purpose in ("customer", "external") and p.ani:
            text = p.ani.strip()
            for prefix in ("tel:", "sip:"):
                if text.lower().startswith(prefix):
                    text = text[len(prefix) :]
            return normalise_customer_key(text)
    return None


def _answering_agent(
    agents: list[_Participant], queue_id: str | None, start: datetime, end: datetime | None
) -> tuple[_Participant, datetime] | None:
    """The agent who answered an offer and when (None: nobody did)."""
    best: tuple[_Participant, datetime] | None = None
    for agent in agents:
        queues = {s.queue_id for s in agent.segments if s.queue_id is not None}
        if queue_id is not None and queues and queue_id not in queues:
            continue  # this agent took another queue's offer (no queueId: timing decides)
        first = next((s.start for s in agent.segments if s.kind == "interact"), None)
        if first is None or first < start:
            continue
        if end is not None and (first - end).total_seconds() > ANSWER_SLACK_S:
            continue
        if best is None or first < best[1]:
            best = (agent, first)
    return best


def contacts_from_conversation(record: Any, number: int, tally: Tally) -> list[ContactRow]:
    """The contacts of one conversation (one per queue it was offered to); BadRecord if bad."""
    if not isinstance(record, dict):
        raise BadRecord("conversation", "a conversation is a JSON object")
    conversation_id = record.get("conversationId")
    if not isinstance(conversation_id, str) or not conversation_id.strip():
        raise BadRecord("conversationId", "missing conversationId")
    conversation_id = conversation_id.strip()
    if record.get("conversationEnd") is None:
        tally.skipped["in_progress"] += 1
        return []
    ended = _time(record.get("conversationEnd"), "conversationEnd")
    participants = [
        _participant(p, i) for i, p in enumerate(_list(record.get("participants"), "participants"))
    ]
    offers: list[tuple[_Participant, _Segment]] = [
        (p, s)
        for p in participants
        if p.purpose == "acd"
        for s in p.segments
        if s.kind == "interact"
    ]
    if not offers:
        tally.skipped["not_queued"] += 1
        return []
    offers.sort(key=lambda o: o[1].start)
    agents = [p for p in participants if p.purpose == "agent"]
    customer = _customer(participants)
    raw = json.dumps(record, sort_keys=True)[:2000]
    rows: list[ContactRow] = []
    for n, (acd, segment) in enumerate(offers, start=1):
        queue = acd.name or segment.queue_id
        if queue is None:
            raise BadRecord(
                f"participants[{acd.index}].participantName", "no queue name and no queueId"
            )
        external_id = conversation_id if n == 1 else f"{conversation_id}:{n}"
        context = ContactContext(transferred=True) if n < len(offers) else ContactContext()
        answer = _answering_agent(agents, segment.queue_id, segment.start, segment.end)
        if answer is not None:
            agent, answered = answer
            own = [s for s in agent.segments if s.kind != "wrapup" and s.end is not None]
            last = max((s.end for s in own if s.end is not None), default=None)
            talk = agent.metrics.get("tTalk")
            hold = agent.metrics.get("tHeld")
            wrap = agent.metrics.get("tAcw")
            rows.append(
                ContactRow(
                    line=number,
                    external_id=external_id,
                    queue=queue,
                    arrival_at=segment.start,
                    outcome=Outcome.answered,
                    answered_at=answered,
                    ended_at=last or ended,
                    wait_s=acd.metrics.get("tAcd", (answered - segment.start).total_seconds()),
                    talk_s=_spans(agent.segments, "interact") if talk is None else talk,
                    hold_s=_spans(agent.segments, "hold") if hold is None else hold,
                    wrap_s=_spans(agent.segments, "wrapup") if wrap is None else wrap,
                    agent=agent.name or agent.user_id,
                    customer_key=customer,
                    context=context,
                    raw=raw,
                )
            )
            continue
        gone = segment.end or ended
        wait = acd.metrics.get("tAbandon", acd.metrics.get("tAcd"))
        if segment.disconnect == "peer" or "tAbandon" in acd.metrics:
            tally.notes["caller_hung_up"] += 1
        rows.append(
            ContactRow(
                line=number,
                external_id=external_id,
                queue=queue,
                arrival_at=segment.start,
                outcome=Outcome.abandoned,
                ended_at=gone,
                wait_s=max(0.0, (gone - segment.start).total_seconds()) if wait is None else wait,
                customer_key=customer,
                context=context,
                raw=raw,
            )
        )
    return rows


def read_conversations(
    path: Path, *, label: str, tally: Tally
) -> Iterator[ContactRow | RejectedRow]:
    """Yield the contacts of a file of Genesys Cloud conversation details (see the module).

    Rows are numbered by conversation (1 = the file's first); a problem names the conversation,
    the line it starts on and the field. The file is read whole (a query page is small).
    """
    text = path.read_text(encoding="utf-8-sig")
    kept, rejected = latest_copies(
        conversations(text),
        tally,
        key="conversationId",
        stamp="conversationEnd",
        note="conversation_superseded",
    )
    for record_number, record, line in kept:
        try:
            rows = contacts_from_conversation(record, record_number, tally)
        except BadRecord as bad:
            yield refused_record("conversation", record_number, line, record, bad, tally)
            continue
        yield from rows
    yield from rejected
