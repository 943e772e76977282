"""Run every benchmark in one process and print each one's table (`make bench`).

Each benchmark measures ccops and its peers in the same run; ratios are only meaningful
between numbers measured together. Pass ``--quick`` for a small smoke run. ``bench_scale`` at its
defaults generates and queries 100 million contacts (about 50 minutes and 4 GiB on 2 cores);
name the others to leave it out. No benchmark runs in CI.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = (
    "bench_queueing",
    "bench_simulation",
    "bench_contacts",
    "bench_import",
    "bench_forecasting",
    "bench_scheduling",
    "bench_web",
    "bench_intraday",
    "bench_scale",
)
QUICK = {
    "bench_simulation": ["--contacts", "50000"],
    "bench_contacts": ["--contacts", "20000"],
    "bench_import": ["--contacts", "20000"],
    "bench_forecasting": ["--peer-queues", "1"],
    "bench_web": ["--duration", "60"],
    "bench_intraday": ["--seconds", "5"],
    "bench_scale": ["--sizes", "1e5", "--db-sizes", "1e5"],
}


def main() -> None:
    """Run the named benchmarks (default: all) with their own full-size defaults."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS), help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    for name in args.names:
        module = importlib.import_module(name)
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        sys.argv = [name, *(QUICK.get(name, []) if args.quick else [])]
        module.main()
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
