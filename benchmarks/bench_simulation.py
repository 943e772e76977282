"""Benchmark: ccops's contact-centre simulator against Ciw on a 3-queue, 2-skill model.

Run ``.venv/bin/python benchmarks/bench_simulation.py [--contacts N] [--seed S]``.

The model (stationary, so batch means give honest intervals):

* three queues, Poisson arrivals, exponential handle times, exponential patience (M/M/n+M per
  class);
* three agent groups, each with two skills (a primary, priority 1, and a secondary, priority
  2), arranged in a ring: sales+service, service+billing, billing+sales;
* routing: a free agent takes the oldest waiting contact of its primary queue, else of its
  secondary queue; an arriving contact goes to a free agent whose primary queue it is, else to
  one for whom it is secondary, longest-idle first; FCFS within a queue.

Ciw (the reference peer, installed with ``pip install -e .[bench]``) has no skill-based routing
of its own: one service centre with one customer class per queue (each its own priority class,
no pre-emption) and the same distributions, and a small ``ciw.Node`` subclass in this file
that restricts servers to their skills and applies the same selection rules (server choice for
an arriving contact; customer choice for a freed server). Everything else, event scheduling,
reneging and records, is Ciw's own. Differences: Ciw samples each service time when service
starts and each patience on arrival from its own streams (ccops draws both on arrival), so the
runs are equal in distribution, not path by path.

KPIs are computed by the same code for both (``ccops.engines.simulation.kpis``: batch means,
20 batches, 99 % intervals, one-hour warm-up left out), service level with target 20 s counted
over all offered contacts (abandoners count against).

``run(contacts)`` returns one dict per comparison (times in seconds, ``ratio`` = Ciw time /
ccops time, ``kpis`` a list of per-queue dicts); ``main()`` prints the tables.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import sys
import time
from typing import Any

import numpy as np

from ccops.engines.simulation import (
    ABANDONED,
    ANSWERED,
    OTHER,
    AgentGroup,
    AgentStateSpans,
    ContactRecords,
    KpiSummary,
    QueueSpec,
    Scenario,
    SimulationResult,
    kpis,
    simulate,
)

TARGET_S = 20.0
WARMUP_S = 3600.0
INTERVAL_S = 3600.0
N_BATCHES = 20

# name, arrival rate per second, mean handle time s, mean patience s
QUEUES = (
    ("sales", 0.040, 240.0, 180.0),
    ("service", 0.060, 300.0, 240.0),
    ("billing", 0.025, 200.0, 120.0),
)
# name, skills {queue: priority}, agents
GROUPS = (
    ("sales+service", {"sales": 1, "service": 2}, 12),
    ("service+billing", {"service": 1, "billing": 2}, 18),
    ("billing+sales", {"billing": 1, "sales": 2}, 6),
)
TOTAL_RATE_PER_S = sum(q[1] for q in QUEUES)


def scenario_for(contacts: int) -> Scenario:
    """The benchmark model with a horizon that offers about ``contacts`` contacts."""
    n_intervals = max(2, math.ceil(contacts / (TOTAL_RATE_PER_S * INTERVAL_S)))
    return Scenario(
        queues=[
            QueueSpec(name, arrival_rate_per_s=rate, aht_s=aht, patience_s=patience)
            for name, rate, aht, patience in QUEUES
        ],
        agent_groups=[AgentGroup(name, skills, staffing=n) for name, skills, n in GROUPS],
        interval_s=INTERVAL_S,
        n_intervals=n_intervals,
    )


def _run_ciw(scenario: Scenario, seed: int) -> tuple[SimulationResult, float]:
    """Simulate the scenario in Ciw; its records in ccops's shape (no agent spans), and the time.

    The time covers building the network, simulating and collecting Ciw's records; converting
    them to ccops's arrays afterwards is not timed.
    """
    import ciw

    t0 = time.perf_counter()

    names = [q.name for q in scenario.queues]
    qindex = {name: i for i, name in enumerate(names)}
    group_of_server: list[int] = []  # Ciw server ids are 1-based
    for gi, (_, _, n) in enumerate(GROUPS):
        group_of_server.extend([gi] * n)
    # group -> priority levels (tuples of queue indices); queue -> levels of groups
    group_levels: list[list[tuple[int, ...]]] = []
    queue_levels: list[dict[int, list[int]]] = [{} for _ in names]
    for gi, (_, skills, _) in enumerate(GROUPS):
        prios = sorted(set(skills.values()))
        levels = [tuple(qindex[q] for q, p in skills.items() if p == pr) for pr in prios]
        group_levels.append(levels)
        for rank, level in enumerate(levels):
            for qi in level:
                queue_levels[qi].setdefault(rank, []).append(gi)
    qlevels = [[set(d[r]) for r in sorted(d)] for d in queue_levels]

    class SkillNode(ciw.Node):  # type: ignore[misc]
        """A Ciw service centre whose servers serve only their skills, by priority."""

        def __init__(self, id_: int, simulation: Any) -> None:
            super().__init__(id_, simulation)
            self._arriving: Any = None
            self._freed: Any = None
            for srv in self.servers:
                srv.idle_since = 0.0

        def begin_service_if_possible_accept(self, next_individual: Any) -> None:
            self._arriving = next_individual
            try:
                super().begin_service_if_possible_accept(next_individual)
            finally:
                self._arriving = None

        def begin_service_if_possible_release(self, next_individual: Any, srv: Any) -> None:
            self._freed = srv
            try:
                super().begin_service_if_possible_release(next_individual, srv)
            finally:
                self._freed = None

        def detatch_server(self, server: Any, individual: Any) -> None:
            super().detatch_server(server, individual)
            server.idle_since = self.now

        def choose_next_customer(self) -> Any:
            if self._arriving is not None:
                # Invariant: no skilled server is idle while a contact waits, so on arrival only
                # the newcomer can start service.
                return self._arriving
            if self._freed is None:
                return None
            for level in group_levels[group_of_server[self._freed.id_number - 1]]:
                best = None
                for qi in level:
                    for ind in self.individuals[qi]:
                        if not ind.server:
                            if best is None or ind.arrival_date < best.arrival_date:
                                best = ind
                            break
                if best is not None:
                    return best
            return None

        def find_free_server(self, ind: Any) -> Any:
            qi = qindex[ind.customer_class]
            for level in qlevels[qi]:
                best = None
                for srv in self.servers:
                    if (
                        not srv.busy
                        and group_of_server[srv.id_number - 1] in level
                        and (best is None or srv.idle_since < best.idle_since)
                    ):
                        best = srv
                if best is not None:
                    return best
            return None

    network = ciw.create_network(
        arrival_distributions={
            name: [ciw.dists.Exponential(rate=rate)] for name, rate, _, _ in QUEUES
        },
        service_distributions={
            name: [ciw.dists.Exponential(rate=1.0 / aht)] for name, _, aht, _ in QUEUES
        },
        reneging_time_distributions={
            name: [ciw.dists.Exponential(rate=1.0 / patience)] for name, _, _, patience in QUEUES
        },
        number_of_servers=[len(group_of_server)],
        priority_classes={name: i for i, name in enumerate(names)},
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network, node_class=SkillNode)
    horizon = scenario.horizon_s
    sim.simulate_until_max_time(horizon)
    records = sim.get_all_records(include_incomplete=True)
    elapsed = time.perf_counter() - t0

    rows = []
    for r in records:
        if not (r.arrival_date < horizon):
            continue
        q = qindex[r.customer_class]
        if r.record_type == "service" or (
            r.record_type == "incomplete" and r.service_start_date is not None
        ):
            start = float(r.service_start_date)
            svc = r.service_time if r.record_type == "service" else math.nan
            rows.append((r.arrival_date, q, start - r.arrival_date, ANSWERED, start, svc))
        elif r.record_type == "renege":
            rows.append((r.arrival_date, q, r.waiting_time, ABANDONED, math.nan, 0.0))
        elif r.record_type == "incomplete":
            rows.append((r.arrival_date, q, horizon - r.arrival_date, OTHER, math.nan, 0.0))
    rows.sort()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 6)
    n = arr.shape[0]
    contacts = ContactRecords(
        queue=arr[:, 1].astype(np.int64),
        arrival_s=arr[:, 0],
        wait_s=arr[:, 2],
        outcome=arr[:, 3].astype(np.int8),
        answer_s=arr[:, 4],
        end_s=arr[:, 4] + arr[:, 5],
        talk_s=np.nan_to_num(arr[:, 5]),
        agent=np.full(n, -1, dtype=np.int64),
    )
    empty_f = np.zeros(0, dtype=np.float64)
    empty_i = np.zeros(0, dtype=np.int64)
    spans = AgentStateSpans(empty_i, empty_i, np.zeros(0, np.int8), empty_f, empty_f)
    result = SimulationResult(
        scenario=scenario,
        contacts=contacts,
        agent_states=spans,
        agent_group=np.array(group_of_server, dtype=np.int64),
        agent_slot=np.zeros(len(group_of_server), dtype=np.int64),
        horizon_s=horizon,
    )
    return result, elapsed


def _kpi_rows(summary: KpiSummary) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for q in (*summary.queues, summary.overall):
        out[q.queue] = {
            "offered": [float(q.offered)] * 3,
            "service_level": [q.service_level.value, q.service_level.low, q.service_level.high],
            "asa_s": [q.asa_s.value, q.asa_s.low, q.asa_s.high],
            "abandon_rate": [q.abandon_rate.value, q.abandon_rate.low, q.abandon_rate.high],
        }
    return out


KPI_NAMES = ("service_level", "asa_s", "abandon_rate")


def _agree(a: list[float], b: list[float]) -> bool:
    """Whether two independent estimates differ by less than their combined 99 % half-width."""
    half = math.hypot((a[2] - a[1]) / 2.0, (b[2] - b[1]) / 2.0)
    return abs(a[0] - b[0]) <= half


def run(contacts: int = 1_000_000, seed: int = 2024) -> list[dict[str, Any]]:
    """Time ccops and Ciw on the same model; one dict per comparison.

    Args:
        contacts: Expected number of contacts offered (sets the horizon).
        seed: Seed for both simulators.

    Returns:
        ``[{"benchmark", "case", "contacts", "ccops_s", "peer", "peer_s", "ratio", "note",
        "kpis"}]`` where ``kpis`` lists per queue (and ``"(all)"``) the KPIs of both engines as
        ``[value, low, high]`` and, per KPI, whether they ``agree`` (differ by less than the
        combined 99 % half-width, sqrt(h1^2 + h2^2)).
    """
    scenario = scenario_for(contacts)
    t0 = time.perf_counter()
    ours = simulate(scenario, seed)
    ccops_s = time.perf_counter() - t0
    ours_k = _kpi_rows(kpis(ours, TARGET_S, WARMUP_S, n_batches=N_BATCHES))

    row: dict[str, Any] = {
        "benchmark": "simulation",
        "case": "3 queues, 3 groups x 2 skills, M/M/n+M, stationary",
        "contacts": len(ours.contacts),
        "ccops_s": ccops_s,
        "peer": "ciw",
        "peer_s": None,
        "ratio": None,
        "note": "",
        "kpis": [],
    }
    try:
        version = importlib.metadata.version("ciw")
    except importlib.metadata.PackageNotFoundError:
        row["note"] = "ciw not installed (pip install -e .[bench])"
        row["kpis"] = [
            {"queue": q, "ccops": k, "ciw": None, "agree": None} for q, k in ours_k.items()
        ]
        return [row]
    theirs, peer_s = _run_ciw(scenario, seed)
    theirs_k = _kpi_rows(kpis(theirs, TARGET_S, WARMUP_S, n_batches=N_BATCHES))
    row.update(
        peer=f"ciw {version}",
        peer_s=peer_s,
        ratio=peer_s / ccops_s,
        note=f"ciw contacts: {len(theirs.contacts)}",
        kpis=[
            {
                "queue": q,
                "ccops": ours_k[q],
                "ciw": theirs_k[q],
                "agree": {m: _agree(ours_k[q][m], theirs_k[q][m]) for m in KPI_NAMES},
            }
            for q in ours_k
        ],
    )
    return [row]


def _fmt(v: list[float] | None, digits: int) -> str:
    if v is None:
        return "-"
    return f"{v[0]:.{digits}f} [{v[1]:.{digits}f}, {v[2]:.{digits}f}]"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    for row in run(args.contacts, args.seed):
        print(f"{row['benchmark']}: {row['case']}")
        print(f"{'contacts':>10} {'ccops s':>9} {'peer':>11} {'peer s':>9} {'ratio':>7}  note")
        peer_s = "-" if row["peer_s"] is None else f"{row['peer_s']:.2f}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.1f}x"
        print(
            f"{row['contacts']:>10} {row['ccops_s']:>9.2f} {row['peer']:>11} {peer_s:>9} "
            f"{ratio:>7}  {row['note']}"
        )
        print()
        print(f"KPIs (target {TARGET_S:g} s, warm-up {WARMUP_S:g} s, 99 % batch-means CIs)")
        header = f"{'queue':<8} {'engine':<6} {'offered':>8} {'SL':>22} {'ASA s':>22} "
        print(header + f"{'abandon':>22}")
        for k in row["kpis"]:
            for engine in ("ccops", "ciw"):
                v = k[engine]
                offered = "-" if v is None else f"{int(v['offered'][0])}"
                print(
                    f"{k['queue']:<8} {engine:<6} {offered:>8} "
                    f"{_fmt(None if v is None else v['service_level'], 3):>22} "
                    f"{_fmt(None if v is None else v['asa_s'], 1):>22} "
                    f"{_fmt(None if v is None else v['abandon_rate'], 3):>22}"
                )
            if k["agree"] is not None:
                flags = ["yes" if k["agree"][m] else "NO" for m in KPI_NAMES]
                print(f"{'':<8} {'agree':<6} {'':>8} " + " ".join(f"{f:>22}" for f in flags))
        if row["peer_s"] is not None:
            print("agree: |ccops - ciw| <= sqrt(h_ccops^2 + h_ciw^2), h = 99 % half-width")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
