"""Benchmark of the forecasting engine: accuracy side by side, and speed against statsforecast.

Tables:

1. Accuracy. Every built-in method (seasonal naive, historical average, top-down, AutoETS on
   daily totals x profile, MSTL), wMAPE and MASE at horizons of 1 and 7 days from a
   rolling-origin backtest (``ccops.engines.forecasting.backtest``), on

   * the Technion "Anonymous Bank" calls of 1999-02-01..14 (real data), per service type with
     at least 50 calls a day, counted per 30-minute interval of the VRU exit (PHANTOM rows and
     HANG rows that never reached a queue left out). Two weeks support one week of origins;
   * a synthetic 13-week centre: four queues (3,000, 1,200, 400 and 120 calls a day), 30-minute
     intervals, Monday peak and quiet weekend, two intraday peaks, 6% day-to-day noise and
     Poisson arrivals; origins over the last 4 weeks.

   For each queue: the chosen method (lowest wMAPE at 7 days) and whether its 7-day wMAPE is
   at most 0.85 x the seasonal naive's (the issue's goal), as measured.

2. Speed. Five queues x two years of 15-minute history (synthetic, with yearly seasonality and
   trend), forecast 28 days ahead: the ccops pipeline (backtest over the last 2 weeks to
   choose, then the chosen method; both timed) against statsforecast's MSTL (season lengths 96
   and 672, its defaults) run directly on the full history through ``StatsForecast``. Both
   forecasts are scored against the 28 simulated days that follow.

Run ``.venv/bin/python benchmarks/bench_forecasting.py [--peer-queues N]``; ``run()`` returns
the rows (dicts with a ``table`` key) for a combined report.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ccops.engines import forecasting as fc

TECHNION_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "technion_anonymous_bank_1999-02-01_14.tsv"
)
SEED = 20240611
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.95, 0.5, 0.3])  # Monday peak, quiet weekend
SYNTH_QUEUES = {"billing": 3000.0, "sales": 1200.0, "tech": 400.0, "vip": 120.0}
SPEED_QUEUES = 5
SPEED_DAYS = 728  # 104 weeks of history
HORIZON_DAYS = 28
GOAL = 0.85


def _intraday(spd: int) -> np.ndarray:
    hour = np.arange(spd) * 24.0 / spd
    shape = np.exp(-0.5 * ((hour - 10.5) / 2.0) ** 2) + 0.8 * np.exp(
        -0.5 * ((hour - 15) / 2.5) ** 2
    )
    shape = np.where((hour >= 7) & (hour < 22), shape + 0.05, 0.0)
    out: np.ndarray = shape / shape.sum()
    return out


def _synthetic(
    n_days: int, daily: float, spd: int, rng: np.random.Generator, *, yearly: float = 0.0
) -> np.ndarray:
    """Poisson counts around daily x weekday x (1 + yearly wave + trend) x noise x profile."""
    day = np.arange(n_days)
    level = daily * WEEKDAY[day % 7] * (1 + yearly * np.sin(2 * np.pi * day / 365.25))
    level *= 1 + 0.05 * day / 365.25  # 5% a year growth
    level *= rng.lognormal(0.0, 0.06, n_days)
    lam = (level[:, None] * _intraday(spd)[None, :]).ravel()
    out: np.ndarray = rng.poisson(lam).astype(float)
    return out


def technion_series() -> dict[str, fc.Series]:
    """Calls per service type and 30-minute interval of VRU exit (see the module docstring)."""
    first = dt.date(1999, 2, 1)
    counts: dict[str, Counter[int]] = {}
    with TECHNION_FILE.open(newline="", encoding="ascii") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["outcome"] == "PHANTOM" or (
                row["outcome"] == "HANG" and row["q_start"] == "0:00:00"
            ):
                continue
            day = (dt.datetime.strptime(row["date"], "%y%m%d").date() - first).days
            entry = [int(p) for p in row["vru_entry"].split(":")]
            exit_ = [int(p) for p in row["vru_exit"].split(":")]
            day += exit_ < entry  # crossed midnight
            if day >= 14:
                continue
            slot = day * 48 + (exit_[0] * 60 + exit_[1]) // 30
            counts.setdefault(row["type"], Counter())[slot] += 1
    out = {}
    for queue, per_slot in sorted(counts.items()):
        values = np.zeros(14 * 48)
        for slot, n in per_slot.items():
            values[slot] = n
        if values.sum() / 14 >= 50:
            out[queue] = fc.Series.regular("1999-02-01T00:00", values, 30)
    return out


def _fmt(x: float, digits: int = 3) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.{digits}f}"


def _accuracy(data: str, queue: str, series: fc.Series, weeks: int) -> list[dict[str, Any]]:
    start = time.perf_counter()
    rows = fc.backtest(series, fc.default_methods(), (1, 7), weeks=weeks)
    seconds = time.perf_counter() - start
    out: list[dict[str, Any]] = []
    by = {(r.method, r.horizon_days): r for r in rows}
    for method in [m.name for m in fc.default_methods()]:
        r1, r7 = by[(method, 1)], by[(method, 7)]
        out.append(
            {
                "table": "accuracy",
                "data": data,
                "queue": queue,
                "method": method,
                "wmape_1d": r1.wmape,
                "mase_1d": r1.mase,
                "wmape_7d": r7.wmape,
                "mase_7d": r7.mase,
                "cover80_7d": r7.coverage80,
                "cover95_7d": r7.coverage95,
                "origins": f"{r1.n_origins}/{r7.n_origins}",
                "skipped": r7.skipped_reason or r1.skipped_reason or "",
            }
        )
    chosen = fc.choose_method(rows)
    naive = by[("SeasonalNaive", 7)].wmape
    best = by[(chosen, 7)].wmape
    ratio = best / naive if naive > 0 else math.nan
    scored = [r.method for r in rows if r.horizon_days == 7 and r.skipped_reason is None]
    note = "only the seasonal naive has enough history" if scored == ["SeasonalNaive"] else ""
    out.append(
        {
            "table": "goal",
            "data": data,
            "queue": queue,
            "chosen": chosen,
            "wmape_7d": best,
            "naive_wmape_7d": naive,
            "ratio": ratio,
            "goal_met": bool(ratio <= GOAL),
            "backtest_s": seconds,
            "note": note,
        }
    )
    return out


def bench_accuracy() -> list[dict[str, Any]]:
    """Table 1: the Technion queues and the synthetic 13-week centre."""
    rows: list[dict[str, Any]] = []
    if TECHNION_FILE.exists():
        for queue, series in technion_series().items():
            rows += _accuracy("technion", queue, series, weeks=1)
    rng = np.random.default_rng(SEED)
    for queue, daily in SYNTH_QUEUES.items():
        series = fc.Series.regular("2024-01-01T00:00", _synthetic(91, daily, 48, rng), 30)
        rows += _accuracy("synthetic 13 weeks", queue, series, weeks=4)
    return rows


def _wmape(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.abs(actual - point).sum() / actual.sum())


def _mean_wmape(futures: list[np.ndarray], points: list[np.ndarray]) -> float:
    return float(np.mean([_wmape(f, p) for f, p in zip(futures, points, strict=True)]))


def bench_speed(peer_queues: int = SPEED_QUEUES) -> list[dict[str, Any]]:
    """Table 2: 5 queues x 2 years of 15-minute history, 28 days ahead.

    wMAPE28 is the mean over the queues the peer was timed on (all five by default), so that
    every row is scored on the same queues.
    """
    rng = np.random.default_rng(SEED + 1)
    spd = 96
    h = HORIZON_DAYS * spd
    data = [
        _synthetic(SPEED_DAYS + HORIZON_DAYS, daily, spd, rng, yearly=0.1)
        for daily in np.linspace(4000.0, 400.0, SPEED_QUEUES)
    ]
    first = "2023-01-02T00:00"  # a Monday
    histories = [fc.Series.regular(first, y[: SPEED_DAYS * spd], 15) for y in data]
    futures = [y[SPEED_DAYS * spd :] for y in data]
    n_peer = max(1, min(peer_queues, SPEED_QUEUES))
    methods = {m.name: m for m in fc.default_methods()}

    def score(points: list[np.ndarray]) -> float:
        return _mean_wmape(futures[:n_peer], points[:n_peer])

    # choose per queue on the last two weeks, then forecast with the chosen method
    start = time.perf_counter()
    chosen = [
        fc.choose_method(fc.backtest(s, list(methods.values()), (1, 7), weeks=2)) for s in histories
    ]
    select_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = [methods[c].fit_predict(s, h).point for c, s in zip(chosen, histories, strict=True)]
    forecast_s = time.perf_counter() - start
    rows: list[dict[str, Any]] = [
        _speed_row(
            f"ccops: choose by backtest (2 weeks of origins, h = 1 and 7 d), {SPEED_QUEUES} queues",
            select_s,
            math.nan,
            "chosen: " + ", ".join(chosen),
        ),
        _speed_row(
            f"ccops: forecast 28 d with the chosen method, {SPEED_QUEUES} queues",
            forecast_s,
            score(ours),
            f"choose + forecast = {select_s + forecast_s:.1f} s",
        ),
    ]
    mstl_s = math.nan
    for name, method in methods.items():
        start = time.perf_counter()
        points = [method.fit_predict(s, h).point for s in histories]
        if name == "MSTL":
            mstl_s = time.perf_counter() - start
        rows.append(
            _speed_row(
                f"ccops: forecast 28 d with {name}, {SPEED_QUEUES} queues",
                time.perf_counter() - start,
                score(points),
                f"window {method.window_weeks} weeks",  # type: ignore[attr-defined]
            )
        )
    start = time.perf_counter()
    full = [fc.MSTL(window_weeks=None).fit_predict(s, h).point for s in histories[:n_peer]]
    seconds = (time.perf_counter() - start) * SPEED_QUEUES / n_peer
    rows.append(
        _speed_row(
            f"ccops: MSTL on the full 2 years (R's STL jumps), {SPEED_QUEUES} queues",
            seconds,
            score(full),
            "ablation: the training window vs the STL jumps"
            + (f"; timed on {n_peer}, scaled to {SPEED_QUEUES}" if n_peer < SPEED_QUEUES else ""),
        )
    )
    peer_s, peer_points = _peer_mstl(histories[:n_peer])
    peer_total = peer_s * SPEED_QUEUES / n_peer
    note = (
        f"peer / ccops chosen = {peer_total / forecast_s:.0f}x; "
        f"peer / ccops MSTL = {peer_total / mstl_s:.0f}x"
    )
    if n_peer < SPEED_QUEUES:
        note += f"; timed on {n_peer} queue(s), scaled linearly to {SPEED_QUEUES}"
    rows.append(
        _speed_row(
            f"statsforecast MSTL, full 2 years, its defaults, {SPEED_QUEUES} queues",
            peer_total,
            score(peer_points),
            note,
        )
    )
    return rows


def _speed_row(case: str, seconds: float, wmape_28d: float, note: str) -> dict[str, Any]:
    return {
        "table": "speed",
        "case": case,
        "seconds": seconds,
        "wmape_28d": wmape_28d,
        "note": note,
    }


def _peer_mstl(histories: list[fc.Series]) -> tuple[float, list[np.ndarray]]:
    """statsforecast's MSTL through its StatsForecast front end, one process."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL

    spd = 96
    frames = [
        pd.DataFrame({"unique_id": f"q{i}", "ds": s.start.astype("datetime64[ns]"), "y": s.values})
        for i, s in enumerate(histories)
    ]
    df = pd.concat(frames, ignore_index=True)
    sf = StatsForecast(models=[MSTL(season_length=[spd, 7 * spd])], freq="15min", n_jobs=1)
    start = time.perf_counter()
    out = sf.forecast(df=df, h=HORIZON_DAYS * spd, level=[80, 95])
    seconds = time.perf_counter() - start
    points = [
        out.loc[out["unique_id"] == f"q{i}", "MSTL"].to_numpy(dtype=float)
        for i in range(len(histories))
    ]
    return seconds, points


