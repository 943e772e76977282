"""Asterisk's Manager Interface (AMI) queue events, mapped to the contacts and agent-state spans
the queue_log reader (`ccops.contacts.importers.asterisk`) produces for the same calls.

This module is the pure mapping: no sockets, no database. `AmiMapper.feed` takes one event (its
headers as a mapping, names matched without regard to case) and the time it was received, and
returns what changed: a call now waiting (`PendingCall`, sent as an arrival), a contact (answered
but not ended yet, or ended) and agent-state spans. The live client (``ccops events ami``) sends
these through the same intake as ``POST /api/v1/events`` and ``ccops events follow``.

Calls (one per entry of a channel into a queue; external id ``Uniqueid:Queue:n``, the id the
queue_log gives the same call, so a back-fill from the queue_log finds the same contact):

==========================  ==================================================================
AMI event                   ccops
==========================  ==================================================================
QueueCallerJoin             the call waits (an arrival, counted as offered); ``CallerIDNum``
                            is the customer key (stored only as a keyed hash)
AgentConnect                answered by ``MemberName`` (through the agent aliases): wait =
                            connect − join; the contact is stored at once, answered, no end
AgentComplete               ended ``answered`` (``Reason: transfer``: ``transferred``); talk =
                            complete − connect
QueueCallerAbandon          ended ``abandoned``: wait = abandon − join
QueueCallerLeave            the call left the queue: an ``AgentConnect`` (or an abandon) comes
                            with it; none within ``leave_grace_s`` (timeout, empty queue, key
                            pressed: AMI does not say which, the queue_log does) → ``other``
==========================  ==================================================================

A call whose join was not seen (the client connected or reconnected mid-call) is rebuilt from the
event's own durations: ``HoldTime`` (wait) and ``TalkTime``. An event repeated with the same
``Timestamp`` (a replay) is ignored; a second join of a call already waiting too.

Agent states (one span per change, external id ``agent:start_epoch`` as in the queue_log):

==========================  ==================================================================
AMI event                   state
==========================  ==================================================================
QueueMemberStatus           member of ``Queue``; ``Paused: 1`` → ``not_ready`` (reason
                            ``PausedReason``); ``Status`` 4 (invalid) or 5 (unavailable) →
                            ``offline``; otherwise ``available``
QueueMemberPause            ``Paused: 1`` → ``not_ready`` (reason ``PausedReason`` or
                            ``Reason``), ``Paused: 0`` → ``available``
QueueMemberAdded/Removed    membership: removed from the last queue → ``offline``
AgentConnect/AgentComplete  ``on_contact`` from connect to complete, then the state before
==========================  ==================================================================

The state at connection time (``QueueStatus``): the feed sends the ``QueueStatus`` action after
every login (the first and each reconnection) and gives its answer to `AmiMapper.snapshot`, so
agents and waiting callers are known from the connection on, not from their first later event:

==========================  ==================================================================
QueueStatus answer          ccops
==========================  ==================================================================
QueueParams                 the queues the server has (a queue listed here but no longer
                            among a member's ``QueueMember`` rows is a membership that ended)
QueueMember                 member of ``Queue`` (``Name``, else ``Location``, through the
                            aliases): ``InCall: 1`` → ``on_contact`` (until that agent's next
                            call ends, or a ``QueueMemberStatus`` with ``InCall: 0``);
                            ``Paused: 1`` → ``not_ready`` (``PausedReason``); ``Status`` 4 or 5
                            → ``offline``; otherwise ``available``
QueueEntry                  a caller waiting: arrival = the answer's time − ``Wait`` (external
                            id ``Uniqueid:Queue:n`` as for a join), sent as an arrival; a call
                            already known (waiting, or carried over) is not counted again
==========================  ==================================================================

The answer carries no ``Timestamp``: its time is when it was received (the client's clock), and
the agents' spans of a first connection start then. A call the feed had waiting that the answer
no longer lists left the queue while the connection was down: it is handled as a
``QueueCallerLeave`` at the answer's time (an ``AgentComplete`` coming later rebuilds it as
answered from its own ``HoldTime``).

Times: the ``Timestamp`` header (``timestampevents = yes`` in ``manager.conf``, recommended),
else the time the event was received; whole seconds, as the queue_log has them. Every other
event is ignored.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ccops.contacts.importers.asterisk import ANONYMOUS_CALLERS, PendingCall
from ccops.contacts.importers.base import AgentStateRow, ContactRow, normalise_customer_key
from ccops.enums import AgentState, Outcome

CALL_EVENTS = frozenset(
    {"queuecallerjoin", "queuecallerleave", "queuecallerabandon", "agentconnect", "agentcomplete"}
)
MEMBER_EVENTS = frozenset(
    {"queuememberstatus", "queuememberpause", "queuememberadded", "queuememberremoved"}
)
UNAVAILABLE_DEVICE = frozenset({"4", "5"})
"""``Status`` of QueueMemberStatus meaning the agent's device cannot ring (invalid, unavailable)."""
LEAVE_GRACE_S = 5.0
"""Seconds a call that left its queue waits for its AgentConnect before it ends ``other``."""
SEEN_CAP = 20_000
"""Events remembered to recognise a replay."""

