"""Soak benchmark: a large centre's live feed for half an hour while 20 people walk the pages.

Issue 22's soak: ``POST /api/v1/events`` fed at 200 events/s for 30 minutes while the 20 people
of ``bench_web`` walk their pages, and afterwards: no memory growth beyond a bound, the 95th
percentile stable, the interval totals exact against a recount, the intake log pruned by its
retention setting. It reuses ``bench_web``'s seeding (the demo centre, a forecast, a published
week), server (``ccops serve``, uvicorn, ``--workers`` processes) and walking people.

The feed: a generator of contact life cycles and agent-state changes in real time, sent as a
connector does, ``--batch`` events per request every ``batch / rate`` seconds (20 every 100 ms at
the default 200 events/s). Each contact is two events: its arrival (``arrival_at`` only: the
contact waits, counted as offered) and, when it ends, the contact with its outcome (answered:
wait 0-40 s, talk 30-180 s, wrap 0-30 s, by an agent; or, one in ten, abandoned after its
wait), spread over the voice and chat queues of both sites. Between them, the demo's agents
change state (available, on contact, wrap-up, not ready) every 20-120 s, each change closing the
agent's open span. Events fall due in real time; a request carries the ``--batch`` oldest due
(contact ends and state changes first, then arrivals), so when the server is slower than the
feed the backlog grows and a request carries up to ten batches at once, as a connector catching
up would; the table shows the achieved rate and the backlog. At the end the contacts still
waiting or in talk are ended (abandoned at that moment), so every life cycle is complete.

Every ``--sample`` seconds (10) the resident memory of every server process (the ``ccops serve``
parent and its uvicorn workers, from ``/proc``) is read. Every ``--window`` minutes (5) a table
row gives: events accepted, the achieved rate, requests and the largest backlog, the people's
p50/p95 server time (the ``Server-Timing`` header), the intake requests' p95 server time and the
servers' summed RSS min/max. The run fails (exit status 1, a plain message) when

* memory grows: the last window's RSS maximum above the first window's maximum x 1.25 + 50 MB
  (the first window has the caches of every page already warm; 25 % plus 50 MB leaves room for
  the allocator's fragmentation and the page cache of a database that grew by some 100,000 rows,
  and not for a leak: 200 bytes kept per event would be 72 MB over 30 minutes), or
* the 95th percentile drifts: the last window's p95 (people's, or intake's) above the first
  window's x 1.5 + 20 ms (the 20 ms keeps timer noise on small times from failing the run).

At the end the interval totals the intraday board reads (``IntradayInterval``) of every queue
for the local days the soak touched are read, then recounted from the stored contacts and
agent-state spans with ``wfm.intraday.totals.rebuild_days`` (the rebuild after an import) in the
same transaction, which is then rolled back; every interval whose totals differ is printed
(expected: none).

Retention: before the soak ``--old-entries`` events (complete contacts, default 6,000) are sent
and their intake-log entries' receipt time set two days back, as on a log that has run for
days. Half-way through, while the load goes on, ``ccops retention purge`` runs with
``CCOPS_RETENTION_INTAKE_LOG_DAYS=1`` (the server runs with the same setting); the entries older
than a day and in all are counted before and after it.

Run with ``.venv/bin/python benchmarks/bench_soak.py`` (``--minutes 30``, ``--rate 200``,
``--batch 20``, ``--window 5``, ``--workers 2``, ``--database-url URL`` an empty PostgreSQL
database instead of SQLite). It is not part of ``make bench`` or CI: it takes the half hour.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_web  # noqa: E402
import ccops.model_registry  # noqa: E402, F401  (every model mapped before the queries)
from ccops.org.demo import DEMO_USERS  # noqa: E402
from ccops.org.models import Person, Queue  # noqa: E402
from ccops.web.timing import server_ms  # noqa: E402
from ccops.wfm.intraday.lookups import Lookups, aware  # noqa: E402
from ccops.wfm.intraday.models import IntakeEvent, IntradayInterval  # noqa: E402
from ccops.wfm.intraday.totals import AGG_FIELDS, rebuild_days  # noqa: E402

RATE = 200.0
BATCH = 20
MINUTES = 30.0
WINDOW_MIN = 5.0
SAMPLE_S = 10.0
OLD_ENTRIES = 6000
RETENTION_DAYS = 1
CATCH_UP_BATCHES = 10
QUEUES = ("Billing", "Tech Support", "Sales", "Chat")
STATES = ("available", "on_contact", "wrap_up", "not_ready")
RSS_FACTOR, RSS_SLACK_MB = 1.25, 50.0
P95_FACTOR, P95_SLACK_MS = 1.5, 20.0


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


@dataclass
class Feed:
    """The connector's events as they fall due: contact arrivals and ends, agent states."""

    agents: list[str]
    rate: float
    rng: random.Random
    prefix: str = "soak"
    n_events: int = 0
    n_contacts: int = 0
    due: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: float = 0.0
    next_state: list[tuple[float, int, str]] = field(default_factory=list)
    state_n: int = 0

    def start(self, now: float) -> None:
        """Put every agent into a first state at a staggered time in the next two minutes."""
        for i, agent in enumerate(self.agents):
            heapq.heappush(self.next_state, (now + self.rng.uniform(0, 120), i, agent))

    def _event(self, body: dict[str, Any]) -> dict[str, Any]:
        self.n_events += 1
        return {"id": f"{self.prefix}-e{self.n_events}", **body}

    def _arrival(self, now: float) -> dict[str, Any]:
        self.n_contacts += 1
        ext = f"{self.prefix}-c{self.n_contacts}"
        queue = QUEUES[self.n_contacts % len(QUEUES)]
        wait = self.rng.randint(0, 40)
        end: dict[str, Any] = {
            "type": "contact",
            "external_id": ext,
            "queue": queue,
            "arrival_at": _iso(now),
            "wait_s": wait,
        }
        if self.rng.random() < 0.1:
            end["outcome"] = "abandoned"
            ends_at = now + wait
        else:
            talk, wrap = self.rng.randint(30, 180), self.rng.randint(0, 30)
            agent = self.agents[self.rng.randrange(len(self.agents))]
            end.update(outcome="answered", agent=agent, talk_s=talk, wrap_s=wrap)
            ends_at = now + wait + talk + wrap
        end["event_at"] = _iso(ends_at)
        self.pending[ext] = end
        heapq.heappush(self.due, (ends_at, self.n_contacts, end))
        return self._event(
            {
                "type": "contact",
                "external_id": ext,
                "queue": queue,
                "arrival_at": _iso(now),
                "event_at": _iso(now),
            }
        )

    def take(self, now: float, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` due events: contact ends and state changes first, then arrivals."""
        out: list[dict[str, Any]] = []
        while self.due and self.due[0][0] <= now and len(out) < limit:
            end = heapq.heappop(self.due)[2]
            self.pending.pop(end["external_id"], None)
            out.append(self._event(end))
            self.tokens -= 1
        while self.next_state and self.next_state[0][0] <= now and len(out) < limit:
            at, i, agent = heapq.heappop(self.next_state)
            self.state_n += 1
            state = STATES[self.state_n % len(STATES)]
            out.append(
                self._event(
                    {
                        "type": "agent_state",
                        "external_id": f"{self.prefix}-s{self.state_n}",
                        "agent": agent,
                        "state": state,
                        "start_at": _iso(at),
                        "event_at": _iso(at),
                    }
                )
            )
            heapq.heappush(self.next_state, (at + self.rng.uniform(20, 120), i, agent))
            self.tokens -= 1
        # arrivals fill what the rate leaves after the ends and states due (a token bucket: the
        # feed makes ``rate`` events a second, half of them arrivals once contacts end as fast)
        while len(out) < limit and self.tokens >= 1:
            out.append(self._arrival(now))
            self.tokens -= 1
        return out

    def tick(self, elapsed_s: float) -> None:
        """Add the events of ``elapsed_s`` at the rate to what is owed."""
        self.tokens += elapsed_s * self.rate

    def finish(self, now: float) -> list[dict[str, Any]]:
        """End every contact still waiting or in talk: abandoned now, after waiting so far."""
        out = []
        for ext, end in list(self.pending.items()):
            arrival = datetime.fromisoformat(end["arrival_at"]).timestamp()
            out.append(
                self._event(
                    {
                        "type": "contact",
                        "external_id": ext,
                        "queue": end["queue"],
                        "arrival_at": end["arrival_at"],
                        "outcome": "abandoned",
                        "wait_s": max(0, int(now - arrival)),
                        "event_at": _iso(now),
                    }
                )
            )
        self.pending.clear()
        self.due.clear()
        return out


@dataclass
class Post:
    """One intake request: when it finished, events sent and accepted, server time, success."""

    at: float
    sent: int
    accepted: int
    server_ms: float
    ok: bool
    backlog_s: float


async def _post(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> tuple[int, float, bool]:
    """Post one batch; return the events accepted, the server's time (ms) and success. A
    rejected or stale event is a failure of the feed: the first one's reason is printed."""
    body = "\n".join(json.dumps(e) for e in events)
    started = time.perf_counter()
    try:
        response = await client.post("/api/v1/events", content=body)
    except httpx.HTTPError as exc:
        print(f"intake request failed: {exc!r}", file=sys.stderr, flush=True)
        return 0, (time.perf_counter() - started) * 1000, False
    waited = (time.perf_counter() - started) * 1000
    measured = server_ms(response.headers.get("server-timing"))
    ms = waited if measured is None else measured
    if response.status_code != 200:
        print(f"intake {response.status_code}: {response.text[:300]}", file=sys.stderr, flush=True)
        return 0, ms, False
    data = response.json()
    accepted = int(data["accepted"])
    if accepted != len(events):
        bad = [r for r in data["results"] if r["status"] != "accepted"]
        print(
            f"intake: {len(events) - accepted} of {len(events)} not accepted, e.g. {bad[:1]}",
            file=sys.stderr,
            flush=True,
        )
    return accepted, ms, accepted == len(events)


def _client(base: str, token: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    return httpx.AsyncClient(base_url=base, headers=headers, timeout=120)


async def _feed_loop(
    base: str, token: str, feed: Feed, batch: int, stop_at: float, posts: list[Post]
) -> None:
    """Send the feed's due events, ``batch`` per request at its period, catching up in larger
    requests (up to ten batches) when behind; until ``stop_at``, then end every open contact."""
    period = batch / feed.rate
    async with _client(base, token) as client:
        feed.start(time.time())
        last = next_at = time.monotonic()
        while time.monotonic() < stop_at:
            now_m = time.monotonic()
            feed.tick(now_m - last)
            last = now_m
            backlog_s = max(0.0, feed.tokens / feed.rate)
            limit = batch * min(CATCH_UP_BATCHES, max(1, int(feed.tokens // batch)))
            events = feed.take(time.time(), limit)
            if events:
                accepted, ms, ok = await _post(client, events)
                posts.append(Post(time.monotonic(), len(events), accepted, ms, ok, backlog_s))
            next_at = max(next_at + period, time.monotonic() - period)
            pause = next_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
        rest = feed.finish(time.time())
        for i in range(0, len(rest), 500):
            await _post(client, rest[i : i + 500])


def _server_pids(root: int) -> list[int]:
    """``root`` and every process descended from it (the uvicorn workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _rss_loop(
    root: int, stop_at: float, every_s: float, out: list[tuple[float, float]], notes: list[str]
) -> None:
    """Sample the summed RSS of the server's processes; note each process's first and last."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    while time.monotonic() < stop_at:
        last = {p: _rss_mb(p) for p in _server_pids(root)}
        first = first or dict(last)
        out.append((time.monotonic(), sum(last.values())))
        await asyncio.sleep(every_s)
    notes.append(
        "RSS per server process, MB, first sample -> last: "
        + ", ".join(
            f"{'parent' if p == root else p} {first.get(p, 0):.0f} -> {m:.0f}"
            for p, m in last.items()
        )
    )


def _engine_url(data_dir: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{(data_dir / 'ccops.sqlite').as_posix()}"


def _log_counts(url: str, cutoff: datetime) -> tuple[int, int]:
    """Intake-log entries in all and received before ``cutoff``."""
    engine = create_engine(url)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(IntakeEvent)) or 0
        old = (
            session.scalar(
                select(func.count())
                .select_from(IntakeEvent)
                .where(IntakeEvent.received_at < cutoff)
            )
            or 0
        )
    engine.dispose()
    return int(total), int(old)


def _backdate(url: str, prefix: str, days: int) -> int:
    """Set the receipt time of the entries whose event id starts with ``prefix`` ``days`` back."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        done = session.execute(
            update(IntakeEvent)
            .where(IntakeEvent.event_id.like(f"{prefix}-%"))
            .values(received_at=datetime.now(UTC) - timedelta(days=days))
        )
    engine.dispose()
    return int(getattr(done, "rowcount", 0) or 0)


def _agents(url: str) -> list[str]:
    engine = create_engine(url)
    with Session(engine) as session:
        logins = list(
            session.scalars(
                select(Person.login).where(Person.login.like("agent%")).order_by(Person.login)
            )
        )
    engine.dispose()
    return [x for x in logins if x]


def _totals(session: Session, queue_id: int, start: datetime, end: datetime) -> dict[Any, Any]:
    rows = session.execute(
        select(IntradayInterval.interval_start, *(getattr(IntradayInterval, f) for f in AGG_FIELDS))
        .where(
            IntradayInterval.queue_id == queue_id,
            IntradayInterval.interval_start >= start,
            IntradayInterval.interval_start < end,
        )
        .order_by(IntradayInterval.interval_start)
    )
    return {aware(r[0]): tuple(float(x) for x in r[1:]) for r in rows}


def recount(url: str, first_utc: datetime, last_utc: datetime) -> tuple[int, list[str]]:
    """Compare the stored interval totals of every queue over the local days from ``first_utc``
    to ``last_utc`` with a rebuild from the stored contacts and spans (rolled back); return the
    intervals compared and a line per difference."""
    engine = create_engine(url)
    compared, mismatches = 0, []
    with Session(engine) as session:
        look = Lookups(session, None)
        for queue in session.scalars(select(Queue).order_by(Queue.id)):
            zone = look.zone(queue.site_id)
            first: date = first_utc.astimezone(zone).date()
            last: date = last_utc.astimezone(zone).date()
            start = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
            end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
            end = end.astimezone(UTC)
            stored = _totals(session, queue.id, start, end)
            rebuild_days(session=session, queue_id=queue.id, first=first, last=last)
            session.flush()
            rebuilt = _totals(session, queue.id, start, end)
            for at in sorted(set(stored) | set(rebuilt)):
                compared += 1
                a = stored.get(at, (0.0,) * len(AGG_FIELDS))
                b = rebuilt.get(at, (0.0,) * len(AGG_FIELDS))
                diffs = [
                    f"{name} stored {x:g} recount {y:g}"
                    for name, x, y in zip(AGG_FIELDS, a, b, strict=True)
                    if abs(x - y) > 1e-6
                ]
                if diffs:
                    mismatches.append(f"{queue.name} {at:%Y-%m-%d %H:%M}Z: " + "; ".join(diffs))
        session.rollback()
    engine.dispose()
    return compared, mismatches


@dataclass
class Window:
    """One table row."""

    label: str
    accepted: int
    seconds: float
    requests: int
    failed: int
    max_backlog_s: float
    users: int
    user_errors: int
    user_p50: float
    user_p95: float
    intake_p95: float
    rss_min: float
    rss_max: float

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def _window(
    label: str,
    span: tuple[float, float],
    posts: list[Post],
    users: list[bench_web.Sample],
    rss: list[tuple[float, float]],
) -> Window:
    lo, hi = span
    mine = [p for p in posts if lo <= p.at < hi]
    server = sorted(s.server_ms for s in users) or [0.0]
    intake = sorted(p.server_ms for p in mine) or [0.0]
    mem = [m for t, m in rss if lo <= t < hi] or [0.0]
    return Window(
        label,
        sum(p.accepted for p in mine),
        hi - lo,
        len(mine),
        sum(not p.ok for p in mine),
        max((p.backlog_s for p in mine), default=0.0),
        len(users),
        sum(not s.ok for s in users),
        statistics.median(server),
        bench_web._percentile(server, 0.95),
        bench_web._percentile(intake, 0.95),
        min(mem),
        max(mem),
    )


async def _soak(
    base: str,
    token: str,
    sessions: dict[str, httpx.Cookies],
    ids: dict[str, int],
    feed: Feed,
    opts: argparse.Namespace,
    server_pid: int,
    env: dict[str, str],
    url: str,
) -> tuple[list[Window], list[str]]:
    duration = opts.minutes * 60
    window_s = opts.window * 60
    started = time.monotonic()
    stop_at = started + duration
    posts: list[Post] = []
    users: list[bench_web.Sample] = []
    rss: list[tuple[float, float]] = []
    notes: list[str] = []
    tasks = [
        asyncio.create_task(_feed_loop(base, token, feed, opts.batch, stop_at, posts)),
        asyncio.create_task(
            bench_web._users_load(base, sessions, token, ids, duration, opts.seed, users)
        ),
        asyncio.create_task(_rss_loop(server_pid, stop_at, opts.sample, rss, notes)),
        asyncio.create_task(_purge_at(started + duration / 2, env, url, notes)),
    ]
    windows: list[Window] = []
    bounds = [started + k * window_s for k in range(int(duration // window_s) + 1)]
    if bounds[-1] < stop_at - 1:
        bounds.append(stop_at)
    user_mark = 0
    for k in range(1, len(bounds)):
        await asyncio.sleep(max(0.0, bounds[k] - time.monotonic()))
        now_users = len(users)
        w = _window(
            f"{(bounds[k - 1] - started) / 60:g}-{(bounds[k] - started) / 60:g} min",
            (bounds[k - 1], bounds[k]),
            posts,
            users[user_mark:now_users],
            rss,
        )
        user_mark = now_users
        windows.append(w)
        print(_row(w), file=sys.stderr, flush=True)
    for task in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(task, BaseException):
            notes.append(f"a load task FAILED: {task!r}")
    return windows, notes


async def _purge_at(at: float, env: dict[str, str], url: str, notes: list[str]) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    notes.extend(await _purge(env, url))


async def _purge(env: dict[str, str], url: str) -> list[str]:
    """Run ``ccops retention purge`` with the intake log's retention; count before and after."""
    cutoff = datetime.now(UTC) - timedelta(days=RETENTION_DAYS)
    before = await asyncio.to_thread(_log_counts, url, cutoff)
    began = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        bench_web.CCOPS,
        "retention",
        "purge",
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    took = time.perf_counter() - began
    after = await asyncio.to_thread(_log_counts, url, cutoff)
    if proc.returncode != 0:
        return [f"retention purge FAILED ({proc.returncode}): {err.decode()[-500:]}"]
    rows = {k["kind"]: k["rows"] for k in json.loads(out)["kinds"]}
    return [
        f"retention purge at half-time (CCOPS_RETENTION_INTAKE_LOG_DAYS={RETENTION_DAYS}, "
        f"{took:.1f} s, under load): intake log before {before[0]} entries, {before[1]} received "
        f"more than {RETENTION_DAYS} day ago; purge deleted {rows.get('intake_log')}; after "
        f"{after[0]} entries, {after[1]} older (other kinds deleted: "
        f"{ {k: v for k, v in rows.items() if k != 'intake_log'} })"
    ]


HEADER = (
    f"{'window':<11} {'accepted':>9} {'ev/s':>6} {'reqs':>5} {'ev/req':>6} {'fail':>4} "
    f"{'backlog':>8} "
    f"{'views':>5} {'errs':>4} {'usr p50':>8} {'usr p95':>8} {'in p95':>8} "
    f"{'RSS min':>8} {'RSS max':>8}"
)


def _row(w: Window) -> str:
    return (
        f"{w.label:<11} {w.accepted:>9} {w.rate:>6.1f} {w.requests:>5} "
        f"{w.accepted / max(1, w.requests):>6.1f} {w.failed:>4} "
        f"{w.max_backlog_s:>7.1f}s {w.users:>5} {w.user_errors:>4} {w.user_p50:>8.1f} "
        f"{w.user_p95:>8.1f} {w.intake_p95:>8.1f} {w.rss_min:>8.0f} {w.rss_max:>8.0f}"
    )


def baseline(windows: list[Window]) -> Window:
    """The window the last is held against: the second when there are three or more, since the
    first is the ramp-up (no contact has ended yet, so the feed is all arrivals, and each
    worker's caches and the database's pages are still filling)."""
    return windows[1] if len(windows) >= 3 else windows[0]


def verdicts(windows: list[Window]) -> list[str]:
    """The failures of the bounds (empty when the soak held)."""
    if len(windows) < 2:
        return []
    first, last = baseline(windows), windows[-1]
    out = []
    rss_bound = first.rss_max * RSS_FACTOR + RSS_SLACK_MB
    if last.rss_max > rss_bound:
        out.append(
            f"memory grew: last window's RSS max {last.rss_max:.0f} MB > {first.label}'s "
            f"{first.rss_max:.0f} MB x {RSS_FACTOR} + {RSS_SLACK_MB:.0f} MB = {rss_bound:.0f} MB"
        )
    for name, a, b in (
        ("people's p95", first.user_p95, last.user_p95),
        ("intake p95", first.intake_p95, last.intake_p95),
    ):
        bound = a * P95_FACTOR + P95_SLACK_MS
        if b > bound:
            out.append(
                f"{name} drifted: last window {b:.1f} ms > {first.label}'s {a:.1f} ms x "
                f"{P95_FACTOR} + {P95_SLACK_MS:.0f} ms = {bound:.1f} ms"
            )
    return out


def run(opts: argparse.Namespace) -> int:
    """Seed, serve, soak, recount; print the table and return the exit status."""
    status = 0
    load_before = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ccops-bench-soak-") as tmp:
        data_dir = Path(tmp)
        print("seeding the demo centre, a forecast and a published week ...", file=sys.stderr)
        env, ids = bench_web._seed(data_dir, opts.database_url)
        env["CCOPS_RETENTION_INTAKE_LOG_DAYS"] = str(RETENTION_DAYS)
        url = _engine_url(data_dir, opts.database_url)
        token = bench_web._admin_token(env)
        server, base = bench_web._serve(env, opts.workers)
        try:
            bench_web._wait_until_up(base, server)
            sessions = {
                login: bench_web._sign_in(base, login) for login, _role, _scope in DEMO_USERS
            }
            print("warm-up: every page of every walk, twice per worker ...", file=sys.stderr)
            asyncio.run(bench_web._warm_up(base, sessions, token, ids, opts.workers))
            agents = _agents(url)
            print(f"old entries: {opts.old_entries} events ...", file=sys.stderr, flush=True)
            asyncio.run(_old_entries(base, token, agents, opts.old_entries))
            moved = _backdate(url, "old", 2)
            print(f"{moved} intake-log entries' receipt set 2 days back", file=sys.stderr)
            feed = Feed(agents=agents, rate=opts.rate, rng=random.Random(opts.seed))
            soak_from = datetime.now(UTC)
            print(
                f"soak: {opts.rate:.0f} events/s in batches of {opts.batch} for "
                f"{opts.minutes:.0f} min, {bench_web.USERS} people walking, "
                f"{len(agents)} agents\n{HEADER}",
                file=sys.stderr,
                flush=True,
            )
            windows, notes = asyncio.run(
                _soak(base, token, sessions, ids, feed, opts, server.pid, env, url)
            )
            soak_to = datetime.now(UTC)
            print("recount of the interval totals ...", file=sys.stderr, flush=True)
            compared, mismatches = recount(url, soak_from - timedelta(hours=1), soak_to)
        finally:
            bench_web.stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(
        f"Soak: {opts.rate:.0f} events/s target in batches of {opts.batch} every "
        f"{opts.batch / opts.rate * 1000:.0f} ms for {opts.minutes:.0f} min, "
        f"{bench_web.USERS} people walking their pages ({feed.n_contacts} contacts, "
        f"{feed.state_n} agent-state changes, {feed.n_events} events in all)"
    )
    print(HEADER)
    for w in windows:
        print(_row(w))
    total_acc = sum(w.accepted for w in windows)
    total_s = sum(w.seconds for w in windows)
    print(
        f"all {total_acc} events accepted in {total_s:.0f} s: {total_acc / total_s:.1f} events/s "
        f"(target {opts.rate:.0f}); backlog: how far the feed was behind its schedule at a "
        "request; RSS in MB, all server processes summed; times in ms (server time)"
    )
    for note in notes:
        print(note)
    print(f"recount: {compared} queue intervals compared, {len(mismatches)} differ")
    for line in mismatches[:50]:
        print(f"  {line}")
    failures = verdicts(windows)
    if mismatches:
        failures.append(f"{len(mismatches)} interval totals differ from the recount")
    if not any(n.startswith("retention purge at") for n in notes):
        failures.append("the retention purge did not run")
    failures.extend(n for n in notes if n.startswith("a load task FAILED"))
    for failure in failures:
        print(f"FAIL: {failure}")
        status = 1
    if not failures:
        print(
            f"held: last window's RSS max within {baseline(windows).label}'s x {RSS_FACTOR} + "
            f"{RSS_SLACK_MB:.0f} MB, its p95s within {baseline(windows).label}'s x {P95_FACTOR} + "
            f"{P95_SLACK_MS:.0f} ms, totals exact"
        )
    load_after = os.getloadavg()
    print(
        f"({os.cpu_count()} CPUs; {opts.workers} worker(s); "
        f"{'PostgreSQL' if opts.database_url else 'SQLite'}; "
        f"{time.perf_counter() - began:.0f} s in all; load averages 1/5/15 min before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in load_after)})"
    )
    return status


async def _old_entries(base: str, token: str, agents: list[str], count: int) -> None:
    """Send ``count`` complete contacts (one event each, ids ``old-...``) in batches of 500."""
    feed = Feed(agents=agents, rate=1.0, rng=random.Random(7), prefix="old")
    at = time.time() - 600
    events = []
    for _ in range(count):
        feed._arrival(at)  # makes the end; the arrival event itself is not sent
    events = [feed._event(end) for _, _, end in sorted(feed.due)]
    async with _client(base, token) as client:
        for i in range(0, len(events), 500):
            accepted, _ms, ok = await _post(client, events[i : i + 500])
            if not ok or accepted != len(events[i : i + 500]):
                raise RuntimeError(f"old entries: {accepted} of a batch accepted")


def main() -> None:
    """Parse the options, run the soak, exit non-zero when a bound failed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=MINUTES, help="soak length")
    parser.add_argument("--rate", type=float, default=RATE, help="events per second")
    parser.add_argument("--batch", type=int, default=BATCH, help="events per request")
    parser.add_argument("--window", type=float, default=WINDOW_MIN, help="minutes per row")
    parser.add_argument("--sample", type=float, default=SAMPLE_S, help="RSS sample every S s")
    parser.add_argument("--old-entries", type=int, default=OLD_ENTRIES, help="backdated log")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--seed", type=int, default=0, help="seed of the feed and think times")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
