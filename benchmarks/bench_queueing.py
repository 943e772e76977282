"""Benchmark of the staffing maths against its peers, all measured in the same run.

Rows:

1. Required agents for 350,400 intervals (20 queues x a year of 30-minute intervals; arrival
   rates uniform 0.005-2 per second, AHT uniform 120-600 s, 80% answered in 20 s): ccops'
   vectorised solver against pyworkforce's ``ErlangC.required_positions`` called once per
   interval. pyworkforce is timed on a random subsample of intervals and extrapolated linearly
   (the table says so), and its answers are compared with ours on that subsample.
2. Erlang C and Erlang A at 100,000 agents: time and value against an mpmath reference
   (pyworkforce for Erlang C too; it has no Erlang A).
3. CCmath's Erlang X: computed on its vendor's server, so it cannot run offline.

Run with ``.venv/bin/python benchmarks/bench_queueing.py``; ``run()`` returns the rows for a
combined report.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ccops.engines import queueing

QUEUES = 20
INTERVALS_PER_YEAR = 365 * 48
INTERVAL_S = 1800.0
SUBSAMPLE = 2_000
SEED = 20240611
BIG_AGENTS = 100_000
PEER_MISSING = "not installed (pip install -e .[bench])"


def _best_time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _pyworkforce() -> Any:
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return None
    return ErlangC


def _row(case: str, ccops: str, peer: str, ratio: str, note: str) -> dict[str, str]:
    return {"case": case, "ccops": ccops, "peer": peer, "ratio": ratio, "note": note}


def bench_required_agents() -> list[dict[str, str]]:
    """Row 1: required agents for a year of intervals, ccops against pyworkforce."""
    size = QUEUES * INTERVALS_PER_YEAR
    rng = np.random.default_rng(SEED)
    rate = rng.uniform(0.005, 2.0, size)
    aht = rng.uniform(120.0, 600.0, size)
    seconds, agents = _best_time(
        lambda: queueing.required_agents(rate, aht, service_level=0.8, target_s=20.0)
    )
    case = f"required agents, {size:,} intervals (80% in 20 s)"
    ours = f"{seconds:.3f} s (best of 3)"
    meets = queueing.service_level(agents, rate, aht, 20.0) >= 0.8
    below = queueing.service_level(agents - 1, rate, aht, 20.0) >= 0.8
    minimal = f"ccops answers minimal on {np.mean(meets & ~below):.2%} of all {size:,} intervals"
    erlang_c = _pyworkforce()
    if erlang_c is None:
        return [_row(case, ours, PEER_MISSING, "-", minimal)]
    sample = rng.choice(size, SUBSAMPLE, replace=False)
    start = time.perf_counter()
    peer_agents = []
    for i in sample:
        model = erlang_c(
            transactions=rate[i] * INTERVAL_S,
            aht=aht[i] / 60.0,
            asa=20.0 / 60.0,
            interval=INTERVAL_S / 60.0,
        )
        peer_agents.append(model.required_positions(service_level=0.8)["raw_positions"])
    peer_sample_s = time.perf_counter() - start
    peer_s = peer_sample_s * size / SUBSAMPLE
    same = np.asarray(peer_agents) == agents[sample]
    differ = sample[~same]
    detail = ""
    if differ.size:
        i = differ[0]
        detail = (
            f"; e.g. A={rate[i] * aht[i]:.2f} erl, AHT {aht[i]:.0f} s: ccops {agents[i]}, "
            f"pyworkforce {peer_agents[int(np.flatnonzero(sample == i)[0])]}"
        )
    return [
        _row(
            case,
            ours,
            f"{peer_s:.1f} s (extrapolated from {SUBSAMPLE:,} intervals: {peer_sample_s:.2f} s)",
            f"{peer_s / seconds:.0f}x faster",
            "pyworkforce 0.5.1 ErlangC.required_positions per interval",
        ),
        _row(
            f"identical answers on the {SUBSAMPLE:,} sampled intervals",
            f"{same.mean():.2%} identical",
            f"{differ.size} differ",
            "-",
            f"both Erlang C, same goal; {minimal} (n meets, n - 1 does not)" + detail,
        ),
    ]


def _mp_erlang_c(agents: int, load: float) -> float:
    import mpmath as mp

    with mp.workdps(40):
        x, a = mp.mpf(agents), mp.mpf(load)
        inv_b = mp.exp(a) * a ** (-x) * mp.gammainc(x + 1, a)
        b = 1 / inv_b
        return float(x * b / (x - a * (1 - b)))


def _mp_erlang_a(agents: int, load: float, aht: float, patience: float, target: float) -> float:
    """Fraction answered within target (Garnett, Mandelbaum & Reiman formulas), 50 digits."""
    import mpmath as mp

    with mp.workdps(50):
        n, a, h, p, t = (mp.mpf(v) for v in (agents, load, aht, patience, target))
        inv_b = mp.exp(a) * a ** (-n) * mp.gammainc(n + 1, a)
        q = inv_b - 1
        x, y = n * p / h, a * p / h

        def integral(c: Any, s_end: Any) -> Any:
            return mp.exp(y) * y ** (-c) * mp.gammainc(c, y * mp.exp(-s_end), y)

        j = x * integral(x, mp.inf)
        return float((q + x * integral(x + 1, t / p)) / (q + j))


def bench_big_centre() -> list[dict[str, str]]:
    """Row 2: Erlang C and Erlang A at 100,000 agents against mpmath (and pyworkforce)."""
    load, aht, patience, target = 99_500.0, 300.0, 600.0, 20.0
    rows = []
    ref_c = _mp_erlang_c(BIG_AGENTS, load)
    seconds, value = _best_time(lambda: queueing.erlang_c(BIG_AGENTS, load), repeat=20)
    ours = f"{seconds * 1e3:.3f} ms, C = {value:.12g} (rel. error {abs(value / ref_c - 1):.1e})"
    erlang_c = _pyworkforce()
    if erlang_c is None:
        peer, ratio = PEER_MISSING, "-"
    else:
        model = erlang_c(
            transactions=load / aht * INTERVAL_S, aht=aht / 60, asa=target / 60, interval=30
        )
        peer_s, peer_value = _best_time(lambda: model.waiting_probability(BIG_AGENTS), repeat=3)
        peer = f"{peer_s * 1e3:.1f} ms, C = {peer_value:.12g} (rel. error "
        peer += f"{abs(peer_value / ref_c - 1):.1e})"
        ratio = f"{peer_s / seconds:.0f}x faster"
    rows.append(
        _row(
            f"Erlang C, {BIG_AGENTS:,} agents, {load:,.0f} erl",
            ours,
            peer,
            ratio,
            f"mpmath reference (40 digits) C = {ref_c:.12g}; peer is pyworkforce",
        )
    )
    for a_load in (99_500.0, 103_000.0):
        rate = a_load / aht
        ref_a = _mp_erlang_a(BIG_AGENTS, a_load, aht, patience, target)
        seconds, value = _best_time(
            functools.partial(queueing.service_level, BIG_AGENTS, rate, aht, target, patience),
            repeat=20,
        )
        mp_start = time.perf_counter()
        _mp_erlang_a(BIG_AGENTS, a_load, aht, patience, target)
        mp_s = time.perf_counter() - mp_start
        rows.append(
            _row(
                f"Erlang A SL, {BIG_AGENTS:,} agents, {a_load:,.0f} erl, patience {patience:.0f} s",
                f"{seconds * 1e3:.3f} ms, SL = {value:.12g} "
                f"(rel. error {abs(value / ref_a - 1):.1e})",
                f"mpmath {mp_s * 1e3:.0f} ms, SL = {ref_a:.12g}",
                f"{mp_s / seconds:.0f}x faster than mpmath",
                "pyworkforce has no Erlang A; reference: mpmath, 50 digits, same formulas",
            )
        )
    return rows


def bench_erlang_x() -> list[dict[str, str]]:
    """Row 3: CCmath's Erlang X cannot be run here."""
    return [
        _row(
            "Erlang X (CCmath, erlangccmath)",
            "-",
            "not run",
            "-",
            "computes on its vendor's server (an online API); cannot run offline",
        )
    ]


def run() -> list[dict[str, str]]:
    """Run every benchmark and return the table rows (dicts with case, ccops, peer, ratio)."""
    try:
        big = bench_big_centre()
    except ImportError:  # mpmath is a dev dependency (pip install -e .[dev])
        big = [_row("Erlang C / A at 100,000 agents", "-", "-", "-", "mpmath not installed")]
    return bench_required_agents() + big + bench_erlang_x()


def format_table(rows: list[dict[str, str]]) -> str:
    """Plain-text table of the rows."""
    columns = ["case", "ccops", "peer", "ratio", "note"]
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    lines = [" | ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("-+-".join("-" * widths[c] for c in columns))
    lines += [" | ".join(r[c].ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def main() -> None:
    """Print the queueing benchmark table."""
    print("ccops.engines.queueing benchmark (all timings from this run)")
    print(format_table(run()))


if __name__ == "__main__":
    main()
