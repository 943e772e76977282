"""`ccops kpi` — interval, agent and repeat-contact KPIs; `ccops export` — Parquet for DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccops.cli_support import day_option, handle_errors, print_json, print_table
from ccops.errors import Invalid, Problem
from ccops.metrics import registry
from ccops.relative_days import DAY_HELP
from ccops.settings import get_settings

if TYPE_CHECKING:
    from ccops.metrics import service as kpi_service

kpi_app = typer.Typer(help="Queue, agent and repeat-contact KPIs.", invoke_without_command=True)
export_app = typer.Typer(help="Export data for analytic engines.", no_args_is_help=True)

FromOpt = Annotated[str | None, typer.Option("--from", help="First local date: " + DAY_HELP)]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last local date (inclusive)")]
IntervalOpt = Annotated[int, typer.Option("--interval", help="Interval minutes: 15, 30 or 60")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QueueOpt = Annotated[list[str] | None, typer.Option("--queue", help="Queue name, repeatable")]


def _date(text: str | None, option: str) -> date:
    found = day_option(text, option)
    if found is None:
        raise Invalid(f"{option} is required (YYYY-MM-DD)", [Problem("missing", field=option)])
    return found


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.1%}"


def _database_source() -> kpi_service.KpiSource:
    from ccops.metrics import service as kpi_service
    from ccops.runtime import session_factory

    settings = get_settings()
    session_factory(settings)  # refuses an unmigrated database with a clear message
    return kpi_service.source_for_database(settings.resolved_database_url())


def _source(
    parquet: Path | None, engine: str = "auto", spark_master: str | None = None
) -> kpi_service.KpiSource:
    from ccops.errors import Invalid, Problem
    from ccops.metrics import service as kpi_service

    if parquet is None:
        if engine not in ("auto", "database"):
            raise Invalid(
                f"--engine {engine} reads a Parquet export: give --parquet PATH",
                [Problem("needs --parquet", field="engine")],
            )
        return _database_source()
    chosen = "duckdb" if engine == "auto" else engine
    return kpi_service.source_for_parquet(parquet, chosen, spark_master)


EngineOpt = Annotated[
    str,
    typer.Option(
        help="auto (the database; DuckDB with --parquet), duckdb or spark (with --parquet)"
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(help="Spark master URL (default local[*], or CCOPS_SPARK_MASTER)"),
]
ParquetOpt = Annotated[
    Path | None,
    typer.Option(
        help="A contact Parquet export: a file, or a directory partitioned site=/date= (Hive style)"
    ),
]


@kpi_app.callback()
@handle_errors
def queue_kpis(
    ctx: typer.Context,
    first: FromOpt = None,
    last: ToOpt = None,
    queue: QueueOpt = None,
    interval: IntervalOpt = 15,
    parquet: ParquetOpt = None,
    engine: EngineOpt = "auto",
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue KPIs per queue and interval (service level, ASA, AHT, abandonment, ...)."""
    from ccops.metrics import service as kpi_service

    if ctx.invoked_subcommand is not None:
        return
    day0, day1 = _date(first, "--from"), _date(last, "--to")
    with _source(parquet, engine, spark_master) as source:
        kpi_service.check_names(source, queues=queue)
        rows = kpi_service.queue_interval_kpis(
            source=source, first=day0, last=day1, interval_min=interval, queues=queue
        )
    data = [r.model_dump(mode="json") for r in rows]
    if as_json:
        print_json(data)
        return
    columns = [
        "queue",
        "interval_start",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "service_level",
        "asa_s",
        "aht_s",
        "abandon_rate",
        "max_wait_s",
    ]
    for row in data:
        for key in ("service_level", "abandon_rate"):
            row[key] = _pct(row[key])
        for key in ("asa_s", "aht_s"):
            row[key] = None if row[key] is None else f"{row[key]:.1f}"
    variants = sorted({r.service_level_variant.value for r in rows})
    print_table(f"Queue KPIs (service level variant: {', '.join(variants)})", data, columns)


@kpi_app.command("agents")
@handle_errors
def agent_kpis(
    first: FromOpt = None,
    last: ToOpt = None,
    person: Annotated[list[str] | None, typer.Option(help="Person login, repeatable")] = None,
    interval: IntervalOpt = 15,
    as_json: JsonOpt = False,
) -> None:
    """Agent occupancy and utilisation per interval, from agent-state events."""
    from ccops.metrics import service as kpi_service

    day0, day1 = _date(first, "--from"), _date(last, "--to")
    with _database_source() as source:
        kpi_service.check_names(source, people=person)
        rows = kpi_service.agent_interval_kpis(
            source=source, first=day0, last=day1, interval_min=interval, people=person
        )
    data = [r.model_dump(mode="json") for r in rows]
    if as_json:
        print_json(data)
    else:
        for row in data:
            row["occupancy"], row["utilisation"] = _pct(row["occupancy"]), _pct(row["utilisation"])
        columns = [
            "person",
            "interval_start",
            "handling_s",
            "available_s",
            "logged_in_s",
            "occupancy",
            "utilisation",
        ]
        print_table("Agent KPIs", data, columns)


@kpi_app.command("repeats")
@handle_errors
def repeat_kpis(
    first: FromOpt = None,
    last: ToOpt = None,
    queue: QueueOpt = None,
    days: Annotated[int, typer.Option(help="Repeat window, days")] = 7,
    parquet: ParquetOpt = None,
    engine: EngineOpt = "auto",
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Repeat-contact rate per queue and day (first-contact-resolution proxy)."""
    from ccops.metrics import service as kpi_service

    day0, day1 = _date(first, "--from"), _date(last, "--to")
    with _source(parquet, engine, spark_master) as source:
        kpi_service.check_names(source, queues=queue)
        rows = kpi_service.repeat_contact_rates(
            source=source, first=day0, last=day1, window_days=days, queues=queue
        )
    data = [r.model_dump(mode="json") for r in rows]
    if as_json:
        print_json(data)
    else:
        for row in data:
            row["repeat_contact_rate"] = _pct(row["repeat_contact_rate"])
        columns = ["queue", "date", "contacts_with_key", "repeated", "repeat_contact_rate"]
        print_table(f"Repeat contacts within {days} days", data, columns)


@kpi_app.command("definitions")
def definitions(
    markdown: Annotated[bool, typer.Option(help="Print the docs/kpis.md page")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show every KPI's formula, unit and data source."""
    if markdown:
        typer.echo(registry.markdown())
        return
    data = [vars(m) for m in registry.METRICS.values()]
    if as_json:
        print_json(data)
    else:
        print_table("KPI definitions", data, ["key", "label", "unit", "formula", "data_source"])


@export_app.command("contacts")
@handle_errors
def export_contacts(
    to: Annotated[Path, typer.Option("--to-file", help="Parquet file to write")],
    first: FromOpt = None,
    last: ToOpt = None,
) -> None:
    """Write contacts of a date range to Parquet (the contact frame the KPIs read)."""
    from ccops.metrics import service as kpi_service

    day0, day1 = _date(first, "--from"), _date(last, "--to")
    with _database_source() as source:
        rows = kpi_service.export_contacts_parquet(source=source, path=to, first=day0, last=day1)
    typer.echo(f"wrote {rows} contacts to {to}")
