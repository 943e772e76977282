"""`ccops staffing`, `ccops simulate`, `ccops forecast ...` and `ccops capacity plan`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ccops.cli_support import console, err_console, handle_errors, print_json, print_table
from ccops.errors import Invalid, Problem
from ccops.runtime import unit_of_work
from ccops.wfm import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.staffing import service as wfm_service

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


@handle_errors
def staffing(
    calls: Annotated[float, typer.Option(help="Contacts offered in the interval")],
    aht_s: Annotated[float, typer.Option(help="Average handle time, seconds")],
    interval_s: Annotated[float, typer.Option(help="Interval length, seconds")] = 1800,
    target_s: Annotated[float | None, typer.Option(help="Service-level threshold T, s")] = None,
    service_level: Annotated[float | None, typer.Option(help="Goal: fraction within T")] = None,
    asa: Annotated[
        float | None, typer.Option("--asa-s", help="Goal: average speed of answer")
    ] = None,
    abandon_rate: Annotated[float | None, typer.Option(help="Goal: abandonment fraction")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Occupancy cap, fraction")] = None,
    patience_s: Annotated[float | None, typer.Option(help="Mean patience: Erlang A")] = None,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the queue")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Agents needed for one interval (Erlang C, or Erlang A with --patience-s)."""
    data = schemas.StaffingIn(
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        service_level=service_level,
        asa_s=asa,
        abandon_rate=abandon_rate,
        max_occupancy=max_occupancy,
        patience_s=patience_s,
        shrinkage=shrinkage,
    )
    out = wfm_service.staffing(data=data)
    if as_json:
        print_json(out.model_dump(mode="json", exclude={"table"}))
        return
    rows = [
        {
            "agents": f"{r.agents} ←" if r.agents == out.agents else r.agents,
            "service level": _pct(r.service_level),
            "ASA s": "∞" if r.asa_s is None else f"{r.asa_s:.1f}",
            "abandoned": _pct(r.abandon_rate),
            "occupancy": _pct(r.occupancy),
            "meets goals": "yes" if r.meets_goals else "no",
        }
        for r in out.table
    ]
    print_table(
        f"{out.model}, load {out.load_erlangs:.2f} erlangs: {out.agents} agents on the queue, "
        f"{out.scheduled} to schedule at {shrinkage:.0%} shrinkage",
        rows,
        ["agents", "service level", "ASA s", "abandoned", "occupancy", "meets goals"],
    )


@handle_errors
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML)")],
    as_json: JsonOpt = False,
) -> None:
    """Simulate a scenario file and print KPIs with confidence intervals."""
    out = wfm_service.simulate_file(path=scenario)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return

    def ci(e: schemas.EstimateOut, pct: bool) -> str:
        if e.value is None:
            return ""

        def fmt(x: float | None) -> str:
            return "?" if x is None else (f"{x:.1%}" if pct else f"{x:.1f}")

        return f"{fmt(e.value)} [{fmt(e.low)}, {fmt(e.high)}]"

    rows = [
        {
            "queue": q.queue,
            "offered": q.offered,
            "service level": ci(q.service_level, True),
            "ASA s": ci(q.asa_s, False),
            "abandoned": ci(q.abandon_rate, True),
            "occupancy": ci(q.occupancy, True),
        }
        for q in out.queues
    ]
    print_table(
        f"{out.replications} {out.method}, {out.confidence:.0%} intervals, "
        f"service level within {out.target_s:g} s (abandons count against)",
        rows,
        ["queue", "offered", "service level", "ASA s", "abandoned", "occupancy"],
    )


# --- forecasts and capacity plans --------------------------------------------------------------

forecast_app = typer.Typer(
    help="Interval forecasts, backtests, adjustments, accuracy and staffing requirements.",
    no_args_is_help=True,
)
capacity_app = typer.Typer(help="Capacity (hiring) plans.", no_args_is_help=True)
QueueOpt = Annotated[str, typer.Option("--queue", help="Queue name")]
IntervalOpt = Annotated[int, typer.Option("--interval", help="Interval length: 15 or 30 minutes")]


