"""`ccops forecast ...`: build, backtest, list, show, adjust and score forecasts, the staffing
requirement of a forecast, and the special days forecasts take into account."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ccops.cli_support import (
    console,
    day_text,
    err_console,
    handle_errors,
    num,
    pct,
    print_json,
    print_table,
    who,
)
from ccops.relative_days import DAY_HELP
from ccops.wfm.forecasts import schemas
from ccops.wfm.staffing import schemas as staffing_schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

forecast_app = typer.Typer(
    help="Interval forecasts, backtests, adjustments, accuracy and staffing requirements.",
    no_args_is_help=True,
)
QueueOpt = Annotated[str, typer.Option("--queue", help="Queue name")]
IntervalOpt = Annotated[int, typer.Option("--interval", help="Interval length: 15 or 30 minutes")]


def _print_summary(out: schemas.ForecastOut) -> None:
    print_table(
        f"Forecast {out.id}: {out.queue}, {out.first_day} to {out.last_day}, "
        f"{out.interval_min}-minute intervals, method {out.method}",
        [
            {
                "method": r.method,
                "horizon days": r.horizon_days,
                "MAE": num(r.mae, ".2f"),
                "RMSE": num(r.rmse, ".2f"),
                "wMAPE": pct(r.wmape),
                "MASE": num(r.mase),
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
    as_of: Annotated[
        str | None,
        typer.Option(help="Forecast as made on this day, from the history before it: " + DAY_HELP),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Backtest the methods on the queue's history and store a forecast with the best one."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

    data = schemas.ForecastBuildIn.model_validate(
        {
            "queue": queue,
            "horizon_days": horizon_days,
            "interval_min": interval,
            "methods": method or None,
            "backtest_weeks": backtest_weeks,
            "as_of": day_text(as_of),
        }
    )
    if as_json:
        with unit_of_work() as s:
            out = forecast_service.build_forecast(session=s, data=data, created_by=who())
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
            session=s, data=data, created_by=who(), progress=report
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
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

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
                "MAE": num(r.mae, ".2f"),
                "RMSE": num(r.rmse, ".2f"),
                "wMAPE": pct(r.wmape),
                "MASE": num(r.mase),
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
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

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
                "wMAPE 7d": pct(r.chosen_wmape_7d),
                "naive wMAPE 7d": pct(r.seasonal_naive_wmape_7d),
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
    forecast: Annotated[
        str, typer.Argument(help="Forecast id, or `latest` (the newest, of --queue if given)")
    ],
    queue: Annotated[str | None, typer.Option(help="With `latest`: the queue's newest")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a forecast: accuracy of the methods, adjustments and daily totals (JSON: intervals)."""
    from ccops.errors import Invalid, NotFound, Problem
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

    with unit_of_work() as s:
        if forecast.strip().lower() == "latest":
            newest = forecast_service.list_forecasts(session=s, queue=queue)
            if not newest:
                where = f" of queue {queue!r}" if queue else ""
                raise NotFound(f"no forecast{where} is stored: build one with `forecast build`")
            forecast_id = newest[0].id
        elif forecast.strip().isdigit():
            forecast_id = int(forecast)
        else:
            raise Invalid(
                f"{forecast!r} is not a forecast id: give a number or `latest`",
                [Problem("a number or latest", field="forecast")],
            )
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
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

    data = schemas.AdjustmentIn.model_validate(
        {"factor": factor, "reason": reason, "day": day, "start": start, "end": end}
    )
    with unit_of_work() as s:
        out = forecast_service.adjust_forecast(
            session=s, forecast_id=forecast_id, data=data, created_by=who()
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
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import service as forecast_service

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
            {"measure": "wMAPE", "forecast": pct(out.wmape), "adjusted": pct(out.wmape_adjusted)},
            {
                "measure": "MAE",
                "forecast": num(out.mae, ".2f"),
                "adjusted": num(out.mae_adjusted, ".2f"),
            },
        ],
        ["measure", "forecast", "adjusted"],
    )


