"""Benchmark of the web application: each page's server time with 20 concurrent users.

The issue's goal: every page's server time under 200 ms at the 95th percentile on the demo centre
with 20 concurrent users on loopback. This script seeds the demo centre into a temporary data
directory (``ccops db upgrade``, ``ccops demo seed --end 2026-11-22``, then a forecast and a
published schedule of week 2026-W48 for London, so the forecast and schedule pages have
something to show), starts ``ccops serve`` (uvicorn) on a free 127.0.0.1 port and signs the demo
roles in through the sign-in form.

Before any load, every page of every walk is opened twice per worker (a warm-up: the first
request of a route in a worker computes what the cache then answers until the data changes);
the slowest of those is printed as the route's "cold" time, apart from the percentiles, which
describe the steady state people work in. The loads then follow, each printed as a table:

* ``users`` (the goal's measure): 20 simulated people, each signed in as a role and walking that
  role's pages in order (supervisors: home, intraday board and its refresh, KPI dashboard, their
  team's performance and quality pages, ...), thinking 1 to 3 s (uniform, seeded) between pages,
  as people reading a page do, for ``--duration`` seconds. The mix is 6 supervisors, 4 agents,
  3 planners, 2 QA analysts, 2 managers, 1 executive and 2 administrators (one of them reading
  the JSON API with a token).
* ``live`` (``--live S``): the users load again while a telephony feed posts 30 completed
  contacts to ``/api/v1/events`` every S seconds. Each batch changes the KPI data version, so
  the cached sums of every page are recomputed once per worker after it: this is the working
  day's condition, where the static demo is the evening's.
* ``stress`` (``--stress``): route after route, 20 clients with no think time at all, each sending
  its next request the moment the last one answered, ``--requests`` per route. This measures
  throughput on 2 cores, not what people see: with 20 requests always in flight, each waits for
  the others' CPU.

Each row gives requests, errors and p50/p95/max of the server's time (the app's
``Server-Timing`` header: from the app being called to the response's headers being sent, so it
includes waiting inside the process for a thread or the database) and of the client's time (from
sending the request to reading the whole body, over loopback, including the client's own time).
The goal is judged on the server's p95. The machine's load averages are printed before and after,
since other work skews the times.

Run with ``.venv/bin/python benchmarks/bench_web.py`` (``--duration S`` of each users load,
default 300; ``--live S`` to add the live load; ``--stress`` to add the stress load and
``--requests N`` per route of it; ``--workers N`` uvicorn processes, default 2;
``--database-url URL`` an empty PostgreSQL database to seed and serve instead of SQLite);
``run()`` returns the tables for a combined report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from ccops.org.demo import DEMO_USERS, demo_password
from ccops.web.timing import server_ms

END = "2026-11-22"
WEEK = "2026-W48"
SCHEDULE_SITE = "London"
USERS = 20
DURATION_S = 300.0
THINK_S = (1.0, 3.0)
REQUESTS = 200
GOAL_MS = 200.0
ROUTE_TIME_LIMIT_S = 120.0
START_TIME_LIMIT_S = 180.0
CLIENT_TIMEOUT_S = 30.0
LIVE_BATCH = 30
"""Completed contacts per intake batch of the live load (Billing, answered by agent001)."""
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CCOPS = str(Path(sys.executable).with_name("ccops"))
TEAM = "/performance/teams/Billing%201"

# What each role opens, in the order a person of that role walks through it; {schedule} and
# {forecast} are filled in with the ids the seed made. The API reader uses the admin's token.
WALKS: dict[str, tuple[str, ...]] = {
    "supervisor": (
        "/",
        "/intraday",
        "/intraday/panel",
        "/kpi",
        "/kpi/panel",
        TEAM,
        "/performance/people/agent001",
        "/intraday/panel",
        "/intraday/adherence",
        "/quality/team",
        "/schedules",
        "/notifications",
        "/performance",
    ),
    "agent": (
        "/",
        "/schedules/my",
        "/performance",
        "/quality/mine",
        "/notifications",
        "/account",
    ),
    "planner": (
        "/",
        "/forecasts",
        "/forecasts/{forecast}",
        "/staffing",
        "/staffing/result",
        "/schedules",
        "/schedules/{schedule}",
        "/capacity-plans",
        "/intraday",
    ),
    "qa": (
        "/",
        "/quality/worklist",
        "/quality/forms",
        "/quality/calibrations",
        "/quality/calibrations/1",
        "/quality/evaluations/1",
        "/quality/team",
    ),
    "manager": (
        "/",
        "/performance",
        "/performance/cascade",
        "/performance/attrition",
        TEAM,
        "/kpi",
        "/kpi/definitions",
    ),
    "executive": ("/", "/kpi/definitions", "/performance"),
    "admin": (
        "/",
        "/admin/sites",
        "/admin/queues",
        "/admin/teams",
        "/admin/people",
        "/admin/people/agent001",
        "/admin/users",
        "/import",
        "/account",
    ),
    "api": (
        "/health",
        "/api/v1/sites",
        "/api/v1/queues",
        "/api/v1/teams",
        "/api/v1/people",
        f"/api/v1/kpi/intervals?from={END}&to={END}&interval=15",
        f"/api/v1/kpi/agents?from={END}&to={END}&interval=60",
        f"/api/v1/kpi/repeats?from={END}&to={END}",
        "/api/v1/kpi/definitions",
        "/api/v1/forecasts",
        "/api/v1/schedules",
        "/api/v1/intraday/status?queue=Billing",
        "/api/v1/performance/centre/scorecard",
        "/api/v1/performance/teams/Billing%201/scorecard",
        "/api/v1/performance/teams/Billing%201/funnel?kpi=repeat_contact_rate",
        "/api/v1/performance/people/agent001/scorecard",
        "/api/v1/quality/summary",
    ),
}
MIX = {
    "supervisor": 6,
    "agent": 4,
    "planner": 3,
    "qa": 2,
    "manager": 2,
    "executive": 1,
    "admin": 1,
    "api": 1,
}
assert sum(MIX.values()) == USERS


@dataclass
class Row:
    """One route's measurements (times in ms)."""

    route: str
    who: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    client_p50_ms: float
    client_p95_ms: float
    first_ms: float | None = None

    @property
    def meets_goal(self) -> bool:
        """Whether the server's 95th percentile is under the goal and every request succeeded."""
        return self.errors == 0 and self.p95_ms < GOAL_MS