def _who() -> str:
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):
        return "cli"


def _num(x: float | None, fmt: str = ".3f") -> str:
    return "" if x is None else format(x, fmt)


def _print_summary(out: schemas.ForecastOut) -> None:
    print_table(
        f"Forecast {out.id}: {out.queue}, {out.first_day} to {out.last_day}, "
        f"{out.interval_min}-minute intervals, method {out.method}",
        [
            {
                "method": r.method,
                "horizon days": r.horizon_days,
                "MAE": _num(r.mae, ".2f"),
                "RMSE": _num(r.rmse, ".2f"),
                "wMAPE": _pct(r.wmape),
                "MASE": _num(r.mase),
                "chosen": "yes" if r.chosen else "",
                "skipped": r.skipped_reason or "",
            }
            for r in out.accuracy
        ],
        ["method", "horizon days", "MAE", "RMSE", "wMAPE", "MASE", "chosen", "skipped"],
    )
    if out.notes:
        console.print(out.notes, highlight=False)


def _daily(out: schemas.ForecastDetailOut) -> list[dict[str, object]]:
    days: dict[str, list[float]] = {}
    for iv in out.intervals:
        key = iv.local_start.date().isoformat()
        d = days.setdefault(key, [0.0, 0.0, 0.0])
        d[0] += iv.volume
        d[1] += iv.adjusted_volume
        d[2] += iv.adjusted_volume * iv.aht_s
    return [
        {
            "day": k,
            "forecast": f"{v[0]:.0f}",
            "adjusted": f"{v[1]:.0f}",
            "AHT s": f"{v[2] / v[1]:.0f}" if v[1] > 0 else "",
        }
        for k, v in days.items()
    ]


@forecast_app.command("build")
@handle_errors
def forecast_build(
    queue: QueueOpt,
    horizon_days: Annotated[int, typer.Option(help="Days ahead to forecast")] = 28,
    interval: IntervalOpt = 15,
    method: Annotated[
        list[str] | None, typer.Option("--method", help="Methods to compare (repeatable)")
    ] = None,
    backtest_weeks: Annotated[int, typer.Option(help="Weeks of backtest origins")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Backtest the methods on the queue's history and store a forecast with the best one."""
    data = schemas.ForecastBuildIn(
        queue=queue,
        horizon_days=horizon_days,
        interval_min=interval,
        methods=method or None,
        backtest_weeks=backtest_weeks,
    )
    if as_json:
        with unit_of_work() as s:
            out = forecast_service.build_forecast(session=s, data=data, created_by=_who())
        print_json(out.model_dump(mode="json", exclude={"intervals"}))
        return
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar,
        unit_of_work() as s,
    ):
        task = bar.add_task(f"forecast of {queue}", total=1.0)

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message)

        out = forecast_service.build_forecast(
            session=s, data=data, created_by=_who(), progress=report
        )
        bar.update(task, completed=1.0)
    _print_summary(out)
    print_table("Daily totals", _daily(out), ["day", "forecast", "adjusted", "AHT s"])
    console.print(f"built in {out.build_seconds:.1f} s", highlight=False)


