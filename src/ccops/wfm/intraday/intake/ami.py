"""The live Asterisk AMI feed: an asyncio client (``panoramisk``) that logs in, receives the queue
events, maps them (`ccops.contacts.importers.asterisk_ami`) into the intake events the queue_log
follower sends, and hands each batch to a sink (``ccops events ami`` stores it through
``ccops.flows.ingest_ami_batch``: the same validation, idempotence and per-event results as
``POST /api/v1/events``).

Connection: a refused login stops the feed with `NotAuthenticated` (retrying a wrong secret
only fills Asterisk's security log); a connection that cannot be made, that is lost, or whose
Ping goes unanswered (a half-open TCP connection never says it is dead) is tried again after
``backoff_initial_s``, doubling up to ``backoff_max_s`` (reset by a successful login),
``max_failures`` times in a row at most (None: for ever).

State at connection: after every login (the first and each reconnection) the ``QueueStatus``
action is sent; its answer (``QueueParams``, ``QueueMember``, ``QueueEntry``) is applied at the
point of the event stream where it was asked (`AmiMapper.snapshot`), so each agent's state
(logged in, paused, on a call) and the callers already waiting are known from the connection on.
An answer that does not come within ``connect_timeout_s`` is given up (``FeedStats.status_missed``)
and the feed goes on with the events alone.

Gaps: after a lost connection (and at the start, when calls were left open by the previous run)
the queue_log, when one is configured, is read again (the file importer's reader) and its contacts
and spans from the last event seen on are sent. They carry the same external ids (``Uniqueid:
Queue:n``) and, for the same content, the same event ids as the AMI's own, so a call seen both
ways is stored once; the calls the queue_log shows ended are forgotten, those it shows still open
are taken over, so a call answered during the gap ends with its true wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

from ccops.contacts.importers.asterisk import PendingCall, read_queue_log
from ccops.contacts.importers.asterisk_ami import AmiMapper, Change
from ccops.contacts.importers.base import AgentStateRow, ContactRow, Tally
from ccops.errors import CcopsError, NotAuthenticated, Problem
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.intake.follow import arrival_event, row_event, sorted_events

LABEL = "asterisk-ami"
"""The prefix of the event ids of the AMI feed and of its queue_log back-fill (shared, so one
call's same content gets the same id whichever way it came)."""
PENDING_SOURCE = "asterisk-ami"
"""The source under which the calls open when the feed stops are kept (``pending_call``)."""


def pending_source(site: str | None) -> str:
    """The pending-call source of a feed: ``asterisk-ami``, or ``asterisk-ami@SITE`` for a feed
    given its site, so the feeds of two sites' PBXs never replace each other's open calls."""
    return PENDING_SOURCE if site is None else f"{PENDING_SOURCE}@{site}"


class Unreachable(CcopsError):
    """The AMI server could not be reached ``max_failures`` times in a row."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 503, 8)


@dataclass
class AmiConfig:
    """Where and how to connect (``events``: the Login's event mask)."""

    host: str
    port: int
    username: str
    secret: str
    events: str = "on"
    connect_timeout_s: float = 5.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    max_failures: int | None = None
    ping_s: float = 20.0
    """Seconds between Pings; a Ping unanswered within ``connect_timeout_s`` means the
    connection is dead (a half-open TCP connection never says so) and it is made again."""


class Sink(Protocol):
    """Stores a batch of intake events and keeps the calls open now; returns the results."""

    def __call__(
        self, events: list[dict[str, Any]], open_calls: list[PendingCall]
    ) -> schemas.IntakeOut | None: ...


@dataclass
class Backfill:
    """What the queue_log says since a moment: events to send, calls still open, calls ended."""

    events: list[dict[str, Any]]
    still_open: list[PendingCall]
    ended: set[str]


def change_event(change: Change, label: str = LABEL) -> dict[str, Any]:
    """The intake event of one change (the queue_log follower's shape)."""
    if isinstance(change, PendingCall):
        return arrival_event(change, label)
    return row_event(change, label)


def _moments(event: Mapping[str, Any]) -> list[str]:
    return [
        str(event[k])
        for k in ("arrival", "answered_at", "ended_at", "start", "end")
        if event.get(k) is not None
    ]


def read_backfill(
    path: Path, *, since: int, aliases: Mapping[str, str], label: str = LABEL
) -> Backfill:
    """Read the queue_log ``path`` as the follower does; keep the events from ``since`` on.

    A contact is kept when it arrived, was answered or ended at or after ``since``; a span when
    it started or ended then (an older span still open is the feed's own business); every call
    still waiting is sent as an arrival (one already sent is a duplicate).
    """
    tally = Tally(path.name)
    still_open: list[PendingCall] = []
    rows = [
        r
        for r in read_queue_log(
            path, label=path.name, tally=tally, still_open=still_open, aliases=aliases
        )
        if isinstance(r, ContactRow | AgentStateRow)
    ]
    cutoff = datetime.fromtimestamp(since, UTC).isoformat()
    ended = {r.external_id for r in rows if isinstance(r, ContactRow) and r.ended_at is not None}
    events = [arrival_event(c, label) for c in still_open if c.answered is None]
    for row in rows:
        event = row_event(row, label)
        if any(m >= cutoff for m in _moments(event)):
            events.append(event)
    return Backfill(sorted_events(events), still_open, ended)


@dataclass
class FeedStats:
    """What a feed did: connections made (failed; dropped for an unanswered Ping: ``silent``),
    events read, intake results, back-fills, the delays waited before reconnecting."""

    connections: int = 0
    failures: int = 0
    ami_events: int = 0
    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    stale: int = 0
    rejected: int = 0
    backfills: int = 0
    silent: int = 0
    statuses: int = 0
    status_missed: int = 0
    delays: list[float] = field(default_factory=list)
    rejects: list[str] = field(default_factory=list)

    def add(self, out: schemas.IntakeOut | None) -> None:
        if out is None:
            return
        self.accepted += out.accepted
        self.duplicate += out.duplicate
        self.stale += out.stale
        self.rejected += out.rejected
        for r in out.results:
            if r.status == "rejected" and len(self.rejects) < 50:
                self.rejects.append(f"{r.id or ''}: {r.detail}")


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's manager, with reconnection left to `AmiFeed` (back-off, back-fill)."""

    def __init__(self, on_lost: Callable[[], None], **config: Any) -> None:
        super().__init__(**config)
        self._on_lost = on_lost

    def connection_lost(self, exc: object) -> None:
        self._connected = False
        pinger = getattr(self, "pinger", None)
        if pinger is not None:
            pinger.cancel()
            self.pinger = None
        self._on_lost()


_BACKFILL = "backfill"
_STATUS = "status"


class AmiFeed:
    """One AMI connection at a time, mapped and sunk (see the module).

    Args:
        config: the server and the back-off.
        mapper: the call and agent state (pending calls of the previous run adopted).
        sink: stores a batch of events (called in a worker thread when ``offload``).
        queue_log: the Asterisk queue_log to back-fill gaps from, if any.
        aliases: agent names → logins, for the back-fill.
        resume_from: Unix time of the last event a previous run saw (back-filled at start).
        batch_max: events per batch at most.
        offload: run the sink and the back-fill in a worker thread (off the event loop).
        clock: the wall clock (Unix seconds).
    """

    def __init__(
        self,
        config: AmiConfig,
        *,
        mapper: AmiMapper,
        sink: Sink,
        queue_log: Path | None = None,
        aliases: Mapping[str, str] | None = None,
        resume_from: int | None = None,
        batch_max: int = 500,
        offload: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.mapper = mapper
        self.sink = sink
        self.queue_log = queue_log
        self.aliases = dict(aliases or {})
        self.batch_max = batch_max
        self.offload = offload
        self.clock = clock
        self.stats = FeedStats()
        self.last_epoch: int | None = resume_from
        self._backfill_since: int | None = resume_from if queue_log is not None else None
        self._queue: asyncio.Queue[tuple[str, Any, float]] = asyncio.Queue()
        self._last_activity = time.monotonic()

    # -- the connection -------------------------------------------------------------------

    def _on_event(self, _manager: Any, message: Mapping[str, Any]) -> None:
        self._request_backfill()
        self._queue.put_nowait(("event", dict(message.items()), self.clock()))

    def _request_backfill(self) -> None:
        if self._backfill_since is not None:
            self._queue.put_nowait((_BACKFILL, self._backfill_since, self.clock()))
            self._backfill_since = None

    async def _connect(self, lost: asyncio.Event) -> _Manager:
        """Connect and log in; raise OSError/TimeoutError (try again) or NotAuthenticated."""
        loop = asyncio.get_running_loop()
        cfg = self.config
        manager = _Manager(
            lost.set,
            host=cfg.host,
            port=cfg.port,
            username=cfg.username,
            secret=cfg.secret,
            events=cfg.events,
            loop=loop,
            ping_delay=10**6,  # the feed pings itself (and notices a dead connection)
            ping_interval=10**6,
        )
        manager.register_event("*", self._on_event)
        transport, protocol = await asyncio.wait_for(
            loop.create_connection(AMIProtocol, cfg.host, cfg.port), cfg.connect_timeout_s
        )
        made: asyncio.Future[tuple[Any, Any]] = loop.create_future()
        made.set_result((transport, protocol))
        manager.connection_made(made)
        login = manager.authenticated_future
        watch = asyncio.ensure_future(lost.wait())
        try:
            done, _ = await asyncio.wait(
                {login, watch}, timeout=cfg.connect_timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
        except BaseException:
            manager.close()
            raise
        finally:
            watch.cancel()
        if login not in done:
            manager.close()
            if not login.done():
                login.cancel()
            raise TimeoutError(f"no answer to the login from {cfg.host}:{cfg.port}")
        answer = login.result()
        if not answer.success:
            manager.close()
            why = str(answer.get("Message", "")) or "refused"
            raise NotAuthenticated(
                f"AMI login to {cfg.host}:{cfg.port} as {cfg.username!r} refused: {why} "
                "(check the user in manager.conf and the secret)",
                [Problem(why, field="username")],
            )
        return manager

    async def _supervise(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            lost = asyncio.Event()
            try:
                manager = await self._connect(lost)
            except (OSError, TimeoutError) as exc:
                failures += 1
                self.stats.failures += 1
                cfg = self.config
                if cfg.max_failures is not None and failures >= cfg.max_failures:
                    raise Unreachable(
                        f"AMI server {cfg.host}:{cfg.port} unreachable after {failures} "
                        f"attempt(s): {exc}",
                        [Problem(str(exc), field="host")],
                    ) from exc
                delay = min(cfg.backoff_max_s, cfg.backoff_initial_s * 2 ** (failures - 1))
                self.stats.delays.append(delay)
                await _sleep_or_stop(stop, delay)
                continue
            failures = 0
            self.stats.connections += 1
            self._request_backfill()
            # the state now; applied where it was asked, before the events that follow it
            answer = manager.send_action({"Action": "QueueStatus"})
            self._queue.put_nowait((_STATUS, answer, self.clock()))
            try:
                await self._keep_alive(manager, stop, lost)
            finally:
                manager.close()
            if lost.is_set() and self.queue_log is not None:
                seen = self.last_epoch if self.last_epoch is not None else int(self.clock())
                self._backfill_since = min(seen, int(self.clock())) - 1

    async def _keep_alive(
        self, manager: _Manager, stop: asyncio.Event, lost: asyncio.Event
    ) -> None:
        """Wait until ``stop`` or a lost connection, pinging every ``ping_s``: a Ping left
        unanswered for ``connect_timeout_s`` counts as a lost connection."""
        cfg = self.config
        while not (stop.is_set() or lost.is_set()):
            stopping = asyncio.ensure_future(stop.wait())
            losing = asyncio.ensure_future(lost.wait())
            try:
                await asyncio.wait(
                    {stopping, losing}, timeout=cfg.ping_s, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                stopping.cancel()
                losing.cancel()
            if stop.is_set() or lost.is_set():
                return
            pong = manager.send_action({"Action": "Ping"})
            try:
                await asyncio.wait_for(asyncio.shield(pong), cfg.connect_timeout_s)
            except TimeoutError:
                self.stats.silent += 1
                lost.set()

    # -- the mapping and the sink ----------------------------------------------------------

    async def _blocking(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.offload:
            return await asyncio.to_thread(work, *args, **kwargs)
        return work(*args, **kwargs)

    async def _deliver(self, events: list[dict[str, Any]]) -> None:
        out = await self._blocking(self.sink, events, self.mapper.open_calls())
        self._last_activity = time.monotonic()  # idle counts from the end of the storing
        self.stats.sent += len(events)
        self.stats.add(out)

    async def _backfill(self, since: int) -> None:
        assert self.queue_log is not None
        if not self.queue_log.exists():
            return
        found: Backfill = await self._blocking(
            read_backfill, self.queue_log, since=since, aliases=self.aliases
        )
        self.mapper.adopt(found.still_open, found.ended)
        self.stats.backfills += 1
        for start in range(0, len(found.events), self.batch_max):
            await self._deliver(found.events[start : start + self.batch_max])

    async def _status(self, answer: asyncio.Future[Any]) -> list[Change]:
        """Wait for the answer to ``QueueStatus`` (at most ``connect_timeout_s``) and apply it."""
        try:
            messages = await asyncio.wait_for(asyncio.shield(answer), self.config.connect_timeout_s)
        except TimeoutError:  # unanswered (or the connection went before the answer)
            self.stats.status_missed += 1
            return []
        if not isinstance(messages, list):  # a single response: an error, no list follows
            self.stats.status_missed += 1
            return []
        self.stats.statuses += 1
        return self.mapper.snapshot(messages, received=self.clock())

    async def _consume(self, stop: asyncio.Event) -> None:
        """Map and sink what the connection received, batch by batch, until ``stop`` is set
        and everything received is stored."""
        tick = min(1.0, self.mapper.leave_grace_s)
        while not (stop.is_set() and self._queue.empty()):
            try:
                first = await asyncio.wait_for(self._queue.get(), 0.05 if stop.is_set() else tick)
            except TimeoutError:
                first = None
            items = [first] if first is not None else []
            while len(items) < self.batch_max and not self._queue.empty():
                items.append(self._queue.get_nowait())
            changes: list[Change] = []
            for kind, payload, received in items:
                if kind == _BACKFILL:
                    if changes:
                        await self._deliver(events_of(changes))
                        changes = []
                    await self._backfill(int(payload))
                    self._last_activity = time.monotonic()
                    continue
                if kind == _STATUS:
                    changes.extend(await self._status(payload))
                    self._last_activity = time.monotonic()
                    continue
                self.stats.ami_events += 1
                self._last_activity = time.monotonic()
                changes.extend(self.mapper.feed(payload, received=received))
                if self.mapper.last_epoch is not None:
                    self.last_epoch = max(self.last_epoch or 0, self.mapper.last_epoch)
            changes.extend(self.mapper.flush(self.clock()))
            if changes:
                await self._deliver(events_of(changes))

    async def run(
        self,
        *,
        stop: asyncio.Event | None = None,
        duration_s: float | None = None,
        until_idle_s: float | None = None,
    ) -> FeedStats:
        """Run until ``stop`` is set, ``duration_s`` has passed, or no AMI event came for
        ``until_idle_s``; then store the calls open (pending) and return what was done."""
        stop = stop or asyncio.Event()
        started = time.monotonic()
        self._last_activity = started
        supervisor = asyncio.ensure_future(self._supervise(stop))
        consumer = asyncio.ensure_future(self._consume(stop))
        try:
            while not stop.is_set():
                if supervisor.done():
                    supervisor.result()  # raise what stopped it (a refused login ...)
                if consumer.done():
                    consumer.result()
                now = time.monotonic()
                if duration_s is not None and now - started >= duration_s:
                    break
                if (
                    until_idle_s is not None
                    and now - self._last_activity >= until_idle_s
                    and self._queue.empty()
                ):
                    break
                await _sleep_or_stop(stop, 0.05)
        finally:
            stop.set()
            supervisor.cancel()
            # the consumer stores what was received before it stops (never cut mid-batch)
            results = await asyncio.gather(supervisor, consumer, return_exceptions=True)
            if not isinstance(results[1], BaseException):
                # keep the calls open now (also when interrupted): the next run completes them
                await self._deliver([])
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
        return self.stats


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


def events_of(changes: Iterable[Change], label: str = LABEL) -> list[dict[str, Any]]:
    """The intake events of a list of changes, in order."""
    return [change_event(c, label) for c in changes]
