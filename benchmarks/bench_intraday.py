"""Event intake under a sustained load, and how soon the intraday view shows an event.

Run: ``python benchmarks/bench_intraday.py [--rate 1000] [--seconds 20]``. On SQLite and on
PostgreSQL (``CCOPS_BENCH_POSTGRES_URL``, default the local ``test`` server, in a scratch
database) two things are measured:

* paced: events are emitted at ``--rate`` per second (70% contact records, 20% arrivals, 10%
  agent-state spans, over 5 queues and 300 agents; one queue has an exception plan, so rules are
  evaluated on every batch); every ``--batch-s`` seconds the events emitted since the last batch
  are sent through ``flows.ingest_events`` and committed, then a separate session reads the
  intraday view. An event's latency is the moment the view read returned, showing it, minus the
  moment it was emitted (batching delay included). The goal: keep up with 1,000 events/s and
  show every event within 5 s.
* unpaced: batches of 1,000 events as fast as one process can write them (the headroom).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from ccops import flows
from ccops.db import make_engine, make_session_factory, transaction
from ccops.enums import ChannelKind
from ccops.migrate import upgrade
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service

PG_ADMIN = os.environ.get(
    "CCOPS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
QUEUES = ("Billing", "Tech", "Sales", "Claims", "Cards")
AGENTS = 300
GOAL_LATENCY_S = 5.0


def _org(factory: Any) -> None:
    with transaction(factory) as s:
        org_service.create_site(session=s, data=org_schemas.SiteIn(name="Bench", timezone="UTC"))
        org_service.create_channel(
            session=s, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
        )
        for q in QUEUES:
            org_service.create_queue(
                session=s, data=org_schemas.QueueIn(name=q, channel="voice", site="Bench")
            )
        for i in range(AGENTS):
            org_service.create_person(
                session=s,
                data=org_schemas.PersonIn(
                    name=f"Agent {i}",
                    login=f"a{i}",
                    site="Bench",
                    skills=[org_schemas.SkillIn(queue=QUEUES[i % len(QUEUES)], level=9)],
                ),
            )
        exception_service.create_plan(
            session=s,
            data=schemas.PlanIn(
                name="bench",
                queue="Billing",
                rules=[
                    schemas.RuleIn(name="T1", tier=1, measure="volume_over", threshold=0.3),
                    schemas.RuleIn(name="SL", tier=2, measure="service_level_below", threshold=0.0),
                ],
            ),
            created_by="bench",
        )


class Source:
    """A deterministic stream of events stamped with their emission time."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.n = 0
        self.waiting: list[tuple[str, str, str]] = []
        self.state_at: dict[int, datetime] = {}

    def emit(self, at: datetime, count: int) -> list[str]:
        """``count`` events emitted at ``at``."""
        out = []
        kinds = self.rng.random(count)
        for k in kinds:
            self.n += 1
            if k < 0.2:
                queue = QUEUES[self.n % len(QUEUES)]
                ext = f"c{self.n}"
                arrival = at - timedelta(seconds=1)
                self.waiting.append((ext, queue, arrival.isoformat()))
                out.append(
                    json.dumps(
                        {
                            "id": f"e{self.n}",
                            "type": "contact",
                            "external_id": ext,
                            "queue": queue,
                            "arrival": arrival.isoformat(),
                        }
                    )
                )
            elif k < 0.9:
                if self.waiting and self.rng.random() < 0.5:
                    ext, queue, arrival_iso = self.waiting.pop(0)
                else:
                    ext, queue = f"c{self.n}", QUEUES[self.n % len(QUEUES)]
                    arrival_iso = (at - timedelta(seconds=60)).isoformat()
                answered = self.rng.random() < 0.88
                in_system = (at - datetime.fromisoformat(arrival_iso)).total_seconds()
                wait = min(float(np.round(self.rng.exponential(10), 1)), in_system)
                body: dict[str, Any] = {
                    "id": f"e{self.n}",
                    "type": "contact",
                    "external_id": ext,
                    "queue": queue,
                    "arrival": arrival_iso,
                    "outcome": "answered" if answered else "abandoned",
                    "wait_s": wait,
                }
                if answered:
                    body["agent"] = f"a{self.n % AGENTS}"
                    body["talk_s"] = round(in_system - wait, 3)
                    body["wrap_s"] = 10
                else:
                    body["ended_at"] = (
                        datetime.fromisoformat(arrival_iso) + timedelta(seconds=wait)
                    ).isoformat()
                out.append(json.dumps(body))
            else:
                person = int(self.rng.integers(0, AGENTS))
                start = self.state_at.get(person, at - timedelta(seconds=120))
                self.state_at[person] = at
                out.append(
                    json.dumps(
                        {
                            "id": f"e{self.n}",
                            "type": "agent_state",
                            "person": f"a{person}",
                            "state": "on_contact" if self.rng.random() < 0.6 else "available",
                            "start": start.isoformat(),
                            "end": at.isoformat(),
                        }
                    )
                )
        return out


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _bench(url: str, rate: int, seconds: float, batch_s: float) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    _org(factory)
    source = Source()
    latencies: list[float] = []
    batch_times: list[float] = []
    sent = rejected = 0
    started = time.perf_counter()
    clock0 = datetime.now(UTC)
    next_tick = started + batch_s
    emitted_until = started
    while time.perf_counter() - started < seconds:
        now_pc = time.perf_counter()
        if now_pc < next_tick:
            time.sleep(next_tick - now_pc)
        tick_end = time.perf_counter()
        # events emitted uniformly over (emitted_until, tick_end]
        count = int(round((tick_end - emitted_until) * rate))
        emit_times = np.linspace(emitted_until, tick_end, count + 1)[1:]
        at = clock0 + timedelta(seconds=tick_end - started)
        lines = source.emit(at, count)
        emitted_until = tick_end
        t0 = time.perf_counter()
        with transaction(factory) as s:
            out = flows.ingest_events(session=s, events=lines, secret_key="bench", now=at)
        rejected += out.rejected
        sent += count
        with factory() as reader:
            view = intraday_service.status(session=reader, queue="Billing", as_of=at)
            assert view.offered >= 0
        seen = time.perf_counter()
        batch_times.append(seen - t0)
        latencies.extend((seen - emit_times).tolist())
        next_tick = max(tick_end + batch_s, seen)
    elapsed = time.perf_counter() - started
    window = emitted_until - started
    paced_rate = sent / window
    busy = sum(batch_times) / elapsed
    # unpaced: as fast as one writer goes
    fast_batches = 5
    t0 = time.perf_counter()
    at = clock0 + timedelta(seconds=elapsed + 1)
    for _ in range(fast_batches):
        lines = source.emit(at, 1000)
        with transaction(factory) as s:
            flows.ingest_events(session=s, events=lines, secret_key="bench", now=at)
    unpaced = fast_batches * 1000 / (time.perf_counter() - t0)
    engine.dispose()
    return {
        "offered_rate": rate,
        "sustained_rate": paced_rate,
        "unpaced_rate": unpaced,
        "events": sent,
        "rejected": rejected,
        "batch_p50_s": statistics.median(batch_times) if batch_times else float("nan"),
        "busy": busy,
        "latency_p50_s": _pct(latencies, 50),
        "latency_p95_s": _pct(latencies, 95),
        "latency_max_s": max(latencies) if latencies else float("nan"),
    }