@dataclass
class Sample:
    """One request: which route, as whom, the server's and the client's time, success."""

    route: str
    who: str
    server_ms: float
    client_ms: float
    ok: bool


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ccops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [CCOPS, *args], env=env, check=True, capture_output=True, text=True, timeout=900
    )
    return done.stdout


def _seed(data_dir: Path, database_url: str | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """Seed the demo centre, build and publish a week; return the environment and the ids."""
    env = {**os.environ, "CCOPS_DATA_DIR": str(data_dir)}
    env.pop("CCOPS_DATABASE_URL", None)
    if database_url:
        env["CCOPS_DATABASE_URL"] = database_url
    _ccops(env, "db", "upgrade")
    _ccops(env, "demo", "seed", "--end", END)
    built = json.loads(
        _ccops(env, "schedule", "build", "--week", WEEK, "--site", SCHEDULE_SITE, "--json")
    )
    schedule_id = int(built["schedules"][0]["id"])
    _ccops(env, "schedule", "publish", str(schedule_id))
    forecasts = json.loads(_ccops(env, "forecast", "list", "--json"))
    return env, {"schedule": schedule_id, "forecast": int(forecasts[0]["id"])}


def _admin_token(env: dict[str, str]) -> str:
    out = _ccops(env, "users", "token", "create", "admin", "--name", "bench-web", "--json")
    token: str = json.loads(out)["token"]
    return token


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIME_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"ccops serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("ccops serve did not answer /health in time")


def _sign_in(base: str, login: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/login")
        found = CSRF_FIELD.search(page.text)
        if not found:
            raise RuntimeError("the sign-in page has no csrf_token field")
        response = client.post(
            "/login",
            data={"login": login, "password": demo_password(login), "csrf_token": found[1]},
        )
        if response.status_code != 303:
            raise RuntimeError(f"sign-in of {login} failed: {response.status_code}")
        return client.cookies


async def _get(client: httpx.AsyncClient, route: str, who: str) -> Sample:
    """One GET; a timeout or a connection the server dropped is a failed request, not an end."""
    started = time.perf_counter()
    try:
        response = await client.get(route)
        await response.aread()
    except httpx.TransportError:  # a timeout, a refused or dropped connection
        waited = (time.perf_counter() - started) * 1000
        return Sample(route, who, waited, waited, False)
    client_ms = (time.perf_counter() - started) * 1000
    measured = server_ms(response.headers.get("server-timing"))
    return Sample(
        route,
        who,
        client_ms if measured is None else measured,
        client_ms,
        response.status_code == 200,
    )


async def _users_load(
    base: str,
    sessions: dict[str, httpx.Cookies],
    token: str,
    ids: dict[str, int],
    duration_s: float,
    seed: int,
    samples: list[Sample] | None = None,
) -> list[Sample]:
    """Run the 20 simulated people for ``duration_s`` and return every request they made
    (appended to ``samples`` as they finish when given, so a caller can read them live)."""
    samples = [] if samples is None else samples
    stop_at = time.monotonic() + duration_s
    rng = random.Random(seed)

    async def person(kind: str, number: int, offset: int, wait_first: float) -> None:
        walk = [route.format(**ids) for route in WALKS[kind]]
        cookies = None if kind == "api" else sessions[kind]
        headers = {"Authorization": f"Bearer {token}"} if kind == "api" else {}
        think = random.Random(rng.random())
        await asyncio.sleep(wait_first)  # people do not all click in the same millisecond
        async with httpx.AsyncClient(
            base_url=base,
            cookies=cookies,
            headers=headers,
            timeout=CLIENT_TIMEOUT_S,
            follow_redirects=False,
        ) as client:
            step = offset
            while time.monotonic() < stop_at:
                route = walk[step % len(walk)]
                samples.append(await _get(client, route, kind))
                step += 1
                await asyncio.sleep(think.uniform(*THINK_S))

    people = []
    for kind, count in MIX.items():
        for number in range(count):
            # people of one role start at different pages of their walk
            offset = number * max(1, len(WALKS[kind]) // count)
            people.append(person(kind, number, offset, rng.uniform(0, THINK_S[1])))
    await asyncio.gather(*people)
    return samples


async def _live_intake(base: str, token: str, every_s: float, stop_at: float) -> dict[str, int]:
    """Post a batch of completed contacts to /api/v1/events every ``every_s`` seconds until
    ``stop_at`` (as a telephony feed does during the day); return batches, events, rejected."""
    done = {"batches": 0, "events": 0, "rejected": 0, "failed": 0}
    n = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    timeout = CLIENT_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout) as client:
        while time.monotonic() < stop_at:
            now = datetime.now(UTC)
            lines = []
            for i in range(LIVE_BATCH):
                n += 1
                lines.append(
                    json.dumps(
                        {
                            "id": f"bench-web-{n}",
                            "type": "contact",
                            "external_id": f"bench-web-{n}",
                            "queue": "Billing",
                            "arrival": (now - timedelta(seconds=120 + i)).isoformat(),
                            "outcome": "answered",
                            "wait_s": 5,
                            "agent": "agent001",
                            "talk_s": 60,
                            "wrap_s": 10,
                        }
                    )
                )
            try:
                response = await client.post("/api/v1/events", content="\n".join(lines))
                if response.status_code == 200:
                    done["batches"] += 1
                    done["events"] += LIVE_BATCH
                    done["rejected"] += int(response.json().get("rejected", 0))
                else:
                    done["failed"] += 1
            except httpx.HTTPError:
                done["failed"] += 1
            await asyncio.sleep(every_s)
    return done


async def _warm_up(
    base: str, sessions: dict[str, httpx.Cookies], token: str, ids: dict[str, int], workers: int
) -> dict[tuple[str, str], float]:
    """Open every route of every walk once per worker before the measured load; return the
    slowest server time of each (route, role): its first request after the server started."""
    first: dict[tuple[str, str], float] = {}

    async def walk(kind: str) -> None:
        cookies = None if kind == "api" else sessions[kind]
        headers = {"Authorization": f"Bearer {token}"} if kind == "api" else {}
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, headers=headers, timeout=CLIENT_TIMEOUT_S
        ) as client:
            for route in dict.fromkeys(r.format(**ids) for r in WALKS[kind]):
                # a new connection per request, so the requests spread over the workers
                for _ in range(2 * workers):
                    sample = await _get(client, route, kind)
                    key = (route, kind)
                    first[key] = max(first.get(key, 0.0), sample.server_ms)
                    client.headers["Connection"] = "close"

    await asyncio.gather(*(walk(kind) for kind in WALKS))
    return first


async def _stress_route(
    base: str, path: str, *, cookies: httpx.Cookies | None, headers: dict[str, str], total: int
) -> list[Sample]:
    """Send ``total`` GETs of ``path`` from USERS clients with no think time."""
    samples: list[Sample] = []
    remaining = total
    deadline = time.monotonic() + ROUTE_TIME_LIMIT_S

    async def client_loop() -> None:
        nonlocal remaining
        async with httpx.AsyncClient(
            base_url=base,
            cookies=cookies,
            headers=headers,
            timeout=CLIENT_TIMEOUT_S,
            follow_redirects=False,
        ) as client:
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                samples.append(await _get(client, path, "stress"))

    await asyncio.gather(*(client_loop() for _ in range(USERS)))
    return samples


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rows_of(samples: list[Sample]) -> list[Row]:
    """Group samples by (route, who) in the order first seen; one row each."""
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[(sample.route, sample.who)].append(sample)
    rows = []
    for (route, who), group in groups.items():
        server = sorted(x.server_ms for x in group)
        client = sorted(x.client_ms for x in group)
        rows.append(
            Row(
                route,
                who,
                len(group),
                sum(not x.ok for x in group),
                statistics.median(server),
                _percentile(server, 0.95),
                server[-1],
                statistics.median(client),
                _percentile(client, 0.95),
            )
        )
    return sorted(rows, key=lambda r: (r.who, r.route))


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the served app: terminate, then kill if it has not exited within 15 s."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(
        [CCOPS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


@dataclass
class Result:
    """The tables of one run: the users load, the same with live intake, the stress load."""

    users: list[Row]
    live: list[Row]
    live_intake: dict[str, int]
    stress: list[Row]


async def _users_with_intake(
    base: str,
    sessions: dict[str, httpx.Cookies],
    token: str,
    ids: dict[str, int],
    duration_s: float,
    seed: int,
    every_s: float,
) -> tuple[list[Sample], dict[str, int]]:
    samples, intake = await asyncio.gather(
        _users_load(base, sessions, token, ids, duration_s, seed),
        _live_intake(base, token, every_s, time.monotonic() + duration_s),
    )
    return samples, intake


def run(
    *,
    duration_s: float = DURATION_S,
    live_every_s: float | None = None,
    stress: bool = False,
    requests: int = REQUESTS,
    workers: int = 2,
    database_url: str | None = None,
    seed: int = 0,
) -> Result:
    """Seed, serve, run the users load (then with live intake, then the stress load if asked)."""
    result = Result([], [], {}, [])
    with tempfile.TemporaryDirectory(prefix="ccops-bench-web-") as tmp:
        data_dir = Path(tmp)
        print("seeding the demo centre, a forecast and a published week ...", file=sys.stderr)
        env, ids = _seed(data_dir, database_url)
        token = _admin_token(env)
        server, base = _serve(env, workers)
        try:
            _wait_until_up(base, server)
            sessions = {login: _sign_in(base, login) for login, _role, _scope in DEMO_USERS}
            print("warm-up: every page of every walk, twice per worker ...", file=sys.stderr)
            first = asyncio.run(_warm_up(base, sessions, token, ids, workers))
            print(f"users load for {duration_s:.0f} s ...", file=sys.stderr, flush=True)
            samples = asyncio.run(_users_load(base, sessions, token, ids, duration_s, seed))
            result.users = rows_of(samples)
            for row in result.users:
                row.first_ms = first.get((row.route, row.who))
            if live_every_s is not None:
                print(
                    f"users load for {duration_s:.0f} s with live intake every {live_every_s} s",
                    file=sys.stderr,
                    flush=True,
                )
                samples, result.live_intake = asyncio.run(
                    _users_with_intake(
                        base, sessions, token, ids, duration_s, seed + 1, live_every_s
                    )
                )
                result.live = rows_of(samples)
            if stress:
                bearer = {"Authorization": f"Bearer {token}"}
                for kind, walk in WALKS.items():
                    for route in dict.fromkeys(r.format(**ids) for r in walk):
                        cookies = None if kind == "api" else sessions[kind]
                        headers = bearer if kind == "api" else {}
                        found = asyncio.run(
                            _stress_route(
                                base, route, cookies=cookies, headers=headers, total=requests
                            )
                        )
                        row = rows_of(found)[0]
                        row.who = kind
                        result.stress.append(row)
                        print(f"  stress {route} ({kind}): {row}", file=sys.stderr, flush=True)
        finally:
            stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def print_table(title: str, rows: list[Row]) -> None:
    """Print the rows as a fixed-width table under ``title``."""
    print(title)
    print(
        f"{'route':<58} {'as':<10} {'reqs':>5} {'errs':>4} {'srv p50':>8} {'srv p95':>8} "
        f"{'srv max':>8} {'cli p50':>8} {'cli p95':>8} {'cold':>8}  p95<{GOAL_MS:.0f}ms"
    )
    for r in rows:
        print(
            f"{r.route:<58} {r.who:<10} {r.requests:>5} {r.errors:>4} {r.p50_ms:>8.1f} "
            f"{r.p95_ms:>8.1f} {r.max_ms:>8.1f} {r.client_p50_ms:>8.1f} {r.client_p95_ms:>8.1f}"
            f" {'' if r.first_ms is None else f'{r.first_ms:.1f}':>8}"
            f"  {'yes' if r.meets_goal else 'NO'}"
        )
    met = sum(r.meets_goal for r in rows)
    print(f"{met}/{len(rows)} routes meet the goal (server p95 < {GOAL_MS:.0f} ms, no errors)")
    if any(r.first_ms is not None for r in rows):
        print(
            "cold: the slowest server time of the route in the warm-up before the load (its first "
            "request in each worker after start, computing what later requests read from the "
            "cache); not part of the percentiles"
        )
    print()


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=DURATION_S, help="users load, s")
    parser.add_argument(
        "--live", type=float, default=None, metavar="S", help="again, with intake every S s"
    )
    parser.add_argument("--stress", action="store_true", help="add the no-think-time load")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="stress requests/route")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--seed", type=int, default=0, help="seed of the think times")
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    result = run(
        duration_s=args.duration,
        live_every_s=args.live,
        stress=args.stress,
        requests=args.requests,
        workers=args.workers,
        database_url=args.database_url,
        seed=args.seed,
    )
    walk = f"{USERS} people walking their pages, {THINK_S[0]:.0f}-{THINK_S[1]:.0f} s between pages"
    print_table(f"{walk}, {args.duration:.0f} s, no writes:", result.users)
    if result.live:
        intake = result.live_intake
        print_table(
            f"{walk}, {args.duration:.0f} s, while a feed posts {LIVE_BATCH} completed contacts "
            f"every {args.live} s ({intake.get('batches', 0)} batches, {intake.get('rejected', 0)} "
            f"rejected, {intake.get('failed', 0)} failed):",
            result.live,
        )
    if result.stress:
        print_table(f"stress: {USERS} clients per route, no think time:", result.stress)
    load_after = os.getloadavg()
    print(
        f"({os.cpu_count()} CPUs; {args.workers} worker(s); "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}; "
        f"{time.perf_counter() - started:.0f} s in all; load averages 1/5/15 min before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in load_after)})"
    )


if __name__ == "__main__":
    main()
