"""Asterisk's ``queue_log``: ``epoch|callid|queue|agent|event|data1|data2|…``, one event a line.

Calls: ENTERQUEUE opens a contact (a call that enters several queues, or one queue again, makes
one contact per entry: external id ``callid:queue:n``); CONNECT answers it (wait = CONNECT −
ENTERQUEUE); COMPLETEAGENT / COMPLETECALLER end it answered; TRANSFER (and the later
BLINDTRANSFER / ATTENDEDTRANSFER) after CONNECT ends it transferred; ABANDON ends it abandoned;
EXITWITHTIMEOUT, EXITEMPTY and EXITWITHKEY end it offered but neither answered nor abandoned.
Events of calls that entered the queue before the file began are counted and skipped, unless
the call is one of the ``pending`` calls handed in (calls still open at the end of the previous
file of the same source: logrotate splits a log between a call's CONNECT and its end). Calls
still open at the end of the file are handed back as `PendingCall` (to be completed by the next
file); one already answered (CONNECT seen) is also yielded as a provisional contact: offered and
answered with its wait, no end and no talk time yet, completed in place when its end is read.

Agent names: the agent field is what Asterisk logged (the member name on CONNECT and PAUSE; the
interface, e.g. ``Local/1127@callback-agent``, on ADDMEMBER and REMOVEMEMBER unless
``log_membername_as_agent`` is on). ``aliases`` maps such names (case-insensitive) to the one
person they are, so one agent is never counted twice.

Same-second order: a log read from a realtime table or merged from two servers is ordered by
whole seconds only, so within one second a call's events are put in life-cycle order (ENTERQUEUE
before CONNECT before the end) before they are read; everything else keeps its file order.

Agent states: AGENTLOGIN / ADDMEMBER → available, PAUSE / PAUSEALL → not_ready (reason code from
data1), UNPAUSE / UNPAUSEALL → available, AGENTLOGOFF / REMOVEMEMBER of the last queue → offline;
a CONNECT puts the agent on_contact until the call ends, then back to the state before. Spans
of zero length are dropped; spans still open at the end of the file have no end. External id:
``agent:start_epoch``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ccops.contacts.importers.base import (
    AgentStateRow,
    ContactRow,
    RejectedRow,
    Tally,
    normalise_customer_key,
)
from ccops.enums import AgentState, Outcome
from ccops.errors import Problem

END_EVENTS = {
    "COMPLETEAGENT": Outcome.answered,
    "COMPLETECALLER": Outcome.answered,
    "TRANSFER": Outcome.transferred,
    "BLINDTRANSFER": Outcome.transferred,
    "ATTENDEDTRANSFER": Outcome.transferred,
    "ABANDON": Outcome.abandoned,
    "EXITWITHTIMEOUT": Outcome.timed_out,
    "EXITEMPTY": Outcome.exited_empty,
    "EXITWITHKEY": Outcome.exited_key,
}
ANSWER_ENDS = {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
AGENT_EVENTS = {
    "AGENTLOGIN",
    "AGENTCALLBACKLOGIN",
    "AGENTLOGOFF",
    "AGENTCALLBACKLOGOFF",
    "ADDMEMBER",
    "REMOVEMEMBER",
    "PAUSE",
    "PAUSEALL",
    "UNPAUSE",
    "UNPAUSEALL",
}
KNOWN_OTHER = {
    "QUEUESTART",
    "CONFIGRELOAD",
    "RINGNOANSWER",
    "RINGCANCELED",
    "AGENTDUMP",
    "SYSCOMPAT",
    "PENALTY",
    "JOINEMPTY",
    "INFO",
    "DID",
}
# Which data field of each event holds a duration we check for sign, by position.
DURATION_FIELDS = {
    "CONNECT": ((0, "holdtime"),),
    "COMPLETEAGENT": ((0, "holdtime"), (1, "calltime")),
    "COMPLETECALLER": ((0, "holdtime"), (1, "calltime")),
    "TRANSFER": ((2, "holdtime"), (3, "calltime")),
    "ABANDON": ((2, "waittime"),),
    "EXITWITHTIMEOUT": ((2, "waittime"),),
    "EXITEMPTY": ((2, "waittime"),),
    "EXITWITHKEY": ((3, "waittime"),),
}
ANONYMOUS_CALLERS = {"unknown", "anonymous", "restricted", "private", "none"}
# A call's life cycle: within one second its events are put in this order (see _walk).
LIFE_CYCLE_RANK = {
    "DID": 0,
    "INFO": 0,
    "ENTERQUEUE": 0,
    "RINGNOANSWER": 1,
    "RINGCANCELED": 1,
    "CONNECT": 2,
    "TRANSFER": 3,
    "ATTENDEDTRANSFER": 3,
    "BLINDTRANSFER": 3,
    "COMPLETECALLER": 4,
    "COMPLETEAGENT": 4,
    "ABANDON": 4,
    "EXITWITHTIMEOUT": 4,
    "EXITEMPTY": 4,
    "EXITWITHKEY": 4,
}
# The call states (0 not waiting, 1 waiting, 2 connected) in which each event can happen.
FITS: dict[str, tuple[int, ...]] = {
    "ENTERQUEUE": (0,),
    "RINGNOANSWER": (1,),
    "RINGCANCELED": (1,),
    "CONNECT": (1,),
    "ABANDON": (1,),
    "EXITWITHTIMEOUT": (1,),
    "EXITEMPTY": (1,),
    "EXITWITHKEY": (1,),
    "TRANSFER": (2,),
    "ATTENDEDTRANSFER": (2,),
    "BLINDTRANSFER": (2,),
    "COMPLETECALLER": (2,),
    "COMPLETEAGENT": (2,),
}
SECOND_RUN_CAP = 50_000
"""Lines of one second held for reordering at most (a bound on memory for odd files)."""


@dataclass
class PendingCall:
    """A call still open at the end of a file: what the next file needs to complete it."""

    callid: str
    queue: str
    entry: int
    line: int
    arrival: int
    last: int
    answered: int | None
    agent: str | None
    customer: str | None
    raw: str

    @property
    def external_id(self) -> str:
        return f"{self.callid}:{self.queue}:{self.entry}"


@dataclass
class _Call:
    line: int
    queue: str
    external_id: str
    arrival: int
    last: int
    customer: str | None
    answered: int | None = None
    agent: str | None = None
    problems: list[Problem] = field(default_factory=list)
    raw: str = ""
    bad_raw: str | None = None
    carried: bool = False


@dataclass
class _Agent:
    queues: set[str] = field(default_factory=set)
    logged_in: bool = False
    paused: bool = False
    reason: str | None = None
    on_calls: int = 0
    span: tuple[AgentState, str | None, int, int] | None = None  # state, reason, start, line

    def state(self) -> tuple[AgentState, str | None]:
        if self.on_calls > 0:
            return AgentState.on_contact, None
        if not (self.logged_in or self.queues):
            return AgentState.offline, None
        if self.paused:
            return AgentState.not_ready, self.reason
        return AgentState.available, None


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass(slots=True)
class _Event:
    """One readable queue_log line split into its fields (event upper-cased, NONE agent None)."""

    line: int
    text: str
    epoch: int
    callid: str
    queue: str
    agent: str | None
    event: str
    data: list[str]


def _read_lines(path: Path, tally: Tally) -> Iterator[_Event | RejectedRow]:
    """Yield each line of the file in order: split into an event, or rejected if unreadable."""
    with path.open("rb") as handle:
        for line_no, raw_bytes in enumerate(handle, start=1):
            ended_line = raw_bytes.endswith(b"\n")
            try:
                text = raw_bytes.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                tally.rows_read += 1
                yield RejectedRow(
                    line_no,
                    [tally.problem("not text (undecodable bytes)", row=line_no)],
                    raw_bytes.decode("utf-8", errors="replace").rstrip("\r\n"),
                )
                continue
            if not text.strip():
                tally.skipped["blank_line"] += 1
                continue
            tally.rows_read += 1
            parts = text.split("|")
            if len(parts) < 5 or "\x00" in text:
                why = (
                    "binary content"
                    if "\x00" in text
                    else f"expected epoch|callid|queue|agent|event|data…, found {len(parts)} fields"
                )
                if not ended_line:
                    why += " (the file looks truncated)"
                yield RejectedRow(line_no, [tally.problem(why, row=line_no)], text)
                continue
            epoch_text, callid, queue, agent_name, event = (p.strip() for p in parts[:5])
            try:
                epoch = int(float(epoch_text))
                if epoch < 0:
                    raise ValueError
            except ValueError:
                yield RejectedRow(
                    line_no,
                    [
                        tally.problem(
                            f"{epoch_text!r} is not a Unix time", row=line_no, field="epoch"
                        )
                    ],
                    text,
                )
                continue
            agent = None if agent_name.upper() in ("NONE", "") else agent_name
            yield _Event(line_no, text, epoch, callid, queue, agent, event.upper(), parts[5:])


def _by_second(
    items: Iterator[_Event | RejectedRow],
) -> Iterator[list[_Event | RejectedRow]]:
    """Group consecutive lines of one whole second (an unreadable line joins its neighbours).

    Only one second is held at a time, so memory stays flat whatever the file's size; a second
    longer than ``SECOND_RUN_CAP`` lines is cut (and reordered) in pieces.
    """
    run: list[_Event | RejectedRow] = []
    second: int | None = None
    for item in items:
        if isinstance(item, _Event):
            if run and (item.epoch != second or len(run) >= SECOND_RUN_CAP):
                yield run
                run = []
            second = item.epoch
        run.append(item)
    if run:
        yield run


def _life_cycle_order(
    run: list[_Event | RejectedRow], calls: Mapping[tuple[str, str], _Call]
) -> list[_Event | RejectedRow]:
    """Reorder each call's events of one second by its life cycle, in the slots they held.

    A realtime table or a merge of two servers orders by whole seconds only, so a call's
    ENTERQUEUE and ABANDON of one second may come in either order. Other lines (agents, other
    calls) keep their places; a second already in life-cycle order is returned unchanged.
    """
    by_call: dict[str, list[tuple[int, _Event]]] = {}
    for slot, item in enumerate(run):
        if isinstance(item, _Event) and item.event in LIFE_CYCLE_RANK:
            by_call.setdefault(item.callid, []).append((slot, item))
    ordered = list(run)
    for members in by_call.values():
        if len(members) > 1:
            walked = _walk([event for _, event in members], calls)
            for (slot, _), event in zip(members, walked, strict=True):
                ordered[slot] = event
    return ordered


def _walk(events: list[_Event], calls: Mapping[tuple[str, str], _Call]) -> list[_Event]:
    """Order one call's same-second events: each time the earliest that fits its state.

    States per (callid, queue): 0 not waiting, 1 waiting, 2 connected, starting from the calls
    still open. When no event fits (a call that began before the file), the lowest life-cycle
    rank goes first. Plain sorting by rank would misorder a call that leaves a queue and enters
    it again within one second; this walk keeps that order and fixes only impossible ones.
    """
    stage: dict[tuple[str, str], int] = {}
    for event in events:
        key = (event.callid, event.queue)
        if key not in stage:
            call = calls.get(key)
            stage[key] = 0 if call is None else 1 if call.answered is None else 2
    remaining = list(events)
    walked: list[_Event] = []
    while remaining:
        pick = next(
            (
                i
                for i, e in enumerate(remaining)
                if stage[(e.callid, e.queue)] in FITS.get(e.event, (0, 1, 2))
            ),
            None,
        )
        if pick is None:
            pick = min(range(len(remaining)), key=lambda i: LIFE_CYCLE_RANK[remaining[i].event])
        event = remaining.pop(pick)
        walked.append(event)
        key = (event.callid, event.queue)
        if event.event == "ENTERQUEUE" and stage[key] == 0:
            stage[key] = 1
        elif event.event == "CONNECT" and stage[key] > 0:
            stage[key] = 2
        elif event.event in END_EVENTS and stage[key] > 0:
            stage[key] = 0
    return walked


def _provisional(call: _Call) -> ContactRow:
    """The contact of a call answered but not ended yet: offered and answered, with its wait."""
    assert call.answered is not None
    return ContactRow(
        line=call.line,
        external_id=call.external_id,
        queue=call.queue,
        arrival_at=_at(call.arrival),
        outcome=Outcome.answered,
        answered_at=_at(call.answered),
        ended_at=None,
        wait_s=float(call.answered - call.arrival),
        talk_s=0.0,
        agent=call.agent,
        customer_key=call.customer,
        raw=call.raw,
    )


def read_queue_log(
    path: Path,
    *,
    label: str,
    tally: Tally,
    pending: Iterable[PendingCall] = (),
    still_open: list[PendingCall] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Iterator[ContactRow | AgentStateRow | RejectedRow]:
    """Yield contacts, agent-state spans and rejected rows of a queue_log, streaming by line.

    Contacts are yielded when their call ends, spans when they close (open ones at the end).
    Lines are read one second at a time so a call's same-second events can be put in order.
    Rejected rows carry ``applies_to`` (``contacts`` for call problems, ``all`` for lines that
    cannot be read at all).

    ``pending``: calls left open by the previous file of the source, completed by this one.
    ``still_open``: when given, receives the calls open at the end of this file (and those
    answered are yielded as provisional contacts); when None they are counted and skipped.
    ``aliases``: agent names as logged (lower-cased) → the person's login.
    """
    calls: dict[tuple[str, str], _Call] = {}
    entries: Counter[tuple[str, str]] = Counter()
    agents: dict[str, _Agent] = {}
    names = {k.lower(): v for k, v in (aliases or {}).items()}
    for carried in pending:
        key = (carried.callid, carried.queue)
        entries[key] = max(entries[key], carried.entry)
        calls[key] = _Call(
            line=carried.line,
            queue=carried.queue,
            external_id=carried.external_id,
            arrival=carried.arrival,
            last=carried.last,
            customer=carried.customer,
            answered=carried.answered,
            agent=carried.agent,
            raw=carried.raw,
            carried=True,
        )
        if carried.answered is not None and carried.agent is not None:
            agents.setdefault(carried.agent, _Agent()).on_calls += 1

    def agent_changed(name: str, epoch: int, line: int) -> Iterator[AgentStateRow]:
        agent = agents[name]
        state, reason = agent.state()
        if agent.span is not None:
            old_state, old_reason, start, start_line = agent.span
            if (old_state, old_reason) == (state, reason):
                return
            if epoch > start:
                yield AgentStateRow(
                    line=start_line,
                    external_id=f"{name}:{start}",
                    person=name,
                    state=old_state,
                    reason_code=old_reason,
                    start_at=_at(start),
                    end_at=_at(epoch),
                )
        agent.span = (state, reason, epoch, line)

    def on_event(ev: _Event) -> Iterator[ContactRow | AgentStateRow | RejectedRow]:
        line_no, text, epoch, callid, queue = ev.line, ev.text, ev.epoch, ev.callid, ev.queue
        agent, event, data = ev.agent, ev.event, ev.data
        if agent is not None and names:
            agent = names.get(agent.lower(), agent)
        if event in AGENT_EVENTS:
            if agent is None:
                tally.notes["agent_event_without_agent"] += 1
                return
            member = agents.setdefault(agent, _Agent())
            if event in ("AGENTLOGIN", "AGENTCALLBACKLOGIN"):
                member.logged_in = True
            elif event in ("AGENTLOGOFF", "AGENTCALLBACKLOGOFF"):
                member.logged_in = False
                member.queues.clear()
                member.paused = False
                member.reason = None
            elif event == "ADDMEMBER":
                member.queues.add(queue)
            elif event == "REMOVEMEMBER":
                member.queues.discard(queue)
            elif event in ("PAUSE", "PAUSEALL"):
                member.logged_in = member.logged_in or not member.queues
                member.paused = True
                reason = data[0].strip() if data else ""
                member.reason = reason or None
            else:
                member.logged_in = member.logged_in or not member.queues
                member.paused = False
                member.reason = None
            yield from agent_changed(agent, epoch, line_no)
            return

        if event == "ENTERQUEUE":
            key = (callid, queue)
            if queue.upper() in ("NONE", ""):
                yield RejectedRow(
                    line_no,
                    [tally.problem("ENTERQUEUE without a queue name", row=line_no, field="queue")],
                    text,
                    "contacts",
                )
                return
            replay = calls.get(key)
            if replay is not None and replay.carried and replay.raw == text:
                # the file that left this call open is imported again: start it afresh
                del calls[key]
                entries[key] -= 1
                if replay.answered is not None and replay.agent is not None:
                    agents[replay.agent].on_calls = max(0, agents[replay.agent].on_calls - 1)
            if key in calls:
                open_call = calls[key]
                yield RejectedRow(
                    line_no,
                    [
                        tally.problem(
                            f"ENTERQUEUE for call {callid} already waiting in queue {queue} "
                            f"(since line {open_call.line})",
                            row=line_no,
                            field="event",
                        )
                    ],
                    text,
                    "contacts",
                )
                return
            entries[key] += 1
            caller = data[1].strip() if len(data) > 1 else ""
            customer = (
                None if caller.lower() in ANONYMOUS_CALLERS else normalise_customer_key(caller)
            )
            calls[key] = _Call(
                line=line_no,
                queue=queue,
                external_id=f"{callid}:{queue}:{entries[key]}",
                arrival=epoch,
                last=epoch,
                customer=customer,
                raw=text,
            )
            return

        if event == "CONNECT" or event in END_EVENTS:
            call = calls.get((callid, queue))
            if call is None:
                tally.skipped["events_before_enterqueue"] += 1
                return
            bad = _check_event(call, event, epoch, data, line_no, tally)
            if event == "CONNECT":
                if call.answered is not None:
                    bad.append(
                        tally.problem(
                            f"second CONNECT for call {callid}",
                            row=line_no,
                            field="event",
                        )
                    )
                call.answered = epoch
                call.agent = agent
                call.last = max(call.last, epoch)
                call.problems.extend(bad)
                if bad and call.bad_raw is None:
                    call.bad_raw = text
                if agent is not None:
                    agents.setdefault(agent, _Agent()).on_calls += 1
                    yield from agent_changed(agent, epoch, line_no)
                return
            # the call ends
            del calls[(callid, queue)]
            if call.carried:
                tally.notes["pending_completed"] += 1
            if event in ANSWER_ENDS and call.answered is None:
                bad.append(
                    tally.problem(
                        f"{event} of call {callid} that was never connected",
                        row=line_no,
                        field="event",
                    )
                )
            if event not in ANSWER_ENDS and call.answered is not None:
                bad.append(
                    tally.problem(
                        f"{event} of call {callid} after it was connected",
                        row=line_no,
                        field="event",
                    )
                )
            if call.agent is not None and call.answered is not None:
                connected = agents.setdefault(call.agent, _Agent())
                connected.on_calls = max(0, connected.on_calls - 1)
                yield from agent_changed(call.agent, epoch, line_no)
            problems = call.problems + bad
            if problems:
                raw = call.bad_raw if call.bad_raw is not None else text
                yield RejectedRow(call.line, problems, raw, "contacts")
                return
            answered_at = _at(call.answered) if call.answered is not None else None
            yield ContactRow(
                line=call.line,
                external_id=call.external_id,
                queue=call.queue,
                arrival_at=_at(call.arrival),
                outcome=END_EVENTS[event],
                answered_at=answered_at,
                ended_at=_at(epoch),
                wait_s=float(
                    (call.answered if call.answered is not None else epoch) - call.arrival
                ),
                talk_s=float(epoch - call.answered) if call.answered is not None else 0.0,
                agent=call.agent,
                customer_key=call.customer,
                raw=call.raw,
            )
            return

        if event == "RINGNOANSWER":
            tally.notes["ring_no_answer"] += 1
        elif event not in KNOWN_OTHER:
            tally.warn("unknown_event", f"event {event} ignored", row=line_no, field="event")

    for run in _by_second(_read_lines(path, tally)):
        for item in _life_cycle_order(run, calls):
            if isinstance(item, RejectedRow):
                yield item
            else:
                yield from on_event(item)

    for (callid, _), call in calls.items():
        if call.problems:
            yield RejectedRow(call.line, call.problems, call.bad_raw or call.raw, "contacts")
        elif still_open is None:
            tally.skipped["in_progress_at_end"] += 1
        else:
            still_open.append(
                PendingCall(
                    callid=callid,
                    queue=call.queue,
                    entry=int(call.external_id.rsplit(":", 1)[1]),
                    line=call.line,
                    arrival=call.arrival,
                    last=call.last,
                    answered=call.answered,
                    agent=call.agent,
                    customer=call.customer,
                    raw=call.raw,
                )
            )
            if call.answered is None:
                tally.notes["pending_waiting"] += 1
            else:
                tally.notes["pending_answered"] += 1
                yield _provisional(call)
    for name, agent_state in agents.items():
        if agent_state.span is None:
            continue
        open_state, open_reason, start, start_line = agent_state.span
        yield AgentStateRow(
            line=start_line,
            external_id=f"{name}:{start}",
            person=name,
            state=open_state,
            reason_code=open_reason,
            start_at=_at(start),
            end_at=None,
        )


def _check_event(
    call: _Call, event: str, epoch: int, data: list[str], line: int, tally: Tally
) -> list[Problem]:
    problems: list[Problem] = []
    if epoch < call.last:
        what = "answer before arrival" if event == "CONNECT" else "timestamps go backwards"
        problems.append(
            tally.problem(
                f"{what}: {event} at {epoch} is {call.last - epoch} s before the call's previous "
                f"event (line {call.line} or later)",
                row=line,
                field="epoch",
            )
        )
    for position, name in DURATION_FIELDS.get(event, ()):
        if position >= len(data) or not data[position].strip():
            continue
        text = data[position].strip()
        try:
            value = float(text)
        except ValueError:
            problems.append(tally.problem(f"{text!r} is not a number", row=line, field=name))
            continue
        if value < 0:
            problems.append(tally.problem(f"negative duration {text}", row=line, field=name))
    return problems