special_days_app = typer.Typer(
    help="Special days (launches, campaigns, bill runs) that forecasts take into account.",
    no_args_is_help=True,
)
forecast_app.add_typer(special_days_app, name="special-day")


@special_days_app.command("add")
@handle_errors
def special_day_add(
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
    data = schemas.SpecialDayIn.model_validate(
        {
            "site": site,
            "queue": queue,
            "day": day,
            "kind": kind,
            "name": name,
            "effect_pct": effect_pct,
        }
    )
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import special_days as special_day_service

    with unit_of_work() as s:
        out = special_day_service.add_special_day(session=s, data=data)
    _special_days([out], as_json)


@special_days_app.command("list")
@handle_errors
def special_day_list(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored special days."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import special_days as special_day_service

    with unit_of_work() as s:
        rows = special_day_service.list_special_days(session=s, site=site)
    _special_days(rows, as_json)


def _special_days(rows: list[schemas.SpecialDayOut], as_json: bool) -> None:
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Special days (public holidays of China and the site's country are added automatically)",
        [r.model_dump(mode="json") for r in rows],
        ["id", "site", "queue", "day", "kind", "name", "effect_pct"],
    )


@forecast_app.command("requirement")
@handle_errors
def requirement(
    forecast_id: Annotated[int, typer.Argument(help="Forecast id")],
    breaks: Annotated[float, typer.Option(help="Shrinkage: breaks, fraction")] = 0.0,
    training: Annotated[float, typer.Option(help="Shrinkage: training, fraction")] = 0.0,
    coaching: Annotated[float, typer.Option(help="Shrinkage: coaching, fraction")] = 0.0,
    meetings: Annotated[float, typer.Option(help="Shrinkage: meetings, fraction")] = 0.0,
    absence: Annotated[float, typer.Option(help="Shrinkage: absence, fraction")] = 0.0,
    patience_s: Annotated[float | None, typer.Option(help="Mean patience: Erlang A")] = None,
    percentile: Annotated[
        float | None,
        typer.Option(help="Staff to this percentile of each interval's volume (50-97.5)"),
    ] = None,
    occupancy: Annotated[
        float,
        typer.Option(help="Planned occupancy: a nesting graduate counts as theirs / this"),
    ] = 0.85,
    as_json: JsonOpt = False,
) -> None:
    """Store the agents each forecast interval needs and the people to schedule."""
    data = staffing_schemas.RequirementIn(
        breaks=breaks,
        training=training,
        coaching=coaching,
        meetings=meetings,
        absence=absence,
        patience_s=patience_s,
        volume_percentile=percentile,
        occupancy=occupancy,
    )
    from ccops.runtime import unit_of_work
    from ccops.wfm.staffing import requirements as requirement_service

    with unit_of_work() as s:
        out = requirement_service.build_requirement(
            session=s, forecast_id=forecast_id, data=data, created_by=who()
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    peak: dict[str, tuple[int, int]] = {}
    nesting: dict[str, str] = {}
    for iv in out.intervals:
        key = iv.local_start.date().isoformat()
        a, b = peak.get(key, (0, 0))
        peak[key] = (max(a, iv.required_agents), max(b, iv.scheduled))
        if iv.nesting_heads:
            nesting[key] = (
                f"{iv.nesting_heads} as {iv.nesting_fte:.2f} agents, "
                f"{iv.nesting_occupancy_factor:.3f} an agent per head"
            )
    print_table(
        f"Requirement {out.id} for forecast {out.forecast_id} ({out.queue}): "
        f"{out.service_level_goal:.0%} within {out.target_s:g} s, "
        f"shrinkage {out.total_shrinkage:.0%}"
        + (
            f", staffed to the {out.volume_percentile:g}th percentile of volume"
            if out.volume_percentile is not None
            else ""
        ),
        [
            {"day": k, "peak agents": v[0], "peak scheduled": v[1], "nesting": nesting.get(k, "")}
            for k, v in peak.items()
        ],
        ["day", "peak agents", "peak scheduled", *(["nesting"] if nesting else [])],
        footnotes="nesting",
    )
