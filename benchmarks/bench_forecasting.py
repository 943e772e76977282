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

2. Technion 1999, the issue's accuracy goal on a longer real history
   (``benchmarks/data/technion_anonymous_bank_1999_15min.csv.gz``, see its README: calls
   offered per 15 minutes and service type, January-July, September and October 1999; August
   is missing). Per service type with at least 50 calls a day (PS, NW, NE), rolling origins
   every day at horizons 1, 7 and 28 days, two evaluation windows: the last 12 weeks of
   January-July, and the last 8 weeks of January-October (after the August gap, through the
   autumn holidays). Every default method side by side, plus the robust (outlier-damped)
   variants of HistoricalAverage and TopDown, at 30 minutes with Israel's public holidays as
   the calendar; wMAPE and MASE. Goal lines: the chosen default method's 7-day wMAPE / the
   seasonal naive's, against 0.85, for that run and for two sensitivity runs on the cheap
   methods (no calendar; 15-minute intervals).

3. Speed. Five queues x two years of 15-minute history, forecast 28 days ahead. No real
   two-year 15-minute series is available (the Technion set has ten months), so the history
   is synthetic, with yearly seasonality and trend: the ccops pipeline (backtest over the last
   2 weeks to choose, then the chosen method; both timed) against statsforecast's MSTL
   (season lengths 96 and 672, its defaults) run directly on the full history through
   ``StatsForecast``. Both forecasts are scored against the 28 simulated days that follow.

4. Issue 24 (``bench_issue24``): what a build does (``fc.select_and_forecast``: backtest of the
   candidate methods incl. TopDownShrunk, the Combination and the combinations of the best two
   or three (``fc.best_combinations``), choice by paired test, conformal recalibration of the
   bands per lead day), measured out of sample per Technion 1999 service type with
   >= 50 calls a day and per history length (4 weeks, 12 weeks, all): chosen / seasonal naive
   wMAPE at 1, 7 and 28 days, coverage of the recalibrated 80% and 95% bands over days 1..h
   (raw in brackets) and on day 7 and day 28 alone, and the best daily-total x intraday-shape
   method against the best direct interval method. The shared two-week file is too short for
   4 weeks of history and is reported as skipped (or as missing). ``--issue24`` runs this
   table alone (about 2 CPU minutes); ``--issue24-spring`` runs it on four spring origins
   (29 March to 10 May, every other week) instead: where the summer origins' bands miss, the
   spring ones tell whether the recalibration is off or that summer was more volatile than
   the weeks the build learned from (NW's weekly totals swing from 746 to 1,625 calls in June
   and July, from 794 to 1,245 in April and May).

Run ``.venv/bin/python benchmarks/bench_forecasting.py [--peer-queues N] [--year-step-days D]``
(about 11 CPU minutes: 3 for the Technion 1999 backtests, mostly MSTL and AutoETS, 5 for
statsforecast's MSTL on five queues; ``--year-step-days 7 --peer-queues 1`` is a quick
run); ``run()`` returns the rows (dicts with a ``table`` key) for a combined report.
``--derive RAW...`` rebuilds the 1999 data file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import math
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ccops.engines import forecasting as fc