def run(rate: int = 1000, seconds: float = 20.0, batch_s: float = 1.0) -> list[dict[str, Any]]:
    """Measure SQLite and PostgreSQL; return one row per engine."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        rows.append({"engine": "SQLite", **_bench(url, rate, seconds, batch_s)})
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS ccops_bench_intraday WITH (FORCE)")
            conn.exec_driver_sql("CREATE DATABASE ccops_bench_intraday")
        pg_url = PG_ADMIN.rsplit("/", 1)[0] + "/ccops_bench_intraday"
        rows.append({"engine": "PostgreSQL", **_bench(pg_url, rate, seconds, batch_s)})
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS ccops_bench_intraday WITH (FORCE)")
    except sa.exc.OperationalError as exc:
        rows.append({"engine": "PostgreSQL", "error": str(exc.orig).splitlines()[0]})
    finally:
        admin.dispose()
    return rows


def print_table(rows: list[dict[str, Any]], seconds: float, batch_s: float) -> None:
    """Print rates and latencies, and whether the goal (1,000/s, view within 5 s) is met.

    written/s: events written per second of emission (all of them, with the view read after
    each batch); busy: the writer's share of the wall time (under 100%: it keeps up).
    """
    print(
        f"\nEvent intake, {seconds:g} s paced run, one batch every {batch_s:g} s; "
        f"latency = emitted -> visible in the intraday view"
    )
    print(
        f"{'engine':<12}{'offered/s':>10}{'written/s':>11}{'busy':>6}{'unpaced/s':>11}"
        f"{'batch p50 s':>13}"
        f"{'lat p50 s':>11}{'lat p95 s':>11}{'lat max s':>11}{'goal':>7}"
    )
    for r in rows:
        if "error" in r:
            print(f"{r['engine']:<12} not measured: {r['error']}")
            continue
        ok = (
            r["sustained_rate"] >= 0.95 * r["offered_rate"]
            and r["busy"] < 1.0
            and r["latency_max_s"] <= GOAL_LATENCY_S
            and r["rejected"] == 0
        )
        print(
            f"{r['engine']:<12}{r['offered_rate']:>10,}{r['sustained_rate']:>11,.0f}"
            f"{r['busy']:>6.0%}{r['unpaced_rate']:>11,.0f}{r['batch_p50_s']:>13.3f}{r['latency_p50_s']:>11.2f}"
            f"{r['latency_p95_s']:>11.2f}{r['latency_max_s']:>11.2f}{'met' if ok else 'MISSED':>7}"
        )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=1000, help="events per second offered")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the paced run")
    parser.add_argument("--batch-s", type=float, default=1.0, help="seconds between batches")
    args = parser.parse_args()
    print_table(run(args.rate, args.seconds, args.batch_s), args.seconds, args.batch_s)


if __name__ == "__main__":
    main()