def run(peer_queues: int = SPEED_QUEUES) -> list[dict[str, Any]]:
    """Run both tables and return their rows (each dict has a ``table`` key)."""
    return bench_accuracy() + bench_speed(peer_queues)


def format_tables(rows: list[dict[str, Any]]) -> str:
    """Plain-text tables of the rows."""
    lines = ["Accuracy (rolling origins; wMAPE, MASE at 1 and 7 days; coverage of the 7-day bands)"]
    head = (
        f"{'data':<19} {'queue':<8} {'method':<18} {'wMAPE1':>7} {'MASE1':>6} {'wMAPE7':>7} "
        f"{'MASE7':>6} {'cov80':>6} {'cov95':>6} {'origins':>7}  skipped"
    )
    lines += [head, "-" * len(head)]
    for r in rows:
        if r["table"] == "accuracy":
            lines.append(
                f"{r['data']:<19} {r['queue']:<8} {r['method']:<18} {_fmt(r['wmape_1d']):>7} "
                f"{_fmt(r['mase_1d'], 2):>6} {_fmt(r['wmape_7d']):>7} {_fmt(r['mase_7d'], 2):>6} "
                f"{_fmt(r['cover80_7d'], 2):>6} {_fmt(r['cover95_7d'], 2):>6} "
                f"{r['origins']:>7}  {r['skipped']}"
            )
    lines += ["", f"Goal: chosen method's 7-day wMAPE <= {GOAL} x seasonal naive's"]
    head = (
        f"{'data':<19} {'queue':<8} {'chosen':<18} {'wMAPE7':>7} {'naive7':>7} {'ratio':>6}  "
        f"met  {'bt s':>6}  note"
    )
    lines += [head, "-" * len(head)]
    for r in rows:
        if r["table"] == "goal":
            lines.append(
                f"{r['data']:<19} {r['queue']:<8} {r['chosen']:<18} {_fmt(r['wmape_7d']):>7} "
                f"{_fmt(r['naive_wmape_7d']):>7} {_fmt(r['ratio'], 2):>6}  "
                f"{'yes' if r['goal_met'] else 'NO '}  {r['backtest_s']:>6.1f}  {r['note']}"
            )
    lines += [
        "",
        "Speed (5 queues x 2 years of 15-minute history, 28 days ahead; wMAPE28 against the",
        "28 simulated days that follow, mean over the queues the peer was timed on)",
    ]
    head = f"{'case':<76} {'seconds':>8} {'wMAPE28':>8}  note"
    lines += [head, "-" * len(head)]
    for r in rows:
        if r["table"] == "speed":
            lines.append(
                f"{r['case']:<76} {r['seconds']:>8.2f} {_fmt(r['wmape_28d']):>8}  {r['note']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--peer-queues",
        type=int,
        default=SPEED_QUEUES,
        help="queues to time statsforecast's full-history MSTL on (scaled linearly to 5)",
    )
    args = parser.parse_args(argv)
    print("ccops.engines.forecasting benchmark (all timings from this run)")
    print(format_tables(run(args.peer_queues)))


if __name__ == "__main__":
    main()