Change = PendingCall | ContactRow | AgentStateRow
"""What one event changed: a call now waiting, a contact (answered or ended), a span."""


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _headers(event: Mapping[str, object]) -> dict[str, str]:
    return {str(k).lower(): str(v).strip() for k, v in event.items() if not isinstance(v, list)}


def _number(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 0 else None


@dataclass
class _Member:
    queues: set[str] = field(default_factory=set)
    paused: bool = False
    reason: str | None = None
    unavailable: bool = False
    in_call: bool = False
    """On a queue call at connection time (``QueueMember`` ``InCall: 1``), call unknown."""
    on_calls: int = 0
    span: tuple[AgentState, str | None, int] | None = None  # state, reason, start

    def state(self) -> tuple[AgentState, str | None]:
        if self.on_calls > 0 or self.in_call:
            return AgentState.on_contact, None
        if not self.queues or self.unavailable:
            return AgentState.offline, None
        if self.paused:
            return AgentState.not_ready, self.reason
        return AgentState.available, None


class AmiMapper:
    """The state of the calls and agents an AMI connection has shown (see the module).

    Args:
        aliases: agent names as logged (lower-cased) → the person's login.
        pending: calls open when the previous session stopped (or open in the queue_log).
        leave_grace_s: seconds a call that left its queue waits for its answer.
    """

    def __init__(
        self,
        *,
        aliases: Mapping[str, str] | None = None,
        pending: Iterable[PendingCall] = (),
        leave_grace_s: float = LEAVE_GRACE_S,
    ) -> None:
        self.names = {k.lower(): v for k, v in (aliases or {}).items()}
        self.calls: dict[tuple[str, str], PendingCall] = {}
        self.entries: Counter[tuple[str, str]] = Counter()
        self.left: dict[tuple[str, str], tuple[int, float]] = {}
        self.members: dict[str, _Member] = {}
        self.notes: Counter[str] = Counter()
        self.leave_grace_s = leave_grace_s
        self.seq = 0
        self.last_epoch: int | None = None
        self._seen: set[tuple[str, ...]] = set()
        self._seen_order: deque[tuple[str, ...]] = deque()
        self.adopt(pending)

    # -- calls ----------------------------------------------------------------------------

    def adopt(self, calls: Iterable[PendingCall], ended: Iterable[str] = ()) -> None:
        """Take ``calls`` as open (from a pending list or a queue_log back-fill) and forget the
        calls whose external ids are in ``ended`` (the back-fill saw them end)."""
        gone = set(ended)
        for key, call in list(self.calls.items()):
            if call.external_id in gone:
                self._drop(key, call)
        for call in calls:
            key = (call.callid, call.queue)
            current = self.calls.get(key)
            if current is not None and (current.entry, current.last) > (call.entry, call.last):
                continue  # what this feed saw is newer
            if current is not None:
                self._drop(key, current)
            self.entries[key] = max(self.entries[key], call.entry)
            self.calls[key] = PendingCall(**vars(call))
            if call.answered is not None and call.agent is not None:
                member = self.members.setdefault(call.agent, _Member())
                member.on_calls += 1
                member.queues.add(call.queue)

    def _drop(self, key: tuple[str, str], call: PendingCall) -> None:
        del self.calls[key]
        self.left.pop(key, None)
        if call.answered is not None and call.agent is not None and call.agent in self.members:
            member = self.members[call.agent]
            member.on_calls = max(0, member.on_calls - 1)

    def open_calls(self) -> list[PendingCall]:
        """The calls open now (waiting, or answered and not ended), oldest first."""
        return sorted(self.calls.values(), key=lambda c: (c.arrival, c.external_id))

    def _agent(self, h: Mapping[str, str]) -> str | None:
        name = h.get("membername") or h.get("interface") or h.get("agent") or ""
        if not name:
            return None
        return self.names.get(name.lower(), name)

    def _replay(self, name: str, h: Mapping[str, str], epoch: int) -> bool:
        """True if this very event (name, call or member, queue, time) was seen before."""
        if "timestamp" not in h:
            return False
        key = (
            name,
            h.get("uniqueid", ""),
            h.get("queue", ""),
            h.get("membername", h.get("interface", "")),
            h.get("paused", ""),
            h.get("status", ""),
            h.get("timestamp", str(epoch)),
        )
        if key in self._seen:
            self.notes["replayed_event"] += 1
            return True
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > SEEN_CAP:
            self._seen.discard(self._seen_order.popleft())
        return False

    def feed(self, event: Mapping[str, object], *, received: float) -> list[Change]:
        """Apply one AMI event (headers; ``received``: Unix time it arrived); return changes."""
        h = _headers(event)
        name = h.get("event", "").lower()
        if name not in CALL_EVENTS and name not in MEMBER_EVENTS:
            return []
        stamp = _number(h.get("timestamp"))
        epoch = stamp if stamp is not None else int(received)
        self.seq += 1
        self.last_epoch = max(self.last_epoch or epoch, epoch)
        if self._replay(name, h, epoch):
            return []
        if name in MEMBER_EVENTS:
            return self._member_event(name, h, epoch)
        uniqueid, queue = h.get("uniqueid", ""), h.get("queue", "")
        if not uniqueid or not queue:
            self.notes["call_event_without_call_or_queue"] += 1
            return []
        out: list[Change] = []
        key = (uniqueid, queue)
        if name == "queuecallerjoin":
            if key in self.calls:
                self.notes["join_of_a_waiting_call"] += 1
                return []
            self.entries[key] += 1
            caller = h.get("calleridnum", "")
            customer = (
                None if caller.lower() in ANONYMOUS_CALLERS else normalise_customer_key(caller)
            )
            joined = PendingCall(
                callid=uniqueid,
                queue=queue,
                entry=self.entries[key],
                line=self.seq,
                arrival=epoch,
                last=epoch,
                answered=None,
                agent=None,
                customer=customer,
                raw=f"AMI QueueCallerJoin {uniqueid} {queue} {epoch}",
            )
            self.calls[key] = joined
            return [joined]
        if name == "queuecallerleave":
            call = self.calls.get(key)
            if call is not None and call.answered is None:
                self.left[key] = (epoch, received)
            return []
        if name == "queuecallerabandon":
            call = self.calls.get(key) or self._rebuilt(key, epoch, h.get("holdtime"), None)
            if call is None or call.answered is not None:
                self.notes["abandon_of_an_unknown_call"] += 1
                return []
            return self._end(key, call, Outcome.abandoned, epoch)
        agent = self._agent(h)
        if name == "agentconnect":
            call = self.calls.get(key) or self._rebuilt(key, epoch, h.get("holdtime"), None)
            if call is None:
                self.notes["connect_of_an_unknown_call"] += 1
                return []
            if call.answered is not None:
                self.notes["second_connect"] += 1
                return []
            self.left.pop(key, None)
            call.answered, call.agent, call.last = epoch, agent, max(call.last, epoch)
            if agent is not None:
                member = self.members.setdefault(agent, _Member())
                member.queues.add(queue)
                member.on_calls += 1
                out.extend(self._changed(agent, epoch))
            out.append(self._contact(call, Outcome.answered, None))
            return out
        # agentcomplete
        call = self.calls.get(key)
        if call is None:
            talk = _number(h.get("talktime"))
            call = self._rebuilt(key, epoch - (talk or 0), h.get("holdtime"), agent)
            if call is None or talk is None:
                self.notes["complete_of_an_unknown_call"] += 1
                return []
        if call.answered is None:
            self.notes["complete_of_a_call_never_connected"] += 1
            call.answered, call.agent = epoch, agent
        outcome = (
            Outcome.transferred if h.get("reason", "").lower() == "transfer" else Outcome.answered
        )
        return self._end(key, call, outcome, epoch)

    def _rebuilt(
        self, key: tuple[str, str], answered: int, hold: str | None, agent: str | None
    ) -> PendingCall | None:
        """A call whose join was not seen, rebuilt from its wait (``HoldTime``)."""
        wait = _number(hold)
        if wait is None:
            return None
        self.notes["rebuilt_from_durations"] += 1
        self.entries[key] = max(self.entries[key], 1)
        call = PendingCall(
            callid=key[0],
            queue=key[1],
            entry=self.entries[key],
            line=self.seq,
            arrival=answered - wait,
            last=answered,
            answered=answered if agent is not None else None,
            agent=agent,
            customer=None,
            raw=f"AMI {key[0]} {key[1]} rebuilt",
        )
        self.calls[key] = call
        if agent is not None:
            member = self.members.setdefault(agent, _Member())
            member.on_calls += 1
        return call

    def _contact(self, call: PendingCall, outcome: Outcome, ended: int | None) -> ContactRow:
        answered = call.answered if outcome in (Outcome.answered, Outcome.transferred) else None
        wait_end = answered if answered is not None else (ended if ended is not None else 0)
        return ContactRow(
            line=call.line,
            external_id=call.external_id,
            queue=call.queue,
            arrival_at=_at(call.arrival),
            outcome=outcome,
            answered_at=_at(answered) if answered is not None else None,
            ended_at=_at(ended) if ended is not None else None,
            wait_s=float(max(0, wait_end - call.arrival)),
            talk_s=float(max(0, ended - answered))
            if ended is not None and answered is not None
            else 0.0,
            agent=call.agent if answered is not None else None,
            customer_key=call.customer,
            raw=call.raw,
        )

    def _end(
        self, key: tuple[str, str], call: PendingCall, outcome: Outcome, epoch: int
    ) -> list[Change]:
        """End a call: its contact, and its agent back to the state before."""
        del self.calls[key]
        self.left.pop(key, None)
        out: list[Change] = [self._contact(call, outcome, max(epoch, call.last))]
        if call.answered is not None and call.agent is not None:
            member = self.members.setdefault(call.agent, _Member())
            member.queues.add(call.queue)
            member.on_calls = max(0, member.on_calls - 1)
            member.in_call = False  # the call it was on at connection time has ended too
            out.extend(self._changed(call.agent, max(epoch, call.last)))
        return out

    def flush(self, now: float) -> list[Change]:
        """End the calls that left their queue ``leave_grace_s`` ago without an answer."""
        out: list[Change] = []
        for key, (epoch, received) in list(self.left.items()):
            if now - received >= self.leave_grace_s and key in self.calls:
                self.notes["left_unanswered"] += 1
                out.extend(self._end(key, self.calls[key], Outcome.other, epoch))
        return out

    # -- the state at connection time ----------------------------------------------------

    def snapshot(self, answer: Iterable[Mapping[str, object]], *, received: float) -> list[Change]:
        """Apply the answer to ``QueueStatus`` (its messages in order; ``received``: Unix time it
        arrived); return what changed: callers waiting now that were not known (arrivals) and
        the agents' spans. See the module for the mapping."""
        epoch = int(received)
        self.seq += 1
        self.notes["queue_status"] += 1
        queues: dict[str, int | None] = {}
        listed: dict[str, set[str]] = {}
        rows: list[tuple[str, dict[str, str]]] = []
        waiting: set[tuple[str, str]] = set()
        out: list[Change] = []
        for message in answer:
            h = _headers(message)
            kind = h.get("event", "").lower()
            queue = h.get("queue", "")
            if kind == "queueparams" and queue:
                queues[queue] = _number(h.get("calls"))
            elif kind == "queuemember" and queue:
                agent = self._agent(
                    {"membername": h.get("name", ""), "interface": h.get("location", "")}
                )
                if agent is None:
                    self.notes["member_event_without_member"] += 1
                    continue
                listed.setdefault(agent, set()).add(queue)
                rows.append((agent, h))
            elif kind == "queueentry" and queue:
                uniqueid = h.get("uniqueid", "")
                if not uniqueid:
                    self.notes["queue_entry_without_uniqueid"] += 1
                    continue
                waiting.add((uniqueid, queue))
                call = self._waiting(h, (uniqueid, queue), epoch)
                if call is not None:
                    out.append(call)
        for queue, calls in queues.items():
            if calls is not None and calls != sum(1 for _, q in waiting if q == queue):
                self.notes["queue_params_calls_differ"] += 1
        # members: exactly the queues listed for them; those no longer listed left them
        touched: list[str] = []
        for agent, member in self.members.items():
            if agent not in listed and member.queues & queues.keys():
                member.queues -= queues.keys()
                touched.append(agent)
        for agent, h in rows:
            member = self.members.setdefault(agent, _Member())
            if agent not in touched:
                member.queues = {q for q in member.queues if q not in queues}
                touched.append(agent)
            member.queues.add(h["queue"])
            member.paused = h.get("paused") == "1"
            member.reason = (h.get("pausedreason") or None) if member.paused else None
            if "status" in h:
                member.unavailable = h["status"] in UNAVAILABLE_DEVICE
            member.in_call = h.get("incall") == "1" and member.on_calls == 0
        for agent in touched:
            out.extend(self._changed(agent, epoch))
        # calls waiting before that the answer no longer lists left the queue in the meantime
        for key, call in self.calls.items():
            if call.answered is None and key not in waiting and key[1] in queues:
                self.notes["left_while_disconnected"] += 1
                self.left.setdefault(key, (epoch, received))
        return out

    def _waiting(
        self, h: Mapping[str, str], key: tuple[str, str], epoch: int
    ) -> PendingCall | None:
        """The caller of a ``QueueEntry`` row as a waiting call (None: already known)."""
        uniqueid, queue = key
        if key in self.calls:
            return None  # waiting already (joined, or carried over from the previous run)
        wait = _number(h.get("wait")) or 0
        self.entries[key] += 1
        caller = h.get("calleridnum", "")
        customer = None if caller.lower() in ANONYMOUS_CALLERS else normalise_customer_key(caller)
        call = PendingCall(
            callid=uniqueid,
            queue=queue,
            entry=self.entries[key],
            line=self.seq,
            arrival=epoch - wait,
            last=epoch,
            answered=None,
            agent=None,
            customer=customer,
            raw=f"AMI QueueEntry {uniqueid} {queue} wait {wait} at {epoch}",
        )
        self.calls[key] = call
        self.notes["waiting_at_connection"] += 1
        return call

    # -- agents ---------------------------------------------------------------------------

    def _member_event(self, name: str, h: Mapping[str, str], epoch: int) -> list[Change]:
        agent = self._agent(h)
        if agent is None:
            self.notes["member_event_without_member"] += 1
            return []
        member = self.members.setdefault(agent, _Member())
        queue = h.get("queue", "")
        if name == "queuememberremoved":
            member.queues.discard(queue)
        else:
            if queue:
                member.queues.add(queue)
            if "paused" in h:
                member.paused = h["paused"] == "1"
                reason = h.get("pausedreason") or h.get("reason") or ""
                member.reason = (reason or None) if member.paused else None
            if name == "queuememberstatus" and "status" in h:
                member.unavailable = h["status"] in UNAVAILABLE_DEVICE
            if h.get("incall") == "0":
                member.in_call = False
        return self._changed(agent, epoch)

    def _changed(self, name: str, epoch: int) -> list[Change]:
        """The spans of an agent whose state may have changed at ``epoch``: the closed span and
        the new open one (a span of zero length is replaced by the new state)."""
        member = self.members[name]
        state, reason = member.state()
        out: list[Change] = []
        if member.span is not None:
            old_state, old_reason, start = member.span
            if (old_state, old_reason) == (state, reason):
                return []
            if epoch > start:
                out.append(
                    AgentStateRow(
                        line=self.seq,
                        external_id=f"{name}:{start}",
                        person=name,
                        state=old_state,
                        reason_code=old_reason,
                        start_at=_at(start),
                        end_at=_at(epoch),
                    )
                )
            else:
                epoch = start
        member.span = (state, reason, epoch)
        out.append(
            AgentStateRow(
                line=self.seq,
                external_id=f"{name}:{epoch}",
                person=name,
                state=state,
                reason_code=reason,
                start_at=_at(epoch),
            )
        )
        return out
