"""Benchmark of the web application: each page's and API read's time at 20 concurrent users.

The issue's goal: every page's server time under 200 ms at the 95th percentile on the demo centre
with 20 concurrent users on loopback. This script seeds the demo centre into a temporary data
directory (``ccops db upgrade`` then ``ccops demo seed --end 2026-11-22``), starts ``ccops serve``
(uvicorn) on a free 127.0.0.1 port, signs each demo role in through the sign-in form (a session
cookie per role) and creates an API token for the administrator, then, route after route, sends a
fixed number of GET requests from 20 concurrent httpx clients and prints a table: requests,
p50, p95, max and whether p95 < 200 ms.

Times are measured by the client from sending the request to reading the whole body, over
loopback; they include the client's own time, so they are an upper bound of the server's time.
Each page is requested as the first demo role it answers 200 for (the role whose page it is).
Everything is bounded: a fixed request count per route, a time limit per route, and the server is
stopped at the end.

Run with ``.venv/bin/python benchmarks/bench_web.py`` (``--requests N`` per route, default 200;
``--workers N`` uvicorn worker processes, default 1; ``--database-url URL`` an empty PostgreSQL
database to seed and serve instead of SQLite); ``run()`` returns the rows for a combined report.
The machine's load averages are printed before and after, since other work skews the times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ccops.demo import DEMO_USERS, demo_password

END = "2026-11-22"
USERS = 20
REQUESTS = 200
GOAL_MS = 200.0
ROUTE_TIME_LIMIT_S = 120.0
START_TIME_LIMIT_S = 180.0
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CCOPS = str(Path(sys.executable).with_name("ccops"))

# Pages, in the order of the menu; each is requested as the first role that may open it.
PAGES = (
    "/",
    "/kpi",
    "/kpi/panel",
    "/kpi/definitions",
    "/staffing",
    "/staffing/result",
    "/forecasts",
    "/capacity-plans",
    "/import",
    "/account",
    "/performance",
    "/performance/teams/Billing%201",
    "/performance/people/agent001",
    "/performance/cascade",
    "/performance/attrition",
)
# JSON API reads, as the administrator's bearer token (the demo's last day keeps KPI reads
# to one day, as the dashboard asks for them).
API_READS = (
    "/health",
    "/api/v1/sites",
    "/api/v1/queues",
    "/api/v1/teams",
    "/api/v1/people",
    "/api/v1/users",
    "/api/v1/imports",
    f"/api/v1/kpi/intervals?from={END}&to={END}&interval=15",
    f"/api/v1/kpi/agents?from={END}&to={END}&interval=60",
    f"/api/v1/kpi/repeats?from={END}&to={END}",
    "/api/v1/kpi/definitions",
    "/api/v1/forecasts",
    "/api/v1/calendar-events",
    "/api/v1/performance/centre/scorecard",
    "/api/v1/performance/teams/Billing%201/scorecard",
    "/api/v1/performance/teams/Billing%201/people?kpi=aht_s",
    "/api/v1/performance/teams/Billing%201/funnel?kpi=repeat_contact_rate",
    "/api/v1/performance/people/agent001/scorecard",
)


@dataclass
class Row:
    """One route's measurements."""

    route: str
    who: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float

    @property
    def meets_goal(self) -> bool:
        """Whether the 95th percentile is under the goal and every request succeeded."""
        return self.errors == 0 and self.p95_ms < GOAL_MS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ccops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [CCOPS, *args], env=env, check=True, capture_output=True, text=True, timeout=600
    )
    return done.stdout


def _seed(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "CCOPS_DATA_DIR": str(data_dir)}
    env.pop("CCOPS_DATABASE_URL", None)
    if database_url:
        env["CCOPS_DATABASE_URL"] = database_url
    _ccops(env, "db", "upgrade")
    _ccops(env, "demo", "seed", "--end", END)
    return env


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


async def _drive(
    base: str, path: str, *, cookies: httpx.Cookies | None, headers: dict[str, str], total: int
) -> tuple[list[float], int]:
    """Send ``total`` GETs of ``path`` from USERS concurrent clients; return times and errors."""
    times: list[float] = []
    errors = 0
    remaining = total
    deadline = time.monotonic() + ROUTE_TIME_LIMIT_S

    async def user() -> None:
        nonlocal remaining, errors
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, headers=headers, timeout=30, follow_redirects=False
        ) as client:
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    await response.aread()
                except (httpx.TimeoutException, httpx.RemoteProtocolError):
                    # a request slower than the client's 30 s limit, or one whose worker was
                    # restarted under it, is a failed request counted with its waited time, not a
                    # reason to lose the other routes' figures
                    times.append((time.perf_counter() - started) * 1000)
                    errors += 1
                    continue
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1

    await asyncio.gather(*(user() for _ in range(USERS)))
    return times, errors


def _row(route: str, who: str, times: list[float], errors: int) -> Row:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return Row(route, who, len(ordered), errors, statistics.median(ordered), p95, ordered[-1])


def _first_allowed(base: str, path: str, sessions: dict[str, httpx.Cookies]) -> str | None:
    for login, cookies in sessions.items():
        with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
            if client.get(path).status_code == 200:
                return login
    return None


def run(requests: int = REQUESTS, workers: int = 1, database_url: str | None = None) -> list[Row]:
    """Seed, serve, measure every page and API read; return one row per route."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ccops-bench-web-") as tmp:
        data_dir = Path(tmp)
        env = _seed(data_dir, database_url)
        token = _admin_token(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [CCOPS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(base, server)
            sessions = {login: _sign_in(base, login) for login, _role, _scope in DEMO_USERS}
            plan: list[tuple[str, str, httpx.Cookies | None, dict[str, str]]] = [
                ("/login", "anonymous", None, {})
            ]
            for path in PAGES:
                who = _first_allowed(base, path, sessions)
                if who is None:
                    print(f"  {path}: no demo role may open it; left out", flush=True)
                    continue
                plan.append((path, who, sessions[who], {}))
            bearer = {"Authorization": f"Bearer {token}"}
            plan += [(path, "admin (token)", None, bearer) for path in API_READS]
            for path, who, cookies, headers in plan:
                times, errors = asyncio.run(
                    _drive(base, path, cookies=cookies, headers=headers, total=requests)
                )
                rows.append(_row(path, who, times, errors))
                row = rows[-1]
                print(f"  {path} ({who}): {row}", file=sys.stderr, flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    return rows


def print_table(rows: list[Row]) -> None:
    """Print the rows as a fixed-width table."""
    print(
        f"{'route':<64} {'as':<14} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8}  p95<{GOAL_MS:.0f}ms"
    )
    for r in rows:
        print(
            f"{r.route:<64} {r.who:<14} {r.requests:>8} {r.errors:>6} {r.p50_ms:>8.1f} "
            f"{r.p95_ms:>8.1f} {r.max_ms:>8.1f}  {'yes' if r.meets_goal else 'NO'}"
        )
    met = sum(r.meets_goal for r in rows)
    print(f"{met}/{len(rows)} routes meet the goal ({USERS} concurrent users, loopback)")


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per route")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    print_table(run(requests=args.requests, workers=args.workers, database_url=args.database_url))
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