@forecast_app.command("backtest")
@handle_errors
def forecast_backtest(
    queue: QueueOpt,
    interval: IntervalOpt = 15,
    method: Annotated[list[str] | None, typer.Option("--method")] = None,
    backtest_weeks: Annotated[int, typer.Option(help="Weeks of backtest origins")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Measure every method's accuracy on the queue's own history (rolling origins)."""
    data = schemas.BacktestIn(
        queue=queue,
        interval_min=interval,
        methods=method or None,
        backtest_weeks=backtest_weeks,
    )
    with unit_of_work() as s:
        rows = forecast_service.backtest_queue(session=s, data=data)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        f"Backtest of {queue} (chosen: lowest wMAPE at 7 days)",
        [
            {
                "method": r.method,
                "horizon days": r.horizon_days,
                "MAE": _num(r.mae, ".2f"),
                "RMSE": _num(r.rmse, ".2f"),
                "wMAPE": _pct(r.wmape),
                "MASE": _num(r.mase),
                "origins": r.n_origins,
                "chosen": "yes" if r.chosen else "",
                "skipped": r.skipped_reason or "",
            }
            for r in rows
        ],
        ["method", "horizon days", "MAE", "RMSE", "wMAPE", "MASE", "origins", "chosen", "skipped"],
    )


@forecast_app.command("list")
@handle_errors
def forecast_list(
    queue: Annotated[str | None, typer.Option("--queue", help="Only this queue")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored forecasts, newest first."""
    with unit_of_work() as s:
        rows = forecast_service.list_forecasts(session=s, queue=queue)
    if as_json:
        print_json([r.model_dump(mode="json", exclude={"accuracy"}) for r in rows])
        return
    print_table(
        "Forecasts",
        [
            {
                "id": r.id,
                "queue": r.queue,
                "method": r.method,
                "from": r.first_day,
                "to": r.last_day,
                "wMAPE 7d": _pct(r.chosen_wmape_7d),
                "naive wMAPE 7d": _pct(r.seasonal_naive_wmape_7d),
                "adjustments": len(r.adjustments),
                "by": r.created_by,
            }
            for r in rows
        ],
        ["id", "queue", "method", "from", "to", "wMAPE 7d", "naive wMAPE 7d", "adjustments", "by"],
    )


@forecast_app.command("show")
@handle_errors
def forecast_show(
    forecast_id: Annotated[int, typer.Argument(help="Forecast id")], as_json: JsonOpt = False
) -> None:
    """Show a forecast: accuracy of the methods, adjustments and daily totals (JSON: intervals)."""
    with unit_of_work() as s:
        out = forecast_service.get_forecast(session=s, forecast_id=forecast_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    _print_summary(out)
    if out.adjustments:
        print_table(
            "Adjustments (multiplied)",
            [a.model_dump(mode="json") for a in out.adjustments],
            ["id", "first_local", "last_local", "factor", "reason", "created_by"],
        )
    print_table("Daily totals", _daily(out), ["day", "forecast", "adjusted", "AHT s"])


@forecast_app.command("adjust")
@handle_errors
def forecast_adjust(
    forecast_id: Annotated[int, typer.Argument(help="Forecast id")],
    factor: Annotated[float, typer.Option(help="Multiplier of the volume, > 0")],
    reason: Annotated[str, typer.Option(help="Why")],
    day: Annotated[str | None, typer.Option(help="Local day, YYYY-MM-DD")] = None,
    start: Annotated[str | None, typer.Option(help="Local start, YYYY-MM-DDTHH:MM")] = None,
    end: Annotated[str | None, typer.Option(help="Local end (exclusive)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an adjustment layer on a day or interval range (the forecast itself is kept)."""
    data = schemas.AdjustmentIn.model_validate(
        {"factor": factor, "reason": reason, "day": day, "start": start, "end": end}
    )
    with unit_of_work() as s:
        out = forecast_service.adjust_forecast(
            session=s, forecast_id=forecast_id, data=data, created_by=_who()
        )
    if as_json:
        print_json(out.model_dump(mode="json", exclude={"intervals"}))
        return
    print_table("Daily totals", _daily(out), ["day", "forecast", "adjusted", "AHT s"])


@forecast_app.command("accuracy")
@handle_errors
def forecast_accuracy(
    forecast_id: Annotated[int, typer.Argument(help="Forecast id")], as_json: JsonOpt = False
) -> None:
    """Compare a forecast with the contacts that arrived."""
    with unit_of_work() as s:
        out = forecast_service.forecast_vs_actual(session=s, forecast_id=forecast_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"Forecast {out.forecast_id} ({out.queue}) against actual, "
        f"{out.scored_intervals} intervals with data",
        [
            {"measure": "actual", "forecast": f"{out.actual_total:.0f}", "adjusted": ""},
            {
                "measure": "total",
                "forecast": f"{out.forecast_total:.0f}",
                "adjusted": f"{out.adjusted_total:.0f}",
            },
            {"measure": "wMAPE", "forecast": _pct(out.wmape), "adjusted": _pct(out.wmape_adjusted)},
            {
                "measure": "MAE",
                "forecast": _num(out.mae, ".2f"),
                "adjusted": _num(out.mae_adjusted, ".2f"),
            },
        ],
        ["measure", "forecast", "adjusted"],
    )


@forecast_app.command("requirement")
@handle_errors
def forecast_requirement(
    forecast_id: Annotated[int, typer.Argument(help="Forecast id")],
    breaks: Annotated[float, typer.Option(help="Shrinkage: breaks, fraction")] = 0.0,
    training: Annotated[float, typer.Option(help="Shrinkage: training, fraction")] = 0.0,
    coaching: Annotated[float, typer.Option(help="Shrinkage: coaching, fraction")] = 0.0,
    meetings: Annotated[float, typer.Option(help="Shrinkage: meetings, fraction")] = 0.0,
    absence: Annotated[float, typer.Option(help="Shrinkage: absence, fraction")] = 0.0,
    patience_s: Annotated[float | None, typer.Option(help="Mean patience: Erlang A")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store the agents each forecast interval needs and the people to schedule."""
    data = schemas.RequirementIn(
        breaks=breaks,
        training=training,
        coaching=coaching,
        meetings=meetings,
        absence=absence,
        patience_s=patience_s,
    )
    with unit_of_work() as s:
        out = forecast_service.build_requirement(
            session=s, forecast_id=forecast_id, data=data, created_by=_who()
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    peak: dict[str, tuple[int, int]] = {}
    for iv in out.intervals:
        key = iv.local_start.date().isoformat()
        a, b = peak.get(key, (0, 0))
        peak[key] = (max(a, iv.required_agents), max(b, iv.scheduled))
    print_table(
        f"Requirement {out.id} for forecast {out.forecast_id} ({out.queue}): "
        f"{out.service_level_goal:.0%} within {out.target_s:g} s, "
        f"shrinkage {out.total_shrinkage:.0%}",
        [{"day": k, "peak agents": v[0], "peak scheduled": v[1]} for k, v in peak.items()],
        ["day", "peak agents", "peak scheduled"],
    )


@capacity_app.command("plan")
@handle_errors
def capacity_plan(
    forecast_id: Annotated[int, typer.Option("--forecast", help="Forecast id")],
    current_fte: Annotated[float, typer.Option(help="Productive FTE today")],
    attrition_weekly: Annotated[float, typer.Option(help="Share leaving per week")] = 0.005,
    lead_time_weeks: Annotated[int, typer.Option(help="Weeks from requisition to start")] = 4,
    training_weeks: Annotated[int, typer.Option(help="Weeks from start to go-live")] = 4,
    ramp: Annotated[
        str, typer.Option(help="Productivity per week after go-live, comma-separated")
    ] = "0.5,0.75,0.9",
    occupancy: Annotated[float, typer.Option(help="Planned occupancy")] = 0.85,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the queue")] = 0.3,
    hours_per_fte_week: Annotated[float, typer.Option(help="Paid hours per FTE-week")] = 40.0,
    weeks: Annotated[int, typer.Option(help="Weeks to plan")] = 26,
    as_json: JsonOpt = False,
) -> None:
    """Plan hires week by week: required FTE, available FTE, people to start, gap."""
    try:
        ramp_values = [float(x) for x in ramp.split(",") if x.strip()]
    except ValueError:
        raise Invalid(
            f"ramp: not a comma-separated list of numbers: {ramp!r}",
            [Problem("not numbers", field="ramp")],
        ) from None
    data = schemas.CapacityPlanIn(
        forecast_id=forecast_id,
        current_fte=current_fte,
        attrition_weekly=attrition_weekly,
        lead_time_weeks=lead_time_weeks,
        training_weeks=training_weeks,
        ramp=ramp_values,
        occupancy=occupancy,
        shrinkage=shrinkage,
        hours_per_fte_week=hours_per_fte_week,
        weeks=weeks,
    )
    with unit_of_work() as s:
        out = forecast_service.capacity_plan(session=s, data=data, created_by=_who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    _print_plan(out)


def _print_plan(out: schemas.CapacityPlanOut) -> None:
    print_table(
        f"Capacity plan {out.id} ({out.queue}): {out.total_hires} hires",
        [
            {
                "week": w.week_index + 1,
                "starts": w.week_start,
                "workload h": f"{w.workload_h:.0f}" + ("" if w.from_forecast else "*"),
                "required FTE": f"{w.required_fte:.1f}",
                "available FTE": f"{w.available_fte:.1f}",
                "hires to start": w.hires_start or "",
                "gap FTE": f"{w.gap_fte:.1f}",
            }
            for w in out.weeks
        ],
        [
            "week",
            "starts",
            "workload h",
            "required FTE",
            "available FTE",
            "hires to start",
            "gap FTE",
        ],
    )
    if out.notes:
        console.print(out.notes, highlight=False)


@capacity_app.command("list")
@handle_errors
def capacity_list(
    forecast_id: Annotated[
        int | None, typer.Option("--forecast", help="Only this forecast")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored capacity plans, newest first."""
    with unit_of_work() as s:
        rows = forecast_service.list_capacity_plans(session=s, forecast_id=forecast_id)
    if as_json:
        print_json([r.model_dump(mode="json", exclude={"weeks"}) for r in rows])
        return
    print_table(
        "Capacity plans",
        [
            {
                "id": r.id,
                "forecast": r.forecast_id,
                "queue": r.queue,
                "first week": r.first_week,
                "weeks": len(r.weeks),
                "current FTE": f"{r.current_fte:g}",
                "hires": r.total_hires,
                "by": r.created_by,
            }
            for r in rows
        ],
        ["id", "forecast", "queue", "first week", "weeks", "current FTE", "hires", "by"],
    )


@capacity_app.command("show")
@handle_errors
def capacity_show(
    plan_id: Annotated[int, typer.Argument(help="Capacity plan id")], as_json: JsonOpt = False
) -> None:
    """Show a capacity plan week by week."""
    with unit_of_work() as s:
        out = forecast_service.get_capacity_plan(session=s, plan_id=plan_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    _print_plan(out)


events_app = typer.Typer(
    help="Special days (launches, campaigns, bill runs) that forecasts take into account.",
    no_args_is_help=True,
)
forecast_app.add_typer(events_app, name="event")


@events_app.command("add")
@handle_errors
def event_add(
    site: Annotated[str, typer.Option(help="Site name")],
    day: Annotated[str, typer.Option(help="Local day, YYYY-MM-DD")],
    kind: Annotated[str, typer.Option(help="Kind, e.g. launch, bill_run")],
    name: Annotated[str, typer.Option(help="What it is")],
    queue: Annotated[str | None, typer.Option(help="Only this queue")] = None,
    effect_pct: Annotated[
        float | None, typer.Option(help="Planned change of the day's volume, %; omit to learn")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a special day of a site or queue."""
    data = schemas.CalendarEventIn.model_validate(
        {
            "site": site,
            "queue": queue,
            "day": day,
            "kind": kind,
            "name": name,
            "effect_pct": effect_pct,
        }
    )
    with unit_of_work() as s:
        out = forecast_service.add_calendar_event(session=s, data=data)
    _events([out], as_json)


@events_app.command("list")
@handle_errors
def event_list(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored special days."""
    with unit_of_work() as s:
        rows = forecast_service.list_calendar_events(session=s, site=site)
    _events(rows, as_json)


def _events(rows: list[schemas.CalendarEventOut], as_json: bool) -> None:
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Special days (public holidays of China and the site's country are added automatically)",
        [r.model_dump(mode="json") for r in rows],
        ["id", "site", "queue", "day", "kind", "name", "effect_pct"],
    )