# The real two weeks are not in the repository: `../shared/data` beside the checkout, or the
# folder CCOPS_SHARED_DATA names (as for the tests, tests/data/README.md); without them the
# benchmark runs on the synthetic and the ten-month history only.
SHARED_DATA = Path(
    os.environ.get("CCOPS_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
TECHNION_FILE = SHARED_DATA / "technion_anonymous_bank_1999-02-01_14.tsv"
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


YEAR_FILE = Path(__file__).resolve().parent / "data" / "technion_anonymous_bank_1999_15min.csv.gz"
YEAR_FIRST = dt.date(1999, 1, 1)
YEAR_LAST = dt.date(1999, 10, 31)
YEAR_MONTHS = (1, 2, 3, 4, 5, 6, 7, 9, 10)  # months whose raw file the source repository holds
YEAR_FIELDS = ("date", "slot", "type", "offered", "served", "ser_time_s")


def _offered_calls(path: Path) -> Iterator[tuple[dt.date, int, str, int | None]]:
    """(day, minute of the day, service type, handle time or None) per call offered to agents.

    The same rule as :func:`technion_series`: PHANTOM rows and HANG rows that never reached a
    queue are left out; a call is placed at its VRU exit, on the next day when it crossed
    midnight. The handle time is ``ser_time`` of an AGENT call with a positive service time.
    """
    with path.open(newline="", encoding="ascii") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            outcome = row["outcome"]
            if outcome == "PHANTOM" or (outcome == "HANG" and row["q_start"] == "0:00:00"):
                continue
            day = dt.datetime.strptime(row["date"], "%y%m%d").date()
            entry = [int(p) for p in row["vru_entry"].split(":")]
            exit_ = [int(p) for p in row["vru_exit"].split(":")]
            if exit_ < entry:
                day += dt.timedelta(days=1)
            ser = int(row["ser_time"])
            served = ser if outcome == "AGENT" and ser > 0 else None
            yield day, exit_[0] * 60 + exit_[1], row["type"], served


def derive_year_file(raw_files: Sequence[Path], out: Path = YEAR_FILE) -> int:
    """Write the compact 15-minute file from the Technion monthly call logs; returns its rows.

    One row per day, 15-minute slot of the VRU exit and service type with a call: calls
    offered to agents, calls served (AGENT with ser_time > 0) and the sum of their ser_time.
    Calls that cross into a day after ``YEAR_LAST`` are dropped.
    """
    cells: dict[tuple[dt.date, int, str], list[int]] = {}
    for path in raw_files:
        for day, minute, kind, served in _offered_calls(path):
            if day > YEAR_LAST:
                continue
            cell = cells.setdefault((day, minute // 15, kind), [0, 0, 0])
            cell[0] += 1
            if served is not None:
                cell[1] += 1
                cell[2] += served
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(YEAR_FIELDS)
    for (day, slot, kind), (offered, served_n, ser_s) in sorted(cells.items()):
        writer.writerow([day.isoformat(), slot, kind, offered, served_n, ser_s])
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.getvalue().encode("ascii"))  # mtime 0: the same bytes every run
    return len(cells)


def year_series(interval_min: int = 30, min_daily: float = 50.0) -> dict[str, fc.Series]:
    """The Technion 1999 history per service type from ``YEAR_FILE``, Jan 1 to Oct 31.

    Days of the covered months without a call are zero (the centre was closed); the days of
    August, whose raw file the source lacks, are NaN (a gap: excluded from training and
    scoring, never read as zero demand). Handle time: ser_time sum / served per interval.
    Service types with fewer than ``min_daily`` calls a day on average are left out.
    """
    per = interval_min // 15
    n_days = (YEAR_LAST - YEAR_FIRST).days + 1
    spd = 96 // per
    offered: dict[str, np.ndarray] = {}
    served: dict[str, np.ndarray] = {}
    ser_s: dict[str, np.ndarray] = {}
    with gzip.open(YEAR_FILE, "rt", encoding="ascii", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["type"]
            if kind not in offered:
                offered[kind] = np.zeros(n_days * spd)
                served[kind] = np.zeros(n_days * spd)
                ser_s[kind] = np.zeros(n_days * spd)
            day = (dt.date.fromisoformat(row["date"]) - YEAR_FIRST).days
            i = day * spd + int(row["slot"]) // per
            offered[kind][i] += int(row["offered"])
            served[kind][i] += int(row["served"])
            ser_s[kind][i] += int(row["ser_time_s"])
    missing = np.array(
        [(YEAR_FIRST + dt.timedelta(days=d)).month not in YEAR_MONTHS for d in range(n_days)]
    )
    gap = np.repeat(missing, spd)
    out = {}
    for kind in sorted(offered):
        values = np.where(gap, np.nan, offered[kind])
        if np.nansum(values) / (~missing).sum() < min_daily:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            aht = np.where(served[kind] > 0, ser_s[kind] / served[kind], np.nan)
        out[kind] = fc.Series.regular(
            "1999-01-01T00:00",
            values,
            interval_min,
            aht_s=aht,
            aht_volume=np.where(gap, np.nan, served[kind]),
        )
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


YEAR_WINDOWS = (
    # (label, last day of the history, weeks of origins at its end)
    ("Jan-Jul", dt.date(1999, 7, 31), 12),
    ("Jan-Oct, Aug missing", YEAR_LAST, 8),
)
YEAR_HORIZONS = (1, 7, 28)
ROBUST = (0.6, 1.5)  # unusual_day bounds of the robust variants


def year_methods(*, cheap: bool = False) -> list[fc.Method]:
    """The default methods (or the cheap ones) and the two robust, outlier-damped variants."""
    methods = [
        m
        for m in fc.default_methods()
        if not cheap or m.name in ("SeasonalNaive", "HistoricalAverage", "TopDown")
    ]
    return methods + [
        fc.HistoricalAverage(unusual_day=ROBUST, name="HistoricalAverage robust"),
        fc.TopDown(unusual_day=ROBUST, name="TopDown robust"),
    ]


def _cut(series: fc.Series, last: dt.date) -> fc.Series:
    """The series up to the end of ``last``."""
    days = (last - YEAR_FIRST).days + 1
    spd = series.slots_per_day
    return fc.Series.regular("1999-01-01T00:00", series.values[: days * spd], series.interval_min)


def bench_year(step_days: int = 1) -> list[dict[str, Any]]:
    """Table 2: Technion 1999, rolling origins at 1, 7 and 28 days, every method side by side.

    Main run: 30-minute intervals and Israel's public holidays as the calendar (what a site
    in Israel gets from ``holiday_calendar``), all methods. Sensitivity runs (cheap methods
    only, as MSTL and AutoETS were never chosen): without the calendar, and at 15 minutes.
    The goal's chosen method is picked among the default methods only (what the product
    offers); the robust variants are reported beside it.
    """
    calendar = fc.holiday_calendar(["IL"], [1999])
    rows: list[dict[str, Any]] = []
    runs = [
        ("30 min, IL holidays", 30, calendar, False),
        ("30 min, no calendar", 30, None, True),
        ("15 min, IL holidays", 15, calendar, True),
    ]
    for run_label, interval, cal, cheap in runs:
        for queue, full in year_series(interval).items():
            for window, last, weeks in YEAR_WINDOWS:
                series = _cut(full, last)
                methods = year_methods(cheap=cheap)
                start = time.perf_counter()
                result = fc.backtest(
                    series, methods, YEAR_HORIZONS, weeks=weeks, step_days=step_days, calendar=cal
                )
                seconds = time.perf_counter() - start
                by = {(r.method, r.horizon_days): r for r in result}
                if not cheap:
                    for m in methods:
                        row: dict[str, Any] = {
                            "table": "year",
                            "window": window,
                            "queue": queue,
                            "method": m.name,
                            "origins": by[(m.name, 7)].n_origins,
                        }
                        for h in YEAR_HORIZONS:
                            row[f"wmape_{h}d"] = by[(m.name, h)].wmape
                            row[f"mase_{h}d"] = by[(m.name, h)].mase
                        rows.append(row)
                defaults = {m.name for m in fc.default_methods()}
                chosen = fc.choose_method([r for r in result if r.method in defaults])
                naive = by[("SeasonalNaive", 7)].wmape
                robust = min(
                    (by[(m.name, 7)].wmape, m.name) for m in methods if m.name.endswith("robust")
                )
                rows.append(
                    {
                        "table": "year_goal",
                        "run": run_label,
                        "window": window,
                        "queue": queue,
                        "chosen": chosen,
                        "wmape_7d": by[(chosen, 7)].wmape,
                        "naive_wmape_7d": naive,
                        "ratio": by[(chosen, 7)].wmape / naive,
                        "goal_met": bool(by[(chosen, 7)].wmape <= GOAL * naive),
                        "robust": robust[1],
                        "robust_ratio": robust[0] / naive,
                        "calls_per_day": float(np.nanmean(series.values) * series.slots_per_day),
                        "backtest_s": seconds,
                    }
                )
    return rows


def _wmape(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.abs(actual - point).sum() / actual.sum())


def _mean_wmape(futures: list[np.ndarray], points: list[np.ndarray]) -> float:
    return float(np.mean([_wmape(f, p) for f, p in zip(futures, points, strict=True)]))


def bench_speed(peer_queues: int = SPEED_QUEUES) -> list[dict[str, Any]]:
    """Table 3: 5 queues x 2 years of synthetic 15-minute history, 28 days ahead.

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
    start, cpu = time.perf_counter(), time.process_time()
    chosen = [
        fc.choose_method(fc.backtest(s, list(methods.values()), (1, 7), weeks=2)) for s in histories
    ]
    select_s, select_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    ours = [methods[c].fit_predict(s, h).point for c, s in zip(chosen, histories, strict=True)]
    forecast_s, forecast_cpu = time.perf_counter() - start, time.process_time() - cpu
    total = select_s + forecast_s
    rows: list[dict[str, Any]] = [
        _speed_row(
            f"ccops: choose by backtest (2 weeks of origins, h = 1 and 7 d), {SPEED_QUEUES} queues",
            select_s,
            math.nan,
            "chosen: " + ", ".join(chosen),
            select_cpu,
        ),
        _speed_row(
            f"ccops: forecast 28 d with the chosen method, {SPEED_QUEUES} queues",
            forecast_s,
            score(ours),
            f"choose + forecast = {total:.1f} s wall, {select_cpu + forecast_cpu:.1f} s CPU "
            f"({'under' if total < 60 else 'OVER'} the issue's 60 s)",
            forecast_cpu,
        ),
    ]
    mstl_s = math.nan
    for name, method in methods.items():
        start, cpu = time.perf_counter(), time.process_time()
        points = [method.fit_predict(s, h).point for s in histories]
        if name == "MSTL":
            mstl_s = time.perf_counter() - start
        rows.append(
            _speed_row(
                f"ccops: forecast 28 d with {name}, {SPEED_QUEUES} queues",
                time.perf_counter() - start,
                score(points),
                f"window {method.window_weeks} weeks",  # type: ignore[attr-defined]
                time.process_time() - cpu,
            )
        )
    start, cpu = time.perf_counter(), time.process_time()
    full = [fc.MSTL(window_weeks=None).fit_predict(s, h).point for s in histories[:n_peer]]
    seconds = (time.perf_counter() - start) * SPEED_QUEUES / n_peer
    full_cpu = (time.process_time() - cpu) * SPEED_QUEUES / n_peer
    rows.append(
        _speed_row(
            f"ccops: MSTL on the full 2 years (R's STL jumps), {SPEED_QUEUES} queues",
            seconds,
            score(full),
            "ablation: the training window vs the STL jumps"
            + (f"; timed on {n_peer}, scaled to {SPEED_QUEUES}" if n_peer < SPEED_QUEUES else ""),
            full_cpu,
        )
    )
    peer_s, peer_cpu, peer_points = _peer_mstl(histories[:n_peer])
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
            peer_cpu * SPEED_QUEUES / n_peer,
        )
    )
    return rows


def _speed_row(
    case: str, seconds: float, wmape_28d: float, note: str, cpu_s: float = math.nan
) -> dict[str, Any]:
    return {
        "table": "speed",
        "case": case,
        "seconds": seconds,
        "cpu_s": cpu_s,
        "wmape_28d": wmape_28d,
        "note": note,
    }


def _peer_mstl(histories: list[fc.Series]) -> tuple[float, float, list[np.ndarray]]:
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
    start, cpu = time.perf_counter(), time.process_time()
    out = sf.forecast(df=df, h=HORIZON_DAYS * spd, level=[80, 95])
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    points = [
        out.loc[out["unique_id"] == f"q{i}", "MSTL"].to_numpy(dtype=float)
        for i in range(len(histories))
    ]
    return seconds, cpu_s, points


ISSUE24_LENGTHS: tuple[tuple[str, int | None], ...] = (
    ("4 weeks", 4),
    ("12 weeks", 12),
    ("all", None),
)
ISSUE24_ORIGINS = (dt.date(1999, 6, 7), dt.date(1999, 6, 21), dt.date(1999, 7, 5))
"""Forecast origins of table 4 (Mondays; 28 days ahead each stays inside July)."""
ISSUE24_SPRING_ORIGINS = (
    dt.date(1999, 3, 29),
    dt.date(1999, 4, 12),
    dt.date(1999, 4, 26),
    dt.date(1999, 5, 10),
)
"""A second, earlier set of origins for table 4 (``--issue24-spring``; Mondays every other
week, the first with 12 weeks of history, the last 28 days ending before June 7): the bands'
coverage in another season, to tell a method's miscalibration from one period's volatility."""
ISSUE24_HORIZONS = (1, 7, 28)
DAILY_SHAPE = ("TopDown", "TopDownShrunk", "AutoETSDaily")
DIRECT = ("HistoricalAverage", "MSTL")


def _out_of_sample(
    series: fc.Series, origin: dt.date, weeks: int | None
) -> tuple[fc.Build, dict[str, fc.Forecast], np.ndarray] | None:
    spd = series.slots_per_day
    stop = (origin - YEAR_FIRST).days * spd
    start = 0 if weeks is None else stop - weeks * 7 * spd
    history = fc.Series.regular(
        str(np.datetime64(YEAR_FIRST) + np.timedelta64(start // spd, "D")) + "T00:00",
        series.values[start:stop],
        series.interval_min,
    )
    h = 28 * spd
    build = fc.select_and_forecast(history, fc.candidate_methods(), h)
    others: dict[str, fc.Forecast] = {}
    made: dict[object, fc.Forecast] = {}
    methods = fc.candidate_methods()
    for method in methods:
        try:
            if isinstance(method, fc.Combination):
                others[method.name] = method.fit_predict(history, h, made=made)
            else:
                others[method.name] = made[method] = method.fit_predict(history, h)
        except fc.InsufficientHistoryError:
            continue
    for combo in fc.best_combinations(build.rows, methods, 7):  # the chosen one's raw bands
        if combo.name == build.forecast.method:
            others[combo.name] = combo.fit_predict(history, h, made=made)
    return build, others, series.values[stop : stop + h]


def bench_issue24(origins: Sequence[dt.date] = ISSUE24_ORIGINS) -> list[dict[str, Any]]:
    """Table 4 (issue 24): the build's pipeline out of sample, per real queue and history length.

    Per service type of the Technion 1999 history with >= 50 calls a day and each history length
    (the last 4 weeks, 12 weeks, or all before the origin), at each origin of
    ``ISSUE24_ORIGINS``: what a build does (``fc.select_and_forecast``: backtest of the candidate
    methods over the last 3 weeks, every day under 8 weeks of history, else every week; choice
    by paired test; conformal recalibration of the bands), then scored on the 28 days after the
    origin, which the build never saw. Per horizon h (1, 7, 28 days: the first h days): the
    chosen / seasonal naive wMAPE (both pooled over the origins), the coverage of the chosen
    method's recalibrated 80% and 95% bands (raw bands in brackets), and the best
    daily-total x intraday-shape method against the best direct interval method. The shared
    two-week file is reported as skipped: it is shorter than 4 weeks of history plus a horizon.
    """
    rows: list[dict[str, Any]] = []
    if TECHNION_FILE.exists():
        rows.append(
            {
                "table": "issue24",
                "queue": "Technion Feb 1-14 (shared)",
                "history": "all",
                "skipped": "14 days: shorter than 4 weeks of history + the horizon",
            }
        )
    else:
        rows.append(
            {
                "table": "issue24",
                "queue": "Technion Feb 1-14 (shared)",
                "history": "-",
                "skipped": f"{TECHNION_FILE} missing",
            }
        )
    if not YEAR_FILE.exists():
        rows.append(
            {
                "table": "issue24",
                "queue": "Technion 1999",
                "history": "-",
                "skipped": f"{YEAR_FILE} missing",
            }
        )
        return rows
    for queue, series in year_series(30).items():
        spd = series.slots_per_day
        daily = float(np.nanmean(series.values)) * spd
        for label, weeks in ISSUE24_LENGTHS:
            start = time.process_time()
            err = {
                k: {h: [0.0, 0.0] for h in ISSUE24_HORIZONS}
                for k in ("chosen", "naive", "shape", "direct")
            }
            cov = {h: [0, 0, 0, 0, 0] for h in ISSUE24_HORIZONS}  # in80, in95, raw80, raw95, n
            day = {h: [0, 0, 0] for h in ISSUE24_HORIZONS}  # day h alone: in80, in95, n
            chosen: list[str] = []
            notes: set[str] = set()
            for origin in origins:
                got = _out_of_sample(series, origin, weeks)
                if got is None:
                    continue
                build, others, actual = got
                chosen.append(build.forecast.method)
                if build.choice is not None:
                    notes.update(n.split(":")[0][:40] for n in build.choice.notes)
                raw = others[build.forecast.method]
                fcs = {
                    "chosen": build.forecast,
                    "naive": others["SeasonalNaive"],
                    "shape": min(
                        (others[n] for n in DAILY_SHAPE if n in others),
                        key=lambda f: _wmape(actual, f.point),
                    ),
                    "direct": min(
                        (others[n] for n in DIRECT if n in others),
                        key=lambda f: _wmape(actual, f.point),
                    ),
                }
                for h in ISSUE24_HORIZONS:
                    k = h * spd
                    a = actual[:k]
                    ok = np.isfinite(a)
                    for key, f in fcs.items():
                        err[key][h][0] += float(np.abs(a[ok] - f.point[:k][ok]).sum())
                        err[key][h][1] += float(a[ok].sum())
                    f = build.forecast
                    open_ = ok & ((a > 0) | (f.point[:k] > 0))
                    aa = a[open_]
                    cov[h][0] += int(((aa >= f.lo80[:k][open_]) & (aa <= f.hi80[:k][open_])).sum())
                    cov[h][1] += int(((aa >= f.lo95[:k][open_]) & (aa <= f.hi95[:k][open_])).sum())
                    cov[h][2] += int(
                        ((aa >= raw.lo80[:k][open_]) & (aa <= raw.hi80[:k][open_])).sum()
                    )
                    cov[h][3] += int(
                        ((aa >= raw.lo95[:k][open_]) & (aa <= raw.hi95[:k][open_])).sum()
                    )
                    cov[h][4] += int(open_.sum())
                    last = np.zeros(k, dtype=bool)
                    last[k - spd :] = True
                    sel = open_ & last
                    ad = a[sel]
                    day[h][0] += int(((ad >= f.lo80[:k][sel]) & (ad <= f.hi80[:k][sel])).sum())
                    day[h][1] += int(((ad >= f.lo95[:k][sel]) & (ad <= f.hi95[:k][sel])).sum())
                    day[h][2] += int(sel.sum())
            row: dict[str, Any] = {
                "table": "issue24",
                "queue": f"Technion 1999 {queue}",
                "calls_per_day": daily,
                "history": label,
                "chosen": ", ".join(dict.fromkeys(chosen)),
                "notes": "; ".join(sorted(notes)),
                "cpu_s": time.process_time() - start,
                "skipped": None,
            }
            for h in ISSUE24_HORIZONS:
                w = {key: err[key][h][0] / err[key][h][1] for key in err}
                row[f"ratio_{h}d"] = w["chosen"] / w["naive"]
                row[f"shape_vs_direct_{h}d"] = w["shape"] / w["direct"]
                n = max(cov[h][4], 1)
                row[f"cov80_{h}d"] = cov[h][0] / n
                row[f"cov95_{h}d"] = cov[h][1] / n
                row[f"raw80_{h}d"] = cov[h][2] / n
                row[f"raw95_{h}d"] = cov[h][3] / n
                row[f"day80_{h}d"] = day[h][0] / max(day[h][2], 1)
                row[f"day95_{h}d"] = day[h][1] / max(day[h][2], 1)
            row["goal_met"] = (
                row["ratio_7d"] <= GOAL
                and all(abs(row[f"cov80_{h}d"] - 0.80) <= 0.05 for h in ISSUE24_HORIZONS)
                and all(abs(row[f"cov95_{h}d"] - 0.95) <= 0.05 for h in ISSUE24_HORIZONS)
            )
            rows.append(row)
    return rows


def format_issue24(rows: list[dict[str, Any]]) -> str:
    """Table 4 as plain text."""
    lines = [
        "Issue 24: build pipeline out of sample (28 days from each origin; ratio = chosen/naive "
        "wMAPE; cov = recalibrated band coverage over days 1..h [raw]; day = coverage on day h "
        "alone; shape/direct = best daily x shape / best direct wMAPE)",
        f"{'queue':<20} {'history':<9} {'ratio1':>6} {'ratio7':>6} {'ratio28':>7} "
        f"{'cov80 1/7/28':>22} {'cov95 1/7/28':>22} {'day80 7/28':>10} {'day95 7/28':>10} "
        f"{'shp/dir7':>8} {'cpu_s':>6}  chosen",
    ]
    for r in rows:
        if r.get("table") != "issue24":
            continue
        if r.get("skipped"):
            lines.append(f"{r['queue']:<20} {r['history']:<9} skipped: {r['skipped']}")
            continue
        c80 = "/".join(
            f"{100 * r[f'cov80_{h}d']:.0f}[{100 * r[f'raw80_{h}d']:.0f}]" for h in ISSUE24_HORIZONS
        )
        c95 = "/".join(
            f"{100 * r[f'cov95_{h}d']:.0f}[{100 * r[f'raw95_{h}d']:.0f}]" for h in ISSUE24_HORIZONS
        )
        lines.append(
            f"{r['queue']:<20} {r['history']:<9} {r['ratio_1d']:>6.3f} {r['ratio_7d']:>6.3f} "
            f"{r['ratio_28d']:>7.3f} {c80:>22} {c95:>22} "
            f"{100 * r['day80_7d']:>4.0f}/{100 * r['day80_28d']:<5.0f} "
            f"{100 * r['day95_7d']:>4.0f}/{100 * r['day95_28d']:<5.0f} "
            f"{r['shape_vs_direct_7d']:>8.3f} "
            f"{r['cpu_s']:>6.1f}  {r['chosen']}"
        )
    return "\n".join(lines)


def run(peer_queues: int = SPEED_QUEUES, year_step_days: int = 1) -> list[dict[str, Any]]:
    """Run every table and return their rows (each dict has a ``table`` key)."""
    return (
        bench_accuracy() + bench_year(year_step_days) + bench_speed(peer_queues) + bench_issue24()
    )


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
    year = [r for r in rows if r["table"] == "year"]
    if year:
        lines += [
            "",
            "Technion 1999 (real calls, 30-minute intervals, Israel's holidays as the calendar):",
            "rolling origins every day over the last weeks of each window, wMAPE / MASE",
        ]
        head = f"{'window':<21} {'queue':<5} {'method':<25} {'origins':>7} " + " ".join(
            f"{'wMAPE' + str(h):>7} {'MASE' + str(h):>6}" for h in YEAR_HORIZONS
        )
        lines += [head, "-" * len(head)]
        for r in year:
            lines.append(
                f"{r['window']:<21} {r['queue']:<5} {r['method']:<25} {r['origins']:>7} "
                + " ".join(
                    f"{_fmt(r[f'wmape_{h}d']):>7} {_fmt(r[f'mase_{h}d'], 2):>6}"
                    for h in YEAR_HORIZONS
                )
            )
        lines += [
            "",
            f"Technion 1999 goal: chosen default method's 7-day wMAPE <= {GOAL} x seasonal naive's",
        ]
        head = (
            f"{'run':<20} {'window':<21} {'queue':<5} {'calls/d':>7} {'chosen':<18} "
            f"{'wMAPE7':>7} {'naive7':>7} {'ratio':>6}  met  {'robust ratio':>12}  {'bt s':>6}"
        )
        lines += [head, "-" * len(head)]
        for r in rows:
            if r["table"] == "year_goal":
                lines.append(
                    f"{r['run']:<20} {r['window']:<21} {r['queue']:<5} "
                    f"{r['calls_per_day']:>7.0f} {r['chosen']:<18} {_fmt(r['wmape_7d']):>7} "
                    f"{_fmt(r['naive_wmape_7d']):>7} {_fmt(r['ratio'], 3):>6}  "
                    f"{'yes' if r['goal_met'] else 'NO '}  {_fmt(r['robust_ratio'], 3):>12}  "
                    f"{r['backtest_s']:>6.1f}"
                )
        lines.append(
            "(the 'no calendar' and '15 min' runs compare the cheap methods only: SeasonalNaive,"
            " HistoricalAverage, TopDown and the robust variants)"
        )
    lines += [
        "",
        "Speed (5 queues x 2 years of synthetic 15-minute history, 28 days ahead; wall-clock and",
        "CPU seconds of this process; wMAPE28 against the 28 simulated days that follow, mean",
        "over the queues the peer was timed on)",
    ]
    head = f"{'case':<76} {'wall s':>8} {'CPU s':>8} {'wMAPE28':>8}  note"
    lines += [head, "-" * len(head)]
    for r in rows:
        if r["table"] == "speed":
            lines.append(
                f"{r['case']:<76} {r['seconds']:>8.2f} {r['cpu_s']:>8.2f} "
                f"{_fmt(r['wmape_28d']):>8}  {r['note']}"
            )
    return "\n".join(lines) + "\n\n" + format_issue24(rows)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--peer-queues",
        type=int,
        default=SPEED_QUEUES,
        help="queues to time statsforecast's full-history MSTL on (scaled linearly to 5)",
    )
    parser.add_argument(
        "--year-step-days",
        type=int,
        default=1,
        help="days between the rolling origins of the Technion 1999 backtests (7 for a quick run)",
    )
    parser.add_argument(
        "--derive",
        nargs="+",
        type=Path,
        metavar="RAW",
        help="rebuild benchmarks/data's 15-minute file from the Technion monthly call logs, exit",
    )
    parser.add_argument(
        "--issue24",
        action="store_true",
        help="only table 4 (issue 24: the build per queue and history length), 2 CPU min",
    )
    parser.add_argument(
        "--issue24-spring",
        action="store_true",
        help="table 4 on the spring origins (ISSUE24_SPRING_ORIGINS) instead, 3 CPU min",
    )
    args = parser.parse_args(argv)
    if args.issue24 or args.issue24_spring:
        origins = ISSUE24_SPRING_ORIGINS if args.issue24_spring else ISSUE24_ORIGINS
        print(format_issue24(bench_issue24(origins)))
        return
    if args.derive:
        print(f"{derive_year_file(args.derive)} rows written to {YEAR_FILE}")
        return
    print("ccops.engines.forecasting benchmark (all timings from this run)")
    print(format_tables(run(args.peer_queues, args.year_step_days)))


if __name__ == "__main__":
    main()
